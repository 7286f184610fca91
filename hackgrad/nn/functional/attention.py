"""Scaled dot-product attention, PyTorch's `F.scaled_dot_product_attention`, composed from matmul,
masking and softmax (so its gradient follows from theirs)."""

import math

import numpy as np

from hackgrad.autograd import functional as af
from hackgrad.autograd.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, *, rng=None, seed=None):
    """softmax(Q K^T * scale + mask) V over the last two dims: Q (*, L, E), K (*, S, E), V (*, S, Ev).

    `attn_mask` is boolean (True = may attend) or a float bias added to the scores; `is_causal` masks the
    future (position i sees j <= i). `scale` defaults to 1/sqrt(E). Dropout on the weights draws from
    `rng`/`seed` (or the default generator).
    """
    q, k, v = (t if isinstance(t, Tensor) else Tensor(t) for t in (query, key, value))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: expected query (*, L, E), key (*, S, E), value (*, S, Ev), "
            f"got {q.shape}, {k.shape}, {v.shape}"
        )
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
    L, S = q.shape[-2], k.shape[-2]
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * scale  # (*, L, S)
    if is_causal:
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if mask.dtype == bool:
            scores = scores.masked_fill(~mask, -np.inf)
        else:
            scores = scores + (attn_mask if isinstance(attn_mask, Tensor) else scores._lift(mask))
    weights = af.softmax(scores, dim=-1)
    if dropout_p > 0:
        from hackgrad.autograd.creation import get_rng

        weights = af.dropout(weights, dropout_p, rng=get_rng(rng, seed, "scaled_dot_product_attention"))
    return weights @ v
