"""Does it reproduce the report? The verdict rules of docs/verdicts.md, as functions.

Every non-empty cell of workflow/reference/report_2019.csv (test accuracy, training
time, final training loss of a row) is one report number. Ours is the mean over seeds of
the runs that match the report's protocol on every hyperparameter
(workflow/reference/report_protocol.yaml). The verdicts:

- accuracy: ``reproduced`` iff |mean - report| <= the fixed band; else ``explained by
  <hypothesis>`` when a consistent registered hypothesis lands inside the band
  (explain.py); else ``within our seed range`` when the report's number lies between our
  lowest and highest seed; else ``not reproduced``;
- training loss: ``reproduced`` within a fixed factor; ``explained by`` as above;
  ``both near zero`` (both below a threshold, yet further apart); ``not reproduced``;
- training time: ``not comparable`` (other hardware; the ratio is shown);
- ``not run`` where no matching run exists.

Pure functions over DataFrames and no torch: the rule script reads the records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .records import read_history, read_metrics

METRICS = ("test_accuracy", "final_train_loss", "train_seconds")
# The readings of a run every row shows; the rules name which one a verdict uses.
ACCURACY_READINGS = ("final", "best", "last10")
LOSS_READINGS = ("loss_mean", "loss_last_batch")
# Verdicts that count as a number reproduced, and those that are no comparison at all.
REPRODUCED = "reproduced"
UNCOUNTED = ("not comparable",)


@dataclass(frozen=True)
class Rules:
    """The numbers of docs/verdicts.md (config.yaml `reproduction`)."""
    statistic: str  # the accuracy reading every verdict uses (final, best or last10)
    accuracy_band: float  # reproduced iff |mean - report| <= this
    loss_factor: float  # a training loss reproduces within this factor
    near_zero_loss: float  # both losses below this: "both near zero"
    time_factor: float  # a claim that A trains faster than B needs B's epoch time above this x A's
    min_seeds: int  # fewer seeds: provisional
    unstable_seeds: int  # seeds a row needs when its sd exceeds the band
    confidence: float  # of the interval shown beside our mean


@dataclass(frozen=True)
class Stats:
    mean: float
    sd: float
    n: int
    low: float  # lowest seed
    high: float  # highest seed
    median: float = math.nan

    def interval(self, confidence: float) -> tuple[float, float]:
        """Student's t interval of the mean (NaN below 2 seeds)."""
        if self.n < 2:
            return math.nan, math.nan
        from scipy.stats import t

        half = float(t.ppf(0.5 + confidence / 2, self.n - 1)) * self.sd / math.sqrt(self.n)
        return self.mean - half, self.mean + half


# ----------------------------------------------------------------------------- runs
def run_table(metrics_paths: list[str], history_paths: list[str]) -> pd.DataFrame:
    """One row per run: every reading, and every hyperparameter the protocol checks."""
    rows = []
    for metrics_path, history_path in zip(metrics_paths, history_paths):
        record, history = read_metrics(metrics_path), read_history(history_path)
        protocol, env = record.get("protocol", {}), record.get("environment", {})
        rows.append({
            "variant": record["variant"], "seed": record["seed"], "history_path": str(history_path),
            "final": record["final_test_accuracy"], "best": record["best_test_accuracy"],
            "last10": float(history["test_accuracy"].tail(10).mean()),
            "unscaled": record.get("final_test_accuracy_unscaled", math.nan),
            "loss_mean": record["final_train_loss"],
            "loss_last_batch": float(history["train_loss_last_batch"].iloc[-1]),
            "seconds": record["total_seconds"], "started": earliest_start(record),
            # The fastest epoch: the run's speed least disturbed by other work on a shared machine.
            "epoch_seconds": float(history["seconds"].min()),
            "epochs": protocol.get("epochs"), "batch_size": protocol.get("batch_size"),
            "train_examples": record["train_examples"], "optimizer": protocol.get("optimizer"),
            "grad_clip": protocol.get("grad_clip"), "precision": record.get("precision", "fp32"),
            "dropout": record.get("model_args", {}).get("dropout", 0),
            "device": env.get("device_name"), "torch": env.get("torch"), "threads": env.get("threads"),
            "model_args": record.get("model_args", {}), "recorded_protocol": protocol,
        })
    return pd.DataFrame(rows)


