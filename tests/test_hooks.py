"""Module hooks: forward pre-hooks, forward hooks, full backward hooks, removable handles (PyTorch's semantics)."""

import numpy as np
import pytest

from hackgrad import nn
from hackgrad.autograd.tensor import Tensor

f64 = np.float64


def test_forward_hooks_see_and_may_replace_inputs_and_outputs():
    layer = nn.Linear(3, 2, dtype=f64, seed=0)
    seen = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    post = layer.register_forward_hook(lambda m, args, out: seen.append((m, args[0].data, out.data)) or out + 1)
    x = Tensor(np.ones((4, 3)), dtype=f64)
    y = layer(x)
    (m, args0, out), = seen
    assert m is layer
    np.testing.assert_array_equal(args0, 2 * np.ones((4, 3)))  # the forward hook sees the pre-hook's args
    np.testing.assert_allclose(y.data, out + 1)
    pre.remove()
    with post:
        pass  # leaving the block removes it
    np.testing.assert_allclose(layer(x).data, (x.data @ layer.weight.data.T + layer.bias.data))
    assert len(seen) == 1


def test_hooks_on_submodules_see_every_layer_in_order():
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=1))
    order = []
    handles = [m.register_forward_hook(lambda m, a, o: order.append(type(m).__name__)) for m in model.modules()]
    model(np.zeros((1, 2), dtype=np.float32))
    assert order == ["Linear", "ReLU", "Linear", "Sequential"]
    for h in handles:
        h.remove()
    model(np.zeros((1, 2), dtype=np.float32))
    assert len(order) == 4


def test_full_backward_hook_matches_torch_and_may_scale_grad_input():
    torch = pytest.importorskip("torch")
    ours = nn.Linear(3, 2, dtype=f64, seed=0)
    theirs = torch.nn.Linear(3, 2, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    got, want = [], []
    ours.register_full_backward_hook(lambda m, gi, go: got.append((gi, go)) or (gi[0] * 3,))
    theirs.register_full_backward_hook(lambda m, gi, go: want.append((gi, go)) or (gi[0] * 3,))
    x_np = np.random.default_rng(0).normal(size=(5, 3))
    x = Tensor(x_np, requires_grad=True, dtype=f64)
    xt = torch.tensor(x_np, requires_grad=True)
    (ours(x) ** 2).sum().backward()
    (theirs(xt) ** 2).sum().backward()
    (gi, go), = got
    (gi_t, go_t), = want
    np.testing.assert_allclose(gi[0], gi_t[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(go[0], go_t[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)  # tripled by both hooks
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)


def test_backward_hook_without_input_gradients_gets_none_and_tuple_outputs_work():
    lstm = nn.LSTM(2, 3, seed=0, dtype=f64)
    calls = []
    handle = lstm.register_full_backward_hook(lambda m, gi, go: calls.append((gi, go)))
    out, (h, c) = lstm(Tensor(np.zeros((4, 1, 2)), dtype=f64))
    out.sum().backward()
    (gi, go), = calls
    assert gi == (None,)  # the data needs no gradient
    assert go[0].shape == (4, 1, 3) and go[1] is None and go[2] is None  # h_n, c_n unused
    handle.remove()
    out, _ = lstm(np.zeros((4, 1, 2)))
    out.sum().backward()
    assert len(calls) == 1


def test_a_hook_must_be_callable():
    with pytest.raises(TypeError, match="expected a callable"):
        nn.ReLU().register_forward_hook(3)
