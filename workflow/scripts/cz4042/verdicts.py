"""Does it reproduce the report? A verdict for every number of the report.

Every non-empty cell of workflow/reference/report_2019.csv (test accuracy, training
time, final training loss of a variant) becomes one row: the report's value, ours
(mean, sd and n over seeds, from runs of the report's protocol only), the difference
and a verdict:

- ``reproduced``: within the tolerance band (accuracy: |delta| <= max(points, k sd);
  training loss: within a factor, or both below a floor where "about zero" is all the
  report says);
- ``explained by <name>``: not reproduced as run, but an ablation aimed at this number
  (an ablation variant, or another way of reading the same runs: best epoch, mean of
  the last 10 epochs, last mini-batch loss) lands inside the band;
- ``not reproduced``;
- ``not run``: no run of the report's protocol exists (shortened-protocol runs, such as
  the quick profile's, never fill a verdict);
- ``not comparable``: training times, which depend on the hardware (shown as a ratio).

Pure functions over DataFrames and no torch: the rule script reads the records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .records import distinct, read_history, read_runs

METRICS = ("test_accuracy", "final_train_loss", "train_seconds")
# Other readings of the same runs, tried as explanations (ablation f: which number the
# report gave). Each maps a metric to (column of run_table, name in the verdict).
READINGS = {
    "test_accuracy": [("best", "best-epoch accuracy"), ("last10", "mean of the last 10 epochs")],
    "final_train_loss": [("loss_last_batch", "last mini-batch loss (the starter's print)")],
}


@dataclass(frozen=True)
class Tolerance:
    accuracy_points: float  # absolute band in accuracy (0.03 = 3 points)
    accuracy_sd: float  # ... or this many sd over seeds, whichever is wider
    loss_factor: float  # a training loss within this factor of the report's
    loss_floor: float  # both losses below this count as the same "about zero"
    min_seeds: int  # fewer seeds than this make a verdict provisional
    statistic: str = "final"  # which accuracy is ours: final, best or last10 (run_table columns)


@dataclass(frozen=True)
class Stats:
    mean: float
    sd: float
    n: int


# ----------------------------------------------------------------------------- runs
def run_table(metrics_paths: list[str], history_paths: list[str]) -> pd.DataFrame:
    """One row per run with every reading a verdict may use."""
    runs = read_runs(metrics_paths)
    last10, last_batch = [], []
    for path in history_paths:
        history = read_history(path)
        last10.append(float(history["test_accuracy"].tail(10).mean()))
        last_batch.append(float(history["train_loss_last_batch"].iloc[-1]))
    return runs.assign(final=runs["final_test_accuracy"], best=runs["best_test_accuracy"], last10=last10,
                       loss_mean=runs["final_train_loss"], loss_last_batch=last_batch,
                       seconds=runs["total_seconds"])


def of_protocol(runs: pd.DataFrame, protocol: dict) -> pd.Series:
    """Which runs follow the report's protocol (epochs, batch size, training examples)."""
    return ((runs["epochs"] == protocol["epochs"]) & (runs["batch_size"] == protocol["batch_size"])
            & (runs["train_examples"] == protocol["train_examples"]))


def stats(runs: pd.DataFrame, variant: str, column: str) -> Stats | None:
    values = runs.loc[runs["variant"] == variant, column].astype(float)
    if values.empty:
        return None
    sd = float(values.std(ddof=1)) if len(values) > 1 else math.nan
    return Stats(float(values.mean()), sd, len(values))


# ----------------------------------------------------------------------------- verdicts
def accuracy_band(main: Stats, tol: Tolerance) -> float:
    sd = 0.0 if math.isnan(main.sd) else main.sd
    return max(tol.accuracy_points, tol.accuracy_sd * sd)


def within(metric: str, ours: float, report: float, band: float, tol: Tolerance) -> bool:
    if metric == "test_accuracy":
        return abs(ours - report) <= band + 1e-12
    if ours <= tol.loss_floor and report <= tol.loss_floor:
        return True
    if ours <= 0 or report <= 0:
        return False
    return max(ours / report, report / ours) <= tol.loss_factor


def verdict(metric: str, report: float, main: Stats | None, candidates: list[tuple[str, Stats]],
            tol: Tolerance) -> tuple[str, float]:
    """(verdict, band) for one report number; candidates are (name, stats) explanations."""
    if metric == "train_seconds":
        return ("not comparable" if main else "not run"), math.nan
    if main is None:
        return "not run", math.nan
    band = accuracy_band(main, tol) if metric == "test_accuracy" else math.nan
    if within(metric, main.mean, report, band, tol):
        return "reproduced", band
    for name, candidate in candidates:
        if within(metric, candidate.mean, report, band, tol):
            return f"explained by {name}", band
    return "not reproduced", band


