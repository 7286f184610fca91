"""hackgrad.optim against torch.optim: same float64 start, same gradients -> same parameters;
same lr sequences; same clipping."""

import numpy as np
import pytest

from hackgrad import optim
from hackgrad.nn import Parameter
from hackgrad.optim import lr_scheduler

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 1, 3)]
N_STEPS = 12


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) * rng.uniform(0.05, 3.0) for s in SHAPES] for _ in range(N_STEPS)]
    # the last parameter gets no gradient every third step: both libraries must skip it then
    for t in range(0, N_STEPS, 3):
        grads[t][2] = None
    return init, grads


def run_ours(name, groups_of, options, init, grads):
    params = [Parameter(x.copy()) for x in init]
    opt = getattr(optim, name)(groups_of(params), **options)
    for gs in grads:
        opt.zero_grad()
        for p, g in zip(params, gs):
            if g is not None:
                p.grad = g.copy()
        opt.step()
    return [p.data for p in params]


def run_torch(name, groups_of, options, init, grads):
    params = [torch.tensor(x.copy(), dtype=torch.float64, requires_grad=True) for x in init]
    opt = getattr(torch.optim, name)(groups_of(params), foreach=False, **options)
    for gs in grads:
        opt.zero_grad()
        for p, g in zip(params, gs):
            if g is not None:
                p.grad = torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


def one_group(params):
    return params


def two_groups(params):
    return [{"params": params[:1], "lr": 0.02}, {"params": params[1:]}]


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.4)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2, eps=1e-5)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.7, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.8, eps=1e-4, weight_decay=0.1, momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.8), eps=1e-3, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.0)),
]


@pytest.mark.parametrize("groups_of", [one_group, two_groups], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_matches_torch_optim(name, options, groups_of):
    init, grads = make_problem()
    ours = run_ours(name, groups_of, options, init, grads)
    theirs = run_torch(name, groups_of, options, init, grads)
    for a, b, x in zip(ours, theirs, init):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
        assert not np.allclose(a, x)


def test_state_dict_layout_matches_torch():
    init, grads = make_problem()
    params = [Parameter(x.copy()) for x in init]
    ours = optim.Adam(params, lr=0.1, amsgrad=True)
    tparams = [torch.tensor(x.copy(), requires_grad=True) for x in init]
    theirs = torch.optim.Adam(tparams, lr=0.1, amsgrad=True, foreach=False)
    for p, q, g in zip(params, tparams, grads[1]):
        p.grad, q.grad = g.copy(), torch.tensor(g)
    ours.step()
    theirs.step()
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"]
    assert set(sd["state"]) == set(tsd["state"])
    for k in sd["state"]:
        assert set(sd["state"][k]) == set(tsd["state"][k])
        np.testing.assert_allclose(sd["state"][k]["exp_avg_sq"], tsd["state"][k]["exp_avg_sq"].numpy())
        assert sd["state"][k]["step"] == int(tsd["state"][k]["step"])
    for key in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
        assert sd["param_groups"][0][key] == tsd["param_groups"][0][key]


# --- schedules -----------------------------------------------------------------------------------------
N_EPOCHS = 40


def lr_sequences(make_ours, make_theirs, n=N_EPOCHS):
    """Run each scheduler n epochs on a two-group SGD; return both lists of per-group lrs (start included)."""
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}])
    sched = make_ours(opt, lr_scheduler)
    ta, tb = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    topt = torch.optim.SGD([{"params": [ta], "lr": 0.1}, {"params": [tb], "lr": 0.03}])
    tsched = make_theirs(topt, torch.optim.lr_scheduler)
    ours, theirs = [sched.get_last_lr()], [tsched.get_last_lr()]
    for _ in range(n):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        ours.append(sched.get_last_lr())
        theirs.append(tsched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == ours[-1]
    return np.array(ours), np.array(theirs)


def _same(make):
    return make, make


SCHEDULES = {
    "StepLR": _same(lambda o, m: m.StepLR(o, step_size=3, gamma=0.5)),
    "ExponentialLR": _same(lambda o, m: m.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": _same(lambda o, m: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "CosineAnnealingLR-to-0": _same(lambda o, m: m.CosineAnnealingLR(o, T_max=7)),
    "LinearLR-warmup": _same(lambda o, m: m.LinearLR(o, start_factor=0.25, total_iters=4)),
    "LinearLR-decay": _same(lambda o, m: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20)),
    "LambdaLR": _same(lambda o, m: m.LambdaLR(o, lambda e: 1.0 / (1.0 + 0.5 * e))),
    "LambdaLR-per-group": _same(
        lambda o, m: m.LambdaLR(o, [lambda e: 0.95**e, lambda e: min(1.0, (e + 1) / 5)])
    ),
    "SequentialLR-warmup-cosine": _same(
        lambda o, m: m.SequentialLR(
            o,
            [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)],
            milestones=[5],
        )
    ),
    "SequentialLR-three": _same(
        lambda o, m: m.SequentialLR(
            o,
            [
                m.LinearLR(o, start_factor=0.5, total_iters=3),
                m.StepLR(o, 4, gamma=0.3),
                m.ExponentialLR(o, 0.8),
            ],
            milestones=[3, 11],
        )
    ),
    "warmup-helper": (
        lambda o, m: m.warmup(o, 6, after=m.CosineAnnealingLR(o, T_max=30), start_factor=0.2),
        lambda o, m: m.SequentialLR(
            o,
            [
                m.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=6),
                m.CosineAnnealingLR(o, T_max=30),
            ],
            milestones=[6],
        ),
    ),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(name):
    make_ours, make_theirs = SCHEDULES[name]
    ours, theirs = lr_sequences(make_ours, make_theirs)
    # PyTorch updates most schedules recursively (lr *= ...), we use the closed form: equal up to rounding
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-15)
    assert len(np.unique(ours[:, 0])) > 2  # the schedule did change the lr


