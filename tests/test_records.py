import json
import subprocess
import sys

import pandas as pd
import pytest

from cz4042 import records
from cz4042.errors import PipelineError


def test_empty_or_truncated_history_fails_naming_the_file(tmp_path):
    empty = tmp_path / "empty.parquet"
    pd.DataFrame({c: pd.Series(dtype=float) for c in records.HISTORY_COLUMNS}).to_parquet(empty)
    with pytest.raises(PipelineError, match=f"{empty}: history has no epochs"):
        records.read_history(empty)
    truncated = tmp_path / "truncated.parquet"
    full = tmp_path / "full.parquet"
    pd.DataFrame({c: [1.0, 2.0] for c in records.HISTORY_COLUMNS}).to_parquet(full)
    truncated.write_bytes(full.read_bytes()[:-40])
    with pytest.raises(PipelineError, match=f"{truncated}: unreadable history"):
        records.read_history(truncated)


def test_metrics_missing_fields_fail_naming_the_file(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"variant": "a"}))
    with pytest.raises(PipelineError, match=f"{path}: metrics lack seed"):
        records.read_runs([path])


def test_curve_series_groups_seeds_and_names_the_best_cell(tmp_path):
    """The variant of each history is the one the rule passes, whatever its path says."""
    variant_of = {}
    for name, variant in (("a", "grid_1"), ("b", "grid_1"), ("c", "grid_2"), ("d", "adam")):
        path = tmp_path / f"{name}.parquet"
        pd.DataFrame({c: [1.0] for c in records.HISTORY_COLUMNS}).to_parquet(path)
        variant_of[str(path)] = variant
    series = records.curve_series(variant_of, ["grid_best", "adam"], best_cell="grid_1")
    assert list(series) == ["grid_best", "adam"]
    assert len(series["grid_best"]) == 2 and len(series["adam"]) == 1


def test_best_cell_record_fails_naming_the_file(tmp_path):
    path = tmp_path / "best_cell.json"
    path.write_text(json.dumps({"variant": "grid_1x1", "c1": 1}))
    with pytest.raises(PipelineError, match=f"{path}: unreadable best-cell record"):
        records.read_best_cell(path)
    path.write_text(json.dumps({"variant": "grid_1x1", "c1": 1, "c2": "2"}))
    assert records.read_best_cell(path) == {"variant": "grid_1x1", "c1": 1, "c2": 2, "protocol_overrides": {}}


def test_tables_figures_and_verdicts_never_import_torch():
    """Every aggregation job imports only these; torch would cost each job ~1 s and
    force PyTorch into the aggregate environment."""
    code = ("import sys; import cz4042.records, cz4042.aggregate, cz4042.plots, cz4042.selection, "
            "cz4042.verdicts; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def write_run(path, seed, epochs, optimizer, train_subset=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = {field: 0 for field in records.RUN_FIELDS}
    protocol = {"epochs": epochs, "batch_size": 128, "optimizer": optimizer, "train_subset": train_subset}
    path.write_text(json.dumps({**fields, "variant": path.parent.parent.name, "seed": seed, "protocol": protocol}))
    return path


def test_captions_state_the_protocol_the_runs_recorded(tmp_path):
    sgd, momentum = {"lr": 0.01, "name": "sgd"}, {"lr": 0.01, "momentum": 0.1, "name": "momentum"}
    paths = [write_run(tmp_path / "a/seed1/metrics.json", 1, 8, sgd),
             write_run(tmp_path / "b/seed1/metrics.json", 1, 8, sgd),
             write_run(tmp_path / "c/seed2/metrics.json", 2, 5, momentum, train_subset=500),
             tmp_path / "not/yet/metrics.json"]
    assert records.protocol_summary(paths) == (
        "3 runs, epochs 8 (epochs 5: 1 run), batch 128, sgd lr 0.01 (momentum lr 0.01 momentum 0.1: 1 run), "
        "train subset 500: 1 run, seeds [1, 2]")
    assert str(records.RecordedProtocol(paths[3:])) == "no runs recorded yet"
