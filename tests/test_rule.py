import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_package_from_another_checkout_is_refused_before_any_job(tmp_path):
    """One environment, two checkouts: the Snakefile refuses to run the other one's code,
    naming both, whatever that package holds (here: nothing that would even import)."""
    (tmp_path / "cz4042").mkdir()
    (tmp_path / "cz4042" / "__init__.py").write_text("")
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--nolock", "all"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert (f"this Python imports cz4042 from {(tmp_path / 'cz4042').resolve()}, but this workflow's package is "
            f"{ROOT / 'workflow' / 'scripts' / 'cz4042'}: pip install -e the checkout you run") in said
