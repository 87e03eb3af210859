"""Cluster submission through profiles/slurm against a real single-node Slurm."""

import json
import os
import re
from datetime import datetime

import pytest
from conftest import assert_same_run, copy_workflow, run_snakemake, tiny_protocol_config, write_tiny_course_files

import slurm_cluster

# Standing up the cluster changes the host (as root it apt-installs slurm-wlm and munge,
# writes /etc/slurm and starts daemons): only on request, as .ci/run requests it.
OPT_IN = "CZ4042_SLURM_TESTS"
pytestmark = [
    pytest.mark.slow,  # end-to-end Snakemake runs
    pytest.mark.skipif(os.environ.get(OPT_IN) != "1", reason=(
        f"changes the host (installs slurm-wlm and munge, writes /etc/slurm, starts daemons): "
        f"run with {OPT_IN}=1 (.ci/run does)")),
]

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
        # threads: the tiny config's 1; memory: shrunk to fit this one-node test cluster
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
        assert asks_one_gpu(job), job
        assert job["JobState"] == "COMPLETED"
        assert metrics["environment"]["cuda_visible_devices"] == "0"
        assert metrics["environment"]["device"] == "cpu"  # the fake GPU is /dev/null: torch falls back

        assert_same_run(remote, local, run)
    # both are small runs (group train_small): one job ran them
    jobs = {json.loads((remote / run / "metrics.json").read_text())["environment"]["slurm_job_id"] for run in RUNS}
    assert len(jobs) == 1


def asks_one_gpu(job: dict) -> bool:
    """--gres=gpu:1 shows as TresPerNode, --gpus=1 as TresPerJob; either way one GPU."""
    requested = " ".join(job.get(key, "") for key in ("TresPerJob", "TresPerNode", "AllocTRES"))
    return re.search(r"gpu[:=]1\b", requested) is not None


def part_b_variants(workdir):
    import yaml

    return list(yaml.safe_load((workdir / "config.yaml").read_text())["partB"]["variants"])


