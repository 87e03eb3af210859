"""The Slurm profiles: a training job there computes with config.yaml's threads, as a
local run does (thread counts change float sums, so they change the numbers)."""

import re

import pytest
import yaml
from conftest import ROOT

PROFILES = ["profiles/slurm", "profiles/slurm-side-by-side"]
TRAINING_RULES = re.findall(r"^(?:rule|use rule \w+ as) (train_\w+)", (ROOT / "workflow/rules/training.smk").read_text(),
                            re.MULTILINE)


def profile_settings(profile: str) -> dict:
    return yaml.safe_load((ROOT / profile / "config.yaml").read_text())


@pytest.mark.parametrize("profile", PROFILES)
def test_a_training_job_gets_the_threads_config_yaml_gives_it(profile):
    assert set(TRAINING_RULES) == {"train_partA", "train_partA_best", "train_partB"}
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    most = max(config[part]["resources"]["threads"] for part in ("partA", "partB"))
    settings = profile_settings(profile)
    overridden = sorted(set(settings.get("set-threads") or {}) & set(TRAINING_RULES))
    assert not overridden, f"{profile} sets the threads of {overridden}: config.yaml's resources.threads say them"
    # Snakemake lowers every job's threads to --cores and to --max-threads
    for key in ("cores", "max-threads"):
        assert settings.get(key, most) >= most, f"{profile}'s {key} lowers config.yaml's {most} threads"
