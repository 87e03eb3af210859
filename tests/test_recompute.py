"""Only stale outputs are recomputed: dry-run job lists after each kind of change,
on a complete tiny run."""

import contextlib
import copy
import os
import re

import pytest
import yaml
from conftest import run_snakemake

pytestmark = pytest.mark.slow  # end-to-end Snakemake runs

FIGURE_RULES = {"partA_baseline_curves_figure", "partA_feature_maps_figure", "partA_grid_heatmap_figure", "partA_optimizers_figure",
                "partA_comparison_figure", "partB_curves_figure", "partB_rnn_variants_figure", "partB_comparison_figure",
                "reproduction_figure"}
VERDICT_RULES = {("reproduction_table", ""), ("reproduction_figure", ""), ("outstanding_runs", "")}


def planned_jobs(workdir, config, *targets):
    """(rule, wildcards) of every job a dry run would execute."""
    result = run_snakemake(workdir, "-n", *(targets or ("all",)), config=config)
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return set()
    jobs, rule = set(), None
    for line in text.splitlines():
        match = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if match:
            if rule:
                jobs.add((rule, ""))
            rule = match.group(1)
        elif rule and line.strip().startswith("wildcards:"):
            jobs.add((rule, line.split(":", 1)[1].strip()))
            rule = None
        elif rule and line.strip().startswith("jobid:"):
            pass
    if rule:
        jobs.add((rule, ""))
    return {(r, w) for r, w in jobs}


def rules_of(jobs):
    return {rule for rule, _ in jobs}


@pytest.fixture
def tiny(tiny_run):
    """The complete tiny run, with a config to change. Every test leaves the workdir as
    it found it (edited() restores a file's bytes and mtime), so that it is checked
    complete once, by the first test, not by a dry run before each (~5 s each)."""
    workdir, config = tiny_run
    return workdir, copy.deepcopy(config)


def test_running_again_does_nothing(tiny):
    """Not the fixture's dry run again: a real second `all` runs no job and rewrites no file."""
    workdir, config = tiny
    written = {path: path.stat().st_mtime_ns for path in (workdir / "results").rglob("*") if path.is_file()}
    result = run_snakemake(workdir, "--cores", "2", "all", config=config)
    assert "Nothing to be done" in result.stdout + result.stderr
    assert {path: path.stat().st_mtime_ns for path in (workdir / "results").rglob("*") if path.is_file()} == written


def test_one_variant_change_reruns_that_variant_and_its_downstream_only(tiny):
    workdir, config = tiny
    config["partB"].setdefault("variants", {})["word_lstm_2layer_clipped"] = {"grad_clip": {"mode": "value", "threshold": 3.0}}
    jobs = planned_jobs(workdir, config)
    print(sorted(jobs))
    assert jobs == {
        ("train_partB", "variant=word_lstm_2layer_clipped, seed=1"),
        # its ablations are the row plus a switch: those that keep its clipping rerun too
        # (the readouts; norm sets its own clipping)
        ("train_partB", "variant=word_lstm_2layer_clipped_readout_c, seed=1"),
        ("train_partB", "variant=word_lstm_2layer_clipped_readout_ch, seed=1"),
        ("partB_rnn_variants_table", ""), ("partB_all_table", ""),
        ("partB_rnn_variants_figure", ""), ("partB_comparison_figure", ""), ("all", ""),
    } | VERDICT_RULES


def test_one_part_A_variant_change_leaves_part_B_alone(tiny):
    workdir, config = tiny
    config["partA"]["on_best"] = {"adam": {"optimizer": {"name": "adam", "lr": 0.002}}}
    jobs = planned_jobs(workdir, config)
    assert jobs == {
        ("train_partA_best", "variant=adam, seed=1"), ("partA_comparison_table", ""),
        ("partA_comparison_figure", ""), ("partA_optimizers_figure", ""), ("all", ""),
    } | VERDICT_RULES
    assert planned_jobs(workdir, config, "partB") == set()


