"""hackgrad.nn layers, containers and initialisers: gradients (float64 gradcheck), train/eval behaviour,
state_dict keys and round trips, reprs, and the errors bad input gets."""

import math

import numpy as np
import pytest

import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd import gradcheck
from hackgrad.autograd.tensor import Tensor, tensor

f64 = np.float64


def leaf(shape, seed=0, scale=1.0):
    return Tensor(np.random.default_rng(seed).normal(0, scale, shape), requires_grad=True, dtype=f64)


def check_module(module, x):
    """gradcheck a module's output against its input and every parameter."""
    params = module.parameters()
    assert gradcheck(lambda x, *ps: module(x), x, *params)


# --- Linear --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_gradcheck_including_leading_axes(shape):
    layer = nn.Linear(4, 3, dtype=f64, seed=0)
    check_module(layer, leaf(shape, seed=1))


def test_linear_without_bias_and_functional_form():
    layer = nn.Linear(4, 3, bias=False, dtype=f64, seed=0)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    check_module(layer, leaf((5, 4), seed=1))
    x, w, b = leaf((5, 4), 1), leaf((3, 4), 2), leaf((3,), 3)
    assert gradcheck(F.linear, x, w, b)
    np.testing.assert_allclose(F.linear(x, w, b).data, x.data @ w.data.T + b.data)


def test_linear_skips_the_input_gradient_when_the_input_needs_none():
    layer = nn.Linear(4, 3, seed=0)
    x = tensor(np.ones((2, 4)))
    out = layer(x)
    out.sum().backward()
    assert x.grad is None and layer.weight.grad.shape == (3, 4)
    np.testing.assert_allclose(layer.bias.grad, [2, 2, 2])


def test_linear_default_init_is_pytorchs_range_and_seeded():
    a, b = nn.Linear(256, 64, seed=7), nn.Linear(256, 64, seed=7)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert a.weight.dtype == np.float32 and a.weight.shape == (64, 256)
    bound = 1 / math.sqrt(256)
    assert np.abs(a.weight.data).max() <= bound and np.abs(a.weight.data).max() > 0.95 * bound
    assert np.abs(a.bias.data).max() <= bound
    c = nn.Linear(256, 64, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, c.weight.data)
    assert not np.array_equal(nn.Linear(256, 64, seed=8).weight.data, a.weight.data)


def test_linear_keeps_float32():
    layer = nn.Linear(4, 3, seed=0)
    x = tensor(np.ones((2, 4), dtype=np.float32), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_linear_bad_input_names_layer_and_shapes():
    layer = nn.Linear(784, 10, seed=0)
    with pytest.raises(
        ValueError, match=r"Linear\(in_features=784, out_features=10.*\(\*, 784\).*\(32, 100\)"
    ):
        layer(tensor(np.zeros((32, 100))))
    with pytest.raises(TypeError, match="float64.*float32"):
        layer(tensor(np.zeros((2, 784)), dtype=f64))
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="either seed or rng"):
        nn.Linear(3, 3, rng=np.random.default_rng(0), seed=1)


# --- activations ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        nn.ReLU(),
        nn.LeakyReLU(0.1),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.Softmax(dim=1),
        nn.LogSoftmax(dim=-1),
        nn.Softmax(dim=0),
        nn.Flatten(),
        nn.Identity(),
    ],
    ids=lambda m: repr(m),
)
def test_activation_gradcheck(module):
    x = leaf((3, 4, 2), seed=2)
    assert gradcheck(lambda x: module(x), x)


def test_activation_values():
    x = tensor([-2.0, 0.5, 3.0])
    np.testing.assert_allclose(nn.ReLU()(x).data, [0, 0.5, 3])
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x).data, [-0.2, 0.5, 3], rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh([-2, 0.5, 3]), rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp([2, -0.5, -3])), rtol=1e-6)
    s = nn.Softmax()(tensor([[1.0, 2.0, 3.0], [1e4, 0.0, -1e4]]))
    np.testing.assert_allclose(s.data.sum(axis=1), [1, 1], rtol=1e-6)
    assert np.isfinite(nn.LogSoftmax()(tensor([[1e4, 0.0, -1e4]])).data).all()


