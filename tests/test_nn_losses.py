"""hackgrad.nn losses and penalties: float64 gradchecks for every reduction, values against direct NumPy
formulas (and the guide's SVM numbers), numerical stability, and the errors bad targets get."""

import numpy as np
import pytest

import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd import gradcheck
from hackgrad.autograd.tensor import Tensor, tensor

f64 = np.float64
REDUCTIONS = ["mean", "sum", "none"]


def leaf(shape, seed=0, scale=1.0):
    return Tensor(np.random.default_rng(seed).normal(0, scale, shape), requires_grad=True, dtype=f64)


def labels(n, c, seed=1):
    return np.random.default_rng(seed).integers(0, c, n)


def np_log_softmax(x, axis=1):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


# --- the guide's SVM --------------------------------------------------------------------------------------


def test_guide_svm_cost_is_hinge_sum_plus_l2_penalty():
    X = np.array([[1.2, 0.7], [-0.3, 0.5], [3.0, 2.5]])
    y = np.array([1, -1, 1])
    w = tensor([0.1, 0.2, 0.3], dtype=f64, requires_grad=True)
    scores = tensor(X, dtype=f64) @ w[:2] + w[2]
    np.testing.assert_allclose(scores.data, [0.56, 0.37, 1.1])
    per_example = F.hinge_loss(scores, y, reduction="none")
    np.testing.assert_allclose(per_example.data, [0.44, 1.37, 0.0], atol=1e-12)
    cost = F.hinge_loss(scores, y, reduction="sum") + F.l2_penalty(w[:2], alpha=0.1)
    assert cost.item() == pytest.approx(1.815)
    cost.backward()
    # the pulls: example 0 pulls up (+x0), example 1 pulls down (-x1), example 2 is happy; plus 2*alpha*w
    np.testing.assert_allclose(w.grad, [-1.2 - 0.3 + 0.02, -0.7 + 0.5 + 0.04, -1 + 1])