def test_unrelated_config_change_reruns_nothing_of_this_part(tiny):
    workdir, config = tiny
    config["partB"].setdefault("variants", {})["char_lstm"] = {"hidden": 30}
    assert planned_jobs(workdir, config, "partA") == set()
    jobs = planned_jobs(workdir, config)
    assert ("train_partB", "variant=char_lstm, seed=1") in jobs
    assert not any("word_lstm" in w for _, w in jobs)
    assert not rules_of(jobs) & {"train_partA", "train_partA_best", "partA_grid_table", "partB_dropout_table"}


def edited(path, text, old=None):
    """Append `text` to a file (or put it in place of `old`); restore its bytes and
    mtime afterwards."""
    class Edit:
        def __enter__(self):
            self.original, self.stat = path.read_bytes(), path.stat()
            source = self.original.decode()
            assert old is None or old in source, (path, old)
            path.write_text(source.replace(old, text, 1) if old else source + text)

        def __exit__(self, *exc):
            path.write_bytes(self.original)
            os.utime(path, ns=(self.stat.st_atime_ns, self.stat.st_mtime_ns))
    return Edit()


PACKAGE = "workflow/scripts/cz4042"
CODE_LINE = "\n_EDITED = 1\n"  # a statement: for all a hash can tell, it may change a number
TRAINING_RULES = {"train_partA", "train_partA_best", "train_partB"}


def test_editing_plot_code_reruns_figures_only(tiny):
    workdir, config = tiny
    with edited(workdir / PACKAGE / "plots.py", CODE_LINE):
        jobs = rules_of(planned_jobs(workdir, config))
    assert jobs == FIGURE_RULES | {"all"}


def test_editing_aggregation_code_reruns_tables_and_figures_but_no_training(tiny):
    workdir, config = tiny
    with edited(workdir / PACKAGE / "aggregate.py", CODE_LINE):
        jobs = rules_of(planned_jobs(workdir, config))
    assert not {r for r in jobs if r.startswith("train_") or r == "partA_best_cell"}
    assert {"partA_grid_table", "partB_dropout_table", "partA_grid_heatmap_figure"} <= jobs


def test_editing_training_code_reruns_training(tiny):
    """A code line in the engine, the models or the rule script: every training job."""
    workdir, config = tiny
    for path in (f"{PACKAGE}/engine.py", f"{PACKAGE}/models.py", "workflow/scripts/train.py"):
        with edited(workdir / path, CODE_LINE):
            jobs = rules_of(planned_jobs(workdir, config))
        assert TRAINING_RULES <= jobs, path
        assert not jobs & {"prepare_cifar10", "prepare_dbpedia", "char_ids", "word_ids"}, path


def test_editing_the_history_schema_reruns_training_and_the_tables(tiny):
    """schema.py holds the history columns the engine writes: derived code inputs
    make training depend on it, which no hand-kept list did."""
    workdir, config = tiny
    with edited(workdir / PACKAGE / "schema.py", CODE_LINE):
        jobs = rules_of(planned_jobs(workdir, config))
    assert {"train_partA", "train_partB", "partA_best_cell", "partB_dropout_table", "reproduction_table"} <= jobs


def test_editing_the_record_readers_reruns_what_reads_records_but_no_training(tiny):
    workdir, config = tiny
    with edited(workdir / PACKAGE / "records.py", CODE_LINE):
        jobs = rules_of(planned_jobs(workdir, config))
    assert {"partA_best_cell", "partB_dropout_table", "reproduction_table", "partB_rnn_variants_figure"} <= jobs
    # the best cell is chosen anew: the runs on it follow
    assert not jobs & {"train_partA", "train_partB"}


def test_editing_number_neutral_code_reruns_nothing(tiny):
    workdir, config = tiny
    for name in ("rule.py", "errors.py", "atomic.py", "provenance.py", "download.py", "config.py"):
        with edited(workdir / PACKAGE / name, CODE_LINE):
            assert planned_jobs(workdir, config) == set(), name


