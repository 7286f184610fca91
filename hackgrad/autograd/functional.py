"""Every tensor op as a function: `exp(x)`, `cat([a, b], axis=1)`, `where(mask, x, 0.0)`, ...

These check and normalise arguments (PyTorch's `dim`/`keepdim` are accepted beside NumPy's `axis`/`keepdims`),
lift numbers and arrays to tensors, then call one op. `Tensor`'s methods are thin calls into this module.
Numbers mixed with a tensor take the tensor's dtype, so float32 stays float32.
"""

import builtins
import collections
import warnings

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


def amax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The largest values (NumPy's `max`, PyTorch's `amax`: values only); tied maxima share the gradient."""
    return ops.Max.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


def amin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The smallest values (NumPy's `min`, PyTorch's `amin`). Tied minima share the gradient evenly."""
    return ops.Min.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


MinMax = collections.namedtuple("MinMax", ["values", "indices"])  # PyTorch's return_types.max/min/topk/sort


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """PyTorch's `max`: over everything, the largest value; with `dim`, the pair (values, indices); with a
    tensor as second argument, the elementwise `maximum`. NumPy's `axis=` gives the values only (= amax).

    With `dim` the gradient goes to the index returned (the first maximum), as in PyTorch.
    """
    return _extreme(x, dim, keepdim, axis, keepdims, "max")


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """PyTorch's `min`: the smallest value, (values, indices) along `dim`, or the elementwise `minimum`."""
    return _extreme(x, dim, keepdim, axis, keepdims, "min")


def _extreme(x, dim, keepdim, axis, keepdims, name):
    if isinstance(dim, Tensor) or (dim is not None and np.ndim(dim) and not isinstance(dim, tuple)):
        return (maximum if name == "max" else minimum)(x, dim)
    values_only = amax if name == "max" else amin
    if axis is not None or dim is None or isinstance(dim, tuple):
        return values_only(x, axis if dim is None else dim, bool(keepdim or keepdims))
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, name)
    idx = (np.argmax if name == "max" else np.argmin)(x.data, axis=d, keepdims=True)
    values = ops.Gather.apply(x, index=idx, dim=d) if x.ndim else x
    if not keepdim and x.ndim:
        values, idx = ops.Reshape.apply(values, shape=idx.shape[:d] + idx.shape[d + 1 :]), idx.squeeze(d)
    return MinMax(values, Tensor._make(idx.astype(np.int64)))


