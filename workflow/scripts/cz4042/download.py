"""Fetch an archive over HTTP(S) and keep it only if it is the file we expect."""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from .atomic import atomic_path
from .errors import PipelineError

CHUNK = 1 << 20


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
    timeout_s: float = 60.0,
) -> None:
    """Download `url` to `destination`, verifying its checksum and tar layout first.

    The bytes go to a temporary file beside `destination`, which is renamed into place
    only when every check passed, so a failure leaves nothing behind.
    """
    algorithm, expected = parse_checksum(checksum)
    with atomic_path(destination) as tmp:
        digest = hashlib.new(algorithm)
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response, open(tmp, "wb") as out:
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except urllib.error.HTTPError as error:
            raise PipelineError(f"{url}: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            raise PipelineError(f"{url}: download failed ({error})") from None
        actual = digest.hexdigest()
        if actual != expected:
            raise PipelineError(
                f"{url}: {algorithm} mismatch, expected {expected}, got {actual} "
                f"({Path(tmp).stat().st_size} bytes)"
            )
        check_tar_members(tmp, list(required_members), url)
