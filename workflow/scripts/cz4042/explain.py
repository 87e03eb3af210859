"""Registered hypotheses, judged on every report row they touch (docs/verdicts.md).

For each touched row a hypothesis has an effect: its runs (the derived variant's, or
the row's own runs read another way) beside the row as run and the report's number.
A row's status is `inside` (the band of the report), `outside`, `breaks` (it moves the row
out of its band, or more than the band further from the report than as run), `not run`,
`not recorded` (a reading no run records) or `run before registration`; it is
provisional with fewer seeds than the row and than min_seeds, or than unstable_seeds
where the row's sd or the hypothesis's own sd exceeds the band. The hypothesis explains
a row only if it is inside there and breaks no touched row, every touched row being
tested with enough seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .registration import registered_on
from .verdicts import Rules, Stats, accuracy_inside, of_protocol, seed_stats


@dataclass(frozen=True)
class Effect:
    hypothesis: str
    row: str
    variant: str  # whose runs: the derived variant, or the row itself for a reading
    report: float
    as_run: Stats | None
    with_hypothesis: Stats | None
    status: str
    provisional: bool  # judged on fewer seeds than required
    loss: Stats | None = None  # the same runs' final training loss


def hypothesis_runs(runs: pd.DataFrame, protocol: dict, part: str, row: str, name: str, entry: dict
                    ) -> tuple[str, pd.DataFrame, str]:
    """(variant, its runs of the protocol, the column to read) for a hypothesis on a row;
    only runs started after the hypothesis was registered."""
    variant = f"{row}_{name}" if "switch" in entry else row
    qualified = of_protocol(runs, protocol, part, row, entry.get("switch"))
    column = entry.get("reading")
    return variant, qualified, column


def started_after(runs: pd.DataFrame, registered: str) -> pd.Series:
    """Which runs began after `registered`; a run with no known start counts as before."""
    when = pd.to_datetime(runs["started"], utc=True, format="ISO8601")
    return when.notna() & (when >= pd.Timestamp(registered.replace("Z", "+00:00")))


def row_status(report: float, as_run: Stats | None, found: Stats | None, early: bool, rules: Rules) -> str:
    if early:
        return "run before registration"
    if as_run is None or found is None:
        return "not run"
    if accuracy_inside(found.mean, report, rules):
        return "inside"
    # A change within the band is no effect: breaking is leaving the band, or moving
    # more than the band further from the report than the row as run.
    further = abs(found.mean - report) - abs(as_run.mean - report)
    return "breaks" if accuracy_inside(as_run.mean, report, rules) or further > rules.accuracy_band else "outside"


def effects(runs: pd.DataFrame, protocol: dict, report: dict[str, float], parts: dict[str, str],
            hypotheses: dict[str, dict], rules: Rules) -> list[Effect]:
    """Every hypothesis's effect on every report row it touches (accuracy)."""
    found = []
    for name, entry in hypotheses.items():
        for row in entry["touches"]:
            if row not in report:
                continue
            part = parts[row]
            own = of_protocol(runs, protocol, part, row)
            as_run = seed_stats(own, row, rules.statistic)
            variant, qualified, reading = hypothesis_runs(runs, protocol, part, row, name, entry)
            mine = qualified[qualified["variant"] == variant]
            on_time = started_after(mine, registered_on(entry, row))
            early = not on_time.all()
            if reading:  # a column: read only from runs made after registration that record it
                mine, early = mine[on_time & mine[reading].notna()], False
            with_h = seed_stats(mine, variant, reading or rules.statistic)
            status = row_status(report[row], as_run, with_h, early, rules)
            if reading and with_h is None and as_run is not None:
                status = "not recorded"
            short = with_h is not None and with_h.n < seeds_needed(as_run, with_h, rules)
            loss = seed_stats(mine, variant, "loss_mean") if not reading else None
            found.append(Effect(name, row, variant, report[row], as_run, with_h, status, short, loss))
    return found


def seeds_needed(as_run: Stats | None, with_h: Stats | None, rules: Rules) -> int:
    """As many seeds as the row, and at least min_seeds; unstable_seeds where the row's sd
    or the hypothesis's own exceeds the band (config more_seeds gives them: `rows` to a
    row and every variant of it, `variants` to one hypothesis's variant)."""
    unstable = any(s is not None and s.n > 1 and s.sd > rules.accuracy_band for s in (as_run, with_h))
    return max(rules.min_seeds, as_run.n if as_run else 0, rules.unstable_seeds if unstable else 0)


def judge(name: str, found: list[Effect]) -> tuple[str, list[str]]:
    """(the hypothesis's status in words, the rows it explains)."""
    mine = [e for e in found if e.hypothesis == name]
    rows = lambda status: [e.row for e in mine if e.status == status]  # noqa: E731
    fits, breaks = rows("inside"), rows("breaks")
    provisional = all(e.provisional for e in mine if e.status == "breaks")
    suffix = " (provisional: fewer seeds than the rows need)" if provisional else ""
    if breaks:
        head = f"inconsistent: fits {', '.join(fits)}; breaks " if fits else "rejected: breaks "
        return head + ", ".join(breaks) + suffix, []
    untested = [f"{e.row} ({e.status})" for e in mine
                if e.status in ("not run", "not recorded", "run before registration")]
    untested += [e.row + " (needs seeds)" for e in mine if e.provisional]
    if untested:
        return "incomplete: " + ", ".join(untested), []
    if fits:
        return "consistent: fits " + ", ".join(fits), fits
    return "explains no row", []


def explanations(found: list[Effect]) -> dict[str, list[str]]:
    """Report row -> the hypotheses that explain it (consistent, enough seeds)."""
    by_row: dict[str, list[str]] = {}
    for name in dict.fromkeys(e.hypothesis for e in found):
        for row in judge(name, found)[1]:
            by_row.setdefault(row, []).append(name)
    return by_row


def effects_table(found: list[Effect], hypotheses: dict[str, dict]) -> pd.DataFrame:
    """The ablations table: one row per (hypothesis, touched row)."""
    nan = math.nan
    rows = []
    for e in found:
        status, _ = judge(e.hypothesis, found)
        if "stopped" in hypotheses[e.hypothesis]:  # its plan asks for no more runs
            status += f"; stopped by its plan: {hypotheses[e.hypothesis]['stopped']['why']}"
        rows.append({
            "hypothesis": e.hypothesis, "claim": hypotheses[e.hypothesis]["claim"],
            "registered": registered_on(hypotheses[e.hypothesis], e.row), "row": e.row, "variant": e.variant,
            "report_accuracy": e.report,
            "as_run": e.as_run.mean if e.as_run else nan, "as_run_sd": e.as_run.sd if e.as_run else nan,
            "as_run_seeds": e.as_run.n if e.as_run else 0,
            "with_hypothesis": e.with_hypothesis.mean if e.with_hypothesis else nan,
            "with_hypothesis_sd": e.with_hypothesis.sd if e.with_hypothesis else nan,
            "with_hypothesis_seeds": e.with_hypothesis.n if e.with_hypothesis else 0,
            "effect": (e.with_hypothesis.mean - e.as_run.mean) if (e.as_run and e.with_hypothesis) else nan,
            "row_status": e.status + (" (provisional)" if e.provisional else ""),
            "hypothesis_status": status,
        })
    return pd.DataFrame(rows)
