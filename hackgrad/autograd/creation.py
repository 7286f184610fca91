"""Making tensors, PyTorch's way: `zeros`, `arange`, `randn`, `*_like`, ... and the default generator.

Every drawing function takes `rng` (a `numpy.random.Generator`) or `seed`; with neither it draws from the
default generator, which `manual_seed(s)` resets, so a PyTorch program that opens with
`torch.manual_seed(1337)` is reproducible here too. Floating results are float32 unless `dtype` says
otherwise; integer ones (`arange` of ints, `randint`, `randperm`) are int64, as in PyTorch.
"""

import builtins
import numbers

import numpy as np

from hackgrad.autograd.dtypes import as_device, as_dtype
from hackgrad.autograd.tensor import Tensor

__all__ = [
    "manual_seed", "seed", "default_generator", "get_rng",
    "zeros", "ones", "full", "empty", "eye", "arange", "linspace",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "rand", "randn", "randint", "randperm", "multinomial", "normal",
    "from_numpy", "as_tensor", "is_tensor", "is_floating_point", "numel", "allclose", "isclose",
]

_default = {"rng": np.random.default_rng()}


def manual_seed(seed):
    """Reset the default generator to `seed`: every later draw without its own rng/seed repeats."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"manual_seed: seed must be an integer >= 0, got {seed!r}")
    _default["rng"] = np.random.default_rng(int(seed))
    return _default["rng"]


def seed():
    """Reseed the default generator from fresh OS entropy."""
    _default["rng"] = np.random.default_rng()


def default_generator():
    return _default["rng"]


def get_rng(rng=None, seed=None, what="draw"):
    """The generator a drawing function uses: `rng`, a fresh one from `seed`, else the default one."""
    if rng is not None and seed is not None:
        raise TypeError(f"{what}: give rng or seed, not both")
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None and seed is None:
        return _default["rng"]
    s = seed if rng is None else rng
    if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
        raise TypeError(f"{what}: rng/seed must be a numpy.random.Generator or an integer >= 0, got {s!r}")
    return np.random.default_rng(int(s))


# --- filled tensors -------------------------------------------------------------------------------
def _size(size, what):
    """`f(2, 3)`, `f((2, 3))` and `f([2, 3])` all mean the shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise TypeError(f"{what}: a size must be made of integers >= 0, got {size!r}")
    return tuple(builtins.int(n) for n in size)


def _made(array, requires_grad, device, what):
    as_device(device, what)
    t = Tensor._make(array)
    return t.requires_grad_() if requires_grad else t


def _float(dtype, what):
    return np.dtype(np.float32) if dtype is None else as_dtype(dtype, what)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    return _made(np.zeros(_size(size, "zeros"), _float(dtype, "zeros")), requires_grad, device, "zeros")


def ones(*size, dtype=None, requires_grad=False, device=None):
    return _made(np.ones(_size(size, "ones"), _float(dtype, "ones")), requires_grad, device, "ones")


def empty(*size, dtype=None, requires_grad=False, device=None):
    """Zeros: NumPy's uninitialised memory would make results depend on what was there before."""
    return _made(np.zeros(_size(size, "empty"), _float(dtype, "empty")), requires_grad, device, "empty")


def full(size, fill_value, *, dtype=None, requires_grad=False, device=None):
    """A tensor of `size` filled with `fill_value`; its dtype follows the value (bool, int64, float32)."""
    if dtype is None:
        dtype = np.bool_ if isinstance(fill_value, bool) else (
            np.int64 if isinstance(fill_value, numbers.Integral) else np.float32)
    arr = np.full(_size((size,), "full"), fill_value, as_dtype(dtype, "full"))
    return _made(arr, requires_grad, device, "full")


