"""What the config validator, the training code and the record readers share: the keys
each optimizer takes, the history columns the engine writes, the best-cell record
training reads. Kept apart so that training code imports neither the validator (config,
with YAML and jsonschema) nor the readers, and an edit to those reruns no training."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import PipelineError

# The keys each optimizer takes besides name and lr (optim.build_optimizer reads these,
# config.check_optimizer refuses the others).
OPTIMIZER_KEYS = {
    "sgd": (),
    "momentum": ("momentum",),
    "rmsprop": ("decay", "eps", "initial_accumulator", "semantics"),
    "adam": ("beta1", "beta2", "eps"),
}
# One row per epoch of a run's history.parquet (the engine writes these columns).
HISTORY_COLUMNS = ["epoch", "train_loss", "train_loss_last_batch", "test_loss", "test_accuracy", "seconds"]


def read_best_cell(path: str | Path) -> dict:
    """The grid cell the pipeline chose: variant, c1, c2, protocol_overrides, score."""
    try:
        with open(path, encoding="utf-8") as handle:
            cell = json.load(handle)
        return {**cell, "c1": int(cell["c1"]), "c2": int(cell["c2"]),
                "protocol_overrides": dict(cell.get("protocol_overrides", {}))}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PipelineError(f"{path}: unreadable best-cell record ({type(error).__name__}: {error})") from None
