"""Regularisation penalties: a price on the size of the weights, added to the data loss.

The guide's SVM cost is data loss + alpha * (a**2 + b**2): `l2_penalty`. `l1_penalty` pushes weights to
exactly zero; `group_lasso` pushes whole groups (e.g. every weight leaving one input) to zero together.
"""


from hackgrad.autograd import ops
from hackgrad.autograd.tensor import Tensor

__all__ = ["l2_penalty", "l1_penalty", "group_lasso"]


def _params(params, name):
    if isinstance(params, Tensor):
        params = [params]
    elif hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    params = list(params)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected tensors (or a Module), got an item of type {type(p).__name__}")
    if not params:
        raise ValueError(f"{name}: no parameters given")
    return params


def _total(terms, alpha):
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total if alpha == 1 else total * float(alpha)


def l2_penalty(params, alpha=1.0):
    """alpha * sum of squares of every value in `params` (a tensor, a list of them, or a Module).

    Its gradient, 2 * alpha * w, pulls every weight towards zero in proportion to its size.
    """
    params = _params(params, "l2_penalty")
    return _total([(p * p).sum() for p in params], alpha)


def l1_penalty(params, alpha=1.0):
    """alpha * sum of absolute values: a constant pull of alpha towards zero, which makes weights sparse."""
    params = _params(params, "l1_penalty")
    return _total([p.abs().sum() for p in params], alpha)


def group_lasso(W, axis=0, alpha=1.0):
    """alpha * sum over groups of the L2 norm of each group (Yuan & Lin, 2006).

    A group is the set of values along `axis` (an int or a tuple of ints): for a Linear weight (out, in),
    axis=0 makes each input feature a group, so whole inputs get switched off.
    """
    if not isinstance(W, Tensor):
        raise TypeError(f"group_lasso: expected a tensor, got {type(W).__name__}")
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if not axes or any(not -W.ndim <= a < W.ndim for a in axes):
        raise ValueError(f"group_lasso: axis {axis} is out of range for a weight of shape {W.shape}")
    axes = tuple(a % W.ndim for a in axes)
    return _total([ops.GroupNorms.apply(W, axis=axes).sum()], alpha)
