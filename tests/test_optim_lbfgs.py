"""LBFGS (SciPy's L-BFGS-B behind the Optimizer surface) finds known optima."""

import numpy as np
import pytest

from hackgrad.nn import Parameter
from hackgrad.optim import LBFGS


def test_minimises_rosenbrock_through_autograd():
    xy = Parameter(np.array([-1.2, 1.0]))
    opt = LBFGS([xy], max_iter=200, tolerance_grad=1e-10, tolerance_change=1e-15)
    calls = []

    def closure():
        opt.zero_grad()
        x, y = xy[0], xy[1]
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        loss.backward()
        calls.append(1)
        return loss

    first = opt.step(closure)
    assert first == pytest.approx(24.2)  # the loss at the start, as PyTorch returns it
    np.testing.assert_allclose(xy.data, [1.0, 1.0], atol=1e-6)
    assert opt.result_.success
    state = opt.state_dict()["state"][0]
    assert state["func_evals"] == len(calls) and state["n_iter"] > 10


def test_solves_least_squares_over_several_parameters():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.7 + 0.1 * rng.normal(size=40)
    w, b = Parameter(np.zeros(4)), Parameter(np.zeros(1))
    opt = LBFGS([w, b], max_iter=50, history_size=5)

    def closure():
        opt.zero_grad()
        r = X @ w.data + b.data - y  # residuals, (40,)
        w.grad = 2 * X.T @ r
        b.grad = np.array([2 * r.sum()])
        return float(r @ r)

    opt.step(closure)
    coef, *_ = np.linalg.lstsq(np.hstack([X, np.ones((40, 1))]), y, rcond=None)
    np.testing.assert_allclose(w.data, coef[:4], atol=1e-6)
    np.testing.assert_allclose(b.data, coef[4:], atol=1e-6)


def test_max_iter_limits_a_step_and_steps_continue():
    xy = Parameter(np.array([-1.2, 1.0]))
    opt = LBFGS([xy], max_iter=5)

    def closure():
        opt.zero_grad()
        x, y = xy[0], xy[1]
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        loss.backward()
        return loss

    losses = [opt.step(closure) for _ in range(30)]
    assert opt.result_.nit <= 5
    # each step starts where the last stopped (SciPy's curvature memory does not carry over, so it is slow)
    assert np.all(np.diff(losses) < 0) and losses[-1] < 0.1
    assert opt.state[xy]["n_iter"] > 5 * 20


def test_float32_parameters_stay_float32():
    w = Parameter(np.array([3.0, -1.0], dtype=np.float32))
    opt = LBFGS([w])

    def closure():
        opt.zero_grad()
        w.grad = (2 * (w.data - np.array([1.0, 2.0], dtype=np.float32))).astype(np.float32)
        return float(((w.data - np.array([1.0, 2.0])) ** 2).sum())

    opt.step(closure)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.data, [1.0, 2.0], atol=1e-5)


def test_bad_input():
    w = Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="needs a closure"):
        LBFGS([w]).step()
    with pytest.raises(ValueError, match="lr must be 1"):
        LBFGS([w], lr=0.5)
    with pytest.raises(ValueError, match="one parameter group"):
        LBFGS([{"params": [w]}, {"params": [Parameter(np.zeros(1))]}])
    with pytest.raises(ValueError, match="history_size must be a positive integer"):
        LBFGS([w], history_size=0)
    with pytest.raises(TypeError, match="unknown option.*'line_search'.*valid options are lr, max_iter"):
        LBFGS([w], line_search="strong_wolfe")
