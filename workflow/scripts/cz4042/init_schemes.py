"""Weight initialisations of the report's code: the 2019 CIFAR starter's (with its
quirks) and TF1's defaults for the text models, each as torch draws them, so that a
model built under a seed starts where it did before (the draws' order is part of it)."""

from __future__ import annotations

import math

import torch
from torch import nn


def truncated_normal_(tensor: torch.Tensor, std: float) -> torch.Tensor:
    """TF's truncated_normal: a normal with `std`, redrawn beyond 2 std."""
    return nn.init.trunc_normal_(tensor, mean=0.0, std=std, a=-2 * std, b=2 * std)


def glorot_uniform_(tensor: torch.Tensor, fan_in: int, fan_out: int) -> torch.Tensor:
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.init.uniform_(tensor, -limit, limit)


def cifar_cnn_init_(model: nn.Module, init: str) -> None:
    """starter: the starter code took conv std from the *image's* 3 channels for C2 too,
    and the product fan_in*fan_out for the dense layers; fan_in: the textbook
    1/sqrt(fan_in) everywhere. Truncated normal weights, zero biases."""
    c1, f3, classes = model.conv2.in_channels, model.fc3.out_features, model.fc4.out_features
    c2_in = 3 if init == "starter" else c1
    stds = {
        model.conv1: 1 / math.sqrt(3 * 9 * 9),
        model.conv2: 1 / math.sqrt(c2_in * 5 * 5),
        model.fc3: 1 / math.sqrt(model.fc3.in_features * (f3 if init == "starter" else 1)),
        model.fc4: 1 / math.sqrt(f3 * (classes if init == "starter" else 1)),
    }
    for layer, std in stds.items():
        truncated_normal_(layer.weight, std)
        nn.init.zeros_(layer.bias)


# Rows of nn's recurrent weights that one TF1 kernel covers, per cell, in gate units.
TF1_GATE_GROUPS = {"gru": [2, 1], "gru_tf1": [2, 1], "lstm": [4], "vanilla": [1]}


def tf1_recurrent_init_(rnn: nn.RNNBase, cell: str) -> None:
    """TF1 cells keep one kernel [input + hidden, gates * hidden] per gate group,
    Glorot-uniform; GRU gate biases start at 1.0 and LSTM adds forget_bias 1.0."""
    hidden = rnn.hidden_size
    for layer in range(rnn.num_layers):
        fan_in = (rnn.input_size if layer == 0 else hidden) + hidden
        w_ih = getattr(rnn, f"weight_ih_l{layer}")
        w_hh = getattr(rnn, f"weight_hh_l{layer}")
        b_ih = getattr(rnn, f"bias_ih_l{layer}")
        b_hh = getattr(rnn, f"bias_hh_l{layer}")
        start = 0
        with torch.no_grad():
            for gates in TF1_GATE_GROUPS[cell]:
                rows = slice(start, start + gates * hidden)
                glorot_uniform_(w_ih[rows], fan_in, gates * hidden)
                glorot_uniform_(w_hh[rows], fan_in, gates * hidden)
                start += gates * hidden
            b_ih.zero_()
            b_hh.zero_()
            if cell.startswith("gru"):
                b_ih[: 2 * hidden] = 1.0
            elif cell == "lstm":
                b_ih[hidden: 2 * hidden] = 1.0
