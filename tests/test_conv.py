"""Conv2d, MaxPool2d, AvgPool2d and their functional forms: float64 gradchecks over the edge cases (stride,
padding, dilation, groups, 1x1 kernels, kernel = image, odd sizes, overlapping and padded windows), a direct
loop reference, the tie rule of max pooling, the batch-innermost memory layout behind the NCHW views, and the
errors bad shapes get. Cross-checks against PyTorch live in tests/test_conv_torch.py."""

import math

import numpy as np
import pytest

import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd import gradcheck, no_grad
from hackgrad.autograd.ops.conv import col2im, im2col
from hackgrad.autograd.tensor import Tensor, tensor

f64 = np.float64


def leaf(shape, seed=0):
    return Tensor(np.random.default_rng(seed).normal(size=shape), requires_grad=True, dtype=f64)


def distinct(shape, seed=0):
    """Values at least 0.01 apart, so a finite difference of 1e-6 never reorders a pooling window."""
    values = np.random.default_rng(seed).permutation(math.prod(shape)) * 0.01
    return Tensor(values.reshape(shape), requires_grad=True, dtype=f64)


def conv_reference(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time."""
    N, C, H, W = x.shape
    F_, Cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    OW = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((N, F_, OH, OW))
    per_group = F_ // groups
    for n in range(N):
        for f in range(F_):
            g = f // per_group
            for oh in range(OH):
                for ow in range(OW):
                    rows = slice(oh * sh, oh * sh + dh * kh, dh)
                    cols = slice(ow * sw, ow * sw + dw * kw, dw)
                    patch = xp[n, g * Cg : (g + 1) * Cg, rows, cols]
                    y[n, f, oh, ow] = (patch * w[f]).sum() + (b[f] if b is not None else 0)
    return y


CONV_CASES = [
    # (x shape, weight shape, stride, padding, dilation, groups)
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 0, 1, 1),
    ((2, 3, 7, 5), (2, 3, 3, 2), 2, 1, 1, 1),  # odd sizes, stride 2, rectangular kernel
    ((1, 2, 6, 7), (3, 2, 2, 3), (2, 1), (1, 2), 1, 1),  # per-axis stride and padding
    ((1, 2, 7, 7), (2, 2, 3, 3), 1, 2, 2, 1),  # dilation
    ((2, 4, 5, 5), (6, 2, 3, 3), 1, 1, 1, 2),  # groups
    ((1, 3, 5, 4), (3, 1, 3, 3), 2, 1, (1, 2), 3),  # depthwise, stride, dilation
    ((2, 3, 4, 5), (5, 3, 1, 1), 1, 0, 1, 1),  # 1x1 kernel
    ((2, 3, 5, 5), (2, 3, 1, 1), 2, 0, 1, 1),  # 1x1 kernel with stride
    ((2, 3, 4, 5), (3, 3, 4, 5), 1, 0, 1, 1),  # kernel = image: one output pixel
    ((1, 1, 3, 3), (2, 1, 3, 3), 3, 1, 1, 1),  # stride larger than the output grid
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation, groups", CONV_CASES)
def test_conv2d_matches_the_definition_and_gradchecks(xs, ws, stride, padding, dilation, groups):
    x, w, b = leaf(xs, 1), leaf(ws, 2), leaf((ws[0],), 3)
    y = F.conv2d(x, w, b, stride, padding, dilation, groups)
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    ref = conv_reference(x.data, w.data, b.data, pair(stride), pair(padding), pair(dilation), groups)
    assert y.shape == ref.shape
    np.testing.assert_allclose(y.data, ref, atol=1e-12)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)


def test_conv2d_without_bias_and_same_padding():
    x, w = leaf((1, 2, 5, 6), 1), leaf((3, 2, 4, 3), 2)  # even kernel height: PyTorch pads 1 above, 2 below
    y = F.conv2d(x, w, padding="same")
    assert y.shape == (1, 3, 5, 6)
    xp = np.pad(x.data, ((0, 0), (0, 0), (1, 2), (1, 1)))
    ref = conv_reference(xp, w.data, None, (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(y.data, ref, atol=1e-12)
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding="same"), x, w)
    assert F.conv2d(x, w, padding="valid").shape == (1, 3, 2, 4)


def test_conv2d_accepts_one_unbatched_image():
    x, w, b = leaf((2, 5, 5), 1), leaf((3, 2, 3, 3), 2), leaf((3,), 3)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (3, 5, 5)
    np.testing.assert_allclose(y.data, F.conv2d(tensor(x.data[None], dtype=f64), w, b, padding=1).data[0])
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, b)


def test_module_stack_gradchecks_across_layouts():
    """conv -> relu -> maxpool -> conv -> avgpool -> flatten: the batch-innermost views pass between ops."""
    c1 = nn.Conv2d(2, 3, 3, padding=1, dtype=f64, seed=0)
    c2 = nn.Conv2d(3, 2, 2, stride=1, dtype=f64, seed=1)
    model = nn.Sequential(c1, nn.ReLU(), nn.MaxPool2d(2), c2, nn.AvgPool2d(2, stride=1), nn.Flatten())
    x = distinct((2, 2, 6, 6), seed=4)
    y = model(x)
    assert y.shape == (2, 2 * 1 * 1)
    assert gradcheck(lambda x, *ps: model(x), x, *model.parameters())


def test_conv_output_is_an_nchw_view_of_batch_innermost_memory():
    """The layout choice is internal: values are NCHW as PyTorch's, and memory is (C, H, W, N)."""
    layer = nn.Conv2d(1, 4, 3, padding=1, seed=0)
    x = tensor(np.random.default_rng(0).random((5, 1, 6, 6), dtype=np.float32))
    y = layer(x)
    assert y.shape == (5, 4, 6, 6)
    assert y.data.transpose(1, 2, 3, 0).flags.c_contiguous  # batch innermost, so the next layer needs no copy
    ref = conv_reference(
        x.data.astype(f64),
        layer.weight.data.astype(f64),
        layer.bias.data.astype(f64),
        (1, 1),
        (1, 1),
        (1, 1),
        1,
    )
    np.testing.assert_allclose(y.data, ref, rtol=1e-5, atol=1e-5)


def test_im2col_and_col2im_are_adjoint():
    """<im2col(x), c> = <x, col2im(c)> for any x, c: col2im is exactly the transpose of the unfolding."""
    rng = np.random.default_rng(0)
    shape, kernel, stride, pads, dilation = (3, 7, 6, 2), (3, 2), (2, 1), (1, 0, 2, 1), (1, 2)
    x = rng.normal(size=shape)
    cols = im2col(x, kernel, stride, pads, dilation)
    c = rng.normal(size=cols.shape)
    lhs = (cols * c).sum()
    rhs = (x * col2im(c, shape, kernel, stride, pads, dilation)).sum()
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_conv2d_module_parameters_init_and_repr():
    layer = nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2, seed=0)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == [("weight", (6, 2, 3, 2)), ("bias", (6,))]
    bound = 1 / math.sqrt(2 * 3 * 2)  # fan_in = in_channels / groups * kh * kw
    for p in layer.parameters():
        assert p.dtype == np.float32 and np.abs(p.data).max() <= bound and np.abs(p.data).max() > bound / 2
    again = nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2, seed=0)
    np.testing.assert_array_equal(layer.weight.data, again.weight.data)
    assert not np.array_equal(layer.weight.data, nn.Conv2d(4, 6, (3, 2), groups=2, seed=1).weight.data)
    assert repr(layer) == "Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), groups=2)"
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None