def logsumexp(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """log(sum(exp(x))) computed without overflow (shifted by the max)."""
    return ops.LogSumExp.apply(_tensor(x), axis=_axis(axis, dim), keepdims=_keepdims(keepdims, keepdim))


def var(x, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None):
    """Variance with PyTorch's default `correction=1` (divide by n - 1); `correction=0` is NumPy's and
    batch norm's biased variance."""
    x = _tensor(x)
    axis, keepdims = _axis(axis, dim), _keepdims(keepdims, keepdim)
    axes = ops.normalize_axes(axis, x.ndim, "var")
    n = x.numel() if axes is None else int(np.prod([x.shape[a] for a in axes]))
    dof = n - correction
    if dof <= 0:  # PyTorch's answer: divide by zero (NaN or inf) and warn, rather than fail
        warnings.warn(
            f"var: {n} value(s) leave {dof} degrees of freedom at correction={correction}; the result is "
            "NaN or inf", RuntimeWarning, stacklevel=2,
        )
    d = x - ops.Mean.apply(x, axis=axes, keepdims=True)
    return ops.Sum.apply(d * d, axis=axes, keepdims=keepdims) * (1.0 / dof if dof > 0 else np.inf)


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

    Draws from `rng` (a `np.random.Generator`) or a generator made from `seed`; with neither, from the
    default generator (`hackgrad.manual_seed` makes it reproducible).
    """
    x = _tensor(x)
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return x
    from hackgrad.autograd.creation import get_rng  # (creation builds on this module)

    rng = get_rng(rng, seed, "dropout")
    draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    keep = rng.random(x.shape, dtype=draw_dtype) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = keep * np.asarray(scale, dtype=x.dtype if x.dtype.kind == "f" else np.float32)
    return ops.Mul.apply(x, Tensor._make(mask))


# --- comparisons and logic (not differentiable: boolean tensors) ------------------------------------
def _compare(ufunc):
    def compare(a, b):
        return Tensor._make(ufunc(a.data if isinstance(a, Tensor) else a, b.data if isinstance(b, Tensor) else b))

    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"Elementwise `{ufunc.__name__}` as a boolean tensor (broadcasting; no gradient)."
    return compare


eq, ne, lt, le, gt, ge = (_compare(u) for u in (
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal))


def _bool_reduce(reduce, x, dim, keepdim):
    x = _tensor(x)
    if dim is not None:
        dim = _dim_index(dim, x.ndim, reduce.__name__)
    return Tensor._make(np.asarray(reduce(x.data, axis=dim, keepdims=keepdim)))


def any(x, dim=None, keepdim=False):
    return _bool_reduce(np.any, x, dim, keepdim)


def all(x, dim=None, keepdim=False):
    return _bool_reduce(np.all, x, dim, keepdim)


def masked_fill(x, mask, value):
    """x with `value` wherever the boolean `mask` (broadcast to x) is true; no gradient flows there."""
    x = _tensor(x)
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: mask must be boolean, got dtype {mask.dtype}")
    value = _number(value.item() if isinstance(value, Tensor) else value)
    out = ops.Where.apply(x._lift(value), x, cond=mask)
    if out.shape != x.shape:
        raise ValueError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the tensor's {x.shape}")
    return out


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (at and below `diagonal`); zeros above it."""
    x = _tensor(x)
    keep = np.tri(*x.shape[-2:], k=diagonal, dtype=bool)
    return ops.Where.apply(x, x._lift(0), cond=keep)


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (at and above `diagonal`); zeros below it."""
    x = _tensor(x)
    keep = ~np.tri(*x.shape[-2:], k=diagonal - 1, dtype=bool)
    return ops.Where.apply(x, x._lift(0), cond=keep)


# --- indexing along one dim ----------------------------------------------------------------------------
def _index_array(index, what):
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must hold integers, got dtype {idx.dtype}")
    return idx.astype(np.intp, copy=False)


def _checked_index(x, dim, index, what):
    """(dim as a non-negative int, index checked for rank and range along dim)."""
    d = _dim_index(dim, x.ndim, what)
    idx = _index_array(index, what)
    if idx.ndim != x.ndim:
        raise ValueError(f"{what}: index must have as many dims as the tensor ({x.ndim}), got shape {idx.shape}")
    if idx.size and (idx.min() < -x.shape[d] or idx.max() >= x.shape[d]):
        raise IndexError(f"{what}: index out of range for dim {dim} of size {x.shape[d]}")
    return d, idx % builtins.max(x.shape[d], 1)


def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] for dim=0 (PyTorch's gather); the gradient is scattered back, adding."""
    x = _tensor(x)
    d, idx = _checked_index(x, dim, index, "gather")
    for k, (n, m) in enumerate(zip(idx.shape, x.shape)):
        if k != d and n > m:
            raise ValueError(f"gather: index shape {idx.shape} exceeds the tensor's {x.shape} in dim {k}")
    if idx.shape != x.shape:  # PyTorch reads only the leading part of the other dims
        x = x[tuple(slice(0, n) if k != d else slice(None) for k, n in enumerate(idx.shape))]
    return ops.Gather.apply(x, index=idx, dim=d)


def _source(x, src, what):
    if isinstance(src, Tensor):
        return src
    return x._lift(np.broadcast_to(np.asarray(src, dtype=x.dtype), np.shape(src) or (1,) * x.ndim))


def scatter_add(x, dim, index, src):
    """x with src[i][j] added at [index[i][j]][j] (dim=0); repeated indices add up."""
    x = _tensor(x)
    d, idx = _checked_index(x, dim, index, "scatter_add")
    return ops.ScatterAdd.apply(x, _source(x, src, "scatter_add"), index=idx, dim=d)


def scatter(x, dim, index, src=None, *, value=None):
    """x with src[i][j] (or the number `value`) written at [index[i][j]][j] for dim=0."""
    x = _tensor(x)
    d, idx = _checked_index(x, dim, index, "scatter")
    if (src is None) == (value is None):
        raise TypeError("scatter: give src (a tensor) or value (a number), not both")
    if src is None or not isinstance(src, Tensor):
        src = x._lift(np.full(idx.shape, value if src is None else src, dtype=x.dtype))
    return ops.Scatter.apply(x, src, index=idx, dim=d)


def index_select(x, dim, index):
    """The slices of x at the 1-D `index` along `dim` (a repeated index repeats the slice)."""
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "index_select")
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {idx.shape}")
    return ops.GetItem.apply(x, index=(slice(None),) * d + (idx.reshape(-1),))


def narrow(x, dim, start, length):
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "narrow")
    start = start + x.shape[d] if start < 0 else start
    if not 0 <= start <= start + length <= x.shape[d]:
        raise ValueError(f"narrow: [{start}, {start + length}) is outside dim {dim} of size {x.shape[d]}")
    return ops.GetItem.apply(x, index=(slice(None),) * d + (slice(start, start + length),))


