"""Stopping and resuming a run: its saved state, and SIGTERM turned into a save.

With a `ResumePolicy` the engine writes the full training state (weights, optimizer,
RNG states, the epoch's shuffle and position, history so far) every few epochs and
when the process gets SIGTERM, and picks it up on the next start, so an interrupted run
ends bitwise identical to an uninterrupted one on CPU.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from .atomic import save_torch


@dataclass(frozen=True)
class ResumePolicy:
    path: Path
    every_epochs: int
    fingerprint: str  # hash of everything that defines the run; a state with another is never resumed


class Interrupted(Exception):
    """SIGTERM arrived; the state was saved and the run can be resumed."""


class SigtermFlag:
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


def rng_state(generator: torch.Generator, device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state(), "shuffle": generator.get_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, generator: torch.Generator, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    generator.set_state(state["shuffle"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def load_resume_state(policy: ResumePolicy, warn: Callable[[str], None]) -> dict | None:
    """The saved state for this exact run, or None. A state that is unreadable or from
    another run definition (hyperparameters, threads, device) is set aside (renamed), never resumed and never deleted."""
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
        warn(f"resume state {policy.path} is from another run definition (hyperparameters, threads or device); "
             f"moved to {aside}, starting afresh")
        return None
    return state


def save_resume_state(policy: ResumePolicy, model, optimizer, shuffle: torch.Generator, device: torch.device,
                      history: list[dict], progress: dict | None) -> None:
    save_torch(policy.path, {
        "fingerprint": policy.fingerprint, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
        "rng": rng_state(shuffle, device), "history": history, "in_progress": progress,
    })
