"""Dropout: zero a random fraction `p` of the values while training, and scale the rest by 1 / (1 - p).

Scaling at training time ("inverted" dropout) keeps every value's expectation unchanged, so evaluation is
the identity. The mask is a constant of the graph: out = x * mask, whose gradient is dy * mask.
"""

from hackgrad.autograd import functional as af
from hackgrad.util import make_rng

__all__ = ["dropout"]


def _check_p(p):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p is the probability of dropping a value and must be in [0, 1], got {p}")


def dropout(x, p=0.5, training=True, *, rng=None, seed=None):
    """x with each value zeroed with probability p and the rest scaled by 1 / (1 - p); x if not training.

    `rng` (a Generator or an int seed) or `seed` makes the mask reproducible; with neither, fresh entropy.
    """
    _check_p(p)
    if not training or p == 0:
        return af.dropout(x, p, training=False)
    return af.dropout(x, p, training=True, rng=make_rng(seed, rng))
