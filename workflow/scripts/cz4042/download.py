"""Fetch an archive over HTTP(S) and keep it only if it is the file we expect."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from .atomic import atomic_path
from .errors import PipelineError

CHUNK = 1 << 20


class TransientDownloadError(PipelineError):
    """A failure that may pass: connection refused or reset, a stall, HTTP 5xx. Only
    these are retried; a wrong checksum, HTTP 4xx or a bad archive fail at once."""


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def parse_checksum(checksum: str) -> tuple[str, str]:
    """Split 'md5:abc...' into ('md5', 'abc...')."""
    algorithm, _, value = checksum.partition(":")
    if not value or algorithm not in hashlib.algorithms_guaranteed:
        raise PipelineError(f"checksum {checksum!r} is not of the form '<md5|sha256>:<hex digest>'")
    return algorithm, value.lower()


def check_tar_members(path: str | os.PathLike, required: list[str], url: str) -> None:
    """Fail unless `path` is a readable tar archive holding every `required` member."""
    try:
        with tarfile.open(path) as archive:
            names = set(archive.getnames())
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        reason = str(error).splitlines()[0].rstrip(":")
        raise PipelineError(f"{url}: not a readable tar archive ({type(error).__name__}: {reason})") from None
    missing = [name for name in required if name not in names]
    if missing:
        raise PipelineError(f"{url}: archive lacks {', '.join(missing)}")


def download(
    url: str,
    destination: str | os.PathLike,
    checksum: str,
    required_members: list[str] = (),
    stall_timeout_s: float = 60.0,
) -> None:
    """Download `url` to `destination`, verifying its checksum and tar layout first.

    The bytes go to a temporary file beside `destination`, which is renamed into place
    only when every check passed, so a failure (SIGTERM included) leaves nothing behind.
    `stall_timeout_s` bounds the wait for any one read, not the whole download.
    """
    algorithm, expected = parse_checksum(checksum)
    with _sigterm_unwinds(), atomic_path(destination) as tmp:
        digest = hashlib.new(algorithm)
        try:
            with urllib.request.urlopen(url, timeout=stall_timeout_s) as response, open(tmp, "wb") as out:
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except urllib.error.HTTPError as error:
            kind = TransientDownloadError if error.code >= 500 else PipelineError
            raise kind(f"{url}: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            transient = isinstance(reason, (ConnectionError, TimeoutError, socket.timeout)) or isinstance(
                error, (ConnectionError, TimeoutError))
            kind = TransientDownloadError if transient else PipelineError
            raise kind(f"{url}: download failed ({reason})") from None
        actual = digest.hexdigest()
        if actual != expected:
            raise PipelineError(
                f"{url}: {algorithm} mismatch, expected {expected}, got {actual} "
                f"({Path(tmp).stat().st_size} bytes)"
            )
        check_tar_members(tmp, list(required_members), url)


def fetch(url: str, destination: str | os.PathLike, checksum: str, required_members: list[str] = (),
          stall_timeout_s: float = 60.0, attempts: int = 3, backoff_s: float = 5.0,
          log: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep) -> None:
    """`download` with stale temporaries of earlier killed runs removed first, and only
    transient failures retried, after backoff_s, 2 x backoff_s, ... seconds."""
    for stale in remove_stale_temporaries(destination):
        log(f"removed {stale}, left by an interrupted download")
    for attempt in range(1, attempts + 1):
        try:
            return download(url, destination, checksum, required_members, stall_timeout_s)
        except TransientDownloadError as error:
            if attempt == attempts:
                raise PipelineError(f"{error} (after {attempts} attempts)") from None
            wait = backoff_s * 2 ** (attempt - 1)
            log(f"attempt {attempt}/{attempts} failed: {error}; retrying in {wait:g} s")
            sleep(wait)


def remove_stale_temporaries(destination: str | os.PathLike) -> list[Path]:
    """The `.<name>.*.tmp` files atomic_path leaves when a process is killed outright."""
    target = Path(destination)
    if not target.parent.is_dir():
        return []
    stale = sorted(target.parent.glob(f".{target.name}.*.tmp"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


@contextlib.contextmanager
def _sigterm_unwinds():
    """Turn SIGTERM (Snakemake or Slurm stopping the job) into an exception, so that the
    temporary file is removed on the way out; the process still exits 143."""

    def handle(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
