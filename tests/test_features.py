"""Feature maps of a trained CIFAR CNN: rebuilt from its checkpoint, one grid per layer."""

import numpy as np
import pytest
import torch

from cz4042 import cifar, features, models
from cz4042.atomic import save_torch, write_parquet
from cz4042.errors import PipelineError

ARGS = {"c1": 4, "c2": 6, "f3": 8}


@pytest.fixture
def trained(tmp_path):
    """A checkpoint as training writes it, and a test set of three images."""
    torch.manual_seed(0)
    model = models.build_model("cifar_cnn", **ARGS)
    weights = tmp_path / "model.pt"
    save_torch(weights, {"model": "cifar_cnn", "model_args": ARGS, "state_dict": model.state_dict()})
    pixels = np.random.default_rng(0).integers(0, 256, (3, 3072), dtype=np.uint8)
    test = tmp_path / "test.parquet"
    write_parquet(str(test), cifar.to_table(pixels, np.array([0, 3, 9])))
    return model, weights, test


def test_feature_maps_of_a_tiny_model_have_each_layers_shape(trained):
    model, weights, test = trained
    rebuilt = features.load_trained(str(weights))
    assert not rebuilt.training
    for name, tensor in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[name], tensor), name
    pixels, _ = cifar.read_images(test)
    maps = features.activations(rebuilt, pixels[0])
    assert {name: value.shape for name, value in maps.items()} == {
        "C1": (4, 24, 24), "S1": (4, 12, 12), "C2": (6, 8, 8), "S2": (6, 4, 4)}
    assert all(isinstance(value, np.ndarray) and (value >= 0).all() for value in maps.values())  # after ReLU


def test_write_feature_maps_draws_the_chosen_images(trained, tmp_path):
    _, weights, test = trained
    outputs = [tmp_path / "maps_2.png", tmp_path / "maps_0.png"]
    features.write_feature_maps(str(weights), str(test), [2, 0], [str(p) for p in outputs])
    for path in outputs:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_image_beyond_the_test_set_fails_naming_the_key(trained, tmp_path):
    _, weights, test = trained
    with pytest.raises(PipelineError, match="config key partA.feature_map_images: image 3 is beyond the 3 test images"):
        features.write_feature_maps(str(weights), str(test), [3], [str(tmp_path / "maps_3.png")])
    assert not (tmp_path / "maps_3.png").exists()
