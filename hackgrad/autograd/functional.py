"""Every tensor op as a function: `exp(x)`, `cat([a, b], axis=1)`, `where(mask, x, 0.0)`, ...

These check and normalise arguments (PyTorch's `dim`/`keepdim` are accepted beside NumPy's `axis`/`keepdims`),
lift numbers and arrays to tensors, then call one op. `Tensor`'s methods are thin calls into this module.
Numbers mixed with a tensor take the tensor's dtype, so float32 stays float32.
"""

import builtins

import numpy as np

from hackgrad.autograd import ops
from hackgrad.autograd.tensor import Tensor

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "matmul",
    "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "leaky_relu",
    "maximum", "minimum", "clip", "clamp", "where",
    "sum", "mean", "max", "min", "amax", "amin", "logsumexp", "var", "std", "argmax", "argmin",
    "softmax", "log_softmax",
    "reshape", "flatten", "transpose", "permute", "squeeze", "unsqueeze", "expand", "broadcast_to",
    "cat", "concatenate", "stack", "pad", "dropout",
]


# --- argument helpers ------------------------------------------------------------------------------
def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _pair(a, b):
    """Both operands as tensors; a plain number or array takes the dtype of the tensor beside it."""
    if isinstance(a, Tensor):
        return a, a._lift(b)
    if isinstance(b, Tensor):
        return b._lift(a), b
    return Tensor(a), Tensor(b)


def _number(v):
    """A NumPy scalar as a Python number: a float64 scalar would otherwise promote float32 arrays."""
    return v.item() if isinstance(v, np.generic) else v


def _axis(axis, dim):
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError("give axis or dim (its PyTorch name), not both")
    return dim


def _keepdims(keepdims, keepdim):
    return keepdims if keepdim is None else keepdim


def _dims(args, what):
    """`f(2, 3)` and `f((2, 3))` both mean the tuple (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{what}: expected ints, got {args!r}")
    return tuple(int(a) for a in args)


def _dim_index(d, ndim, what):
    if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
        raise ValueError(f"{what}: dim {d} is out of range for a tensor with {ndim} dimension(s)")
    return d % builtins.max(ndim, 1)


# --- arithmetic ------------------------------------------------------------------------------------
def add(a, b):
    return ops.Add.apply(*_pair(a, b))


def sub(a, b):
    return ops.Sub.apply(*_pair(a, b))


def mul(a, b):
    return ops.Mul.apply(*_pair(a, b))


def div(a, b):
    return ops.Div.apply(*_pair(a, b))


def neg(x):
    return ops.Neg.apply(_tensor(x))


def pow(x, exponent):
    """x ** exponent; a number exponent is a constant, a tensor exponent gets a gradient too."""
    if isinstance(exponent, Tensor) or np.ndim(exponent):
        return ops.PowTensor.apply(*_pair(x, exponent))
    return ops.Pow.apply(_tensor(x), p=_number(exponent))


def matmul(a, b):
    return ops.MatMul.apply(*_pair(a, b))


# --- nonlinearities --------------------------------------------------------------------------------
def exp(x):
    return ops.Exp.apply(_tensor(x))


def log(x):
    return ops.Log.apply(_tensor(x))


def sqrt(x):
    return ops.Sqrt.apply(_tensor(x))


def abs(x):
    return ops.Abs.apply(_tensor(x))


def tanh(x):
    return ops.Tanh.apply(_tensor(x))


def sigmoid(x):
    return ops.Sigmoid.apply(_tensor(x))


def relu(x):
    return ops.ReLU.apply(_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return ops.LeakyReLU.apply(_tensor(x), negative_slope=_number(negative_slope))


def maximum(a, b):
    """Elementwise max; on a tie each side gets half the gradient (as in PyTorch)."""
    return ops.Maximum.apply(*_pair(a, b))


def minimum(a, b):
    """Elementwise min; on a tie each side gets half the gradient (as in PyTorch)."""
    return ops.Minimum.apply(*_pair(a, b))


def clip(x, min=None, max=None):
    """Clamp into [min, max] (either may be None); the gradient passes where x is inside, bounds included."""
    return ops.Clip.apply(_tensor(x), min=_number(min), max=_number(max))


clamp = clip


def where(cond, x, y):
    """x where `cond` is true, else y (broadcast together); no gradient flows into the constant `cond`."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond)
    if cond.dtype != bool:
        raise TypeError(f"where: cond must be boolean, got dtype {cond.dtype}")
    return ops.Where.apply(*_pair(x, y), cond=cond)


