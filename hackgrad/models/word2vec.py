"""word2vec: word vectors trained as a circuit whose inputs are the embedding rows.

Skip-gram pulls a word's input vector towards the output vectors of the words around it and pushes it away
from a few "noise" words drawn from the unigram distribution raised to 0.75 (negative sampling); CBOW does the
same with the mean of the context's input vectors predicting the centre word. Frequent words are subsampled,
the learning rate decays linearly to `min_alpha`, and a seed fixes every draw.

The loss is written twice:

- `sgns_loss` / `cbow_loss` with tensor-engine ops: the circuit a learner reads, and the oracle that
  autograd differentiates (tests gradcheck it in float64);
- `sgns_gradients` / `cbow_gradients` in batched NumPy: what training runs. Tests check that both give the
  same gradients on random batches.

One choice makes the NumPy path fast: the `negative` noise words per pair are replaced by `n_shared_negatives`
noise words shared by every pair of a batch, each weighted `negative / n_shared_negatives`, so that the
expected gradient is that of `negative` noise words per pair while the scores become one matrix product
(the "HogBatch" idea of Ji et al., 2016, applied to a whole batch). A batch's gradients are computed from the
weights before the batch and then added in, as a many-threaded Hogwild run would.
"""

from __future__ import annotations

import numbers
from collections import Counter

import numpy as np
import scipy.sparse
import scipy.special
import scipy.stats

from hackgrad.io import read_container, write_container
from hackgrad.nn import functional as F

__all__ = ["Word2Vec", "sgns_loss", "sgns_gradients", "cbow_loss", "cbow_gradients", "scatter_add"]


# --- the circuit, in tensor-engine ops --------------------------------------------------------------------
def _negative_sampling_loss(h, o, noise, neg_weight):
    """-log s(h.o) - w * sum_n log s(-h.n) over a batch: h, o (B, d) rows, noise (M, d) shared rows."""
    pos = (h * o).sum(axis=1)  # (B,)
    neg = h @ noise.T  # (B, M)
    pos_loss = F.binary_cross_entropy_with_logits(pos, np.ones(pos.shape), reduction="sum")
    neg_loss = F.binary_cross_entropy_with_logits(neg, np.zeros(neg.shape), reduction="sum")
    return pos_loss + neg_weight * neg_loss


def sgns_loss(W_in, W_out, centers, contexts, negatives, neg_weight=1.0):
    """Skip-gram negative-sampling loss of a batch of (centre, context) pairs, as tensor ops.

    W_in, W_out: (V, d) Tensors; centers, contexts: (B,) word ids; negatives: (M,) noise ids shared by all
    pairs, each weighted `neg_weight` (training uses negative / M).
    """
    return _negative_sampling_loss(W_in[centers], W_out[contexts], W_out[negatives], neg_weight)


def cbow_loss(W_in, W_out, contexts, mask, centers, negatives, neg_weight=1.0):
    """CBOW negative-sampling loss: the mean of each row's context input vectors predicts its centre word.

    contexts: (B, C) word ids padded anywhere; mask: (B, C) 1.0 where a context word is real, else 0.0.
    """
    mask = np.asarray(mask, dtype=W_in.dtype)
    summed = (W_in[contexts] * mask[:, :, None]).sum(axis=1)  # (B, d)
    h = summed / mask.sum(axis=1, keepdims=True)
    return _negative_sampling_loss(h, W_out[centers], W_out[negatives], neg_weight)


# --- the same gradients, by hand, in batched NumPy -------------------------------------------------------
def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))  # log(1 + e^x) without overflow


def _negative_sampling_backward(h, o, noise, neg_weight, with_loss=True):
    """(loss, dh, do, dnoise) of `_negative_sampling_loss`; d softplus(x)/dx = sigmoid(x). loss is NaN
    unless `with_loss`."""
    pos = np.einsum("bd,bd->b", h, o)  # (B,)
    neg = h @ noise.T  # (B, M)
    loss = float(_softplus(-pos).sum() + neg_weight * _softplus(neg).sum()) if with_loss else float("nan")
    dpos = -scipy.special.expit(-pos)  # d softplus(-pos) / d pos
    dneg = neg_weight * scipy.special.expit(neg)  # (B, M)
    dh = dpos[:, None] * o + dneg @ noise  # (B, d)
    do = dpos[:, None] * h  # (B, d)
    dnoise = dneg.T @ h  # (M, d)
    return loss, dh, do, dnoise


