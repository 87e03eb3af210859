"""Feature maps of a trained CIFAR CNN (Part A, experiment 2)."""

from __future__ import annotations

import torch

from .atomic import save_figure
from .cifar import CLASS_NAMES, read_images
from .errors import PipelineError
from .models import build_model


def load_trained(weights_path: str) -> torch.nn.Module:
    """Rebuild a model from a checkpoint's (model, model_args, state_dict)."""
    checkpoint = torch.load(weights_path, map_location="cpu", weights_only=True)
    model = build_model(checkpoint["model"], **checkpoint["model_args"])
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()


@torch.no_grad()
def activations(model, image_uint8) -> dict:
    x = torch.tensor(image_uint8, dtype=torch.float32).div(255.0).unsqueeze(0)  # a copy: read-only arrays warn
    return {name: value[0].numpy() for name, value in model.features(x).items()}


def write_feature_maps(weights_path: str, test_path: str, images: list[int], outputs: list[str]) -> None:
    from .plots import feature_maps_figure

    model = load_trained(weights_path)
    pixels, labels = read_images(test_path)
    for index, output in zip(images, outputs):
        if index >= len(pixels):
            raise PipelineError(f"config key partA.feature_map_images: image {index} is beyond the {len(pixels)} test images")
        figure = feature_maps_figure(pixels[index], activations(model, pixels[index]),
                                     f"Test image {index} ({CLASS_NAMES[labels[index]]}): feature maps of the trained baseline")
        save_figure(output, figure)
