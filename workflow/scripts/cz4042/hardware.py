"""The device and precision a config asks for, checked against this torch before any job.

Snakemake runs this at start (common.smk, check_config); the training code does not
import it, so it is no code input of a training job. torch is imported only when the
config asks for something a torch or a machine may lack (importing it takes ~1 s).

What a torch build lacks holds wherever the workflow's environment runs. What this
machine lacks does not: a GPU cluster's login node may show no GPU while its nodes
have them, so a CUDA build showing no GPU here is left to the job (which refuses
tf32 off CUDA itself, runtime.configure_precision).
"""

from __future__ import annotations

from .errors import PipelineError


def check_device(config: dict) -> None:
    """Raise a one-line PipelineError naming `device` or `precision` when this torch
    cannot compute what they ask for."""
    device, precision = config["device"], config["precision"]
    if precision == "tf32" and device == "cpu":
        raise PipelineError("config key precision: tf32 is CUDA only, and device is cpu (use fp32 or bf16)")
    if not (device.startswith("cuda") or (device == "auto" and precision == "tf32")):
        return
    import torch

    if not torch.backends.cuda.is_built():
        built = f"torch {torch.__version__} was built without CUDA"
        if device == "auto":
            raise PipelineError(f"config key precision: tf32 is CUDA only, and device auto runs on the CPU here: "
                                f"{built} (use fp32 or bf16)")
        raise PipelineError(f"config key device: {device!r} needs CUDA, but {built} (use cpu or auto)")
    count = torch.cuda.device_count()
    index = int(device.partition(":")[2] or 0) if device != "auto" else 0
    if 0 < count <= index:
        raise PipelineError(f"config key device: {device!r}, but this machine shows {count} CUDA device(s), "
                            f"cuda:0 to cuda:{count - 1}")
