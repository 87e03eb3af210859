"""The runs the verdicts ask for that have no record yet: why each is asked and what it
would take, derived from the config and the records, so that what is left is never a
list kept by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .explain import started_after
from .registration import registered_on


@dataclass(frozen=True)
class Wanted:
    family: str  # partA, partA_best or partB
    part: str  # partA or partB: whose protocol (epochs) it runs
    variant: str
    seed: int
    base_seeds: tuple[int, ...]  # config `seeds`; the others are more_seeds
    rerun: str = ""  # a recorded run made again: why (its record predates a reading)


# A derived variant (config `hypotheses`, `worlds`): its report row and the hypotheses it applies.
Derived = dict[str, tuple[str, tuple[str, ...]]]


def reading_reruns(recorded: list[Wanted], runs: pd.DataFrame, readings: dict[str, dict]) -> list[Wanted]:
    """Recorded runs of a row a reading touches whose record lacks that reading, or began
    before its registration for the row: made again (same numbers, plus the column)
    they let the reading reach the row's seeds. `readings`: {name: hypothesis entry}."""
    found = []
    for wanted in recorded:
        for name, entry in readings.items():
            if wanted.variant not in entry["touches"]:
                continue
            mine = runs[(runs["variant"] == wanted.variant) & (runs["seed"] == wanted.seed)]
            late = started_after(mine, registered_on(entry, wanted.variant)) & mine[entry["reading"]].notna()
            if not mine.empty and not late.all():
                found.append(Wanted(wanted.family, wanted.part, wanted.variant, wanted.seed, wanted.base_seeds,
                                    f"rerun: its record predates the {name} reading"))
    return found


def reason(variant: str, seeds: list[int], wanted: Wanted, derived: Derived) -> str:
    """Why the verdicts ask for these seeds of this variant."""
    if wanted.rerun:
        return wanted.rerun
    row, names = derived.get(variant, (variant, ()))
    if not names:
        why = "report row"
    elif len(names) == 1:
        why = f"hypothesis {names[0]} on {row}"
    else:
        why = f"world variant ({' + '.join(names)}) of {row}"
    if any(s not in wanted.base_seeds for s in seeds):
        why += "; an sd above the band, its row's or its own (more_seeds)"
    return why


def run_time(variant: str, row: str, runs: pd.DataFrame, costs: pd.DataFrame | None,
             epochs: int) -> tuple[float, str]:
    """(seconds, where the figure comes from) for one run on this machine: the median
    whole-run time of the variant's records, else of its row's, else run_costs.csv's
    measured seconds per epoch on 2 CPU threads times the epochs."""
    for whose in (variant, row):
        seconds = runs.loc[runs["variant"] == whose, "seconds"].astype(float)
        if not seconds.empty:
            label = "its records" if whose == variant else f"{row}'s records"
            return float(seconds.median()), f"median of {label} (n={len(seconds)})"
    if costs is not None:
        cpu = costs[(costs["variant"] == row) & (costs["device"] == "cpu-2threads")]
        if not cpu.empty:
            return float(cpu["seconds_per_epoch"].iloc[0]) * epochs, f"run_costs.csv ({row}, cpu-2threads)"
    return math.nan, "no measure"


def gpu_time(row: str, costs: pd.DataFrame | None, epochs: int) -> float:
    """Seconds for one run on one H200 where run_costs.csv has the row, else NaN."""
    if costs is None:
        return math.nan
    gpu = costs[(costs["variant"] == row) & (costs["device"] == "h200")]
    return float(gpu["seconds_per_epoch"].iloc[0]) * epochs if not gpu.empty else math.nan


def outstanding_table(missing: list[Wanted], derived: Derived, runs: pd.DataFrame,
                      costs: pd.DataFrame | None, epochs: dict[str, int]) -> pd.DataFrame:
    """One row per variant (and per rerun reason) with missing seeds: why, which seeds,
    and their time."""
    by_variant: dict[tuple[str, str, str], list[Wanted]] = {}
    for wanted in missing:
        by_variant.setdefault((wanted.family, wanted.variant, wanted.rerun), []).append(wanted)
    rows = []
    for (family, variant, _), group in by_variant.items():
        first, seeds = group[0], [w.seed for w in group]
        row = derived.get(variant, (variant, ()))[0]
        each, source = run_time(variant, row, runs, costs, epochs[first.part])
        rows.append({
            "family": family, "variant": variant, "row": row, "why": reason(variant, seeds, first, derived),
            "seeds": " ".join(map(str, seeds)), "runs": len(seeds), "cpu_hours": len(seeds) * each / 3600,
            "cpu_source": source, "h200_minutes": len(seeds) * gpu_time(row, costs, epochs[first.part]) / 60,
        })
    columns = ["family", "variant", "row", "why", "seeds", "runs", "cpu_hours", "cpu_source", "h200_minutes"]
    return pd.DataFrame(rows, columns=columns)


def outstanding_markdown(table: pd.DataFrame, title: str, source: str) -> str:
    """The table, with totals per family: what the records lack, and what it would take."""
    lines = [f"# {title}", "", f"Runs the verdicts read that {source} lacks (docs/verdicts.md says "
             "why each is asked). CPU time: this machine, 1 thread per Part B run and 2 per Part A run, "
             "from the records' own times (they shared the machine: an upper bound) or run_costs.csv; "
             "H200: run_costs.csv, Part A only.", ""]
    if table.empty:
        return "\n".join(lines + ["Nothing: every run the verdicts read has a record.", ""])
    for family, group in table.groupby("family", sort=False):
        gpu = group["h200_minutes"]
        gpu_text = f"{gpu.sum():.0f} min on one H200" if gpu.notna().all() else "H200 time not measured for all"
        runs = int(group["runs"].sum())
        lines.append(f"- **{family}**: {runs} run{'s' * (runs != 1)}, {group['cpu_hours'].sum():.1f} CPU-hours "
                     f"here; {gpu_text}.")
    shown = table.assign(cpu_hours=table["cpu_hours"].map(lambda h: "—" if math.isnan(h) else f"{h:.1f}"),
                         h200_minutes=table["h200_minutes"].map(lambda m: "—" if math.isnan(m) else f"{m:.0f}"))
    return "\n".join(lines + ["", shown.to_markdown(index=False), ""])
