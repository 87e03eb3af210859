"""Run records, read: what a run's metrics hold, and the readers of metrics, histories,
the best-cell record and the report's reference (the history columns and the best-cell
reader live in schema, which training imports instead of this module).

No torch here: every table, figure and verdict reads runs through this module, so those
jobs start in a fraction of a second and their environment needs no PyTorch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .errors import PipelineError
from .schema import HISTORY_COLUMNS, read_best_cell  # noqa: F401 (the readers' API)

# What every metrics.json holds at least.
RUN_FIELDS = ["variant", "seed", "final_test_accuracy", "best_test_accuracy", "final_train_loss", "total_seconds",
              "epochs_run", "train_examples", "diverged", "diverged_epoch"]


def read_metrics(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise PipelineError(f"{path}: unreadable metrics ({error})") from None
    missing = [field for field in RUN_FIELDS if field not in record]
    if missing:
        raise PipelineError(f"{path}: metrics lack {', '.join(missing)}")
    return record


def read_runs(paths: list[str | Path]) -> pd.DataFrame:
    """One row per run: the fields the tables use, plus device, library versions and
    threads (numbers depend on each)."""
    rows = []
    for path in paths:
        record = read_metrics(path)
        env = record.get("environment", {})
        rows.append({**{f: record[f] for f in RUN_FIELDS}, "device": env.get("device_name"),
                     "torch": env.get("torch"), "threads": env.get("threads"),
                     "epochs": record.get("protocol", {}).get("epochs"),
                     "batch_size": record.get("protocol", {}).get("batch_size")})
    return pd.DataFrame(rows, columns=RUN_FIELDS + ["device", "torch", "threads", "epochs", "batch_size"])


def distinct(values: pd.Series) -> str:
    """The different values of an environment column, as one string ("cpu, NVIDIA H200")."""
    return ", ".join(sorted({str(v) for v in values if v is not None}))


def read_history(path: str | Path) -> pd.DataFrame:
    """A run's per-epoch history; an empty, truncated or foreign file fails naming it."""
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise PipelineError(f"{path}: unreadable history ({type(error).__name__}: {error})") from None
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise PipelineError(f"{path}: history lacks columns {', '.join(missing)}")
    if frame.empty:
        raise PipelineError(f"{path}: history has no epochs")
    return frame


def run_variant(path: str | Path) -> str:
    """The variant of a run file: runs/<family>/<variant>/seed<N>/<file>."""
    return Path(path).parent.parent.name


def curve_series(paths: list[str], wanted: list[str], best_cell: str | None = None
                 ) -> dict[str, list[pd.DataFrame]]:
    """Histories grouped by variant (one per seed, the variant read from each path), in
    the order of `wanted`. The best grid cell is known only at run time: with
    `best_cell` its runs stand for 'grid_best'."""
    series: dict[str, list[pd.DataFrame]] = {}
    for path in paths:
        label = run_variant(path)
        label = "grid_best" if label == best_cell else label
        if label in wanted:
            series.setdefault(label, []).append(read_history(path))
    return {label: series[label] for label in wanted if label in series}


def read_reference(path: str | Path, tables: str | list[str]) -> pd.DataFrame:
    """The report's rows of one or more tables, by variant (first table wins)."""
    tables = [tables] if isinstance(tables, str) else list(tables)
    frame = pd.read_csv(path)
    frame = frame[frame["table"].isin(tables)].copy()
    frame["order"] = frame["table"].map(tables.index)
    frame = frame.sort_values("order", kind="stable").drop_duplicates("variant")
    return frame.set_index("variant").drop(columns=["table", "order"])
