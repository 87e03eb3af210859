import math

import pytest
import torch
import torch.nn.functional as F

from cz4042 import kernels, model_kinds, models


def test_baseline_parameter_count_and_shapes():
    model = models.build_model("cifar_cnn", c1=50, c2=60)
    assert models.count_parameters(model) == 9 * 9 * 3 * 50 + 50 + 5 * 5 * 50 * 60 + 60 + 960 * 300 + 300 + 300 * 10 + 10
    x = torch.rand(2, 3, 32, 32)
    assert model(x).shape == (2, 10)
    maps = model.features(x)
    assert {k: tuple(v.shape[1:]) for k, v in maps.items()} == {
        "C1": (50, 24, 24), "S1": (50, 12, 12), "C2": (60, 8, 8), "S2": (60, 4, 4)}


def test_grid_cell_parameter_count():
    model = models.build_model("cifar_cnn", c1=256, c2=512)
    assert models.count_parameters(model) == 243 * 256 + 256 + 25 * 256 * 512 + 512 + 512 * 16 * 300 + 300 + 3010


def test_starter_init_is_truncated_normal_with_the_starter_stds():
    torch.manual_seed(0)
    model = models.build_model("cifar_cnn", c1=50, c2=60)
    for layer, std in ((model.conv1, 1 / math.sqrt(243)), (model.conv2, 1 / math.sqrt(75)),
                       (model.fc3, 1 / math.sqrt(960 * 300))):
        w = layer.weight
        assert w.abs().max() <= 2 * std + 1e-7
        assert abs(w.std().item() - 0.88 * std) < 0.1 * std  # a normal truncated at 2 sd has sd 0.88
        assert torch.count_nonzero(layer.bias) == 0


def test_fan_in_init_takes_each_layers_own_fan_in():
    """The fan-in ablation: C2 from its C1 maps, the dense layers from fan-in alone."""
    torch.manual_seed(0)
    model = models.build_model("cifar_cnn", c1=50, c2=60, init="fan_in")
    for layer, std in ((model.conv1, 1 / math.sqrt(243)), (model.conv2, 1 / math.sqrt(50 * 25)),
                       (model.fc3, 1 / math.sqrt(960)), (model.fc4, 1 / math.sqrt(300))):
        w = layer.weight
        assert w.abs().max() <= 2 * std + 1e-7
        assert abs(w.std().item() - 0.88 * std) < 0.1 * std


def test_text_model_parameter_counts():
    char_cnn = models.build_model("char_cnn")
    assert char_cnn.conv1.weight.numel() + char_cnn.conv1.bias.numel() == 10 * 20 * 256 + 10
    assert models.count_parameters(char_cnn) == (10 * 20 * 256 + 10) + (10 * 20 * 10 + 10) + (10 * 15 + 15)
    word_cnn = models.build_model("word_cnn", vocab_size=1000)
    assert models.count_parameters(word_cnn) == 1000 * 20 + (10 * 20 * 20 + 10) + (10 * 20 * 10 + 10) + 165
    gru = 3 * (20 * 20 + 20 * 20 + 2 * 20)
    assert models.count_parameters(models.build_model("word_rnn", vocab_size=1000)) == 1000 * 20 + gru + 20 * 15 + 15
    char_gru = 3 * (256 * 20 + 20 * 20 + 2 * 20)
    assert models.count_parameters(models.build_model("char_rnn")) == char_gru + 315
    lstm2 = 4 * (20 * 20 + 20 * 20 + 40) * 2
    assert models.count_parameters(models.build_model("word_rnn", vocab_size=1000, cell="lstm", layers=2)) == 20000 + lstm2 + 315
    vanilla = 20 * 20 + 20 * 20 + 40
    assert models.count_parameters(models.build_model("word_rnn", vocab_size=1000, cell="vanilla")) == 20000 + vanilla + 315


@pytest.mark.parametrize("name, args", [("char_cnn", {}), ("word_cnn", {"vocab_size": 50}), ("char_rnn", {}),
                                        ("word_rnn", {"vocab_size": 50}), ("word_rnn", {"vocab_size": 50, "cell": "lstm", "layers": 2})])
