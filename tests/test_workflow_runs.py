"""A complete tiny run of every experiment family through Snakemake (1 epoch)."""

import json
import re
import shutil

import pytest

import pandas as pd
import torch

from conftest import ROOT, copy_workflow, run_snakemake

from cz4042 import records

pytestmark = pytest.mark.slow  # end-to-end Snakemake runs

TABLES = ["partA_grid", "partA_comparison", "partB_dropout", "partB_rnn_variants", "partB_all"]
REPORT_NUMBERS = int(pd.read_csv(ROOT / "workflow/reference/report_2019.csv")[
    ["test_accuracy", "train_seconds", "final_train_loss"]].notna().sum().sum())
FIGURES = ["partA_baseline_curves", "partA_feature_maps_0", "partA_feature_maps_1", "partA_grid_heatmap",
           "partA_optimizers", "partA_comparison", "partB_char_cnn_curves", "partB_word_cnn_curves",
           "partB_char_rnn_curves", "partB_word_rnn_curves", "partB_rnn_variants", "partB_comparison"]


def test_every_table_and_figure_is_built(tiny_run):
    workdir, _ = tiny_run
    for name in FIGURES:
        figure = workdir / f"results/figures/{name}.png"
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    for name in TABLES:
        table = pd.read_csv(workdir / f"results/tables/{name}.csv")
        assert len(table) > 0 and table["test_accuracy"].between(0, 1).all(), name
        assert (workdir / f"results/tables/{name}.md").read_text().startswith("# Part")


def test_tables_put_the_report_beside_ours(tiny_run):
    workdir, _ = tiny_run
    comparison = pd.read_csv(workdir / "results/tables/partA_comparison.csv")
    assert comparison["variant"].tolist() == ["baseline", "grid_best", "momentum", "rmsprop", "adam", "dropout"]
    assert comparison["report_test_accuracy"].tolist() == [0.35, 0.491, 0.475, 0.53, 0.559, 0.45]
    baseline = json.loads((workdir / "results/runs/partA/baseline/seed1/metrics.json").read_text())
    assert comparison.loc[0, "delta_test_accuracy"] == pytest.approx(baseline["final_test_accuracy"] - 0.35)
    dropout = pd.read_csv(workdir / "results/tables/partB_dropout.csv")
    assert dropout["report_train_seconds"].tolist() == [26241, 22834, 2716, 2780, 4576, 6590, 1397, 1840]
    grid = pd.read_csv(workdir / "results/tables/partA_grid.csv")
    assert grid[["c1", "c2"]].values.tolist() == [[4, 4], [6, 8]]


def test_best_cell_drives_the_on_best_runs(tiny_run):
    workdir, _ = tiny_run
    best = json.loads((workdir / "results/partA/best_cell.json").read_text())
    grid = pd.read_csv(workdir / "results/tables/partA_grid.csv").set_index("variant")
    assert best["variant"] == grid["test_accuracy"].idxmax()
    for variant in ("momentum", "rmsprop", "adam", "dropout"):
        metrics = json.loads((workdir / f"results/runs/partA_best/{variant}/seed1/metrics.json").read_text())
        assert (metrics["model_args"]["c1"], metrics["model_args"]["c2"]) == (best["c1"], best["c2"])
    rmsprop = json.loads((workdir / "results/runs/partA_best/rmsprop/seed1/metrics.json").read_text())
    assert rmsprop["protocol"]["optimizer"]["semantics"] == "tf1"
    dropout = json.loads((workdir / "results/runs/partA_best/dropout/seed1/metrics.json").read_text())
    checkpoint = torch.load(workdir / "results/runs/partA_best/dropout/seed1/model.pt", weights_only=True)
    from cz4042.features import load_trained
    assert load_trained(workdir / "results/runs/partA_best/dropout/seed1/model.pt").dropout.p == \
        dropout["model_args"]["dropout"] == checkpoint["model_args"]["dropout"] > 0


def test_run_records_history_metrics_and_a_rebuildable_checkpoint(tiny_run):
    workdir, _ = tiny_run
    run = workdir / "results/runs/partB/word_lstm_2layer_clipped/seed1"
    history = records.read_history(run / "history.parquet")
    assert history["epoch"].tolist() == [1]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["model_args"]["cell"] == "lstm" and metrics["protocol"]["grad_clip"]["mode"] == "value"
    for key in ("torch", "python", "snakemake", "device_name", "threads", "git_commit"):
        assert key in metrics["environment"]
    assert set(metrics["inputs_sha256"]) == {"train", "test"} and len(metrics["hparams_hash"]) == 64
    checkpoint = torch.load(run / "model.pt", weights_only=True)
    assert checkpoint["model"] == "word_rnn" and checkpoint["epoch"] == 1
    from cz4042.features import load_trained
    assert load_trained(run / "model.pt").cell == "lstm"
    log = (workdir / "logs/partB/word_lstm_2layer_clipped/seed1.log").read_text()
    assert "epoch 1/1 train_loss" in log and "eta" in log
    assert (workdir / "results/benchmarks/jobs/partB/word_lstm_2layer_clipped/seed1.tsv").exists()
    assert not (workdir / "resources/resume/partB/word_lstm_2layer_clipped/seed1.pt").exists()


