"""Stateless embedding lookup, PyTorch's `F.embedding`: rows of a weight table picked by integer indices."""

import numpy as np

from hackgrad.autograd import ops
from hackgrad.autograd.tensor import Tensor

__all__ = ["embedding"]


def embedding(input, weight, padding_idx=None, *, _layer=None):
    """y = weight[input]: integer indices of any shape (*) -> (*, embedding_dim).

    `padding_idx` (optional) names a row that receives no gradient (PyTorch's padding convention).
    """
    layer = _layer or "embedding"
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    if w.ndim != 2:
        raise ValueError(f"{layer}: weight must have shape (num_embeddings, embedding_dim), got {w.shape}")
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{layer}: indices must be integers, got dtype {idx.dtype}")
    V = w.shape[0]
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= V:
            bad = lo if lo < 0 else hi
            raise IndexError(
                f"{layer}: index {bad} is out of range for num_embeddings={V} (valid: 0..{V - 1})"
            )
    if padding_idx is not None:
        if not -V <= padding_idx < V:
            raise ValueError(f"{layer}: padding_idx {padding_idx} is out of range for num_embeddings={V}")
        padding_idx %= V
    return ops.Embedding.apply(w, indices=idx.astype(np.intp, copy=False), padding_idx=padding_idx)
