"""What a new user runs into: where snakemake is started, local settings, the report
before any training, --config with lists, a --cores below the configured threads."""

import subprocess
import sys

import pytest
from conftest import copy_workflow, run_snakemake, workflow_env, write_tiny_course_files

pytestmark = pytest.mark.slow  # end-to-end Snakemake runs


def test_started_outside_the_repository_says_so(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(workdir / "Snakefile"), "-n"],
                            cwd=elsewhere, capture_output=True, text=True)
    assert result.returncode != 0
    advice = f"run snakemake from the repository root, or pass -s {workdir}/Snakefile -d {workdir}"
    assert f"config.yaml not found in the working directory {elsewhere}: {advice}" in result.stdout + result.stderr
    # the advice works from where the user is (-d alone would find no Snakefile there)
    advised = subprocess.run([sys.executable, "-m", "snakemake", "-s", f"{workdir}/Snakefile", "-d", str(workdir), "-n"],
                             cwd=elsewhere, capture_output=True, text=True, env=workflow_env(workdir))
    assert advised.returncode == 0, advised.stderr


def test_local_settings_are_picked_up_by_every_call(tmp_path):
    """course files given once in config.local.yaml: a plain call plans no download."""
    workdir = copy_workflow(tmp_path / "wf")
    files = write_tiny_course_files(tmp_path / "data")
    plain = run_snakemake(workdir, "-n", "data")
    assert "download_cifar10" in plain.stdout
    (workdir / "config.local.yaml").write_text("course_files:\n" + "".join(f"  {k}: {v}\n" for k, v in files.items()))
    local = run_snakemake(workdir, "-n", "data")
    assert "download_cifar10" not in local.stdout and "prepare_cifar10" in local.stdout
    overridden = run_snakemake(workdir, "-n", "data", config={"course_files": {"cifar_train": None}})
    assert "download_cifar10" in overridden.stdout, "--configfile must still override the local file"


def test_report_before_any_training_names_what_to_run(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "--report", str(tmp_path / "report.html"))
    assert (tmp_path / "report.html").is_file()
    assert "tables and figures do not exist yet" in result.stderr and "snakemake --cores 4 all" in result.stderr


def test_config_lists_and_mappings_on_the_command_line(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "-n", "--config", "seeds=[1,2]",
                           "dbpedia={archive_train_rows: 5600, archive_test_rows: null, train_per_class: 400, "
                           "test_per_class: 50, sample_seed: 2019}")
    assert "seed2" in result.stdout


def test_fewer_cores_than_threads_is_said_and_recorded(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    files = write_tiny_course_files(tmp_path / "data")
    config = {"course_files": files, "partB": {"protocol": {"epochs": 1}, "resources": {"threads": 2}}}
    run = "results/runs/partB/char_cnn/seed1"
    run_snakemake(workdir, "--cores", "1", f"{run}/metrics.json", config=config)
    log = (workdir / "logs/partB/char_cnn/seed1.log").read_text().splitlines()
    assert "warning: running with 1 threads, 2 configured" in log[0]
    import json
    environment = json.loads((workdir / run / "metrics.json").read_text())["environment"]
    assert environment["threads"] == 1 and environment["threads_configured"] == 2
