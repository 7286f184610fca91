"""hackgrad.optim.lr_scheduler without PyTorch: the closed forms, resuming from state_dict,
ReduceLROnPlateau by hand, and bad input."""

import json
import math

import numpy as np
import pytest

from hackgrad.nn import Parameter
from hackgrad.optim import SGD, lr_scheduler


def make_opt(lrs=(0.1, 0.03)):
    return SGD([{"params": [Parameter(np.ones(2))], "lr": lr} for lr in lrs])


def sequence(sched, n):
    lrs = [sched.get_last_lr()]
    for _ in range(n):
        sched.optimizer.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return np.array(lrs)


CLOSED_FORMS = [
    (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5), lambda b, t: b * 0.5 ** (t // 3)),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9), lambda b, t: b * 0.9**t),
    (
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
        lambda b, t: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * t / 8)) / 2,
    ),
    (
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=4),
        lambda b, t: b * (0.2 + 0.8 * min(t, 4) / 4),
    ),
    (lambda o: lr_scheduler.LambdaLR(o, lambda t: 1 / (t + 1)), lambda b, t: b / (t + 1)),
    (
        lambda o: lr_scheduler.warmup(o, 3, after=lr_scheduler.ExponentialLR(o, gamma=0.5), start_factor=0.4),
        lambda b, t: b * (0.4 + 0.6 * t / 3) if t < 3 else b * 0.5 ** (t - 3),
    ),
]


@pytest.mark.parametrize("make, formula", CLOSED_FORMS)
def test_schedule_follows_its_formula(make, formula):
    opt = make_opt()
    got = sequence(make(opt), 20)
    expected = np.array([[formula(b, t) for b in (0.1, 0.03)] for t in range(21)])
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    assert opt.param_groups[0]["initial_lr"] == 0.1


def test_cosine_reaches_eta_min_at_t_max_and_climbs_back():
    opt = make_opt((1.0,))
    lrs = sequence(lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.1), 10)[:, 0]
    assert lrs[0] == 1.0 and lrs[5] == pytest.approx(0.1) and lrs[10] == pytest.approx(1.0)
    assert np.all(np.diff(lrs[:6]) < 0) and np.all(np.diff(lrs[5:]) > 0)


SAVABLE = [
    lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.3),
    lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=12),
    lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=6),
    lambda o: lr_scheduler.LambdaLR(o, lambda t: 0.9**t),
    lambda o: lr_scheduler.warmup(o, 4, after=lr_scheduler.CosineAnnealingLR(o, T_max=10)),
]


@pytest.mark.parametrize("make", SAVABLE)
def test_state_dict_resumes_the_schedule(make):
    straight = sequence(make(make_opt()), 15)
    opt = make_opt()
    sched = make(opt)
    first = sequence(sched, 7)
    saved_sched = json.loads(json.dumps(sched.state_dict()))  # plain data: survives JSON
    saved_opt = opt.state_dict()
    opt2 = make_opt()
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.get_last_lr() == list(first[-1])
    rest = sequence(sched2, 8)
    np.testing.assert_array_equal(np.vstack([first, rest[1:]]), straight)


def test_resume_with_last_epoch_needs_initial_lr():
    opt = make_opt()
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)
    opt.param_groups[0]["initial_lr"] = 1.0
    opt.param_groups[1]["initial_lr"] = 0.5
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5, last_epoch=4)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [0.25, 0.125]


def test_reduce_lr_on_plateau_by_hand():
    opt = make_opt((1.0,))
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=0.2)
    lrs = []
    # best 1.0; three steps without improvement (> patience=2) cut the lr; cooldown swallows the next bad step
    for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        sched.step(loss)
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    # an improvement resets the count
    opt = make_opt((1.0,))
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.1)
    for loss in [5.0, 6.0, 4.0, 7.0, 3.0, 8.0]:
        sched.step(loss)
    assert sched.get_last_lr() == [1.0]
    sched.step(9.0)
    assert sched.get_last_lr() == [pytest.approx(0.1)]


def test_reduce_lr_on_plateau_state_dict_round_trip():
    losses = [3.0, 2.0, 2.5, 2.4, 2.6, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
    opt = make_opt()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, mode="min")
    for loss in losses[:4]:
        sched.step(loss)
    saved = json.loads(json.dumps(sched.state_dict()))
    opt2 = make_opt()
    opt2.load_state_dict(opt.state_dict())
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2)
    sched2.load_state_dict(saved)
    for loss in losses[4:]:
        sched.step(loss)
        sched2.step(loss)
        assert sched.get_last_lr() == sched2.get_last_lr()
    assert sched2.factor == 0.5 and sched2.get_last_lr() != [0.1, 0.03]


def test_bad_input_is_named():
    opt = make_opt()
    with pytest.raises(TypeError, match="expected an Optimizer, got list"):
        lr_scheduler.StepLR([1, 2], step_size=2)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=2.5)
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\]"):
        lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        lr_scheduler.ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [lambda t: 1.0])
    with pytest.raises(ValueError, match="2 schedulers need 1 milestones, got 2"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(opt, 3)], [2, 3])
    with pytest.raises(TypeError, match="not ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ReduceLROnPlateau(opt)], [])
    with pytest.raises(ValueError, match="different optimizer"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(make_opt(), 2)], [])
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'mni'"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="mni")
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\), got 1.5"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="patience must be a non-negative integer"):
        lr_scheduler.ReduceLROnPlateau(opt, patience=-1)
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])
    sched = lr_scheduler.StepLR(opt, 2)
    with pytest.raises(ValueError, match=r"unknown keys \['gama'\]"):
        sched.load_state_dict({"gama": 0.5})
