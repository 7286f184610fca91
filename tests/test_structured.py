"""Linear-chain structured prediction against brute-force enumeration of every tag sequence, in float64."""

import itertools

import numpy as np
import pytest

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn


def _problem(B=3, T=4, K=3, seed=0, ragged=True):
    rng = np.random.default_rng(seed)
    em = hackgrad.tensor(rng.normal(size=(B, T, K)), dtype="float64", requires_grad=True)
    tr = hackgrad.tensor(rng.normal(size=(K, K)), dtype="float64", requires_grad=True)
    tags = rng.integers(0, K, size=(B, T))
    lengths = rng.integers(1, T + 1, size=B) if ragged else np.full(B, T)
    lengths[0] = T  # at least one full row
    mask = np.arange(T)[None, :] < lengths[:, None]
    return em, tr, tags, mask


def _score(e, w, y):
    return sum(e[t, y[t]] for t in range(len(y))) + sum(w[y[t - 1], y[t]] for t in range(1, len(y)))


def _brute(em, tr, tags, mask):
    """Per sequence: (log Z, best score, best path, loss-augmented max, gold score) by enumeration."""
    e, w = em.data, tr.data
    out = []
    for b in range(e.shape[0]):
        n = int(mask[b].sum())
        gold = tuple(tags[b, :n])
        paths = list(itertools.product(range(e.shape[2]), repeat=n))
        s = np.array([_score(e[b], w, y) for y in paths])
        ham = np.array([sum(a != g for a, g in zip(y, gold)) for y in paths])
        logz = np.log(np.exp(s - s.max()).sum()) + s.max()
        out.append((logz, s.max(), paths[int(s.argmax())], (s + ham).max(), _score(e[b], w, gold)))
    return out


@pytest.mark.parametrize("ragged", [False, True])
def test_values_match_brute_force(ragged):
    em, tr, tags, mask = _problem(ragged=ragged)
    m = mask if ragged else None
    ref = _brute(em, tr, tags, mask)
    logz = F.crf_log_partition(em, tr, m)
    np.testing.assert_allclose(logz.data, [r[0] for r in ref], rtol=1e-12)
    scores, paths = F.viterbi(em, tr, m)
    np.testing.assert_allclose(scores.data, [r[1] for r in ref], rtol=1e-12)
    for b, r in enumerate(ref):
        n = len(r[2])
        assert tuple(paths[b, :n]) == r[2]
        assert (paths[b, n:] == -1).all()
    gold = F.sequence_score(em, tr, tags, m)
    np.testing.assert_allclose(gold.data, [r[4] for r in ref], rtol=1e-12)
    nll = F.crf_nll(em, tr, tags, m, reduction="none")
    np.testing.assert_allclose(nll.data, [r[0] - r[4] for r in ref], rtol=1e-12)
    hinge = F.structured_hinge_loss(em, tr, tags, m, reduction="none")
    np.testing.assert_allclose(hinge.data, [r[3] - r[4] for r in ref], rtol=1e-12, atol=1e-12)
    assert (hinge.data >= 0).all()
    np.testing.assert_allclose(F.crf_nll(em, tr, tags, m).item(), nll.data.mean())
    np.testing.assert_allclose(F.crf_nll(em, tr, tags, m, reduction="sum").item(), nll.data.sum())


def test_gradients_are_marginals_and_winner_counts():
    """logsumexp spreads the gradient as marginals; max routes it to the winning path."""
    em, tr, tags, mask = _problem(B=1, T=3, K=3, ragged=False)
    e, w = em.data[0], tr.data
    paths = list(itertools.product(range(3), repeat=3))
    s = np.array([_score(e, w, y) for y in paths])
    p = np.exp(s - s.max())
    p /= p.sum()
    marginals = np.zeros((3, 3))
    for prob, y in zip(p, paths):
        for t, k in enumerate(y):
            marginals[t, k] += prob
    F.crf_log_partition(em, tr).sum().backward()
    np.testing.assert_allclose(em.grad[0], marginals, rtol=1e-10)
    np.testing.assert_allclose(em.grad[0].sum(axis=1), 1.0)  # each position's marginals sum to one

    em.grad = tr.grad = None
    scores, path = F.viterbi(em, tr)
    scores.sum().backward()
    onehot = np.eye(3)[path[0]]
    np.testing.assert_array_equal(em.grad[0], onehot)  # all of the gradient on the winner, none elsewhere
    used = np.zeros((3, 3))
    for a, b in zip(path[0][:-1], path[0][1:]):
        used[a, b] += 1
    np.testing.assert_array_equal(tr.grad, used)