LOSSES = [1.0, 0.9, 0.91, 0.92, 0.95, 0.899, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.4]
LOSSES = LOSSES + LOSSES[::-1] + [0.3] * 10

PLATEAU_CASES = [
    dict(),
    dict(patience=2),
    dict(patience=1, factor=0.5, cooldown=2),
    dict(patience=0, factor=0.5, min_lr=0.01),
    dict(patience=0, factor=0.5, min_lr=[0.02, 0.001]),
    dict(mode="max", patience=1, factor=0.3),
    dict(mode="min", threshold_mode="abs", threshold=0.05, patience=1),
    dict(mode="max", threshold_mode="abs", threshold=0.01, patience=2, cooldown=1),
    dict(threshold=0.1, patience=1, eps=0.01, factor=0.5),
]


@pytest.mark.parametrize("options", PLATEAU_CASES, ids=[str(o) for o in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(options):
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}])
    sched = lr_scheduler.ReduceLROnPlateau(opt, **options)
    ta, tb = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    topt = torch.optim.SGD([{"params": [ta], "lr": 0.1}, {"params": [tb], "lr": 0.03}])
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **options)
    ours, theirs = [], []
    for loss in LOSSES:
        sched.step(loss)
        tsched.step(loss)
        ours.append(sched.get_last_lr())
        theirs.append(tsched.get_last_lr())
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    assert ours[-1] != ours[0]  # the sequence did reduce the lr


# --- clipping --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.3, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=s) for s in SHAPES]
    params = [Parameter(np.zeros(s)) for s in SHAPES]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, g in zip(tparams, grads):
        p.grad = torch.tensor(g)
    total = optim.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
    assert total == pytest.approx(float(ttotal), rel=1e-12)
    for p, q in zip(params, tparams):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_value_matches_torch():
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=s) for s in SHAPES]
    params = [Parameter(np.zeros(s)) for s in SHAPES]
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, q, g in zip(params, tparams, grads):
        p.grad, q.grad = g.copy(), torch.tensor(g)
    optim.clip_grad_value_(params, 0.5)
    torch.nn.utils.clip_grad_value_(tparams, 0.5)
    for p, q in zip(params, tparams):
        np.testing.assert_array_equal(p.grad, q.grad.numpy())
