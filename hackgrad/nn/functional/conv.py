"""Stateless 2-D convolution, PyTorch's `F.conv2d`: NCHW images, (F, C/groups, kh, kw) weights.

The arithmetic (im2col, one GEMM, col2im) is the `Conv2d` op in hackgrad/autograd/ops/conv.py; this file
checks and normalises the arguments so that a wrong shape is reported in the caller's terms.
"""

from hackgrad.autograd import ops
from hackgrad.autograd.tensor import Tensor

__all__ = ["conv2d", "conv1d", "conv_transpose2d"]


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


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of (N, C, L) (or (C, L)) with weight (F, C/groups, k): a conv2d over a height
    of 1, so one op serves both."""
    x, w = _tensor(input), _tensor(weight)
    if w.ndim != 3:
        raise ValueError(f"conv1d: weight must have shape (out_channels, in_channels/groups, k), got {w.shape}")
    if x.ndim not in (2, 3):
        raise ValueError(f"conv1d: expected input (N, C, L) or unbatched (C, L), got {x.shape}")
    x4 = x.unsqueeze(-2)  # (N, C, 1, L)
    pad = padding if isinstance(padding, str) else (0, _one(padding, "padding"))
    y = conv2d(x4, w.unsqueeze(-2), bias, (1, _one(stride, "stride")), pad, (1, _one(dilation, "dilation")),
               groups, _layer="conv1d")
    return y.squeeze(-2)


def _one(v, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"conv1d: {name} must be an int or a 1-tuple, got {v!r}")
        v = v[0]
    return v


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose (adjoint) of conv2d, used to upsample: input (N, C, H, W), weight (C, F, kh, kw),
    output (N, F, (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1, ...)."""
    x, w = _tensor(input), _tensor(weight)
    layer = "conv_transpose2d"
    if groups != 1:
        raise ValueError(f"{layer}: only groups=1 is supported, got {groups}")
    if w.ndim != 4 or x.ndim != 4 or x.shape[1] != w.shape[0]:
        raise ValueError(f"{layer}: expected input (N, C, H, W) and weight (C, F, kh, kw), got {x.shape}, {w.shape}")
    if x.dtype != w.dtype:
        raise TypeError(f"{layer}: input dtype {x.dtype} differs from weight dtype {w.dtype}")
    stride, dilation = ops.pair(stride, "stride", layer), ops.pair(dilation, "dilation", layer)
    ph, pw = ops.pair(padding, "padding", layer, minimum=0)
    oph, opw = ops.pair(output_padding, "output_padding", layer, minimum=0)
    if oph >= max(stride[0], dilation[0]) or opw >= max(stride[1], dilation[1]):
        raise ValueError(f"{layer}: output_padding must be smaller than stride or dilation, got {output_padding}")
    kh, kw = w.shape[2:]
    H, W = x.shape[2:]
    out_hw = ((H - 1) * stride[0] - 2 * ph + dilation[0] * (kh - 1) + oph + 1,
              (W - 1) * stride[1] - 2 * pw + dilation[1] * (kw - 1) + opw + 1)
    if min(out_hw) < 1:
        raise ValueError(f"{layer}: the output would be empty ({out_hw}) for input {x.shape}")
    inputs = (x, w) if bias is None else (x, w, _tensor(bias, w.dtype))
    return ops.ConvTranspose2d.apply(*inputs, stride=stride, pads=(ph, ph, pw, pw), dilation=dilation,
                                     out_hw=out_hw)
