"""Convolution and pooling over images: im2col / col2im and the ops built on them.

Tensors are NCHW at the API, as PyTorch users expect. Inside, these ops keep activations in memory as
(C, H, W, N), batch innermost, and hand back the NCHW *view* of that array (a transpose, no copy):

- the convolution GEMM `W (F, K) @ cols (K, OH*OW*N)` writes its result as (F, OH, OW, N) directly, so the
  output needs no reordering, and the next conv or pool finds its input in this layout without a copy;
- im2col copies and col2im adds one (C, OH, OW, N) slab per kernel offset (kh*kw NumPy calls, not one per
  window), and with the batch innermost a slab's contiguous runs are OW*N values long. Measured for the
  second conv of bench/cnn.py (8 channels, 14x14, 5x5, batch 64, 1 thread): im2col 1.0 ms and col2im 1.8 ms,
  against 2.0 and 4.6 ms with (C, N, H, W), whose runs are one image row, and 1.1 and 22.8 ms channels-last
  (N, H, W, C), whose col2im adds runs only C values long.

Pooling works on the same layout with one strided slice per window offset (kh*kw NumPy calls on output-sized
arrays) instead of materialising windows.
"""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Conv2d", "ConvTranspose2d", "Unfold", "MaxPool2d", "AvgPool2d", "im2col", "col2im", "conv_output_size", "pair", "conv_padding"]


