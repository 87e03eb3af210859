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
    return str(snakemake.log[0]) if len(snakemake.log) else None
