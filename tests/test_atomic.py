import pandas as pd
import pytest

from cz4042 import atomic


def test_failed_write_leaves_neither_target_nor_temporary(tmp_path):
    target = tmp_path / "out" / "table.csv"
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert not target.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_failed_rewrite_keeps_the_previous_file(tmp_path):
    target = tmp_path / "keep.txt"
    atomic.write_text(target, "complete")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError
    assert target.read_text() == "complete"


def test_parquet_round_trip(tmp_path):
    frame = pd.DataFrame({"label": [1, 2], "text": ["a", "é"]})
    atomic.write_parquet(tmp_path / "f.parquet", frame)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), frame)


def test_written_files_get_the_mode_an_ordinary_write_would(tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "shared.txt", "x")
        ordinary = tmp_path / "ordinary.txt"
        ordinary.write_text("x")
        assert (tmp_path / "shared.txt").stat().st_mode & 0o777 == ordinary.stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        atomic.write_text(tmp_path / "private.txt", "x")
        assert (tmp_path / "private.txt").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(previous)
