"""`Embedding`: a learned vector per token id, a lookup table trained by backprop."""

import numpy as np

from hackgrad.nn import init
from hackgrad.nn.functional.embedding import embedding
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """y = weight[indices]: integer indices (*) -> vectors (*, embedding_dim).

    weight (num_embeddings, embedding_dim) ~ N(0, 1) as in PyTorch; the row `padding_idx` (if given) starts at
    zero and is never updated by gradients. `rng` (Generator or int) or `seed` makes the draw reproducible.
    """

    def __init__(
        self, num_embeddings, embedding_dim, padding_idx=None, dtype=np.float32, *, rng=None, seed=None
    ):
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {n!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} is out of range for "
                    f"num_embeddings={self.num_embeddings}"
                )
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype))
        self.reset_parameters(rng=rng, seed=seed)

    def reset_parameters(self, *, rng=None, seed=None):
        init.normal_(self.weight, 0.0, 1.0, rng=rng, seed=seed)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0
            self.weight._bump_version()
        return self

    def forward(self, indices):
        return embedding(indices, self.weight, self.padding_idx, _layer=repr(self))

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
