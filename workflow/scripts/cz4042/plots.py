"""Figures: learning curves, grid heat map, feature maps, accuracy comparison."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def mean_curve(histories: list[pd.DataFrame], column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(epochs, mean, min, max) of `column` over seeds, up to the shortest history."""
    length = min(len(h) for h in histories)
    values = np.stack([h[column].to_numpy()[:length] for h in histories])
    return histories[0]["epoch"].to_numpy()[:length], values.mean(0), values.min(0), values.max(0)


def curves_figure(series: dict[str, list[pd.DataFrame]], title: str, caption: str = ""):
    """Training loss and test accuracy per epoch, one line per label (mean over seeds,
    shaded between the seeds' min and max)."""
    figure, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for label, histories in series.items():
        for ax, column in ((loss_ax, "train_loss"), (acc_ax, "test_accuracy")):
            epochs, mean, low, high = mean_curve(histories, column)
            (line,) = ax.plot(epochs, mean, label=label)
            if len(histories) > 1:
                ax.fill_between(epochs, low, high, color=line.get_color(), alpha=0.2)
    loss_ax.set(xlabel="epoch", ylabel="training loss (epoch mean)", title="Training loss")
    acc_ax.set(xlabel="epoch", ylabel="test accuracy", title="Test accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle(title)
    if caption:
        figure.text(0.5, -0.02, caption, ha="center", va="top", fontsize=8)
    figure.tight_layout()
    return figure


def heatmap_figure(grid: pd.DataFrame, caption: str = ""):
    """Test accuracy (%) per (C1, C2) cell; empty where the grid has no such cell."""
    c1s, c2s = sorted(grid["c1"].unique()), sorted(grid["c2"].unique())
    values = np.full((len(c1s), len(c2s)), np.nan)
    for row in grid.itertuples():
        values[c1s.index(row.c1), c2s.index(row.c2)] = 100 * row.test_accuracy
    figure, ax = plt.subplots(figsize=(1.2 * len(c2s) + 2, 0.8 * len(c1s) + 1.5))
    image = ax.imshow(values, cmap="viridis", origin="lower")
    ax.set_xticks(range(len(c2s)), c2s)
    ax.set_yticks(range(len(c1s)), c1s)
    ax.set(xlabel="C2 feature maps", ylabel="C1 feature maps", title="Grid search: test accuracy (%)")
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", color="white", fontsize=9)
    figure.colorbar(image, ax=ax)
    if caption:
        figure.text(0.5, -0.02, caption, ha="center", va="top", fontsize=8)
    figure.tight_layout()
    return figure


def _draw_map_grid(figure, spec, maps: np.ndarray, title: str) -> None:
    count = maps.shape[0]
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    inner = spec.subgridspec(rows, cols, wspace=0.05, hspace=0.05)
    for k in range(rows * cols):
        ax = figure.add_subplot(inner[k // cols, k % cols])
        ax.axis("off")
        if k < count:
            ax.imshow(maps[k], cmap="gray")
        if k == 0:
            ax.set_title(title, fontsize=9, loc="left")


def feature_maps_figure(image: np.ndarray, activations: dict[str, np.ndarray], title: str):
    """The input image (uint8 [3, 32, 32]) and each layer's maps ([maps, H, W]) as grids."""
    figure = plt.figure(figsize=(18, 5))
    outer = figure.add_gridspec(1, 1 + len(activations), width_ratios=[1] + [2] * len(activations))
    ax = figure.add_subplot(outer[0])
    ax.imshow(np.transpose(image, (1, 2, 0)))
    ax.set_title("input", fontsize=9)
    ax.axis("off")
    for k, (name, maps) in enumerate(activations.items(), start=1):
        _draw_map_grid(figure, outer[k], maps, f"{name} ({maps.shape[0]} maps, {maps.shape[1]}x{maps.shape[2]})")
    figure.suptitle(title)
    return figure


def comparison_figure(table: pd.DataFrame, title: str, caption: str = ""):
    """Our test accuracy per variant (bars, ± sd) with the report's as markers."""
    labels = table["label"].fillna(table["variant"]).tolist()
    x = np.arange(len(table))
    figure, ax = plt.subplots(figsize=(max(6, 0.7 * len(table) + 2), 4.5))
    sd = table["test_accuracy_sd"].fillna(0).to_numpy() * 100
    ax.bar(x, table["test_accuracy"] * 100, yerr=sd, color="tab:blue", alpha=0.8, label="ours")
    report = table["report_test_accuracy"] * 100
    ax.scatter(x[report.notna()], report[report.notna()], color="tab:red", marker="D", zorder=3, label="report 2019")
    for xi, diverged in zip(x, table["diverged"]):
        if diverged:
            ax.text(xi, 1, "diverged", rotation=90, ha="center", va="bottom", fontsize=8, color="tab:red")
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    ax.set(ylabel="test accuracy (%)", title=title, ylim=(0, 100))
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    if caption:
        figure.text(0.5, -0.02, caption, ha="center", va="top", fontsize=8)
    figure.tight_layout()
    return figure


VERDICT_COLOURS = {"reproduced": "tab:green", "explained": "tab:orange", "within our seed range": "tab:purple",
                   "not reproduced": "tab:red", "not run": "tab:gray"}


def reproduction_figure(table: pd.DataFrame):
    """One line per report accuracy: the report's value (diamond) and ours (dot, ± sd),
    joined and coloured by the verdict; rows never run show the report's value only."""
    rows = table[table["metric"] == "test_accuracy"].reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    figure, ax = plt.subplots(figsize=(8, 0.28 * len(rows) + 1.5))
    for yi, row in zip(y, rows.itertuples(index=False)):
        kind = "explained" if row.verdict.startswith("explained") else row.verdict
        colour = VERDICT_COLOURS.get(kind, "tab:gray")
        ax.scatter(100 * row.report, yi, marker="D", color="black", s=18, zorder=3)
        if not math.isnan(row.ours):
            sd = 0 if math.isnan(row.ours_sd) else 100 * row.ours_sd
            ax.plot([100 * row.report, 100 * row.ours], [yi, yi], color=colour, alpha=0.6)
            ax.errorbar(100 * row.ours, yi, xerr=sd, fmt="o", color=colour, ms=5, capsize=2, zorder=4)
    labels = [f"{r.table.split('_', 1)[1]}: {r.label}" for r in rows.itertuples(index=False)]
    ax.set_yticks(y, labels, fontsize=7)
    handles = [plt.Line2D([], [], marker="D", color="black", ls="", label="report 2019")]
    handles += [plt.Line2D([], [], marker="o", color=c, ls="", label=f"ours: {k}") for k, c in VERDICT_COLOURS.items()]
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    ax.set(xlabel="test accuracy (%)", xlim=(0, 100), title="Report vs ours, by verdict")
    ax.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure
