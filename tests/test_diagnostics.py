"""Tests for hackgrad.train.diagnostics: each check passes a healthy setup and catches a planted problem."""

import functools
import math

import numpy as np
import pytest

from hackgrad import nn, optim
from hackgrad.data import make_moons, make_spiral
from hackgrad.nn import functional as F
from hackgrad.train import build_model, diagnose, lr_range_test, mlp_spec
from hackgrad.train.diagnostics import (
    CHECKS,
    check_activations,
    check_class_balance,
    check_gradients,
    check_initial_loss,
    check_nonfinite,
    check_overfit,
)


@pytest.fixture(scope="module")
def moons():
    return make_moons(300, noise=0.2, seed=0)


def _mlp(activation="relu", seed=0, n_out=2, n_in=2):
    return build_model(mlp_spec(n_in, [32, 32], n_out, activation=activation), seed=seed)


def test_a_healthy_setup_passes_every_check(moons):
    X, y = moons
    model = _mlp()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    report = diagnose(model, F.cross_entropy, X, y)
    assert [c.name for c in report] == [
        "initial loss",
        "overfit tiny batch",
        "activations",
        "gradients and updates",
        "NaN/Inf",
        "lr range test",
        "class balance",
    ]
    assert report.ok, str(report)
    assert report["initial loss"].data["expected"] == pytest.approx(math.log(2))
    assert report["overfit tiny batch"].data["accuracy"] == 1.0
    assert 1e-4 < report["lr range test"].data["suggested_lr"] < 1.0
    text = str(report)
    assert (
        text.startswith("hackgrad diagnostics: 7 checks, no problems found") and "[ok  ] initial loss" in text
    )
    # the checks ran on copies: the model is exactly as it was, and no hook is left behind
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert all("forward" not in m.__dict__ for m in model.modules())


def test_dead_relus_are_found(moons):
    X, y = moons
    model = _mlp()
    for layer in (model[0], model[2]):
        layer.bias.data[...] = -100.0  # no input can make these units positive
    report = diagnose(model, F.cross_entropy, X, y, checks=("activations", "overfit", "gradients"))
    act = report["activations"]
    assert act.status == "fail" and "100% dead" in act.found and "negative biases" in act.advice
    assert [v["dead"] for v in act.data["layers"].values()] == [1.0, 1.0]
    assert report["overfit tiny batch"].status == "fail"
    assert (
        report["gradients and updates"].status == "fail"
        and "vanishing" in report["gradients and updates"].found
    )
    assert "try:" in str(report) and not report.ok and len(report.problems) == 3


def test_saturated_tanh_and_a_bad_initial_loss_are_found(moons):
    X, y = moons
    model = _mlp("tanh")
    for layer in (model[0], model[2], model[4]):
        layer.weight.data *= 50.0  # a huge initialisation
    act = check_activations(model, X)
    assert act.status == "fail" and "saturated" in act.found and "xavier" in act.advice.lower()
    assert all(v["saturated"] > 0.5 for v in act.data["layers"].values())
    init = check_initial_loss(model, F.cross_entropy, X, y)
    assert init.status == "fail" and init.data["loss"] > 3 * math.log(2)
    healthy = check_activations(_mlp("tanh"), X)
    assert healthy.status == "ok" and all(v["saturated"] < 0.1 for v in healthy.data["layers"].values())
    sig = check_activations(nn.Sequential(nn.Linear(2, 8, seed=0), nn.Sigmoid()), X * 1000)
    assert sig.status == "fail"


def test_initial_loss_reference_values():
    X, y = make_spiral(150, k=3, seed=0)
    model = _mlp(n_out=3)
    ce = check_initial_loss(model, F.cross_entropy, X, y)
    assert ce.status == "ok" and ce.data["expected"] == pytest.approx(math.log(3)) and "log(3)" in ce.found
    svm = check_initial_loss(model, F.weston_watkins_loss, X, y)
    assert svm.data["expected"] == 2.0 and svm.status == "ok"
    module = check_initial_loss(model, nn.CrossEntropyLoss(), X, y)
    assert module.data["expected"] == pytest.approx(math.log(3))
    smoothed = check_initial_loss(model, functools.partial(F.cross_entropy, label_smoothing=0.1), X, y)
    assert smoothed.data["expected"] == pytest.approx(math.log(3))
    unknown = check_initial_loss(model, lambda out, t: (out * out).mean(), X, y)
    assert unknown.status == "skip"


def test_huge_learning_rate_nan_is_located(moons):
    X, y = moons
    model = _mlp()
    factory = lambda params: optim.SGD(params, lr=1e3)  # noqa: E731
    check = check_nonfinite(model, F.cross_entropy, X, y, optimizer_factory=factory)
    assert check.status == "fail"
    d = check.data
    assert d["step"] >= 2 and d["phase"] in ("forward", "loss", "backward", "optimizer") and d["lr"] == 1e3
    assert d["op"]  # the op's name, e.g. "Affine.forward"
    if d["phase"] == "forward":
        assert d["layer"] is not None and f"in layer {d['layer']}" in check.found
    assert "lower the learning rate" in check.advice and "1000" in check.advice
    report = diagnose(
        model, F.cross_entropy, X, y, optimizer_factory=factory, checks=("lr_range",), lr_steps=100
    )
    lr = report["lr range test"]
    assert lr.status == "fail" and lr.data["diverged_lr"] is not None and lr.data["diverged_lr"] < 1e3
    healthy = check_nonfinite(model, F.cross_entropy, X, y)
    assert healthy.status == "ok"


