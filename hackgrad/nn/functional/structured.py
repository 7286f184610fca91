"""Structured prediction over sequences: a linear-chain energy model, decoded and trained with autograd.

A tag sequence y_1..y_T scores  sum_t emissions[t, y_t] + sum_t transitions[y_{t-1}, y_t]  (an unnormalised
energy; the emissions come from any network). Two ways to reduce over the K**T sequences give the whole
chapter-3 lesson on one recursion over positions:

- `max` (Viterbi, max-sum): the best sequence. Its backward is the guide's max gate: the gradient is routed to
  the winning path only (a count of the emissions and transitions that path used).
- `logsumexp` (the CRF's forward algorithm): the log partition function. Its backward spreads the gradient as
  the marginals: each emission receives the probability that its tag sits at its position.

Nothing here has a hand-written backward: the recursions are built from tensor ops, so autograd gives both.
Shapes: emissions (B, T, K), transitions (K, K) with transitions[i, j] the score of tag i followed by tag j,
tags (B, T) integers, mask (B, T) booleans, True on each sequence's positions (a prefix: no gaps, length >= 1).
"""

import numpy as np

from hackgrad.autograd import functional as AF
from hackgrad.autograd.tensor import Tensor
from hackgrad.nn.functional.loss import _check_reduction, _reduce

__all__ = [
    "sequence_score", "viterbi", "crf_log_partition", "crf_nll", "structured_hinge_loss",
]


# --- checking a chain problem before any work starts ---------------------------------------------------


def _check_chain(name, emissions, transitions, mask=None, tags=None):
    """The inputs as (emissions Tensor, transitions Tensor, mask bool array or None, tags int array or None)."""
    em = emissions if isinstance(emissions, Tensor) else Tensor(emissions)
    tr = transitions if isinstance(transitions, Tensor) else Tensor(transitions)
    if em.ndim != 3:
        raise ValueError(f"{name}: emissions must be (B, T, K) scores, got shape {em.shape}")
    B, T, K = em.shape
    if em.dtype.kind != "f":
        raise TypeError(f"{name}: emissions must be floating-point scores, got dtype {em.dtype}")
    if tr.shape != (K, K):
        raise ValueError(
            f"{name}: emissions of shape {em.shape} have K={K} tags, so transitions must be ({K}, {K}), "
            f"got {tr.shape}"
        )
    if tr.dtype != em.dtype:
        raise TypeError(f"{name}: transitions dtype {tr.dtype} differs from the emissions' {em.dtype}")
    if B == 0 or T == 0 or K == 0:
        raise ValueError(f"{name}: emissions of shape {em.shape} hold no sequence of length >= 1 over >= 1 tag")
    m = None
    if mask is not None:
        m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if m.shape != (B, T):
            raise ValueError(f"{name}: mask must be (B, T) = ({B}, {T}) like the emissions {em.shape}, got {m.shape}")
        if m.dtype != bool:
            if m.dtype.kind not in "iu" or not np.isin(m, (0, 1)).all():
                raise TypeError(f"{name}: mask must hold booleans (or 0/1), got dtype {m.dtype}")
            m = m.astype(bool)
        empty = np.flatnonzero(~m[:, 0])
        if empty.size:
            raise ValueError(
                f"{name}: sequence {empty[0]} has length 0 (mask[{empty[0]}, 0] is False); every sequence in "
                f"the (B, T) = ({B}, {T}) mask needs at least its first position"
            )
        gap = np.argwhere(m[:, 1:] & ~m[:, :-1])  # a True after a False
        if gap.size:
            b, t = gap[0]
            raise ValueError(
                f"{name}: the mask of shape {m.shape} has a gap in sequence {b}: position {t} is False but "
                f"{t + 1} is True; a mask must be True on a prefix of each row (pad at the end)"
            )
        if m.all():
            m = None  # nothing is padded: skip the per-step selection
    t_arr = None
    if tags is not None:
        t_arr = np.asarray(tags.data if isinstance(tags, Tensor) else tags)
        if t_arr.shape != (B, T):
            raise ValueError(f"{name}: tags must be (B, T) = ({B}, {T}) like the emissions {em.shape}, "
                             f"got {t_arr.shape}")
        if t_arr.dtype.kind not in "iu":
            raise TypeError(f"{name}: tags must be integers, got dtype {t_arr.dtype} of shape {t_arr.shape}")
        valid = t_arr if m is None else np.where(m, t_arr, 0)  # padded positions may hold anything
        bad = np.argwhere((valid < 0) | (valid >= K))
        if bad.size:
            b, t = bad[0]
            raise IndexError(
                f"{name}: tags[{b}, {t}] = {t_arr[b, t]} is out of range for emissions of shape {em.shape} "
                f"(tags 0..{K - 1})"
            )
        t_arr = valid.astype(np.intp)
    return em, tr, m, t_arr


# --- the one recursion: max (Viterbi) or logsumexp (forward algorithm) --------------------------------------