def reference_numbers(reference: pd.DataFrame) -> pd.DataFrame:
    """The report's numbers, one row per (table, variant, metric) with a value, in the
    reference's row order."""
    rows = [{"table": row["table"], "variant": row["variant"], "label": row["label"], "metric": metric,
             "report": float(row[metric])}
            for _, row in reference.iterrows() for metric in METRICS if pd.notna(row[metric])]
    return pd.DataFrame(rows, columns=["table", "variant", "label", "metric", "report"])


def our_column(metric: str, tol: Tolerance) -> str:
    return {"test_accuracy": tol.statistic, "final_train_loss": "loss_mean",
            "train_seconds": "seconds"}[metric]


def reproduction_table(reference: pd.DataFrame, runs: pd.DataFrame, sources: dict[str, str],
                       ablations: dict[str, dict], protocols: dict[str, dict], tol: Tolerance) -> pd.DataFrame:
    """One row per report number. `sources` maps a report variant to our run variant
    (grid_best -> the chosen cell); `protocols` gives each part's report protocol;
    `ablations` is config's ablations.variants."""
    rows = []
    matching = {part: of_protocol(runs, protocol) for part, protocol in protocols.items()}
    for number in reference_numbers(reference).itertuples(index=False):
        part = number.table.split("_", 1)[0]
        qualified = runs[matching[part]]
        ours_variant = sources.get(number.variant, number.variant)
        column = our_column(number.metric, tol)
        main = stats(qualified, ours_variant, column)
        candidates = explanations(number.metric, number.variant, ours_variant, qualified, ablations, tol, reference)
        result, band = verdict(number.metric, number.report, main, candidates, tol)
        shortened = runs[(runs["variant"] == ours_variant) & ~matching[part]]
        rows.append({
            "table": number.table, "variant": number.variant, "label": number.label, "metric": number.metric,
            "report": number.report, "ours": main.mean if main else math.nan, "ours_sd": main.sd if main else math.nan,
            "seeds": main.n if main else 0, "delta": (main.mean - number.report) if main else math.nan,
            "band": band, "verdict": result, "provisional": bool(main and main.n < tol.min_seeds
                                                                  and result not in ("not run", "not comparable")),
            "protocol": profile_label(main, shortened, protocols[part]),
            "run_variant": ours_variant,
            **{column: distinct(qualified.loc[qualified["variant"] == ours_variant, column])
               for column in ("device", "torch")},
        })
    return pd.DataFrame(rows)


def explanations(metric: str, report_variant: str, ours_variant: str, runs: pd.DataFrame,
                 ablations: dict[str, dict], tol: Tolerance, reference: pd.DataFrame) -> list[tuple[str, Stats]]:
    """Ablation variants aimed at this report variant, then other readings of our runs.
    For a loss, an ablation counts only if it also lands inside the report's accuracy
    band: one that wrecks the accuracy explains nothing about the report."""
    found = []
    column = our_column(metric, tol)
    for name, entry in ablations.items():
        if entry["targets"] != report_variant or (s := stats(runs, name, column)) is None:
            continue
        if metric != "test_accuracy" and not ablation_keeps_accuracy(name, report_variant, runs, tol, reference):
            continue
        found.append((name, s))
    for reading, label in READINGS.get(metric, []):
        if reading != column and (s := stats(runs, ours_variant, reading)) is not None:
            found.append((label, s))
    return found


def ablation_keeps_accuracy(name: str, report_variant: str, runs: pd.DataFrame, tol: Tolerance,
                            reference: pd.DataFrame) -> bool:
    rows = reference.loc[reference["variant"] == report_variant, "test_accuracy"].dropna()
    accuracy = stats(runs, name, tol.statistic)
    if rows.empty or accuracy is None:
        return False
    target = stats(runs, report_variant, tol.statistic)
    band = accuracy_band(target, tol) if target else tol.accuracy_points
    return within("test_accuracy", accuracy.mean, float(rows.iloc[0]), band, tol)


def profile_label(main: Stats | None, shortened: pd.DataFrame, protocol: dict) -> str:
    if main is not None:
        return f"report ({protocol['epochs']} epochs)"
    if not shortened.empty:
        epochs = ", ".join(str(int(e)) for e in sorted(shortened["epochs"].dropna().unique()))
        return f"shortened only ({epochs} epochs): not used"
    return "—"


def verdict_counts(table: pd.DataFrame) -> dict[str, int]:
    kinds = table["verdict"].map(lambda v: "explained by an ablation" if v.startswith("explained by") else v)
    return {k: int(v) for k, v in kinds.value_counts().items()}


