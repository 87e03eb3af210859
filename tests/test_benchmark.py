"""The speed benchmark runs and writes its table (what it measures is not asserted:
timings belong in its output files, not in tests)."""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import train_speed  # noqa: E402


def test_benchmark_writes_its_table(tmp_path):
    train_speed.main(["--only", "char CNN", "word GRU", "--steps", "1", "--repeats", "1",
                      "--threads", "1", "--out", str(tmp_path)])
    table = pd.read_csv(tmp_path / "train_speed.csv")
    assert table["model"].tolist() == ["char CNN", "word GRU"]
    for column in ("engine s/epoch", "reference s/epoch", "speed-up", "matmul GFLOP/s", "threads", "device"):
        assert column in table.columns
    assert (table["engine s/epoch"] > 0).all() and (table["reference s/epoch"] > 0).all()
    assert (tmp_path / "train_speed.md").read_text().startswith("| model")
