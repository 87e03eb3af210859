from pathlib import Path

from cz4042 import codedeps

PACKAGE = Path(codedeps.__file__).resolve().parent


def modules(script):
    return {Path(p).stem for p in codedeps.code_inputs(PACKAGE.parent / script, PACKAGE)}


def test_training_depends_on_everything_it_runs():
    """Among them the modules a hand-kept list once left out (atomic, download)."""
    assert modules("train.py") >= {"training", "engine", "models", "optim", "cifar", "tokenize", "atomic",
                                   "download", "records", "config"}


def test_best_cell_choice_depends_on_its_own_reader_not_on_the_tables():
    assert modules("best_cell.py") == {"selection", "records", "atomic", "errors"} - codedeps.NUMBER_NEUTRAL


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
