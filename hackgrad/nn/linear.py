"""Dense layers: `Linear` (every input wired to every output), and the plumbing `Flatten` and `Identity`."""

import math

import numpy as np

from hackgrad.autograd import ops
from hackgrad.nn import init
from hackgrad.nn.functional.activation import _tensor
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["Linear", "Flatten", "Identity"]


class Linear(Module):
    """y = x @ weight.T + bias, with weight shaped (out_features, in_features) as in PyTorch, so
    weights move between the two as arrays. x: (*, in_features) -> y: (*, out_features).

    Initialised like PyTorch: weight ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a=sqrt(5)) and the
    same range for the bias. For deep ReLU stacks He initialisation keeps activations' scale better:
    `nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", rng=rng)`.
    `rng` (a Generator or int seed) or `seed` makes the draw reproducible; with neither, fresh entropy.
    """

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, *, rng=None, seed=None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters(rng=rng, seed=seed)

    def reset_parameters(self, *, rng=None, seed=None):
        rng = init.make_rng(seed, rng)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, rng=rng)
        return self

    def forward(self, x):
        x = _tensor(x, self.weight.dtype)
        if x.shape[-1:] != (self.in_features,) or x.dtype != self.weight.dtype:
            self._reject(x)
        # straight to the op (F.linear would check the weight's and bias's shapes again, on every call)
        if self.bias is None:
            return ops.Affine.apply(x, self.weight)
        return ops.Affine.apply(x, self.weight, self.bias)

    def _reject(self, x):
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"{self!r}: expected input of shape (*, {self.in_features}), got {x.shape}")
        raise TypeError(
            f"{self!r}: input dtype {x.dtype} does not match the weight's {self.weight.dtype}; "
            f"cast the input with .astype({str(self.weight.dtype)!r})"
        )

    def extra_repr(self):
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) with the defaults."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        x = _tensor(x)
        if x.ndim == 0:
            return ops.Reshape.apply(x, shape=(1,))
        start, end = self.start_dim % x.ndim, self.end_dim % x.ndim
        if not (-x.ndim <= self.start_dim < x.ndim and -x.ndim <= self.end_dim < x.ndim) or start > end:
            raise ValueError(
                f"{self!r}: cannot flatten dims {self.start_dim}..{self.end_dim} of an input shaped {x.shape}"
            )
        shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
        return x if shape == x.shape else ops.Reshape.apply(x, shape=shape)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """y = x: a placeholder where an architecture has an optional layer."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
