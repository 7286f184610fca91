"""hackgrad.nn against torch.nn / torch.nn.functional with the same weights, in float64: values, gradients,
running statistics, and state_dicts moving both ways as dicts of arrays. Skipped without torch."""

import math

import numpy as np
import pytest

import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd.tensor import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional
f64 = np.float64
REDUCTIONS = ["mean", "sum", "none"]


def pair(array):
    """The same float64 values as a hackgrad leaf and a torch leaf."""
    return Tensor(array, requires_grad=True, dtype=f64), torch.tensor(
        array, dtype=torch.float64, requires_grad=True
    )


def randn(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).normal(0, scale, shape)


def close(ours, theirs, **kw):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-11, **kw)


def backward_both(ours, theirs):
    """Backpropagate the same random upstream gradient through both outputs."""
    g = np.random.default_rng(42).normal(size=ours.shape)
    ours.backward(g)
    theirs.backward(torch.tensor(g))


# --- layers -------------------------------------------------------------------------------------------------


def test_linear_matches_torch():
    ours = nn.Linear(5, 3, dtype=f64, seed=0)
    theirs = torch.nn.Linear(5, 3, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x, tx = pair(randn(4, 2, 5))
    y, ty = ours(x), theirs(tx)
    close(y.data, ty)
    backward_both(y, ty)
    close(x.grad, tx.grad)
    close(ours.weight.grad, theirs.weight.grad)
    close(ours.bias.grad, theirs.bias.grad)


@pytest.mark.parametrize(
    "ours_cls,theirs_cls,shape",
    [
        (nn.BatchNorm1d, "BatchNorm1d", (8, 3)),
        (nn.BatchNorm1d, "BatchNorm1d", (4, 3, 5)),
        (nn.BatchNorm2d, "BatchNorm2d", (4, 3, 3, 2)),
    ],
)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_matches_torch_train_and_eval(ours_cls, theirs_cls, shape, momentum):
    ours = ours_cls(3, momentum=momentum, dtype=f64)
    theirs = getattr(torch.nn, theirs_cls)(3, momentum=momentum, dtype=torch.float64)
    ours.weight.data[:] = [0.5, 1.5, -2.0]
    ours.bias.data[:] = [0.1, -0.3, 0.2]
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    for step in range(3):  # several steps, so the running averages compound
        x, tx = pair(randn(*shape, seed=step, scale=2.0) + step)
        y, ty = ours(x), theirs(tx)
        close(y.data, ty)
        backward_both(y, ty)
        close(x.grad, tx.grad, err_msg="dx")
    close(ours.weight.grad, theirs.weight.grad)
    close(ours.bias.grad, theirs.bias.grad)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-12, err_msg=k)
    ours.eval(), theirs.eval()
    x, tx = pair(randn(*shape, seed=9))
    y, ty = ours(x), theirs(tx)
    close(y.data, ty)
    backward_both(y, ty)
    close(x.grad, tx.grad)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda x: F.relu(x), TF.relu),
        (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
        (F.sigmoid, torch.sigmoid),
        (F.tanh, torch.tanh),
        (lambda x: F.softmax(x, dim=1), lambda x: TF.softmax(x, dim=1)),
        (lambda x: F.log_softmax(x, dim=-1), lambda x: TF.log_softmax(x, dim=-1)),
    ],
)
def test_activations_match_torch(ours, theirs):
    x, tx = pair(randn(4, 5, 2, scale=3.0))
    y, ty = ours(x), theirs(tx)
    close(y.data, ty)
    backward_both(y, ty)
    close(x.grad, tx.grad)


def test_dropout_statistics_match_torch():
    x = np.ones((400, 250))
    ours = F.dropout(Tensor(x), 0.3, seed=0).data
    theirs = TF.dropout(torch.tensor(x), 0.3).numpy()
    np.testing.assert_allclose(np.unique(ours), [0, 1 / 0.7], rtol=1e-6)
    np.testing.assert_allclose(np.unique(theirs), [0, 1 / 0.7], rtol=1e-6)
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.01