def earliest_start(record: dict) -> str | None:
    """When a run can have begun at the earliest: its recorded start, or its end less its
    training time if earlier (a resumed run records the time it was resumed). None when
    unknown, which the registration check treats as too early."""
    started, ended = record.get("started"), record.get("ended")
    if started is None:
        return None
    if ended is None:
        return started
    estimate = pd.Timestamp(ended) - pd.Timedelta(seconds=float(record["total_seconds"]))
    return min(pd.Timestamp(started), estimate).isoformat()


# Keys that record how a run was evaluated or computed, not what it trained, and what the
# training code adds at run time (the vocabulary size; an on-best variant's cell).
NOT_HYPERPARAMETERS = {"eval_batch_size", "unscaled_test_reading", "gradient_chunk"}
RUN_TIME_ARGS = {"vocab_size", "c1", "c2"}


def as_configured(runs: pd.DataFrame, views: dict[str, dict]) -> pd.Series:
    """Which runs are their variant as the config defines it now: the same model
    arguments and training protocol (config.py's view of the variant, passed by the rule).
    A char model's record without char_field read the paragraph: that field was recorded
    only when a variant set it before 2026-12-02, when `text_inputs.char_field` was text."""
    def same(run) -> bool:
        view = views.get(run.variant)
        if view is None:
            return False
        args = {k: v for k, v in run.model_args.items() if k not in RUN_TIME_ARGS or k in view["model_args"]}
        if args != view["model_args"]:
            return False
        wanted = {**view["protocol"], **(view.get("protocol_overrides") or {})}
        recorded = dict(run.recorded_protocol)
        if view["model"].startswith("char_"):
            recorded.setdefault("char_field", "text")
        strip = lambda p: {k: v for k, v in p.items() if k not in NOT_HYPERPARAMETERS}  # noqa: E731
        return strip(recorded) == strip(wanted)
    return pd.Series([same(run) for run in runs.itertuples(index=False)], index=runs.index, dtype=bool)


def expected_protocol(reference: dict, part: str, row: str, switch: dict | None = None) -> dict:
    """What a run of `row` must have recorded: its part's protocol, the row's own
    differences, and a hypothesis's switch where it sets one of those keys."""
    expected = {**reference[part], **reference.get("rows", {}).get(row, {})}
    return {**expected, **{k: v for k, v in (switch or {}).items() if k in expected}}


def matches(runs: pd.DataFrame, expected: dict) -> pd.Series:
    """Which runs recorded every hyperparameter of `expected`."""
    keep = pd.Series(True, index=runs.index)
    for key, value in expected.items():
        keep &= runs[key].map(lambda recorded: recorded == value)
    return keep


def of_protocol(runs: pd.DataFrame, reference: dict, part: str, row: str, switch: dict | None = None
                ) -> pd.DataFrame:
    """The runs that recorded every hyperparameter a run of `row` (with the switch) must
    have: the one filter every verdict, effect, world and claim reads its runs through."""
    return runs[matches(runs, expected_protocol(reference, part, row, switch))]


def seed_stats(runs: pd.DataFrame, variant: str, column: str) -> Stats | None:
    values = runs.loc[runs["variant"] == variant, column].astype(float).dropna()
    if values.empty:
        return None
    sd = float(values.std(ddof=1)) if len(values) > 1 else math.nan
    return Stats(float(values.mean()), sd, len(values), float(values.min()), float(values.max()),
                 float(values.median()))


# ----------------------------------------------------------------------------- rules
def accuracy_inside(ours: float, report: float, rules: Rules) -> bool:
    return abs(ours - report) <= rules.accuracy_band + 1e-12


def loss_ratio(ours: float, report: float) -> float:
    return max(ours / report, report / ours) if ours > 0 and report > 0 else math.inf


def loss_inside(ours: float, report: float, rules: Rules) -> bool:
    return loss_ratio(ours, report) <= rules.loss_factor


def plain_verdict(metric: str, report: float, main: Stats | None, rules: Rules) -> str:
    """The verdict before any explanation: reproduced, within our seed range, both
    near zero, not reproduced, not run or not comparable."""
    if main is None:
        return "not run"
    if metric == "train_seconds":
        return "not comparable"
    if metric == "test_accuracy":
        if accuracy_inside(main.mean, report, rules):
            return REPRODUCED
        return "within our seed range" if main.low <= report <= main.high else "not reproduced"
    if loss_inside(main.mean, report, rules):
        return REPRODUCED
    near_zero = main.mean <= rules.near_zero_loss and report <= rules.near_zero_loss
    return "both near zero" if near_zero else "not reproduced"


