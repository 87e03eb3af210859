"""Markdown of the verdict tables: reproduction (with worlds, readings and peers),
ablations (every hypothesis on every row it touches) and claims."""

from __future__ import annotations

import math

import pandas as pd

from .formatting import missing, pct
from .verdicts import reproduced_count, verdict_counts


def value(metric: str, mean: float, sd: float = math.nan, n: int | None = None) -> str:
    if missing(mean):
        return "—"
    if metric == "test_accuracy":
        return pct(mean, sd, n)
    text = f"{mean:.0f}" if metric == "train_seconds" else f"{mean:.3g}"
    return text + (f" (n={n})" if n else "")


def delta(metric: str, ours: float, report: float) -> str:
    if missing(ours):
        return "—"
    if metric == "test_accuracy":
        return f"{100 * (ours - report):+.1f} pts"
    return f"×{ours / report:.3g}" if report else "—"


def interval(metric: str, low: float, high: float) -> str:
    if metric != "test_accuracy" or missing(low):
        return "—"
    return f"{100 * low:.1f}–{100 * high:.1f}"


def peers(n: int, low: float, high: float, outside: bool, unverified: int = 0, inputs: str = "") -> str:
    aside = f" (+{unverified} unverified)" if unverified else ""
    if not n:
        return "—" + aside
    text = f"{100 * low:.1f}" if n == 1 else f"{100 * low:.1f}–{100 * high:.1f}"
    text += f" (n={n}; {inputs})" if inputs else f" (n={n})"
    return text + (" report outside by > band" if outside else "") + aside


def reproduced_detail(table: pd.DataFrame, prefix: str) -> str:
    """Of a world's reproduced numbers: how many are provisional (too few seeds, or an sd
    above the band), and, for a world, how many it changes and how many of those rest
    only on runs made after it was composed."""
    counted = table[table["counted"].astype(bool)]
    done = counted[counted[f"{prefix}verdict"] == "reproduced"]
    text = f" Of those reproduced, {int((done[f'{prefix}flags'].fillna('') != '').sum())} provisional"
    caveated = int((done[f"{prefix}caveats"].fillna("") != "").sum())
    text += f", {caveated} with a caveat" if caveated else ""
    if prefix:
        changed = done[done[f"{prefix}changes"].astype(bool)]
        text += (f"; {len(changed)} on rows the world changes, {int(changed[f'{prefix}after_composed'].sum())} of "
                 "them only on runs made after the world was composed")
    return text + "."


def same_count(both: pd.DataFrame, prefix: str) -> str:
    """'11' or '11 (1 provisional)': reproduced numbers, and how many of them still ask for seeds."""
    done = both[both[f"{prefix}verdict"].eq("reproduced")]
    flagged = int((done[f"{prefix}flags"].fillna("") != "").sum())
    return f"{len(done)}" + (f" ({flagged} provisional)" if flagged else "")


def summary_lines(table: pd.DataFrame, worlds: list[str], min_seeds: int = 3) -> list[str]:
    """One line per world: numbers reproduced of those compared, and every verdict count;
    then, per world, both worlds on the same numbers (those each has run with min_seeds)."""
    lines = []
    for world, prefix in [("default reading", "")] + [(w, f"{w}_") for w in worlds]:
        counts = verdict_counts(table, f"{prefix}verdict")
        done, compared = reproduced_count(counts)
        detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines.append(f"- **{world}**: {done} of {compared} compared report numbers reproduced ({detail})."
                     + reproduced_detail(table, prefix))
    for world in worlds:
        both = table[table["counted"].astype(bool) & (table["seeds"] >= min_seeds)
                     & (table[f"{world}_seeds"] >= min_seeds) & ~table["metric"].eq("train_seconds")]
        same = {p: same_count(both, p) for p in ("", f"{world}_")}
        lines.append(f"- **same numbers, both worlds** ({len(both)} numbers each world has run with at least "
                     f"{min_seeds} seeds): default reading {same['']} reproduced, {world} {same[f'{world}_']}.")
    return lines


