"""Optimizers and schedulers refuse values that would poison training, at the boundary, with clear errors."""

import math

import numpy as np
import pytest

from hackgrad import optim
from hackgrad.nn import Parameter
from hackgrad.optim import lr_scheduler as S


def _params():
    return [Parameter(np.ones(3)), Parameter(np.ones(2))]


@pytest.mark.parametrize("lr", [math.inf, -math.inf, math.nan, -1.0])
@pytest.mark.parametrize("make", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad, optim.Adadelta])
def test_every_optimizer_refuses_an_unusable_lr(make, lr):
    with pytest.raises(ValueError, match=r"lr must be (>= 0|finite), got"):
        make(_params(), lr=lr)


def test_other_options_must_be_finite_too():
    with pytest.raises(ValueError, match="momentum must be finite, got inf"):
        optim.SGD(_params(), lr=0.1, momentum=math.inf)
    with pytest.raises(ValueError, match="weight_decay must be finite"):
        optim.Adam(_params(), weight_decay=math.inf)
    with pytest.raises(TypeError, match=r"betas\[0\] must be a number"):
        optim.Adam(_params(), betas=("0.9", 0.999))


def test_an_lr_set_later_is_checked_when_a_state_is_loaded():
    opt = optim.SGD(_params(), lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = math.inf
    with pytest.raises(ValueError, match="lr must be finite"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1


def _trained_adam():
    ps = _params()
    opt = optim.Adam(ps, lr=0.1)
    for p in ps:
        p.grad = np.ones_like(p.data)
    opt.step()
    return opt


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda sd: sd["param_groups"][0].pop("params"), "must be a dict with a 'params' list"),
        (lambda sd: sd["param_groups"][0].update(params=[0, 0]), "appears twice"),
        (lambda sd: sd["param_groups"][0].update(params=["x", 1]), "'x' is not a parameter index"),
        (lambda sd: sd["state"][0].pop("exp_avg"), r"state of parameter 0 lacks \['exp_avg'\]"),
        (lambda sd: sd["state"][0].update(step=-1), "counter and must be >= 0, got -1"),
        (lambda sd: sd["state"][1]["exp_avg_sq"].__setitem__(0, np.nan), "holds NaN or Inf"),
        (lambda sd: sd["state"].update({0: "junk"}), "must be a dict of buffers"),
        (lambda sd: sd.update(state=[]), "'state' must be a dict"),
        (lambda sd: sd["param_groups"][0].update(betas=(0.9, 1.5)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda sd: sd["param_groups"][0].pop("eps"), r"lacks options \['eps'\]"),
    ],
)
def test_optimizer_load_state_dict_refuses_damaged_state_and_changes_nothing(damage, message):
    opt = _trained_adam()
    before = opt.state_dict()
    sd = opt.state_dict()
    damage(sd)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(sd)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for idx, s in before["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(after["state"][idx][k], v)


def test_a_loaded_adam_state_trains_on():
    opt = _trained_adam()
    other = optim.Adam([Parameter(np.ones(3)), Parameter(np.ones(2))], lr=0.1)
    other.load_state_dict(opt.state_dict())
    for p in other.param_groups[0]["params"]:
        p.grad = np.ones_like(p.data)
    other.step()
    assert other.state[other.param_groups[0]["params"][0]]["step"] == 2


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda o: S.StepLR(o, step_size=1, gamma=-1.0), r"gamma must be in \(0, inf\], got -1"),
        (lambda o: S.StepLR(o, step_size=1, gamma=math.nan), "gamma must be a finite number"),
        (lambda o: S.StepLR(o, step_size=True), "step_size must be a positive integer"),
        (lambda o: S.ExponentialLR(o, gamma=math.inf), "gamma must be a finite number"),
        (lambda o: S.LambdaLR(o, lambda t: -1.0), "lr computed for step 0 must be a finite number >= 0, got -0.1"),
        (lambda o: S.LambdaLR(o, lambda t: math.nan), "got nan"),
        (lambda o: S.CosineAnnealingLR(o, T_max=3, eta_min=math.inf), "eta_min must be a finite number >= 0"),
        (lambda o: S.LinearLR(o, start_factor=math.nan), "start_factor must be a finite number"),
        (lambda o: S.ReduceLROnPlateau(o, min_lr=-1.0), "min_lr must be a finite number >= 0"),
        (lambda o: S.ReduceLROnPlateau(o, eps=math.nan), "eps must be a finite number >= 0"),
    ],
)
def test_schedulers_refuse_factors_that_poison_the_lr(make, message):
    opt = optim.SGD(_params(), lr=0.1)
    with pytest.raises(ValueError, match=message):
        make(opt)