# --- cross-entropy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight": np.array([0.2, 1.0, 3.0, 0.5])},
        {"label_smoothing": 0.2},
        {"weight": np.array([0.2, 1.0, 3.0, 0.5]), "label_smoothing": 0.1},
        {"ignore_index": 2},
    ],
    ids=["plain", "weight", "smoothing", "weight+smoothing", "ignore"],
)
def test_cross_entropy_gradcheck(reduction, options):
    x, t = leaf((6, 4), seed=3), labels(6, 4)
    assert gradcheck(lambda x: F.cross_entropy(x, t, reduction=reduction, **options), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck_spatial_and_probabilities(reduction):
    x = leaf((3, 4, 2, 2), seed=4)
    t = np.random.default_rng(0).integers(0, 4, (3, 2, 2))
    assert gradcheck(lambda x: F.cross_entropy(x, t, reduction=reduction, label_smoothing=0.1), x)
    probs = np.random.default_rng(1).dirichlet(np.ones(4), size=5)
    x2 = leaf((5, 4), seed=5)
    assert gradcheck(lambda x: F.cross_entropy(x, probs, reduction=reduction, weight=[1, 2, 3, 4.0]), x2)


def test_cross_entropy_values():
    x, t = leaf((6, 4), seed=3), labels(6, 4)
    logp = np_log_softmax(x.data)
    nll = -logp[np.arange(6), t]
    assert F.cross_entropy(x, t).item() == pytest.approx(nll.mean())
    np.testing.assert_allclose(F.cross_entropy(x, t, reduction="none").data, nll)
    w = np.array([0.2, 1.0, 3.0, 0.5])
    weighted = (w[t] * nll).sum() / w[t].sum()  # the weighted mean divides by the targets' weights
    assert F.cross_entropy(x, t, weight=w).item() == pytest.approx(weighted)
    eps = 0.3
    smooth = (1 - eps) * nll + eps / 4 * -logp.sum(axis=1)
    assert F.cross_entropy(x, t, label_smoothing=eps).item() == pytest.approx(smooth.mean())
    keep = t != t[0]
    padded = np.where(np.arange(6) % 2, t, -100)  # the default ignore_index marks padding
    odd = np.arange(6) % 2 == 1
    assert F.cross_entropy(x, padded).item() == pytest.approx(nll[odd].mean())
    assert F.cross_entropy(x, t, ignore_index=int(t[0])).item() == pytest.approx(nll[keep].mean())
    # the gradient is softmax - onehot, averaged
    loss = F.cross_entropy(x, t)
    loss.backward()
    onehot = np.eye(4)[t]
    np.testing.assert_allclose(x.grad, (np.exp(logp) - onehot) / 6)


def test_cross_entropy_single_sample_and_float32():
    x = tensor([1.0, 2.0, 0.5], requires_grad=True)
    loss = F.cross_entropy(x, 1)
    assert loss.dtype == np.float32 and loss.shape == ()
    assert loss.item() == pytest.approx(-np_log_softmax(np.array([[1.0, 2.0, 0.5]]))[0, 1], rel=1e-6)
    loss.backward()
    assert x.grad.dtype == np.float32


def test_cross_entropy_is_stable_for_huge_logits():
    x = tensor([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, np.array([2, 1]))
    loss.backward()
    assert loss.item() == pytest.approx(2e4 / 2)  # the first sample is wrong by 2e4, the second right
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad, [[0.5, 0, -0.5], [0, 0, 0]], atol=1e-6)


def test_cross_entropy_bad_targets():
    x = tensor(np.zeros((4, 10)))
    with pytest.raises(IndexError, match="label 12, but the input has 10 classes"):
        F.cross_entropy(x, np.array([1, 2, 12, 3]))
    with pytest.raises(IndexError, match="label -1"):
        F.cross_entropy(x, np.array([1, 2, -1, 3]))
    with pytest.raises(TypeError, match=r"integer class labels .*got dtype float64 of shape \(4,\)"):
        F.cross_entropy(x, np.array([1.0, 2.0, 0.0, 3.0]))
    with pytest.raises(ValueError, match=r"needs a target of shape \(4,\), got \(5,\)"):
        F.cross_entropy(x, np.arange(5))
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        F.cross_entropy(x, np.arange(4), reduction="avg")
    with pytest.raises(ValueError, match=r"one entry per class, shape \(10,\), got \(3,\)"):
        F.cross_entropy(x, np.arange(4), weight=np.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, np.arange(4), label_smoothing=1.5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_cross_entropy(reduction):
    x, t = leaf((5, 3), seed=2), labels(5, 3)
    w = np.array([1.0, 2.0, 0.5])
    a = F.nll_loss(F.log_softmax(x, dim=1), t, weight=w, reduction=reduction)
    b = F.cross_entropy(x, t, weight=w, reduction=reduction)
    np.testing.assert_allclose(a.data, b.data)
    assert gradcheck(lambda x: F.nll_loss(x, t, weight=w, reduction=reduction), x)


# --- logistic losses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_gradcheck_with_broadcast_weights(reduction):
    x = leaf((5, 3), seed=1, scale=3.0)
    y = np.random.default_rng(2).random((5, 3))
    w = np.array([0.5, 1.0, 2.0])  # broadcasts over the batch
    pw = np.array([[3.0], [1.0], [0.5], [2.0], [1.0]])  # broadcasts over classes
    assert gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y, reduction=reduction), x)
    assert gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y, w, reduction, pos_weight=pw), x)


