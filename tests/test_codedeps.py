from pathlib import Path

from cz4042 import codedeps

PACKAGE = Path(codedeps.__file__).resolve().parent


def modules(script):
    return {Path(p).stem for p in codedeps.code_inputs(PACKAGE.parent / script, PACKAGE)}


def test_training_depends_on_everything_it_runs_that_can_change_a_number():
    """Among them the modules a hand-kept list once left out (the history schema)."""
    assert modules("train.py") >= {"training", "engine", "models", "optim", "cifar", "tokenize", "resume",
                                   "runtime", "schema"}


def test_training_imports_neither_the_validator_nor_the_record_readers():
    """An error message edited in config.py once made all 130 training jobs stale."""
    assert not modules("train.py") & {"config", "records", "aggregate", "verdicts", "selection", "plots"}


def test_best_cell_choice_depends_on_its_own_reader_not_on_the_tables():
    assert modules("best_cell.py") == {"selection", "records", "schema"}


def test_tables_do_not_depend_on_training_code_and_number_neutral_modules_are_left_out():
    table = modules("table.py")
    assert {"aggregate", "records"} <= table and not table & {"engine", "models", "training"}
    assert not table & codedeps.NUMBER_NEUTRAL


def test_lazy_and_relative_imports_are_followed(tmp_path):
    package = tmp_path / "cz4042"
    package.mkdir()
    (package / "a.py").write_text("def f():\n    from .b import g\n")
    (package / "b.py").write_text("from . import c\n")
    (package / "c.py").write_text("import os\n")
    (package / "rule.py").write_text("")
    script = tmp_path / "s.py"
    script.write_text("import cz4042.a\nfrom cz4042 import rule\n")
    assert [Path(p).name for p in codedeps.code_inputs(script, package)] == ["a.py", "b.py", "c.py"]


MODULE = '''"""A module."""
import math


def f(x):
    """Doubles x."""
    if x < 0:
        raise ValueError(f"x is {x}")  # negative
    return 2 * math.sqrt(x)
'''


def digest_after(tmp_path, edits):
    """The code digest of a script importing cz4042.m and cz4042.rule, after `edits`
    ({module name: (old, new)}) of their text."""
    package = tmp_path / "cz4042"
    package.mkdir(exist_ok=True)
    sources = {"m": MODULE, "rule": "def log(message):\n    print(message)\n"}
    for name, source in sources.items():
        old, new = edits.get(name, ("", ""))
        (package / f"{name}.py").write_text(source.replace(old, new) if old else source + new)
    script = tmp_path / "s.py"
    script.write_text("from cz4042 import m, rule\n")
    return codedeps.code_digest(script, package)


def test_comments_docstrings_layout_and_error_messages_leave_the_digest_alone(tmp_path):
    before = digest_after(tmp_path, {})
    for edit in [("# negative", "# below zero"), ('"""Doubles x."""', '"""Twice x."""'), ('"""A module."""', ""),
                 ('f"x is {x}"', '"negative x"'), ("2 * math", "2*math"), ("", "\n\n# the end\n")]:
        assert digest_after(tmp_path, {"m": edit}) == before, edit


def test_a_code_edit_changes_the_digest_but_not_in_a_number_neutral_module(tmp_path):
    before = digest_after(tmp_path, {})
    for edit in [("2 * math", "3 * math"), ("x < 0", "x <= 0"), ("ValueError", "TypeError"), ("", "Y = 1\n")]:
        assert digest_after(tmp_path, {"m": edit}) != before, edit
    assert digest_after(tmp_path, {"rule": ("print(message)", "print(message, flush=True)")}) == before


def test_every_rule_script_has_a_digest_and_they_differ():
    scripts = sorted((PACKAGE.parent).glob("*.py"))
    digests = {codedeps.code_digest(script, PACKAGE) for script in scripts}
    assert len(digests) == len(scripts)
