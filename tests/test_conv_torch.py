"""Conv2d and pooling against PyTorch's layers with the same weights, float64: outputs and all gradients."""

import warnings

import numpy as np
import pytest

import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd.tensor import Tensor

torch = pytest.importorskip("torch")
f64 = np.float64


def both(array):
    """The same float64 values as a hackgrad leaf and a torch leaf."""
    ours = Tensor(array, requires_grad=True, dtype=f64)
    return ours, torch.tensor(array, dtype=torch.float64, requires_grad=True)


def backward_both(y, yt, seed=0):
    g = np.random.default_rng(seed).normal(size=yt.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))


@pytest.mark.parametrize(
    "xs, in_c, out_c, kernel, kwargs",
    [
        ((2, 3, 9, 8), 3, 4, 3, {}),
        ((2, 4, 9, 7), 4, 6, (3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
        ((3, 4, 6, 6), 4, 4, 3, dict(padding=1, groups=4, bias=False)),
        ((2, 3, 5, 6), 3, 5, 1, dict(stride=2)),
        ((2, 3, 5, 6), 3, 2, (5, 6), {}),
        ((1, 2, 6, 7), 2, 3, (4, 3), dict(padding="same")),
    ],
)
def test_conv2d_matches_torch(xs, in_c, out_c, kernel, kwargs):
    layer = nn.Conv2d(in_c, out_c, kernel, dtype=f64, seed=0, **kwargs)
    ref = torch.nn.Conv2d(in_c, out_c, kernel, dtype=torch.float64, **kwargs)
    ref.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x, xt = both(np.random.default_rng(1).normal(size=xs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "same" with an even kernel pads a copy
        y, yt = layer(x), ref(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    backward_both(y, yt)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), (tname, tp) in zip(layer.named_parameters(), ref.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_loads_a_torch_state_dict_and_agrees_in_float32():
    ref = torch.nn.Conv2d(3, 8, 5, padding=2)
    layer = nn.Conv2d(3, 8, 5, padding=2, seed=0)
    layer.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).random((4, 3, 12, 12), dtype=np.float32)
    np.testing.assert_allclose(layer(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize(
    "kind, kwargs",
    [
        ("max", dict(kernel_size=2)),
        ("max", dict(kernel_size=3, stride=2, padding=1)),
        ("max", dict(kernel_size=3, stride=1)),
        ("max", dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=2)),
        ("avg", dict(kernel_size=2)),
        ("avg", dict(kernel_size=3, stride=2, padding=1)),
        ("avg", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
        ("avg", dict(kernel_size=(3, 2), stride=1, padding=(1, 0))),
    ],
)
@pytest.mark.parametrize("ties", [False, True])
def test_pooling_matches_torch(kind, kwargs, ties):
    values = np.random.default_rng(2).normal(size=(2, 3, 7, 8))
    if ties:  # ReLU-like inputs: many windows hold several equal maxima
        values = np.maximum(np.round(values), 0)
    x, xt = both(values)
    ours = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
    theirs = torch.nn.MaxPool2d if kind == "max" else torch.nn.AvgPool2d
    y, yt = ours(**kwargs)(x), theirs(**kwargs)(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    backward_both(y, yt)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_functional_forms_match_torch():
    x, xt = both(np.random.default_rng(3).normal(size=(2, 4, 8, 8)))
    w, wt = both(np.random.default_rng(4).normal(size=(6, 2, 3, 3)))
    y = F.max_pool2d(F.conv2d(x, w, None, 1, 1, 1, 2), 2)
    yt = torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(xt, wt, None, 1, 1, 1, 2), 2)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10)
    backward_both(y, yt)
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
