"""Which package modules a rule script runs, found by following its imports, and a hash
of what that code computes: the rules take it as a param, so that a rule reruns when its
code changes what it computes, and not when a file is touched or checked out again
(Snakemake reruns a job whose params changed; code files are no inputs)."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "cz4042"
# The one list of modules that cannot change a number any job writes, each for its reason.
# Their imports are still followed: a module they import counts on its own.
NUMBER_NEUTRAL = frozenset({
    "__init__",  # the package's docstring
    "errors",  # the exception types
    "rule",  # a rule script's log and its one-line error report
    "atomic",  # writes the bytes it is given, through a temporary file
    "provenance",  # describes a run's environment in its record (versions, device, commit)
    "download",  # fetches archives checked by their digest; training records its inputs' digests with it
    "codedeps",  # this module: which code a rule runs
})


def imported_modules(source: Path, package_dir: Path) -> set[str]:
    """The package's modules that `source` imports, at any depth of its code (lazy
    imports inside functions too), absolutely (cz4042.x) or relatively (.x)."""
    names = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            dotted = (node.module or "").split(".")
            if node.level == 0 and dotted[0] != PACKAGE:
                continue
            inner = dotted[1:] if node.level == 0 else dotted
            names.update([inner[0]] if inner and inner[0] else [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith(f"{PACKAGE}."))
    return {name for name in names if (package_dir / f"{name}.py").is_file()}


def modules_run(script: Path, package_dir: Path) -> set[str]:
    """Every package module `script` runs, directly or through other modules."""
    seen: set[str] = set()
    todo = imported_modules(script, package_dir)
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= imported_modules(package_dir / f"{name}.py", package_dir) - seen
    return seen


def code_inputs(script: Path, package_dir: Path) -> list[str]:
    """Every module `script` runs but the number-neutral ones: the files whose edit
    must rerun the script's rule."""
    return sorted(str(package_dir / f"{name}.py") for name in modules_run(script, package_dir) - NUMBER_NEUTRAL)


def normalised(source: Path) -> str:
    """The code of `source` as Python runs it (its syntax tree: no comments, no layout),
    less its docstrings and the messages of the errors it raises (whether it raises
    depends on the code around the raise, never on the message)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            node.exc.args, node.exc.keywords = [], []
    return ast.dump(tree)


def code_digest(script: Path, package_dir: Path) -> str:
    """A hash of the normalised code of `script` and of every module in its code_inputs:
    it changes when an edit can change what the script computes."""
    digest = hashlib.sha256()
    for path in [script, *map(Path, code_inputs(script, package_dir))]:
        digest.update(f"{path.name}\0{normalised(path)}\0".encode())
    return digest.hexdigest()
