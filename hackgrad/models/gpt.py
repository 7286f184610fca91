"""A small GPT, in one file: the Transformer decoder that chapter 4's "models deployed in the wild" means today.

    idx (B, T) -> token embedding + position embedding -> n_layer x Block -> LayerNorm -> Linear (tied to the
    token embedding) -> logits (B, T, vocab)

    Block: x + attn(ln_1(x)), then x + mlp(ln_2(x))          (pre-norm: the residual stream stays an identity)
    attn: causal multi-head self-attention, every head a softmax over the positions it may see (j <= i)
    mlp: Linear(C, 4C) -> GELU -> Linear(4C, C)

Seen as a circuit it is the guide's picture again: a loss at the end, forces flowing back through a few dozen
kinds of gate. Two details matter for training from scratch, both from GPT-2: weights start at N(0, 0.02) and the
projections that write into the residual stream start smaller still (std 0.02 / sqrt(2 * n_layer)), so the
stream's variance does not grow with depth; and `configure_optimizers` decays the matrices only, never biases,
LayerNorm gains or embeddings (the embedding matrix is the output layer's weight too, and decaying it shrinks
the logits).

`CausalSelfAttention` computes attention through `F.scaled_dot_product_attention(..., is_causal=True)`;
`attention_weights` writes the same thing out with `tril` and `masked_fill`, as a learner first writes it, and
the tests check the two agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from hackgrad.autograd import no_grad
from hackgrad.autograd.tensor import Tensor
from hackgrad.nn import GELU, Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, init
from hackgrad.nn import functional as F

__all__ = ["GPTConfig", "GPT", "CausalSelfAttention", "Block", "lm_loss", "evaluate_gpt"]


@dataclass(frozen=True)
class GPTConfig:
    """The sizes of a GPT. The defaults are a character model that trains on a laptop CPU."""

    vocab_size: int = 76
    block_size: int = 128  # the longest context the model sees
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"GPTConfig: {name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(
                f"GPTConfig: n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head}): "
                "every head gets n_embd // n_head channels"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout is a probability in [0, 1), got {self.dropout!r}")


class CausalSelfAttention(Module):
    """Every position mixes the values of the positions up to itself, weighted by query-key similarity."""

    def __init__(self, config, rng):
        super().__init__()
        C = config.n_embd
        self.n_head = config.n_head
        self.c_attn = Linear(C, 3 * C, rng=rng)  # queries, keys and values of all heads in one matmul
        self.c_proj = Linear(C, C, rng=rng)
        self.dropout = config.dropout
        self.attn_dropout = Dropout(config.dropout, seed=int(rng.integers(2**63)))
        self.resid_dropout = Dropout(config.dropout, seed=int(rng.integers(2**63)))
        self._rng = np.random.default_rng(int(rng.integers(2**63)))  # attention-weight dropout draws
        self.record_ = False  # set by GPT.attention_maps: keep each head's weights in `weights_`
        self.weights_ = None

    def _heads(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
        H = self.n_head
        return [t.reshape(B, T, H, C // H).transpose(1, 2) for t in (q, k, v)]  # 3 x (B, H, T, hs)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self._heads(x)
        if self.record_:
            self.weights_ = attention_weights(q, k).data  # (B, H, T, T)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True, rng=self._rng)  # (B, H, T, hs)
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


def attention_weights(q, k):
    """softmax(q k^T / sqrt(hs)) with the future masked out, written out: (B, H, T, hs) x2 -> (B, H, T, T)."""
    T = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))  # (B, H, T, T)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)  # True above the diagonal: positions j > i
    return F.softmax(scores.masked_fill(future, -np.inf), dim=-1)


class MLP(Module):
    def __init__(self, config, rng):
        super().__init__()
        C = config.n_embd
        self.c_fc = Linear(C, 4 * C, rng=rng)
        self.gelu = GELU(approximate="tanh")
        self.c_proj = Linear(4 * C, C, rng=rng)
        self.dropout = Dropout(config.dropout, seed=int(rng.integers(2**63)))

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(Module):
    """One Transformer layer: attention then MLP, each added to the residual stream after a LayerNorm."""

    def __init__(self, config, rng):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config, rng)
        self.ln_2 = LayerNorm(config.n_embd)
        self.mlp = MLP(config, rng)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(Module):
    """`GPT(GPTConfig(...), seed=0)`; `forward(idx (B, T) int, targets (B, T) int = None) -> (logits, loss)`."""

    def __init__(self, config=None, *, seed=0):
        super().__init__()
        self.config = config if config is not None else GPTConfig()
        if not isinstance(self.config, GPTConfig):
            raise TypeError(f"GPT: expected a GPTConfig, got {type(self.config).__name__}")
        self.seed = int(seed)
        cfg = self.config
        rng = np.random.default_rng(self.seed)
        self.wte = Embedding(cfg.vocab_size, cfg.n_embd, rng=rng)
        self.wpe = Embedding(cfg.block_size, cfg.n_embd, rng=rng)
        self.drop = Dropout(cfg.dropout, seed=int(rng.integers(2**63)))
        self.h = ModuleList([Block(cfg, rng) for _ in range(cfg.n_layer)])
        self.ln_f = LayerNorm(cfg.n_embd)
        self.lm_head = Linear(cfg.n_embd, cfg.vocab_size, bias=False, rng=rng)
        self.lm_head.weight = self.wte.weight  # weight tying: one matrix reads tokens in and writes them out
        self._init_weights(rng)

    def _init_weights(self, rng):
        # GPT-2's scheme: N(0, 0.02) everywhere, zero biases, and the residual-stream projections scaled down by
        # sqrt(2 * n_layer) (two of them per block add to the stream)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                init.zeros_(p)
            elif p.ndim == 2:
                std = 0.02 / math.sqrt(2 * self.config.n_layer) if name.endswith("c_proj.weight") else 0.02
                init.normal_(p, 0.0, std, rng=rng)

    def config_dict(self):
        """The JSON-able spec that rebuilds this model: `GPT.from_config(model.config_dict())`."""
        return {"type": "gpt", **asdict(self.config), "seed": self.seed}

    @classmethod
    def from_config(cls, spec):
        if not isinstance(spec, dict) or spec.get("type") != "gpt":
            raise ValueError(f"not a GPT spec (expected type 'gpt'): {spec!r}")
        fields = {k: v for k, v in spec.items() if k not in ("type", "seed")}
        return cls(GPTConfig(**fields), seed=spec.get("seed", 0))

    def forward(self, idx, targets=None):
        idx = idx.data if isinstance(idx, Tensor) else np.asarray(idx)
        if idx.ndim != 2 or idx.dtype.kind not in "iu":
            raise ValueError(f"GPT: expected integer token ids of shape (batch, time), got {idx.dtype} {idx.shape}")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(
                f"GPT: a sequence of {T} tokens is longer than the context, block_size={self.config.block_size}"
            )
        x = self.drop(self.wte(idx) + self.wpe(np.arange(T)))  # (B, T, C), positions broadcast over the batch
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))  # (B, T, vocab)
        if targets is None:
            return logits, None
        targets = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
        if targets.shape != (B, T):
            raise ValueError(f"GPT: targets must have the shape of idx, {(B, T)}, got {targets.shape}")
        V = self.config.vocab_size
        loss = F.cross_entropy(logits.reshape(B * T, V), Tensor(targets.reshape(B * T)))
        return logits, loss

    def configure_optimizers(self, weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.95), eps=1e-8):
        """AdamW with two groups: the matrices of the Linear layers decay; biases, LayerNorm gains and the
        (tied) embeddings do not."""
        from hackgrad.optim import AdamW

        decay, no_decay, seen = [], [], set()
        for name, p in self.named_parameters():
            if id(p) in seen:
                continue
            seen.add(id(p))
            embedding = name.startswith(("wte.", "wpe.", "lm_head."))
            (decay if p.ndim >= 2 and not embedding else no_decay).append(p)
        groups = [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        return AdamW(groups, lr=learning_rate, betas=betas, eps=eps)

    def attention_maps(self, idx):
        """Each layer's attention weights for one sequence: a list of (n_head, T, T) arrays (rows sum to 1)."""
        idx = np.asarray(idx)
        if idx.ndim == 1:
            idx = idx[None, :]
        was_training = self.training
        self.eval()
        try:
            for block in self.h:
                block.attn.record_ = True
            with no_grad():
                self(idx)
            return [block.attn.weights_[0] for block in self.h]
        finally:
            for block in self.h:
                block.attn.record_, block.attn.weights_ = False, None
            self.train(was_training)

    def generate(self, idx, max_new_tokens, *, temperature=1.0, top_k=None, seed=None, rng=None):
        """Extend idx (B, T) by `max_new_tokens` sampled tokens; the context is cropped to the last block_size."""
        if not temperature > 0:
            raise ValueError(f"generate: temperature must be > 0, got {temperature!r}")
        if top_k is not None and (int(top_k) != top_k or top_k < 1):
            raise ValueError(f"generate: top_k must be a positive integer, got {top_k!r}")
        rng = init.make_rng(rng=rng, seed=seed)
        idx = np.array(idx, dtype=np.int64, ndmin=2)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(int(max_new_tokens)):
                    logits, _ = self(idx[:, -self.config.block_size :])
                    logits = logits.data[:, -1, :].astype(np.float64) / temperature  # (B, vocab)
                    if top_k is not None and top_k < logits.shape[1]:
                        kth = np.sort(logits, axis=1)[:, -int(top_k)][:, None]
                        logits = np.where(logits < kth, -np.inf, logits)
                    p = np.exp(logits - logits.max(axis=1, keepdims=True))
                    p /= p.sum(axis=1, keepdims=True)
                    nxt = [rng.choice(len(row), p=row) for row in p]
                    idx = np.concatenate([idx, np.asarray(nxt, dtype=np.int64)[:, None]], axis=1)
        finally:
            self.train(was_training)
        return idx