def test_bce_with_logits_values_and_stability():
    x = leaf((4, 2), seed=1, scale=2.0)
    y = (np.random.default_rng(2).random((4, 2)) > 0.5).astype(float)
    s = 1 / (1 + np.exp(-x.data))
    expected = -(3.0 * y * np.log(s) + (1 - y) * np.log(1 - s))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, y, pos_weight=3.0, reduction="none").data, expected
    )
    big = tensor([1e4, -1e4, 1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(big, np.array([0.0, 1.0, 1.0]), reduction="sum")
    loss.backward()
    assert loss.item() == pytest.approx(2e4)
    np.testing.assert_allclose(big.grad, [1, -1, 0])


def test_bce_on_probabilities():
    p = Tensor(np.random.default_rng(0).uniform(0.05, 0.95, (4, 3)), requires_grad=True, dtype=f64)
    y = np.random.default_rng(1).random((4, 3))
    expected = -(y * np.log(p.data) + (1 - y) * np.log(1 - p.data))
    assert F.binary_cross_entropy(p, y).item() == pytest.approx(expected.mean())
    w = np.arange(1, 4.0)
    for reduction in REDUCTIONS:
        assert gradcheck(lambda p, r=reduction: F.binary_cross_entropy(p, y, weight=w, reduction=r), p)
    assert F.binary_cross_entropy(tensor([0.0, 1.0]), np.array([1.0, 0.0]), reduction="sum").item() == 200
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(tensor([1.5]), np.array([1.0]))


def test_logistic_losses_want_matching_shapes():
    with pytest.raises(ValueError, match=r"input has shape \(4, 1\) but target has shape \(4,\)"):
        F.binary_cross_entropy_with_logits(tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="weight of shape \\(3,\\) does not broadcast"):
        F.binary_cross_entropy_with_logits(tensor(np.zeros((4, 2))), np.zeros((4, 2)), weight=np.ones(3))


# --- margin losses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("fn", [F.hinge_loss, F.squared_hinge_loss])
def test_binary_hinge_gradcheck(fn, reduction):
    x = leaf((8,), seed=6, scale=2.0)
    y = np.where(np.random.default_rng(0).random(8) > 0.5, 1, -1)
    assert gradcheck(lambda x: fn(x, y, reduction=reduction, margin=1.5), x)


def test_squared_hinge_values_and_label_check():
    s, y = tensor([0.5, -2.0, 3.0]), np.array([1, -1, -1])
    np.testing.assert_allclose(F.squared_hinge_loss(s, y, reduction="none").data, [0.25, 0.0, 16.0])
    with pytest.raises(ValueError, match=r"-1 or \+1, got 0; map \{0, 1\} labels"):
        F.hinge_loss(s, np.array([1, 0, 1]))


def loop_weston_watkins(s, t, margin):
    out = np.zeros(len(t))
    for i, (row, y) in enumerate(zip(s, t)):
        out[i] = sum(max(0, row[j] - row[y] + margin) for j in range(len(row)) if j != y)
    return out


def loop_crammer_singer(s, t, margin):
    return np.array(
        [max(0, max(row[j] for j in range(len(row)) if j != y) - row[y] + margin) for row, y in zip(s, t)]
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multiclass_svm_gradcheck(reduction):
    x, t = leaf((7, 5), seed=8), labels(7, 5, seed=3)
    assert gradcheck(lambda x: F.weston_watkins_loss(x, t, margin=0.7, reduction=reduction), x)
    assert gradcheck(lambda x: F.crammer_singer_loss(x, t, margin=0.7, reduction=reduction), x)
    w = np.array([1.0, 0.5, 2.0, 1.5, 0.3])
    for p in (1, 2):
        assert gradcheck(lambda x, p=p: F.multi_margin_loss(x, t, p=p, weight=w, reduction=reduction), x)


def test_multiclass_svm_values():
    x, t = leaf((7, 5), seed=8), labels(7, 5, seed=3)
    ww = loop_weston_watkins(x.data, t, 1.0)
    np.testing.assert_allclose(F.weston_watkins_loss(x, t, reduction="none").data, ww)
    np.testing.assert_allclose(
        F.crammer_singer_loss(x, t, reduction="none").data, loop_crammer_singer(x.data, t, 1)
    )
    assert F.multi_margin_loss(x, t).item() == pytest.approx(ww.mean() / 5)  # PyTorch's divides by C
    # a confident correct row costs nothing and pulls nothing
    s = tensor([[5.0, 0.0, 1.0]], requires_grad=True)
    loss = F.weston_watkins_loss(s, np.array([0])) + F.crammer_singer_loss(s, np.array([0]))
    loss.backward()
    assert loss.item() == 0 and not s.grad.any()
    # the multiclass pulls: each violating class down by 1, the true class up by their number
    s = tensor([[0.0, 0.5, 0.2, -3.0]], requires_grad=True)
    F.weston_watkins_loss(s, np.array([0])).backward()
    np.testing.assert_allclose(s.grad, [[-2, 1, 1, 0]])
    s.grad = None
    F.crammer_singer_loss(s, np.array([0])).backward()
    np.testing.assert_allclose(s.grad, [[-1, 1, 0, 0]])


def test_multiclass_svm_errors():
    x = tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match="label 4, but the input has 4 classes"):
        F.weston_watkins_loss(x, np.array([0, 4, 1]))
    with pytest.raises(TypeError, match="integer class labels"):
        F.crammer_singer_loss(x, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"\(N, C\) scores, got shape \(3, 4, 1\)"):
        F.multi_margin_loss(tensor(np.zeros((3, 4, 1))), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        F.multi_margin_loss(x, np.array([0, 1, 1]), p=3)


# --- regression losses --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "fn,kwargs",
    [
        (F.mse_loss, {}),
        (F.l1_loss, {}),
        (F.huber_loss, {"delta": 0.8}),
        (F.smooth_l1_loss, {"beta": 0.5}),
        (F.smooth_l1_loss, {"beta": 0.0}),
    ],
    ids=["mse", "l1", "huber", "smooth_l1", "smooth_l1_beta0"],
)
def test_regression_gradcheck_both_arguments(fn, kwargs, reduction):
    a, b = leaf((4, 3), seed=1), leaf((4, 3), seed=2)
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction, **kwargs), a, b)


