"""One training run, from prepared Parquet to history, metrics and weights on disk."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import cifar, tokenize
from .atomic import save_torch, write_json, write_parquet
from .download import file_digest
from .engine import ResumePolicy, TrainSpec, configure_cuda, configure_threads, resolve_device, train
from .models import build_model, count_parameters, model_entry
from .records import read_best_cell


def fingerprint(obj) -> str:
    """A stable hash of a JSON-able description of a run."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


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


def vocabulary_size(vocab_path: str) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(vocab_path).num_rows + 1  # + the padding/unknown id 0


def environment(device: torch.device, threads: int) -> dict:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "device": device.type,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine(),
        "threads": threads,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "snakemake": version("snakemake"),
        "git_commit": commit,
        # Set by a cluster scheduler: which job ran this, and which GPUs it was given.
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }


def run(
    *,
    name: str,
    model: str,
    model_args: dict,
    protocol: dict,
    seed: int,
    train_path: str,
    test_path: str,
    history_path: str,
    metrics_path: str,
    weights_path: str,
    resume_path: str,
    checkpoint_every: int,
    device: str = "auto",
    deterministic: bool = False,
    precision: str = "fp32",
    threads: int = 1,
    configured_threads: int | None = None,
    vocab_path: str | None = None,
    best_cell_path: str | None = None,
    protocol_overrides: dict | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Train `model` under `protocol` and write history, metrics and final weights.

    protocol keys: epochs, batch_size, drop_last, optimizer, grad_clip (or None),
    train_subset (or None), eval_batch_size. With `best_cell_path` (Part A's on-best
    variants) the cell's maps and protocol overrides apply, then `protocol_overrides`.
    """
    started = dt.datetime.now(dt.timezone.utc)
    if configured_threads is not None and threads < configured_threads:
        # Snakemake lowers a job's threads to --cores; numbers depend on the thread count.
        log(f"warning: running with {threads} threads, {configured_threads} configured (snakemake --cores "
            f"{threads}?): float sums differ, so this run's numbers differ from a {configured_threads}-thread run's")
    configure_threads(threads)
    target = resolve_device(device)
    if target.type == "cuda":
        configure_cuda(deterministic)
    args, protocol = dict(model_args), dict(protocol)
    if best_cell_path is not None:
        cell = read_best_cell(best_cell_path)
        args.update(c1=cell["c1"], c2=cell["c2"])
        protocol.update(cell["protocol_overrides"])
    protocol.update(protocol_overrides or {})
    if vocab_path is not None:
        args["vocab_size"] = vocabulary_size(vocab_path)
    entry = model_entry(model)
    inputs = {"train": file_digest(train_path, "sha256"), "test": file_digest(test_path, "sha256")}
    run_id = fingerprint({"model": model, "model_args": args, "protocol": protocol, "seed": seed, "inputs": inputs,
                          "precision": precision})

    train_x, train_y, test_x, test_y = load_inputs(entry.input_kind, train_path, test_path, protocol)
    torch.manual_seed(seed)
    network = build_model(model, **args)
    spec = TrainSpec(
        epochs=protocol["epochs"], batch_size=protocol["batch_size"], optimizer=protocol["optimizer"], seed=seed,
        drop_last=protocol.get("drop_last", True), grad_clip=protocol.get("grad_clip"),
        eval_batch_size=protocol.get("eval_batch_size", 1000), precision=precision,
    )
    log(f"{model} {json.dumps(args, sort_keys=True)} seed {seed}: {count_parameters(network)} parameters, "
        f"{len(train_x)} training / {len(test_x)} test examples on {target}")
    result = train(network, train_x, train_y, test_x, test_y, spec, target,
                   ResumePolicy(Path(resume_path), checkpoint_every, run_id), log)

    history = result.history
    accuracy = history["test_accuracy"].to_numpy()
    finite = np.isfinite(history["train_loss"].to_numpy())
    metrics = {
        "variant": name,
        "model": model,
        "model_args": args,
        "protocol": protocol,
        "seed": seed,
        "precision": precision,
        "parameters": count_parameters(network),
        "train_examples": len(train_x),
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
        "hparams_hash": run_id,
        "inputs_sha256": inputs,
        "environment": {**environment(target, threads), "threads_configured": configured_threads},
        "started": started.isoformat(timespec="seconds"),
        "ended": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    save_torch(weights_path, {
        "model": model, "model_args": args, "state_dict": network.state_dict(),
        "optimizer": result.optimizer_state, "rng": torch.get_rng_state(), "epoch": len(history),
    })
    write_parquet(history_path, history)
    write_json(metrics_path, metrics)
    Path(resume_path).unlink(missing_ok=True)
    return metrics
