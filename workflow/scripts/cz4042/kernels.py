"""Hand-written kernels of the text models' hot paths, and when each is used.

At the course's sizes (batch 128, 20 units, 256 bytes) torch's generic kernels spend
their time on dispatch and on one-hot products, not arithmetic. This module holds the
replacements: the one-hot convolution as look-ups, one GRU layer's recurrence as an
autograd Function, TF1's GRU candidate in plain autograd, and the fused LSTM / tanh RNN
through torch's private `torch._VF` entry points. `recurrence_path` says which one a
recurrent model's forward pass takes, and why. Tests check each against torch's own
modules (outputs and gradients).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn


# ----------------------------------------------------------------------------- one-hot conv
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


# ----------------------------------------------------------------------------- recurrences
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


RecurrencePath = Literal["tf1_gru", "gru_kernel", "fused_onehot", "nn"]


def recurrence_path(cell: str, input_kind: str, device: torch.device) -> RecurrencePath:
    """How a text RNN computes its final states, and why each path exists:

    - tf1_gru: cell gru_tf1 (TF1's GRUCell candidate, which no torch kernel computes):
      `tf1_gru_states`, plain autograd on any device.
    - gru_kernel: a GRU on a CPU in fp32: nn.GRU's dozens of small kernels per step cost
      their dispatch; `gru_states` runs 5 forward and 4 backward (same numbers up to rounding).
    - fused_onehot: an LSTM or tanh RNN over one-hot chars on a CPU in fp32: `fused_states`,
      torch's fused kernel fed the looked-up input gates, not the one-hot product (~13x the work).
    - nn: everything else, through the nn module: cuDNN on GPUs, oneDNN's LSTM on embedded
      words, and bf16 autocast (which the hand-written paths above do not handle).
    """
    if cell == "gru_tf1":
        return "tf1_gru"
    cpu_fp32 = device.type == "cpu" and not torch.is_autocast_enabled("cpu")
    if cpu_fp32 and cell == "gru":
        return "gru_kernel"
    if cpu_fp32 and input_kind == "char":
        return "fused_onehot"
    return "nn"
