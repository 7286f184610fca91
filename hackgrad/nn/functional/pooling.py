"""Stateless 2-D pooling, PyTorch's `F.max_pool2d` and `F.avg_pool2d` on NCHW images.

The ops (one strided slice per window offset, on channel-major memory) live in hackgrad/autograd/ops/conv.py.
"""

from hackgrad.autograd import ops
from hackgrad.nn.functional.conv import _batched, _tensor

__all__ = ["max_pool2d", "avg_pool2d"]


def _pool_args(x, kernel_size, stride, padding, dilation, layer):
    kernel = ops.pair(kernel_size, "kernel_size", layer)
    stride = kernel if stride is None else ops.pair(stride, "stride", layer)
    padding = ops.pair(padding, "padding", layer, minimum=0)
    dilation = ops.pair(dilation, "dilation", layer)
    for p, k, axis in zip(padding, kernel, ("height", "width")):
        if p > k // 2:  # a window of padding alone would have no value to pool
            raise ValueError(
                f"{layer}: padding ({p}) must be at most half the kernel size ({k}) along the {axis}"
            )
    H, W = x.shape[2:]
    for size, k, d, p, axis in (
        (H, kernel[0], dilation[0], padding[0], "height"),
        (W, kernel[1], dilation[1], padding[1], "width"),
    ):
        if size + 2 * p < d * (k - 1) + 1:
            raise ValueError(
                f"{layer}: the window ({kernel[0]}x{kernel[1]}) is larger than the padded input "
                f"along the {axis}; "
                f"input shape {x.shape}"
            )
    return dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, *, _layer=None):
    """y = the maximum of each kh x kw window (stride defaults to the kernel size; padding counts as -inf).

    The gradient goes to the first maximum of each window in row-major order, as in PyTorch.
    """
    layer = _layer or "max_pool2d"
    x, added = _batched(_tensor(input), layer, "(N, C, H, W)")
    y = ops.MaxPool2d.apply(x, **_pool_args(x, kernel_size, stride, padding, dilation, layer))
    return ops.Reshape.apply(y, shape=y.shape[1:]) if added else y


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True, *, _layer=None):
    """y = the mean of each kh x kw window; zero padding counts in the mean unless count_include_pad=False."""
    layer = _layer or "avg_pool2d"
    x, added = _batched(_tensor(input), layer, "(N, C, H, W)")
    args = _pool_args(x, kernel_size, stride, padding, 1, layer)
    y = ops.AvgPool2d.apply(x, count_include_pad=bool(count_include_pad), **args)
    return ops.Reshape.apply(y, shape=y.shape[1:]) if added else y
