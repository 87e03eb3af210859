"""Where and how a run computes: device, threads, CUDA algorithms, precision."""

from __future__ import annotations

import os

import torch

from .errors import PipelineError

PRECISIONS = ("fp32", "bf16", "tf32")


def resolve_device(name: str) -> torch.device:
    """auto: CUDA where there is one, else the CPU. A CUDA device this machine lacks is
    refused here, in one line, rather than by torch's traceback mid-job."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise PipelineError(f"config key device: {name}, but this Python's torch sees no CUDA device "
                            f"(torch {torch.__version__}, CUDA build {torch.version.cuda}): set device auto or cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise PipelineError(f"config key device: {name}, but this machine has {count} CUDA devices (0-{count - 1})")
    return device


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


def configure_precision(device: torch.device, precision: str) -> None:
    """Check `precision` and switch on TF32 for it; bf16 is autocast per forward pass."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
    if precision == "tf32" and device.type != "cuda":  # it would compute fp32 and record tf32
        raise PipelineError(f"config key precision: tf32 is CUDA only, and this job runs on {device} (use fp32 or bf16)")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"


def autocast(device: torch.device, precision: str):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def set_up(device: str, threads: int, deterministic: bool) -> torch.device:
    """Threads, then the device, then (on CUDA) its algorithms: the order CUDA needs."""
    configure_threads(threads)
    target = resolve_device(device)
    if target.type == "cuda":
        configure_cuda(deterministic)
    return target