def eye(n, m=None, *, dtype=None, requires_grad=False, device=None):
    return _made(np.eye(n, m, dtype=_float(dtype, "eye")), requires_grad, device, "eye")


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False, device=None):
    """[start, end) in steps; int64 when start, end and step are all integers, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dtype = (np.int64 if ints else np.float32) if dtype is None else as_dtype(dtype, "arange")
    return _made(np.arange(start, end, step).astype(dtype), requires_grad, device, "arange")


def linspace(start, end, steps, *, dtype=None, requires_grad=False, device=None):
    arr = np.linspace(start, end, steps).astype(_float(dtype, "linspace"))
    return _made(arr, requires_grad, device, "linspace")


def _like(t, dtype):
    src = t.data if isinstance(t, Tensor) else np.asarray(t)
    return src.shape, (src.dtype if dtype is None else as_dtype(dtype))


def zeros_like(t, *, dtype=None, requires_grad=False, device=None):
    shape, dt = _like(t, dtype)
    return _made(np.zeros(shape, dt), requires_grad, device, "zeros_like")


def ones_like(t, *, dtype=None, requires_grad=False, device=None):
    shape, dt = _like(t, dtype)
    return _made(np.ones(shape, dt), requires_grad, device, "ones_like")


def empty_like(t, *, dtype=None, requires_grad=False, device=None):
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad, device=device)


def full_like(t, fill_value, *, dtype=None, requires_grad=False, device=None):
    shape, dt = _like(t, dtype)
    return _made(np.full(shape, fill_value, dt), requires_grad, device, "full_like")


# --- random tensors ----------------------------------------------------------------------------------
def rand(*size, dtype=None, requires_grad=False, device=None, rng=None, seed=None, generator=None):
    """Uniform draws from [0, 1). `generator` is PyTorch's name for `rng`."""
    g = get_rng(rng if generator is None else generator, seed, "rand")
    arr = g.random(_size(size, "rand")).astype(_float(dtype, "rand"))
    return _made(arr, requires_grad, device, "rand")


def randn(*size, dtype=None, requires_grad=False, device=None, rng=None, seed=None, generator=None):
    """Standard normal draws."""
    g = get_rng(rng if generator is None else generator, seed, "randn")
    arr = g.standard_normal(_size(size, "randn")).astype(_float(dtype, "randn"))
    return _made(arr, requires_grad, device, "randn")


def rand_like(t, *, dtype=None, rng=None, seed=None, generator=None):
    shape, dt = _like(t, dtype)
    return rand(shape, dtype=dt, rng=rng, seed=seed, generator=generator)


def randn_like(t, *, dtype=None, rng=None, seed=None, generator=None):
    shape, dt = _like(t, dtype)
    return randn(shape, dtype=dt, rng=rng, seed=seed, generator=generator)


def normal(mean, std, size, *, dtype=None, rng=None, seed=None, generator=None):
    g = get_rng(rng if generator is None else generator, seed, "normal")
    arr = g.normal(mean, std, _size((size,), "normal")).astype(_float(dtype, "normal"))
    return Tensor._make(arr)


def randint(low, high=None, size=None, *, dtype=None, device=None, rng=None, seed=None, generator=None):
    """Integers in [low, high) (`randint(high, size)` draws from [0, high)), int64 by default."""
    if size is None:  # randint(high, size): PyTorch's two-argument form
        if high is None:
            raise TypeError("randint: give a size, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if not low < high:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    g = get_rng(rng if generator is None else generator, seed, "randint")
    arr = g.integers(low, high, _size((size,), "randint")).astype(as_dtype(dtype or np.int64))
    return _made(arr, False, device, "randint")


def randperm(n, *, dtype=None, device=None, rng=None, seed=None, generator=None):
    """A random permutation of 0..n-1 (int64)."""
    g = get_rng(rng if generator is None else generator, seed, "randperm")
    return _made(g.permutation(n).astype(as_dtype(dtype or np.int64)), False, device, "randperm")


def multinomial(input, num_samples, replacement=False, *, rng=None, seed=None, generator=None):
    """Draw `num_samples` category indices per row from the (unnormalised) weights `input` (C,) or (N, C)."""
    w = np.asarray(input.data if isinstance(input, Tensor) else input, dtype=np.float64)
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be (C,) or (N, C) weights, got shape {w.shape}")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("multinomial: weights must be finite and >= 0")
    rows = w.reshape(-1, w.shape[-1])
    totals = rows.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("multinomial: every row of weights needs a positive sum")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from fewer nonzero weights"
        )
    g = get_rng(rng if generator is None else generator, seed, "multinomial")
    out = np.stack([g.choice(len(p), num_samples, replace=replacement, p=p) for p in rows / totals])
    return Tensor._make(out.reshape(w.shape[:-1] + (num_samples,)).astype(np.int64))


# --- conversion and checks ---------------------------------------------------------------------------
def from_numpy(array):
    """A tensor sharing `array`'s memory and keeping its dtype (float64 stays float64, as in PyTorch)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array, dtype=array.dtype)


def as_tensor(data, dtype=None, device=None):
    as_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.dtype.kind == "f"


def numel(t):
    return builtins.int(np.size(t.data if isinstance(t, Tensor) else t))


def _raw(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(np.isclose(_raw(a), _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(np.allclose(_raw(a), _raw(b), rtol=rtol, atol=atol, equal_nan=equal_nan))
