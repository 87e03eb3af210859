"""The one training engine every Part A and Part B variant runs through.

`train()` takes tensors, a model and the run's `spec.RunSpec`; it returns the per-epoch
history.
With a `resume.ResumePolicy` it can stop (SIGTERM) and resume mid-epoch, bitwise
identical on CPU to a run that was never stopped.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .optim import build_optimizer, clip_gradients
from .schema import HISTORY_COLUMNS
from .resume import Interrupted, ResumePolicy, SigtermFlag, load_resume_state, save_resume_state, set_rng_state
from .runtime import autocast, configure_precision
from .spec import RunSpec


@dataclass
class TrainResult:
    history: pd.DataFrame
    diverged_epoch: int | None
    device: str
    resumed_from_epoch: int | None = None
    optimizer_state: dict = field(default_factory=dict)


@dataclass
class EpochStart:
    """Where an epoch's mini-batches begin: at 0, or where a stopped run left off."""
    order: torch.Tensor
    first_batch: int = 0
    loss_sum: torch.Tensor | None = None
    seconds_before: float = 0.0


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int,
             precision: str = "fp32") -> tuple[float, float]:
    """Mean cross-entropy and accuracy over (x, y)."""
    model.eval()
    loss_sum = torch.zeros((), device=x.device, dtype=torch.float64)
    correct = torch.zeros((), device=x.device, dtype=torch.int64)
    for start in range(0, len(x), batch_size):
        with autocast(x.device, precision):
            logits = model(x[start:start + batch_size]).float()
        target = y[start:start + batch_size]
        loss_sum += F.cross_entropy(logits, target, reduction="sum").double()
        correct += (logits.argmax(1) == target).sum()
    model.train()
    return loss_sum.item() / len(x), correct.item() / len(x)


def batch_size_of(protocol: dict, train_examples: int) -> int:
    """The protocol's batch size; `full` is the whole training set: one gradient step
    per epoch, as the 2019 Part A starter's `sess.run(train_step, {x: trainX, ...})`."""
    size = protocol["batch_size"]
    return train_examples if size == "full" else size


def count_batches(n: int, batch_size: int, drop_last: bool) -> int:
    batches = n // batch_size if drop_last else math.ceil(n / batch_size)
    if batches == 0:
        raise ValueError(f"{n} training examples give no full batch of {batch_size}")
    return batches