def split(x, split_size_or_sections, dim=0):
    """Pieces of `split_size` along dim (the last may be shorter), or of the given list of sizes."""
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be > 0, got {size}")
        sizes = [builtins.min(size, n - i) for i in range(0, n, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to dim {dim}'s size {n}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(narrow(x, d, int(a), s) for a, s in zip(starts, sizes))


def chunk(x, chunks, dim=0):
    """`chunks` pieces of ceil(n / chunks) along dim (fewer when they run out, as in PyTorch)."""
    x = _tensor(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be > 0, got {chunks}")
    n = x.shape[_dim_index(dim, x.ndim, "chunk")]
    return split(x, builtins.max(-(-n // chunks), 1), dim)


def unbind(x, dim=0):
    """The slices along dim, each without that dim."""
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "unbind")
    return tuple(ops.GetItem.apply(x, index=(slice(None),) * d + (i,)) for i in range(x.shape[d]))


def flip(x, dims):
    x = _tensor(x)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    index = [slice(None)] * x.ndim
    for d in dims:
        index[_dim_index(d, x.ndim, "flip")] = slice(None, None, -1)
    return ops.GetItem.apply(x, index=tuple(index))


def roll(x, shifts, dims=None):
    x = _tensor(x)
    if dims is None:  # PyTorch rolls the flattened tensor
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    if isinstance(dims, (int, np.integer)):
        return ops.Roll.apply(x, shifts=int(shifts), dims=_dim_index(dims, x.ndim, "roll"))
    dims = tuple(_dim_index(d, x.ndim, "roll") for d in dims)
    return ops.Roll.apply(x, shifts=tuple(int(s) for s in shifts), dims=dims)


def repeat(x, *sizes):
    """PyTorch's `repeat`: tile x `sizes[i]` times along dim i (extra leading sizes add dims)."""
    x = _tensor(x)
    reps = _dims(sizes, "repeat")
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: give at least one count per dim ({x.ndim}), got {reps}")
    return ops.Tile.apply(x, reps=reps)


def cumsum(x, dim):
    x = _tensor(x)
    return ops.CumSum.apply(x, dim=_dim_index(dim, x.ndim, "cumsum"))


def sort(x, dim=-1, descending=False, stable=False):
    """(values, indices) along dim; the gradient goes back through the permutation."""
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "sort")
    idx = argsort(x, d, descending).data
    return MinMax(ops.Gather.apply(x, index=idx, dim=d), Tensor._make(idx))


def argsort(x, dim=-1, descending=False, stable=False):
    """Indices that sort x along dim (ties keep their order, also when descending)."""
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "argsort")
    data = -x.data if descending and x.dtype.kind != "b" else (~x.data if descending else x.data)
    return Tensor._make(np.argsort(data, axis=d, kind="stable").astype(np.int64))


def topk(x, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along dim and their indices, largest first."""
    x = _tensor(x)
    d = _dim_index(dim, x.ndim, "topk")
    if not 0 <= k <= x.shape[d]:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {x.shape[d]}")
    idx = argsort(x, d, descending=largest).data
    idx = np.take(idx, np.arange(k), axis=d)
    return MinMax(ops.Gather.apply(x, index=idx, dim=d), Tensor._make(idx))


# --- products ----------------------------------------------------------------------------------------
def bmm(a, b):
    """Batched matrix product of (B, n, k) and (B, k, m)."""
    a, b = _pair(a, b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: expected (B, n, k) and (B, k, m) with the same B, got {a.shape} and {b.shape}")
    return ops.MatMul.apply(a, b)


def outer(a, b):
    """a[i] * b[j] for 1-D a and b."""
    a, b = _pair(a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: expected two 1-D tensors, got {a.shape} and {b.shape}")
    return ops.Mul.apply(ops.Reshape.apply(a, shape=(-1, 1)), ops.Reshape.apply(b, shape=(1, -1)))


def einsum(equation, *operands):
    """Einstein summation (`einsum("bij,bjk->bik", a, b)`); implicit output ('ij,jk') as in NumPy."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    spec = equation.replace(" ", "")
    if "." in spec:
        raise ValueError("einsum: ellipsis ('...') is not supported; name every dim")
    if "->" not in spec:  # NumPy's implicit output: the letters used once, in alphabetical order
        letters = spec.replace(",", "")
        spec += "->" + "".join(c for c in builtins.sorted(set(letters)) if letters.count(c) == 1)
    inputs = spec.split("->")[0].split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(inputs)} operand(s), got {len(operands)}")
    first = next((t for t in operands if isinstance(t, Tensor)), None)
    tensors = [t if isinstance(t, Tensor) else (first._lift(t) if first is not None else Tensor(t))
               for t in operands]
    for sub, t in zip(inputs, tensors):
        if len(sub) != t.ndim:
            raise ValueError(f"einsum: subscripts {sub!r} do not match an operand of shape {t.shape}")
    return ops.Einsum.apply(*tensors, spec=spec)


def norm(x, p=2, dim=None, keepdim=False):
    """The p-norm (default 2; 'fro' is 2, inf the max |x|) over dim, or over everything."""
    x = _tensor(x)
    p = 2 if p == "fro" or p is None else p
    if not (p == np.inf or p > 0):
        raise ValueError(f"norm: p must be > 0, inf or 'fro', got {p!r}")
    axes = ops.normalize_axes(dim, x.ndim, "norm")
    return ops.Norm.apply(x, p=float(p), dim=axes, keepdim=bool(keepdim))


def erf(x):
    return ops.Erf.apply(_tensor(x))


def numel(x):
    return int(np.size(x.data if isinstance(x, Tensor) else x))


__all__ += [
    "eq", "ne", "lt", "le", "gt", "ge", "any", "all", "masked_fill", "tril", "triu",
    "gather", "scatter", "scatter_add", "index_select", "narrow", "split", "chunk", "unbind", "flip", "roll",
    "repeat", "cumsum", "sort", "argsort", "topk", "bmm", "outer", "einsum", "norm", "erf", "numel", "MinMax",
]
