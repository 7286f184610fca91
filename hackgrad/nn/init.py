"""Initialisers: fill a weight in place with values drawn for a healthy start (PyTorch's `nn.init` names).

Randomness is explicit. Every drawing initialiser takes `rng` (a `numpy.random.Generator`, or an int used as
a seed) or `seed` (an int); with neither it draws from the default generator (fresh OS entropy until
`hackgrad.manual_seed` sets it, as in PyTorch), so pass one of them, or seed once, for a reproducible run. Each works on a `Tensor`/`Parameter` or a NumPy array, keeps its dtype and returns it.

Scales follow the usual analysis of a layer's variance: Xavier/Glorot keeps it equal forwards and
backwards (`std = gain * sqrt(2 / (fan_in + fan_out))`), Kaiming/He keeps it through ReLUs
(`std = gain / sqrt(fan)`), with `calculate_gain` giving the factor each nonlinearity needs.
"""

import math
import numbers

import numpy as np

from hackgrad.autograd.creation import default_generator
from hackgrad.util import make_rng

__all__ = [
    "make_rng", "calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_",
    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "trunc_normal_", "eye_",
]


def _rng(seed, rng):
    """`make_rng`, but with neither given the default generator (what `hackgrad.manual_seed` set, as in PyTorch)."""
    if seed is None and rng is None:
        return default_generator()
    return make_rng(seed, rng)


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through `nonlinearity` (PyTorch's values)."""
    linear = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of {', '.join(linear)}, "
        "tanh, relu, leaky_relu, selu"
    )


def _array(t):
    arr = t if isinstance(t, np.ndarray) else getattr(t, "data", None)  # (an ndarray's .data is its buffer)
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"init: expected a Tensor, Parameter or NumPy array, got {type(t).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"init: can only fill floating-point arrays, got dtype {arr.dtype}")
    return arr


def _fill(t, values):
    arr = _array(t)
    arr[...] = values  # in place, so the parameter's identity (seen by optimizers) and dtype are kept
    return t


def _fans(t):
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel), PyTorch's layout."""
    shape = _array(t).shape
    if len(shape) < 2:
        raise ValueError(f"init: fan in and fan out need at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def uniform_(t, a=0.0, b=1.0, *, rng=None, seed=None):
    """Fill with draws from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    return _fill(t, _rng(seed, rng).uniform(a, b, _array(t).shape))


def normal_(t, mean=0.0, std=1.0, *, rng=None, seed=None):
    """Fill with draws from N(mean, std**2)."""
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(t, _rng(seed, rng).normal(mean, std, _array(t).shape))


def constant_(t, val):
    return _fill(t, val)


def zeros_(t):
    return _fill(t, 0)


def ones_(t):
    return _fill(t, 1)


def xavier_uniform_(t, gain=1.0, *, rng=None, seed=None):
    """U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(t)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -bound, bound, rng=rng, seed=seed)


def xavier_normal_(t, gain=1.0, *, rng=None, seed=None):
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng=rng, seed=seed)


def _kaiming_std(t, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: unknown mode {mode!r}; expected 'fan_in' or 'fan_out'")
    fan_in, fan_out = _fans(t)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None, seed=None):
    """U(-bound, bound), bound = sqrt(3) * gain / sqrt(fan) (He et al., 2015); `a` is leaky_relu's slope."""
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound, rng=rng, seed=seed)


def kaiming_normal_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None, seed=None):
    """N(0, std**2) with std = gain / sqrt(fan) (He et al., 2015)."""
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity), rng=rng, seed=seed)


def orthogonal_(t, gain=1.0, *, rng=None, seed=None):
    """A (semi-)orthogonal matrix times `gain`, from the QR of a Gaussian matrix (Saxe et al., 2013)."""
    arr = _array(t)
    if arr.ndim < 2:
        raise ValueError(f"orthogonal_: need at least 2 dimensions, got shape {arr.shape}")
    rows, cols = arr.shape[0], arr.size // arr.shape[0]
    flat = _rng(seed, rng).normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the draw uniform over orthogonal matrices (Mezzadri, 2007)
    if rows < cols:
        q = q.T
    return _fill(t, gain * q.reshape(arr.shape))


def trunc_normal_(t, mean=0.0, std=1.0, a=-2.0, b=2.0, *, rng=None, seed=None):
    """N(mean, std**2) restricted to [a, b] (absolute bounds, as in PyTorch), by redrawing what falls out."""
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    g = _rng(seed, rng)
    shape = _array(t).shape
    values = g.normal(mean, std, shape)
    bad = (values < a) | (values > b)
    while bad.any():  # each redraw keeps a value inside with probability >= P(a <= X <= b)
        values[bad] = g.normal(mean, std, int(bad.sum()))
        bad = (values < a) | (values > b)
    return _fill(t, values)


def eye_(t):
    """The identity matrix (ones on the diagonal of a 2-D weight)."""
    arr = _array(t)
    if arr.ndim != 2:
        raise ValueError(f"eye_: expected a 2-D tensor, got shape {arr.shape}")
    return _fill(t, np.eye(*arr.shape))
