"""The model registry: every network of the report, built by name from explicit arguments.

`build_model(name, **args)` is the only way the pipeline makes a model, so a checkpoint's
(`model`, `model_args`) pair rebuilds it exactly. Each entry also says which input it
reads (`image`, `char` or `word` ids), so the training engine knows what to feed it.
The initialisations live in init_schemes.py, the text models' hand-written kernels (and
the choice of which one a forward pass takes) in kernels.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .init_schemes import cifar_cnn_init_, glorot_uniform_, tf1_recurrent_init_
from .kernels import OneHotConv1d, fused_states, gru_states, recurrence_path, tf1_gru_states
from .model_kinds import DROPOUT_SITES, MODEL_KINDS, ModelKind, model_kind

CHAR_VOCAB = 256


# ----------------------------------------------------------------------------- layers
def same_max_pool1d(x: torch.Tensor, window: int, stride: int) -> torch.Tensor:
    """TF's max_pool with padding='SAME' on [batch, channels, time]."""
    length = x.shape[-1]
    out_len = math.ceil(length / stride)
    pad = max((out_len - 1) * stride + window - length, 0)
    x = F.pad(x, (pad // 2, pad - pad // 2), value=float("-inf"))
    return F.max_pool1d(x, window, stride)


# ----------------------------------------------------------------------------- Part A
class CifarCNN(nn.Module):
    """C1 conv 9x9 -> S1 pool 2 -> C2 conv 5x5 -> S2 pool 2 -> F3 dense -> F4 logits."""

    def __init__(self, c1: int = 50, c2: int = 60, f3: int = 300, dropout: float = 0.0,
                 num_classes: int = 10, init: str = "starter"):
        super().__init__()
        self.conv1 = nn.Conv2d(3, c1, 9)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.fc3 = nn.Linear(c2 * 4 * 4, f3)
        self.fc4 = nn.Linear(f3, num_classes)
        self.dropout = nn.Dropout(dropout)
        if init in ("starter", "fan_in"):
            cifar_cnn_init_(self, init)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r} for cifar_cnn; valid: starter, fan_in, torch")

    def features(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """The activations the report shows as feature maps."""
        c1 = F.relu(self.conv1(images))
        s1 = F.max_pool2d(c1, 2, 2)
        c2 = F.relu(self.conv2(s1))
        s2 = F.max_pool2d(c2, 2, 2)
        return {"C1": c1, "S1": s1, "C2": c2, "S2": s2}

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        s2 = self.features(images)["S2"]
        hidden = self.dropout(F.relu(self.fc3(s2.flatten(1))))
        return self.fc4(hidden)


# ----------------------------------------------------------------------------- Part B
CNN_DROPOUT_SITES = DROPOUT_SITES["cnn"]


class TextCNN(nn.Module):
    """Course char/word CNN: conv 20 -> pool 4/2 SAME -> conv 20 -> pool 4/2 SAME ->
    max over time -> dense. Dropout acts on the 10 max features (`dropout_at: features`,
    the default) or on the pooled maps before the max (`pool`: the course's TF pattern
    `dropout(pool2) -> reduce_max`, where the max recovers most of what was dropped);
    `dropout_after_pool1` adds it after the first pool too."""

    def __init__(self, input_kind: str, vocab_size: int = CHAR_VOCAB, embed_dim: int = 20,
                 filters: int = 10, kernel: int = 20, pool_window: int = 4, pool_stride: int = 2,
                 num_classes: int = 15, dropout: float = 0.0, dropout_after_pool1: bool = False,
                 dropout_at: str = "features", init: str = "tf1"):
        super().__init__()
        if dropout_at not in CNN_DROPOUT_SITES:
            raise ValueError(f"unknown dropout_at {dropout_at!r} for text CNN; valid: {', '.join(CNN_DROPOUT_SITES)}")
        self.input_kind, self.dropout_at = input_kind, dropout_at
        self.pool = (pool_window, pool_stride)
        if input_kind == "char":
            self.conv1 = OneHotConv1d(vocab_size, filters, kernel)
            c1_fan = (kernel * vocab_size, kernel * vocab_size * filters)
        else:
            self.embedding = nn.Embedding(vocab_size, embed_dim)
            self.conv1 = nn.Conv1d(embed_dim, filters, kernel)
            c1_fan = (kernel * embed_dim, kernel * embed_dim * filters)
        self.conv2 = nn.Conv1d(filters, filters, kernel)
        self.dense = nn.Linear(filters, num_classes)
        self.dropout = nn.Dropout(dropout)
        self.pool_dropout = nn.Dropout(dropout if dropout_after_pool1 else 0.0)
        if init == "tf1":
            if input_kind == "word":
                glorot_uniform_(self.embedding.weight, vocab_size, embed_dim)
            glorot_uniform_(self.conv1.weight, *c1_fan)
            glorot_uniform_(self.conv2.weight, kernel * filters, kernel * filters)
            glorot_uniform_(self.dense.weight, filters, num_classes)
            for layer in (self.conv1, self.conv2, self.dense):
                nn.init.zeros_(layer.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r} for text CNN; valid: tf1, torch")

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = ids if self.input_kind == "char" else self.embedding(ids).transpose(1, 2)
        x = same_max_pool1d(F.relu(self.conv1(x)), *self.pool)
        x = self.pool_dropout(x)
        x = same_max_pool1d(F.relu(self.conv2(x)), *self.pool)
        if self.dropout_at == "pool":
            return self.dense(self.dropout(x).amax(dim=2))
        return self.dense(self.dropout(x.amax(dim=2)))


# Parameter storage of each cell; gru_tf1 has nn.GRU's parameters with TF1's candidate.
RECURRENT_CELLS = {"gru": nn.GRU, "gru_tf1": nn.GRU, "lstm": nn.LSTM, "vanilla": nn.RNN}
RNN_DROPOUT_SITES = DROPOUT_SITES["rnn"]
# What of an LSTM's final state the dense layer reads: h (the output, as the course's
# GRU code reads its state), c (the cell state: a TF1 LSTMStateTuple's first field) or
# ch (both, concatenated: TF1's state_is_tuple=False).
LSTM_READOUTS = ("h", "c", "ch")


class TextRNN(nn.Module):
    """Course char/word RNN: (one-hot | embedding) -> recurrent layers -> last state ->
    dense, with dropout on the last state (the default) or on every step's input."""

    def __init__(self, input_kind: str, vocab_size: int = CHAR_VOCAB, embed_dim: int = 20,
                 hidden: int = 20, cell: str = "gru", layers: int = 1, num_classes: int = 15,
                 dropout: float = 0.0, dropout_at: str = "state", init: str = "tf1", readout: str = "h"):
        super().__init__()
        if cell not in RECURRENT_CELLS:
            raise ValueError(f"unknown cell {cell!r}; valid: {', '.join(RECURRENT_CELLS)}")
        if dropout_at not in RNN_DROPOUT_SITES:
            raise ValueError(f"unknown dropout_at {dropout_at!r} for text RNN; valid: {', '.join(RNN_DROPOUT_SITES)}")
        if readout not in LSTM_READOUTS or (readout != "h" and cell != "lstm"):
            raise ValueError(f"readout {readout!r} with cell {cell!r}: only an lstm reads c; valid: {', '.join(LSTM_READOUTS)}")
        self.input_kind, self.cell, self.vocab_size = input_kind, cell, vocab_size
        self.dropout_at, self.readout = dropout_at, readout
        if input_kind == "word":
            self.embedding = nn.Embedding(vocab_size, embed_dim)
            input_size = embed_dim
        else:
            input_size = vocab_size
        self.rnn = RECURRENT_CELLS[cell](input_size, hidden, num_layers=layers, batch_first=True)
        read_width = 2 * hidden if readout == "ch" else hidden
        self.dense = nn.Linear(read_width, num_classes)
        self.dropout = nn.Dropout(dropout)
        if init == "tf1":
            if input_kind == "word":
                glorot_uniform_(self.embedding.weight, vocab_size, embed_dim)
            tf1_recurrent_init_(self.rnn, cell)
            glorot_uniform_(self.dense.weight, read_width, num_classes)
            nn.init.zeros_(self.dense.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r} for text RNN; valid: tf1, torch")

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        state_dropout = self.dropout if self.dropout_at == "state" else nn.Identity()
        return self.dense(state_dropout(self._read(*self._final_states(ids))))

    def _final_states(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The last layer's final state h [B, H] and, for an LSTM, its cell state c,
        along the path kernels.recurrence_path chooses (it says why each exists)."""
        path = recurrence_path(self.cell, self.input_kind, ids.device)
        if path == "nn":
            _, state = self.rnn(self._inputs(ids))
            return (state[0][-1], state[1][-1]) if self.cell == "lstm" else (state[-1], None)
        gates = self._first_input_gates(ids)
        if path == "tf1_gru":
            return tf1_gru_states(gates, self.rnn)[-1], None
        if path == "gru_kernel":
            return gru_states(gates, self.rnn)[-1], None
        return fused_states(gates, self.rnn)

    def _read(self, h: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if self.readout == "h":
            return h
        return c if self.readout == "c" else torch.cat([c, h], dim=-1)

    def _inputs(self, ids: torch.Tensor) -> torch.Tensor:
        """Every step's input [B, T, features], with input dropout if so configured."""
        x = self.embedding(ids) if self.input_kind == "word" else F.one_hot(ids, self.vocab_size).float()
        return self.dropout(x) if self.dropout_at == "inputs" else x

    def _first_input_gates(self, ids: torch.Tensor) -> torch.Tensor:
        """x W_ih^T + b_ih of the first layer, time-major. Over one-hot chars the product
        is a look-up of W_ih's column for each byte; input dropout on a one-hot vector
        keeps or drops its one byte, so it drops (or scales) that column."""
        weight, bias = self.rnn.weight_ih_l0, self.rnn.bias_ih_l0
        if self.input_kind == "word":
            gates = F.linear(self._inputs(ids), weight, bias)
        else:
            columns = F.embedding(ids, weight.t())
            if self.dropout_at == "inputs" and self.training and self.dropout.p > 0:
                keep = torch.empty(ids.shape + (1,), device=ids.device).bernoulli_(1 - self.dropout.p)
                columns = columns * keep / (1 - self.dropout.p)
            gates = columns + bias
        return gates.transpose(0, 1).contiguous()


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class ModelEntry:
    factory: Callable[..., nn.Module]
    input_kind: str  # "image", "char" or "word": which prepared data the model reads


def _factory(kind: ModelKind) -> Callable[..., nn.Module]:
    if kind.family == "cifar":
        return CifarCNN
    network = {"cnn": TextCNN, "rnn": TextRNN}[kind.family]
    return lambda **args: network(kind.input_kind, **args)


# Built from model_kinds.MODEL_KINDS, the torch-free table the config checks read.
MODELS: dict[str, ModelEntry] = {name: ModelEntry(_factory(kind), kind.input_kind) for name, kind in MODEL_KINDS.items()}


def model_entry(name: str) -> ModelEntry:
    model_kind(name)  # an unknown name: one line naming the valid models
    return MODELS[name]


def build_model(name: str, **args) -> nn.Module:
    return model_entry(name).factory(**args)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