def _chain(em, tr, mask, reduce, pointers=None):
    """alpha_t[j] = reduce_i(alpha_{t-1}[i] + tr[i, j]) + em[t, j]; returns alpha at each sequence's end, (B, K).

    A padded step keeps alpha as it was, so each sequence stops at its own length. With a list `pointers`,
    appends each step's best predecessor (B, K) for the Viterbi backtrace.
    """
    alpha = em[:, 0]  # (B, K)
    for t in range(1, em.shape[1]):
        scores = alpha.unsqueeze(2) + tr + em[:, t].unsqueeze(1)  # (B, K_from, K_to)
        if pointers is not None:
            pointers.append(scores.data.argmax(axis=1))  # (B, K)
        step = scores.logsumexp(axis=1) if reduce == "logsumexp" else scores.max(axis=1)  # (B, K)
        alpha = step if mask is None else AF.where(mask[:, t, None], step, alpha)
    return alpha


def sequence_score(emissions, transitions, tags, mask=None):
    """The score of the given tag sequences, (B,): their emissions plus their transitions, padding excluded."""
    em, tr, m, t = _check_chain("sequence_score", emissions, transitions, mask, tags)
    return _gold(em, tr, m, t)


def _gold(em, tr, m, t):
    B, T, _ = em.shape
    picked = em[np.arange(B)[:, None], np.arange(T)[None, :], t]  # (B, T) the emission of each true tag
    moved = tr[t[:, :-1], t[:, 1:]]  # (B, T-1) the transition into each next tag
    if m is None:
        return picked.sum(axis=1) + moved.sum(axis=1)
    keep = m.astype(em.dtype)
    return (picked * keep).sum(axis=1) + (moved * keep[:, 1:]).sum(axis=1)


def viterbi(emissions, transitions, mask=None):
    """The best tag sequence of each chain: (scores (B,), paths (B, T)).

    `scores` is a tensor in the graph (max-sum, so its gradient is routed to the winning path's emissions
    and transitions); `paths` is an integer array, -1 on padded positions. Ties go to the lowest tag.
    """
    em, tr, m, _ = _check_chain("viterbi", emissions, transitions, mask)
    B, T, _ = em.shape
    pointers = []
    alpha = _chain(em, tr, m, "max", pointers)  # (B, K)
    lengths = np.full(B, T) if m is None else m.sum(axis=1)
    paths = np.full((B, T), -1, dtype=np.intp)
    rows = np.arange(B)
    tag = alpha.data.argmax(axis=1)  # (B,) the best tag at each sequence's last position
    for t in range(T - 1, -1, -1):
        active = lengths > t  # this position belongs to the sequence
        paths[active, t] = tag[active]
        if t:
            prev = pointers[t - 1][rows, tag]  # (B,) best predecessor of the tag at t
            tag = np.where(active, prev, tag)  # a padded position hands its (final) tag down unchanged
    return alpha.max(axis=1), paths


def crf_log_partition(emissions, transitions, mask=None):
    """log Z, (B,): the log of the sum of exp(score) over every tag sequence (the forward algorithm)."""
    em, tr, m, _ = _check_chain("crf_log_partition", emissions, transitions, mask)
    return _chain(em, tr, m, "logsumexp").logsumexp(axis=1)


def crf_nll(emissions, transitions, tags, mask=None, reduction="mean"):
    """Negative log-likelihood of `tags` under the linear-chain CRF: log Z - score(tags).

    Its gradient on the emissions is the marginals minus the one-hot true tags: what the model believes
    minus what is true, position by position.
    """
    _check_reduction("crf_nll", reduction)
    em, tr, m, t = _check_chain("crf_nll", emissions, transitions, mask, tags)
    return _reduce(_chain(em, tr, m, "logsumexp").logsumexp(axis=1) - _gold(em, tr, m, t), reduction)


def structured_hinge_loss(emissions, transitions, tags, mask=None, reduction="mean"):
    """The structured SVM: max over sequences y of [score(y) + hamming(y, tags)] - score(tags), >= 0.

    The max is loss-augmented Viterbi (every wrong tag's emission raised by 1), so the true sequence must
    beat every other one by a margin equal to how many positions it gets wrong. Zero once it does; otherwise
    the gradient pulls up the true path and down the most-violating one, as the guide's SVM pulls on scores.
    """
    _check_reduction("structured_hinge_loss", reduction)
    em, tr, m, t = _check_chain("structured_hinge_loss", emissions, transitions, mask, tags)
    wrong = np.ones(em.shape, dtype=em.dtype)  # (B, T, K) a margin of 1 for each wrong tag
    np.put_along_axis(wrong, t[:, :, None], 0, axis=2)
    augmented = _chain(em + wrong, tr, m, "max").max(axis=1)  # (B,) loss-augmented Viterbi
    return _reduce(augmented - _gold(em, tr, m, t), reduction)
