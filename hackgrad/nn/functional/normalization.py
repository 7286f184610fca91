"""Stateless layer and group normalisation, PyTorch's `F.layer_norm` and `F.group_norm`.

Both are composed from mean, var and arithmetic (their gradients follow from those ops); the variance is
the biased one (divide by n), as in PyTorch's normalisation layers.
"""

import numbers

from hackgrad.autograd.tensor import Tensor

__all__ = ["layer_norm", "group_norm"]


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _standardize(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over `dims`."""
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, correction=0)
    return (x - mean) / (var + eps).sqrt()


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims, then scale by `weight` and shift by `bias`
    (both of normalized_shape)."""
    x = _tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the end of the input's {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} has shape {tuple(t.shape)}, expected {shape}")
    y = _standardize(x, tuple(range(-len(shape), 0)), eps)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) of (N, C, *) into `num_groups` groups and normalise each group of each
    sample; then scale and shift per channel by `weight`, `bias` (C,)."""
    x = _tensor(input)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: {num_groups} groups do not divide the channels of input {x.shape}")
    N, C = x.shape[:2]
    groups = x.reshape(N, num_groups, -1)  # (N, G, C/G * spatial)
    y = _standardize(groups, (-1,), eps).reshape(x.shape)
    channel = (C,) + (1,) * (x.ndim - 2)  # per-channel vectors broadcast over the spatial dims
    if weight is not None:
        y = y * weight.reshape(channel)
    return y if bias is None else y + bias.reshape(channel)