# --- reductions ------------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return ops.Sum.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return ops.Mean.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


def max(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The largest values (NumPy's `max`, PyTorch's `amax`: values only); tied maxima share the gradient."""
    return ops.Max.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


def min(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The smallest values (NumPy's `min`, PyTorch's `amin`). Tied minima share the gradient evenly."""
    return ops.Min.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


amax, amin = max, min


def logsumexp(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """log(sum(exp(x))) computed without overflow (shifted by the max)."""
    return ops.LogSumExp.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


def var(x, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None):
    """Variance with PyTorch's default `correction=1` (divide by n - 1); `correction=0` is NumPy's and
    batch norm's biased variance."""
    x = _tensor(x)
    axis, keepdims = _axis(axis, dim), _keepdims(keepdims, keepdim)
    axes = ops.normalize_axes(axis, x.ndim, "var")
    n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
    if n - correction <= 0:
        raise ValueError(f"var: {n} value(s) leave no degrees of freedom at correction={correction}")
    d = x - ops.Mean.apply(x, axis=axes, keepdims=True)
    return ops.Sum.apply(d * d, axis=axes, keepdims=keepdims) / (n - correction)


def std(x, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None):
    """Standard deviation, sqrt(var(...)) with the same `correction` (PyTorch's default 1)."""
    return ops.Sqrt.apply(var(x, axis, keepdims, correction=correction, dim=dim, keepdim=keepdim))


def argmax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Index of the largest value (an integer tensor, not differentiable); the first one on a tie."""
    x = _tensor(x)
    axis = _axis(axis, dim)
    if axis is not None:
        axis = _dim_index(axis, x.ndim, "argmax")
    return Tensor._make(np.argmax(x.data, axis=axis, keepdims=_keepdims(keepdims, keepdim)))


def argmin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Index of the smallest value (an integer tensor, not differentiable); the first one on a tie."""
    x = _tensor(x)
    axis = _axis(axis, dim)
    if axis is not None:
        axis = _dim_index(axis, x.ndim, "argmin")
    return Tensor._make(np.argmin(x.data, axis=axis, keepdims=_keepdims(keepdims, keepdim)))


def log_softmax(x, axis=-1, *, dim=None):
    return ops.LogSoftmax.apply(_tensor(x), axis=axis if dim is None else dim)


def softmax(x, axis=-1, *, dim=None):
    """exp(log_softmax(x)): the normalisation happens in log space, so no exp() overflows."""
    return ops.Exp.apply(log_softmax(x, axis, dim=dim))


# --- shapes ----------------------------------------------------------------------------------------
def reshape(x, *shape):
    """`reshape(x, 2, -1)` or `reshape(x, (2, -1))`; one dimension may be -1 (inferred)."""
    return ops.Reshape.apply(_tensor(x), shape=_dims(shape, "reshape"))


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim (inclusive) into one, as PyTorch does; a 0-d tensor becomes (1,)."""
    x = _tensor(x)
    if x.ndim == 0:
        return ops.Reshape.apply(x, shape=(1,))
    start, end = _dim_index(start_dim, x.ndim, "flatten"), _dim_index(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :]
    return ops.Reshape.apply(x, shape=shape)


def transpose(x, dim0=-2, dim1=-1):
    """Swap two dims (PyTorch's `transpose(dim0, dim1)`); for a permutation of all dims use `permute`."""
    x = _tensor(x)
    i, j = _dim_index(dim0, x.ndim, "transpose"), _dim_index(dim1, x.ndim, "transpose")
    if i == j:
        return x
    axes = list(range(x.ndim))
    axes[i], axes[j] = axes[j], axes[i]
    return ops.Transpose.apply(x, axes=tuple(axes))


def permute(x, *dims):
    """Reorder all dims: `permute(x, 2, 0, 1)` puts dim 2 first."""
    return ops.Transpose.apply(_tensor(x), axes=_dims(dims, "permute"))


def squeeze(x, dim=None):
    """Drop dims of size 1 (all, or those in `dim`); a named dim of another size is kept, as in PyTorch."""
    x = _tensor(x)
    if dim is None:
        drop = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        drop = {i for i in (_dim_index(d, x.ndim, "squeeze") for d in dims) if x.ndim and x.shape[i] == 1}
    if not drop:
        return x
    return ops.Reshape.apply(x, shape=tuple(n for i, n in enumerate(x.shape) if i not in drop))


def unsqueeze(x, dim):
    """Insert a dim of size 1 at position `dim` (from -ndim-1 to ndim)."""
    x = _tensor(x)
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise ValueError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} dimension(s)")
    dim = dim + x.ndim + 1 if dim < 0 else dim
    return ops.Reshape.apply(x, shape=x.shape[:dim] + (1,) + x.shape[dim:])


def broadcast_to(x, shape):
    """Repeat size-1 dims and add leading dims to reach `shape`; the gradient sums them back."""
    return ops.BroadcastTo.apply(_tensor(x), shape=_dims((shape,), "broadcast_to"))


def expand(x, *sizes):
    """PyTorch's `expand`: like `broadcast_to`, where a size of -1 keeps that dim as it is."""
    x = _tensor(x)
    sizes = _dims(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {sizes} has fewer dims than the tensor's shape {x.shape}")
    shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
    return ops.BroadcastTo.apply(x, shape=shape)


def cat(tensors, axis=0, *, dim=None):
    """Join tensors along an existing axis; they must match in every other dimension."""
    tensors = _tensors(tensors, "cat")
    return ops.Concatenate.apply(*tensors, axis=int(axis if dim is None else dim))


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Join same-shaped tensors along a new axis."""
    tensors = _tensors(tensors, "stack")
    return ops.Stack.apply(*tensors, axis=int(axis if dim is None else dim))


def _tensors(seq, what):
    if isinstance(seq, Tensor) or not isinstance(seq, (list, tuple)):
        raise TypeError(f"{what}: expected a list or tuple of tensors, got {type(seq).__name__}")
    first = next((t for t in seq if isinstance(t, Tensor)), None)
    return [t if isinstance(t, Tensor) else (first._lift(t) if first is not None else Tensor(t)) for t in seq]


def pad(x, pad_width, value=0.0):
    """Pad with a constant border, NumPy style: `pad_width` is an int, one (before, after) pair for every
    dim, or a pair per dim, e.g. ((0, 0), (0, 0), (1, 1), (1, 1)) for an image batch."""
    return ops.Pad.apply(_tensor(x), pad_width=pad_width, value=_number(value))


def dropout(x, p=0.5, training=True, *, rng=None, seed=None):
    """Inverted dropout: zero each value with probability p and scale the survivors by 1/(1-p), so the
    expected value is unchanged and evaluation (`training=False`) is the identity.

    Draws from `rng` (a `np.random.Generator`) or a generator made from `seed`; pass one of them for
    reproducible masks (with neither, the mask is unseeded).
    """
    x = _tensor(x)
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if rng is None:
        rng = np.random.default_rng(seed)
    elif seed is not None:
        raise TypeError("dropout: give rng or seed, not both")
    draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    keep = rng.random(x.shape, dtype=draw_dtype) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = keep * np.asarray(scale, dtype=x.dtype if x.dtype.kind == "f" else np.float32)
    return ops.Mul.apply(x, Tensor._make(mask))