def test_text_models_give_15_logits(name, args):
    ids = torch.randint(0, 50, (3, 100))
    assert models.build_model(name, **args)(ids).shape == (3, 15)


def test_char_cnn_forward_equals_direct_computation_on_bytes():
    torch.manual_seed(0)
    model = models.build_model("char_cnn").eval()
    ids = torch.tensor([list(b"Park Dinor is a historic building." + bytes(66))])
    one_hot = F.one_hot(ids, 256).float().transpose(1, 2)
    x = F.relu(F.conv1d(one_hot, model.conv1.weight, model.conv1.bias))  # [1, 10, 81]
    assert x.shape[-1] == 81
    x = F.max_pool1d(F.pad(x, (1, 2), value=-math.inf), 4, 2)  # TF SAME: 1 before, 2 after -> 41
    assert x.shape[-1] == 41
    x = F.relu(F.conv1d(x, model.conv2.weight, model.conv2.bias))  # 22
    x = F.max_pool1d(F.pad(x, (1, 1), value=-math.inf), 4, 2)  # 11
    assert x.shape[-1] == 11
    expected = F.linear(x.amax(2), model.dense.weight, model.dense.bias)
    torch.testing.assert_close(model(ids), expected, rtol=1e-5, atol=1e-5)


def test_tf1_gru_gate_biases_start_at_one():
    model = models.build_model("word_rnn", vocab_size=10)
    assert model.rnn.bias_ih_l0[:40].eq(1).all() and model.rnn.bias_ih_l0[40:].eq(0).all()


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="valid models: char_cnn, char_rnn, cifar_cnn, word_cnn, word_rnn"):
        models.build_model("resnet")
    with pytest.raises(ValueError, match="valid: gru, gru_tf1, lstm, vanilla"):
        models.build_model("word_rnn", vocab_size=10, cell="transformer")


def test_every_model_reads_the_input_its_kind_table_entry_names():
    """The config checks and the rules read model_kinds (no torch); the networks
    the registry builds from it must read the same input."""
    assert list(models.MODELS) == list(model_kinds.MODEL_KINDS)
    for name, kind in model_kinds.MODEL_KINDS.items():
        assert models.model_entry(name).input_kind == kind.input_kind
        if kind.family != "cifar":
            assert models.build_model(name, vocab_size=10).input_kind == kind.input_kind
    with pytest.raises(ValueError, match="unknown model 'char_gru'; valid models: char_cnn, char_rnn"):
        models.model_entry("char_gru")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_hot_conv_equals_dense_conv_on_random_batches(seed):
    """Outputs and gradients equal the one-hot reference (computed in float64) within
    1e-5 of the tensor's scale: the pad byte's gradient sums ~600 terms, where any two
    float32 summation orders differ by more than 1e-5 absolute."""
    torch.manual_seed(seed)
    conv = kernels.OneHotConv1d(256, 10, 20)
    ids = torch.randint(0, 256, (16, 100))
    ids[:, 60:] = 0  # end padding, as in real texts
    grad = torch.randn(16, 10, 81)
    out = conv(ids)
    out.backward(grad)
    weight = conv.weight.detach().double().requires_grad_(True)
    bias = conv.bias.detach().double().requires_grad_(True)
    reference = F.conv1d(F.one_hot(ids, 256).double().transpose(1, 2), weight, bias)
    reference.backward(grad.double())
    for ours, exact in ((out, reference), (conv.weight.grad, weight.grad), (conv.bias.grad, bias.grad)):
        torch.testing.assert_close(ours.double(), exact.detach(), rtol=1e-5, atol=1e-5 * exact.abs().max().item())


