"""Cluster submission through profiles/slurm against a real single-node Slurm."""

import json
import re

import pandas as pd
import pytest
import torch
from conftest import copy_workflow, run_snakemake, tiny_protocol_config, write_tiny_course_files

import slurm_cluster

pytestmark = pytest.mark.slow  # end-to-end Snakemake runs

TARGETS = ["results/runs/partA/baseline/seed1/metrics.json", "results/runs/partB/word_rnn/seed1/metrics.json"]
RUNS = [t.rsplit("/", 1)[0] for t in TARGETS]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = slurm_cluster.SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        slurm_cluster.ensure_installed()
        cluster.start()
    except slurm_cluster.Unavailable as reason:
        pytest.skip(str(reason))
    yield cluster
    cluster.stop()


def test_training_jobs_run_as_slurm_jobs_with_a_gpu_and_match_a_local_run(cluster, tmp_path):
    data = write_tiny_course_files(tmp_path / "data")
    config = tiny_protocol_config(data)
    config["cifar10"] = {"n_train": None, "n_test": None}
    local, remote = copy_workflow(tmp_path / "local"), copy_workflow(tmp_path / "remote")
    run_snakemake(local, "--cores", "2", *TARGETS, config=config)

    submitted = run_snakemake(
        remote, *TARGETS, "--profile", "profiles/slurm", "--slurm-no-account", "--slurm-status-command", "squeue",
        "--slurm-init-seconds-before-status-checks", "1", "--slurm-keep-successful-logs",
        # this one-node test cluster has 2 CPUs: shrink the profile's requests to fit
        "--set-threads", "train_partA=1", "train_partB=1",
        "--set-resources", "train_partA:mem_mb=1500", "train_partB:mem_mb=1500",
        config=config, timeout=600,
    )
    log = submitted.stdout + submitted.stderr
    submissions = re.findall(r"submitted with SLURM jobid (\d+)", log)
    print("\n".join(line for line in log.splitlines() if "SLURM jobid" in line))
    assert len(submissions) >= 2, log[-3000:]

    for run in RUNS:
        metrics = json.loads((remote / run / "metrics.json").read_text())
        job_id = metrics["environment"]["slurm_job_id"]
        assert job_id in submissions, f"{run} did not run in a submitted Slurm job"
        job = cluster.show_job(job_id)
        print(f"{run}: SLURM job {job_id} TresPerJob={job.get('TresPerJob')} AllocTRES={job.get('AllocTRES')}")
        assert "gpu:1" in job.get("TresPerJob", "") or "gres/gpu=1" in job.get("AllocTRES", "")
        assert job["JobState"] == "COMPLETED"
        assert metrics["environment"]["cuda_visible_devices"] == "0"
        assert metrics["environment"]["device"] == "cpu"  # the fake GPU is /dev/null: torch falls back

        ours = pd.read_parquet(remote / run / "history.parquet").drop(columns="seconds")
        theirs = pd.read_parquet(local / run / "history.parquet").drop(columns="seconds")
        pd.testing.assert_frame_equal(ours, theirs)
        a = torch.load(remote / run / "model.pt", weights_only=True)["state_dict"]
        b = torch.load(local / run / "model.pt", weights_only=True)["state_dict"]
        assert all(torch.equal(a[k], b[k]) for k in a)