# --- losses -------------------------------------------------------------------------------------------------


def compare_loss(ours_fn, theirs_fn, x_array, *, n_inputs=1, second=None):
    x, tx = pair(x_array)
    if n_inputs == 2:
        t, tt = pair(second)
        ours, theirs = ours_fn(x, t), theirs_fn(tx, tt)
    else:
        ours, theirs = ours_fn(x), theirs_fn(tx)
    close(ours.data, theirs)
    backward_both(ours, theirs)
    close(x.grad, tx.grad)
    if n_inputs == 2:
        close(t.grad, tt.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight": [0.2, 1.0, 3.0, 0.5]},
        {"label_smoothing": 0.2},
        {"ignore_index": 1},
        {"weight": [0.2, 1.0, 3.0, 0.5], "label_smoothing": 0.15, "ignore_index": 2},
    ],
    ids=["plain", "weight", "smoothing", "ignore", "all"],
)
@pytest.mark.parametrize("shape", [(7, 4), (3, 4, 2, 3)], ids=["2d", "4d"])
def test_cross_entropy_matches_torch(reduction, options, shape):
    t = np.random.default_rng(1).integers(0, 4, (shape[0],) + shape[2:])
    topts = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v for k, v in options.items()}
    compare_loss(
        lambda x: F.cross_entropy(x, t, reduction=reduction, **options),
        lambda x: TF.cross_entropy(x, torch.tensor(t), reduction=reduction, **topts),
        randn(*shape, seed=2),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": [0.2, 1.0, 3.0, 0.5], "label_smoothing": 0.1}])
def test_cross_entropy_with_probabilities_matches_torch(reduction, options):
    probs = np.random.default_rng(3).dirichlet(np.ones(4), size=6)
    topts = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v for k, v in options.items()}
    compare_loss(
        lambda x: F.cross_entropy(x, probs, reduction=reduction, **options),
        lambda x: TF.cross_entropy(x, torch.tensor(probs), reduction=reduction, **topts),
        randn(6, 4),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    t = np.array([0, 2, 1, 2, 2])
    w = [1.0, 0.5, 2.0]
    compare_loss(
        lambda x: F.nll_loss(x, t, weight=w, ignore_index=0, reduction=reduction),
        lambda x: TF.nll_loss(
            x,
            torch.tensor(t),
            weight=torch.tensor(w, dtype=torch.float64),
            ignore_index=0,
            reduction=reduction,
        ),
        randn(5, 3),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_losses_match_torch(reduction):
    y = np.random.default_rng(4).random((5, 3))
    w, pw = np.array([0.5, 1.0, 2.0]), np.array([3.0, 1.0, 0.25])
    compare_loss(
        lambda x: F.binary_cross_entropy_with_logits(x, y, w, reduction, pos_weight=pw),
        lambda x: TF.binary_cross_entropy_with_logits(
            x, torch.tensor(y), torch.tensor(w), reduction=reduction, pos_weight=torch.tensor(pw)
        ),
        randn(5, 3, scale=4.0),
    )
    p = np.random.default_rng(5).uniform(0.01, 0.99, (5, 3))
    compare_loss(
        lambda x: F.binary_cross_entropy(x, y, w, reduction),
        lambda x: TF.binary_cross_entropy(x, torch.tensor(y), torch.tensor(w), reduction=reduction),
        p,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_matches_torch(reduction, p):
    t = np.random.default_rng(6).integers(0, 5, 8)
    w = [1.0, 0.5, 2.0, 1.5, 0.3]
    compare_loss(
        lambda x: F.multi_margin_loss(x, t, p=p, margin=0.8, weight=w, reduction=reduction),
        lambda x: TF.multi_margin_loss(
            x,
            torch.tensor(t),
            p=p,
            margin=0.8,
            weight=torch.tensor(w, dtype=torch.float64),
            reduction=reduction,
        ),
        randn(8, 5, seed=7),
    )


def test_weston_watkins_is_torch_multi_margin_times_classes():
    # convention: weston_watkins_loss sums over the wrong classes (cs231n); torch's multi_margin divides by C
    t = np.random.default_rng(6).integers(0, 5, 8)
    compare_loss(
        lambda x: F.weston_watkins_loss(x, t, reduction="none"),
        lambda x: 5 * TF.multi_margin_loss(x, torch.tensor(t), reduction="none"),
        randn(8, 5, seed=7),
    )


def test_crammer_singer_matches_a_torch_formula():
    t = np.random.default_rng(6).integers(0, 5, 8)

    def theirs(x):
        tt = torch.tensor(t)
        true = x.gather(1, tt[:, None])
        rivals = x.masked_fill(TF.one_hot(tt, 5).bool(), float("-inf")).amax(dim=1, keepdim=True)
        return torch.clamp(rivals - true + 1.0, min=0).sum()

    compare_loss(lambda x: F.crammer_singer_loss(x, t, reduction="sum"), theirs, randn(8, 5, seed=7))


def test_binary_hinge_matches_a_torch_formula():
    y = np.where(np.random.default_rng(0).random(9) > 0.5, 1.0, -1.0)
    for ours, power in ((F.hinge_loss, 1), (F.squared_hinge_loss, 2)):
        compare_loss(
            lambda x, ours=ours: ours(x, y),
            lambda x, power=power: (torch.clamp(1 - torch.tensor(y) * x, min=0) ** power).mean(),
            randn(9, scale=2.0),
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.mse_loss, TF.mse_loss),
        (F.l1_loss, TF.l1_loss),
        (
            lambda a, b, reduction: F.huber_loss(a, b, reduction, delta=0.7),
            lambda a, b, reduction: TF.huber_loss(a, b, reduction=reduction, delta=0.7),
        ),
        (
            lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction, beta=0.6),
            lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction, beta=0.6),
        ),
    ],
    ids=["mse", "l1", "huber", "smooth_l1"],
)
def test_regression_losses_match_torch(ours, theirs, reduction):
    compare_loss(
        lambda a, b: ours(a, b, reduction=reduction),
        lambda a, b: theirs(a, b, reduction=reduction),
        randn(4, 3, seed=1),
        n_inputs=2,
        second=randn(4, 3, seed=2),
    )


