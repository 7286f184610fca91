"""Max pooling whose windows tile the input (2x2 on even sizes, as in every MNIST CNN) takes a one-pass
backward when no window holds a tie; these tests pin it to the loop's results and to PyTorch."""

import numpy as np
import pytest

from hackgrad import gradcheck, nn
from hackgrad.autograd.tensor import Tensor


def _grad(x, kernel, g):
    t = Tensor(x, requires_grad=True, dtype=x.dtype)
    nn.MaxPool2d(kernel)(t).backward(g)
    return t.grad


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape, kernel", [((2, 3, 8, 8), 2), ((3, 2, 6, 9), 3), ((1, 1, 4, 6), (2, 3))])
def test_tiled_max_pool_matches_torch(shape, kernel, ties):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=shape)
    if ties:  # ReLU-like values: many windows hold several equal maxima (first one wins, as in PyTorch)
        x = np.maximum(np.round(x), 0)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.max_pool2d(xt, kernel)
    g = np.random.default_rng(1).normal(size=yt.shape)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(_grad(x, kernel, g), xt.grad.numpy())


def test_tiled_max_pool_gradcheck_and_float32():
    x = np.random.default_rng(2).normal(size=(2, 2, 4, 4))
    assert gradcheck(lambda t: nn.MaxPool2d(2)(t), Tensor(x, requires_grad=True, dtype="float64"))
    g = np.ones((2, 2, 2, 2), dtype=np.float32)
    dx = _grad(x.astype(np.float32), 2, g)
    assert dx.dtype == np.float32 and dx.sum() == 16  # one winner per window


def test_nan_windows_take_the_loop_and_keep_its_answer():
    x = np.random.default_rng(3).normal(size=(1, 1, 4, 4))
    x[0, 0, 0, 1] = np.nan
    dx = _grad(x, 2, np.ones((1, 1, 2, 2)))
    assert dx[0, 0, :2, :2].sum() == 0  # no element equals a NaN maximum: no gradient in that window
    assert dx[0, 0, 2:, :].sum() == 2 and dx[0, 0, :2, 2:].sum() == 1
