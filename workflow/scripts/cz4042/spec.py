"""The one description of a training run, from a rule's params to the engine's loop.

A training rule's `params.run` (config.py's view of one variant, plus its seed and how
to run it) becomes a RunSpec in one call, training.run_spec, which applies what is known
only at run time (the best grid cell's maps and overrides, the vocabulary size);
training.run and engine.train read that same object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class RunFiles:
    """What a run reads and writes (the rule's named inputs and outputs), and where it
    keeps its resumable state."""
    train: str
    test: str
    history: str
    metrics: str
    weights: str
    resume: str
    vocab: str | None = None  # word models: the vocabulary, whose size is a model argument
    best_cell: str | None = None  # on-best variants: the grid cell chosen at run time


RUN_FILES = tuple(f.name for f in fields(RunFiles))


@dataclass(frozen=True)
class RunSpec:
    """What to train and how. `model_args` and `protocol` are final: every override
    applied. The engine reads the protocol's epochs, batch_size (an int, or "full": the
    whole training set), drop_last, optimizer, grad_clip, eval_batch_size and
    gradient_chunk; training.run the rest (train_subset and the input keys)."""
    model: str
    model_args: dict
    protocol: dict
    seed: int
    precision: str = "fp32"  # fp32 (the reference numbers), bf16 or tf32: opt-in speed over exactness
    # How and where the rule runs it (training.run; the engine needs none of these).
    name: str | None = None
    device: str = "cpu"
    deterministic: bool = False
    threads: int = 1
    configured_threads: int | None = None
    checkpoint_every: int | None = None
    files: RunFiles | None = None