def test_maxout_gradcheck_and_value():
    m = nn.Maxout(4, 3, pieces=2, dtype=f64, seed=0)
    assert m.weight.shape == (6, 4) and m.bias.shape == (6,)
    check_module(m, leaf((5, 4), seed=3))
    x = leaf((5, 4), seed=3)
    z = x.data @ m.weight.data.T + m.bias.data
    np.testing.assert_allclose(m(x).data, z.reshape(5, 3, 2).max(axis=-1))
    assert repr(m) == "Maxout(in_features=4, out_features=3, pieces=2, bias=True)"
    with pytest.raises(ValueError, match=r"expected input of shape \(\*, 4\), got \(5, 3\)"):
        m(tensor(np.zeros((5, 3)), dtype=f64))


def test_flatten():
    x = leaf((2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    assert gradcheck(lambda x: nn.Flatten()(x), leaf((2, 3, 2)))
    with pytest.raises(ValueError, match="cannot flatten dims 3..1"):
        nn.Flatten(3, 1)(x)


# --- dropout ----------------------------------------------------------------------------------------------


def test_dropout_train_is_inverted_and_eval_is_identity():
    d = nn.Dropout(0.25, seed=0)
    x = tensor(np.ones((200, 100)))
    y = d(x).data
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert y.dtype == np.float32
    d.eval()
    assert d(x) is x
    d.train()
    assert not np.array_equal(d(x).data, y)  # a fresh mask each call


def test_dropout_is_reproducible_and_its_gradient_is_the_mask():
    x = tensor(np.ones((4, 5)), requires_grad=True)
    a = nn.Dropout(0.5, seed=3)(x)
    b = nn.Dropout(0.5, seed=3)(x)
    np.testing.assert_array_equal(a.data, b.data)
    a.sum().backward()
    np.testing.assert_array_equal(x.grad, a.data)
    d = nn.Dropout(0.5)  # unseeded: a seed is drawn and kept, so the run can be repeated
    np.testing.assert_array_equal(d(x).data, nn.Dropout(0.5, seed=d.seed)(x).data)
    xx = leaf((3, 4))
    assert gradcheck(lambda t: F.dropout(t, 0.3, seed=5), xx)


def test_dropout_edges_and_errors():
    x = tensor(np.ones((3, 3)))
    assert np.all(nn.Dropout(1.0, seed=0)(x).data == 0)
    np.testing.assert_array_equal(nn.Dropout(0.0, seed=0)(x).data, x.data)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"


# --- batch norm -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls,shape", [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (3, 3, 2, 4))]
)
def test_batchnorm_gradcheck_train_and_eval(cls, shape):
    bn = cls(3, dtype=f64)
    bn.weight.data[:] = [0.5, 1.5, -2.0]
    bn.bias.data[:] = [0.1, -0.3, 0.2]
    x = leaf(shape, seed=4, scale=2.0)
    check_module(bn, x)
    bn.eval()
    bn.running_mean[:] = [0.2, -0.1, 0.3]
    bn.running_var[:] = [1.5, 0.7, 2.0]
    check_module(bn, x)


def test_batchnorm_without_affine_gradcheck():
    bn = nn.BatchNorm1d(3, affine=False, dtype=f64)
    assert list(bn.parameters()) == []
    assert gradcheck(lambda x: bn(x), leaf((5, 3), seed=1))


def test_batchnorm_train_normalises_and_tracks_running_stats():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm2d(2, momentum=0.1)
    x = tensor(rng.normal(3.0, 2.0, (8, 2, 4, 4)))
    y = bn(x).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)
    n = 8 * 4 * 4
    mean, var = x.data.mean(axis=(0, 2, 3)), x.data.var(axis=(0, 2, 3))
    np.testing.assert_allclose(bn.running_mean, 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * var * n / (n - 1), rtol=1e-5)
    assert int(bn.num_batches_tracked) == 1 and bn.running_mean.dtype == np.float32
    bn.eval()
    y_eval = bn(x).data
    expected = (x.data - bn.running_mean[None, :, None, None]) / np.sqrt(
        bn.running_var[None, :, None, None] + 1e-5
    )
    np.testing.assert_allclose(y_eval, expected, rtol=1e-5, atol=1e-5)
    assert int(bn.num_batches_tracked) == 1  # evaluation leaves the statistics alone


