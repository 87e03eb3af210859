"""Write files so that an interrupted job never leaves one that looks complete.

Every writer puts its bytes under a temporary name in the destination folder and
renames it into place only after the write succeeded (a rename within one file system
is atomic on POSIX).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600; give the file the mode an ordinary write would have, so
        # that teammates on a shared cluster can read resources/ and results/.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)  # reading it means setting it; put it straight back
    os.umask(current)
    return current


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_parquet(path: str | os.PathLike, table) -> None:
    """Write a pandas DataFrame or a pyarrow Table as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_csv(path: str | os.PathLike, frame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_figure(path: str | os.PathLike, figure) -> None:
    """Save a matplotlib figure; the format follows the final name's suffix."""
    target = Path(path)
    with atomic_path(target) as tmp:
        figure.savefig(tmp, format=target.suffix.lstrip(".") or "png", dpi=120, bbox_inches="tight")


def save_torch(path: str | os.PathLike, obj) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