def lm_loss(output, targets):
    """Mean next-token cross-entropy (nats per token) of a GPT's output `(logits (B, T, V), _)`, targets (B, T)."""
    logits = output[0] if isinstance(output, tuple) else output
    targets = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), Tensor(targets.reshape(-1)))


def evaluate_gpt(model, ids, *, block_size=None, batch_size=64):
    """Mean loss in nats per token over a whole text: the ids cut into consecutive blocks of `block_size`, every
    token after the first predicted once from the tokens before it in its block."""
    ids = np.asarray(ids)
    T = int(block_size or model.config.block_size)
    n = (len(ids) - 1) // T  # whole blocks; the tail is scored as one shorter block
    starts = [i * T for i in range(n)]
    pieces = [(ids[a : a + T], ids[a + 1 : a + T + 1]) for a in starts]
    if n * T < len(ids) - 1:
        pieces.append((ids[n * T : -1], ids[n * T + 1 :]))
    if not pieces:
        raise ValueError(f"evaluate_gpt: need at least 2 tokens, got {len(ids)}")
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for i in range(0, len(pieces), batch_size):
                group = pieces[i : i + batch_size]
                for length in sorted({len(x) for x, _ in group}):  # the short tail block runs on its own
                    xs = np.stack([x for x, _ in group if len(x) == length])
                    ys = np.stack([y for x, y in group if len(x) == length])
                    logits, _ = model(xs)
                    z = logits.data.astype(np.float64).reshape(-1, logits.shape[-1])
                    z = z - z.max(axis=1, keepdims=True)
                    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                    total -= logp[np.arange(len(z)), ys.reshape(-1)].sum()
                    count += ys.size
    finally:
        model.train(was_training)
    return total / count