def flags(metric: str, main: Stats | None, rules: Rules) -> list[str]:
    """Why a verdict is not final: too few seeds, or a spread wider than the band."""
    if main is None or metric == "train_seconds":
        return []
    found = []
    if main.n < rules.min_seeds:
        found.append(f"provisional: n={main.n} < {rules.min_seeds}")
    if metric == "test_accuracy" and main.n > 1 and main.sd > rules.accuracy_band and main.n < rules.unstable_seeds:
        found.append(f"sd {100 * main.sd:.1f} > band: needs {rules.unstable_seeds} seeds")
    return found


def caveats(metric: str, report: float, main: Stats | None, test_examples: int | None, rules: Rules) -> list[str]:
    """What a reader should weigh beside a verdict, without changing it: a report
    accuracy that no count of right answers over the test set can give (its test
    evaluation was not a plain accuracy), and a spread still wider than the band at the
    seeds the rules ask for, whose median and mean fall on either side of the band's
    edge (the verdict reads the mean; its seeds disagree about it)."""
    found = []
    if metric == "test_accuracy" and test_examples and not is_a_count(report, test_examples):
        found.append(f"report {100 * report:g} % is not k/{test_examples} for any k")
    if (metric == "test_accuracy" and main is not None and main.n >= rules.unstable_seeds
            and main.sd > rules.accuracy_band
            and accuracy_inside(main.median, report, rules) != accuracy_inside(main.mean, report, rules)):
        side = "inside" if accuracy_inside(main.median, report, rules) else "outside"
        found.append(f"sd {100 * main.sd:.1f} > band at n={main.n}; median {100 * main.median:.1f} {side} the band")
    return found


def is_a_count(report: float, test_examples: int) -> bool:
    """Some k right of `test_examples` rounds to the report's percentage as printed
    (its decimals: 7.37 -> 2, 66.3 -> 1, 88 -> 0)."""
    printed = f"{100 * report:.6f}".rstrip("0").rstrip(".")
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    step, half = 100 / test_examples, 0.5 * 10 ** -decimals + 1e-9
    k = round(100 * report / step)
    return any(abs(j * step - 100 * report) <= half for j in (k - 1, k, k + 1))


def reference_numbers(reference: pd.DataFrame) -> pd.DataFrame:
    """The report's numbers, one row per (table, row, metric) with a value, in the
    reference's order; `counted` is False for a number the report prints twice."""
    rows = []
    for _, row in reference.iterrows():
        twin = row.get("same_number_as")
        for metric in METRICS:
            if pd.notna(row[metric]):
                rows.append({"part": row["part"], "table": row["table"], "variant": row["variant"],
                             "label": row["label"],
                             "metric": metric, "report": float(row[metric]),
                             "same_number_as": twin if isinstance(twin, str) and twin else "",
                             "counted": not (isinstance(twin, str) and twin)})
    return pd.DataFrame(rows)


def verdict_counts(table: pd.DataFrame, column: str = "verdict") -> dict[str, int]:
    """Verdicts of the numbers counted once, explanations grouped."""
    counted = table[table["counted"]] if "counted" in table else table
    kinds = counted[column].map(lambda v: "explained by a hypothesis" if v.startswith("explained by") else v)
    return {k: int(v) for k, v in kinds.value_counts().items()}


def reproduced_count(counts: dict[str, int]) -> tuple[int, int]:
    """(numbers reproduced, numbers compared): what a one-line summary says."""
    compared = sum(v for k, v in counts.items() if k not in ("not run", *UNCOUNTED))
    return counts.get(REPRODUCED, 0), compared


def readings(runs: pd.DataFrame, variant: str) -> dict[str, float]:
    """Every reading's mean over the variant's runs (NaN where none)."""
    out = {}
    for column in ACCURACY_READINGS + LOSS_READINGS:
        s = seed_stats(runs, variant, column)
        out[f"{column}_mean"] = s.mean if s else math.nan
    return out


def column_of(metric: str, rules: Rules) -> str:
    return {"test_accuracy": rules.statistic, "final_train_loss": "loss_mean", "train_seconds": "seconds"}[metric]
