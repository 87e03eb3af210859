"""The device and precision a config asks for are checked against this torch before
any job (cz4042.hardware), here with the CPU-only torch the suite installs."""

import subprocess
import sys

import pytest
import torch
from conftest import run_snakemake

from cz4042 import hardware, runtime
from cz4042.errors import PipelineError

cpu_only = pytest.mark.skipif(torch.backends.cuda.is_built(), reason="this torch was built with CUDA")
BUILT = f"torch {torch.__version__} was built without CUDA"


@cpu_only
@pytest.mark.parametrize("device, precision, message", [
    ("cuda", "fp32", f"config key device: 'cuda' needs CUDA, but {BUILT}"),
    ("cuda:1", "fp32", f"config key device: 'cuda:1' needs CUDA, but {BUILT}"),
    ("auto", "tf32", f"config key precision: tf32 is CUDA only, and device auto runs on the CPU here: {BUILT}"),
])
def test_cuda_on_a_cpu_only_torch_is_refused_naming_key_and_torch(device, precision, message):
    with pytest.raises(PipelineError) as error:
        hardware.check_device({"device": device, "precision": precision})
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_tf32_on_the_cpu_is_refused():
    with pytest.raises(PipelineError, match="^config key precision: tf32 is CUDA only, and device is cpu"):
        hardware.check_device({"device": "cpu", "precision": "tf32"})


@pytest.mark.parametrize("device, precision", [("cpu", "fp32"), ("cpu", "bf16"), ("auto", "fp32"), ("auto", "bf16")])
def test_what_a_cpu_can_do_is_accepted(device, precision):
    hardware.check_device({"device": device, "precision": precision})


@pytest.mark.parametrize("count, device, refused", [
    (2, "cuda:2", True), (2, "cuda:1", False), (1, "cuda", False),
    (0, "cuda:1", False),  # no GPU here, as on a GPU cluster's login node: left to the job
])
def test_a_cuda_index_beyond_the_devices_here_is_refused(monkeypatch, count, device, refused):
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    if not refused:
        hardware.check_device({"device": device, "precision": "fp32"})
        return
    with pytest.raises(PipelineError, match=f"^config key device: '{device}', but this machine shows {count} CUDA"):
        hardware.check_device({"device": device, "precision": "fp32"})


def test_a_tf32_job_on_the_cpu_refuses_to_start():
    """Where the start could not tell (a CUDA build on a machine without GPU), the job
    refuses rather than compute fp32 and record tf32."""
    with pytest.raises(PipelineError, match="^config key precision: tf32 is CUDA only, and this job runs on cpu"):
        runtime.configure_precision(torch.device("cpu"), "tf32")


def test_the_default_settings_do_not_import_torch():
    """Importing torch costs about a second at every Snakemake start: only when needed."""
    code = ("import sys; from cz4042 import hardware; "
            "hardware.check_device({'device': 'auto', 'precision': 'fp32'}); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@cpu_only
@pytest.mark.slow  # a Snakemake dry-run
def test_device_cuda_fails_before_any_job_in_one_line(workflow_copy):
    result = run_snakemake(workflow_copy, "-n", "all", "--config", "device=cuda", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"config key device: 'cuda' needs CUDA, but {BUILT} (use cpu or auto)" in output
    assert "Traceback" not in output and "rule " not in output
