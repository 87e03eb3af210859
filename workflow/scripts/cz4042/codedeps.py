"""Which package modules a rule script runs, found by following its imports, so that a
rule's code inputs (what makes its outputs stale) are complete by construction."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "cz4042"
# Modules that cannot change a number any job writes: logging and error types.
NUMBER_NEUTRAL = frozenset({"rule", "errors", "__init__"})


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
