"""What every rule script shares: a log that goes to the rule's `log:` file and stderr,
and one-line errors instead of tracebacks for bad input."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from .errors import PipelineError


def logger(path: str | None) -> Callable[[str], None]:
    handle = None
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a", buffering=1, encoding="utf-8")

    def log(message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}"
        print(line, file=sys.stderr, flush=True)
        if handle:
            handle.write(line + "\n")

    return log


@contextlib.contextmanager
def reported(log: Callable[[str], None]) -> Iterator[None]:
    """Turn a PipelineError into one 'error:' line and exit status 1."""
    try:
        yield
    except PipelineError as error:
        log(f"error: {error}")
        raise SystemExit(1) from None


def log_path(snakemake) -> str | None:
    check_package_is_this_workflows(snakemake.scriptdir)
    return str(snakemake.log[0]) if len(snakemake.log) else None


def check_package_is_this_workflows(script_dir: str) -> None:
    """An environment with another checkout's package installed (pip install -e) would
    run that checkout's code under this workflow's name: refuse, naming both."""
    package = Path(__file__).resolve().parent
    expected = Path(script_dir).resolve() / "cz4042"
    if package != expected:
        raise SystemExit(f"error: this Python imports cz4042 from {package}, but this workflow's package is "
                         f"{expected}: pip install -e the checkout you run, or use one environment per checkout")