def test_batchnorm_cumulative_average_when_momentum_is_none():
    bn = nn.BatchNorm1d(2, momentum=None)
    rng = np.random.default_rng(1)
    batches = [rng.normal(i, 1.0, (10, 2)) for i in range(3)]
    for b in batches:
        bn(tensor(b))
    np.testing.assert_allclose(bn.running_mean, np.mean([b.mean(axis=0) for b in batches], axis=0), rtol=1e-5)


def test_batchnorm_without_running_stats_uses_the_batch_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    y = bn(tensor(np.random.default_rng(0).normal(5, 3, (20, 2)))).data
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)


def test_batchnorm_errors_and_repr():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3.*\(N, C\) or \(N, C, L\) with C=3, got \(4, 5\)"):
        bn(tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(tensor(np.zeros((1, 3))))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) with C=3, got \(2, 3, 4\)"):
        nn.BatchNorm2d(3)(tensor(np.zeros((2, 3, 4))))
    assert repr(bn) == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"


# --- containers and state_dict ------------------------------------------------------------------------------


def mlp(seed=0, dtype=np.float32):
    return nn.Sequential(
        nn.Linear(6, 5, dtype=dtype, seed=seed),
        nn.BatchNorm1d(5, dtype=dtype),
        nn.ReLU(),
        nn.Dropout(0.1, seed=seed),
        nn.Linear(5, 3, dtype=dtype, seed=seed + 1),
    )


def test_sequential_state_dict_keys_match_pytorch():
    model = mlp()
    assert sorted(model.state_dict()) == sorted(
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked",
            "4.weight",
            "4.bias",
        ]
    )
    assert model.state_dict()["0.weight"].shape == (5, 6)


def test_state_dict_round_trip():
    a, b = mlp(seed=0), mlp(seed=10)
    x = tensor(np.random.default_rng(0).normal(size=(7, 6)))
    a(x)  # moves a's running statistics
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)
    np.testing.assert_array_equal(b[1].running_mean, a[1].running_mean)
    assert int(b[1].num_batches_tracked) == 1
    state = a.state_dict()
    state["0.weight"][:] = 0  # a copy: editing it leaves the model alone
    assert np.abs(a[0].weight.data).sum() > 0


def test_sequential_indexing_and_growth():
    model = mlp()
    assert len(model) == 5 and isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.Linear)
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    model.append(nn.Tanh())
    assert len(model) == 6 and isinstance(model[5], nn.Tanh)
    assert [type(m).__name__ for m in model] == ["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "Tanh"]
    x = tensor(np.ones((4, 6)))
    model.eval()
    assert model(x).shape == (4, 3)
    with pytest.raises(IndexError, match="out of range for 6 modules"):
        model[6]
    with pytest.raises(TypeError, match="must be a Module"):
        model.append(lambda x: x)


def test_sequential_gradcheck_whole_model():
    model = nn.Sequential(
        nn.Linear(4, 5, dtype=f64, seed=0),
        nn.Tanh(),
        nn.BatchNorm1d(5, dtype=f64),
        nn.Linear(5, 2, dtype=f64, seed=1),
    )
    check_module(model, leaf((6, 4), seed=2))


def test_sequential_repr_like_pytorch():
    model = nn.Sequential(nn.Linear(784, 256, seed=0), nn.ReLU(), nn.Linear(256, 10, seed=0))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=256, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=256, out_features=10, bias=True)\n"
        ")"
    )


def test_train_eval_propagates():
    model = mlp()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_modulelist_and_moduledict():
    layers = nn.ModuleList([nn.Linear(3, 3, seed=i) for i in range(3)])
    layers.insert(0, nn.Linear(3, 3, seed=9))
    assert len(layers) == 4 and list(layers.state_dict())[:2] == ["0.weight", "0.bias"]
    assert layers[0].weight.data.tolist() == nn.Linear(3, 3, seed=9).weight.data.tolist()
    heads = nn.ModuleDict({"cls": nn.Linear(3, 2, seed=0), "box": nn.Linear(3, 4, seed=0)})
    assert list(heads) == ["cls", "box"] and "cls" in heads and len(heads) == 2
    assert sorted(heads.state_dict()) == ["box.bias", "box.weight", "cls.bias", "cls.weight"]
    with pytest.raises(KeyError, match="would hide"):
        heads["train"] = nn.ReLU()
    with pytest.raises(KeyError, match="no module named 'nope'"):
        heads["nope"]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = layers
            self.heads = heads

    assert "blocks.3.bias" in Net().state_dict() and "heads.box.weight" in Net().state_dict()


