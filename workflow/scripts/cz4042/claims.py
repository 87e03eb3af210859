"""The report's qualitative claims (workflow/reference/report_claims.csv), judged from
our runs of the report's protocol: `holds`, `contradicted`, `undecided` (a difference
within the accuracy band, which the rules do not call a difference) or `not run`.

Kinds: higher (a beats b by more than the band), higher_by (a beats b by `points`
within the band), not_higher (a does not beat b by more
than the band), faster (b's time per epoch, each run's fastest, exceeds a's by more than
time_factor), best_of (a beats the best of b by more than the band), converges_by (a's test
accuracy at `epoch` lies within the band of its final accuracy), loss_converges_by (a's
training loss at `epoch` has made at least 90% of its drop from epoch 1 to the last
epoch), loss_spike (a's training loss jumps above 10x the median of the surrounding 200
epochs, and 0.1 above it, within 50 epochs of `epoch`), similar_loss (a's training loss
lies within the loss factor of b's at epochs 1, 5, 10, 20 and every 50th, each the mean
over seeds; both near zero count as alike).

Each claim is also judged on the report's own numbers (its tables, one "run" per row)
where it compares numbers the report prints: a claim its own tables contradict is shown so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import PipelineError
from .formatting import pct
from .verdicts import Rules, Stats, flags, loss_ratio, seed_stats

SPIKE_FACTOR = 10  # a spike: one epoch's loss above this many times the window's median
SPIKE_FLOOR = 0.1  # ... and above it by this much at least (near-zero losses jitter by large factors)
SPIKE_REACH = 50  # epochs either side of the claimed epoch where the spike may fall


@dataclass(frozen=True)
class Kind:
    compares: bool  # a against `b` (else: a's own curve at `epoch`)
    about_accuracy: bool  # its provisional mark reads the accuracy's flags (else: the seed count only)
    printed: str | None  # the report_2019.csv column it can be judged on, if any


KINDS = {
    "higher": Kind(True, True, "test_accuracy"), "higher_by": Kind(True, True, "test_accuracy"),
    "not_higher": Kind(True, True, "test_accuracy"), "best_of": Kind(True, True, "test_accuracy"),
    "faster": Kind(True, False, "train_seconds"), "similar_loss": Kind(True, False, None),
    "converges_by": Kind(False, True, None), "loss_converges_by": Kind(False, False, None),
    "loss_spike": Kind(False, False, None),
}


def _pct(s: Stats) -> str:
    return pct(s.mean, n=s.n)


def compare(kind: str, a: str, b: str, runs: pd.DataFrame, rules: Rules, points: float | None = None
            ) -> tuple[str, str]:
    """(verdict, what ours say) for a claim between two variants (`points`: the gain a
    `higher_by` claim states)."""
    column = "epoch_seconds" if kind == "faster" else rules.statistic
    first, second = seed_stats(runs, a, column), seed_stats(runs, b, column)
    if first is None or second is None:
        missing = [v for v, s in ((a, first), (b, second)) if s is None]
        return "not run", f"no runs of {', '.join(missing)}"
    if kind == "faster":
        return faster(a, b, first, second, runs, rules)
    diff = first.mean - second.mean
    said = f"{a} {_pct(first)} vs {b} {_pct(second)}: {100 * diff:+.1f} pts"
    if kind == "not_higher":
        return ("holds" if diff <= rules.accuracy_band else "contradicted"), said
    if kind == "higher_by":
        inside = abs(100 * diff - points) <= 100 * rules.accuracy_band
        return ("holds" if inside else "contradicted"), said + f" (claimed: +{points:g} pts)"
    if abs(diff) <= rules.accuracy_band:
        return "undecided", said + " (within the band)"
    return ("holds" if diff > 0 else "contradicted"), said


def faster(a: str, b: str, first: Stats, second: Stats, runs: pd.DataFrame, rules: Rules) -> tuple[str, str]:
    """Times per epoch (each run's fastest epoch, mean over seeds): our runs shared the
    machine with other work, so their total times measure the load as much as the model."""
    totals = {v: seed_stats(runs, v, "seconds").mean for v in (a, b)}
    ratio = second.mean / first.mean
    said = (f"{a} {first.mean:.2f} vs {b} {second.mean:.2f} s per fastest epoch: x{ratio:.2f} "
            f"(whole runs {totals[a]:.0f} s vs {totals[b]:.0f} s)")
    return speed_verdict(ratio, said, rules)


def speed_verdict(ratio: float, said: str, rules: Rules) -> tuple[str, str]:
    """b's time over a's: holds above time_factor, contradicted below its inverse."""
    if ratio > rules.time_factor:
        return "holds", said
    if 1 / ratio > rules.time_factor:
        return "contradicted", said
    return "undecided", said + f" (within x{rules.time_factor:g})"


def best_of(a: str, others: list[str], runs: pd.DataFrame, rules: Rules) -> tuple[str, str]:
    """`a` is the best: it beats every other by more than the band (holds), or another
    beats it by more than the band (contradicted); else undecided, as for `higher`."""
    found = {v: seed_stats(runs, v, rules.statistic) for v in [a, *others]}
    missing = [v for v, s in found.items() if s is None]
    if missing:
        return "not run", f"no runs of {', '.join(missing)}"
    rival = max(others, key=lambda v: found[v].mean)
    lead = found[a].mean - found[rival].mean
    said = f"{a} {_pct(found[a])}; best other: {rival} {_pct(found[rival])}: {100 * lead:+.1f} pts"
    if abs(lead) <= rules.accuracy_band:
        return "undecided", said + " (within the band)"
    return ("holds" if lead > 0 else "contradicted"), said


def converges_by(a: str, epoch: int, histories: dict[str, list[pd.DataFrame]], rules: Rules) -> tuple[str, str]:
    runs = histories.get(a, [])
    if not runs:
        return "not run", f"no runs of {a}"
    at = sum(float(h.loc[h["epoch"] == epoch, "test_accuracy"].iloc[0]) for h in runs) / len(runs)
    final = sum(float(h["test_accuracy"].iloc[-1]) for h in runs) / len(runs)
    said = f"{a} at epoch {epoch}: {100 * at:.1f}, final {100 * final:.1f} (n={len(runs)})"
    return ("holds" if abs(final - at) <= rules.accuracy_band else "contradicted"), said


CONVERGED_SHARE = 0.9  # of the whole drop in training loss, made by the claimed epoch


def loss_converges_by(a: str, epoch: int, histories: dict[str, list[pd.DataFrame]]) -> tuple[str, str]:
    runs = histories.get(a, [])
    if not runs:
        return "not run", f"no runs of {a}"
    shares = []
    for h in runs:
        first, last = float(h["train_loss"].iloc[0]), float(h["train_loss"].iloc[-1])
        at = float(h.loc[h["epoch"] == epoch, "train_loss"].iloc[0])
        shares.append((first - at) / (first - last) if first != last else 1.0)
    share = sum(shares) / len(shares)
    said = f"{a}: {100 * share:.0f}% of its loss drop made by epoch {epoch} (n={len(runs)})"
    return ("holds" if share >= CONVERGED_SHARE else "contradicted"), said


def loss_spike(a: str, epoch: int, histories: dict[str, list[pd.DataFrame]]) -> tuple[str, str]:
    runs = histories.get(a, [])
    if not runs:
        return "not run", f"no runs of {a}"
    spiked = 0
    for h in runs:
        window = h[(h["epoch"] - epoch).abs() <= 2 * SPIKE_REACH]["train_loss"]
        near = h[(h["epoch"] - epoch).abs() <= SPIKE_REACH]["train_loss"]
        median = window.median()
        spiked += bool((near > max(SPIKE_FACTOR * median, median + SPIKE_FLOOR)).any())
    said = f"{spiked} of {len(runs)} runs of {a} spike within {SPIKE_REACH} epochs of {epoch}"
    return ("holds" if spiked else "contradicted"), said


SIMILAR_EPOCHS = (1, 5, 10, 20, *range(50, 10_001, 50))  # early epochs, where a "rate" shows, then every 50th


def similar_loss(a: str, b: str, histories: dict[str, list[pd.DataFrame]], rules: Rules) -> tuple[str, str]:
    """a's training-loss curve follows b's: within the loss factor (the rule for a
    reproduced loss) at epochs 1, 5, 10, 20 and every 50th, each the mean over seeds;
    two losses both at most near_zero_loss count as alike (near zero, factors are noise)."""
    missing = [v for v in (a, b) if not histories.get(v)]
    if missing:
        return "not run", f"no runs of {', '.join(missing)}"
    curves = {v: pd.concat(histories[v]).groupby("epoch")["train_loss"].mean() for v in (a, b)}
    epochs = [e for e in SIMILAR_EPOCHS if e in curves[a].index and e in curves[b].index]
    if not epochs:
        return "not run", f"no epoch of {SIMILAR_EPOCHS[:5]}... in both runs' histories"

    def apart(e: int) -> float:
        x, y = curves[a][e], curves[b][e]
        return 1.0 if max(x, y) <= rules.near_zero_loss else loss_ratio(x, y)

    worst = max(epochs, key=apart)
    said = (f"{a} vs {b} training loss at epochs 1, 5, 10, 20 and every 50th: at most x{apart(worst):.2f} apart "
            f"(epoch {worst}: {curves[a][worst]:.3g} vs {curves[b][worst]:.3g})")
    return ("holds" if apart(worst) <= rules.loss_factor else "contradicted"), said


def by_report(kind: str, a: str, others: list[str], points: float | None, reference: pd.DataFrame,
              rules: Rules) -> str:
    """The claim judged on the report's own tables, as if each of its numbers were one run
    (the same rule as ours); "—" where the report prints no numbers for what it compares
    (a curve's shape)."""
    column = KINDS[kind].printed
    if column is None or reference is None:
        return "—"
    values = reference[["variant", column]].dropna().groupby("variant")[column]
    if (values.nunique() > 1).any():  # a row printed twice must be the same number (report_2019.csv)
        raise PipelineError(f"report_2019.csv: {column} differs between rows of the same variant")
    printed = values.first().to_dict()
    if any(v not in printed or printed[v] <= 0 for v in [a, *others]):
        return "not printed"
    if kind == "faster":  # the report prints whole training times
        ratio = printed[others[0]] / printed[a]
        verdict, said = speed_verdict(ratio, f"{a} {printed[a]:.0f} s vs {others[0]} {printed[others[0]]:.0f} s: "
                                             f"x{ratio:.2f}", rules)
    elif kind == "best_of":
        verdict, said = best_of(a, others, as_runs(printed, rules), rules)
    else:
        verdict, said = compare(kind, a, others[0], as_runs(printed, rules), rules, points)
    return f"{verdict}: {said.replace(' (n=1)', '')}"


def as_runs(printed: dict[str, float], rules: Rules) -> pd.DataFrame:
    """The report's accuracies as one run per row, read by the same rules as ours."""
    return pd.DataFrame({"variant": list(printed), rules.statistic: list(printed.values())})


def judge_claims(claims: pd.DataFrame, runs: pd.DataFrame, histories: dict[str, list[pd.DataFrame]],
                 run_variant_of: dict[str, str], rules: Rules, reference: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """One row per claim: the quote, what it compares, what ours say and the verdict, and
    the verdict of the report's own numbers (`reference`: report_2019.csv).
    `runs` holds only runs of the report's protocol; `run_variant_of` maps grid_best to the
    chosen cell; `histories` are those runs' histories by variant."""
    check_claims(claims)
    rows = []
    for claim in claims.itertuples(index=False):
        a = run_variant_of.get(claim.a, claim.a)
        points = float(claim.points) if claim.kind == "higher_by" else None
        others = [run_variant_of.get(v, v) for v in str(claim.b).split()] if isinstance(claim.b, str) else []
        if claim.kind == "best_of":
            verdict, said = best_of(a, others, runs, rules)
        elif claim.kind == "converges_by":
            verdict, said = converges_by(a, int(claim.epoch), histories, rules)
        elif claim.kind == "loss_converges_by":
            verdict, said = loss_converges_by(a, int(claim.epoch), histories)
        elif claim.kind == "loss_spike":
            verdict, said = loss_spike(a, int(claim.epoch), histories)
        elif claim.kind == "similar_loss":
            verdict, said = similar_loss(a, others[0], histories, rules)
        else:
            verdict, said = compare(claim.kind, a, others[0], runs, rules, points)
        if verdict != "not run":
            verdict += provisional(claim.kind, [a, *others], runs, rules)
        compared = f"{claim.kind} {claim.a}" + (f" vs {claim.b}" if others else "") + (
            f" at epoch {int(claim.epoch)}" if pd.notna(claim.epoch) else "") + (
            f" by {points:g} pts" if claim.kind == "higher_by" else "")
        printed = str(claim.b).split() if isinstance(claim.b, str) else []  # the report's names: no grid_best map
        twin = getattr(claim, "same_pair_as", None)
        rows.append({"id": claim.id, "section": claim.section, "quote": claim.quote, "compares": compared,
                     "ours": said, "verdict": verdict, "same_pair_as": twin if isinstance(twin, str) else "",
                     "report_numbers": by_report(claim.kind, claim.a, printed, points, reference, rules)})
    return pd.DataFrame(rows)


def check_claims(claims: pd.DataFrame) -> None:
    """Every claim has a known kind, what that kind compares, and a positive gain for higher_by."""
    where = "workflow/reference/report_claims.csv"
    for claim in claims.itertuples(index=False):
        twin = getattr(claim, "same_pair_as", None)
        if isinstance(twin, str) and twin and twin not in set(claims["id"]):
            raise PipelineError(f"{where}: claim {claim.id}: same_pair_as names no claim: {twin!r}")
        if claim.kind not in KINDS:
            raise PipelineError(f"{where}: claim {claim.id}: unknown kind {claim.kind!r} (known: {', '.join(KINDS)})")
        points = getattr(claim, "points", None)
        if claim.kind == "higher_by" and not (pd.notna(points) and float(points) > 0):
            raise PipelineError(f"{where}: claim {claim.id}: higher_by needs `points`, the gain it states (> 0)")
        if KINDS[claim.kind].compares and not isinstance(claim.b, str):
            raise PipelineError(f"{where}: claim {claim.id}: {claim.kind} compares `a` with `b`; `b` is empty")
        if not KINDS[claim.kind].compares and pd.isna(claim.epoch):
            raise PipelineError(f"{where}: claim {claim.id}: {claim.kind} needs `epoch`")


def provisional(kind: str, variants: list[str], runs: pd.DataFrame, rules: Rules) -> str:
    """Why a claim's verdict is not final: a compared row with too few seeds, or, for a
    claim about accuracy, an accuracy sd above the band short of its seeds (verdicts.flags,
    as in the reproduction table)."""
    metric = "test_accuracy" if KINDS[kind].about_accuracy else "final_train_loss"  # the latter: n only
    why = [f"{v}: {flag}" for v in variants for flag in flags(metric, seed_stats(runs, v, rules.statistic), rules)]
    return f" (provisional: {'; '.join(why)})" if why else ""


def claim_counts(table: pd.DataFrame) -> str:
    """'holds 6, holds (provisional) 4, ...': each verdict's count, its reasons dropped;
    a claim on the same pair as a stronger one (`same_pair_as`) is not counted: the
    stronger one holding implies it."""
    kinds = table["verdict"][counted(table)].str.replace(r" \(provisional.*", " (provisional)", regex=True)
    return ", ".join(f"{k} {v}" for k, v in kinds.value_counts().items())


def counted(table: pd.DataFrame) -> pd.Series:
    """Which claims count: those no stronger claim on the same pair stands for."""
    return table["same_pair_as"].fillna("") == ""


def counted_claims(table: pd.DataFrame) -> int:
    return int(counted(table).sum())


def claims_markdown(table: pd.DataFrame, title: str, notes: list[str]) -> str:
    shown = table.assign(verdict=[v + (f" [same pair as {t}, which states more: not counted]" if t else "")
                                  for v, t in zip(table["verdict"], table["same_pair_as"].fillna(""))])
    shown = shown.drop(columns="same_pair_as").rename(columns={"report_numbers": "on the report's own numbers"})
    head = f"Claims ({counted_claims(table)} counted of {len(table)}): {claim_counts(table)}."
    return "\n".join([f"# {title}", "", *notes, "", head, "", shown.to_markdown(index=False), ""])
