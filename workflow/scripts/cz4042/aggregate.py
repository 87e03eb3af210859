"""From run records (metrics JSON, history Parquet) to the comparison tables.

Pure functions over DataFrames; the report's numbers come in as a table
(workflow/reference/report_2019.csv), never from code.
"""

from __future__ import annotations

import pandas as pd

from .errors import PipelineError
from .formatting import pct
from .records import distinct


# ----------------------------------------------------------------------------- summaries
def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd over seeds per variant (sd is NaN for a single seed)."""
    grouped = runs.groupby("variant", sort=False)
    summary = pd.DataFrame({
        "seeds": grouped["seed"].count(),
        "test_accuracy": grouped["final_test_accuracy"].mean(),
        "test_accuracy_sd": grouped["final_test_accuracy"].std(ddof=1),
        "best_test_accuracy": grouped["best_test_accuracy"].mean(),
        "final_train_loss": grouped["final_train_loss"].mean(),
        "train_seconds": grouped["total_seconds"].mean(),
        "epochs": grouped["epochs_run"].max(),
        "train_examples": grouped["train_examples"].max(),
        "diverged": grouped["diverged"].sum().astype(int),
        # Where the runs ran: a row mixing devices or torch versions shows it here.
        "device": grouped["device"].agg(distinct),
        "torch": grouped["torch"].agg(distinct),
        "threads": grouped["threads"].agg(distinct),
    })
    return summary


def with_reference(table: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Add the report's numbers beside ours, and ours minus the report's."""
    out = table.copy()
    ref = reference.reindex(out["variant"])
    out.insert(1, "label", ref["label"].to_numpy())
    out["report_test_accuracy"] = ref["test_accuracy"].to_numpy()
    out["delta_test_accuracy"] = out["test_accuracy"] - out["report_test_accuracy"]
    for column in ("train_seconds", "final_train_loss"):
        if ref[column].notna().any():
            out[f"report_{column}"] = ref[column].to_numpy()
    return out


def rows_for(summary: pd.DataFrame, variants: list[str], partial: bool = False) -> pd.DataFrame:
    """The summary rows of `variants`, in order. With `partial` (tables read from
    committed records) a variant without runs is an empty row with 0 seeds."""
    missing = [v for v in variants if v not in summary.index]
    if missing and not partial:
        raise PipelineError(f"no runs of variant {', '.join(missing)}")
    rows = summary.reindex(variants)
    rows["seeds"] = rows["seeds"].fillna(0).astype(int)
    rows["diverged"] = rows["diverged"].fillna(0).astype(int)
    return rows.rename_axis("variant").reset_index()


def grid_table(runs: pd.DataFrame, cells: list[dict], reference: pd.DataFrame) -> pd.DataFrame:
    table = rows_for(summarize(runs), [c["variant"] for c in cells])
    table.insert(1, "c1", [c["c1"] for c in cells])
    table.insert(2, "c2", [c["c2"] for c in cells])
    return with_reference(table, reference)


def comparison_table(runs: pd.DataFrame, baseline: dict, best_cell: dict, on_best: list[str],
                     reference: pd.DataFrame) -> pd.DataFrame:
    """Baseline, the best grid cell (as 'grid_best'), then the on-best variants."""
    table = rows_for(summarize(runs), ["baseline", best_cell["variant"], *on_best])
    best_maps = f"({best_cell['c1']}, {best_cell['c2']})"
    table["cell"] = [f"({baseline['c1']}, {baseline['c2']})"] + [best_maps] * (len(table) - 1)
    table.loc[1, "variant"] = "grid_best"
    return with_reference(table, reference)


def dropout_table(runs: pd.DataFrame, pairs: dict[str, list[str]], reference: pd.DataFrame,
                  partial: bool = False) -> pd.DataFrame:
    """The report's Table 1: each model without and with dropout."""
    order = [variant for pair in pairs.values() for variant in pair]
    table = rows_for(summarize(runs), order, partial)
    table.insert(1, "model", [model for model, pair in pairs.items() for _ in pair])
    table.insert(2, "dropout", ["no", "yes"] * len(pairs))
    return with_reference(table, reference)


def variants_table(runs: pd.DataFrame, variants: list[str], reference: pd.DataFrame,
                   partial: bool = False) -> pd.DataFrame:
    return with_reference(rows_for(summarize(runs), variants, partial), reference)


# ----------------------------------------------------------------------------- output
def mixed_environment_warning(runs: pd.DataFrame) -> str | None:
    """A warning line when the runs behind one table differ in device, torch version or
    thread count (each changes the numbers)."""
    notes = []
    for column in ("device", "torch", "threads"):
        values = sorted(set(runs[column].dropna().astype(str)))
        if len(values) > 1:
            notes.append(f"{column}: {', '.join(values)}")
    return "Warning: these runs mix " + "; ".join(notes) if notes else None


def to_markdown(table: pd.DataFrame, title: str, notes: list[str]) -> str:
    """A readable Markdown table: accuracies in percent with ± sd over seeds."""
    shown = pd.DataFrame({"variant": table["variant"], "label": table["label"].fillna("")})
    for column in ("c1", "c2", "model", "dropout", "cell"):
        if column in table:
            shown[column] = table[column]
    shown["ours: test acc. %"] = [pct(m, s) for m, s in zip(table["test_accuracy"], table["test_accuracy_sd"])]
    shown["report %"] = [("—" if pd.isna(v) else f"{100 * v:.1f}") for v in table["report_test_accuracy"]]
    shown["Δ points"] = [("—" if pd.isna(v) else f"{100 * v:+.1f}") for v in table["delta_test_accuracy"]]
    shown["ours: time s"] = table["train_seconds"].map(lambda v: "—" if pd.isna(v) else f"{v:.0f}")
    if "report_train_seconds" in table:
        shown["report time s"] = table["report_train_seconds"].map(lambda v: "—" if pd.isna(v) else f"{v:.0f}")
    shown["ours: final train loss"] = table["final_train_loss"].map(lambda v: "—" if pd.isna(v) else f"{v:.3g}")
    if "report_final_train_loss" in table:
        shown["report train loss"] = table["report_final_train_loss"].map(lambda v: "—" if pd.isna(v) else f"{v:.3g}")
    shown["epochs"] = table["epochs"]
    shown["train n"] = table["train_examples"]
    shown["seeds"] = table["seeds"]
    shown["diverged"] = table["diverged"]
    lines = [f"# {title}", "", *notes, "", shown.to_markdown(index=False, disable_numparse=True), ""]
    return "\n".join(lines)


def write_table(table: pd.DataFrame, csv_path: str, md_path: str, title: str, notes: list[str],
                warning: str | None = None) -> None:
    """CSV (a 'warning' column when the runs mix devices or versions) and Markdown."""
    from .atomic import write_csv, write_text

    write_csv(csv_path, table.assign(warning=warning) if warning else table)
    write_text(md_path, to_markdown(table, title, notes))


def table_notes(caption: str, warning: str | None) -> list[str]:
    return [caption] + ([f"**{warning}**"] if warning else [])