# --- init ---------------------------------------------------------------------------------------------------


def test_calculate_gain():
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert nn.init.calculate_gain("sigmoid") == 1
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


@pytest.mark.parametrize(
    "fn,kwargs,std",
    [
        (nn.init.xavier_uniform_, {}, math.sqrt(2 / (400 + 300))),
        (nn.init.xavier_normal_, {"gain": 2.0}, 2 * math.sqrt(2 / (400 + 300))),
        (nn.init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / 400)),
        (nn.init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / 400)),
        (nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (nn.init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(3 * 400)),
    ],
)
def test_init_statistics(fn, kwargs, std):
    w = np.empty((300, 400), dtype=np.float32)
    out = fn(w, **kwargs, seed=0)
    assert out is w and w.dtype == np.float32
    assert abs(w.mean()) < 0.02 * std and w.std() == pytest.approx(std, rel=0.02)


def test_init_in_place_on_parameters_and_reproducible():
    layer = nn.Linear(20, 10, seed=0)
    p = layer.weight
    nn.init.normal_(p, 0.0, 0.5, seed=1)
    assert layer.weight is p
    q = np.empty((10, 20))
    nn.init.normal_(q, 0.0, 0.5, rng=np.random.default_rng(1))
    np.testing.assert_allclose(p.data, q, rtol=1e-6)
    nn.init.zeros_(p)
    assert not p.data.any()
    nn.init.constant_(p, 0.3)
    np.testing.assert_allclose(p.data, 0.3)
    nn.init.ones_(layer.bias)
    np.testing.assert_array_equal(layer.bias.data, 1)
    w = nn.init.uniform_(np.empty(1000), -2, 3, seed=0)
    assert w.min() >= -2 and w.max() < 3 and w.mean() == pytest.approx(0.5, abs=0.15)


def test_orthogonal():
    w = nn.init.orthogonal_(np.empty((6, 4)), seed=0)
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-10)
    w = nn.init.orthogonal_(np.empty((3, 5)), gain=2.0, seed=0)
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(3), atol=1e-10)


def test_init_errors():
    with pytest.raises(ValueError, match="at least 2 dimensions, got shape \\(5,\\)"):
        nn.init.xavier_uniform_(np.empty(5))
    with pytest.raises(ValueError, match="unknown mode 'fan_avg'"):
        nn.init.kaiming_normal_(np.empty((3, 3)), mode="fan_avg")
    with pytest.raises(TypeError, match="floating-point"):
        nn.init.normal_(np.empty(3, dtype=int))
    with pytest.raises(TypeError, match="Generator or an integer"):
        nn.init.normal_(np.empty(3), rng="seed")


def test_layers_take_plain_arrays_in_their_own_dtype():
    layer = nn.Linear(4, 3, dtype=f64, seed=0)
    x = np.random.default_rng(0).normal(size=(2, 4))
    y = layer(x)
    assert y.dtype == f64
    np.testing.assert_allclose(y.data, x @ layer.weight.data.T + layer.bias.data)
    assert nn.Linear(4, 3, seed=0)(np.ones((2, 4), dtype=np.uint8)).dtype == np.float32
    assert nn.BatchNorm1d(4, dtype=f64)(x).dtype == f64
    assert nn.Maxout(4, 2, dtype=f64, seed=0)(x).dtype == f64


def test_functional_batch_norm_with_only_a_scale_or_a_shift():
    x, w, b = leaf((5, 3), 1), leaf((3,), 2), leaf((3,), 3)
    assert gradcheck(lambda x, w: F.batch_norm(x, None, None, weight=w, training=True), x, w)
    assert gradcheck(lambda x, b: F.batch_norm(x, None, None, bias=b, training=True), x, b)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm(x, None, None)


def test_sequential_runs_only_its_modules():
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.ReLU())
    model.note = "kept as an attribute, not run as a layer"
    assert len(model) == 2 and model(np.ones((1, 2))).shape == (1, 2)
