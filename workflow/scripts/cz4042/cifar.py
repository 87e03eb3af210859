"""CIFAR-10 python-version batches: parse, check, and store as Parquet."""

from __future__ import annotations

import io
import os
import pickle
import tarfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import PipelineError

IMAGE_SHAPE = (3, 32, 32)
PIXELS = 3 * 32 * 32
NUM_CLASSES = 10
ARCHIVE_FOLDER = "cifar-10-batches-py"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


# The only globals a CIFAR-10 batch's pickle names (logged from the course files and the
# official layout under numpy 1 and 2, protocols 0-5): numpy's array and dtype rebuilders,
# and _codecs.encode, by which protocol <= 2 stores bytes. Plain pickle would call any
# global a file names, so a crafted batch could run code; these only build data.
BATCH_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
})


class _BatchUnpickler(pickle.Unpickler):
    def __init__(self, raw: bytes, source: str):
        super().__init__(io.BytesIO(raw), encoding="bytes")
        self.source = source

    def find_class(self, module: str, name: str):
        if (module, name) not in BATCH_GLOBALS:
            raise PipelineError(f"{self.source}: refused to load {module}.{name} from the pickle "
                                "(a CIFAR-10 batch holds only dicts, lists, bytes, ints and numpy arrays)")
        return super().find_class(module, name)


def parse_batch(raw: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (pixels uint8 [N, 3072], labels int64 [N]) from a pickled batch's bytes."""
    try:
        batch = _BatchUnpickler(raw, source).load()
    except PipelineError:
        raise
    except Exception as error:  # pickle raises many types for non-pickle input
        raise PipelineError(f"{source}: not a CIFAR-10 python batch ({type(error).__name__}: {error})") from None
    if not isinstance(batch, dict):
        raise PipelineError(f"{source}: not a CIFAR-10 python batch (a {type(batch).__name__}, not a dict)")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise PipelineError(f"{source}: CIFAR-10 batch lacks 'data' or 'labels' (keys: {sorted(batch)})")
    pixels = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if pixels.dtype != np.uint8 or pixels.ndim != 2 or pixels.shape[1] != PIXELS:
        raise PipelineError(f"{source}: 'data' is {pixels.dtype} {pixels.shape}, expected uint8 (N, {PIXELS})")
    if labels.shape != (pixels.shape[0],):
        raise PipelineError(f"{source}: {labels.shape[0]} labels for {pixels.shape[0]} images")
    bad = np.flatnonzero((labels < 0) | (labels >= NUM_CLASSES))
    if bad.size:
        raise PipelineError(f"{source}: image {bad[0]} has label {labels[bad[0]]}, outside 0..{NUM_CLASSES - 1}")
    return pixels, labels


def read_batch_file(path: str | os.PathLike, source: str) -> tuple[np.ndarray, np.ndarray]:
    if not os.path.isfile(path):
        raise PipelineError(f"{source}: no such file")
    with open(path, "rb") as handle:
        return parse_batch(handle.read(), source)


def read_archive_batches(archive_path: str | os.PathLike, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the named batches (e.g. data_batch_1) of the official archive."""
    pixels, labels = [], []
    with tarfile.open(archive_path) as archive:
        for name in names:
            member = f"{ARCHIVE_FOLDER}/{name}"
            source = f"{archive_path}:{member}"
            try:
                raw = archive.extractfile(member).read()
            except KeyError:
                raise PipelineError(f"{source}: no such member in the archive") from None
            batch_pixels, batch_labels = parse_batch(raw, source)
            pixels.append(batch_pixels)
            labels.append(batch_labels)
    return np.concatenate(pixels), np.concatenate(labels)


def take_first(pixels: np.ndarray, labels: np.ndarray, count: int | None, source: str):
    """Keep the first `count` images (all when None); fail if there are fewer."""
    if count is None:
        return pixels, labels
    if pixels.shape[0] < count:
        raise PipelineError(f"{source}: holds {pixels.shape[0]} images, {count} requested")
    return pixels[:count], labels[:count]


def to_table(pixels: np.ndarray, labels: np.ndarray) -> pa.Table:
    """One row per image: its position, label and 3072 raw bytes (C, H, W order)."""
    flat = pa.array(np.ascontiguousarray(pixels).reshape(-1), type=pa.uint8())
    rows = pa.FixedSizeListArray.from_arrays(flat, PIXELS)
    return pa.table(
        {
            "index": pa.array(np.arange(len(labels), dtype=np.int32)),
            "label": pa.array(labels.astype(np.int8)),
            "pixels": rows,
        }
    )


def read_images(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a Parquet written by `to_table`: (uint8 [N, 3, 32, 32], int64 [N])."""
    table = pq.read_table(path)
    flat = table.column("pixels").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    pixels = flat.reshape(-1, *IMAGE_SHAPE)
    labels = table.column("label").to_numpy().astype(np.int64)
    return pixels, labels


def starter_layout(pixels: np.ndarray) -> np.ndarray:
    """What the 2019 starter fed its network: each 3072-byte row (1024 R, 1024 G, 1024 B
    values, each plane row-major) reshaped as [32, 32, 3] (channels last), which
    scrambles every image; returned channels-first like `read_images`' images."""
    rows = pixels.reshape(len(pixels), -1)
    return np.ascontiguousarray(rows.reshape(-1, 32, 32, 3).transpose(0, 3, 1, 2))


def scale_pixels(train: np.ndarray, test: np.ndarray, scaling: str) -> tuple[np.ndarray, np.ndarray]:
    """float32 inputs from uint8 images: unit is x / 255 (the course's scaling);
    starter_minmax is the starter's per-feature (x - min) / max, with the training
    set's min and max for both sets (a feature whose max is 0 stays 0)."""
    if scaling == "unit":
        return train.astype(np.float32) / np.float32(255.0), test.astype(np.float32) / np.float32(255.0)
    if scaling != "starter_minmax":
        raise ValueError(f"unknown pixel_scaling {scaling!r}; valid: unit, starter_minmax")
    low = train.min(axis=0).astype(np.float32)
    high = train.max(axis=0).astype(np.float32)
    high[high == 0] = 1.0
    return (train - low) / high, (test - low) / high


def read_source(source: dict) -> tuple[np.ndarray, np.ndarray]:
    """source: {"file": path, "key": config key} for a course file, or
    {"archive": path, "batches": [names]} for the official archive."""
    if "file" in source:
        return read_batch_file(source["file"], f"config key {source['key']} ({source['file']})")
    return read_archive_batches(source["archive"], source["batches"])


def prepare(train_source: dict, test_source: dict, n_train: int | None, n_test: int | None,
            train_out: str, test_out: str) -> dict[str, int]:
    """Write the training and test Parquet files; return their image counts."""
    from .atomic import write_parquet

    counts = {}
    for name, source, count, out in (("train", train_source, n_train, train_out), ("test", test_source, n_test, test_out)):
        pixels, labels = take_first(*read_source(source), count, str(source.get("file") or source.get("archive")))
        write_parquet(out, to_table(pixels, labels))
        counts[name] = len(labels)
    return counts
