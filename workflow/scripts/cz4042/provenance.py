"""What a run's record says about where it came from: a fingerprint of its definition
and the environment it ran in (versions, device, threads, commit, scheduler job)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata

import torch


def fingerprint(obj) -> str:
    """A stable hash of a JSON-able description of a run."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def environment(device: torch.device, threads: int, configured_threads: int | None) -> dict:
    return {
        "device": device.type,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine(),
        "threads": threads,
        "threads_configured": configured_threads,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "snakemake": _version("snakemake"),
        "git_commit": git_commit(),
        # Set by a cluster scheduler: which job ran this, and which GPUs it was given.
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }
