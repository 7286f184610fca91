"""Nonlinearity layers: `nn.functional`'s activations as modules, and `Maxout`, which learns its own."""

import math

import numpy as np

from hackgrad.nn import functional as F
from hackgrad.nn import init
from hackgrad.nn.functional.activation import _tensor
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Maxout", "GELU", "SiLU", "ELU", "Softplus"]


class ReLU(Module):
    """max(0, x): the guide's favourite gate, a switch that passes positive values and their gradient."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x where positive, negative_slope * x elsewhere."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e**-x): squashes any score into (0, 1)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x): squashes any score into (-1, 1), centred at 0."""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along `dim` (pair it with nll_loss, or use cross_entropy on the scores directly)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.log_softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Maxout(Module):
    """y_j = max over k pieces of (x @ W_jk + b_jk) (Goodfellow et al., 2013): a learned piecewise-linear
    convex activation. x: (*, in_features) -> (*, out_features).

    weight is (out_features * pieces, in_features); rows j*pieces .. j*pieces + pieces - 1 are unit j's
    pieces. Initialised like `Linear`; `rng` or `seed` as there.
    """

    def __init__(self, in_features, out_features, pieces=2, bias=True, dtype=np.float32, *, rng=None,
                 seed=None):
        super().__init__()
        if not isinstance(pieces, (int, np.integer)) or pieces < 1:
            raise ValueError(f"Maxout: pieces must be a positive integer, got {pieces!r}")
        self.in_features, self.out_features, self.pieces = int(in_features), int(out_features), int(pieces)
        rows = self.out_features * self.pieces
        self.weight = Parameter(np.empty((rows, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(rows, dtype=dtype)) if bias else None
        rng = init.make_rng(seed, rng)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x):
        x = _tensor(x, self.weight.dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: expected input of shape (*, {self.in_features}), got {x.shape}")
        return F.maxout(F.linear(x, self.weight, self.bias), self.pieces)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}, "
                f"bias={self.bias is not None}")


class GELU(Module):
    """x * Phi(x) (approximate='tanh': GPT-2's tanh form)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x)."""

    def forward(self, x):
        return F.silu(x)


class ELU(Module):
    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
