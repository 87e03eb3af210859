"""Which protocol (the config key `protocol_name`) the outputs under results/ were made with.

The first call that runs jobs writes it down; every later call whose config names another
protocol is refused before any job. Without it, a call that forgets `--configfile
overlays/quick.yaml` after a quick run would label the quick runs with the report's
protocol and schedule days of report-protocol training over them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .atomic import write_text
from .errors import PipelineError

MARK = "results/protocol.yaml"
# The config files every call reads; the others are what a call must repeat.
DEFAULT_CONFIGFILES = ("config.yaml", "config.local.yaml")


def overlays(configfiles: list) -> list[str]:
    """The config files a call gave beyond the defaults (relative to the working
    directory where they lie in it, as a user would type them)."""
    here = Path.cwd()
    paths = [Path(path) for path in configfiles if Path(path).name not in DEFAULT_CONFIGFILES]
    return [str(p.relative_to(here) if p.is_absolute() and p.is_relative_to(here) else p) for p in paths]


def recorded(mark: Path) -> dict | None:
    if not mark.is_file():
        return None
    try:
        entry = yaml.safe_load(mark.read_text(encoding="utf-8"))
        return {"protocol_name": str(entry["protocol_name"]), "configfiles": list(entry.get("configfiles") or [])}
    except (yaml.YAMLError, TypeError, KeyError) as error:
        raise PipelineError(f"{mark}: unreadable ({type(error).__name__}: {error}); it says which "
                            "config protocol made results/: restore it or delete it") from None


def check(protocol: str, configfiles: list, mark: Path = Path(MARK)) -> None:
    """Refuse a config whose protocol is not the one results/ was made with, naming both."""
    entry = recorded(mark)
    if entry is None or entry["protocol_name"] == protocol:
        return
    flags = " ".join(f"--configfile {path}" for path in entry["configfiles"])
    made, advice = (f"made with {flags}", f"repeat {flags}") if flags else (
        "made without --configfile", "drop what sets `protocol_name`")
    raise PipelineError(
        f"results/ holds the outputs of protocol '{entry['protocol_name']}' ({mark}, {made}), but this call's "
        f"config is protocol '{protocol}': {advice}, or move results/ aside "
        f"(mv results results-{entry['protocol_name']}) to run protocol '{protocol}'")


def write(protocol: str, configfiles: list, mark: Path = Path(MARK)) -> None:
    """Record the protocol of a call that runs jobs, unless results/ already has one."""
    if recorded(mark) is None:
        mark.parent.mkdir(parents=True, exist_ok=True)
        write_text(mark, yaml.safe_dump({"protocol_name": protocol, "configfiles": overlays(configfiles)}))
