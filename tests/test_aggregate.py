import json
import math

import pandas as pd
import pytest

from cz4042 import aggregate, records
from cz4042.errors import PipelineError


def runs(rows):
    base = {"best_test_accuracy": 0.5, "final_train_loss": 1.0, "total_seconds": 10.0, "epochs_run": 3,
            "train_examples": 100, "diverged": False, "diverged_epoch": None, "device": "cpu", "torch": "2.13.0", "threads": 2,
            "epochs": 3}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_summary_mean_and_sd_over_seeds():
    summary = aggregate.summarize(runs([
        {"variant": "a", "seed": 1, "final_test_accuracy": 0.40},
        {"variant": "a", "seed": 2, "final_test_accuracy": 0.50},
        {"variant": "b", "seed": 1, "final_test_accuracy": 0.30},
    ]))
    assert summary.loc["a", "test_accuracy"] == pytest.approx(0.45)
    assert summary.loc["a", "test_accuracy_sd"] == pytest.approx(math.sqrt(0.005))
    assert summary.loc["a", "seeds"] == 2 and math.isnan(summary.loc["b", "test_accuracy_sd"])


def test_report_numbers_and_delta_come_from_the_reference_table(tmp_path):
    reference_file = tmp_path / "ref.csv"
    reference_file.write_text("table,variant,label,test_accuracy,train_seconds,final_train_loss\n"
                              "t,a,Model A,0.35,100,\nt,b,Model B,,,\nu,a,Other,0.9,,\n")
    reference = records.read_reference(reference_file, "t")
    table = aggregate.variants_table(runs([
        {"variant": "a", "seed": 1, "final_test_accuracy": 0.40},
        {"variant": "b", "seed": 1, "final_test_accuracy": 0.20},
    ]), ["a", "b"], reference)
    assert table["label"].tolist() == ["Model A", "Model B"]
    assert table["delta_test_accuracy"].iloc[0] == pytest.approx(0.05)
    assert math.isnan(table["delta_test_accuracy"].iloc[1])
    assert table["report_train_seconds"].iloc[0] == 100
    markdown = aggregate.to_markdown(table, "T", ["note"])
    assert "| a" in markdown and "40.0" in markdown and "+5.0" in markdown


def test_dropout_table_pairs():
    table = aggregate.dropout_table(runs([
        {"variant": "m", "seed": 1, "final_test_accuracy": 0.4},
        {"variant": "m_d", "seed": 1, "final_test_accuracy": 0.5, "diverged": True},
    ]), {"m": ["m", "m_d"]}, pd.DataFrame(columns=["label", "test_accuracy", "train_seconds", "final_train_loss"]))
    assert table["dropout"].tolist() == ["no", "yes"] and table["diverged"].tolist() == [0, 1]


def test_mixed_thread_counts_are_flagged():
    """snakemake --cores 1 runs a 2-thread job on 1 thread: its numbers differ."""
    mixed = runs([{"variant": "a", "seed": 1, "final_test_accuracy": 0.4},
                  {"variant": "a", "seed": 2, "final_test_accuracy": 0.4, "threads": 1}])
    assert aggregate.mixed_environment_warning(mixed) == "Warning: these runs mix threads: 1, 2"
    assert aggregate.summarize(mixed).loc["a", "threads"] == "1, 2"


def test_mixed_devices_are_flagged():
    mixed = runs([{"variant": "a", "seed": 1, "final_test_accuracy": 0.4},
                  {"variant": "a", "seed": 2, "final_test_accuracy": 0.4, "device": "NVIDIA H100"}])
    assert "device: NVIDIA H100, cpu" in aggregate.mixed_environment_warning(mixed)
    assert aggregate.mixed_environment_warning(mixed.iloc[:1]) is None


def test_tables_written_with_a_mixed_environment_carry_the_warning(tmp_path):
    mixed = runs([{"variant": "a", "seed": 1, "final_test_accuracy": 0.4},
                  {"variant": "a", "seed": 2, "final_test_accuracy": 0.5, "torch": "2.14.1"}])
    table = aggregate.variants_table(mixed, ["a"], pd.DataFrame(columns=["label", "test_accuracy", "train_seconds", "final_train_loss"]))
    warning = aggregate.mixed_environment_warning(mixed)
    aggregate.write_table(table, tmp_path / "t.csv", tmp_path / "t.md", "T", aggregate.table_notes("caption", warning), warning)
    assert pd.read_csv(tmp_path / "t.csv")["warning"].tolist() == ["Warning: these runs mix torch: 2.13.0, 2.14.1"]
    assert "**Warning: these runs mix torch: 2.13.0, 2.14.1**" in (tmp_path / "t.md").read_text()
    assert pd.read_csv(tmp_path / "t.csv")["torch"].tolist() == ["2.13.0, 2.14.1"]

def test_tables_from_partial_records_keep_missing_variants_as_empty_rows():
    observed = runs([{"variant": "a", "seed": 1, "final_test_accuracy": 0.4}])
    reference = pd.DataFrame(columns=["label", "test_accuracy", "train_seconds", "final_train_loss"])
    with pytest.raises(PipelineError, match="no runs of variant b"):
        aggregate.variants_table(observed, ["a", "b"], reference)
    table = aggregate.variants_table(observed, ["a", "b"], reference, partial=True)
    assert table["variant"].tolist() == ["a", "b"] and table["seeds"].tolist() == [1, 0]
    assert "| b " in aggregate.to_markdown(table, "T", [])
