"""DBpedia ontology csv files (`label,title,text`): parse, check, sample."""

from __future__ import annotations

import csv
import io
import os
import tarfile

import numpy as np
import pandas as pd

from .errors import PipelineError

NUM_CLASSES = 14
ARCHIVE_FOLDER = "dbpedia_csv"
COLUMNS = ["label", "title", "text"]


def parse_csv(raw: bytes, source: str) -> pd.DataFrame:
    """Parse `label,title,text` rows, quoted (official archive) or not (course files).

    The whole file goes through one csv reader, so a quoted field spanning lines (valid
    RFC 4180, as spreadsheet and pandas exports write it) stays one row; LF and CRLF
    line endings give the same rows, and so does a leading UTF-8 byte order mark (which
    spreadsheet programs write). Any malformed row is an error naming `source` and
    the 1-based line its row starts on.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise PipelineError(f"{source}, line {line}: bytes that are not UTF-8 at column {column}") from None
    labels, titles, texts = [], [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 1
    try:
        for fields in reader:
            if fields:
                label, title, body = _check_row(fields, source, number)
                labels.append(label)
                titles.append(title)
                texts.append(body)
            number = reader.line_num + 1
    except csv.Error as error:
        raise PipelineError(f"{source}, line {number}: {error}") from None
    if not labels:
        raise PipelineError(f"{source}: no rows")
    return pd.DataFrame({"label": np.asarray(labels, dtype=np.int8), "title": titles, "text": texts})


def _check_row(fields: list[str], source: str, number: int) -> tuple[int, str, str]:
    if len(fields) != 3:
        raise PipelineError(f"{source}, line {number}: {len(fields)} fields, expected 3 (label,title,text)")
    label, title, text = fields
    try:
        value = int(label)
    except ValueError:
        raise PipelineError(f"{source}, line {number}: label {label!r} is not an integer") from None
    if not 1 <= value <= NUM_CLASSES:
        raise PipelineError(f"{source}, line {number}: label {value} outside 1..{NUM_CLASSES}")
    if not text.strip():
        raise PipelineError(f"{source}, line {number}: empty text")
    return value, title, text


def read_csv_file(path: str | os.PathLike, source: str) -> pd.DataFrame:
    if not os.path.isfile(path):
        raise PipelineError(f"{source}: no such file")
    with open(path, "rb") as handle:
        return parse_csv(handle.read(), source)


def read_archive_split(archive_path: str | os.PathLike, split: str) -> pd.DataFrame:
    """Read `dbpedia_csv/<split>.csv` from the official archive."""
    member = f"{ARCHIVE_FOLDER}/{split}.csv"
    with tarfile.open(archive_path) as archive:
        try:
            raw = archive.extractfile(member).read()
        except KeyError:
            raise PipelineError(f"{archive_path}:{member}: no such member in the archive") from None
    return parse_csv(raw, f"{archive_path}:{member}")


def check_structure(frame: pd.DataFrame, expected_rows: int | None, source: str, key: str) -> None:
    """The official archive has 560,000 / 70,000 rows over all 14 classes; `key` is the
    config key that says how many rows to expect."""
    if expected_rows is not None and len(frame) != expected_rows:
        raise PipelineError(f"{source}: {len(frame)} rows, expected {expected_rows} (config key {key}: set it to "
                            "the rows your mirror holds, or null to skip the check)")
    present = set(frame["label"].unique().tolist())
    missing = sorted(set(range(1, NUM_CLASSES + 1)) - present)
    if missing:
        raise PipelineError(f"{source}: no rows of class {', '.join(map(str, missing))}")


def stratified_sample(frame: pd.DataFrame, per_class: int, seed: int, source: str) -> pd.DataFrame:
    """Draw `per_class` rows of every label with a fixed seed, in the frame's order."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in range(1, NUM_CLASSES + 1):
        positions = np.flatnonzero(frame["label"].to_numpy() == label)
        if positions.size < per_class:
            raise PipelineError(f"{source}: class {label} has {positions.size} rows, {per_class} requested")
        chosen.append(rng.choice(positions, size=per_class, replace=False))
    keep = np.sort(np.concatenate(chosen))
    return frame.iloc[keep].reset_index(drop=True)


def read_source(source: dict, split: str, per_class: int, seed: int, expected_rows: int | None) -> pd.DataFrame:
    """source: {"file": path, "key": config key} (course files, used as they are) or
    {"archive": path} (official archive: structure check, then a stratified sample)."""
    if "file" in source:
        return read_csv_file(source["file"], f"config key {source['key']} ({source['file']})")
    frame = read_archive_split(source["archive"], split)
    where = f"{source['archive']}:{ARCHIVE_FOLDER}/{split}.csv"
    check_structure(frame, expected_rows, where, f"dbpedia.archive_{split}_rows")
    return stratified_sample(frame, per_class, seed, where)


def prepare(train_source: dict, test_source: dict, train_per_class: int, test_per_class: int, seed: int,
            archive_train_rows: int | None, archive_test_rows: int | None, train_out: str, test_out: str) -> dict[str, int]:
    from .atomic import write_parquet

    train = read_source(train_source, "train", train_per_class, seed, archive_train_rows)
    test = read_source(test_source, "test", test_per_class, seed, archive_test_rows)
    write_parquet(train_out, train)
    write_parquet(test_out, test)
    return {"train": len(train), "test": len(test)}