def test_conv2d_errors_name_the_layer_and_the_shapes():
    layer = nn.Conv2d(3, 8, 3)
    expected = r"Conv2d\(3, 8, kernel_size=\(3, 3\).*\(N, 3, H, W\).*\(2, 1, 28, 28\)"
    with pytest.raises(ValueError, match=expected):
        layer(tensor(np.zeros((2, 1, 28, 28))))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\).*\(28, 28\)"):
        layer(tensor(np.zeros((28, 28))))
    with pytest.raises(ValueError, match="larger than the padded input"):
        layer(tensor(np.zeros((1, 3, 2, 5))))
    with pytest.raises(TypeError, match="dtype"):
        layer(tensor(np.zeros((1, 3, 5, 5)), dtype=f64))
    with pytest.raises(ValueError, match="groups=2 must divide"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        nn.Conv2d(3, 8, 0)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        nn.Conv2d(3, 8, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="bias must have shape"):
        F.conv2d(tensor(np.zeros((1, 3, 5, 5))), tensor(np.zeros((8, 3, 3, 3))), tensor(np.zeros(3)))


# --- pooling --------------------------------------------------------------------------------------------

POOL_CASES = [
    # (x shape, kernel, stride, padding, dilation)
    ((2, 3, 6, 6), 2, None, 0, 1),  # the tiling fast path
    ((1, 2, 7, 5), 2, None, 0, 1),  # odd sizes: the last row/column is dropped
    ((1, 2, 5, 6), 3, 1, 0, 1),  # overlapping windows
    ((1, 2, 5, 5), 3, 2, 1, 1),  # overlapping and padded
    ((1, 1, 7, 6), (3, 2), (2, 1), (1, 1), (2, 1)),  # per-axis, dilated
    ((1, 1, 4, 4), 1, 2, 0, 1),  # windows that skip pixels
]


@pytest.mark.parametrize("xs, kernel, stride, padding, dilation", POOL_CASES)
def test_max_pool2d_gradchecks(xs, kernel, stride, padding, dilation):
    x = distinct(xs, seed=1)
    assert gradcheck(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation), x)


