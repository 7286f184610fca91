"""A character-level language model (Karpathy's char-rnn): read a text one character at a time and predict
the next one, with a vanilla RNN, an LSTM or a GRU in the middle.

    ids (T, B) -> Embedding -> RNN / LSTM / GRU (num_layers, dropout between layers) -> Dropout -> Linear
    -> logits (T, B, vocab)

Training uses truncated backpropagation through time: the text is cut into `batch_size` long streams laid
side by side (`TextWindows`), each step reads the next `seq_len` characters of every stream, and the model
starts each window from the hidden state the previous window ended in. That state is carried as plain
numbers, cut off from the graph, so gradients flow back at most `seq_len` steps while the network still
sees context from much further back. The carried state lives in the model (`state_`), like a stateful
Keras RNN: `reset_state()` forgets it, and switching between training and evaluation mode starts afresh.

Arrays are time-major, (seq_len, batch), as `nn.LSTM` takes them by default.
"""

import math
import time

import numpy as np

from hackgrad.autograd import no_grad
from hackgrad.autograd.tensor import Tensor
from hackgrad.nn import GRU, LSTM, RNN, Dropout, Embedding, Linear, Module
from hackgrad.nn import functional as F

__all__ = ["CharRNN", "TextWindows", "lm_loss", "evaluate_lm", "sample", "CELLS"]

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class CharRNN(Module):
    """Next-character model: forward(ids (T, B) int) -> logits (T, B, vocab_size), carrying the hidden state.

    Hyperparameters: `cell` ('rnn', 'lstm', 'gru'), `embed_dim`, `hidden_size`, `num_layers`, `dropout`
    (between stacked layers and before the output layer), `seed` (weights and dropout masks).
    """

    def __init__(self, vocab_size, *, cell="lstm", embed_dim=64, hidden_size=256, num_layers=1, dropout=0.0, seed=0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"CharRNN: unknown cell {cell!r}; expected one of {', '.join(CELLS)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"CharRNN: dropout is a probability in [0, 1), got {dropout!r}")
        self.vocab_size, self.cell, self.embed_dim = int(vocab_size), cell, int(embed_dim)
        self.hidden_size, self.num_layers, self.dropout, self.seed = (
            int(hidden_size),
            int(num_layers),
            float(dropout),
            int(seed),
        )
        rng = np.random.default_rng(seed)
        self.embed = Embedding(self.vocab_size, self.embed_dim, rng=rng)
        self.rnn = CELLS[cell](self.embed_dim, self.hidden_size, self.num_layers, dropout=self.dropout, rng=rng)
        self.drop = Dropout(self.dropout, seed=int(rng.integers(2**63)))
        self.head = Linear(self.hidden_size, self.vocab_size, rng=rng)
        self.state_ = None  # the hidden state the last window ended in, (h, c) for an LSTM, detached

    def config(self):
        """The JSON-able spec that rebuilds this model: `CharRNN.from_config(model.config())`."""
        keys = ("vocab_size", "cell", "embed_dim", "hidden_size", "num_layers", "dropout", "seed")
        return {"type": "char_rnn", **{k: getattr(self, k) for k in keys}}

    @classmethod
    def from_config(cls, spec):
        if not isinstance(spec, dict) or spec.get("type") != "char_rnn":
            raise ValueError(f"not a CharRNN spec (expected type 'char_rnn'): {spec!r}")
        return cls(**{k: v for k, v in spec.items() if k != "type"})

    def reset_state(self):
        """Forget the carried hidden state: the next window starts from zeros."""
        self.state_ = None
        return self

    def train(self, mode=True):
        self.state_ = None  # a state from training means nothing to an evaluation pass, and vice versa
        return super().train(mode)

    def forward(self, ids):
        ids = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(
                f"CharRNN: expected integer character ids of shape (seq_len, batch), got {ids.dtype} {ids.shape}"
            )
        state = self.state_
        if state is not None and _batch_of(state) != ids.shape[1]:
            state = None  # a different batch is a different set of streams: start them afresh
        x = self.embed(ids)  # (T, B, E)
        out, state = self.rnn(x, state)  # (T, B, H)
        # truncated BPTT: keep the numbers, drop the graph, so the next window's backward stops here
        self.state_ = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return self.head(self.drop(out))  # (T, B, vocab)

    def extra_repr(self):
        return f"cell={self.cell!r}, vocab_size={self.vocab_size}"


def _batch_of(state):
    return (state[0] if isinstance(state, tuple) else state).shape[1]


def lm_loss(logits, targets):
    """Mean cross-entropy in nats per character over every position: logits (T, B, V), targets (T, B)."""
    T, B, V = logits.shape
    targets = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    return F.cross_entropy(logits.reshape(T * B, V), Tensor(targets.reshape(T * B)))


class TextWindows:
    """Consecutive (seq_len, batch_size) windows of a sequence of ids, for truncated BPTT.

    The ids are cut into `batch_size` equal streams, laid side by side as the columns of an (L+1, B) array
    (each stream also holds the first id of the next, so that every id after the first is predicted once);
    window k holds its rows k*T .. k*T+T-1 and its targets the same rows one character later. So window k+1
    continues every stream exactly where window k stopped. One pass predicts L = (len(ids) - 1) // batch_size
    characters per stream, in `windows_per_pass` windows (a shorter last one).

    As a loader for `Trainer.fit`, an "epoch" is `windows_per_epoch` windows (default: one pass), and epoch
    e starts at window e * windows_per_epoch, wrapping around the text, so where an epoch starts depends
    only on its number (what makes a resumed run see the same windows). `total_windows` ends the last
    epoch early; `deadline` (a `time.perf_counter()` value) stops an epoch once it has passed (after its
    first window, so no epoch is empty) and sets `expired`.
    """

    def __init__(self, ids, batch_size, seq_len, *, windows_per_epoch=None, total_windows=None):
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise ValueError(f"TextWindows: expected a 1-d array of integer ids, got {ids.dtype} {ids.shape}")
        for name, n in (("batch_size", batch_size), ("seq_len", seq_len)):
            if int(n) != n or n < 1:
                raise ValueError(f"TextWindows: {name} must be a positive integer, got {n!r}")
        L = (len(ids) - 1) // batch_size
        if L < 1:
            raise ValueError(f"TextWindows: {len(ids)} ids are too few for {batch_size} streams")
        rows = np.arange(L + 1)[:, None] + L * np.arange(batch_size)[None, :]
        self.streams = ids[rows]  # (L+1, B): column b is ids[b*L : b*L+L+1]
        self.batch_size, self.seq_len = int(batch_size), int(seq_len)
        self.windows_per_pass = -(-L // self.seq_len)
        self.windows_per_epoch = int(windows_per_epoch or self.windows_per_pass)
        self.total_windows = total_windows
        self.epoch = 0
        self.deadline = None
        self.expired = False

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def _first(self):
        return self.epoch * self.windows_per_epoch

    def __len__(self):
        n = self.windows_per_epoch
        if self.total_windows is not None:
            n = max(0, min(n, self.total_windows - self._first()))
        return n

    def window(self, k):
        """(x, y) of window k (wrapping around the passes): ids (T, B) and the next characters (T, B)."""
        start = (k % self.windows_per_pass) * self.seq_len
        stop = min(start + self.seq_len, len(self.streams) - 1)
        return self.streams[start:stop], self.streams[start + 1 : stop + 1]

    def __iter__(self):
        first = self._first()
        for k in range(first, first + len(self)):
            if k > first and self.deadline is not None and time.perf_counter() >= self.deadline:
                self.expired = True
                return
            yield self.window(k)


def evaluate_lm(model, ids, *, batch_size=64, seq_len=200):
    """Mean cross-entropy (nats per character) of predicting every character of `ids` after the first.

    The text is read as `batch_size` streams with the state carried from window to window (as in
    training); the few characters that do not fill the last row of streams are read as one more stream,
    so every character counts once. Runs in evaluation mode without recording a graph.
    """
    ids = np.asarray(ids)
    if len(ids) < 2:
        raise ValueError(f"evaluate_lm: need at least 2 characters, got {len(ids)}")
    batch_size = max(1, min(batch_size, len(ids) - 1))
    windows = TextWindows(ids, batch_size, seq_len)
    covered = (len(windows.streams) - 1) * batch_size  # the streams predict ids 1 .. covered
    parts = [(windows, range(windows.windows_per_pass))]
    if covered < len(ids) - 1:
        # the few ids left over, read as one more stream that starts from the last id the streams predicted
        rest = TextWindows(ids[covered:], 1, seq_len)
        parts.append((rest, range(rest.windows_per_pass)))
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with no_grad():
            for loader, ks in parts:
                model.reset_state()
                for k in ks:
                    x, y = loader.window(k)
                    loss = lm_loss(model(x), y)
                    total += float(loss.data) * y.size
                    count += y.size
    finally:
        model.train(was_training)
    return total / count


def sample(model, vocab, prompt, length, *, temperature=1.0, seed=0):
    """`prompt` followed by `length` characters drawn one at a time from softmax(logits / temperature).

    A temperature below 1 sharpens the distribution (safer, more repetitive text), above 1 flattens it.
    """
    if not temperature > 0 or not math.isfinite(temperature):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    if int(length) != length or length < 0:
        raise ValueError(f"length must be an integer >= 0, got {length!r}")
    if not prompt:
        raise ValueError("the prompt must hold at least one character to start from")
    ids = vocab.encode(prompt)  # names an unknown character and its position
    rng = np.random.default_rng(seed)
    was_training = model.training
    model.eval()
    out = []
    try:
        with no_grad():
            logits = model(ids.reshape(-1, 1)).data[-1, 0]  # (V,): after reading the whole prompt
            for _ in range(int(length)):
                z = logits.astype(np.float64) / temperature
                p = np.exp(z - z.max())
                nxt = int(rng.choice(len(p), p=p / p.sum()))
                out.append(nxt)
                logits = model(np.array([[nxt]])).data[0, 0]
    finally:
        model.train(was_training)
    return prompt + vocab.decode(out)