def test_small_runs_are_packed_into_few_gpu_jobs_and_a_failure_costs_only_unfinished_runs(cluster, tmp_path):
    """14 Part B variants through the profile: ceil(n / 10) sbatch jobs (2 for 14 runs,
    not 14), each asking for one GPU for all its members; the records name their
    group job; results equal a local run bitwise. One member made to fail: the finished
    members' outputs are kept, and the rerun submits one job for what did not finish.
    (Inside a group job Snakemake runs the members one after another and without
    --keep-going, snakemake#4223: a failure also skips the members not started yet.)"""
    data = write_tiny_course_files(tmp_path / "data")
    config = tiny_protocol_config(data)
    config["cifar10"] = {"n_train": None, "n_test": None}
    config["partB"]["variants"]["char_cnn"] = {"model": "char_cnn", "drop_last": True, "batch_size": 100000}
    local, remote = copy_workflow(tmp_path / "local"), copy_workflow(tmp_path / "remote")
    # enough for a full group job and a partial one (each run costs seconds of startup)
    variants = part_b_variants(remote)[:14]
    assert {"char_cnn", "word_rnn", "char_cnn_dropout", "word_lstm_2layer_clipped"} <= set(variants)
    metrics = {v: remote / f"results/runs/partB/{v}/seed1/metrics.json" for v in variants}
    targets = [str(path.relative_to(remote)) for path in metrics.values()]
    run_snakemake(remote, "--cores", "2", "data", config=config)  # preparation is not what is counted here
    slurm = ["--profile", "profiles/slurm", "--slurm-no-account", "--slurm-status-command", "squeue",
             "--slurm-init-seconds-before-status-checks", "1", "--slurm-keep-successful-logs",
             "--set-resources", "train_partB:mem_mb=500"]
    first = run_snakemake(remote, *targets, *slurm, config=config, check=False, timeout=900)
    log = first.stdout + first.stderr
    submissions = re.findall(r"submitted with SLURM jobid (\d+)", log)
    print("\n".join(line for line in log.splitlines() if "SLURM jobid" in line))
    members = [10] * (len(variants) // 10) + ([len(variants) % 10] if len(variants) % 10 else [])
    assert len(variants) > 10 and len(submissions) == len(members), log[-3000:]  # 14 runs: 10 and 4
    # sized for members run one after another (snakemake#4223; one gpu_slot per job in the
    # profile): one member's threads (the tiny config's 1) and memory, the members' runtimes
    # (10 min here) added up
    limits = []
    for job_id in submissions:
        job = cluster.show_job(job_id)
        assert asks_one_gpu(job) and job["NumCPUs"] == "1", job
        limits.append(job["TimeLimit"])
    assert config["partB"]["resources"]["runtime"] == 10
    assert sorted(limits) == sorted(f"{10 * m // 60:02d}:{10 * m % 60:02d}:00" for m in members), limits

    assert first.returncode != 0 and not metrics["char_cnn"].exists()
    finished = [v for v, path in metrics.items() if path.exists()]
    job_ids = {json.loads(metrics[v].read_text())["environment"]["slurm_job_id"] for v in finished}
    assert len(finished) >= len(variants) - 10 and job_ids <= set(submissions)
    print(f"finished before the rerun: {len(finished)} of {len(variants)}")

    del config["partB"]["variants"]["char_cnn"]
    before = {v: metrics[v].stat().st_mtime_ns for v in finished}
    rerun = run_snakemake(remote, *targets, *slurm, config=config, timeout=600)
    resubmitted = re.findall(r"submitted with SLURM jobid (\d+)", rerun.stdout + rerun.stderr)
    assert len(resubmitted) == 1 and all(path.exists() for path in metrics.values())
    assert all(metrics[v].stat().st_mtime_ns == t for v, t in before.items()), "a finished run was redone"

    compared = ["word_rnn", "char_cnn_dropout", "word_lstm_2layer_clipped"]
    run_snakemake(local, "--cores", "2", *[f"results/runs/partB/{v}/seed1/metrics.json" for v in compared],
                  config=config)
    for v in compared:
        assert_same_run(remote, local, f"results/runs/partB/{v}/seed1")


def test_the_side_by_side_profile_trains_a_group_jobs_members_at_once(cluster, tmp_path):
    """profiles/slurm-side-by-side over profiles/slurm (the generic cluster executor): 4
    Part B runs go in one sbatch job asking for 4 CPUs and one GPU, and train at the same
    time inside it (every run starts before any ends); the records name that job, and histories and
    weights equal a local run's bitwise. One member made to fail: the others finish and are kept, and the rerun
    submits one job that trains only the failed one."""
    data = write_tiny_course_files(tmp_path / "data")
    config = tiny_protocol_config(data)
    config["cifar10"] = {"n_train": None, "n_test": None}
    config["partB"]["protocol"]["epochs"] = 40  # a few seconds each, so that overlap shows
    config["partB"]["variants"]["char_cnn"] = {"model": "char_cnn", "drop_last": True, "batch_size": 100000}
    local, remote = copy_workflow(tmp_path / "local"), copy_workflow(tmp_path / "remote")
    runs = {v: f"results/runs/partB/{v}/seed1" for v in ("word_rnn", "char_rnn", "word_cnn", "char_cnn")}
    targets = [f"{run}/metrics.json" for run in runs.values()]
    run_snakemake(remote, "--cores", "2", "data", config=config)  # preparation is not what is counted here
    profile = ["--profile", "profiles/slurm", "--profile", "profiles/slurm-side-by-side", "--cores", "4",
               "--group-components", "train_small=4", "--set-resources", "train_partB:mem_mb=500"]
    first = run_snakemake(remote, *targets, *profile, config=config, check=False, timeout=600)
    log = first.stdout + first.stderr
    submissions = re.findall(r"with external jobid '(\d+)'", log)
    print("\n".join(line for line in log.splitlines() if "external jobid" in line))
    assert first.returncode != 0 and len(submissions) == 1, log[-3000:]
    job = cluster.show_job(submissions[0])
    print(f"SLURM job {submissions[0]}: NumCPUs={job['NumCPUs']} TimeLimit={job['TimeLimit']} "
          f"TresPerNode={job.get('TresPerNode')} JobState={job['JobState']}")
    assert asks_one_gpu(job) and job["NumCPUs"] == "4", job
    assert job["TimeLimit"] == "00:10:00"  # side by side: the longest member's runtime, not the sum

    finished = [v for v, run in runs.items() if (remote / run / "metrics.json").exists()]
    assert finished == ["word_rnn", "char_rnn", "word_cnn"]
    records = [json.loads((remote / runs[v] / "metrics.json").read_text()) for v in finished]
    assert {r["environment"]["slurm_job_id"] for r in records} == set(submissions)
    starts = [datetime.fromisoformat(r["started"]) for r in records]
    ends = [datetime.fromisoformat(r["ended"]) for r in records]
    print(f"started {[s.time().isoformat() for s in starts]}, ended {[e.time().isoformat() for e in ends]}")
    assert max(starts) < min(ends), "the members ran one after another"

    del config["partB"]["variants"]["char_cnn"]
    before = {v: (remote / runs[v] / "metrics.json").stat().st_mtime_ns for v in finished}
    rerun = run_snakemake(remote, *targets, *profile, config=config, timeout=600)
    assert len(re.findall(r"with external jobid '(\d+)'", rerun.stdout + rerun.stderr)) == 1
    assert (remote / runs["char_cnn"] / "metrics.json").exists()
    assert all((remote / runs[v] / "metrics.json").stat().st_mtime_ns == t for v, t in before.items())

    run_snakemake(local, "--cores", "2", *targets, config=config)
    for run in runs.values():
        assert_same_run(remote, local, run)