@pytest.mark.parametrize("xs, kernel, stride, padding", [case[:4] for case in POOL_CASES if case[4] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_gradchecks(xs, kernel, stride, padding, count_include_pad):
    x = leaf(xs, 1)  # (average pooling has no dilation, as in PyTorch)
    assert gradcheck(lambda x: F.avg_pool2d(x, kernel, stride, padding, count_include_pad), x)


def test_pooling_values_by_hand():
    x = tensor(np.arange(16.0).reshape(1, 1, 4, 4), dtype=f64)
    np.testing.assert_array_equal(F.max_pool2d(x, 2).data[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).data[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # padded: a corner window of 3x3 stride 2 pad 1 sees x[0:2, 0:2] and 5 zeros (or only 4 pixels)
    assert F.avg_pool2d(x, 3, 2, 1).data[0, 0, 0, 0] == pytest.approx((0 + 1 + 4 + 5) / 9)
    inside_only = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
    assert inside_only.data[0, 0, 0, 0] == pytest.approx((0 + 1 + 4 + 5) / 4)
    # padding is -inf for max pooling: a negative image keeps its own maximum
    assert F.max_pool2d(-x - 1, 3, 2, 1).data[0, 0, 0, 0] == -1


def test_max_pool_sends_a_tied_window_gradient_to_its_first_maximum():
    """After a ReLU whole windows are 0; PyTorch routes the gradient to the first of them, not to all."""
    x = tensor(np.zeros((1, 1, 4, 4)), dtype=f64, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    x2 = tensor(np.zeros((1, 1, 3, 3)), dtype=f64, requires_grad=True)
    F.max_pool2d(x2, 2, stride=1).sum().backward()  # overlapping windows, each led by a different pixel
    np.testing.assert_array_equal(x2.grad[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_pool_modules_and_errors():
    pool = nn.MaxPool2d(2)
    assert pool.stride == (2, 2) and repr(pool).startswith("MaxPool2d(kernel_size=(2, 2), stride=(2, 2)")
    assert nn.AvgPool2d(3, stride=1, padding=1)(tensor(np.ones((2, 3, 5, 5)))).shape == (2, 3, 5, 5)
    assert pool(tensor(np.ones((3, 6, 6)))).shape == (3, 3, 3)  # unbatched
    with pytest.raises(ValueError, match=r"MaxPool2d\(.*\(N, C, H, W\).*\(6, 6\)"):
        pool(tensor(np.ones((6, 6))))
    with pytest.raises(ValueError, match="at most half the kernel"):
        nn.MaxPool2d(2, padding=2)(tensor(np.ones((1, 1, 6, 6))))
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.AvgPool2d(4)(tensor(np.ones((1, 1, 3, 6))))


def test_no_grad_forward_and_float32_training_step():
    """A tiny CNN in float32 trains: the loss falls over a few SGD steps on a fixed batch."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, seed=0),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3, seed=1),
    )
    x = tensor(rng.random((12, 1, 8, 8), dtype=np.float32))
    y = tensor(rng.integers(0, 3, 12))
    with no_grad():
        first = F.cross_entropy(model(x), y).item()
    for _ in range(30):
        model.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        for p in model.parameters():
            assert p.grad.dtype == np.float32
            p.data -= 0.5 * p.grad
    assert loss.item() < 0.7 * first


def test_raw_arrays_take_the_weights_dtype():
    layer = nn.Conv2d(2, 3, 3, dtype=f64, seed=0)
    x = np.random.default_rng(0).normal(size=(1, 2, 5, 5))  # a float64 ndarray, not a tensor
    y = layer(x)
    assert y.dtype == f64
    np.testing.assert_array_equal(y.data, layer(tensor(x, dtype=f64)).data)