@pytest.mark.parametrize("cell", ["gru", "lstm", "vanilla"])
@pytest.mark.parametrize("input_kind,layers", [("word", 1), ("word", 2), ("char", 1), ("char", 2)])
def test_cpu_recurrences_equal_nn_modules_on_random_batches(cell, input_kind, layers):
    """The CPU paths (the hand-written GRU recurrence, the fused LSTM/tanh kernels fed
    precomputed input gates, and for chars the look-up in place of the one-hot product)
    give nn's outputs and gradients (in float64) within 1e-5 of each tensor's scale."""
    args = {"layers": layers, "cell": cell, **({"vocab_size": 500} if input_kind == "word" else {})}
    torch.manual_seed(layers)
    model = models.build_model(f"{input_kind}_rnn", **args)
    ids = torch.randint(0, 500 if input_kind == "word" else 256, (32, 100))
    ids[:, 70:] = 0
    grad = torch.randn(32, 15)
    model(ids).backward(grad)
    ours = {name: p.grad.clone() for name, p in model.named_parameters()}

    reference = models.build_model(f"{input_kind}_rnn", **args)
    reference.load_state_dict(model.state_dict())
    reference.double()
    x = reference.embedding(ids) if input_kind == "word" else F.one_hot(ids, 256).double()
    _, state = reference.rnn(x)
    logits = reference.dense((state[0] if cell == "lstm" else state)[-1])
    logits.backward(grad.double())
    torch.testing.assert_close(model(ids).double(), logits.detach(), rtol=1e-5, atol=1e-5 * logits.abs().max().item())
    for name, p in reference.named_parameters():
        exact = p.grad
        torch.testing.assert_close(ours[name].double(), exact, rtol=1e-5, atol=1e-5 * exact.abs().max().item(),
                                   msg=lambda m: f"{name}: {m}")


def test_recurrence_path_takes_the_hand_written_kernels_only_on_cpu_fp32():
    """The hand-written paths have no GPU or bf16 version: there nn's module runs;
    TF1's candidate exists only as plain autograd, so it runs everywhere."""
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert kernels.recurrence_path("gru", "word", cpu) == "gru_kernel"
    assert kernels.recurrence_path("lstm", "char", cpu) == "fused_onehot"
    assert kernels.recurrence_path("lstm", "word", cpu) == "nn"
    assert kernels.recurrence_path("gru", "char", cuda) == "nn"
    assert kernels.recurrence_path("gru_tf1", "char", cuda) == "tf1_gru"
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert kernels.recurrence_path("gru", "char", cpu) == "nn"


@pytest.mark.parametrize("input_kind", ["word", "char"])
@pytest.mark.parametrize("readout", ["c", "ch"])
def test_lstm_readout_feeds_the_dense_layer_the_cell_state(input_kind, readout):
    """readout c reads nn.LSTM's final cell state c_n of the last layer, ch reads [c_n, h_n];
    the recurrence and its parameters are those of the default readout h."""
    args = {"cell": "lstm", "layers": 2, **({"vocab_size": 500} if input_kind == "word" else {})}
    torch.manual_seed(5)
    model = models.build_model(f"{input_kind}_rnn", readout=readout, **args)
    default = models.build_model(f"{input_kind}_rnn", **args)
    recurrent = {k: v for k, v in model.state_dict().items() if not k.startswith("dense.")}
    assert recurrent.keys() == {k for k in default.state_dict() if not k.startswith("dense.")}
    assert model.dense.in_features == (40 if readout == "ch" else 20)
    ids = torch.randint(0, 256, (8, 30))
    x = model.embedding(ids) if input_kind == "word" else F.one_hot(ids, 256).float()
    _, (h_n, c_n) = model.rnn(x)
    read = c_n[-1] if readout == "c" else torch.cat([c_n[-1], h_n[-1]], dim=-1)
    torch.testing.assert_close(model(ids), model.dense(read), rtol=1e-5, atol=1e-6)


def test_readout_of_a_cell_state_needs_an_lstm():
    with pytest.raises(ValueError, match="only an lstm reads c"):
        models.build_model("word_rnn", vocab_size=10, cell="gru", readout="c")


