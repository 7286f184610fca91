"""The recipe layer (names -> objects) and the optimizer's pieces (clip, coupled/decoupled decay)."""

import numpy as np
import pytest

from hackgrad import nn, optim
from hackgrad.data import Standardizer
from hackgrad.models import build_model, spec_of
from hackgrad.models.mlp import mlp_spec
from hackgrad.nn import functional as F
from hackgrad.train import recipe


def _model(**kwargs):
    return build_model(mlp_spec(3, [4], 2, batchnorm=True, **kwargs), seed=0)


def test_make_optimizer_decays_weights_not_biases_or_norms():
    model = _model()
    opt = recipe.make_optimizer("adamw", model, lr=0.01, weight_decay=0.1)
    decayed, plain = opt.param_groups
    assert all(p.ndim == 2 for p in decayed["params"]) and decayed["weight_decay"] == 0.1
    assert all(p.ndim == 1 for p in plain["params"]) and plain["weight_decay"] == 0.0
    assert len(decayed["params"]) + len(plain["params"]) == len(list(model.parameters()))
    # without decay one group, with an explicit 0 (AdamW's own default of 0.01 must not creep in)
    (group,) = recipe.make_optimizer("adamw", model, lr=0.01).param_groups
    assert group["weight_decay"] == 0.0
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        recipe.make_optimizer("adamm", model)


def test_names_become_the_same_objects_everywhere():
    assert recipe.make_loss(None, "regression") is F.mse_loss
    assert recipe.make_loss("multiclass_svm") is F.weston_watkins_loss
    assert recipe.make_loss("cross_entropy", label_smoothing=0.1).keywords == {"label_smoothing": 0.1}
    with pytest.raises(ValueError, match="does not fit a regression task"):
        recipe.make_loss("cross_entropy", "regression")
    opt = recipe.make_optimizer("nesterov", _model(), lr=0.1)
    assert isinstance(opt, optim.SGD) and opt.param_groups[0]["momentum"] == 0.9 and opt.param_groups[0]["nesterov"]


@pytest.mark.parametrize("name", ["cosine", "warmup", "step", "exponential"])
def test_a_schedule_rebuilt_at_a_position_continues_the_one_that_ran(name):
    def build(**done):
        opt = recipe.make_optimizer("sgd", _model(), lr=0.1)
        return opt, recipe.make_schedule(name, opt, epochs=6, steps_per_epoch=5, **done)

    opt, (sched, interval) = build()
    n = 17 if interval == "step" else 3
    state = None
    for i in range(n):
        sched.step()
        if i == n - 1:
            state = opt.state_dict()
    expected = [sched.get_last_lr()]
    for _ in range(4):
        sched.step()
        expected.append(sched.get_last_lr())
    opt2, _ = build()
    opt2.load_state_dict(state)
    sched2, _ = recipe.make_schedule(name, opt2, epochs=6, steps_per_epoch=5, epochs_done=n, steps_done=n)
    got = [sched2.get_last_lr()]
    for _ in range(4):
        sched2.step()
        got.append(sched2.get_last_lr())
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_standardizer_modes_and_constant_columns():
    X = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [5.0, 5.0, 9.0]])
    s = Standardizer("feature").fit(X)
    Z = s.transform(X, np.float64)
    np.testing.assert_allclose(Z[:, [0, 2]].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, [0, 2]].std(axis=0), 1)
    assert s.scale_[1] == 1.0 and np.all(Z[:, 1] == 0)  # a constant column is centred, not blown up
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    g = Standardizer("global").fit(X)
    assert np.all(g.mean_ == X.mean()) and np.all(g.scale_ == X.std())
    assert Standardizer("none").fit_transform(X).dtype == np.float32
    with pytest.raises(ValueError, match="unknown mode 'z'"):
        Standardizer("z")


def test_estimators_build_through_the_recipe():
    from hackgrad.estimators import MLPClassifier

    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    est = MLPClassifier((5,), max_iter=3, random_state=0, tol=None).fit(X, y)
    assert spec_of(est.model_)["init"] == "he_glorot"
    np.testing.assert_allclose(est.x_mean_, Standardizer().fit(X).mean_)


# --- the optimizer's pieces -------------------------------------------------------------------------------
def _grads(model):
    rng = np.random.default_rng(1)
    for p in model.parameters():
        p.grad = rng.normal(scale=5, size=p.shape).astype(p.dtype)


def test_clip_grad_norm_is_a_piece_of_any_optimizer():
    a, b = _model(), _model()
    _grads(a)
    _grads(b)
    opt_a = optim.Adam(a.parameters(), lr=0.1, clip_grad_norm=1.0)
    opt_b = optim.Adam(b.parameters(), lr=0.1)
    grads_before = [p.grad.copy() for p in a.parameters()]
    opt_a.step()
    optim.clip_grad_norm_(b.parameters(), 1.0)
    opt_b.step()
    for pa, pb, g in zip(a.parameters(), b.parameters(), grads_before):
        np.testing.assert_array_equal(pa.data, pb.data)
        np.testing.assert_array_equal(pa.grad, g)  # the piece clips what the rule sees, not .grad
    c = _model()
    _grads(c)
    opt_c = optim.SGD(c.parameters(), lr=1.0, clip_grad_value=0.5)
    before = [p.data.copy() for p in c.parameters()]
    opt_c.step()
    assert all(np.abs(p.data - w).max() <= 0.5 + 1e-6 for p, w in zip(c.parameters(), before))
    with pytest.raises(ValueError, match="clip_grad_norm must be a number > 0"):
        optim.SGD(c.parameters(), clip_grad_norm=-1)


def test_coupled_and_decoupled_decay_are_pieces_before_the_rule():
    torch = pytest.importorskip("torch")
    for ours_cls, theirs_cls, kwargs in [
        (optim.Adam, torch.optim.Adam, dict(weight_decay=0.1)),
        (optim.AdamW, torch.optim.AdamW, dict(weight_decay=0.1)),
        (optim.SGD, torch.optim.SGD, dict(weight_decay=0.1, momentum=0.9)),
        (optim.RMSprop, torch.optim.RMSprop, dict(weight_decay=0.1)),
    ]:
        w = np.random.default_rng(2).normal(size=(3, 4))
        p = nn.Parameter(w.copy())
        q = torch.tensor(w.copy(), requires_grad=True)
        o, t = ours_cls([p], lr=0.01, **kwargs), theirs_cls([q], lr=0.01, **kwargs)
        for k in range(3):
            g = np.random.default_rng(10 + k).normal(size=(3, 4))
            p.grad, q.grad = g.copy(), torch.tensor(g.copy())
            o.step()
            t.step()
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-6, atol=1e-7)
    adam_decoupled = optim.Adam([nn.Parameter(np.ones(2))], decoupled_weight_decay=True, weight_decay=0.1)
    assert adam_decoupled.param_groups[0]["decoupled_weight_decay"]
