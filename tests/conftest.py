"""Shared fixtures: tiny data in the official layouts, a
local HTTP server, and a runner for the real Snakefile in a scratch copy."""

from __future__ import annotations

import functools
import http.server
import io
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# The course files (read-only); tests that need them skip where the folder is absent.
SHARED_DATA = Path(os.environ.get("CZ4042_SHARED_DATA", ROOT.parent / "shared" / "data"))
WORKFLOW_FILES = ["Snakefile", "config.yaml", "workflow", "profiles", "overlays"]


# ----------------------------------------------------------------------------- tiny data
def cifar_batch_bytes(n: int, seed: int = 0, label_offset: int = 0) -> bytes:
    """A pickled batch in the official python layout (bytes keys, as the originals)."""
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"tiny",
        b"labels": [int((i + label_offset) % 10) for i in range(n)],
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    return pickle.dumps(batch, protocol=2)


def dbpedia_csv_bytes(per_class: int, seed: int = 0, quoted: bool = True) -> bytes:
    rng = np.random.default_rng(seed)
    words = ["river", "school", "album", "film", "village", "plant", "artist", "Company", "NASA", "café"]
    lines = []
    for label in range(1, 15):
        for i in range(per_class):
            text = " " + " ".join(rng.choice(words, size=12)) + f" class{label} item{i}"
            title = f"Title {label}-{i}"
            lines.append(f'{label},"{title}","{text}"' if quoted else f"{label},{title},{text}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar_archive(n_train: int = 300, n_test: int = 120) -> bytes:
    return tar_gz({
        **{f"cifar-10-batches-py/data_batch_{i}": cifar_batch_bytes(n_train, seed=i) for i in range(1, 6)},
        "cifar-10-batches-py/test_batch": cifar_batch_bytes(n_test, seed=2, label_offset=3),
        "cifar-10-batches-py/batches.meta": pickle.dumps({b"label_names": [b"x"] * 10}),
    })


def dbpedia_archive(train_per_class: int = 30, test_per_class: int = 8) -> bytes:
    return tar_gz({
        "dbpedia_csv/train.csv": dbpedia_csv_bytes(train_per_class, seed=1),
        "dbpedia_csv/test.csv": dbpedia_csv_bytes(test_per_class, seed=2),
        "dbpedia_csv/classes.txt": b"Company\n",
    })


# ----------------------------------------------------------------------------- HTTP
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """(folder, base URL) of an HTTP server on 127.0.0.1 serving that folder."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # a short poll: shutdown() waits for it (0.5 s by default, at every test's teardown)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# ----------------------------------------------------------------------------- workflow
def copy_workflow(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)
    return destination


def workflow_env(workdir: Path) -> dict:
    """The copy runs its own package (as `pip install -e` of that checkout would)."""
    return {**os.environ, "PYTHONPATH": str(workdir / "workflow" / "scripts")}


def run_snakemake(workdir: Path, *args: str, config: dict | None = None, check: bool = True,
                  timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the copied workflow's Snakefile in `workdir` with an overlay config."""
    command = [sys.executable, "-m", "snakemake", "--nolock", *args]
    if config is not None:
        overlay = workdir / "test_overlay.yaml"
        overlay.write_text(yaml.safe_dump(config))
        command += ["--configfile", str(overlay)]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                            env=workflow_env(workdir))
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def assert_same_run(a: Path, b: Path, run: str) -> None:
    """Run folder `run` holds the same training in workdirs a and b: every history column
    but the wall-clock seconds, and every weight, equal bitwise."""
    import pandas as pd
    import torch

    history_a = pd.read_parquet(a / run / "history.parquet").drop(columns="seconds")
    history_b = pd.read_parquet(b / run / "history.parquet").drop(columns="seconds")
    pd.testing.assert_frame_equal(history_a, history_b, check_exact=True)
    weights_a = torch.load(a / run / "model.pt", weights_only=True)["state_dict"]
    weights_b = torch.load(b / run / "model.pt", weights_only=True)["state_dict"]
    assert weights_a.keys() == weights_b.keys()
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a), run


@pytest.fixture
def workflow_copy(tmp_path):
    return copy_workflow(tmp_path / "wf")


def tiny_protocol_config(data: dict) -> dict:
    """An overlay that runs every experiment family for 1 epoch on tiny data."""
    return {
        "protocol_name": "tiny",
        "seeds": [1],
        "more_seeds": {"rows": []},
        "checkpoint_every": 1,
        "course_files": data,
        "partA": {
            "protocol": {"epochs": 1, "batch_size": 32, "optimizer": {"name": "sgd", "lr": 0.01}},
            "resources": {"threads": 1, "mem_mb": 1000, "runtime": 10},
            "grid": {"cells": [{"c1": 4, "c2": 4}, {"c1": 6, "c2": 8}]},
        },
        "partB": {
            "protocol": {"epochs": 1, "batch_size": 32},
            "resources": {"threads": 1, "mem_mb": 1000, "runtime": 10},
            # forced to blow up: the divergence path must not hold up any table or figure
            "variants": {"word_vanilla": {"optimizer": {"name": "adam", "lr": 1.0e38}}},
        },
    }


def write_tiny_course_files(folder: Path) -> dict:
    """Course-file-mode inputs: 200 training / 100 test images, 210 / 70 texts."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cifar_train": (folder / "data_batch_1", cifar_batch_bytes(200, seed=1)),
        "cifar_test": (folder / "test_batch_trim", cifar_batch_bytes(100, seed=2, label_offset=3)),
        "dbpedia_train": (folder / "train_medium.csv", dbpedia_csv_bytes(15, seed=1, quoted=False)),
        "dbpedia_test": (folder / "test_medium.csv", dbpedia_csv_bytes(5, seed=2, quoted=False)),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {key: str(path) for key, (path, _) in files.items()}


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A complete `all` of the tiny protocol: (workdir, overlay config)."""
    base = tmp_path_factory.mktemp("tiny")
    workdir = copy_workflow(base / "wf")
    config = tiny_protocol_config(write_tiny_course_files(base / "data"))
    config["cifar10"] = {"n_train": None, "n_test": None}
    run_snakemake(workdir, "--cores", "2", "all", config=config)
    return workdir, config
