"""The one training engine every Part A and Part B variant runs through.

`train()` takes tensors, a model and a `TrainSpec`; it returns the per-epoch history.
It can stop and resume mid-epoch: with a `ResumePolicy` it writes the full training
state (weights, optimizer, RNG states, the epoch's shuffle and position, history so far)
every few epochs and when the process gets SIGTERM, and picks that state up again on the
next start, so an interrupted run ends bitwise identical to an uninterrupted one on CPU.
"""

from __future__ import annotations

import math
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .atomic import save_torch
from .optim import build_optimizer, clip_gradients
from .records import HISTORY_COLUMNS


@dataclass(frozen=True)
class TrainSpec:
    epochs: int
    batch_size: int
    optimizer: dict
    seed: int
    drop_last: bool = True
    grad_clip: dict | None = None
    eval_batch_size: int = 1000
    # fp32 (default, the reference numbers), bf16 (autocast on CPUs/GPUs that support
    # it) or tf32 (CUDA matmuls and convolutions in TF32): opt-in speed over exactness.
    precision: str = "fp32"


@dataclass(frozen=True)
class ResumePolicy:
    path: Path
    every_epochs: int
    fingerprint: str  # hash of everything that defines the run; a state with another is never resumed


@dataclass
class TrainResult:
    history: pd.DataFrame
    diverged_epoch: int | None
    device: str
    resumed_from_epoch: int | None = None
    optimizer_state: dict = field(default_factory=dict)


class Interrupted(Exception):
    """SIGTERM arrived; the state was saved and the run can be resumed."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def configure_threads(threads: int) -> None:
    """Use exactly the rule's `threads` for intra- and inter-op work, so parallel jobs
    do not oversubscribe the cores."""
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # already set once in this process (tests)
        pass


def configure_cuda(deterministic: bool) -> None:
    """Deterministic kernels (slower, bitwise repeatable) or cuDNN's autotuned ones.
    Call it before the first CUDA work: cuBLAS reads its workspace setting, which
    deterministic matmuls need fixed, when it starts."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.benchmark = not deterministic


PRECISIONS = ("fp32", "bf16", "tf32")