def test_regression_values():
    a, b = tensor([0.0, 1.0, 5.0], dtype=f64), np.array([0.5, 1.0, 1.0])
    d = np.array([-0.5, 0.0, 4.0])
    assert F.mse_loss(a, b).item() == pytest.approx((d**2).mean())
    assert F.l1_loss(a, b, reduction="sum").item() == pytest.approx(4.5)
    np.testing.assert_allclose(F.huber_loss(a, b, reduction="none", delta=1.0).data, [0.125, 0, 3.5])
    np.testing.assert_allclose(F.smooth_l1_loss(a, b, reduction="none", beta=2.0).data, [0.0625, 0, 3.0])
    with pytest.raises(ValueError, match=r"input has shape \(3,\) but target has shape \(3, 1\)"):
        F.mse_loss(a, b[:, None])
    with pytest.raises(ValueError, match="delta must be > 0"):
        F.huber_loss(a, b, delta=0)


# --- loss modules -------------------------------------------------------------------------------------------


def test_loss_modules_call_their_functions():
    x, t = leaf((6, 4), seed=3), labels(6, 4)
    w = np.array([0.2, 1.0, 3.0, 0.5])
    crit = nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, reduction="sum")
    assert crit(x, t).item() == pytest.approx(
        F.cross_entropy(x, t, w, reduction="sum", label_smoothing=0.1).item()
    )
    assert repr(crit) == "CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1, reduction='sum')"
    assert list(crit.state_dict()) == ["weight"]  # saved with a model, as in PyTorch
    pairs = [
        (nn.MSELoss(), F.mse_loss, leaf((6, 4), 9)),
        (nn.L1Loss(reduction="none"), F.l1_loss, leaf((6, 4), 9)),
        (nn.HuberLoss(delta=0.5), F.huber_loss, leaf((6, 4), 9)),
        (nn.SmoothL1Loss(beta=0.5), F.smooth_l1_loss, leaf((6, 4), 9)),
        (nn.WestonWatkinsLoss(), F.weston_watkins_loss, t),
        (nn.CrammerSingerLoss(), F.crammer_singer_loss, t),
        (nn.MultiMarginLoss(), F.multi_margin_loss, t),
    ]
    for module, fn, target in pairs:
        kw = {k: getattr(module, k) for k in type(module)._hyper}
        np.testing.assert_allclose(
            module(x, target).data, fn(x, target, reduction=module.reduction, **kw).data
        )
    y = np.where(x.data > 0, 1, -1)
    assert nn.HingeLoss()(x, y).item() == pytest.approx(F.hinge_loss(x, y).item())
    assert nn.SquaredHingeLoss(margin=2)(x, y).item() == pytest.approx(F.squared_hinge_loss(x, y, 2).item())
    yb = (x.data > 0).astype(float)
    assert nn.BCEWithLogitsLoss()(x, yb).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(x, yb).item()
    )
    assert nn.NLLLoss()(x, t).item() == pytest.approx(F.nll_loss(x, t).item())
    with pytest.raises(ValueError, match="MSELoss: unknown reduction 'mena'"):
        nn.MSELoss(reduction="mena")