# --- state_dicts and init -----------------------------------------------------------------------------------


def test_state_dict_moves_between_torch_and_hackgrad():
    ours = nn.Sequential(nn.Linear(6, 5, seed=0), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3, seed=1))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 3)
    )
    theirs(torch.randn(10, 6))  # gives torch's running statistics something to hold
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval(), theirs.eval()
    x = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    np.testing.assert_allclose(
        ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    back = torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 3)
    )
    back.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    back.eval()
    np.testing.assert_allclose(
        back(torch.tensor(x)).detach().numpy(), ours(Tensor(x)).data, rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("xavier_uniform_", {}),
        ("xavier_normal_", {"gain": 1.5}),
        ("kaiming_uniform_", {"a": math.sqrt(5)}),
        ("kaiming_normal_", {"nonlinearity": "relu"}),
        ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "tanh"}),
    ],
)
def test_init_statistics_match_torch(name, kwargs):
    ours = getattr(nn.init, name)(np.empty((200, 300, 3)), **kwargs, seed=0)
    theirs = getattr(torch.nn.init, name)(torch.empty(200, 300, 3, dtype=torch.float64), **kwargs).numpy()
    assert ours.std() == pytest.approx(theirs.std(), rel=0.01)
    assert np.abs(ours).max() <= np.abs(theirs).max() * 1.05 or "normal" in name
    assert nn.init.calculate_gain("leaky_relu", 0.3) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.3)
    )


def test_linear_default_init_matches_torch_statistics():
    ours = nn.Linear(400, 300, seed=0)
    theirs = torch.nn.Linear(400, 300)
    assert ours.weight.data.std() == pytest.approx(theirs.weight.detach().numpy().std(), rel=0.02)
    assert ours.bias.data.std() == pytest.approx(theirs.bias.detach().numpy().std(), rel=0.15)
