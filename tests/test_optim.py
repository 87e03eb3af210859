import math

import pytest
import torch

from cz4042 import optim


def test_tf1_rmsprop_matches_hand_computation():
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = optim.build_optimizer([w], {"name": "rmsprop", "lr": 0.1})
    grads = [torch.tensor([0.5, 1.0]), torch.tensor([-0.2, 0.3])]
    ms, expected = torch.ones(2), torch.tensor([1.0, -2.0])
    for g in grads:
        w.grad = g.clone()
        opt.step()
        ms = 0.9 * ms + 0.1 * g * g
        expected = expected - 0.1 * g / torch.sqrt(ms + 1e-10)
    torch.testing.assert_close(w.detach(), expected)


def test_torch_rmsprop_semantics_is_one_switch_away():
    """torch's update: v = decay v + (1 - decay) g^2 from 0, w -= lr g / (sqrt(v) + eps);
    TF1's first step from an accumulator of 1 moves w far less."""
    g = torch.tensor([0.5])
    steps = {}
    for semantics in ("torch", "tf1"):
        w = torch.nn.Parameter(torch.zeros(1))
        opt = optim.build_optimizer([w], {"name": "rmsprop", "lr": 0.1, "decay": 0.9, "semantics": semantics})
        w.grad = g.clone()
        opt.step()
        steps[semantics] = w.item()
    assert steps["torch"] == pytest.approx(-0.1 * 0.5 / (math.sqrt(0.1 * 0.25) + 1e-8))
    assert steps["tf1"] == pytest.approx(-0.1 * 0.5 / math.sqrt(0.9 + 0.1 * 0.25 + 1e-10))


def test_momentum_and_adam():
    w = torch.nn.Parameter(torch.zeros(1))
    momentum = optim.build_optimizer([w], {"name": "momentum", "lr": 0.1, "momentum": 0.1})
    assert momentum.param_groups[0]["momentum"] == 0.1
    adam = optim.build_optimizer([w], {"name": "adam", "lr": 0.01})
    assert adam.param_groups[0]["betas"] == (0.9, 0.999) and adam.param_groups[0]["eps"] == 1e-8
    with pytest.raises(ValueError, match="valid optimizers: sgd, momentum, rmsprop, adam"):
        optim.build_optimizer([w], {"name": "lbfgs", "lr": 1})


def test_clipping_by_value_and_by_norm():
    model = torch.nn.Linear(10, 10)
    (model(torch.randn(4, 10)) * 100).sum().backward()
    optim.clip_gradients(model.parameters(), {"mode": "value", "threshold": 2})
    assert max(p.grad.abs().max().item() for p in model.parameters()) <= 2
    (model(torch.randn(4, 10)) * 100).sum().backward()
    optim.clip_gradients(model.parameters(), {"mode": "norm", "threshold": 2})
    norm = math.sqrt(sum(p.grad.square().sum().item() for p in model.parameters()))
    assert norm <= 2 + 1e-4


def test_an_optimizer_refuses_keys_it_would_ignore():
    with pytest.raises(ValueError, match="optimizer sgd takes no momentum"):
        optim.build_optimizer(torch.nn.Linear(2, 2).parameters(), {"name": "sgd", "lr": 0.1, "momentum": 0.9})