# ----------------------------------------------------------------------------- ablations
def ablations_table(runs: pd.DataFrame, reference: pd.DataFrame, ablations: dict[str, dict],
                    protocols: dict[str, dict], tol: Tolerance) -> pd.DataFrame:
    """Each ablation beside its target: the report's accuracy and loss, ours as run, the
    ablation's; whether the ablation lands inside the target's band. An effect within
    the target's spread (accuracy_sd x its sd) needs min_seeds seeds of the ablation to
    tell from noise: with fewer, the row is provisional."""
    report = reference.drop_duplicates("variant").set_index("variant")
    rows = []
    for name, entry in ablations.items():
        qualified = runs[of_protocol(runs, protocols[entry["part"]])]
        column = tol.statistic
        target = stats(qualified, entry["targets"], column)
        ablation = stats(qualified, name, column)
        reported = report["test_accuracy"].get(entry["targets"], math.nan)
        band = accuracy_band(target, tol) if target else tol.accuracy_points
        inside = bool(ablation and not math.isnan(reported) and within("test_accuracy", ablation.mean, reported, band, tol))
        loss = stats(qualified, name, "loss_mean")
        effect = (ablation.mean - target.mean) if (ablation and target) else math.nan
        within_spread = bool(target and target.n > 1 and abs(effect) <= tol.accuracy_sd * target.sd)
        rows.append({
            "ablation": name, "part": entry["part"], "targets": entry["targets"], "hypothesis": entry["hypothesis"],
            "report_accuracy": reported, "target_accuracy": target.mean if target else math.nan,
            "target_sd": target.sd if target else math.nan, "target_seeds": target.n if target else 0,
            "ablation_accuracy": ablation.mean if ablation else math.nan,
            "ablation_sd": ablation.sd if ablation else math.nan, "ablation_seeds": ablation.n if ablation else 0,
            "effect": effect, "effect_within_spread": within_spread,
            "provisional": within_spread and ablation.n < tol.min_seeds,
            "inside_band": inside if ablation else None,
            "report_train_loss": report["final_train_loss"].get(entry["targets"], math.nan),
            "target_train_loss": stats(qualified, entry["targets"], "loss_mean").mean if target else math.nan,
            "ablation_train_loss": loss.mean if loss else math.nan,
        })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- markdown
# Appended to a verdict or an ablation resting on fewer seeds than tolerance.min_seeds.
PROVISIONAL = " (provisional: n below the seeds required)"


def _pct(mean: float, sd: float = math.nan, n: int | None = None) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    text = f"{100 * mean:.1f}" + ("" if math.isnan(sd) else f" ± {100 * sd:.1f}")
    return text + (f" (n={n})" if n else "")


def _value(metric: str, value: float, sd: float = math.nan, n: int | None = None) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "—"
    if metric == "test_accuracy":
        return _pct(value, sd, n)
    text = f"{value:.0f}" if metric == "train_seconds" else f"{value:.3g}"
    return text + (f" (n={n})" if n else "")


def reproduction_markdown(table: pd.DataFrame, title: str, notes: list[str]) -> str:
    shown = pd.DataFrame({
        "table": table["table"], "row": table["label"], "number": table["metric"].str.replace("_", " "),
        "report": [_value(m, v) for m, v in zip(table["metric"], table["report"])],
        "ours": [_value(m, v, s, n) for m, v, s, n in zip(table["metric"], table["ours"], table["ours_sd"], table["seeds"])],
        "Δ": [_delta(m, d, r, o) for m, d, r, o in zip(table["metric"], table["delta"], table["report"], table["ours"])],
        "verdict": [v + (PROVISIONAL if p else "")
                    for v, p in zip(table["verdict"], table["provisional"])],
        "protocol": table["protocol"],
    })
    counts = ", ".join(f"{k}: {v}" for k, v in verdict_counts(table).items())
    lines = [f"# {title}", "", *notes, "", f"Verdicts: {counts}.", "",
             shown.to_markdown(index=False, disable_numparse=True), ""]
    return "\n".join(lines)


def _delta(metric: str, delta: float, report: float, ours: float) -> str:
    if isinstance(delta, float) and math.isnan(delta):
        return "—"
    if metric == "test_accuracy":
        return f"{100 * delta:+.1f} pts"
    return f"×{ours / report:.3g}" if report else "—"


def ablations_markdown(table: pd.DataFrame, title: str, notes: list[str]) -> str:
    shown = pd.DataFrame({
        "ablation": table["ablation"], "targets": table["targets"], "hypothesis": table["hypothesis"],
        "report %": [_pct(v) for v in table["report_accuracy"]],
        "ours as run %": [_pct(m, s, n) for m, s, n in zip(table["target_accuracy"], table["target_sd"], table["target_seeds"])],
        "ablation %": [_pct(m, s, n) for m, s, n in zip(table["ablation_accuracy"], table["ablation_sd"], table["ablation_seeds"])],
        "effect pts": ["—" if math.isnan(e) else f"{100 * e:+.1f}" + (" (within the spread)" if w else "")
                       for e, w in zip(table["effect"], table["effect_within_spread"])],
        "inside report band": ["not run" if v is None else ("yes" if v else "no")
                               + (PROVISIONAL if p else "")
                               for v, p in zip(table["inside_band"], table["provisional"])],
        "train loss: report / ours / ablation": [
            " / ".join("—" if np.isnan(x) else f"{x:.3g}" for x in (r, t, a))
            for r, t, a in zip(table["report_train_loss"], table["target_train_loss"], table["ablation_train_loss"])],
    })
    return "\n".join([f"# {title}", "", *notes, "", shown.to_markdown(index=False, disable_numparse=True), ""])