def test_touching_every_code_file_and_editing_messages_comments_and_docstrings_reruns_nothing(tiny):
    """What a git checkout or a touch does (every code file newer than every output), and
    edits that change no number: an error message of the validator and of the engine, a
    comment, a docstring. Each once made all training jobs stale and deleted their outputs."""
    workdir, config = tiny
    code = sorted((workdir / "workflow").rglob("*.py")) + sorted((workdir / "workflow/rules").glob("*.smk"))
    edits = [
        edited(workdir / PACKAGE / "config.py", "cell {name} appears twice", old="cell {name} is listed twice"),
        edited(workdir / PACKAGE / "engine.py", "training examples make no full batch",
               old="training examples give no full batch"),
        edited(workdir / PACKAGE / "models.py", "\n# a comment\n"),
        edited(workdir / PACKAGE / "training.py", "A training run, from", old="One training run, from"),
    ]
    stats = {path: path.stat() for path in code}
    try:
        with contextlib.ExitStack() as stack:
            for edit in edits:
                stack.enter_context(edit)
            for path in code:
                os.utime(path)
            assert planned_jobs(workdir, config) == set()
    finally:
        for path, stat in stats.items():
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_deleting_one_figure_rebuilds_only_that_figure(tiny):
    workdir, config = tiny
    figure = workdir / "results/figures/partA_grid_heatmap.png"
    before = figure.read_bytes()
    figure.unlink()
    assert planned_jobs(workdir, config) == {("partA_grid_heatmap_figure", ""), ("all", "")}
    result = run_snakemake(workdir, "--cores", "1", "results/figures/partA_grid_heatmap.png", config=config)
    assert figure.read_bytes()[:8] == before[:8]
    assert planned_jobs(workdir, config) == set()
    assert "1 of 1 steps" in result.stdout + result.stderr


def test_char_field_switch_reruns_char_models_only(tiny):
    workdir, config = tiny
    config["text_inputs"] = {"char_field": "title"}
    jobs = planned_jobs(workdir, config)
    trained = {w.split(",")[0].removeprefix("variant=") for r, w in jobs if r == "train_partB"}
    from cz4042 import config as cfg

    variants = cfg.text_variants(yaml.safe_load((workdir / "config.yaml").read_text()))
    # every char variant, derived ones too, but those that name their own field (the
    # title ablations and the starter-world variants) keep it
    char_variants = {v for v, entry in variants.items() if v.startswith("char_") and "char_field" not in entry}
    # the title ids exist already (the title ablations read them): no preparation reruns
    assert not rules_of(jobs) & {"char_ids", "word_ids", "prepare_dbpedia"}
    assert trained == char_variants
    assert not rules_of(jobs) & {"train_partA", "train_partA_best"}


def test_every_derived_ablation_gets_each_new_seed(tiny):
    """A second seed: every main variant and every variant derived from a hypothesis
    train it (an ablation explains a row only with as many seeds as the row), except a
    hypothesis its plan stopped, which keeps the runs it made."""
    from cz4042 import hypotheses

    workdir, config = tiny
    config["seeds"] = [1, 2]
    trained = {w for r, w in planned_jobs(workdir, config, "verdicts") if r.startswith("train_")}
    overlay = {**yaml.safe_load((workdir / "config.yaml").read_text())}
    overlay["partA"]["grid"]["cells"] = config["partA"]["grid"]["cells"]
    derived = hypotheses.derived_variants(overlay)
    assert derived
    for name, ablation in derived.items():
        stopped = hypotheses.stopped_seeds(overlay, ablation)
        assert (f"variant={name}, seed=2" in trained) == (stopped is None), name
    assert "variant=word_rnn, seed=2" in trained


def test_a_call_that_forgets_the_protocol_overlay_is_refused_before_any_job(tiny):
    """results/ was made with protocol 'tiny' (an overlay): a call without the overlay (the
    config's protocol 'report') neither schedules report-protocol training over it nor
    builds a report that labels its runs 'report'."""
    workdir, _ = tiny
    assert yaml.safe_load((workdir / "results/protocol.yaml").read_text())["protocol_name"] == "tiny"
    for args in (["-n", "results/figures/partA_grid_heatmap.png"], ["--report", "report.html"]):
        result = run_snakemake(workdir, *args, check=False)
        text = result.stdout + result.stderr
        assert result.returncode != 0, args
        assert "protocol 'tiny'" in text and "protocol 'report'" in text and "test_overlay.yaml" in text, text[-2000:]
        assert "train_" not in text
    assert not (workdir / "report.html").exists()
