"""The conda environments of workflow/envs/ provide what their rules import
(`snakemake --software-deployment-method conda`). Checked statically: conda channels
are out of reach here, and a job run with this virtualenv's Snakemake would not notice
a missing package, since Snakemake's script preamble appends its own site-packages
to every script's sys.path."""

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from cz4042 import codedeps

RULES = ROOT / "workflow" / "rules"
SCRIPTS = ROOT / "workflow" / "scripts"
PACKAGE = SCRIPTS / codedeps.PACKAGE
# conda package names of an import name, where they differ from it
CONDA_NAMES = {"yaml": {"pyyaml"}, "torch": {"pytorch"}, "matplotlib": {"matplotlib", "matplotlib-base"},
               "sklearn": {"scikit-learn"}, "PIL": {"pillow"}}
# what pandas imports only when a method is called: method name -> import name
PANDAS_EXTRAS = {"to_markdown": "tabulate", "read_parquet": "pyarrow", "to_parquet": "pyarrow"}


def rule_directives() -> dict[str, dict[str, str]]:
    """{rule: {"conda": path, "script": path}} from workflow/rules/*.smk, `use rule A
    as B with:` starting from A's directives."""
    rules: dict[str, dict[str, str]] = {}
    for smk in sorted(RULES.glob("*.smk")):
        name, directive = None, None
        for line in smk.read_text().splitlines():
            if match := re.match(r"(?:rule|checkpoint) (\w+):", line):
                name = match.group(1)
                rules[name] = {}
            elif match := re.match(r"use rule (\w+) as (\w+) with:", line):
                name = match.group(2)
                rules[name] = dict(rules[match.group(1)])
            elif name and (match := re.match(r" {4}(\w+):\s*$", line)):
                directive = match.group(1)
            elif name and directive in ("conda", "script") and (match := re.match(r' {8}"(.+)"', line)):
                rules[name][directive] = str((smk.parent / match.group(1)).resolve())
            elif line and not line.startswith(" "):
                name = None
    return {rule: d for rule, d in rules.items() if "script" in d}


def third_party_imports(script: Path) -> set[str]:
    """Top-level names of what `script` imports outside the standard library and the
    package: everything the script itself imports, what its package modules import at
    module level, and what they import inside a function the script's code names."""
    files = [script, *(PACKAGE / f"{m}.py" for m in codedeps.modules_run(script, PACKAGE))]
    trees = {f: ast.parse(f.read_text(encoding="utf-8")) for f in files}
    named = {n.id for t in trees.values() for n in ast.walk(t) if isinstance(n, ast.Name)}
    named |= {n.attr for t in trees.values() for n in ast.walk(t) if isinstance(n, ast.Attribute)}
    named |= {a.name for t in trees.values() for n in ast.walk(t) if isinstance(n, ast.ImportFrom) for a in n.names}
    found = {name for attr, name in PANDAS_EXTRAS.items() if attr in named}
    for path, tree in trees.items():
        for statement in tree.body:  # a lazy import counts where its function is named
            if path == script or not isinstance(statement, ast.FunctionDef) or statement.name in named:
                found |= imported_names(statement)
    return {n for n in found if n not in sys.stdlib_module_names and n != codedeps.PACKAGE}


def imported_names(node: ast.AST) -> set[str]:
    names = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Import):
            names |= {alias.name.split(".")[0] for alias in inner.names}
        elif isinstance(inner, ast.ImportFrom) and inner.level == 0:
            names.add(inner.module.split(".")[0])
    return names


def conda_packages(env: Path) -> set[str]:
    dependencies = yaml.safe_load(env.read_text())["dependencies"]
    return {re.split(r"[<>=!~ ]", d.split("::")[-1])[0].lower() for d in dependencies if isinstance(d, str)}


RULE_DIRECTIVES = rule_directives()


def test_every_rule_with_a_script_names_an_environment():
    assert {"train_partA", "train_partB", "prepare_cifar10", "partA_grid_table"} <= set(RULE_DIRECTIVES)
    assert not [rule for rule, d in RULE_DIRECTIVES.items() if "conda" not in d]


@pytest.mark.parametrize("rule", sorted(RULE_DIRECTIVES))
def test_the_rules_environment_provides_what_its_script_imports(rule):
    env, script = Path(RULE_DIRECTIVES[rule]["conda"]), Path(RULE_DIRECTIVES[rule]["script"])
    provided = conda_packages(env)
    missing = sorted(name for name in third_party_imports(script)
                     if not CONDA_NAMES.get(name, {name.lower()}) & provided)
    assert not missing, f"{env.relative_to(ROOT)} lacks {missing}, which rule {rule} ({script.name}) imports"
