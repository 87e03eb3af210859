"""The Slurm profiles: profiles/slurm, and profiles/slurm-side-by-side as an overlay on
it (`--profile profiles/slurm --profile profiles/slurm-side-by-side`: Snakemake merges
them, the later one's top-level keys replacing the earlier one's). A training job there
computes with config.yaml's threads, as a local run does (thread counts change float
sums, so they change the numbers)."""

import re

import pytest
import yaml
from conftest import ROOT

BASE, SIDE_BY_SIDE = "profiles/slurm", "profiles/slurm-side-by-side"
PROFILES = {BASE: [BASE], SIDE_BY_SIDE: [BASE, SIDE_BY_SIDE]}  # each as given to --profile, in turn
TRAINING_RULES = re.findall(r"^(?:rule|use rule \w+ as) (train_\w+)", (ROOT / "workflow/rules/training.smk").read_text(),
                            re.MULTILINE)


def profile_file(profile: str) -> dict:
    return yaml.safe_load((ROOT / profile / "config.yaml").read_text())


def merged(profiles: list[str]) -> dict:
    """The settings Snakemake runs with for `--profile A --profile B ...`."""
    settings = {}
    for profile in profiles:
        settings.update(profile_file(profile))
    return settings


@pytest.mark.parametrize("name", PROFILES)
def test_a_training_job_gets_the_threads_config_yaml_gives_it(name):
    assert set(TRAINING_RULES) == {"train_partA", "train_partA_best", "train_partB"}
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    most = max(config[part]["resources"]["threads"] for part in ("partA", "partB"))
    settings = merged(PROFILES[name])
    overridden = sorted(set(settings.get("set-threads") or {}) & set(TRAINING_RULES))
    assert not overridden, f"{name} sets the threads of {overridden}: config.yaml's resources.threads say them"
    # Snakemake lowers every job's threads to --cores and to --max-threads
    for key in ("cores", "max-threads"):
        assert settings.get(key, most) >= most, f"{name}'s {key} lowers config.yaml's {most} threads"


def test_the_side_by_side_overlay_writes_nothing_the_base_says():
    base, overlay = profile_file(BASE), profile_file(SIDE_BY_SIDE)
    repeated = sorted(key for key in overlay if overlay[key] == base.get(key))
    assert not repeated, f"{SIDE_BY_SIDE} repeats {repeated} of {BASE}"
    assert {"jobs", "group-components", "default-resources", "set-resources", "keep-going"} <= set(base) - set(overlay)


def test_the_side_by_side_submit_command_finds_every_resource_it_passes():
    """Every rule gets the resources submit.sh is given: from the base's defaults."""
    settings = merged(PROFILES[SIDE_BY_SIDE])
    passed = set(re.findall(r"\{resources\.(\w+)\}", settings["cluster-generic-submit-cmd"]))
    assert passed == {"mem_mb", "runtime", "slurm_partition", "slurm_account", "gres"}
    assert passed <= set(settings["default-resources"])
    assert settings["executor"] == "cluster-generic" and settings["resources"]["gpu_slots"] == 10