@pytest.mark.parametrize("fn", ["crf_log_partition", "crf_nll", "structured_hinge_loss", "viterbi"])
def test_gradcheck(fn):
    em, tr, tags, mask = _problem(B=2, T=4, K=3, seed=1)
    if fn == "crf_log_partition":
        f = lambda e, w: F.crf_log_partition(e, w, mask)  # noqa: E731
    elif fn == "viterbi":
        f = lambda e, w: F.viterbi(e, w, mask)[0]  # noqa: E731
    else:
        f = lambda e, w: getattr(F, fn)(e, w, tags, mask, reduction="sum")  # noqa: E731
    assert hackgrad.gradcheck(f, em, tr)


def test_padding_is_ignored():
    """Values beyond a sequence's length change nothing and receive no gradient."""
    em, tr, tags, mask = _problem(seed=2)
    base = F.crf_nll(em, tr, tags, mask, reduction="none").data
    em2 = hackgrad.tensor(np.where(mask[:, :, None], em.data, 50.0), dtype="float64", requires_grad=True)
    tags2 = np.where(mask, tags, 99)  # padded tags may hold anything
    loss = F.crf_nll(em2, tr, tags2, mask, reduction="sum")
    np.testing.assert_allclose(F.crf_nll(em2, tr, tags2, mask, reduction="none").data, base)
    loss.backward()
    assert (em2.grad[~mask] == 0).all()


def test_torch_reference_forward_algorithm():
    """The same log Z from PyTorch's own logsumexp recursion (a second, independent implementation)."""
    torch = pytest.importorskip("torch")
    em, tr, _, _ = _problem(ragged=False)
    e, w = torch.tensor(em.data), torch.tensor(tr.data)
    alpha = e[:, 0]
    for t in range(1, e.shape[1]):
        alpha = torch.logsumexp(alpha[:, :, None] + w + e[:, t, None, :], dim=1)
    np.testing.assert_allclose(F.crf_log_partition(em, tr).data, torch.logsumexp(alpha, dim=1).numpy(),
                               rtol=1e-12)


def test_crf_module_trains_and_decodes():
    rng = np.random.default_rng(0)
    K, T = 3, 6
    tags = np.array([[k % K for k in range(s, s + T)] for s in range(K)] * 4)  # tag i is followed by i + 1
    noisy = np.eye(K)[tags] + rng.normal(scale=1.5, size=tags.shape + (K,))
    crf = nn.CRF(K, dtype=np.float64)
    assert crf.transitions.shape == (K, K) and (crf.transitions.data == 0).all()
    em = hackgrad.tensor(noisy, dtype="float64")
    before = (crf.decode(em) == tags).mean()
    opt = hackgrad.optim.Adam(crf.parameters(), lr=0.1)
    for _ in range(60):
        loss = crf(em, tags)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = (crf.decode(em) == tags).mean()
    assert after == 1.0 and before < 0.9
    assert np.argmax(crf.transitions.data, axis=1).tolist() == [1, 2, 0]  # it learned the successor rule
    assert "num_tags=3" in repr(crf)
    assert [n for n, _ in crf.named_parameters()] == ["transitions"]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(tags=np.full((2, 3), 4)), IndexError, ["tags[0, 0] = 4", "(2, 3, 4)", "0..3"]),
        (dict(tags=np.zeros((2, 2), int)), ValueError, ["(2, 3)", "(2, 2)"]),
        (dict(tags=np.zeros((2, 3))), TypeError, ["integers", "float64"]),
        (dict(transitions=np.zeros((3, 3))), ValueError, ["(4, 4)", "(3, 3)", "K=4"]),
        (dict(emissions=np.zeros((2, 3))), ValueError, ["(B, T, K)", "(2, 3)"]),
        (dict(emissions=np.zeros((2, 0, 4))), ValueError, ["(2, 0, 4)", "length"]),
        (dict(mask=np.array([[1, 0, 1], [1, 1, 1]], bool)), ValueError, ["gap", "sequence 0", "(2, 3)"]),
        (dict(mask=np.array([[1, 1, 1], [0, 0, 0]], bool)), ValueError, ["sequence 1", "length 0"]),
        (dict(mask=np.ones((2, 4), bool)), ValueError, ["(2, 3)", "(2, 4)"]),
        (dict(reduction="avg"), ValueError, ["'avg'", "'none'"]),
    ],
)
def test_bad_input_is_named(kwargs, error, words):
    args = dict(emissions=np.zeros((2, 3, 4)), transitions=np.zeros((4, 4)), tags=np.zeros((2, 3), int),
                mask=None, reduction="mean")
    args.update(kwargs)
    for k in ("emissions", "transitions"):
        args[k] = hackgrad.tensor(args[k], dtype="float64")
    with pytest.raises(error) as info:
        F.crf_nll(**args)
    for w in words:
        assert w in str(info.value)
    if "tags" not in kwargs and "reduction" not in kwargs:  # the tag-free functions check the same way
        with pytest.raises(error):
            F.viterbi(args["emissions"], args["transitions"], args["mask"])