def test_html_report_lists_every_table_and_figure_with_captions(tiny_run):
    workdir, config = tiny_run
    run_snakemake(workdir, "--report", "results/report.html", config=config)
    html = (workdir / "results/report.html").read_text()
    for name in FIGURES:
        assert f"{name}.png" in html, name
    for name in TABLES + ["reproduction", "ablations", "claims"]:
        assert f"{name}.csv" in html, name
    assert "reproduction.png" in html
    assert "Part A" in html and "Part B" in html and "Verdicts" in html
    assert "<strong>tiny</strong>" in html  # captions carry the protocol they ran with
    assert "49.1%" in html  # ... and the report's number they compare with


def test_report_captions_state_the_protocol_the_runs_recorded_not_the_config(tiny_run, tmp_path):
    """A report built with a config whose protocol differs from the runs' (Part B at 7
    epochs, nothing rerun) states the runs' 1 epoch, and no caption says 7."""
    workdir, config = tiny_run
    changed = {**config, "partB": {**config["partB"], "protocol": {**config["partB"]["protocol"], "epochs": 7}}}
    run_snakemake(workdir, "--report", str(tmp_path / "report.html"), config=changed)
    html = (tmp_path / "report.html").read_text()
    captions = re.findall(r"as the runs recorded it: \d+ runs?, epochs (\d+)", html.replace("\n", " "))
    assert len(captions) >= 13 and set(captions) == {"1"}, captions
    assert "epochs 7" not in html


def test_a_named_figure_rule_rebuilds_just_that_figure(tiny_run):
    workdir, config = tiny_run
    figure = workdir / "results/figures/partB_comparison.png"
    before = figure.stat().st_mtime_ns
    result = run_snakemake(workdir, "partB_comparison_figure", "--cores", "1", "--forcerun", "partB_comparison_figure",
                           config=config)
    text = result.stdout + result.stderr
    assert "1 of 1 steps (100%) done" in text
    assert figure.stat().st_mtime_ns > before


def test_a_diverged_run_is_marked_and_every_output_still_builds(tiny_run):
    workdir, _ = tiny_run
    metrics = json.loads((workdir / "results/runs/partB/word_vanilla/seed1/metrics.json").read_text())
    assert metrics["diverged"] is True and metrics["diverged_epoch"] == 1
    table = pd.read_csv(workdir / "results/tables/partB_rnn_variants.csv").set_index("variant")
    assert table.loc["word_vanilla", "diverged"] == 1
    assert table.drop(index="word_vanilla")["diverged"].eq(0).all()
    assert "| word_vanilla " in (workdir / "results/tables/partB_rnn_variants.md").read_text()
    assert (workdir / "results/figures/partB_rnn_variants.png").stat().st_size > 0


def test_every_report_number_has_a_verdict_and_a_shortened_protocol_fills_none(tiny_run):
    workdir, _ = tiny_run
    verdicts = pd.read_csv(workdir / "results/tables/reproduction.csv")
    assert len(verdicts) == REPORT_NUMBERS
    assert set(verdicts["verdict"]) == {"not run"}
    measured = verdicts[verdicts["table"] != "partA_grid"]  # every variant ran, for 1 epoch
    assert measured["protocol"].eq("other protocol only (1 epochs): not used").all()
    ablations = pd.read_csv(workdir / "results/tables/ablations.csv")
    assert set(ablations["hypothesis"]) == set(yaml_config(workdir)["hypotheses"])  # every one, on every row it touches
    trained = {p.parent.name for p in (workdir / "results/runs").glob("*/*/seed1")}
    switched = ablations[(ablations["variant"] != ablations["row"]) & ablations["row"].isin(trained)]
    assert set(switched["variant"]) and set(switched["variant"]) - trained == set(), "a derived variant was not trained"
    # no run of the tiny protocol is a run of the report's: every hypothesis row is not run
    assert set(ablations["row_status"]) == {"not run"}
    assert set(pd.read_csv(workdir / "results/tables/claims.csv")["verdict"]) <= {"not run"}
    assert (workdir / "results/figures/reproduction.png").read_bytes()[:4] == b"\x89PNG"


def yaml_config(workdir):
    import yaml

    return yaml.safe_load((workdir / "config.yaml").read_text())


def test_tables_rebuild_from_committed_records_without_training(tiny_run, tmp_path):
    """Records made elsewhere (no weights, no Snakemake metadata, some runs missing):
    the verdicts and Part B tables rebuild from them and nothing is trained."""
    workdir, config = tiny_run
    records_dir = tmp_path / "records"
    shutil.copytree(workdir / "results/runs", records_dir / "runs", ignore=shutil.ignore_patterns("model.pt"))
    shutil.rmtree(records_dir / "runs/partB/word_rnn")
    fresh = copy_workflow(tmp_path / "fresh")
    overlay = {**config, "reproduction": {"records": str(records_dir)}}
    dry = run_snakemake(fresh, "-n", "verdicts", "partB", config=overlay)
    planned = dry.stdout + dry.stderr
    assert "train_" not in planned and "prepare_" not in planned and "reproduction_table" in planned
    run_snakemake(fresh, "--cores", "1", "verdicts", "partB", config=overlay)
    verdicts = pd.read_csv(fresh / "results/tables/reproduction.csv").set_index(["variant", "metric"])
    assert verdicts.loc[("word_rnn", "test_accuracy"), "protocol"].iloc[0] == "—"  # its runs are missing
    table = pd.read_csv(fresh / "results/tables/partB_all.csv").set_index("variant")
    assert table.loc["word_rnn", "seeds"] == 0 and table.loc["char_cnn", "seeds"] == 1
