"""The README's runtime install (requirements.txt alone) has what `snakemake --report`
imports: the packages snakemake's own `reports` extra names (pygments)."""

from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def runtime_requirements() -> dict[str, Requirement]:
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    return {req.name.lower(): req for req in map(Requirement, filter(None, lines))}


def test_requirements_give_what_the_report_imports():
    runtime = runtime_requirements()
    report_needs = {req.name.lower() for req in map(Requirement, requires("snakemake") or [])
                    if req.marker and req.marker.evaluate({"extra": "reports"}) and not req.marker.evaluate({"extra": ""})}
    assert report_needs, "snakemake's metadata names no reports extra: check what --report needs now"
    missing = report_needs - set(runtime) if "reports" not in runtime["snakemake"].extras else set()
    assert not missing, f"requirements.txt lacks {sorted(missing)}, which snakemake --report imports"
