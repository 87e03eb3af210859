"""The model registry: every network of the report, built by name from explicit arguments.

`build_model(name, **args)` is the only way the pipeline makes a model, so a checkpoint's
(`model`, `model_args`) pair rebuilds it exactly. Each entry also says which input it
reads (`image`, `char` or `word` ids), so the training engine knows what to feed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

CHAR_VOCAB = 256


# ----------------------------------------------------------------------------- init
def truncated_normal_(tensor: torch.Tensor, std: float) -> torch.Tensor:
    """TF's truncated_normal: a normal with `std`, redrawn beyond 2 std."""
    return nn.init.trunc_normal_(tensor, mean=0.0, std=std, a=-2 * std, b=2 * std)


def glorot_uniform_(tensor: torch.Tensor, fan_in: int, fan_out: int) -> torch.Tensor:
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.init.uniform_(tensor, -limit, limit)


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
            # The starter code took conv std from the *image's* 3 channels for C2 too,
            # and the product fan_in*fan_out for the dense layers; "fan_in" is the
            # textbook 1/sqrt(fan_in) everywhere.
            c2_in = 3 if init == "starter" else c1
            stds = {
                self.conv1: 1 / math.sqrt(3 * 9 * 9),
                self.conv2: 1 / math.sqrt(c2_in * 5 * 5),
                self.fc3: 1 / math.sqrt(self.fc3.in_features * (f3 if init == "starter" else 1)),
                self.fc4: 1 / math.sqrt(f3 * (num_classes if init == "starter" else 1)),
            }
            for layer, std in stds.items():
                truncated_normal_(layer.weight, std)
                nn.init.zeros_(layer.bias)
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
class _OneHotConv1dFunction(torch.autograd.Function):
    """conv1d(one_hot(ids), weight) without materialising the one-hot input.

    Forward: each position p gathers the row table[ids[p]] = weight[:, ids[p], :] (all
    kernel offsets at once, [K, out]); output step t sums row t+k's offset-k slice
    over k (a strided diagonal sum). Backward: the weight gradient of byte v at offset
    k is the sum of grad_out[t] over the steps t whose window holds v at offset k, an
    index_add of one [K * out] row per input position (rather than the dense
    one_hot^T @ grad_out product, or one scatter row per (window, offset) pair).
    """

    @staticmethod
    def forward(ctx, ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        out_channels, vocab, kernel = weight.shape
        batch, length = ids.shape
        steps = length - kernel + 1
        table = weight.permute(1, 2, 0).reshape(vocab, kernel * out_channels)
        rows = F.embedding(ids, table).view(batch, length, kernel, out_channels)
        s = rows.stride()
        diagonal = rows.as_strided((batch, steps, kernel, out_channels), (s[0], s[1], s[1] + s[2], s[3]))
        ctx.save_for_backward(ids)
        ctx.shape = weight.shape
        return diagonal.sum(2)  # [B, T, out]

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        (ids,) = ctx.saved_tensors
        out_channels, vocab, kernel = ctx.shape
        batch, length = ids.shape
        padded = F.pad(grad_out, (0, 0, kernel - 1, kernel - 1))  # [B, T + 2K - 2, out]
        # window p holds grad_out[p-K+1 .. p]: entry j is grad_out[p - k] for k = K-1-j,
        # so the gradient comes out with the kernel axis reversed; flipping the small
        # [vocab, K, out] result is cheaper than flipping every window.
        per_position = padded.unfold(1, kernel, 1).transpose(2, 3)  # [B, L, K, out]
        grad_table = torch.zeros(vocab, kernel * out_channels, dtype=grad_out.dtype, device=grad_out.device)
        grad_table.index_add_(0, ids.reshape(-1), per_position.reshape(batch * length, kernel * out_channels))
        return None, grad_table.view(vocab, kernel, out_channels).flip(1).permute(2, 0, 1)


class OneHotConv1d(nn.Module):
    """A 1-D convolution over one-hot ids, computed as look-ups.

    Its weight has nn.Conv1d's layout [out, vocab, kernel] and its output equals
    `conv1d(one_hot(ids).transpose(1, 2), weight, bias)` (tests check outputs and
    gradients), at a fraction of the cost: see _OneHotConv1dFunction.
    """

    def __init__(self, vocab: int, out_channels: int, kernel: int):
        super().__init__()
        self.vocab, self.kernel = vocab, kernel
        self.weight = nn.Parameter(torch.empty(out_channels, vocab, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        summed = _OneHotConv1dFunction.apply(ids, self.weight)  # [B, T, out]
        return (summed + self.bias).transpose(1, 2)


CNN_DROPOUT_SITES = ("features", "pool")


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


class _GRURecurrenceFunction(torch.autograd.Function):
    """One GRU layer's recurrence (nn.GRU's equations) given its input gates.

    On a CPU, nn.GRU runs about a dozen small kernels per time step forward and twice
    that through autograd backward; at the course's sizes (batch 128, 20 units) each
    costs its dispatch overhead, not arithmetic. Here the forward is 5 kernels per step:
    one addmm whose input already holds the input gates and the r/z biases (so its output
    is the r/z pre-activation and W_hn h + b_hn at once), sigmoid, addcmul, tanh, lerp.
    The backward folds every factor that does not depend on the incoming gradient into
    one tensor for all steps, leaving 4 kernels per step (add, broadcast mul, mul,
    addmm); the weight gradient is one matmul over all steps.
    """

    @staticmethod
    def forward(ctx, input_gates: torch.Tensor, weight_hh: torch.Tensor, bias_hh: torch.Tensor,
                h0: torch.Tensor) -> torch.Tensor:
        steps, batch, gates = input_gates.shape
        hidden = gates // 3
        # [x W_ir + b_ir + b_hr, x W_iz + b_iz + b_hz, b_hn]: what addmm adds to h W_hh^T
        addend = torch.cat([input_gates[..., :2 * hidden] + bias_hh[:2 * hidden],
                            bias_hh[2 * hidden:].expand(steps, batch, hidden)], 2)
        states = input_gates.new_empty(steps + 1, batch, hidden)
        states[0] = h0
        # per step: [r, z, W_hn h + b_hn]
        gated = input_gates.new_empty(steps, batch, gates)
        candidate = input_gates.new_empty(steps, batch, hidden)
        weight_t = weight_hh.t()
        for t in range(steps):
            h, g = states[t], gated[t]
            torch.addmm(addend[t], h, weight_t, out=g)
            g[:, :2 * hidden].sigmoid_()
            torch.addcmul(input_gates[t, :, 2 * hidden:], g[:, :hidden], g[:, 2 * hidden:],
                          out=candidate[t]).tanh_()
            torch.lerp(candidate[t], h, g[:, hidden:2 * hidden], out=states[t + 1])  # n + z * (h - n)
        ctx.save_for_backward(weight_hh, states, gated, candidate)
        return states[1:]

    @staticmethod
    def backward(ctx, grad_states: torch.Tensor):
        weight_hh, states, gated, candidate = ctx.saved_tensors
        steps, batch, hidden = candidate.shape
        r, z, hn = gated[..., :hidden], gated[..., hidden:2 * hidden], gated[..., 2 * hidden:]
        # With dh the gradient reaching h_t, the gradients of the hidden-gate
        # pre-activations are dh * [a * hn * r(1-r), (h - n) z(1-z), a * r] with
        # a = (1 - z)(1 - n^2) = d h_t / d(n before tanh): one factor per step, fixed.
        a = (1 - z) * (1 - candidate * candidate)
        factor = torch.stack([a * hn * r * (1 - r), (states[:-1] - candidate) * z * (1 - z), a * r], 2)
        grad_hidden_gates = grad_states.new_empty(steps, batch, 3, hidden)
        grad_h = grad_states.new_empty(steps, batch, hidden)  # dh reaching each step
        dh = grad_states.new_zeros(batch, hidden)
        for t in range(steps - 1, -1, -1):
            dh = torch.add(dh, grad_states[t], out=grad_h[t])
            torch.mul(dh.unsqueeze(1), factor[t], out=grad_hidden_gates[t])
            dh = torch.addmm(dh * z[t], grad_hidden_gates[t].view(batch, 3 * hidden), weight_hh)
        flat = grad_hidden_gates.view(steps * batch, 3 * hidden)
        grad_input_gates = torch.cat([grad_hidden_gates[:, :, :2].flatten(2), grad_h * a], 2)
        grad_weight = flat.t() @ states[:-1].reshape(steps * batch, hidden)
        return grad_input_gates, grad_weight, flat.sum(0), dh


def gru_states(input_gates: torch.Tensor, rnn: nn.GRU) -> torch.Tensor:
    """The last layer's states [T, B, H] of `rnn` (zero initial state), given the first
    layer's input gates [T, B, 3H] = x W_ih^T + b_ih; equal to nn.GRU's up to rounding."""
    h0 = input_gates.new_zeros(input_gates.shape[1], rnn.hidden_size)
    states = _GRURecurrenceFunction.apply(input_gates, rnn.weight_hh_l0, rnn.bias_hh_l0, h0)
    for layer in range(1, rnn.num_layers):
        gates = F.linear(states, getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"bias_ih_l{layer}"))
        states = _GRURecurrenceFunction.apply(gates, getattr(rnn, f"weight_hh_l{layer}"),
                                              getattr(rnn, f"bias_hh_l{layer}"), h0)
    return states


def tf1_gru_states(input_gates: torch.Tensor, rnn: nn.GRU) -> torch.Tensor:
    """Like gru_states, with TF1 GRUCell's candidate: the reset gate scales the state
    *before* the recurrent product, n = tanh(x W_in + b_in + (r * h) W_hn + b_hn), where
    torch and cuDNN use r * (h W_hn + b_hn). Plain autograd: an ablation, not a hot path."""
    hidden = rnn.hidden_size
    states = None
    for layer in range(rnn.num_layers):
        if layer > 0:
            input_gates = F.linear(states, getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"bias_ih_l{layer}"))
        weight, bias = getattr(rnn, f"weight_hh_l{layer}"), getattr(rnn, f"bias_hh_l{layer}")
        h = input_gates.new_zeros(input_gates.shape[1], hidden)
        outputs = []
        for gates in input_gates:
            rz = torch.sigmoid(gates[:, :2 * hidden] + F.linear(h, weight[:2 * hidden], bias[:2 * hidden]))
            r, z = rz[:, :hidden], rz[:, hidden:]
            n = torch.tanh(gates[:, 2 * hidden:] + F.linear(r * h, weight[2 * hidden:], bias[2 * hidden:]))
            h = n + z * (h - n)
            outputs.append(h)
        states = torch.stack(outputs)
    return states


def fused_states(input_gates: torch.Tensor, rnn: nn.RNNBase) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The last layer's final state [B, H] of an LSTM or tanh RNN, and the LSTM's final
    cell state (None for tanh), given the first layer's input gates [T, B, G] =
    x W_ih^T + b_ih, through torch's fused (oneDNN) kernels. The first layer is handed an
    identity input weight, so the kernel's own input product reproduces the gates
    exactly (x @ I = x); the one-hot product it replaces is ~13x the work at 256 bytes."""
    gates = input_gates.shape[-1]
    weights = [torch.eye(gates, dtype=input_gates.dtype, device=input_gates.device), rnn.weight_hh_l0,
               input_gates.new_zeros(gates), rnn.bias_hh_l0]
    for layer in range(1, rnn.num_layers):
        weights += [getattr(rnn, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    h0 = input_gates.new_zeros(rnn.num_layers, input_gates.shape[1], rnn.hidden_size)
    flags = (True, rnn.num_layers, 0.0, rnn.training, False, False)  # biases, layers, dropout, train, bidir, batch_first
    if isinstance(rnn, nn.LSTM):
        outputs, _, c = torch._VF.lstm(input_gates, (h0, h0), weights, *flags)
        return outputs[-1], c[-1]
    return torch._VF.rnn_tanh(input_gates, h0, weights, *flags)[0][-1], None


# Parameter storage of each cell; gru_tf1 has nn.GRU's parameters with TF1's candidate.
RECURRENT_CELLS = {"gru": nn.GRU, "gru_tf1": nn.GRU, "lstm": nn.LSTM, "vanilla": nn.RNN}
RNN_DROPOUT_SITES = ("state", "inputs")
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
            self._tf1_recurrent_init(hidden, layers, input_size)
            glorot_uniform_(self.dense.weight, read_width, num_classes)
            nn.init.zeros_(self.dense.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r} for text RNN; valid: tf1, torch")

    def _tf1_recurrent_init(self, hidden: int, layers: int, input_size: int) -> None:
        """TF1 cells keep one kernel [input + hidden, gates * hidden] per gate group,
        Glorot-uniform; GRU gate biases start at 1.0 and LSTM adds forget_bias 1.0."""
        groups = {"gru": [2, 1], "gru_tf1": [2, 1], "lstm": [4], "vanilla": [1]}[self.cell]
        for layer in range(layers):
            fan_in = (input_size if layer == 0 else hidden) + hidden
            w_ih = getattr(self.rnn, f"weight_ih_l{layer}")
            w_hh = getattr(self.rnn, f"weight_hh_l{layer}")
            b_ih = getattr(self.rnn, f"bias_ih_l{layer}")
            b_hh = getattr(self.rnn, f"bias_hh_l{layer}")
            start = 0
            with torch.no_grad():
                for gates in groups:
                    rows = slice(start, start + gates * hidden)
                    glorot_uniform_(w_ih[rows], fan_in, gates * hidden)
                    glorot_uniform_(w_hh[rows], fan_in, gates * hidden)
                    start += gates * hidden
                b_ih.zero_()
                b_hh.zero_()
                if self.cell.startswith("gru"):
                    b_ih[: 2 * hidden] = 1.0
                elif self.cell == "lstm":
                    b_ih[hidden: 2 * hidden] = 1.0

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        state_dropout = self.dropout if self.dropout_at == "state" else nn.Identity()
        return self.dense(state_dropout(self._read(*self._final_states(ids))))

    def _final_states(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The last layer's final state h [B, H] and, for an LSTM, its cell state c."""
        if self.cell == "gru_tf1":
            return tf1_gru_states(self._first_input_gates(ids), self.rnn)[-1], None
        if self._cpu_fp32(ids) and self.cell == "gru":
            return gru_states(self._first_input_gates(ids), self.rnn)[-1], None
        if self._cpu_fp32(ids) and self.input_kind == "char":
            return fused_states(self._first_input_gates(ids), self.rnn)
        # nn's kernels: cuDNN on GPUs, oneDNN's LSTM on embedded words, bf16 autocast
        _, state = self.rnn(self._inputs(ids))
        return (state[0][-1], state[1][-1]) if self.cell == "lstm" else (state[-1], None)

    def _read(self, h: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if self.readout == "h":
            return h
        return c if self.readout == "c" else torch.cat([c, h], dim=-1)

    @staticmethod
    def _cpu_fp32(ids: torch.Tensor) -> bool:
        return ids.device.type == "cpu" and not torch.is_autocast_enabled("cpu")

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


MODELS: dict[str, ModelEntry] = {
    "cifar_cnn": ModelEntry(CifarCNN, "image"),
    "char_cnn": ModelEntry(lambda **args: TextCNN("char", **args), "char"),
    "word_cnn": ModelEntry(lambda **args: TextCNN("word", **args), "word"),
    "char_rnn": ModelEntry(lambda **args: TextRNN("char", **args), "char"),
    "word_rnn": ModelEntry(lambda **args: TextRNN("word", **args), "word"),
}


def model_entry(name: str) -> ModelEntry:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(sorted(MODELS))}") from None


def build_model(name: str, **args) -> nn.Module:
    return model_entry(name).factory(**args)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
