"""Choosing the best grid cell: kept apart from the table code so that editing tables
or figures never reruns the training that depends on this choice."""

from __future__ import annotations

import math

import pandas as pd

from .errors import PipelineError


def select_best_cell(summary: pd.DataFrame, cells: list[dict], select_by: str) -> dict:
    """The grid cell with the highest mean test accuracy: final epoch's (as the report)
    or best epoch's. Ties go to the cell listed first."""
    column = {"final": "test_accuracy", "best": "best_test_accuracy"}[select_by]
    best, best_score = None, -math.inf
    for cell in cells:
        if cell["variant"] not in summary.index:
            raise PipelineError(f"no runs of grid cell {cell['variant']}")
        score = summary.loc[cell["variant"], column]
        if score > best_score:
            best, best_score = cell, score
    return {**best, "select_by": select_by, "test_accuracy": float(best_score)}
