import os
import pickle
import re

import numpy as np
import pytest
from conftest import SHARED_DATA, cifar_batch_bytes

from cz4042 import cifar
from cz4042.errors import PipelineError


def test_parse_batch_with_bytes_or_str_keys():
    raw = cifar_batch_bytes(5)
    pixels, labels = cifar.parse_batch(raw, "x")
    assert pixels.shape == (5, 3072) and pixels.dtype == np.uint8
    assert labels.tolist() == [0, 1, 2, 3, 4]
    as_str = {k.decode(): v for k, v in pickle.loads(raw).items()}
    pixels2, labels2 = cifar.parse_batch(pickle.dumps(as_str), "x")
    assert np.array_equal(pixels, pixels2) and np.array_equal(labels, labels2)


@pytest.mark.parametrize("raw, message", [
    (b"not a pickle", "not a CIFAR-10 python batch"),
    (pickle.dumps([1, 2]), "not a dict"),
    (pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}), "expected uint8 (N, 3072)"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}), "image 1 has label 10"),
])
def test_bad_batches_name_the_source(raw, message):
    with pytest.raises(PipelineError, match=re.escape(message)) as error:
        cifar.parse_batch(raw, "config key course_files.cifar_train (f)")
    assert str(error.value).startswith("config key course_files.cifar_train (f)")


def test_parquet_round_trip_recovers_n_3_32_32(tmp_path):
    pixels, labels = cifar.parse_batch(cifar_batch_bytes(7), "x")
    source = tmp_path / "batch"
    source.write_bytes(cifar_batch_bytes(7))
    counts = cifar.prepare({"file": str(source), "key": "k"}, {"file": str(source), "key": "k"}, None, 3,
                           tmp_path / "train.parquet", tmp_path / "test.parquet")
    assert counts == {"train": 7, "test": 3}
    images, read_labels = cifar.read_images(tmp_path / "train.parquet")
    assert images.shape == (7, 3, 32, 32)
    assert np.array_equal(images.reshape(7, -1), pixels) and np.array_equal(read_labels, labels)
    # channel planes: the first 1024 bytes are the red plane, row-major
    assert images[0, 0, 0, 1] == pixels[0, 1] and images[0, 1, 0, 0] == pixels[0, 1024]


def test_requesting_more_images_than_present_fails(tmp_path):
    source = tmp_path / "batch"
    source.write_bytes(cifar_batch_bytes(4))
    with pytest.raises(PipelineError, match="holds 4 images, 10 requested"):
        cifar.prepare({"file": str(source), "key": "k"}, {"file": str(source), "key": "k"}, 10, 2,
                      tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert not (tmp_path / "a.parquet").exists()


def test_starter_layout_reproduces_the_starter_reshape_on_a_known_image():
    """The 2019 starter: reshape(row, [32, 32, 3]), read as channels-last. On a row whose
    bytes are their own position mod 256, pixel (i, j) channel c holds (96 i + 3 j + c)."""
    row = (np.arange(3072) % 256).astype(np.uint8)
    planar = row.reshape(1, 3, 32, 32)  # what read_images returns: R, G, B planes
    scrambled = cifar.starter_layout(planar)
    assert scrambled.shape == (1, 3, 32, 32)
    for c, i, j in [(0, 0, 0), (1, 0, 0), (2, 0, 1), (0, 5, 7), (2, 31, 31)]:
        assert scrambled[0, c, i, j] == (96 * i + 3 * j + c) % 256
    assert not np.array_equal(scrambled, planar)


def test_pixel_scalings():
    train = np.array([[0, 10, 255], [50, 20, 0]], dtype=np.uint8)
    test = np.array([[25, 30, 255]], dtype=np.uint8)
    unit_train, unit_test = cifar.scale_pixels(train, test, "unit")
    assert unit_train.dtype == np.float32 and unit_test[0, 2] == 1.0
    minmax_train, minmax_test = cifar.scale_pixels(train, test, "starter_minmax")
    # per feature: (x - min_train) / max_train
    np.testing.assert_allclose(minmax_train, [[0, 0, 1], [1, 0.5, 0]])
    np.testing.assert_allclose(minmax_test, [[0.5, 1.0, 1.0]])


class _WritesMarker:
    """A pickle that, loaded with plain pickle, runs `call(*args)`."""

    def __init__(self, call, args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


@pytest.mark.parametrize("call, protocol, refused", [
    (os.system, 2, f"{os.system.__module__}.system"),
    (exec, 4, "builtins.exec"),
    (exec, 2, "__builtin__.exec"),  # protocol <= 2 writes Python 2's module names
])
def test_a_batch_that_would_run_code_is_refused_and_nothing_runs(tmp_path, call, protocol, refused):
    marker = tmp_path / "ran"
    args = (f"touch {marker}",) if call is os.system else (f"open({str(marker)!r}, 'w').close()",)
    raw = pickle.dumps({b"data": _WritesMarker(call, args), b"labels": [0]}, protocol=protocol)
    source = f"config key course_files.cifar_train ({tmp_path / 'data_batch_1'})"
    with pytest.raises(PipelineError) as error:
        cifar.parse_batch(raw, source)
    message = str(error.value)
    assert message.startswith(source) and refused in message and "\n" not in message
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_restricted_loading_gives_what_pickle_gives(protocol):
    batch = pickle.loads(cifar_batch_bytes(9))
    pixels, labels = cifar.parse_batch(pickle.dumps(batch, protocol=protocol), "x")
    assert np.array_equal(pixels, batch[b"data"]) and labels.tolist() == batch[b"labels"]


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"course data folder {SHARED_DATA} is absent")
@pytest.mark.parametrize("name", ["data_batch_1", "test_batch_trim"])
def test_the_course_batches_load_as_pickle_loads_them(name):
    raw = (SHARED_DATA / "cifar10" / name).read_bytes()
    batch = pickle.loads(raw, encoding="latin1")  # the course's own files: trusted here (str keys)
    pixels, labels = cifar.parse_batch(raw, name)
    assert np.array_equal(pixels, batch["data"]) and labels.tolist() == batch["labels"]
