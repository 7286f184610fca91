"""Padding, resizing and patch extraction with PyTorch's argument conventions: `F.pad`, `F.interpolate`,
`F.adaptive_avg_pool2d`, `F.unfold`.

Resizing and adaptive average pooling are linear along each spatial axis, so each is two small matrix
products, y = Ph @ x @ Pw^T, with Ph (OH, H) and Pw (OW, W) built here; their gradients are matmul's.
"""

import numpy as np

from hackgrad.autograd import functional as af
from hackgrad.autograd import ops
from hackgrad.nn.functional.conv import _tensor

__all__ = ["pad", "interpolate", "upsample", "adaptive_avg_pool2d", "adaptive_avg_pool1d", "unfold"]


def pad(input, pad, mode="constant", value=None):
    """PyTorch's F.pad: `pad` lists (before, after) widths from the LAST dim backwards, e.g. (1, 1, 2, 0)
    pads the last dim by 1 on both sides and the one before by 2 on top. Negative widths crop."""
    x = _tensor(input)
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    widths = tuple(pad)
    if len(widths) % 2 or len(widths) // 2 > x.ndim:
        raise ValueError(f"pad: expected pairs for at most {x.ndim} dims, got {widths!r}")
    pairs = [(0, 0)] * x.ndim
    for i in range(len(widths) // 2):
        pairs[x.ndim - 1 - i] = (int(widths[2 * i]), int(widths[2 * i + 1]))
    return af.pad(x, tuple(pairs), value=0.0 if value is None else value)


def _adaptive_matrix(n_in, n_out, dtype):
    """(n_out, n_in): row i averages input cells floor(i*n/m) .. ceil((i+1)*n/m) - 1, PyTorch's bins."""
    P = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        a, b = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        P[i, a:b] = 1.0 / (b - a)
    return P


def _resize_matrix(n_in, n_out, mode, align_corners, scale, dtype):
    """(n_out, n_in) interpolation weights along one axis ('nearest' or 'linear')."""
    P = np.zeros((n_out, n_in), dtype=dtype)
    ratio = (n_in / n_out) if scale is None else 1.0 / scale
    if mode == "nearest":
        src = np.minimum(np.floor(np.arange(n_out) * ratio).astype(int), n_in - 1)
        P[np.arange(n_out), src] = 1
        return P
    if align_corners:
        src = np.arange(n_out) * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = np.maximum((np.arange(n_out) + 0.5) * ratio - 0.5, 0)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    np.add.at(P, (np.arange(n_out), lo), 1 - frac)
    np.add.at(P, (np.arange(n_out), hi), frac)
    return P


def _apply_axes(x, mats):
    """x (N, C, *spatial) with one matrix applied along each spatial axis."""
    if len(mats) == 1:
        return x @ x._lift(mats[0].T)  # (N, C, L) @ (L, OL)
    Ph, Pw = mats
    return (x._lift(Ph) @ x) @ x._lift(Pw.T)  # (OH, H) @ (N, C, H, W) @ (W, OW)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize (N, C, L) or (N, C, H, W) to `size` or by `scale_factor`; mode 'nearest', 'linear' or
    'bilinear' (align_corners as in PyTorch, default False)."""
    x = _tensor(input)
    spatial = x.ndim - 2
    if spatial not in (1, 2):
        raise ValueError(f"interpolate: expected (N, C, L) or (N, C, H, W), got {x.shape}")
    if mode not in ("nearest", "linear", "bilinear"):
        raise ValueError(f"interpolate: mode must be 'nearest', 'linear' or 'bilinear', got {mode!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if align_corners and mode == "nearest":
        raise ValueError("interpolate: align_corners only applies to the linear modes")
    ins = x.shape[2:]
    if size is not None:
        outs = (size,) * spatial if isinstance(size, (int, np.integer)) else tuple(size)
        scales = (None,) * spatial
    else:
        scales = (scale_factor,) * spatial if np.isscalar(scale_factor) else tuple(scale_factor)
        outs = tuple(int(np.floor(n * s)) for n, s in zip(ins, scales))
        scales = tuple(None if align_corners else s for s in scales)
    kind = "nearest" if mode == "nearest" else "linear"
    mats = [_resize_matrix(n, m, kind, bool(align_corners), s, x.dtype) for n, m, s in zip(ins, outs, scales)]
    return _apply_axes(x, mats)


upsample = interpolate


def adaptive_avg_pool2d(input, output_size):
    """Average (N, C, H, W) over an output_size grid of (nearly) equal bins, as PyTorch's."""
    x = _tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expected (N, C, H, W) or (C, H, W), got {x.shape}")
    oh, ow = (output_size, output_size) if isinstance(output_size, (int, np.integer)) else output_size
    H, W = x.shape[-2:]
    oh, ow = H if oh is None else oh, W if ow is None else ow
    return _apply_axes(x, [_adaptive_matrix(H, oh, x.dtype), _adaptive_matrix(W, ow, x.dtype)])


def adaptive_avg_pool1d(input, output_size):
    x = _tensor(input)
    return _apply_axes(x, [_adaptive_matrix(x.shape[-1], int(output_size), x.dtype)])


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every kh x kw patch of (N, C, H, W) as a column: (N, C*kh*kw, L), L the number of patches."""
    x = _tensor(input)
    if x.ndim != 4:
        raise ValueError(f"unfold: expected (N, C, H, W), got {x.shape}")
    kernel = ops.pair(kernel_size, "kernel_size", "unfold")
    dilation, stride = ops.pair(dilation, "dilation", "unfold"), ops.pair(stride, "stride", "unfold")
    ph, pw = ops.pair(padding, "padding", "unfold", minimum=0)
    H, W = x.shape[2:]
    if H + 2 * ph < dilation[0] * (kernel[0] - 1) + 1 or W + 2 * pw < dilation[1] * (kernel[1] - 1) + 1:
        raise ValueError(f"unfold: kernel {kernel} is larger than the padded input {x.shape}")
    return ops.Unfold.apply(x, kernel=kernel, stride=stride, pads=(ph, ph, pw, pw), dilation=dilation)

