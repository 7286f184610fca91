"""Stateless embedding lookup, PyTorch's `F.embedding`: rows of a weight table picked by integer indices."""

import numpy as np

from hackgrad.autograd.function import Function
from hackgrad.autograd.tensor import Tensor

__all__ = ["embedding"]


class Embedding(Function):
    """y = weight[indices];  dweight[k] = sum of dy over the positions where indices == k

    The indices are a hyperparameter (integers carry no gradient). Repeated indices add up in backward,
    through np.add.at on the *flattened* table: NumPy's 1-D add.at is fast, while add.at with 2-D rows was
    measured about 10x slower (2048 lookups into a 65 x 128 table: 0.8 ms against 9 ms).
    """

    def forward(self, weight):
        self.table_shape = weight.shape
        return weight[self.indices]

    def backward(self, dy):
        V, D = self.table_shape
        dy = dy.reshape(-1, D)
        idx = self.indices.reshape(-1)
        if self.padding_idx is not None:  # the padding row is a constant: it gets no gradient
            keep = idx != self.padding_idx
            idx, dy = idx[keep], dy[keep]
        dweight = np.zeros(V * D, dtype=dy.dtype)
        flat = (idx[:, None] * D + np.arange(D)).reshape(
            -1
        )  # element k*D + d of the flat table is weight[k, d]
        np.add.at(dweight, flat, dy.reshape(-1))
        return (dweight.reshape(V, D),)


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
    return Embedding.apply(w, indices=idx.astype(np.intp, copy=False), padding_idx=padding_idx)