def configure_precision(device: torch.device, precision: str) -> None:
    """Check `precision` and switch on TF32 for it; bf16 is autocast per forward pass."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"


def autocast(device: torch.device, precision: str):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


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


class _SigtermFlag:
    """Turns SIGTERM into a flag the loop checks between mini-batches (only when there
    is somewhere to save the state; otherwise SIGTERM keeps its default effect)."""

    def __init__(self, enabled: bool):
        self.enabled, self.raised = enabled, False

    def __enter__(self):
        if self.enabled:
            self.previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum, frame):
        self.raised = True

    def __exit__(self, *exc):
        if self.enabled:
            signal.signal(signal.SIGTERM, self.previous)


def _rng_state(generator: torch.Generator, device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state(), "shuffle": generator.get_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict, generator: torch.Generator, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    generator.set_state(state["shuffle"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def load_resume_state(policy: ResumePolicy, warn: Callable[[str], None]) -> dict | None:
    """The saved state for this exact run, or None. A state that is unreadable or from
    other hyperparameters is set aside (renamed), never resumed and never deleted."""
    if not policy.path.exists():
        return None
    try:
        state = torch.load(policy.path, map_location="cpu", weights_only=True)
        fingerprint = state["fingerprint"]
    except Exception as error:  # a truncated or corrupt file can raise almost anything
        aside = policy.path.with_name(policy.path.name + ".corrupt")
        policy.path.replace(aside)
        warn(f"resume state {policy.path} is unreadable ({type(error).__name__}); moved to {aside}, starting afresh")
        return None
    if fingerprint != policy.fingerprint:
        aside = policy.path.with_name(f"{policy.path.name}.{fingerprint[:12]}")
        policy.path.replace(aside)
        warn(f"resume state {policy.path} is from other hyperparameters; moved to {aside}, starting afresh")
        return None
    return state


def train(
    model: nn.Module,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    test_x: torch.Tensor,
    test_y: torch.Tensor,
    spec: TrainSpec,
    device: torch.device,
    resume: ResumePolicy | None = None,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Mini-batch training with a reshuffle per epoch; evaluates on the test set after
    every epoch. The model must already be initialised (seeded) by the caller."""
    configure_precision(device, spec.precision)
    model.to(device).train()
    train_x, train_y = train_x.to(device), train_y.to(device)
    test_x, test_y = test_x.to(device), test_y.to(device)
    optimizer = build_optimizer(model.parameters(), spec.optimizer)
    shuffle = torch.Generator().manual_seed(spec.seed)
    torch.manual_seed(spec.seed)  # dropout masks

    n = len(train_x)
    batches = n // spec.batch_size if spec.drop_last else math.ceil(n / spec.batch_size)
    if batches == 0:
        raise ValueError(f"{n} training examples give no full batch of {spec.batch_size}")
    history: list[dict] = []
    start_epoch, in_progress, resumed_from = 1, None, None

    state = load_resume_state(resume, log) if resume else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        _set_rng_state(state["rng"], shuffle, device)
        history = state["history"]
        in_progress = state["in_progress"]
        start_epoch = len(history) + 1
        resumed_from = len(history)
        log(f"resumed from {resume.path} after epoch {len(history)}"
            + (f", batch {in_progress['next_batch']}" if in_progress else ""))

    def save_state(progress: dict | None) -> None:
        save_torch(resume.path, {
            "fingerprint": resume.fingerprint, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "rng": _rng_state(shuffle, device),
            "history": history, "in_progress": progress,
        })

    diverged = None
    with _SigtermFlag(enabled=resume is not None) as sigterm:
        for epoch in range(start_epoch, spec.epochs + 1):
            started = time.perf_counter()
            if in_progress is None:
                order = torch.randperm(n, generator=shuffle)
                first_batch = 0
                loss_sum = torch.zeros((), dtype=torch.float64, device=device)
                elapsed_before = 0.0
            else:
                order = in_progress["order"]
                first_batch = in_progress["next_batch"]
                loss_sum = in_progress["loss_sum"].to(device)
                elapsed_before = in_progress["seconds"]
                in_progress = None
            order_on_device = order.to(device)
            last = None
            for batch in range(first_batch, batches):
                if sigterm.raised:
                    save_state({"order": order, "next_batch": batch, "loss_sum": loss_sum.cpu(),
                                "seconds": elapsed_before + time.perf_counter() - started})
                    log(f"SIGTERM: state saved to {resume.path} at epoch {epoch}, batch {batch}")
                    raise Interrupted(str(resume.path))
                index = order_on_device[batch * spec.batch_size:(batch + 1) * spec.batch_size]
                optimizer.zero_grad(set_to_none=True)
                with autocast(device, spec.precision):
                    loss = F.cross_entropy(model(train_x[index]).float(), train_y[index])
                loss.backward()
                clip_gradients(model.parameters(), spec.grad_clip)
                optimizer.step()
                last = loss.detach()
                loss_sum += last.double()
            test_loss, test_accuracy = evaluate(model, test_x, test_y, spec.eval_batch_size, spec.precision)
            row = {
                "epoch": epoch,
                "train_loss": loss_sum.item() / batches,
                "train_loss_last_batch": last.item() if last is not None else float("nan"),
                "test_loss": test_loss,
                "test_accuracy": test_accuracy,
                "seconds": elapsed_before + time.perf_counter() - started,
            }
            history.append(row)
            total = sum(r["seconds"] for r in history)
            eta = total / len(history) * (spec.epochs - epoch)
            log(f"epoch {epoch}/{spec.epochs} train_loss {row['train_loss']:.4f} test_loss {test_loss:.4f} "
                f"test_accuracy {test_accuracy:.4f} seconds {row['seconds']:.2f} eta {eta:.0f}s")
            if not math.isfinite(row["train_loss"]):
                diverged = epoch
                log(f"diverged at epoch {epoch}: training loss {row['train_loss']}")
                break
            if resume is not None and (epoch % resume.every_epochs == 0 or sigterm.raised) and epoch < spec.epochs:
                save_state(None)
                if sigterm.raised:
                    log(f"SIGTERM: state saved to {resume.path} after epoch {epoch}")
                    raise Interrupted(str(resume.path))

    frame = pd.DataFrame(history, columns=HISTORY_COLUMNS)
    return TrainResult(frame, diverged, str(device), resumed_from, optimizer.state_dict())
