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


def _optimizer_text(spec: dict) -> str:
    """'sgd lr 0.01', 'momentum lr 0.01 momentum 0.1': the name first (records sort keys)."""
    return " ".join([str(spec.get("name"))] + [f"{k} {v}" for k, v in spec.items() if k != "name"])


def _runs(n: int) -> str:
    return f"{n} run{'' if n == 1 else 's'}"


def protocol_summary(paths: list[str | Path]) -> str:
    """The protocol as the runs at `paths` (their metrics.json) recorded it: each setting's
    most common value, then the others with how many runs have them; those that do not
    exist yet are left out."""
    runs = [read_metrics(path) for path in paths if Path(path).is_file()]
    if not runs:
        return "no runs recorded yet"
    settings = [("epochs {}", lambda r: r["protocol"].get("epochs")), ("batch {}", lambda r: r["protocol"].get("batch_size")),
                ("{}", lambda r: _optimizer_text(r["protocol"].get("optimizer") or {})),
                ("train subset {}", lambda r: r["protocol"].get("train_subset"))]
    parts = []
    for form, value in settings:
        counts = pd.Series([str(value(r)) for r in runs]).value_counts(sort=True)
        shown = [(form.format(v), n) for v, n in counts.items() if v != "None"]
        if shown and sum(n for _, n in shown) == len(runs):  # the most common, then the others
            parts.append(shown[0][0] + "".join(f" ({t}: {_runs(n)})" for t, n in shown[1:]))
        elif shown:  # some runs have none (no train subset)
            parts.append(", ".join(f"{t}: {_runs(n)}" for t, n in shown))
    seeds = sorted({int(r["seed"]) for r in runs})
    return f"{_runs(len(runs))}, " + ", ".join(parts) + f", seeds {seeds}"


class RecordedProtocol:
    """A rule's param that the HTML report renders as protocol_summary of `paths`, from
    the records present when the report is built (never from the config it is built
    with). An object, not a string: Snakemake does not track its value, so a record
    written later makes nothing stale."""

    def __init__(self, paths: list[str]):
        self.paths = list(paths)

    def __str__(self) -> str:
        return protocol_summary(self.paths)
