"""Kill a training job through Snakemake, rerun, and get bitwise the numbers of an
uninterrupted run; same seeds in parallel or in sequence give the same numbers."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import (assert_same_run, cifar_batch_bytes, copy_workflow, run_snakemake, tiny_protocol_config,
                      workflow_env, write_tiny_course_files)
import yaml

pytestmark = pytest.mark.slow  # end-to-end Snakemake runs

RUN = "results/runs/partA/baseline/seed1"
RESUME = "resources/resume/partA/baseline/seed1.pt"
EPOCHS = 6


def slow_config(tmp_path):
    """Baseline CNN on 1,500 images for 6 epochs: a few seconds, checkpointing every epoch."""
    data = write_tiny_course_files(tmp_path / "data")
    (tmp_path / "data" / "data_batch_1").write_bytes(cifar_batch_bytes(1500, seed=5))
    config = tiny_protocol_config(data)
    config["cifar10"] = {"n_train": None, "n_test": None}
    config["partA"]["protocol"]["epochs"] = EPOCHS
    config["partA"]["baseline"] = {"c1": 50, "c2": 60, "dropout": 0.5}  # dropout: the RNG state matters
    return config


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    base = tmp_path_factory.mktemp("reference")
    config = slow_config(base)
    workdir = copy_workflow(base / "wf")
    run_snakemake(workdir, "--cores", "1", RUN + "/metrics.json", config=config)
    return workdir, config


def start_in_background(workdir, config):
    (workdir / "test_overlay.yaml").write_text(yaml.safe_dump(config))
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--nolock", "--cores", "1", RUN + "/metrics.json",
         "--configfile", "test_overlay.yaml"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env=workflow_env(workdir))


def wait_for_checkpoint(workdir, process, timeout=120):
    """Until a resumable state exists and training has gone past it."""
    deadline = time.time() + timeout
    log = workdir / "logs/partA/baseline/seed1.log"
    while time.time() < deadline:
        if (workdir / RESUME).exists() and log.exists() and "epoch 2/" in log.read_text():
            return
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared")


def training_pid(workdir):
    out = subprocess.run(["pgrep", "-f", f"{workdir}/.snakemake/scripts/.*train.py"], capture_output=True, text=True)
    return int(out.stdout.split()[0])


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_killed_training_resumes_bitwise_identical(uninterrupted, tmp_path, how):
    reference, config = uninterrupted
    workdir = copy_workflow(tmp_path / "wf")
    process = start_in_background(workdir, config)
    wait_for_checkpoint(workdir, process)
    if how == "SIGKILL":  # the node died: everything goes at once
        os.killpg(process.pid, signal.SIGKILL)
    else:  # Slurm's warning before a time limit reaches the job step
        os.kill(training_pid(workdir), signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0
    assert not (workdir / RUN / "metrics.json").exists()
    assert (workdir / RESUME).exists(), output[-2000:]

    result = run_snakemake(workdir, "--cores", "1", "--rerun-incomplete", RUN + "/metrics.json", config=config)
    log = (workdir / "logs/partA/baseline/seed1.log").read_text()
    assert "resumed from" in log, result.stderr[-2000:]
    assert_same_run(workdir, reference, RUN)
    assert not (workdir / RESUME).exists()
    if how == "SIGTERM":  # (Snakemake clears a job's log before the rerun)
        assert "SIGTERM: state saved" in output


def test_seeds_in_parallel_equal_seeds_in_sequence(tmp_path):
    config = tiny_protocol_config(write_tiny_course_files(tmp_path / "data"))
    config["cifar10"] = {"n_train": None, "n_test": None}
    config["seeds"] = [1, 2]  # 4 runs at once against one after another (each run a job: 4 s of startup)
    targets = [f"results/runs/partB/{v}/seed{s}/metrics.json" for v in ("word_rnn_dropout", "char_cnn") for s in (1, 2)]
    sequential, parallel = copy_workflow(tmp_path / "seq"), copy_workflow(tmp_path / "par")
    run_snakemake(sequential, "--cores", "1", *targets, config=config)
    run_snakemake(parallel, "--cores", "4", *targets, config=config)
    histories = set()
    for target in targets:
        run = target.rsplit("/", 1)[0]
        assert_same_run(sequential, parallel, run)
        histories.add(pd.read_parquet(sequential / run / "history.parquet").drop(columns="seconds").to_json())
    assert len(histories) == len(targets), "different seeds must give different runs"