def reproduction_markdown(table: pd.DataFrame, worlds: list[str], title: str, notes: list[str],
                          min_seeds: int = 3) -> str:
    m = table["metric"]
    shown = pd.DataFrame({
        "table": table["table"], "row": table["label"], "number": m.str.replace("_", " "),
        "report": [value(k, v) for k, v in zip(m, table["report"])],
        "ours": [value(k, v, s, n) for k, v, s, n in zip(m, table["ours"], table["ours_sd"], table["seeds"])],
        "95% CI": [interval(k, lo, hi) for k, lo, hi in zip(m, table["ci_low"], table["ci_high"])],
        "Δ": [delta(k, o, r) for k, o, r in zip(m, table["ours"], table["report"])],
        "verdict": [v + (f" ({f})" if f else "") + (f" [caveat: {w}]" if w else "")
                    + ("" if c else f" [same number as {s}: not counted]")
                    for v, f, w, c, s in zip(table["verdict"], table["flags"], table["caveats"].fillna(""),
                                             table["counted"], table["same_number_as"])],
    })
    for world in worlds:
        shown[f"{world}"] = [
            "same runs" if w == r and not read else
            f"{value(k, o, n=n)}{f' {read}' if read else ''}: {v}" + (f" ({f})" if f else "")
            + (f" [caveat: {c}]" if c else "")
            for k, o, n, v, w, r, f, c, read in zip(
                m, table[f"{world}_ours"], table[f"{world}_seeds"], table[f"{world}_verdict"],
                table[f"{world}_variant"], table["run_variant"], table[f"{world}_flags"].fillna(""),
                table[f"{world}_caveats"].fillna(""), table[f"{world}_reading"].fillna(""))]
    shown["peers"] = [peers(*p) for p in zip(table["peers"], table["peer_low"], table["peer_high"],
                                            table["report_outside_peers"], table["peers_unverified"],
                                            table["peer_inputs"].fillna(""))]
    missing = table[table["missing_runs"].fillna("") != ""]
    needed = [f"- {label}: {text}" for label, text in zip(missing["label"], missing["missing_runs"])]
    accuracy = table[m == "test_accuracy"].drop_duplicates("run_variant")
    readings = pd.DataFrame({
        "row": accuracy["label"], "final": [pct(v) for v in accuracy["final_mean"]],
        "best epoch": [pct(v) for v in accuracy["best_mean"]], "last 10": [pct(v) for v in accuracy["last10_mean"]],
        "loss: epoch mean": [value("loss", v) for v in accuracy["loss_mean_mean"]],
        "loss: last mini-batch": [value("loss", v) for v in accuracy["loss_last_batch_mean"]],
    })
    return "\n".join([
        f"# {title}", "", *notes, "", *summary_lines(table, worlds, min_seeds), "",
        shown.to_markdown(index=False, disable_numparse=True), "",
        *(["## What the rows short of seeds would take (measured seconds per epoch)", "", *needed, ""]
          if needed else []),
        "## Every reading of the same runs (means over seeds; the verdicts use the one the rules name)", "",
        readings.to_markdown(index=False, disable_numparse=True), "",
    ])


def ablations_markdown(table: pd.DataFrame, title: str, notes: list[str]) -> str:
    shown = pd.DataFrame({
        "hypothesis": table["hypothesis"], "registered": table["registered"], "row": table["row"],
        "report %": [pct(v) for v in table["report_accuracy"]],
        "as run %": [pct(m, s, n) for m, s, n in zip(table["as_run"], table["as_run_sd"], table["as_run_seeds"])],
        "with it %": [pct(m, s, n) for m, s, n in
                      zip(table["with_hypothesis"], table["with_hypothesis_sd"], table["with_hypothesis_seeds"])],
        "effect pts": ["—" if missing(e) else f"{100 * e:+.1f}" for e in table["effect"]],
        "on this row": table["row_status"],
    })
    verdicts = table.drop_duplicates("hypothesis")
    lines = [f"- **{h}** ({c}): {s}" for h, c, s in zip(verdicts["hypothesis"], verdicts["claim"],
                                                          verdicts["hypothesis_status"])]
    return "\n".join([f"# {title}", "", *notes, "", *lines, "",
                      shown.to_markdown(index=False, disable_numparse=True), ""])
