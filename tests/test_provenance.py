"""What a run's record says about where it came from."""

import torch

from cz4042 import provenance


def test_a_fingerprint_is_the_definition_not_its_key_order():
    run = {"model": "cifar_cnn", "protocol": {"epochs": 2, "batch_size": 128}, "seed": 1}
    same = {"seed": 1, "protocol": {"batch_size": 128, "epochs": 2}, "model": "cifar_cnn"}
    assert provenance.fingerprint(run) == provenance.fingerprint(same)
    assert len(provenance.fingerprint(run)) == 64
    assert provenance.fingerprint({**run, "seed": 2}) != provenance.fingerprint(run)


def test_the_environment_names_device_threads_versions_and_scheduler_job(monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    env = provenance.environment(torch.device("cpu"), threads=2, configured_threads=4)
    assert env["device"] == "cpu" and env["device_name"]
    assert env["threads"] == 2 and env["threads_configured"] == 4
    assert env["torch"] == torch.__version__ and env["snakemake"]
    assert env["slurm_job_id"] == "4242" and env["cuda_visible_devices"] is None


def test_the_commit_is_recorded_in_a_checkout_and_none_outside(monkeypatch, tmp_path):
    commit = provenance.git_commit()
    assert commit is not None and len(commit) == 40
    monkeypatch.chdir(tmp_path)  # not a git repository
    assert provenance.git_commit() is None
