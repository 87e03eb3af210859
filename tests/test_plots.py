"""Figures from tiny inputs: each is written as a PNG of its size and draws what its
inputs hold (one line per variant, an empty cell where the grid has none)."""

import struct

import numpy as np
import pandas as pd
import pytest

from cz4042 import plots
from cz4042.atomic import save_figure


def history(losses, accuracies):
    return pd.DataFrame({"epoch": np.arange(1, len(losses) + 1), "train_loss": losses, "test_accuracy": accuracies})


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_curves_figure_is_a_png_of_its_size_with_a_line_per_variant(tmp_path):
    series = {"baseline": [history([2.0, 1.5, 1.0], [0.1, 0.2, 0.3]), history([2.2, 1.4], [0.2, 0.3])],
              "adam": [history([1.0, 0.5, 0.2], [0.4, 0.5, 0.6])]}
    figure = plots.curves_figure(series, "Part A: test", caption="a caption")
    loss_ax, accuracy_ax = figure.axes
    assert [line.get_label() for line in accuracy_ax.get_lines()] == ["baseline", "adam"]
    assert accuracy_ax.get_lines()[0].get_ydata().tolist() == pytest.approx([0.15, 0.25])  # to the shortest seed
    assert len(loss_ax.collections) == 1  # the min-max band of the variant with two seeds only
    save_figure(tmp_path / "curves.png", figure)
    width, height = png_size(tmp_path / "curves.png")
    assert 1200 < width <= 1320 and 480 < height < 600  # 11 x 4 inches at 120 dpi, the caption below


def test_mean_curve_spans_the_seeds_up_to_the_shortest():
    epochs, mean, low, high = plots.mean_curve([history([3.0, 2.0, 1.0], [0, 0, 0]), history([1.0, 4.0], [0, 0])],
                                               "train_loss")
    assert epochs.tolist() == [1, 2] and mean.tolist() == [2.0, 3.0]
    assert low.tolist() == [1.0, 2.0] and high.tolist() == [3.0, 4.0]


def test_heatmap_leaves_cells_the_grid_lacks_empty(tmp_path):
    grid = pd.DataFrame({"c1": [10, 10, 20], "c2": [10, 20, 20], "test_accuracy": [0.3, 0.4, 0.5]})
    figure = plots.heatmap_figure(grid)
    values = np.ma.filled(figure.axes[0].get_images()[0].get_array(), np.nan)  # rows c1, columns c2
    assert values[0].tolist() == [30.0, 40.0] and np.isnan(values[1, 0]) and values[1, 1] == 50.0
    assert sorted(text.get_text() for text in figure.axes[0].texts) == ["30.0", "40.0", "50.0"]
    save_figure(tmp_path / "heatmap.png", figure)
    assert png_size(tmp_path / "heatmap.png")[0] > 0


def test_comparison_figure_marks_the_report_and_divergence(tmp_path):
    table = pd.DataFrame({"variant": ["a", "b"], "label": [None, "B"], "test_accuracy": [0.5, 0.1],
                          "test_accuracy_sd": [0.01, None], "report_test_accuracy": [0.6, None],
                          "diverged": [False, True]})
    figure = plots.comparison_figure(table, "title")
    ax = figure.axes[0]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["a", "B"]
    report = next(c for c in ax.collections if c.get_label() == "report 2019")
    assert report.get_offsets().tolist() == [[0.0, 60.0]]  # the report's marker, where it has one
    assert [text.get_text() for text in ax.texts] == ["diverged"]
    save_figure(tmp_path / "comparison.png", figure)
    assert png_size(tmp_path / "comparison.png")[0] > 0
