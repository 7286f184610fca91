"""Stateless 2-D convolution, PyTorch's `F.conv2d`: NCHW images, (F, C/groups, kh, kw) weights.

The arithmetic (im2col, one GEMM, col2im) is the `Conv2d` op in hackgrad/autograd/ops/conv.py; this file
checks and normalises the arguments so that a wrong shape is reported in the caller's terms.
"""

from hackgrad.autograd import ops
from hackgrad.autograd.tensor import Tensor

__all__ = ["conv2d"]


def _tensor(x, dtype=None):
    """A tensor as it is; an array or list as a tensor (of `dtype`, e.g. the weight's, when given)."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


def _batched(x, layer, what):
    """Accept (N, C, H, W) or one unbatched image (C, H, W): (x as 4-D, whether a batch axis was added)."""
    if x.ndim == 3:
        return ops.Reshape.apply(x, shape=(1, *x.shape)), True
    if x.ndim != 4:
        raise ValueError(f"{layer}: expected input of shape {what} or an unbatched (C, H, W), got {x.shape}")
    return x, False


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, _layer=None):
    """y = cross-correlation of `input` (N, C, H, W) with `weight` (F, C/groups, kh, kw), plus `bias` (F,).

    `padding` is an int, a pair (height, width), 'valid' (none) or 'same' (output as large as the input;
    stride 1 only). Output: (N, F, OH, OW) with OH = floor((H + 2*ph - dilation*(kh-1) - 1) / stride) + 1.
    """
    w = _tensor(weight)
    x = _tensor(input, w.dtype if w.dtype.kind == "f" else None)
    layer = _layer or "conv2d"
    if w.ndim != 4:
        raise ValueError(
            f"{layer}: weight must have shape (out_channels, in_channels/groups, kh, kw), got {w.shape}"
        )
    F, Cg, kh, kw = w.shape
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1 or F % groups:
        raise ValueError(f"{layer}: groups must be a positive int dividing out_channels={F}, got {groups!r}")
    x, added = _batched(x, layer, f"(N, {Cg * groups}, H, W)")
    if x.shape[1] != Cg * groups:
        raise ValueError(
            f"{layer}: expected input of shape (N, {Cg * groups}, H, W) ({Cg * groups} channels), "
            f"got {x.shape}"
        )
    if x.dtype != w.dtype:
        raise TypeError(
            f"{layer}: input dtype {x.dtype} differs from weight dtype {w.dtype}; cast one with .astype()"
        )
    stride = ops.pair(stride, "stride", layer)
    dilation = ops.pair(dilation, "dilation", layer)
    pads = ops.conv_padding(padding, (kh, kw), dilation, stride, layer)
    H, W = x.shape[2:]
    for size, k, d, before, after, axis in (
        (H, kh, dilation[0], *pads[:2], "height"),
        (W, kw, dilation[1], *pads[2:], "width"),
    ):
        if size + before + after < d * (k - 1) + 1:
            raise ValueError(
                f"{layer}: the kernel ({kh}x{kw}, dilation {dilation}) is larger than the padded input "
                f"({H + pads[0] + pads[1]}x{W + pads[2] + pads[3]}) along the {axis}; input shape {x.shape}"
            )
    inputs = (x, w)
    if bias is not None:
        b = _tensor(bias, w.dtype)
        if b.shape != (F,):
            raise ValueError(f"{layer}: bias must have shape ({F},), got {b.shape}")
        inputs = (x, w, b)
    y = ops.Conv2d.apply(*inputs, stride=stride, pads=pads, dilation=dilation, groups=groups)
    return ops.Reshape.apply(y, shape=y.shape[1:]) if added else y