def sgns_gradients(W_in, W_out, centers, contexts, negatives, neg_weight=1.0, with_loss=True):
    """`sgns_loss` and its gradients as row updates: (loss, (rows_in, dW_in_rows), (rows_out, dW_out_rows)).

    A row id may repeat; its gradients add up (see `scatter_add`).
    """
    loss, dh, do, dnoise = _negative_sampling_backward(W_in[centers], W_out[contexts], W_out[negatives], neg_weight,
                                                       with_loss)
    return loss, (centers, dh), (np.concatenate([contexts, negatives]), np.concatenate([do, dnoise]))


def cbow_gradients(W_in, W_out, contexts, mask, centers, negatives, neg_weight=1.0, with_loss=True):
    """`cbow_loss` and its gradients as row updates, like `sgns_gradients`."""
    mask = np.asarray(mask, dtype=W_in.dtype)
    count = mask.sum(axis=1, keepdims=True)  # (B, 1)
    h = np.einsum("bcd,bc->bd", W_in[contexts], mask) / count  # (B, d)
    loss, dh, do, dnoise = _negative_sampling_backward(h, W_out[centers], W_out[negatives], neg_weight, with_loss)
    real = mask.astype(bool)
    dctx = np.repeat(dh / count, real.sum(axis=1), axis=0)  # each real context word gets dh / count
    return loss, (contexts[real], dctx), (np.concatenate([centers, negatives]), np.concatenate([do, dnoise]))


def scatter_add(W, rows, values):
    """W[rows] += values with repeated rows adding up (np.add.at's meaning, as one sparse product: faster)."""
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.diff(sorted_rows, prepend=-1))
    indptr = np.append(starts, len(rows))
    # row k of S sums the values whose row is the k-th distinct row id
    S = scipy.sparse.csr_matrix((np.ones(len(rows), values.dtype), order, indptr), shape=(len(starts), len(rows)))
    W[sorted_rows[starts]] += S @ values


