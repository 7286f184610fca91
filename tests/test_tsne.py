"""t-SNE: the tensor-engine KL (gradcheck), the FFT gradient against it, affinities, the estimator, bad input."""

import numpy as np
import pytest
import scipy.sparse

from hackgrad.autograd import Tensor, gradcheck
from hackgrad.models.tsne import (
    TSNE,
    exact_gradient,
    fft_gradient,
    joint_probabilities,
    kl_divergence,
    nearest_neighbors,
)


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0] * 5, [8.0] * 5, [0.0, 8.0, 0.0, 8.0, 0.0]])
    labels = np.arange(n) % 3
    return centers[labels] + rng.standard_normal((n, 5)), labels


def _kl_reference(Y, P, exaggeration=1.0):
    """KL and gradient written straight from the formulas, in NumPy (the textbook form)."""
    d2 = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    w = 1.0 / (1.0 + d2)
    np.fill_diagonal(w, 0.0)
    Q = w / w.sum()
    grad = 4.0 * (((exaggeration * P - Q) * w)[:, :, None] * (Y[:, None, :] - Y[None, :, :])).sum(1)
    mask = P > 0
    return float(np.sum(P[mask] * np.log(P[mask] / Q[mask]))), grad


@pytest.mark.parametrize("exaggeration", [1.0, 4.0])
def test_kl_circuit_gradcheck_float64(exaggeration):
    X, _ = _blobs(12)
    P = joint_probabilities(X, perplexity=3.0).toarray()
    Y = Tensor(np.random.default_rng(1).normal(size=(12, 2)), requires_grad=True, dtype=np.float64)
    assert gradcheck(lambda y: kl_divergence(y, P, exaggeration), Y)


def test_kl_circuit_equals_textbook_formula_in_3d():
    X, _ = _blobs(20)
    P = joint_probabilities(X, perplexity=5.0).toarray()
    Y = np.random.default_rng(2).normal(size=(20, 3))
    kl, grad = exact_gradient(Y, P)
    ref_kl, ref_grad = _kl_reference(Y, P)
    assert kl == pytest.approx(ref_kl, rel=1e-10)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("scale,exaggeration", [(1.0, 1.0), (10.0, 1.0), (30.0, 12.0)])
def test_fft_gradient_matches_the_exact_circuit(scale, exaggeration):
    X, _ = _blobs(300)
    P = joint_probabilities(X, perplexity=10.0)
    Y = np.random.default_rng(3).normal(size=(300, 2)) * scale
    _, exact = exact_gradient(Y, P, exaggeration)
    exact_kl, _ = exact_gradient(Y, P)

    def error(grad):
        return np.linalg.norm(grad - exact) / np.linalg.norm(exact)

    kl, grad = fft_gradient(Y, P, exaggeration)  # FIt-SNE's grid: 3 nodes per unit-wide box
    assert kl == pytest.approx(exact_kl, rel=5e-4)
    assert error(grad) < 0.08
    # the error is the interpolation's: it shrinks as the grid is refined
    _, finer = fft_gradient(Y, P, exaggeration, intervals_per_unit=2)
    _, more_nodes = fft_gradient(Y, P, exaggeration, n_interp=5)
    assert error(finer) < 0.01 and error(more_nodes) < 0.01


def test_nearest_neighbors_brute_force():
    X = np.random.default_rng(4).normal(size=(50, 3))
    idx, d2 = nearest_neighbors(X, 4, chunk=7)
    full = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.fill_diagonal(full, np.inf)
    np.testing.assert_array_equal(idx, np.argsort(full, axis=1)[:, :4])
    np.testing.assert_allclose(d2, np.sort(full, axis=1)[:, :4], atol=1e-10)


def test_joint_probabilities_hit_the_perplexity():
    X, _ = _blobs(100)
    P = joint_probabilities(X, perplexity=7.0)
    assert scipy.sparse.issparse(P) and P.sum() == pytest.approx(1.0)
    assert abs(P - P.T).max() < 1e-15
    # the conditional distributions (before symmetrising) have entropy log(perplexity)
    from hackgrad.models.tsne import _conditional_p

    _, d2 = nearest_neighbors(X, 22)
    cond = _conditional_p(d2, 7.0)
    entropy = -(cond * np.log(np.maximum(cond, 1e-300))).sum(1)
    np.testing.assert_allclose(np.exp(entropy), 7.0, rtol=1e-3)


def _one_nn_accuracy(Y, labels):
    d2 = ((Y[:, None] - Y[None]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    return np.mean(labels[d2.argmin(1)] == labels)


def test_fft_tsne_is_deterministic_and_separates_blobs():
    X, labels = _blobs(60)
    a = TSNE(perplexity=8, max_iter=250, random_state=0).fit(X)
    b = TSNE(perplexity=8, max_iter=250, random_state=0).fit_transform(X)
    np.testing.assert_array_equal(a.embedding_, b)
    assert a.embedding_.shape == (60, 2) and a.n_iter_ == 250 and a.kl_divergence_ > 0
    assert _one_nn_accuracy(a.embedding_, labels) >= 0.9  # after the exaggerated phase only


def test_exact_tsne_separates_blobs_and_kl_matches_its_embedding():
    X, labels = _blobs(90)
    m = TSNE(perplexity=10, max_iter=400, random_state=0, method="exact").fit(X)
    assert _one_nn_accuracy(m.embedding_, labels) == 1.0
    kl, _ = exact_gradient(m.embedding_, joint_probabilities(X, 10.0))
    assert m.kl_divergence_ == pytest.approx(kl, rel=1e-12)
    start, _ = exact_gradient(TSNE(perplexity=10)._initial(X, None), joint_probabilities(X, 10.0))
    assert m.kl_divergence_ < 0.5 * start


def test_golden_kl_on_a_small_input():
    X, _ = _blobs(45, seed=5)
    m = TSNE(perplexity=5, max_iter=300, random_state=0, method="exact").fit(X)
    assert m.kl_divergence_ == pytest.approx(GOLDEN_KL, rel=1e-6)


GOLDEN_KL = 0.3562070877957231  # recorded from this implementation; guards against silent changes


def test_joint_probabilities_match_sklearn():
    t_sne = pytest.importorskip("sklearn.manifold._t_sne")
    X, _ = _blobs(120)
    ours = joint_probabilities(X, perplexity=12.0)
    k = int(3 * 12.0 + 1)
    idx, d2 = nearest_neighbors(X, k)
    distances = scipy.sparse.csr_matrix((d2.ravel(), idx.ravel(), np.arange(0, 120 * k + 1, k)), shape=(120, 120))
    theirs = t_sne._joint_probabilities_nn(distances, 12.0, 0)
    np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-4, atol=1e-9)


def test_bad_input_is_a_clear_error():
    X, _ = _blobs(20)
    with pytest.raises(ValueError, match=r"perplexity \(30.0\) must be less than the number of samples \(20\)"):
        TSNE().fit(X)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity.*row 3, column 2"):
        TSNE(perplexity=5).fit(bad)
    with pytest.raises(ValueError, match="must be 2-D"):
        TSNE(perplexity=5).fit(X[0])
    with pytest.raises(ValueError, match="method='fft' embeds in 2-D"):
        TSNE(perplexity=5, n_components=3).fit(X)
    with pytest.raises(ValueError, match="init must be"):
        TSNE(perplexity=5, init="spectral").fit(X)
    with pytest.raises(ValueError, match="max_iter must be an integer >= 250"):
        TSNE(perplexity=5, max_iter=10).fit(X)
