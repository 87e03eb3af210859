import os
import signal

import pytest
import torch

from cz4042 import engine, models, resume, runtime
from cz4042.spec import RunSpec

DEVICE = torch.device("cpu")


def blobs(n=256, seed=0):
    """Two separable classes of 3x32x32 'images'."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.rand(n, 3, 32, 32, generator=g) * 0.5 + y.view(-1, 1, 1, 1) * 0.5
    return x, y


def spec(seed=3, precision="fp32", **overrides):
    """A run of the tiny CNN; `overrides` are protocol keys."""
    protocol = dict(epochs=3, batch_size=32, optimizer={"name": "adam", "lr": 0.001}, drop_last=True, grad_clip=None,
                    eval_batch_size=1000)
    protocol.update(overrides)
    return RunSpec(model="cifar_cnn", model_args={"c1": 4, "c2": 4, "f3": 16}, protocol=protocol, seed=seed,
                   precision=precision)


def fresh_model(seed=3, dropout=0.5):
    torch.manual_seed(seed)
    return models.build_model("cifar_cnn", c1=4, c2=4, f3=16, dropout=dropout)


def run(model, train_spec, resume=None, log=lambda m: None):
    x, y = blobs()
    tx, ty = blobs(64, seed=1)
    return engine.train(model, x, y, tx, ty, train_spec, DEVICE, resume=resume, log=log)


def comparable(history):
    return history.drop(columns="seconds")


def test_training_reduces_the_loss_and_records_every_epoch():
    result = run(fresh_model(), spec(epochs=4))
    history = result.history
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    assert list(history.columns) == engine.HISTORY_COLUMNS
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    assert result.diverged_epoch is None


def test_same_seed_same_history_other_seed_differs():
    first = run(fresh_model(), spec())
    second = run(fresh_model(), spec())
    other = run(fresh_model(), spec(seed=4))
    assert comparable(first.history).equals(comparable(second.history))
    assert not comparable(first.history).equals(comparable(other.history))


@pytest.mark.parametrize("drop_last, batches", [(True, 2), (False, 3)])
def test_drop_last_decides_the_number_of_mini_batches(drop_last, batches):
    model = fresh_model()
    calls = []
    model.register_forward_pre_hook(lambda module, inputs: calls.append(len(inputs[0])) if module.training else None)
    run(model, spec(epochs=1, batch_size=100, drop_last=drop_last))  # 256 examples
    assert calls == [100, 100, 56][:batches]


def test_nan_loss_marks_the_run_diverged_and_stops():
    result = run(fresh_model(), spec(epochs=5, optimizer={"name": "sgd", "lr": 1e30}))
    assert result.diverged_epoch is not None and result.diverged_epoch < 5
    assert len(result.history) == result.diverged_epoch


def sigterm_at_call(model, at_call):
    """Make `model` send this process SIGTERM at its n-th training forward pass."""
    calls = {"n": 0}

    def hook(module, inputs):
        if module.training:
            calls["n"] += 1
            if calls["n"] == at_call:
                os.kill(os.getpid(), signal.SIGTERM)

    model.register_forward_pre_hook(hook)
    return model


@pytest.mark.parametrize("at_call", [5, 16])  # mid-epoch, and the last batch of epoch 2
def test_sigterm_then_resume_is_bitwise_identical(tmp_path, at_call):
    reference_model = fresh_model()
    reference = run(reference_model, spec(epochs=3))
    policy = resume.ResumePolicy(tmp_path / "state.pt", every_epochs=100, fingerprint="run-a")

    with pytest.raises(resume.Interrupted):
        run(sigterm_at_call(fresh_model(), at_call), spec(epochs=3), resume=policy)
    assert policy.path.exists()
    resumed_model = fresh_model(seed=99)  # whatever its init: the state replaces it
    resumed = run(resumed_model, spec(epochs=3), resume=policy)
    assert resumed.resumed_from_epoch is not None
    assert comparable(resumed.history).equals(comparable(reference.history))
    for a, b in zip(reference_model.state_dict().values(), resumed_model.state_dict().values()):
        assert torch.equal(a, b)


def test_state_of_other_hyperparameters_is_set_aside_not_resumed(tmp_path):
    policy = resume.ResumePolicy(tmp_path / "state.pt", every_epochs=1, fingerprint="run-a")
    with pytest.raises(resume.Interrupted):
        run(sigterm_at_call(fresh_model(), 12), spec(epochs=3), resume=policy)
    messages = []
    other = resume.ResumePolicy(tmp_path / "state.pt", every_epochs=1, fingerprint="run-b")
    result = run(fresh_model(), spec(epochs=2), resume=other, log=messages.append)
    assert result.resumed_from_epoch is None
    assert any("another run definition" in m for m in messages)
    assert (tmp_path / "state.pt.run-a").exists()


def test_corrupt_state_restarts_from_scratch(tmp_path):
    state = tmp_path / "state.pt"
    state.write_bytes(b"PK\x03\x04 truncated")
    messages = []
    policy = resume.ResumePolicy(state, every_epochs=1, fingerprint="run-a")
    result = run(fresh_model(), spec(epochs=2), resume=policy, log=messages.append)
    assert len(result.history) == 2 and result.resumed_from_epoch is None
    assert any("unreadable" in m for m in messages)
    assert (tmp_path / "state.pt.corrupt").read_bytes() == b"PK\x03\x04 truncated"


def test_gradient_clipping_runs_inside_the_engine():
    clipped = run(fresh_model(), spec(epochs=1, optimizer={"name": "sgd", "lr": 0.1}, grad_clip={"mode": "value", "threshold": 1e-6}))
    free = run(fresh_model(), spec(epochs=1, optimizer={"name": "sgd", "lr": 0.1}))
    assert not comparable(clipped.history).equals(comparable(free.history))


def test_precision_is_opt_in_and_fp32_is_the_default():
    default = run(fresh_model(), spec(epochs=1))
    explicit = run(fresh_model(), spec(epochs=1, precision="fp32"))
    bf16 = run(fresh_model(), spec(epochs=1, precision="bf16"))
    assert comparable(default.history).equals(comparable(explicit.history))
    assert not comparable(default.history).equals(comparable(bf16.history))
    with pytest.raises(ValueError, match="valid: fp32, bf16, tf32"):
        run(fresh_model(), spec(epochs=1, precision="fp8"))


def test_deterministic_switch_turns_on_deterministic_algorithms(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    try:
        runtime.configure_cuda(deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"  # cuBLAS's deterministic workspace
        assert not torch.backends.cudnn.benchmark
        runtime.configure_cuda(deterministic=False)
        assert torch.backends.cudnn.benchmark
    finally:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.benchmark = False


def test_batch_size_full_is_one_step_on_the_whole_training_set():
    assert engine.batch_size_of({"batch_size": "full"}, 10_000) == 10_000
    assert engine.batch_size_of({"batch_size": 128}, 10_000) == 128
    result = run(fresh_model(), spec(epochs=1, batch_size="full", gradient_chunk=100))
    assert result.history["train_loss"].iloc[0] == result.history["train_loss_last_batch"].iloc[0]


def test_a_chunked_gradient_is_the_batch_gradient():
    """gradient_chunk sums the same mean gradient in pieces: one full-batch step with
    chunks of 50 lands where the unchunked step does, within float rounding."""
    x, y = blobs(200)
    weights = []
    for chunk in (None, 50):
        model = fresh_model(dropout=0.0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = engine.batch_gradient(model, x, y, torch.arange(200), spec(batch_size=200, gradient_chunk=chunk),
                                     DEVICE)
        optimizer.step()
        weights.append((loss.item(), [p.detach().clone() for p in model.parameters()]))
    (loss_whole, whole), (loss_chunked, chunked) = weights
    assert loss_chunked == pytest.approx(loss_whole, rel=1e-6)
    for a, b in zip(whole, chunked):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


def test_other_test_sets_are_recorded_and_change_nothing():
    x, y = blobs()
    tx, ty = blobs(64, seed=1)
    plain = engine.train(fresh_model(), x, y, tx, ty, spec(), DEVICE, log=lambda m: None)
    both = engine.train(fresh_model(), x, y, tx, ty, spec(), DEVICE, log=lambda m: None,
                        other_tests={"unscaled": (tx * 255, ty)})
    assert list(both.history.columns) == engine.HISTORY_COLUMNS + ["test_loss_unscaled", "test_accuracy_unscaled"]
    assert comparable(plain.history).equals(comparable(both.history)[comparable(plain.history).columns])
    assert not both.history["test_loss_unscaled"].equals(both.history["test_loss"])
