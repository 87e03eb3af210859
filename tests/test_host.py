"""The test suite leaves the host alone unless asked: the Slurm tests, which install
packages, write /etc/slurm and start daemons, run only with CZ4042_SLURM_TESTS=1."""

import os
import subprocess
import sys

from conftest import ROOT

# Stands in for every host-changing entry point of tests/slurm_cluster.py: a call fails
# the test run instead of installing or starting anything.
REFUSING_PLUGIN = '''
import slurm_cluster

def refuse(*args, **kwargs):
    raise AssertionError("HOST-CHANGING SLURM CODE CALLED")

slurm_cluster.ensure_installed = refuse
slurm_cluster._start_munged = refuse
slurm_cluster.SlurmCluster.write_config = refuse
slurm_cluster.SlurmCluster.start = refuse
'''


def test_slurm_tests_skip_without_opt_in_and_touch_nothing(tmp_path):
    (tmp_path / "refuse_host_changes.py").write_text(REFUSING_PLUGIN)
    env = {k: v for k, v in os.environ.items() if k != "CZ4042_SLURM_TESTS"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT / "tests")])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_slurm.py", "-p", "refuse_host_changes", "-p", "no:cacheprovider",
         "-rs", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out = result.stdout + result.stderr
    assert "HOST-CHANGING SLURM CODE CALLED" not in out, out[-3000:]
    assert result.returncode == 0 and "3 skipped" in out, out[-3000:]
    skips = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert skips and all("run with CZ4042_SLURM_TESTS=1" in line and "/etc/slurm" in line for line in skips), out