def test_tf1_gru_cell_equals_a_hand_computed_step():
    """TF1's GRUCell: r, u = sigmoid([x, h] W_g + b_g); c = tanh(x W_xc + (r * h) W_hc + b_c);
    h' = u * h + (1 - u) * c. Two steps by hand from nn.GRU's parameter layout."""
    torch.manual_seed(3)
    model = models.build_model("word_rnn", vocab_size=50, cell="gru_tf1")
    with torch.no_grad():
        model.rnn.bias_hh_l0.normal_()  # nonzero, so that where r applies matters
    ids = torch.randint(1, 50, (4, 2))
    rnn, H = model.rnn, 20
    h = torch.zeros(4, H)
    for t in range(2):
        x = model.embedding(ids[:, t])
        g = x @ rnn.weight_ih_l0.T + rnn.bias_ih_l0
        r = torch.sigmoid(g[:, :H] + h @ rnn.weight_hh_l0[:H].T + rnn.bias_hh_l0[:H])
        u = torch.sigmoid(g[:, H:2 * H] + h @ rnn.weight_hh_l0[H:2 * H].T + rnn.bias_hh_l0[H:2 * H])
        c = torch.tanh(g[:, 2 * H:] + (r * h) @ rnn.weight_hh_l0[2 * H:].T + rnn.bias_hh_l0[2 * H:])
        h = u * h + (1 - u) * c
    torch.testing.assert_close(model(ids), model.dense(h))
    torch_cell = models.build_model("word_rnn", vocab_size=50)
    torch_cell.load_state_dict(model.state_dict())
    assert not torch.allclose(torch_cell(ids), model(ids)), "the two cell formulas must differ"


def test_cnn_dropout_sites_differ_only_where_intended():
    """dropout_at=pool drops pooled maps before the max over time; features drops the
    max features. In evaluation both are the plain network."""
    torch.manual_seed(0)
    plain = models.build_model("word_cnn", vocab_size=50)
    ids = torch.randint(1, 50, (64, 100))
    for site in ("features", "pool"):
        model = models.build_model("word_cnn", vocab_size=50, dropout=0.5, dropout_at=site)
        model.load_state_dict(plain.state_dict())
        model.eval()
        assert torch.equal(model(ids), plain(ids))
    model.train()
    torch.manual_seed(1)
    pooled = {}
    model.dropout.register_forward_hook(lambda module, args, out: pooled.update(inp=args[0], out=out))
    model(ids)
    assert pooled["inp"].shape[-1] == 11, "dropout must see the pooled maps [B, 10, 11], not the max features"
    zeroed = (pooled["out"] == 0) & (pooled["inp"] != 0)
    assert 0.45 < zeroed.sum() / (pooled["inp"] != 0).sum() < 0.55


@pytest.mark.parametrize("input_kind", ["char", "word"])
def test_rnn_input_dropout_drops_about_p_of_the_inputs(input_kind):
    """dropout_at=inputs: every step's input is dropped with p (for chars, the byte's
    whole column) and kept inputs are scaled by 1/(1-p); the last state is not dropped."""
    args = {"dropout": 0.5, "dropout_at": "inputs", **({"vocab_size": 50} if input_kind == "word" else {})}
    model = models.build_model(f"{input_kind}_rnn", **args)
    ids = torch.randint(1, 50, (128, 100))
    torch.manual_seed(0)
    gates = model._first_input_gates(ids) - model.rnn.bias_ih_l0
    plain = models.build_model(f"{input_kind}_rnn", **{**args, "dropout_at": "state"})
    plain.load_state_dict(model.state_dict())
    plain.eval()
    clean = plain._first_input_gates(ids) - plain.rnn.bias_ih_l0
    if input_kind == "char":
        dropped = (gates.abs().sum(-1) < 1e-6).float().mean()
        kept = gates.abs().sum(-1) > 1e-6
        torch.testing.assert_close(gates[kept], 2 * clean[kept], rtol=1e-5, atol=1e-6)
    else:
        x = model.embedding(ids)
        dropped = (model._inputs(ids) == 0).float().mean() - (x == 0).float().mean()
    assert 0.45 < dropped < 0.55
    model.eval()
    assert torch.equal(model(ids), plain(ids))


