"""Only stale outputs are recomputed: dry-run job lists after each kind of change,
on a complete tiny run."""

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
VERDICT_RULES = {("reproduction_table", ""), ("reproduction_figure", "")}


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


def edited(path, text):
    """Append `text` to a file; restore its bytes and mtime afterwards."""
    class Edit:
        def __enter__(self):
            self.original, self.stat = path.read_bytes(), path.stat()
            path.write_text(self.original.decode() + text)

        def __exit__(self, *exc):
            path.write_bytes(self.original)
            os.utime(path, ns=(self.stat.st_atime_ns, self.stat.st_mtime_ns))
    return Edit()


def test_editing_plot_code_reruns_figures_only(tiny):
    workdir, config = tiny
    with edited(workdir / "workflow/scripts/cz4042/plots.py", "\n# a comment\n"):
        jobs = rules_of(planned_jobs(workdir, config))
    assert jobs == FIGURE_RULES | {"all"}


def test_editing_aggregation_code_reruns_tables_and_figures_but_no_training(tiny):
    workdir, config = tiny
    with edited(workdir / "workflow/scripts/cz4042/aggregate.py", "\n# a comment\n"):
        jobs = rules_of(planned_jobs(workdir, config))
    assert not {r for r in jobs if r.startswith("train_") or r == "partA_best_cell"}
    assert {"partA_grid_table", "partB_dropout_table", "partA_grid_heatmap_figure"} <= jobs


def test_editing_training_code_reruns_training(tiny):
    workdir, config = tiny
    with edited(workdir / "workflow/scripts/cz4042/engine.py", "\n# a comment\n"):
        jobs = rules_of(planned_jobs(workdir, config))
    assert {"train_partA", "train_partA_best", "train_partB"} <= jobs


def test_editing_the_record_schema_reruns_training_and_the_tables(tiny):
    """records.py holds the history columns the engine writes: derived code inputs
    make training depend on it, which no hand-kept list did."""
    workdir, config = tiny
    with edited(workdir / "workflow/scripts/cz4042/records.py", "\n# a comment\n"):
        jobs = rules_of(planned_jobs(workdir, config))
    assert {"train_partA", "train_partB", "partA_best_cell", "partB_dropout_table", "reproduction_table"} <= jobs


def test_editing_number_neutral_code_reruns_nothing(tiny):
    workdir, config = tiny
    for name in ("rule.py", "errors.py"):
        with edited(workdir / "workflow/scripts/cz4042" / name, "\n# a comment\n"):
            assert planned_jobs(workdir, config) == set(), name


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
    variants = yaml.safe_load((workdir / "config.yaml").read_text())["partB"]["variants"]
    # variants that name their own field (the title ablations) keep it
    char_variants = {v for v, entry in variants.items() if v.startswith("char_") and "char_field" not in entry}
    # the title ids exist already (the title ablations read them): no preparation reruns
    assert not rules_of(jobs) & {"char_ids", "word_ids", "prepare_dbpedia"}
    assert trained == char_variants
    assert not rules_of(jobs) & {"train_partA", "train_partA_best"}


def test_every_derived_ablation_gets_each_new_seed(tiny):
    """A second seed: every main variant and every variant derived from a hypothesis
    train it (an ablation explains a row only with as many seeds as the row)."""
    from cz4042 import hypotheses

    workdir, config = tiny
    config["seeds"] = [1, 2]
    trained = {w for r, w in planned_jobs(workdir, config, "verdicts") if r.startswith("train_")}
    overlay = {**yaml.safe_load((workdir / "config.yaml").read_text())}
    overlay["partA"]["grid"]["cells"] = config["partA"]["grid"]["cells"]
    derived = hypotheses.derived_variants(overlay)
    assert derived
    for name in derived:
        assert f"variant={name}, seed=2" in trained, name
    assert "variant=word_rnn, seed=2" in trained
