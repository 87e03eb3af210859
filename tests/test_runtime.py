"""Where and how a run computes: threads, device, precision."""

import pytest
import torch

from cz4042 import runtime
from cz4042.errors import PipelineError


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_set_up_uses_exactly_the_rules_threads(restore_threads):
    assert runtime.set_up("cpu", 1, deterministic=False) == torch.device("cpu")
    assert torch.get_num_threads() == 1
    runtime.set_up("cpu", 2, deterministic=False)
    assert torch.get_num_threads() == 2


def test_auto_is_cuda_only_where_there_is_one(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert runtime.resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.resolve_device("auto") == torch.device("cuda")


def test_a_cuda_device_this_machine_lacks_is_refused_in_one_line(monkeypatch):
    """Rather than torch's traceback from the first tensor moved there, mid-job."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(PipelineError, match="config key device: cuda, but this Python's torch sees no CUDA device"):
        runtime.resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert runtime.resolve_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(PipelineError, match=r"config key device: cuda:2, but this machine has 2 CUDA devices \(0-1\)"):
        runtime.resolve_device("cuda:2")


def test_precision_bf16_is_autocast_and_fp32_is_not():
    cpu = torch.device("cpu")
    with runtime.autocast(cpu, "bf16"):
        assert torch.is_autocast_enabled("cpu")
    with runtime.autocast(cpu, "fp32"):
        assert not torch.is_autocast_enabled("cpu")
    with pytest.raises(ValueError, match="unknown precision 'fp16'; valid: fp32, bf16, tf32"):
        runtime.configure_precision(cpu, "fp16")
