"""`MultiheadAttention`: PyTorch's layer, with its parameter names and shapes (a packed `in_proj_weight`
(3E, E) for query, key and value, and `out_proj`), so a state dict moves between the two."""

import math

import numpy as np

from hackgrad.autograd.tensor import Tensor
from hackgrad.nn import init
from hackgrad.nn.functional.attention import scaled_dot_product_attention
from hackgrad.nn.linear import Linear
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention over `num_heads` heads of size embed_dim / num_heads, then an output projection.

    forward(query, key, value) with (L, N, E) inputs, or (N, L, E) when batch_first=True, returns
    (output, weights): weights (N, L, S) averaged over heads (or (N, heads, L, S) with
    average_attn_weights=False), or None when need_weights=False. `attn_mask` (L, S) is boolean
    (True = masked out, PyTorch's convention for this layer) or a float bias; `key_padding_mask` (N, S)
    boolean (True = padding); is_causal masks the future.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False, dtype=np.float32,
                 *, rng=None, seed=None):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: num_heads={num_heads} must divide embed_dim={embed_dim}")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        rng = init.make_rng(rng, seed)
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype))
        init.xavier_uniform_(self.in_proj_weight, rng=rng)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype, rng=rng)
        if bias:
            init.zeros_(self.out_proj.bias)
        self.rng = rng

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        q, k, v = (t if isinstance(t, Tensor) else Tensor(t) for t in (query, key, value))
        if q.ndim != 3 or q.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected query (L, N, {self.embed_dim}) "
                             f"({'(N, L, E) with batch_first' if self.batch_first else 'or batch_first=True'}), "
                             f"got {q.shape}")
        if not self.batch_first:  # (L, N, E) -> (N, L, E)
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        N, L, E = q.shape
        S = k.shape[1]
        w, b = self.in_proj_weight, self.in_proj_bias
        heads = []
        for i, t in enumerate((q, k, v)):
            proj = t @ w[i * E:(i + 1) * E].T  # (N, len, E)
            if b is not None:
                proj = proj + b[i * E:(i + 1) * E]
            heads.append(proj.reshape(N, -1, self.num_heads, self.head_dim).transpose(1, 2))  # (N, H, len, d)
        qh, kh, vh = heads
        mask = self._mask(attn_mask, key_padding_mask, is_causal, N, L, S, q.dtype)  # (N, 1, L, S) bias or None
        scores = (qh @ kh.transpose(-2, -1)) * (1 / math.sqrt(self.head_dim))  # (N, H, L, S)
        if mask is not None:
            scores = scores + scores._lift(mask)
        weights = scores.softmax(dim=-1)
        dropped = weights
        if self.training and self.dropout > 0:
            from hackgrad.autograd.functional import dropout

            dropped = dropout(weights, self.dropout, rng=self.rng)
        out = (dropped @ vh).transpose(1, 2).reshape(N, L, E)  # heads side by side again
        out = self.out_proj(out)
        if not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, (weights.mean(dim=1) if average_attn_weights else weights)

    def _mask(self, attn_mask, key_padding_mask, is_causal, N, L, S, dtype):
        """All masks as one additive bias (-inf where masked), or None."""
        bias = None
        if is_causal and attn_mask is None:
            attn_mask = ~np.tril(np.ones((L, S), dtype=bool))
        for m, shape in ((attn_mask, (L, S)), (key_padding_mask, (N, 1, 1, S))):
            if m is None:
                continue
            m = np.asarray(m.data if isinstance(m, Tensor) else m)
            m = np.where(m, -np.inf, 0.0).astype(dtype) if m.dtype == bool else m.astype(dtype)
            m = m.reshape(shape)
            bias = m if bias is None else bias + m
        return bias

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"

    scaled_dot_product_attention = staticmethod(scaled_dot_product_attention)
