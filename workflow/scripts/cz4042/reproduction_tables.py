"""The reproduction table: one row per report number, under the rules of verdicts.py,
with every reading, the registered hypotheses that explain it, each world's verdict
and the peers' numbers beside it; and its Markdown.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from . import explain
from .verdicts import (REPRODUCED, Rules, Stats, caveats, column_of, flags, loss_inside, of_protocol,
                       plain_verdict, readings, reference_numbers, seed_stats)


class WorldRow(NamedTuple):
    """How a world reads one row it changes (hypotheses.world_rows builds them)."""
    variant: str  # the world's variant of the row (the row's own for a reading alone)
    switch: dict  # the model/training switches that variant applies
    registered: str | None  # when the variant was fixed: runs before it are not read
    reading: str | None  # the accuracy column read instead of the statistic, or None
    composed: str | None  # when the world took its form for this row


def report_accuracies(numbers: pd.DataFrame, run_variant_of: dict[str, str]) -> dict[str, float]:
    """Report accuracy by our run variant (a twice-printed number once)."""
    accuracy = numbers[(numbers["metric"] == "test_accuracy") & numbers["counted"]]
    return {run_variant_of.get(v, v): r for v, r in zip(accuracy["variant"], accuracy["report"])}


def with_explanation(metric: str, verdict: str, row: str, explained: dict[str, list[str]],
                     effects: list[explain.Effect], loss_of: dict[tuple[str, str], Stats | None],
                     report: float, rules: Rules) -> str:
    """A verdict short of `reproduced` becomes `explained by H` when H explains the row
    (for a loss: and H's loss lies within the factor)."""
    if verdict in (REPRODUCED, "not run", "not comparable"):
        return verdict
    for name in explained.get(row, []):
        if metric == "test_accuracy":
            return f"explained by {name}"
        loss = loss_of.get((name, row))
        if metric == "final_train_loss" and loss is not None and loss_inside(loss.mean, report, rules):
            return f"explained by {name}"
    return verdict


def world_runs(runs: pd.DataFrame, protocol: dict, part: str, row: str, variant: str, switch: dict,
               registered: str | None, column: str, reading: str | None = None) -> tuple[pd.DataFrame, str]:
    """(a world's runs of a row, the column to read): the variant's runs of the protocol
    (with the switch), only those started after the variant was fixed (its `registered`
    time, None for the row's own). A world's reading (an accuracy read from another
    column) reads only runs recording it."""
    qualified = of_protocol(runs, protocol, part, row, switch)
    qualified = qualified[qualified["variant"] == variant]
    if registered is not None:
        qualified = qualified[explain.started_after(qualified, registered)]
    if reading is not None:
        qualified, column = qualified[qualified[reading].notna()], reading
    return qualified, column


def world_columns(world: str, runs: pd.DataFrame, protocol: dict, number, variant: str, column: str,
                  changed: WorldRow, rules: Rules) -> dict:
    """A world's columns for one report number. `after_composed`: the world changes the
    row and every run it reads started after the world was composed (runs made before
    are what it was chosen after: a reader weighs those verdicts less)."""
    w_variant = changed.variant
    reading = changed.reading if number.metric == "test_accuracy" else None
    mine, column = world_runs(runs, protocol, number.part, number.variant, w_variant, changed.switch,
                              changed.registered, column, reading)
    found = seed_stats(mine, w_variant, column)
    changes = w_variant != variant or reading is not None
    after = changes and found is not None and bool(explain.started_after(mine, changed.composed).all())
    return {f"{world}_variant": w_variant, f"{world}_reading": reading or "",
            f"{world}_ours": found.mean if found else math.nan, f"{world}_seeds": found.n if found else 0,
            f"{world}_verdict": plain_verdict(number.metric, number.report, found, rules),
            f"{world}_flags": "; ".join(flags(number.metric, found, rules)),
            f"{world}_caveats": "; ".join(caveats(number.metric, number.report, found,
                                                  protocol.get("test_examples", {}).get(number.part), rules)),
            f"{world}_changes": changes,
            f"{world}_after_composed": after}


def reproduction_table(reference: pd.DataFrame, runs: pd.DataFrame, run_variant_of: dict[str, str], protocol: dict,
                       hypotheses: dict[str, dict], worlds: dict[str, dict[str, WorldRow]],
                       peers: pd.DataFrame, rules: Rules, costs: pd.DataFrame | None = None
                       ) -> tuple[pd.DataFrame, list[explain.Effect]]:
    """(one row per report number, every hypothesis's effects). `run_variant_of` maps a report
    row to our variant (grid_best -> the chosen cell); `worlds` maps a world to
    {row: WorldRow} for the rows it changes."""
    numbers = reference_numbers(reference)
    parts = {run_variant_of.get(v, v): part for v, part in zip(numbers["variant"], numbers["part"])}
    effects = explain.effects(runs, protocol, report_accuracies(numbers, run_variant_of), parts, hypotheses, rules)
    explained = explain.explanations(effects)
    loss_of = {(e.hypothesis, e.row): e.loss for e in effects}
    rows = []
    for number in numbers.itertuples(index=False):
        part, variant = number.part, run_variant_of.get(number.variant, number.variant)
        own = of_protocol(runs, protocol, part, number.variant)
        column = column_of(number.metric, rules)
        main = seed_stats(own, variant, column)
        plain = plain_verdict(number.metric, number.report, main, rules)
        low, high = main.interval(rules.confidence) if main else (math.nan, math.nan)
        row = {
            "table": number.table, "variant": number.variant, "run_variant": variant, "label": number.label,
            "metric": number.metric, "report": number.report, "counted": number.counted,
            "same_number_as": number.same_number_as,
            "ours": main.mean if main else math.nan, "ours_sd": main.sd if main else math.nan,
            "seeds": main.n if main else 0, "ci_low": low, "ci_high": high,
            "seed_low": main.low if main else math.nan, "seed_high": main.high if main else math.nan,
            "delta": (main.mean - number.report) if main else math.nan,
            "verdict": with_explanation(number.metric, plain, variant, explained, effects, loss_of, number.report,
                                        rules),
            "flags": "; ".join(flags(number.metric, main, rules)),
            "caveats": "; ".join(caveats(number.metric, number.report, main,
                                         protocol.get("test_examples", {}).get(part), rules)),
            "protocol": protocol_label(main, runs[(runs["variant"] == variant) & ~runs.index.isin(own.index)], protocol[part]),
            "missing_runs": missing_runs(costs, number.variant, number.metric, main, protocol[part]["epochs"], rules),
            **readings(own, variant),
            **peer_columns(peers, number.variant, number.metric, number.report, rules.accuracy_band),
        }
        for world, changed in worlds.items():
            unchanged = WorldRow(variant, {}, None, None, None)
            row.update(world_columns(world, runs, protocol, number, variant, column, changed.get(variant, unchanged),
                                     rules))
        rows.append(row)
    return pd.DataFrame(rows), effects


def missing_runs(costs: pd.DataFrame | None, row: str, metric: str, main: Stats | None, epochs: int,
                 rules: Rules) -> str:
    """For an accuracy row short of min_seeds: what its missing seeds would take on each
    measured device (workflow/reference/run_costs.csv: seconds per epoch, measured)."""
    have = main.n if main else 0
    if costs is None or metric != "test_accuracy" or have >= rules.min_seeds:
        return ""
    mine = costs[costs["variant"] == row]
    if mine.empty:
        return ""
    seeds = rules.min_seeds - have
    parts = [f"{seeds} seed(s) x {epochs} epochs: {duration(seeds * epochs * float(c.seconds_per_epoch))} on "
             f"{c.device}" for c in mine.itertuples(index=False)]
    return "; ".join(parts)


def duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def protocol_label(main: Stats | None, others: pd.DataFrame, protocol: dict) -> str:
    """Which runs a row's numbers come from; runs of another protocol are named, unused."""
    if main is not None:
        return f"report ({protocol['epochs']} epochs)"
    if not others.empty:
        epochs = ", ".join(str(int(e)) for e in sorted(others["epochs"].dropna().unique()))
        return f"other protocol only ({epochs} epochs): not used"
    return "—"


def peer_columns(peers: pd.DataFrame, row: str, metric: str, report: float, band: float) -> dict:
    """Peers' count and range for an accuracy row, and whether the report lies outside
    it by more than the band (with two or more peers): outside every input group's own
    range where the peers read the chars differently (`char_input`: a mixed range only
    widens). A number whose note starts `UNVERIFIED` (what it measures was not read in
    their code) is counted apart, never in a range. Context, never a verdict."""
    if metric != "test_accuracy":
        return {"peers": 0, "peer_low": math.nan, "peer_high": math.nan, "report_outside_peers": False,
                "peers_unverified": 0, "peer_inputs": ""}
    mine = peers[(peers["row"] == row) & (peers["metric"] == "accuracy")]
    notes = mine["protocol_note"] if "protocol_note" in mine else pd.Series("", index=mine.index)
    unverified = notes.fillna("").str.startswith("UNVERIFIED")
    mine = mine[~unverified]
    values = mine["number"].astype(float)
    inputs = (mine["char_input"] if "char_input" in mine else pd.Series("", index=mine.index)).fillna("")
    groups = {name: values[inputs == name] for name in dict.fromkeys(inputs)}
    outside = len(values) >= 2 and all(not (g.min() - band <= report <= g.max() + band) for g in groups.values())
    split = "; ".join(f"{name}: {peer_range(g)}" for name, g in groups.items()) if len(groups) > 1 else ""
    return {"peers": len(values), "peer_low": values.min() if len(values) else math.nan,
            "peer_high": values.max() if len(values) else math.nan, "report_outside_peers": bool(outside),
            "peers_unverified": int(unverified.sum()), "peer_inputs": split}


def peer_range(values: pd.Series) -> str:
    low, high = 100 * values.min(), 100 * values.max()
    return (f"{low:.1f}" if len(values) == 1 else f"{low:.1f}–{high:.1f}") + f" (n={len(values)})"


def report_runs(runs: pd.DataFrame, protocol: dict, rows: dict[str, str]) -> pd.DataFrame:
    """Only the runs of each row ({row: part}) that match the report's protocol."""
    keep = pd.Series(False, index=runs.index)
    for row, part in rows.items():
        keep |= runs.index.isin(of_protocol(runs[runs["variant"] == row], protocol, part, row).index)
    return runs[keep]


def histories_by_variant(runs: pd.DataFrame) -> dict[str, list[pd.DataFrame]]:
    """The histories of the given runs, by variant."""
    from .records import read_history

    by_variant: dict[str, list[pd.DataFrame]] = {}
    for path, variant in zip(runs["history_path"], runs["variant"]):
        by_variant.setdefault(variant, []).append(read_history(path))
    return by_variant