# --- regularisation -----------------------------------------------------------------------------------------


def test_penalties_gradcheck_and_values():
    a, b = leaf((3, 4), 1), leaf((4,), 2)
    assert gradcheck(lambda a, b: F.l2_penalty([a, b], alpha=0.3), a, b)
    assert gradcheck(lambda a, b: F.l1_penalty([a, b], alpha=0.3), a, b)
    assert F.l2_penalty([a, b]).item() == pytest.approx((a.data**2).sum() + (b.data**2).sum())
    assert F.l1_penalty(a, alpha=2).item() == pytest.approx(2 * np.abs(a.data).sum())
    model = nn.Linear(3, 2, dtype=f64, seed=0)
    assert F.l2_penalty(model).item() == pytest.approx(
        (model.weight.data**2).sum() + (model.bias.data**2).sum()
    )
    with pytest.raises(TypeError, match="expected tensors"):
        F.l2_penalty([np.ones(3)])


@pytest.mark.parametrize("axis", [0, 1, (0, 2)])
def test_group_lasso_gradcheck(axis):
    W = leaf((3, 4, 2), 3)
    assert gradcheck(lambda W: F.group_lasso(W, axis=axis, alpha=0.5), W)


def test_group_lasso_value_and_zero_group():
    W = tensor([[3.0, 0.0, 1.0], [4.0, 0.0, 0.0]], dtype=f64, requires_grad=True)
    loss = F.group_lasso(W, axis=0)  # one group per column (input feature of a Linear weight)
    assert loss.item() == pytest.approx(5 + 0 + 1)
    loss.backward()
    np.testing.assert_allclose(W.grad, [[0.6, 0, 1], [0.8, 0, 0]])  # the zero column gets 0, not NaN
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        F.group_lasso(W, axis=2)


# --- chance levels: each loss declares what an unsure model scores ----------------------------------------
@pytest.mark.parametrize("name", [n for n in F.loss.__all__ if n != "chance_level"])
def test_every_loss_declares_a_chance_level_that_zero_scores_reach(name):
    import functools

    from hackgrad import nn as hnn

    C, N = 4, 50
    rng = np.random.default_rng(0)
    labels = rng.integers(0, C, N)
    fn = getattr(F, name)
    assert callable(fn.chance_level)
    if name in ("cross_entropy", "weston_watkins_loss", "crammer_singer_loss", "multi_margin_loss"):
        scores, target, n = np.zeros((N, C)), labels, C
    elif name == "nll_loss":
        scores, target, n = np.full((N, C), -np.log(C)), labels, C  # log of a uniform guess
    elif name in ("binary_cross_entropy_with_logits", "binary_cross_entropy"):
        scores = np.zeros(N) if name.endswith("logits") else np.full(N, 0.5)
        target, n = rng.integers(0, 2, N).astype(float), 1
    elif name in ("hinge_loss", "squared_hinge_loss"):
        scores, target, n = np.zeros(N), rng.choice([-1.0, 1.0], N), 1
    else:
        scores, target, n = np.zeros(N), rng.normal(scale=2, size=N), 1
    options = {"margin": 0.5} if "margin" in fn.__code__.co_varnames else {}
    if name == "multi_margin_loss":
        options["p"] = 2
    loss_fn = functools.partial(fn, **options) if options else fn
    value, why = F.chance_level(loss_fn, n, target)
    actual = float(loss_fn(Tensor(scores, dtype=np.float64), target).data)
    assert value == pytest.approx(actual, rel=1e-9), why
    module = {c._fn.__name__: c for c in vars(hnn).values() if isinstance(c, type) and getattr(c, "_fn", None)}
    if name in module and not options:
        assert module[name]().chance_level(n, target)[0] == pytest.approx(actual, rel=1e-9)


def test_a_loss_without_a_declared_chance_level_says_so():
    value, why = F.chance_level(lambda out, t: (out * out).mean(), 3)
    assert value is None and "declares no chance_level" in why