# --- arguments --------------------------------------------------------------------------------------
def pair(v, name, layer, minimum=1):
    """An int or a pair of ints as a pair (height, width), checked against `minimum`."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        v = (int(v), int(v))
    elif (
        isinstance(v, (tuple, list))
        and len(v) == 2
        and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in v)
    ):
        v = (int(v[0]), int(v[1]))
    else:
        raise TypeError(f"{layer}: {name} must be an int or a pair of ints, got {v!r}")
    if min(v) < minimum:
        raise ValueError(f"{layer}: {name} must be >= {minimum}, got {v}")
    return v


def conv_padding(padding, kernel, dilation, stride, layer):
    """Padding as (top, bottom, left, right): an int, a pair, or 'valid' / 'same' (stride 1 only)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{layer}: padding='same' needs stride 1, got stride {stride}")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)  # PyTorch puts the odd extra row/column at the bottom/right
                pads += [total // 2, total - total // 2]
            return tuple(pads)
        raise ValueError(f"{layer}: padding must be an int, a pair, 'valid' or 'same'; got {padding!r}")
    ph, pw = pair(padding, "padding", layer, minimum=0)
    return (ph, ph, pw, pw)


def conv_output_size(size, kernel, stride, pad_before, pad_after, dilation):
    """floor((size + padding - dilation*(kernel-1) - 1) / stride) + 1, the positions a window fits."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


# --- im2col / col2im on batch-innermost (C, H, W, N) arrays -----------------------------------------
def _chwn(x):
    """The (C, H, W, N) view of an NCHW array (a copy-free transpose)."""
    return x.transpose(1, 2, 3, 0)


def _nchw(a):
    """The NCHW view of a (C, H, W, N) array (a copy-free transpose)."""
    return a.transpose(3, 0, 1, 2)


def _offset(i, d, s, n):
    """The slice of a padded axis that kernel offset i touches for n output positions."""
    start = i * d
    return slice(start, start + s * (n - 1) + 1, s)


def _padded(xc, pads, value=0):
    """xc (C, H, W, N) with a border of `value`, as a contiguous array (xc itself when it already is one)."""
    pt, pb, pl, pr = pads
    if not (pt or pb or pl or pr):
        return np.ascontiguousarray(xc)
    C, H, W, N = xc.shape
    xp = np.full((C, H + pt + pb, W + pl + pr, N), value, dtype=xc.dtype)
    xp[:, pt : pt + H, pl : pl + W] = xc
    return xp


def im2col(xc, kernel, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1)):
    """Unfold every receptive field into a column: xc (C, H, W, N) -> cols (C*kh*kw, OH*OW*N).

    Row order is (c, i, j), the order of a PyTorch weight (F, C, kh, kw) flattened, so the convolution is
    `weight.reshape(F, -1) @ cols`. One slab copy per kernel offset (kh*kw NumPy calls, not OH*OW*N).
    """
    C, H, W, N = xc.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    OH = conv_output_size(H, kh, sh, pads[0], pads[1], dh)
    OW = conv_output_size(W, kw, sw, pads[2], pads[3], dw)
    xp = _padded(xc, pads)
    if (kh, kw, sh, sw) == (1, 1, 1, 1):
        return xp.reshape(C, OH * OW * N)  # a 1x1 convolution reads the (padded) image as it is
    cols = np.empty((C, kh, kw, OH, OW, N), dtype=xc.dtype)
    for i in range(kh):
        rows = _offset(i, dh, sh, OH)
        for j in range(kw):
            cols[:, i, j] = xp[:, rows, _offset(j, dw, sw, OW)]
    return cols.reshape(C * kh * kw, OH * OW * N)


def col2im(dcols, shape, kernel, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1)):
    """The adjoint of im2col: add every column back onto the pixels it came from.

    dcols (C*kh*kw, OH*OW*N) -> dx (C, H, W, N). Overlapping windows add up: kh*kw strided slab adds
    (np.add.at over every element would be an order of magnitude slower).
    """
    C, H, W, N = shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    pt, pb, pl, pr = pads
    OH = conv_output_size(H, kh, sh, pt, pb, dh)
    OW = conv_output_size(W, kw, sw, pl, pr, dw)
    dcols = dcols.reshape(C, kh, kw, OH, OW, N)
    dxp = np.zeros((C, H + pt + pb, W + pl + pr, N), dtype=dcols.dtype)
    for i in range(kh):
        rows = _offset(i, dh, sh, OH)
        for j in range(kw):
            dxp[:, rows, _offset(j, dw, sw, OW)] += dcols[:, i, j]
    return dxp[:, pt : pt + H, pl : pl + W]


# --- convolution ------------------------------------------------------------------------------------
class Conv2d(Function):
    """y[n, f] = sum_{c, i, j} W[f, c, i, j] * x[n, c, s*oh + d*i, s*ow + d*j] + b[f], as one GEMM on im2col:
    y = W @ cols + b;  dW = dy @ cols.T, db = sum(dy), dx = col2im(W.T @ dy)

    Inputs x (N, C, H, W), weight (F, C/groups, kh, kw) and optionally bias (F,). Hyperparameters:
    stride, dilation (pairs), pads (top, bottom, left, right), groups. Groups are a batch of GEMMs, one per
    group of C/groups input channels and F/groups filters.
    """

    def forward(self, x, weight, bias=None):
        N, C, H, W = x.shape
        F, Cg, kh, kw = weight.shape
        G = self.groups
        self.x_shape, self.kernel = x.shape, (kh, kw)
        cols = im2col(_chwn(x), self.kernel, self.stride, self.pads, self.dilation)  # (C*kh*kw, OH*OW*N)
        OH = conv_output_size(H, kh, self.stride[0], self.pads[0], self.pads[1], self.dilation[0])
        OW = conv_output_size(W, kw, self.stride[1], self.pads[2], self.pads[3], self.dilation[1])
        w = weight.reshape(G, F // G, Cg * kh * kw)
        if G == 1:
            y = w[0] @ cols  # (F, OH*OW*N)
        else:
            y = np.matmul(w, cols.reshape(G, Cg * kh * kw, -1)).reshape(F, -1)
        if bias is not None:
            y += bias[:, None]
        self.cols, self.w = cols, w
        return _nchw(y.reshape(F, OH, OW, N))  # the NCHW view of batch-innermost memory

    def backward(self, dy):
        N, C, H, W = self.x_shape
        F = dy.shape[1]
        G = self.groups
        need_x, need_w = self.needs_grad[:2]
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        dy = _chwn(dy).reshape(F, -1)  # (F, OH*OW*N); free when dy is batch-innermost already
        dx = dW = db = None
        if need_b:
            db = dy.sum(axis=1)
        if G == 1:
            if need_w:
                dW = (dy @ self.cols.T).reshape(F, -1, *self.kernel)
            if need_x:
                dcols = self.w[0].T @ dy  # (C*kh*kw, OH*OW*N)
        else:
            dy3 = dy.reshape(G, F // G, -1)
            if need_w:
                cols3 = self.cols.reshape(G, -1, dy.shape[1])
                dW = np.matmul(dy3, cols3.transpose(0, 2, 1)).reshape(F, -1, *self.kernel)
            if need_x:
                dcols = np.matmul(self.w.transpose(0, 2, 1), dy3).reshape(-1, dy.shape[1])
        if need_x:
            dx = _nchw(col2im(dcols, (C, H, W, N), self.kernel, self.stride, self.pads, self.dilation))
        return dx, dW, db


class ConvTranspose2d(Function):
    """The adjoint of Conv2d (its backward with respect to the input, run forward):
    y = col2im(W.T @ x) + b;  dx = W @ im2col(dy), dW = x @ im2col(dy).T, db = sum(dy)

    Inputs x (N, C, H, W), weight (C, F, kh, kw) (PyTorch's layout: in_channels first) and optionally bias
    (F,). Output (N, F, OH, OW) with OH = (H - 1) * stride - pad_top - pad_bottom + dilation*(kh-1) + 1 +
    output_padding. Hyperparameters: stride, dilation, pads (top, bottom, left, right), out_hw (OH, OW).
    """

    def forward(self, x, weight, bias=None):
        N, C, H, W = x.shape
        _, F, kh, kw = weight.shape
        OH, OW = self.out_hw
        self.kernel, self.x_shape, self.out_shape = (kh, kw), x.shape, (F, OH, OW, N)
        self.x2 = _chwn(x).reshape(C, -1)  # (C, H*W*N): the "columns" a convolution of y would produce
        self.w2 = weight.reshape(C, F * kh * kw)
        cols = self.w2.T @ self.x2  # (F*kh*kw, H*W*N)
        y = col2im(cols, self.out_shape, self.kernel, self.stride, self.pads, self.dilation)  # (F, OH, OW, N)
        if bias is not None:
            y = y + bias[:, None, None, None]
        return _nchw(np.ascontiguousarray(y))

    def backward(self, dy):
        need_x, need_w = self.needs_grad[:2]
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        dyc = _chwn(dy)  # (F, OH, OW, N)
        cols = im2col(dyc, self.kernel, self.stride, self.pads, self.dilation)  # (F*kh*kw, H*W*N)
        N, C, H, W = self.x_shape
        dx = _nchw((self.w2 @ cols).reshape(C, H, W, N)) if need_x else None
        dW = (self.x2 @ cols.T).reshape(C, -1, *self.kernel) if need_w else None
        db = dyc.sum(axis=(1, 2, 3)) if need_b else None
        return dx, dW, db


class Unfold(Function):
    """y = im2col(x) as (N, C*kh*kw, L), PyTorch's F.unfold;  dx = col2im(dy), overlapping windows adding"""

    def forward(self, x):
        N, C, H, W = x.shape
        self.shape = (C, H, W, N)
        cols = im2col(_chwn(x), self.kernel, self.stride, self.pads, self.dilation)  # (C*kh*kw, L*N)
        return np.ascontiguousarray(cols.reshape(cols.shape[0], -1, N).transpose(2, 0, 1))  # (N, C*kh*kw, L)

    def backward(self, dy):
        dcols = dy.transpose(1, 2, 0).reshape(dy.shape[1], -1)  # (C*kh*kw, L*N)
        return (_nchw(col2im(dcols, self.shape, self.kernel, self.stride, self.pads, self.dilation)),)


# --- pooling ----------------------------------------------------------------------------------------
class _Pool2d(Function):
    """Shared plumbing: windows are strided slices of the (padded) batch-innermost input, one per offset."""

    pad_value = 0

    def _windows(self, x):
        N, C, H, W = x.shape
        (kh, kw), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
        ph, pw = self.padding
        OH = conv_output_size(H, kh, sh, ph, ph, dh)
        OW = conv_output_size(W, kw, sw, pw, pw, dw)
        self.x_shape, self.dtype = x.shape, x.dtype
        xp = _padded(_chwn(x), (ph, ph, pw, pw), self.pad_value)
        self.slices = [
            (slice(None), _offset(i, dh, sh, OH), _offset(j, dw, sw, OW))
            for i in range(kh)
            for j in range(kw)
        ]  # window offsets in row-major order, the order in which ties are broken
        # windows that tile the padded input exactly: every pixel in exactly one window
        padded_hw = (H + 2 * ph, W + 2 * pw)
        self.tiled = (kh, kw) == (sh, sw) and (dh, dw) == (1, 1) and padded_hw == (OH * kh, OW * kw)
        return xp

    def _grad_buffer(self):
        N, C, H, W = self.x_shape
        ph, pw = self.padding
        shape = (C, H + 2 * ph, W + 2 * pw, N)
        return np.empty(shape, dtype=self.dtype) if self.tiled else np.zeros(shape, dtype=self.dtype)

    def _crop(self, dxp):
        N, C, H, W = self.x_shape
        ph, pw = self.padding
        return _nchw(dxp[:, ph : ph + H, pw : pw + W])


class MaxPool2d(_Pool2d):
    """y = max over each window;  dx = dy routed to the first maximum of its window (PyTorch's tie rule)"""

    pad_value = -np.inf

    def forward(self, x):
        xp = self._windows(x)
        slices = self.slices
        y = np.array(xp[slices[0]], dtype=x.dtype)  # (C, OH, OW, N)
        for sl in slices[1:]:
            np.maximum(y, xp[sl], out=y)
        self.xp, self.y = xp, y
        return _nchw(y)

    def backward(self, dy):
        dy = _chwn(dy)
        xp, y = self.xp, self.y
        dxp = self._grad_buffer()
        last = len(self.slices) - 1
        unclaimed = None  # windows whose (first) maximum is not found yet; None: all of them
        for k, sl in enumerate(self.slices):
            hit = np.equal(xp[sl], y)
            if unclaimed is not None:
                hit &= unclaimed
            if k < last:
                if unclaimed is None:
                    unclaimed = ~hit
                else:
                    unclaimed ^= hit
            if self.tiled:
                np.multiply(dy, hit, out=dxp[sl])
            else:  # windows overlap (or leave gaps): shared pixels add up their gradients
                dxp[sl] += dy * hit
        return (self._crop(dxp),)


class AvgPool2d(_Pool2d):
    """y = mean over each window;  dx = dy / window count, spread over the window"""

    def forward(self, x):
        xp = self._windows(x)
        y = np.array(xp[self.slices[0]], dtype=x.dtype)
        for sl in self.slices[1:]:
            y += xp[sl]
        self.scale = self._divisor(x.dtype)
        y *= self.scale
        return _nchw(y)

    def _divisor(self, dtype):
        """1/count per output position, (OH, OW, 1): kh*kw, or (count_include_pad=False) the pixels inside."""
        kh, kw = self.kernel
        if self.count_include_pad or self.padding == (0, 0):
            return dtype.type(1.0 / (kh * kw))
        N, C, H, W = self.x_shape
        ph, pw = self.padding
        inside = np.zeros((H + 2 * ph, W + 2 * pw, 1), dtype=dtype)
        inside[ph : ph + H, pw : pw + W] = 1
        count = sum(inside[sl[1:]] for sl in self.slices)  # (OH, OW, 1)
        return 1 / count

    def backward(self, dy):
        dy = _chwn(dy) * self.scale
        dxp = self._grad_buffer()
        for sl in self.slices:
            if self.tiled:
                dxp[sl] = dy
            else:
                dxp[sl] += dy
        return (self._crop(dxp),)