def test_word_cnn_forward_equals_direct_computation():
    torch.manual_seed(1)
    model = models.build_model("word_cnn", vocab_size=60).eval()
    ids = torch.randint(1, 60, (2, 100))
    x = model.embedding.weight[ids].transpose(1, 2)  # [2, 20, 100]
    x = F.relu(F.conv1d(x, model.conv1.weight, model.conv1.bias))  # 81
    x = F.max_pool1d(F.pad(x, (1, 2), value=-math.inf), 4, 2)  # 41
    x = F.relu(F.conv1d(x, model.conv2.weight, model.conv2.bias))  # 22
    x = F.max_pool1d(F.pad(x, (1, 1), value=-math.inf), 4, 2)  # 11
    expected = F.linear(x.amax(2), model.dense.weight, model.dense.bias)
    torch.testing.assert_close(model(ids), expected, rtol=1e-5, atol=1e-5)


def test_tf1_lstm_adds_forget_bias_one():
    """TF1's LSTMCell adds forget_bias 1.0; torch's gate order is i, f, g, o."""
    model = models.build_model("word_rnn", vocab_size=10, cell="lstm", layers=2)
    for layer in range(2):
        bias = getattr(model.rnn, f"bias_ih_l{layer}")
        assert bias[20:40].eq(1).all() and bias[:20].eq(0).all() and bias[40:].eq(0).all()
        assert getattr(model.rnn, f"bias_hh_l{layer}").eq(0).all()


@pytest.mark.parametrize("name, args, layer, fans", [
    ("char_cnn", {}, "conv1", (20 * 256, 20 * 256 * 10)),
    ("word_cnn", {"vocab_size": 500}, "embedding", (500, 20)),
    ("word_cnn", {"vocab_size": 500}, "conv2", (20 * 10, 20 * 10)),
    ("word_rnn", {"vocab_size": 500}, "dense", (20, 15)),
])
def test_text_models_start_glorot_uniform_as_tf1(name, args, layer, fans):
    torch.manual_seed(0)
    weight = getattr(models.build_model(name, **args), layer).weight.detach()
    limit = math.sqrt(6 / sum(fans))
    assert weight.abs().max() <= limit and weight.abs().max() > 0.95 * limit
    assert abs(weight.std().item() - limit / math.sqrt(3)) < 0.1 * limit  # uniform(-a, a) has sd a / sqrt(3)


def test_gru_kernels_are_glorot_per_gate_group():
    """TF1's GRUCell: one [input + hidden, 2H] kernel for r, u and one [input + hidden, H]
    for the candidate: different limits for the two groups."""
    torch.manual_seed(0)
    rnn = models.build_model("char_rnn").rnn
    gates = rnn.weight_ih_l0.detach()
    for rows, width in ((slice(0, 40), 40), (slice(40, 60), 20)):
        limit = math.sqrt(6 / (256 + 20 + width))
        assert gates[rows].abs().max() <= limit and gates[rows].abs().max() > 0.95 * limit


@pytest.mark.parametrize("name, args, site", [("cifar_cnn", {"c1": 4, "c2": 4}, "dropout"),
                                              ("char_cnn", {}, "dropout"), ("char_rnn", {}, "dropout")])
def test_dropout_means_drop_probability(name, args, site):
    """dropout: p drops about p of the units in training (scaling the rest by 1/(1-p))
    and is the identity in evaluation."""
    model = models.build_model(name, dropout=0.3, **args)
    seen = {}
    getattr(model, site).register_forward_hook(lambda m, inputs, out: seen.update(inp=inputs[0], out=out))
    x = torch.rand(256, 3, 32, 32) if name == "cifar_cnn" else torch.randint(1, 256, (256, 100))
    torch.manual_seed(0)
    model.train()(x)
    alive = seen["inp"] != 0
    zeroed = (seen["out"] == 0) & alive
    assert 0.27 < zeroed.sum() / alive.sum() < 0.33
    kept = alive & ~zeroed
    torch.testing.assert_close(seen["out"][kept], seen["inp"][kept] / 0.7)
    model.eval()(x)
    assert torch.equal(seen["out"], seen["inp"])
