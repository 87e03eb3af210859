import pytest
from test_aggregate import runs

from cz4042 import selection


def test_best_cell_by_final_or_best_accuracy():
    summary = runs([
        {"variant": "grid_1x1", "seed": 1, "final_test_accuracy": 0.40, "best_test_accuracy": 0.60},
        {"variant": "grid_2x2", "seed": 1, "final_test_accuracy": 0.45, "best_test_accuracy": 0.46},
        {"variant": "grid_2x2", "seed": 2, "final_test_accuracy": 0.41, "best_test_accuracy": 0.46},
    ])
    cells = [{"variant": "grid_1x1", "c1": 1, "c2": 1, "protocol_overrides": {}},
             {"variant": "grid_2x2", "c1": 2, "c2": 2, "protocol_overrides": {"epochs": 2}}]
    assert selection.select_best_cell(summary, cells, "final")["variant"] == "grid_2x2"  # mean 0.43
    best = selection.select_best_cell(summary, cells, "best")
    assert best["variant"] == "grid_1x1" and best["test_accuracy"] == pytest.approx(0.60)