def run_batches(model, optimizer, x, y, start: EpochStart, batches: int, batch_size: int, spec: RunSpec,
                device: torch.device, stop: Callable[[int, torch.Tensor], None]
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One epoch's mini-batches from `start`: (sum of batch losses, last batch loss).
    `stop(batch, loss_sum)` is called before each batch (it raises to interrupt)."""
    order = start.order.to(device)
    loss_sum = start.loss_sum.to(device) if start.loss_sum is not None else torch.zeros(
        (), dtype=torch.float64, device=device)
    last = None
    for batch in range(start.first_batch, batches):
        stop(batch, loss_sum)
        index = order[batch * batch_size:(batch + 1) * batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = batch_gradient(model, x, y, index, spec, device)
        clip_gradients(model.parameters(), spec.protocol["grad_clip"])
        optimizer.step()
        last = loss.detach()
        loss_sum += last.double()
    return loss_sum, last


def batch_gradient(model, x, y, index, spec: RunSpec, device: torch.device) -> torch.Tensor:
    """Back-propagate the batch's mean cross-entropy (in chunks of the protocol's
    gradient_chunk examples, each weighted by its share of the batch); return that mean.
    Chunks sum the same gradient in another order: a full batch of 10,000 CIFAR images
    then needs ~1 GB instead of ~5 and runs 2-3x faster on a CPU."""
    chunk = spec.protocol.get("gradient_chunk") or len(index)
    total = torch.zeros((), device=device)
    for part in index.split(chunk):
        with autocast(device, spec.precision):
            loss = F.cross_entropy(model(x[part]).float(), y[part])
        if len(part) < len(index):
            loss = loss * (len(part) / len(index))
        loss.backward()
        total = total + loss.detach()
    return total


def resume_from(policy: ResumePolicy | None, model, optimizer, shuffle, device, log
                ) -> tuple[list, dict | None, int | None]:
    """(history so far, the interrupted epoch's position or None, the epoch resumed
    after or None) from a saved state; a fresh start without one."""
    state = load_resume_state(policy, log) if policy else None
    if state is None:
        return [], None, None
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    set_rng_state(state["rng"], shuffle, device)
    progress = state["in_progress"]
    log(f"resumed from {policy.path} after epoch {len(state['history'])}"
        + (f", batch {progress['next_batch']}" if progress else ""))
    return state["history"], progress, len(state["history"])


def train(model: nn.Module, train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor,
          test_y: torch.Tensor, spec: RunSpec, device: torch.device, resume: ResumePolicy | None = None,
          log: Callable[[str], None] = print,
          other_tests: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None) -> TrainResult:
    """Mini-batch training with a reshuffle per epoch; evaluates on the test set after
    every epoch. The model must already be initialised (seeded) by the caller.
    `other_tests` ({name: (x, y)}) are further test sets evaluated after every epoch
    (columns test_loss_<name>, test_accuracy_<name>); they never touch the weights or
    a random number, so a run's numbers are the same with or without them."""
    configure_precision(device, spec.precision)
    model.to(device).train()
    train_x, train_y, test_x, test_y = (t.to(device) for t in (train_x, train_y, test_x, test_y))
    other_tests = {name: (x.to(device), y.to(device)) for name, (x, y) in (other_tests or {}).items()}
    protocol, epochs = spec.protocol, spec.protocol["epochs"]
    optimizer = build_optimizer(model.parameters(), protocol["optimizer"])
    shuffle = torch.Generator().manual_seed(spec.seed)
    torch.manual_seed(spec.seed)  # dropout masks
    batch_size = batch_size_of(protocol, len(train_x))
    batches = count_batches(len(train_x), batch_size, protocol["drop_last"])
    history, progress, resumed_from = resume_from(resume, model, optimizer, shuffle, device, log)

    def save(state_progress: dict | None) -> None:
        save_resume_state(resume, model, optimizer, shuffle, device, history, state_progress)

    diverged = None
    with SigtermFlag(enabled=resume is not None) as sigterm:
        for epoch in range(len(history) + 1, epochs + 1):
            started = time.perf_counter()
            start = (EpochStart(progress["order"], progress["next_batch"], progress["loss_sum"], progress["seconds"])
                     if progress else EpochStart(torch.randperm(len(train_x), generator=shuffle)))
            progress = None

            def stop(batch: int, loss_sum: torch.Tensor) -> None:
                if sigterm.raised:
                    save({"order": start.order, "next_batch": batch, "loss_sum": loss_sum.cpu(),
                          "seconds": start.seconds_before + time.perf_counter() - started})
                    log(f"SIGTERM: state saved to {resume.path} at epoch {epoch}, batch {batch}")
                    raise Interrupted(str(resume.path))

            loss_sum, last = run_batches(model, optimizer, train_x, train_y, start, batches, batch_size, spec, device,
                                         stop)
            test_loss, test_accuracy = evaluate(model, test_x, test_y, protocol["eval_batch_size"], spec.precision)
            other = {}
            for name, (x, y) in other_tests.items():
                other[f"test_loss_{name}"], other[f"test_accuracy_{name}"] = evaluate(
                    model, x, y, protocol["eval_batch_size"], spec.precision)
            history.append({
                "epoch": epoch, "train_loss": loss_sum.item() / batches,
                "train_loss_last_batch": last.item() if last is not None else float("nan"),
                "test_loss": test_loss, "test_accuracy": test_accuracy,
                "seconds": start.seconds_before + time.perf_counter() - started, **other,
            })
            log_epoch(history, epochs, log)
            if not math.isfinite(history[-1]["train_loss"]):
                diverged = epoch
                log(f"diverged at epoch {epoch}: training loss {history[-1]['train_loss']}")
                break
            if resume is not None and (epoch % resume.every_epochs == 0 or sigterm.raised) and epoch < epochs:
                save(None)
                if sigterm.raised:
                    log(f"SIGTERM: state saved to {resume.path} after epoch {epoch}")
                    raise Interrupted(str(resume.path))
    frame = pd.DataFrame(history, columns=HISTORY_COLUMNS + other_test_columns(other_tests))
    return TrainResult(frame, diverged, str(device), resumed_from, optimizer.state_dict())


def other_test_columns(other_tests: dict) -> list[str]:
    return [f"test_{what}_{name}" for name in other_tests for what in ("loss", "accuracy")]


def log_epoch(history: list[dict], epochs: int, log: Callable[[str], None]) -> None:
    row = history[-1]
    eta = sum(r["seconds"] for r in history) / len(history) * (epochs - row["epoch"])
    log(f"epoch {row['epoch']}/{epochs} train_loss {row['train_loss']:.4f} test_loss {row['test_loss']:.4f} "
        f"test_accuracy {row['test_accuracy']:.4f} seconds {row['seconds']:.2f} eta {eta:.0f}s")