def test_a_lambda_turning_bad_later_is_caught_at_that_step_before_any_group_changes():
    opt = optim.SGD(_params(), lr=0.1)
    sched = S.LambdaLR(opt, lambda t: 1.0 if t < 2 else -1.0)
    sched.step()
    with pytest.raises(ValueError, match="step 2"):
        sched.step()
    assert opt.param_groups[0]["lr"] == 0.1


@pytest.mark.parametrize(
    "make, damage, message",
    [
        (lambda o: S.StepLR(o, 2), lambda sd: sd.pop("gamma"), r"missing keys \['gamma'\]"),
        (lambda o: S.StepLR(o, 2), lambda sd: sd.update(step_size=0), "step_size must be a positive integer"),
        (lambda o: S.StepLR(o, 2), lambda sd: sd.update(gamma=-1), "gamma must be in"),
        (lambda o: S.StepLR(o, 2), lambda sd: sd.update(base_lrs=[math.inf]), "base_lrs must be a finite"),
        (lambda o: S.StepLR(o, 2), lambda sd: sd.update(base_lrs=[]), "one lr per parameter group"),
        (lambda o: S.StepLR(o, 2), lambda sd: sd.update(last_epoch="3"), "last_epoch must be an integer"),
        (lambda o: S.CosineAnnealingLR(o, 4), lambda sd: sd.update(T_max=0), "T_max must be a positive"),
        (lambda o: S.ReduceLROnPlateau(o), lambda sd: sd.update(patience=-2), "patience must be a non-negative"),
        (lambda o: S.ReduceLROnPlateau(o), lambda sd: sd.update(factor=2.0), r"factor must be in \[0, 1\)"),
        (lambda o: S.ReduceLROnPlateau(o), lambda sd: sd.pop("best"), r"missing keys \['best'\]"),
        (
            lambda o: S.warmup(o, 2, after=S.CosineAnnealingLR(o, T_max=5)),
            lambda sd: sd["_schedulers"][1].update(T_max=0),
            "T_max must be a positive",
        ),
        (lambda o: S.warmup(o, 2, after=S.StepLR(o, 3)), lambda sd: sd.pop("_schedulers"), "saved no list of"),
    ],
)
def test_scheduler_load_state_dict_refuses_damaged_state_and_changes_nothing(make, damage, message):
    opt = optim.SGD(_params(), lr=0.1)
    sched = make(opt)
    before = repr(sched.state_dict())
    sd = sched.state_dict()
    damage(sd)
    with pytest.raises(ValueError, match=message):
        sched.load_state_dict(sd)
    assert repr(sched.state_dict()) == before


def test_a_good_scheduler_state_still_round_trips():
    opt = optim.SGD(_params(), lr=0.1)
    sched = S.warmup(opt, 2, after=S.CosineAnnealingLR(opt, T_max=5))
    for _ in range(4):
        sched.step()
    opt2 = optim.SGD(_params(), lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    sched2 = S.warmup(opt2, 2, after=S.CosineAnnealingLR(opt2, T_max=5))
    sched2.load_state_dict(sched.state_dict())
    sched.step()
    sched2.step()
    assert sched.get_last_lr() == sched2.get_last_lr()
