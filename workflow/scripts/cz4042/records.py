"""Run records, read: the schema of a run's history and metrics, and their readers.

No torch here: every table, figure and verdict reads runs through this module, so those
jobs start in a fraction of a second and their environment needs no PyTorch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .errors import PipelineError

# One row per epoch of a run's history.parquet (the engine writes these columns).
HISTORY_COLUMNS = ["epoch", "train_loss", "train_loss_last_batch", "test_loss", "test_accuracy", "seconds"]
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


def read_best_cell(path: str | Path) -> dict:
    """The grid cell the pipeline chose: variant, c1, c2, protocol_overrides, score."""
    try:
        with open(path, encoding="utf-8") as handle:
            cell = json.load(handle)
        return {**cell, "c1": int(cell["c1"]), "c2": int(cell["c2"]),
                "protocol_overrides": dict(cell.get("protocol_overrides", {}))}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PipelineError(f"{path}: unreadable best-cell record ({type(error).__name__}: {error})") from None


def curve_series(variant_of: dict[str, str], wanted: list[str], best_cell: str | None = None
                 ) -> dict[str, list[pd.DataFrame]]:
    """Histories grouped by variant (one per seed), in the order of `wanted`, from
    {history path: its variant} as the rule lists them. The best grid cell is known
    only at run time: with `best_cell` its runs stand for 'grid_best'."""
    series: dict[str, list[pd.DataFrame]] = {}
    for path, variant in variant_of.items():
        label = "grid_best" if variant == best_cell else variant
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
