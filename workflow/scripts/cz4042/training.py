"""One training run, from prepared Parquet to history, metrics and weights on disk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd
import torch

from . import cifar, tokenize
from .atomic import save_torch, write_json, write_parquet
from .download import file_digest
from .engine import TrainResult, train
from .models import build_model, count_parameters, model_entry
from .provenance import environment, fingerprint
from .resume import ResumePolicy
from .runtime import set_up
from .schema import read_best_cell
from .spec import RUN_FILES, RunFiles, RunSpec


def load_inputs(input_kind: str, train_path: str, test_path: str, protocol: dict):
    """Tensors (train_x, train_y, test_x, test_y) for a model reading `input_kind`, the
    training set cut to the protocol's train_subset; CIFAR images laid out and scaled
    as its cifar_layout and pixel_scaling say (planar and x/255 unless set)."""
    subset = protocol["train_subset"]
    if input_kind == "image":
        train_px, train_y = cifar.read_images(train_path)
        test_px, test_y = cifar.read_images(test_path)
        if protocol.get("cifar_layout", "planar") == "starter_reshape":
            train_px, test_px = cifar.starter_layout(train_px), cifar.starter_layout(test_px)
        if subset is not None:
            train_px, train_y = train_px[:subset], train_y[:subset]
        train_px, test_px = cifar.scale_pixels(train_px, test_px, protocol.get("pixel_scaling", "unit"))
    else:
        train_px, train_y = tokenize.read_ids(train_path)
        test_px, test_y = tokenize.read_ids(test_path)
        if subset is not None:
            train_px, train_y = train_px[:subset], train_y[:subset]
    return (torch.from_numpy(train_px), torch.from_numpy(train_y), torch.from_numpy(test_px),
            torch.from_numpy(test_y))


def other_tests(input_kind: str, test_path: str, protocol: dict) -> dict:
    """Further test sets a run evaluates after every epoch, by name: `unscaled`, the
    test images as raw 0..255 floats (the later 2019 starter scaled trainX only, so
    its network was tested on unscaled images), when the protocol's
    unscaled_test_reading is set."""
    if input_kind != "image" or not protocol.get("unscaled_test_reading", False):
        return {}
    test_px, test_y = cifar.read_images(test_path)
    if protocol.get("cifar_layout", "planar") == "starter_reshape":
        test_px = cifar.starter_layout(test_px)
    return {"unscaled": (torch.from_numpy(test_px.astype(np.float32)), torch.from_numpy(test_y))}


def vocabulary_size(vocab_path: str) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(vocab_path).num_rows + 1  # + the padding/unknown id 0


def run_spec(run: dict, files: Mapping[str, str], threads: int) -> RunSpec:
    """The RunSpec of a training job, from its rule's params.run (config.py's view of the
    variant, its seed and how to run it), its named files (inputs, outputs and `resume`;
    others, such as the code inputs, are not the run's) and its threads."""
    run_files = RunFiles(**{name: files[name] for name in RUN_FILES if name in files})
    model_args, protocol = with_run_time_values(run, run_files)
    how = {k: v for k, v in run.items() if k not in ("model_args", "protocol", "protocol_overrides")}
    return RunSpec(**how, model_args=model_args, protocol=protocol, threads=threads, files=run_files)


def with_run_time_values(run: dict, files: RunFiles) -> tuple[dict, dict]:
    """(model arguments, protocol) of params.run with the best cell's maps and overrides,
    the variant's own overrides, and the vocabulary size applied."""
    args, protocol = dict(run["model_args"]), dict(run["protocol"])
    if files.best_cell is not None:
        cell = read_best_cell(files.best_cell)
        args.update(c1=cell["c1"], c2=cell["c2"])
        protocol.update(cell["protocol_overrides"])
    protocol.update(run.get("protocol_overrides") or {})
    if files.vocab is not None:
        args["vocab_size"] = vocabulary_size(files.vocab)
    return args, protocol


def resume_policy(spec: RunSpec, run_id: str, target: torch.device) -> ResumePolicy:
    """Where and how often the run saves its state, and what a saved state must match to
    be resumed: the run itself and, since they change float sums, its threads and device
    (a 1-thread state is never continued at 2 threads)."""
    same_computation = fingerprint({"run": run_id, "threads": spec.threads, "device": str(target)})
    return ResumePolicy(Path(spec.files.resume), spec.checkpoint_every, same_computation)


def run(spec: RunSpec, log: Callable[[str], None] = print) -> dict:
    """Train `spec.model` under its protocol and write history, metrics and weights."""
    started = dt.datetime.now(dt.timezone.utc)
    if spec.configured_threads is not None and spec.threads < spec.configured_threads:
        # Snakemake lowers a job's threads to --cores; numbers depend on the thread count.
        log(f"warning: running with {spec.threads} threads, {spec.configured_threads} configured (snakemake --cores "
            f"{spec.threads}?): float sums differ, so this run's numbers differ from a "
            f"{spec.configured_threads}-thread run's")
    target = set_up(spec.device, spec.threads, spec.deterministic)
    files, args, protocol = spec.files, spec.model_args, spec.protocol
    inputs = {"train": file_digest(files.train, "sha256"), "test": file_digest(files.test, "sha256")}
    run_id = fingerprint({"model": spec.model, "model_args": args, "protocol": protocol, "seed": spec.seed,
                          "inputs": inputs, "precision": spec.precision})
    input_kind = model_entry(spec.model).input_kind
    train_x, train_y, test_x, test_y = load_inputs(input_kind, files.train, files.test, protocol)
    torch.manual_seed(spec.seed)
    network = build_model(spec.model, **args)
    log(f"{spec.model} {json.dumps(args, sort_keys=True)} seed {spec.seed}: {count_parameters(network)} parameters, "
        f"{len(train_x)} training / {len(test_x)} test examples on {target}")
    result = train(network, train_x, train_y, test_x, test_y, spec, target, resume_policy(spec, run_id, target),
                   log, other_tests(input_kind, files.test, protocol))
    metrics = {
        "variant": spec.name, "model": spec.model, "model_args": args, "protocol": protocol, "seed": spec.seed,
        "precision": spec.precision, "parameters": count_parameters(network), "train_examples": len(train_x),
        **history_metrics(result), "hparams_hash": run_id, "inputs_sha256": inputs,
        "environment": environment(target, spec.threads, spec.configured_threads),
        "started": started.isoformat(timespec="seconds"),
        "ended": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    save_torch(files.weights, {
        "model": spec.model, "model_args": args, "state_dict": network.state_dict(),
        "optimizer": result.optimizer_state, "rng": torch.get_rng_state(), "epoch": len(result.history),
    })
    write_parquet(files.history, result.history)
    write_json(files.metrics, metrics)
    Path(files.resume).unlink(missing_ok=True)
    return metrics


def history_metrics(result: TrainResult) -> dict:
    """The metrics a run's history gives: accuracies, losses, time, divergence."""
    history: pd.DataFrame = result.history
    accuracy = history["test_accuracy"].to_numpy()
    finite = np.isfinite(history["train_loss"].to_numpy())
    return {
        "epochs_run": len(history),
        "diverged": result.diverged_epoch is not None,
        "diverged_epoch": result.diverged_epoch,
        "final_test_accuracy": float(accuracy[-1]),
        "best_test_accuracy": float(accuracy.max()),
        "best_epoch": int(history["epoch"].iloc[int(accuracy.argmax())]),
        "final_train_loss": float(history["train_loss"].iloc[-1]),
        "last_finite_train_loss": float(history["train_loss"][finite].iloc[-1]) if finite.any() else None,
        "total_seconds": float(history["seconds"].sum()),
        "resumed_from_epoch": result.resumed_from_epoch,
        **other_test_outcome(history),
    }


def other_test_outcome(history: pd.DataFrame) -> dict:
    """Final and best accuracy on each further test set (see `other_tests`)."""
    outcome = {}
    for column in history.columns:
        if column.startswith("test_accuracy_"):
            name = column.removeprefix("test_accuracy_")
            outcome[f"final_test_accuracy_{name}"] = float(history[column].iloc[-1])
            outcome[f"best_test_accuracy_{name}"] = float(history[column].max())
    return outcome
