"""hackgrad.optim without PyTorch: every update rule against its formula written out here in NumPy, plus the
Optimizer surface (groups, zero_grad, state_dict round trips, float32, clipping) and bad input."""

import json

import numpy as np
import pytest

from hackgrad.nn import Parameter
from hackgrad.optim import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    clip_grad_norm_,
    clip_grad_value_,
    flatten_state_dict,
    transforms,
    unflatten_state_dict,
)

SHAPES = [(3, 4), (5,), ()]
N_STEPS = 7


def make_problem(seed=0, n_steps=N_STEPS):
    """Initial float64 values and a gradient sequence whose size swings (so amsgrad's max matters)."""
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) * rng.uniform(0.05, 3.0) for s in SHAPES] for _ in range(n_steps)]
    return init, grads


def run(cls, options, init, grads, dtype=np.float64):
    params = [Parameter(np.array(x, dtype=dtype)) for x in init]
    opt = cls(params, **options)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = np.array(g, dtype=dtype)
        opt.step()
    return [p.data for p in params], opt


# --- reference formulas, one parameter at a time, written as plainly as possible ---------------------
def ref_sgd(x, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    x = x.copy()
    buf = None
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * x
        if momentum != 0:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        x = x - lr * g
    return x


def ref_adagrad(x, grads, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    x = x.copy()
    s = np.full_like(x, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * x
        s = s + g**2
        x = x - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return x


def ref_adadelta(x, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    x = x.copy()
    v = np.zeros_like(x)
    u = np.zeros_like(x)
    for g in grads:
        g = g + weight_decay * x
        v = rho * v + (1 - rho) * g**2
        d = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d**2
        x = x - lr * d
    return x


def ref_rmsprop(x, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    x = x.copy()
    v = np.zeros_like(x)
    gbar = np.zeros_like(x)
    b = np.zeros_like(x)
    for g in grads:
        g = g + weight_decay * x
        v = alpha * v + (1 - alpha) * g**2
        if centered:
            gbar = alpha * gbar + (1 - alpha) * g
            s = np.sqrt(v - gbar**2) + eps
        else:
            s = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / s
            x = x - lr * b
        else:
            x = x - lr * g / s
    return x


def ref_adam(x, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    b1, b2 = betas
    x = x.copy()
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    vmax = np.zeros_like(x)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        vmax = np.maximum(vmax, v)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
    return x


CASES = [
    (SGD, dict(lr=0.1), ref_sgd),
    (SGD, dict(lr=0.1, momentum=0.9), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.1), ref_sgd),
    (SGD, dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.2, maximize=True), ref_sgd),
    (Adagrad, dict(lr=0.1), ref_adagrad),
    (
        Adagrad,
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6),
        ref_adagrad,
    ),
    (Adadelta, dict(), ref_adadelta),
    (Adadelta, dict(lr=0.5, rho=0.7, eps=1e-4, weight_decay=0.1), ref_adadelta),
    (RMSprop, dict(lr=0.01), ref_rmsprop),
    (RMSprop, dict(lr=0.01, momentum=0.9), ref_rmsprop),
    (RMSprop, dict(lr=0.01, centered=True), ref_rmsprop),
    (RMSprop, dict(lr=0.01, alpha=0.8, eps=1e-4, centered=True, momentum=0.5, weight_decay=0.1), ref_rmsprop),
    (Adam, dict(lr=0.05), ref_adam),
    (Adam, dict(lr=0.05, amsgrad=True), ref_adam),
    (Adam, dict(lr=0.05, weight_decay=0.1), ref_adam),
    (Adam, dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1, amsgrad=True), ref_adam),
]


@pytest.mark.parametrize("cls, options, ref", CASES, ids=[f"{c.__name__}-{o}" for c, o, _ in CASES])
def test_update_rule_matches_reference_formula(cls, options, ref):
    init, grads = make_problem()
    got, _ = run(cls, options, init, grads)
    for i, x in enumerate(init):
        expected = ref(x, [gs[i] for gs in grads], **options)
        np.testing.assert_allclose(got[i], expected, rtol=1e-12, atol=1e-13)
        assert not np.allclose(got[i], x)  # the parameters did move


@pytest.mark.parametrize("options", [dict(), dict(weight_decay=0.3, amsgrad=True, betas=(0.8, 0.95))])
def test_adamw_is_decoupled_decay(options):
    init, grads = make_problem(seed=1)
    got, _ = run(AdamW, dict(lr=0.05, **options), init, grads)
    for i, x in enumerate(init):
        kw = dict(weight_decay=1e-2)  # AdamW's default
        kw.update(options)
        expected = ref_adam(x, [gs[i] for gs in grads], lr=0.05, decoupled=True, **kw)
        np.testing.assert_allclose(got[i], expected, rtol=1e-12, atol=1e-13)
    # and it is not the coupled rule
    coupled, _ = run(Adam, dict(lr=0.05, weight_decay=0.3), init, grads)
    decoupled, _ = run(AdamW, dict(lr=0.05, weight_decay=0.3), init, grads)
    assert not np.allclose(coupled[0], decoupled[0])


def test_maximize_is_descent_on_the_negated_gradient():
    init, grads = make_problem()
    up, _ = run(Adam, dict(lr=0.05, maximize=True), init, grads)
    down, _ = run(Adam, dict(lr=0.05), init, [[-g for g in gs] for gs in grads])
    for a, b in zip(up, down):
        np.testing.assert_array_equal(a, b)


def test_sgd_descends_a_quadratic():
    # the guide's loop: nudge the parameters against the gradient until the loss stops falling
    target = np.array([3.0, -2.0])
    p = Parameter(np.zeros(2))
    opt = SGD([p], lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.zero_grad()
        p.grad = 2 * (p.data - target)
        opt.step()
    np.testing.assert_allclose(p.data, target, atol=1e-6)


# --- parameter groups ----------------------------------------------------------------------------------
def test_param_groups_take_their_own_options_and_defaults():
    init, grads = make_problem()
    params = [Parameter(x.copy()) for x in init]
    opt = SGD([{"params": params[:2], "lr": 0.5}, {"params": [params[2]], "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.0, 0.9]
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = g.copy()
        opt.step()
    np.testing.assert_allclose(params[0].data, ref_sgd(init[0], [gs[0] for gs in grads], lr=0.5), rtol=1e-12)
    np.testing.assert_allclose(
        params[2].data, ref_sgd(init[2], [gs[2] for gs in grads], lr=0.1, momentum=0.9), rtol=1e-12
    )


def test_add_param_group_and_lr_edits():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = SGD([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 1.0})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["params"] == [b]
    opt.param_groups[0]["lr"] = 0.5  # what a schedule does
    a.grad, b.grad = np.ones(2), np.ones(3)
    opt.step()
    np.testing.assert_allclose(a.data, 0.5)
    np.testing.assert_allclose(b.data, 0.0)


def test_parameters_without_grad_are_skipped_and_get_no_state():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = Adam([a, b], lr=0.1)
    a.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(b.data, np.ones(2))
    assert a in opt.state and b not in opt.state
    assert list(opt.state_dict()["state"]) == [0]


def test_zero_grad():
    a = Parameter(np.ones(3))
    opt = SGD([a], lr=0.1)
    a.grad = np.full(3, 2.0)
    held = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is held and np.all(held == 0)
    opt.zero_grad()
    assert a.grad is None


def test_step_returns_the_closure_loss():
    a = Parameter(np.array([2.0]))
    opt = SGD([a], lr=0.25)

    def closure():
        opt.zero_grad()
        a.grad = 2 * a.data
        return float(a.data[0] ** 2)

    assert opt.step(closure) == 4.0
    np.testing.assert_allclose(a.data, [1.0])
    assert opt.step() is None


def test_repr_lists_groups():
    opt = SGD([Parameter(np.ones(1))], lr=0.1)
    assert "Parameter Group 0" in repr(opt) and "lr: 0.1" in repr(opt)


def test_fits_a_linear_layer_through_autograd():
    from hackgrad.autograd import Tensor
    from hackgrad.nn import Linear

    rng = np.random.default_rng(0)
    model = Linear(3, 1)
    x = Tensor(rng.normal(size=(32, 3)).astype(np.float32))
    w = np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    y = Tensor(x.data @ w + np.float32(0.3))
    opt = Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-6
    np.testing.assert_allclose(model.weight.data.ravel(), w.ravel(), atol=1e-3)
    assert all(p.dtype == np.float32 for p in model.parameters())


# --- state_dict ------------------------------------------------------------------------------------------
RESUME_CASES = [
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (Adadelta, dict(lr=0.5, weight_decay=0.1)),
    (RMSprop, dict(lr=0.01, momentum=0.9, centered=True)),
    (Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    (AdamW, dict(lr=0.05, amsgrad=True)),
]


def _resume(cls, options, init, grads, through):
    params = [Parameter(x.copy()) for x in init]
    opt = cls(params, **options)
    for gs in grads[:5]:
        for p, g in zip(params, gs):
            p.grad = g.copy()
        opt.step()
    saved = through(opt.state_dict())
    params2 = [Parameter(p.data.copy()) for p in params]
    opt2 = cls(params2, lr=123.0)  # options come back from the saved state, lr included
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == options["lr"]
    for gs in grads[5:]:
        for p, g in zip(params2, gs):
            p.grad = g.copy()
        opt2.step()
    return [p.data for p in params2]


def _through_npz_and_json(state_dict, tmp_path):
    path = tmp_path / "opt.npz"
    np.savez(path, **flatten_state_dict(state_dict))
    with np.load(path, allow_pickle=False) as f:
        return unflatten_state_dict(dict(f))


def _through_json(state_dict):
    plain = {
        "state": {
            k: {n: np.asarray(v).tolist() for n, v in s.items()} for k, s in state_dict["state"].items()
        },
        "param_groups": state_dict["param_groups"],
    }
    return json.loads(json.dumps(plain))


@pytest.mark.parametrize("cls, options", RESUME_CASES, ids=[c.__name__ for c, _ in RESUME_CASES])
def test_state_dict_round_trip_resumes_bit_identically(cls, options, tmp_path):
    init, grads = make_problem(n_steps=10)
    straight, _ = run(cls, options, init, grads)
    for through in (lambda sd: sd, lambda sd: _through_npz_and_json(sd, tmp_path), _through_json):
        resumed = _resume(cls, options, init, grads, through)
        for a, b in zip(straight, resumed):
            np.testing.assert_array_equal(a, b)


def test_state_dict_is_plain_data_and_a_copy():
    init, grads = make_problem()
    _, opt = run(Adam, dict(lr=0.1), init, grads)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    s0 = sd["state"][0]
    assert s0["step"] == N_STEPS and isinstance(s0["step"], int)
    assert isinstance(s0["exp_avg"], np.ndarray) and s0["exp_avg"].shape == SHAPES[0]
    s0["exp_avg"][...] = 0  # editing the saved copy leaves the optimizer alone
    assert np.any(opt.state[opt.param_groups[0]["params"][0]]["exp_avg"] != 0)


def test_load_state_dict_rejects_mismatches():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2), np.ones(3)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="saved state has 1 parameter groups, this optimizer has 2"):
        Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 holds 2 parameters.*1 here"):
        Adam([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"lacks options \['momentum'"):
        SGD([a, b], momentum=0.9).load_state_dict(sd)
    swapped = Adam([b, a])
    with pytest.raises(ValueError, match=r"state\[0\]\['exp_avg'\] has shape \(2,\), expected .*\(3,\)"):
        swapped.load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


# --- float32 ---------------------------------------------------------------------------------------------
FLOAT32_CASES = [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    (Adadelta, dict(weight_decay=0.1)),
    (RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    (Adam, dict(lr=np.float64(0.01), amsgrad=True, weight_decay=0.1)),
    (AdamW, dict(lr=0.01, betas=(np.float64(0.9), 0.999))),
]


@pytest.mark.parametrize("cls, options", FLOAT32_CASES, ids=[c.__name__ for c, _ in FLOAT32_CASES])
def test_float32_params_and_state_stay_float32(cls, options):
    init, grads = make_problem()
    params = [Parameter(x.astype(np.float32)) for x in init]
    opt = cls(params, **options)
    for step, gs in enumerate(grads):
        for p, g in zip(params, gs):
            # float64 gradients (e.g. from a float64 loss) must not upcast the weights either
            p.grad = g if step % 2 else g.astype(np.float32)
        opt.step()
    for p in params:
        assert p.dtype == np.float32 and p.data.dtype == np.float32
        for value in opt.state[p].values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
    reference, _ = run(cls, {k: float(v) if k == "lr" else v for k, v in options.items()}, init, grads)
    for p, r in zip(params, reference):
        np.testing.assert_allclose(p.data, r, rtol=1e-4, atol=1e-5)


def test_loaded_state_takes_the_parameter_dtype():
    a = Parameter(np.ones(3, dtype=np.float32))
    opt = Adam([a], lr=0.1)
    sd = {
        "state": {"0": {"step": np.array(3), "exp_avg": np.ones(3), "exp_avg_sq": np.ones(3)}},
        "param_groups": [dict(opt.state_dict()["param_groups"][0], betas=[0.8, 0.9])],
    }
    opt.load_state_dict(sd)
    state = opt.state[a]
    assert state["step"] == 3 and type(state["step"]) is int
    assert state["exp_avg"].dtype == np.float32
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)


# --- transforms and clipping -----------------------------------------------------------------------------
def test_clip_grad_norm_scales_to_max_norm_and_returns_the_norm():
    rng = np.random.default_rng(0)
    params = [Parameter(rng.normal(size=s)) for s in [(3, 2), (4,)]]
    grads = [rng.normal(size=p.shape) for p in params]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    norm = np.sqrt(sum((g**2).sum() for g in grads))
    total = clip_grad_norm_(params, max_norm=0.5)
    assert total == pytest.approx(norm, rel=1e-12)
    clipped = np.sqrt(sum((p.grad**2).sum() for p in params))
    assert clipped == pytest.approx(0.5, rel=1e-5)
    np.testing.assert_allclose(params[0].grad, grads[0] * 0.5 / (norm + 1e-6))
    # under the limit: untouched
    total2 = clip_grad_norm_(params, max_norm=10.0)
    assert total2 == pytest.approx(clipped, rel=1e-12)
    assert np.sqrt(sum((p.grad**2).sum() for p in params)) == pytest.approx(clipped, rel=1e-12)


def test_clip_grad_norm_orders_and_nonfinite():
    p = Parameter(np.zeros(3))
    p.grad = np.array([3.0, -4.0, 1.0])
    assert clip_grad_norm_([p], 100.0, norm_type=np.inf) == 4.0
    assert clip_grad_norm_(p, 100.0, norm_type=1) == 8.0
    p.grad = np.array([np.inf, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    q = Parameter(np.zeros(2))  # no grad: ignored
    assert clip_grad_norm_([q], 1.0) == 0.0


def test_clip_grad_value_and_pure_transforms():
    p = Parameter(np.zeros(4, dtype=np.float32))
    p.grad = np.array([-3.0, -0.5, 0.2, 7.0], dtype=np.float32)
    clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad, np.array([-1.0, -0.5, 0.2, 1.0], dtype=np.float32))
    assert p.grad.dtype == np.float32
    grads = [np.array([3.0, 4.0]), np.array([12.0])]
    assert transforms.global_norm(grads) == pytest.approx(13.0)
    clipped, total = transforms.clip_by_global_norm(grads, 1.3)
    assert total == pytest.approx(13.0)
    np.testing.assert_allclose(transforms.global_norm(clipped), 1.3, rtol=1e-6)
    np.testing.assert_array_equal(transforms.clip_by_value([np.array([-2.0, 2.0])], 1.5)[0], [-1.5, 1.5])
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(transforms.add_weight_decay(np.zeros(2), x, 0.1), [0.1, 0.2])
    transforms.decay_weights_(x, lr=0.5, weight_decay=0.2)
    np.testing.assert_allclose(x, [0.9, 1.8])
    avg = np.ones(2, dtype=np.float32)
    transforms.ema_(avg, np.array([3.0, 5.0]), 0.75)
    assert avg.dtype == np.float32
    np.testing.assert_allclose(avg, [1.5, 2.0])
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([p], -1.0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([p], -1.0)


# --- bad input ---------------------------------------------------------------------------------------------
def test_bad_input_is_named():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    with pytest.raises(ValueError, match="lr must be >= 0, got -0.1"):
        SGD([a], lr=-0.1)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.0"):
        Adam([a], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"betas\[0\] must be in \[0, 1\), got -0.1"):
        AdamW([a], betas=(-0.1, 0.9))
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam([a], betas=(0.9,))
    with pytest.raises(TypeError, match="unknown option.*'momentun'.*valid options are lr, momentum"):
        SGD([a], lr=0.1, momentun=0.9)
    with pytest.raises(ValueError, match="unknown option.*'beta1'.*valid options are lr, betas"):
        Adam([{"params": [a], "beta1": 0.9}])
    with pytest.raises(ValueError, match="only one group"):
        SGD([{"params": [a, b]}, {"params": [b]}])
    with pytest.raises(ValueError, match="same parameter twice"):
        SGD([a, a])
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(ValueError, match="has no parameters"):
        SGD([{"params": []}])
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(a)
    with pytest.raises(TypeError, match=r"params\[1\] is ndarray"):
        SGD([a, np.ones(2)])
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0 and dampening == 0"):
        SGD([a], momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="rho must be in"):
        Adadelta([a], rho=1.5)
    with pytest.raises(ValueError, match="alpha must be in"):
        RMSprop([a], alpha=-0.1)
    with pytest.raises(ValueError, match="eps must be >= 0"):
        Adagrad([a], eps=-1.0)
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([a], lr="0.1")
    opt = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="only one group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        opt.add_param_group({"params": [b], "weight_decay": -1.0})
    assert len(opt.param_groups) == 1  # a rejected group is not half-added
    a.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"shape \(2,\) has a gradient of shape \(3,\)"):
        opt.step()


def test_a_new_rule_is_three_methods():
    class SignSGD(Optimizer):
        """p <- p - lr * sign(g)"""

        def __init__(self, params, lr=0.01):
            super().__init__(params, dict(lr=lr))

        def update(self, p, grad, state, group):
            p.data -= group["lr"] * np.sign(grad)

    p = Parameter(np.array([1.0, -1.0]))
    p.grad = np.array([5.0, -0.1])
    SignSGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p.data, [0.5, -0.5])