# --- the model ---------------------------------------------------------------------------------------------
class Word2Vec:
    """Word vectors from tokenized sentences, with gensim's hyperparameter names and defaults.

    `sg=1` trains skip-gram, `sg=0` CBOW. After `fit`: `wv_` (V, d) the input vectors used for similarity,
    `syn1neg_` (V, d) the output vectors, `index_to_key_` words by falling count, `counts_`, `loss_curve_`
    (mean loss per pair, per epoch; empty unless `compute_loss`, which costs about a fifth of the time, as in
    gensim), `n_words_` the words trained on per epoch (before subsampling).
    """

    def __init__(self, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, sg=1,
                 alpha=0.025, min_alpha=0.0001, ns_exponent=0.75, batch_size=1024, n_shared_negatives=64,
                 compute_loss=False, seed=1, dtype="float32"):
        self.vector_size = vector_size
        self.window = window
        self.negative = negative
        self.min_count = min_count
        self.sample = sample
        self.epochs = epochs
        self.sg = sg
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.ns_exponent = ns_exponent
        self.batch_size = batch_size
        self.n_shared_negatives = n_shared_negatives
        self.compute_loss = compute_loss
        self.seed = seed
        self.dtype = dtype

    # --- checks --------------------------------------------------------------------------------------
    def _check_params(self):
        for name in ("vector_size", "window", "negative", "min_count", "epochs", "batch_size", "n_shared_negatives"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Word2Vec: {name} must be an integer >= 1, got {value!r}")
        for name in ("sample", "alpha", "min_alpha", "ns_exponent"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
                raise ValueError(f"Word2Vec: {name} must be a finite number >= 0, got {value!r}")
        if self.sg not in (0, 1):
            raise ValueError(f"Word2Vec: sg must be 1 (skip-gram) or 0 (CBOW), got {self.sg!r}")
        if self.min_alpha > self.alpha:
            raise ValueError(f"Word2Vec: min_alpha ({self.min_alpha}) must not exceed alpha ({self.alpha})")
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            raise ValueError(f"Word2Vec: dtype must be 'float32' or 'float64', got {self.dtype!r}")

    @staticmethod
    def _check_sentences(sentences):
        if isinstance(sentences, (str, bytes)):
            raise TypeError("sentences must be an iterable of token lists (e.g. [['to', 'be'], ...]), got a string")
        sentences = list(sentences)
        for i, s in enumerate(sentences):
            if isinstance(s, (str, bytes)) or not all(isinstance(w, str) for w in s):
                raise TypeError(f"sentence {i} must be a list of str tokens, got {type(s).__name__} {str(s)[:40]!r}")
        if not any(len(s) for s in sentences):
            raise ValueError("the corpus is empty: expected at least one sentence with at least one token")
        return sentences

    # --- vocabulary and corpus -------------------------------------------------------------------------
    def build_vocab(self, sentences):
        """Count words, keep those seen at least `min_count` times (most frequent first), return self."""
        self._check_params()
        sentences = self._check_sentences(sentences)
        counts = Counter(w for s in sentences for w in s)
        # by falling count, ties in first-seen order (Counter keeps insertion order): deterministic
        kept = sorted(((w, c) for w, c in counts.items() if c >= self.min_count), key=lambda wc: -wc[1])
        if not kept:
            raise ValueError(
                f"min_count={self.min_count} leaves no vocabulary: the most frequent word occurs "
                f"{max(counts.values())} time(s); lower min_count"
            )
        self.index_to_key_ = [w for w, _ in kept]
        self.key_to_index_ = {w: i for i, w in enumerate(self.index_to_key_)}
        self.counts_ = np.array([c for _, c in kept], dtype=np.int64)
        return self

    def _encode(self, sentences):
        """(ids, sentence_ids) of the in-vocabulary tokens, and the raw token count (OOV included)."""
        index = self.key_to_index_
        ids, sent = [], []
        for k, s in enumerate(sentences):
            row = [index[w] for w in s if w in index]
            ids.extend(row)
            sent.extend([k] * len(row))
        return np.array(ids, dtype=np.int64), np.array(sent, dtype=np.int64)

    def _keep_probability(self):
        """word2vec's subsampling: keep a word of frequency f with probability (sqrt(f/t) + 1) t/f, t = sample."""
        if self.sample == 0:
            return np.ones(len(self.counts_))
        threshold = self.sample * self.counts_.sum()
        return np.minimum(1.0, (np.sqrt(self.counts_ / threshold) + 1) * threshold / self.counts_)

    def _noise_cdf(self):
        weights = self.counts_.astype(np.float64) ** self.ns_exponent
        cdf = np.cumsum(weights)
        return cdf / cdf[-1]

    def _epoch_windows(self, ids, sent, rng):
        """Subsample, draw each position's reduced window, return (kept ids, their positions, windows, sentence ids)."""
        position = np.arange(len(ids))
        keep = rng.random(len(ids)) < self._keep_probability()[ids]
        ids, sent, position = ids[keep], sent[keep], position[keep]
        # word2vec's reduced window: each centre looks window - b words each side, b uniform in 0..window-1
        reach = self.window - rng.integers(0, self.window, len(ids))
        return ids, position, reach, sent

    def _skipgram_pairs(self, ids, reach, sent):
        """(centre index, context index) into the kept corpus for every pair inside a reduced window, in
        corpus order of the centre (the order sequential SGD would visit them)."""
        centers, contexts = [], []
        for d in range(1, self.window + 1):
            same = sent[:-d] == sent[d:]
            left = np.flatnonzero(same & (reach[:-d] >= d))  # centre i, context i + d
            right = np.flatnonzero(same & (reach[d:] >= d))  # centre i + d, context i
            centers += [left, right + d]
            contexts += [left + d, right]
        centers, contexts = np.concatenate(centers), np.concatenate(contexts)
        order = np.argsort(centers, kind="stable")
        return centers[order], contexts[order]

    def _cbow_windows(self, reach, sent):
        """(centre index, (n, 2*window) context indices, mask) for every kept position with a context."""
        n, w = len(reach), self.window
        offsets = np.r_[-w:0, 1 : w + 1]  # (2w,)
        idx = np.arange(n)[:, None] + offsets  # (n, 2w)
        inside = (idx >= 0) & (idx < n) & (np.abs(offsets) <= reach[:, None])
        idx = np.clip(idx, 0, n - 1)
        inside &= sent[idx] == sent[:, None]
        has = inside.any(axis=1)
        return np.flatnonzero(has), idx[has], inside[has]

    # --- training --------------------------------------------------------------------------------------
    def fit(self, sentences):
        """Build the vocabulary and train for `epochs` passes; returns self."""
        sentences = self._check_sentences(sentences)
        self.build_vocab(sentences)
        ids, sent = self._encode(sentences)
        rng = np.random.default_rng(self.seed)
        dtype = np.dtype(self.dtype)
        V, d = len(self.index_to_key_), self.vector_size
        self.wv_ = ((rng.random((V, d)) - 0.5) / d).astype(dtype)  # word2vec's init: uniform in +-0.5/d
        self.syn1neg_ = np.zeros((V, d), dtype=dtype)  # output vectors start at zero, as in word2vec
        self.n_words_ = int(len(ids))
        cdf = self._noise_cdf()
        neg_weight = self.negative / self.n_shared_negatives
        total = self.epochs * max(len(ids), 1)
        self.loss_curve_ = []
        for epoch in range(self.epochs):
            kept, position, reach, ksent = self._epoch_windows(ids, sent, rng)
            if self.sg:
                centers, contexts = self._skipgram_pairs(kept, reach, ksent)
                units = (centers,)
            else:
                centers, ctx, mask = self._cbow_windows(reach, ksent)
                units = (centers, ctx, mask)
            n = len(centers)
            # a word repeated within a batch takes its summed steps at once, like one step of a larger learning
            # rate: on a small vocabulary that diverges, so a batch never holds more pairs than there are words
            batch = min(self.batch_size, V)
            starts = range(0, n, batch)
            noise = np.searchsorted(cdf, rng.random((len(starts), self.n_shared_negatives)))
            loss_sum = 0.0
            for b, start in enumerate(starts):
                stop = min(start + batch, n)
                done = epoch * len(ids) + position[centers[start]]
                lr = self.alpha - (self.alpha - self.min_alpha) * done / total  # linear decay over all epochs
                if self.sg:
                    loss, (r_in, g_in), (r_out, g_out) = sgns_gradients(
                        self.wv_, self.syn1neg_, kept[centers[start:stop]], kept[contexts[start:stop]], noise[b],
                        neg_weight, self.compute_loss)
                else:
                    loss, (r_in, g_in), (r_out, g_out) = cbow_gradients(
                        self.wv_, self.syn1neg_, kept[ctx[start:stop]], mask[start:stop],
                        kept[units[0][start:stop]], noise[b], neg_weight, self.compute_loss)
                scatter_add(self.wv_, r_in, (-lr * g_in).astype(dtype, copy=False))
                scatter_add(self.syn1neg_, r_out, (-lr * g_out).astype(dtype, copy=False))
                loss_sum += loss
            if self.compute_loss:
                self.loss_curve_.append(loss_sum / max(n, 1))
        self._normed = None
        return self

    # --- queries ---------------------------------------------------------------------------------------
    def _index(self, word):
        self._check_fitted()
        try:
            return self.key_to_index_[word]
        except (KeyError, TypeError):
            raise KeyError(
                f"word {word!r} is not in the vocabulary ({len(self.index_to_key_)} words seen at least "
                f"min_count={self.min_count} times)"
            ) from None

    def _check_fitted(self):
        if not hasattr(self, "wv_"):
            raise RuntimeError("this Word2Vec is not fitted yet: call fit(sentences) or Word2Vec.load(path) first")

    def _unit_vectors(self):
        if getattr(self, "_normed", None) is None:
            norms = np.linalg.norm(self.wv_, axis=1, keepdims=True)
            self._normed = self.wv_ / np.maximum(norms, 1e-12)
        return self._normed

    def __contains__(self, word):
        return word in getattr(self, "key_to_index_", {})

    def __getitem__(self, word):
        return self.wv_[self._index(word)]

    def similarity(self, a, b):
        """Cosine similarity of the vectors of words `a` and `b`."""
        unit = self._unit_vectors()
        return float(unit[self._index(a)] @ unit[self._index(b)])

    def _nearest(self, query, exclude, topn):
        sims = self._unit_vectors() @ (query / max(np.linalg.norm(query), 1e-12))
        sims[list(exclude)] = -np.inf
        top = np.argsort(-sims, kind="stable")[:topn]
        return [(self.index_to_key_[i], float(sims[i])) for i in top]

    def most_similar(self, word, topn=10):
        """The `topn` words closest to `word` by cosine similarity, as (word, similarity), closest first."""
        i = self._index(word)
        return self._nearest(self._unit_vectors()[i], [i], topn)

    def analogy(self, a, b, c, topn=1):
        """`a` is to `b` as `c` is to ...? The words nearest b - a + c (unit vectors), a, b, c left out."""
        ia, ib, ic = self._index(a), self._index(b), self._index(c)
        unit = self._unit_vectors()
        return self._nearest(unit[ib] - unit[ia] + unit[ic], [ia, ib, ic], topn)

    def evaluate_word_pairs(self, path):
        """Spearman (and Pearson) correlation between human similarity scores and cosine similarity, over the
        pairs whose words are both in the vocabulary (gensim's way: case-insensitive, '#' lines skipped)."""
        self._check_fitted()
        gold, model, oov = [], [], 0
        for line in _read_lines(path):
            if line.startswith("#"):
                continue
            try:
                a, b, score = line.split("\t")[:3]
                score = float(score)
            except ValueError:
                raise ValueError(f"{path}: expected 'word<TAB>word<TAB>score' lines, got {line!r}") from None
            a, b = a.lower(), b.lower()
            if a not in self or b not in self:
                oov += 1
                continue
            gold.append(score)
            model.append(self.similarity(a, b))
        n = len(gold)
        if n < 2:
            raise ValueError(f"{path}: only {n} pair(s) have both words in the vocabulary; a correlation needs 2")
        return {
            "spearman": float(scipy.stats.spearmanr(gold, model)[0]),
            "pearson": float(scipy.stats.pearsonr(gold, model)[0]),
            "n_pairs": n,
            "oov_ratio": oov / (n + oov),
        }

    def evaluate_analogies(self, path):
        """Accuracy on 'a b c d' analogy questions (": section" lines start sections) whose four words are all
        in the vocabulary: the answer is the word nearest b - a + c (a, b, c excluded), as gensim scores it."""
        self._check_fitted()
        questions, sections, section = [], [], None
        for line in _read_lines(path):
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            words = line.lower().split()
            if len(words) != 4:
                raise ValueError(f"{path}: expected 4 words per question line, got {line!r}")
            if all(w in self for w in words):
                questions.append([self.key_to_index_[w] for w in words])
                sections.append(section)
        if not questions:
            return {"accuracy": float("nan"), "correct": 0, "total": 0, "sections": {}}
        q = np.array(questions)  # (Q, 4)
        unit = self._unit_vectors()
        right = np.zeros(len(q), dtype=bool)
        for s in range(0, len(q), 1024):
            qa, qb, qc, qd = q[s : s + 1024].T
            query = unit[qb] - unit[qa] + unit[qc]  # (n, d); its length does not change the argmax
            sims = query @ unit.T  # (n, V)
            rows = np.arange(len(qa))
            sims[rows, qa] = sims[rows, qb] = sims[rows, qc] = -np.inf
            right[s : s + 1024] = sims.argmax(axis=1) == qd
        per_section = {}
        for name, ok in zip(sections, right):
            c, t = per_section.get(name, (0, 0))
            per_section[name] = (c + int(ok), t + 1)
        return {
            "accuracy": float(right.mean()),
            "correct": int(right.sum()),
            "total": len(q),
            "sections": {k: {"correct": c, "total": t} for k, (c, t) in per_section.items()},
        }

    # --- files -----------------------------------------------------------------------------------------
    def get_params(self):
        return {name: getattr(self, name) for name in self.__init__.__code__.co_varnames[1:]}

    def save(self, path):
        """Write the trained vectors, vocabulary and hyperparameters to one checksummed `.npz` (no pickle)."""
        self._check_fitted()
        meta = {"params": self.get_params(), "loss_curve": [float(v) for v in self.loss_curve_],
                "n_words": self.n_words_}
        arrays = {"wv": self.wv_, "syn1neg": self.syn1neg_, "words": np.array(self.index_to_key_, dtype=str),
                  "counts": self.counts_}
        return write_container(path, "word2vec", meta, arrays)

    @classmethod
    def load(cls, path):
        """Read a model written by `save`; a damaged or foreign file raises ContainerError (a ValueError)."""
        meta, arrays = read_container(path, "word2vec", what="word2vec model")
        model = cls(**meta["params"])
        model.index_to_key_ = [str(w) for w in arrays["words"]]
        model.key_to_index_ = {w: i for i, w in enumerate(model.index_to_key_)}
        model.counts_ = arrays["counts"]
        model.wv_, model.syn1neg_ = arrays["wv"], arrays["syn1neg"]
        model.loss_curve_, model.n_words_ = meta["loss_curve"], meta["n_words"]
        model._normed = None
        return model


def _read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.strip() for line in f if line.strip()]
