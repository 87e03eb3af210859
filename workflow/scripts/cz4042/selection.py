"""Choosing the best grid cell: kept apart from the table code (it reads the runs
itself) so that editing tables or figures never reruns the training that depends on
this choice."""

from __future__ import annotations

import math

import pandas as pd

from .errors import PipelineError


def select_best_cell(runs: pd.DataFrame, cells: list[dict], select_by: str) -> dict:
    """The grid cell with the highest test accuracy, averaged over its runs' seeds:
    final epoch's (as the report) or best epoch's. Ties go to the cell listed first."""
    column = {"final": "final_test_accuracy", "best": "best_test_accuracy"}[select_by]
    summary = runs.groupby("variant")[[column]].mean()
    best, best_score = None, -math.inf
    for cell in cells:
        if cell["variant"] not in summary.index:
            raise PipelineError(f"no runs of grid cell {cell['variant']}")
        score = summary.loc[cell["variant"], column]
        if score > best_score:
            best, best_score = cell, score
    return {**best, "select_by": select_by, "test_accuracy": float(best_score)}