def test_nan_in_the_data_is_reported(moons):
    X, y = moons
    X = X.copy()
    X[7, 1] = np.nan
    check = check_nonfinite(_mlp(), F.cross_entropy, X, y)
    assert check.status == "fail" and "sample 7, feature 1" in check.found


def test_class_imbalance_is_flagged(moons):
    _, y = moons
    assert check_class_balance(y).status == "ok"
    skewed = y.copy()
    skewed[np.flatnonzero(y == 1)[20:]] = 0  # 280 vs 20
    check = check_class_balance(skewed)
    assert check.status == "warn" and check.data["counts"] == [280, 20] and "class_weights" in check.advice
    severe = y.copy()
    severe[np.flatnonzero(y == 1)[5:]] = 0
    assert check_class_balance(severe).status == "fail"
    assert check_class_balance(np.array([0.5, 1.5])).status == "skip"
    assert "no samples" in check_class_balance(np.array([0, 0, 2, 2]), n_classes=3).found


def test_update_ratio_flags_too_low_and_too_high_learning_rates(moons):
    X, y = moons
    model = _mlp()
    ok = check_gradients(model, F.cross_entropy, X, y)
    assert ok.status == "ok" and 1e-4 < ok.data["median_update_ratio"] < 3e-2
    low = check_gradients(model, F.cross_entropy, X, y, optimizer_factory=lambda p: optim.SGD(p, lr=1e-7))
    assert low.status == "warn" and "tiny" in low.found
    high = check_gradients(model, F.cross_entropy, X, y, optimizer_factory=lambda p: optim.SGD(p, lr=50.0))
    assert high.status == "fail" and "far too high" in high.advice
    assert set(ok.data["grad_norm"]) == {n for n, _ in model.named_parameters()}


def test_unused_parameters_and_functional_activations():
    X, y = make_moons(100, seed=1)

    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(2, 2, seed=0)
            self.unused = nn.Linear(2, 2, seed=1)

        def forward(self, x):
            return F.relu(self.used(x))

    check = check_gradients(Odd(), F.cross_entropy, X, y)
    assert check.status == "warn" and "no gradient reaches unused.weight" in check.found
    act = check_activations(Odd(), X)
    assert act.status == "skip" and "functions" in act.found


def test_lr_range_test_curve(moons):
    X, y = moons
    result = lr_range_test(
        _mlp(),
        F.cross_entropy,
        X,
        y,
        steps=120,
        optimizer_factory=lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    )
    assert len(result.lrs) == len(result.losses) == len(result.smoothed) <= 120
    assert np.all(np.diff(result.lrs) > 0)
    assert result.diverged_lr is not None and result.suggested_lr < result.diverged_lr
    assert min(result.smoothed) < result.smoothed[0]
    with pytest.raises(ValueError, match="unknown checks"):
        diagnose(_mlp(), F.cross_entropy, X, y, checks=("speed",))
    assert set(CHECKS) == {
        "initial_loss",
        "overfit",
        "activations",
        "gradients",
        "nonfinite",
        "lr_range",
        "class_balance",
    }


def test_overfit_tells_a_too_small_lr_from_a_broken_model():
    X, y = make_spiral(300, k=3, seed=0)
    model = build_model(mlp_spec(2, [64], 3), seed=0)
    slow = check_overfit(model, F.cross_entropy, X, y, optimizer_factory=lambda p: optim.Adam(p, lr=1e-3))
    assert slow.status == "warn" and "too low" in slow.advice and slow.data["tries"][1]["passed"]
    fast = check_overfit(model, F.cross_entropy, X, y, optimizer_factory=lambda p: optim.Adam(p, lr=1e-2))
    assert fast.status == "ok" and len(fast.data["tries"]) == 1

    class Blind(nn.Module):  # a bug: the input never reaches the output
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(2, 3, seed=0)

        def forward(self, x):
            return self.layer(x * 0.0)

    broken = check_overfit(Blind(), F.cross_entropy, X, y)
    assert broken.status == "fail" and "bug" in broken.advice


def test_checks_are_a_registry_a_new_check_plugs_in(moons):
    from hackgrad.train.diagnostics import Check, register_check

    X, y = moons
    seen = []

    @register_check("sample_count")
    def count(ctx):
        seen.append(ctx.seed)
        return Check("sample count", "ok", f"{len(ctx.X)} samples")

    try:
        report = diagnose(_mlp(), F.cross_entropy, X, y, checks=["class_balance", "sample_count"], seed=3)
        assert [c.name for c in report] == ["class balance", "sample count"] and seen == [3]
    finally:
        CHECKS.pop("sample_count")
