"""RNN, LSTM, GRU and cells against PyTorch's layers with the same weights (moved as a dict of arrays), in
float64: outputs, final states, and the gradients of the input, the initial states and every parameter."""

import numpy as np
import pytest

import hackgrad.nn as nn
from hackgrad.autograd.tensor import Tensor

torch = pytest.importorskip("torch")
f64 = np.float64
I, H, B = 3, 4, 2


def both(array):
    ours = Tensor(array, requires_grad=True, dtype=f64)
    return ours, torch.tensor(array, dtype=torch.float64, requires_grad=True)


def pair(kind, **kwargs):
    """Our layer and PyTorch's, with our (seeded) weights copied into PyTorch's by name."""
    ours = getattr(nn, kind)(I, H, dtype=f64, seed=0, **kwargs)
    theirs = getattr(torch.nn, kind)(I, H, dtype=torch.float64, **kwargs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def flat(result):
    out, hidden = result
    return [out, *hidden] if isinstance(hidden, tuple) else [out, hidden]


KINDS = [("RNN", {}), ("RNN", dict(nonlinearity="relu")), ("GRU", {}), ("LSTM", {})]


def assert_close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(num_layers=2, bidirectional=True),
        dict(batch_first=True, bias=False),
        dict(num_layers=3, batch_first=True, bidirectional=True),
    ],
)
@pytest.mark.parametrize("kind, extra", KINDS)
@pytest.mark.parametrize("seq_len", [1, 5])
def test_sequence_layers_match_torch(kind, extra, kwargs, seq_len):
    ours, theirs = pair(kind, **extra, **kwargs)
    rng = np.random.default_rng(1)
    layers = ours.num_layers * ours.num_directions
    x, xt = both(rng.normal(size=(B, seq_len, I) if ours.batch_first else (seq_len, B, I)))
    h0, h0t = both(rng.normal(size=(layers, B, H)))
    c0, c0t = both(rng.normal(size=(layers, B, H)))
    state, state_t = ((h0, c0), (h0t, c0t)) if kind == "LSTM" else (h0, h0t)
    outs, outs_t = flat(ours(x, state)), flat(theirs(xt, state_t))
    loss, loss_t = 0, 0
    for k, (o, ot) in enumerate(zip(outs, outs_t)):
        assert o.shape == tuple(ot.shape)
        assert_close(o.data, ot.detach().numpy())
        g = np.random.default_rng(10 + k).normal(size=o.shape)
        loss = loss + (o * Tensor(g, dtype=f64)).sum()
        loss_t = loss_t + (ot * torch.from_numpy(g)).sum()
    loss.backward()
    loss_t.backward()
    assert_close(x.grad, xt.grad.numpy())
    assert_close(h0.grad, h0t.grad.numpy())
    if kind == "LSTM":
        assert_close(c0.grad, c0t.grad.numpy())
    for p, pt in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, pt.grad.numpy())


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(kind, batched):
    ours, theirs = pair(kind)
    rng = np.random.default_rng(2)
    lead = (B,) if batched else ()
    x, xt = both(rng.normal(size=lead + (I,)))
    h, ht = both(rng.normal(size=lead + (H,)))
    c, ct = both(rng.normal(size=lead + (H,)))
    if kind == "LSTMCell":
        (h1, c1), (h1t, c1t) = ours(x, (h, c)), theirs(xt, (ht, ct))
        y, yt = h1 * c1, h1t * c1t
    else:
        y, yt = ours(x, h), theirs(xt, ht)
    assert_close(y.data, yt.detach().numpy())
    y.sum().backward()
    yt.sum().backward()
    assert_close(x.grad, xt.grad.numpy())
    assert_close(h.grad, ht.grad.numpy())
    for (_, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(p.grad, pt.grad.numpy())


def test_weights_trained_in_torch_load_into_ours_in_float32():
    theirs = torch.nn.LSTM(8, 16, num_layers=2)
    ours = nn.LSTM(8, 16, num_layers=2)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).random((20, 4, 8), dtype=np.float32)
    out, (h_n, c_n) = ours(Tensor(x))
    out_t, (h_t, c_t) = theirs(torch.from_numpy(x))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=2e-6)
    np.testing.assert_allclose(c_n.data, c_t.detach().numpy(), atol=2e-6)


def _nodes(*roots):
    """Every op node reachable from `roots` through grad_fn and the ops' inputs."""
    seen, stack = {}, [r.grad_fn for r in roots if r.grad_fn is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen[id(fn)] = fn
        stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    return list(seen.values())


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_two_layers_record_one_node_per_layer_and_still_match_torch(kind):
    ours, theirs = pair(kind, num_layers=2)
    x, xt = both(np.random.default_rng(2).normal(size=(6, B, I)))
    out, hidden = ours(x)
    out_t, hidden_t = theirs(xt)
    nodes = _nodes(out)
    assert [type(n).__name__ for n in nodes] == [f"{kind}Layer"] * 2  # the output: one node per layer
    finals = list(hidden) if kind == "LSTM" else [hidden]
    # h_n (and c_n) gather the layers' final states with one Stack each, over the same two layer nodes
    expected = sorted([f"{kind}Layer"] * 2 + ["Stack"] * len(finals))
    assert sorted(type(n).__name__ for n in _nodes(out, *finals)) == expected
    finals_t = list(hidden_t) if kind == "LSTM" else [hidden_t]
    for o, ot in zip([out, *finals], [out_t, *finals_t]):
        assert_close(o.data, ot.detach().numpy())
    # only the output used: h_n and c_n reach their layer ops as None gradients
    g = np.random.default_rng(3).normal(size=out.shape)
    (out * Tensor(g, dtype=f64)).sum().backward()
    (out_t * torch.from_numpy(g)).sum().backward()
    assert_close(x.grad, xt.grad.numpy())
    for p, pt in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, pt.grad.numpy())
