"""RNN, LSTM, GRU and their cells: float64 gradchecks (two layers, bidirectional, batch_first, length-1
sequences, initial states given, no bias), PyTorch's parameter names and shapes, initialisation, a direct
step-by-step reference, inference without a graph, a small learning task, and the errors bad shapes get.
Cross-checks against PyTorch live in tests/test_recurrent_torch.py."""

import math

import numpy as np
import pytest

import hackgrad.nn as nn
from hackgrad.autograd import gradcheck, no_grad
from hackgrad.autograd.tensor import Tensor, tensor

f64 = np.float64
I, H, T, B = 2, 3, 3, 2


def leaf(shape, seed=0):
    return Tensor(np.random.default_rng(seed).normal(size=shape), requires_grad=True, dtype=f64)


def run(module, x, state):
    """The module's outputs as a flat tuple of tensors (what gradcheck contracts)."""
    out, hidden = module(x, state)
    return (out, *hidden) if isinstance(hidden, tuple) else (out, hidden)


CONFIGS = [
    dict(),
    dict(num_layers=2, bidirectional=True),
    dict(batch_first=True, bias=False),
    dict(num_layers=2, batch_first=True),
    dict(bidirectional=True, seq_len=1),
]


def _make(kind, config):
    config = dict(config)
    seq_len = config.pop("seq_len", T)
    if kind == "RNN_relu":
        module = nn.RNN(I, H, nonlinearity="relu", dtype=f64, seed=0, **config)
    else:
        module = getattr(nn, kind)(I, H, dtype=f64, seed=0, **config)
    shape = (B, seq_len, I) if module.batch_first else (seq_len, B, I)
    return module, shape


def _config_id(config):
    return ",".join(f"{k}={v}" for k, v in config.items()) or "default"


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
@pytest.mark.parametrize("kind", ["RNN", "RNN_relu", "GRU", "LSTM"])
def test_sequence_layers_gradcheck_with_initial_state(kind, config):
    module, shape = _make(kind, config)
    x = leaf(shape, 1)
    layers = module.num_layers * module.num_directions
    h0 = leaf((layers, B, H), 2)
    state = (h0, leaf((layers, B, H), 3)) if kind == "LSTM" else h0
    states = state if kind == "LSTM" else (state,)
    assert gradcheck(lambda x, *rest: run(module, x, state), x, *states, *module.parameters())


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_sequence_layers_without_initial_state_start_from_zeros(kind):
    module = getattr(nn, kind)(I, H, num_layers=2, bidirectional=True, dtype=f64, seed=0)
    x = leaf((T, B, I), 1)
    zeros = Tensor(np.zeros((4, B, H)), dtype=f64)
    given = (zeros, zeros) if kind == "LSTM" else zeros
    for a, b in zip(run(module, x, None), run(module, x, given)):
        np.testing.assert_array_equal(a.data, b.data)
    single = getattr(nn, kind)(I, H, dtype=f64, seed=0)
    assert gradcheck(lambda x, *ps: single(x)[0], x, *single.parameters())


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_lstm_and_gru_follow_pytorchs_formulas_step_by_step():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, I))
    lstm, gru = nn.LSTM(I, H, dtype=f64, seed=1), nn.GRU(I, H, dtype=f64, seed=2)
    p = {k: v.data for k, v in lstm.named_parameters()}
    h, c = np.zeros((B, H)), np.zeros((B, H))
    for t in range(T):
        z = x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        i, f, g, o = np.split(z, 4, axis=1)  # PyTorch's gate order
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    out, (h_n, c_n) = lstm(tensor(x, dtype=f64))
    np.testing.assert_allclose(out.data[-1], h, rtol=1e-12)
    np.testing.assert_allclose(h_n.data[0], h, rtol=1e-12)
    np.testing.assert_allclose(c_n.data[0], c, rtol=1e-12)
    p = {k: v.data for k, v in gru.named_parameters()}
    h = np.zeros((B, H))
    for t in range(T):
        xr, xz, xn = np.split(x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"], 3, axis=1)
        hr, hz, hn = np.split(h @ p["weight_hh_l0"].T + p["bias_hh_l0"], 3, axis=1)
        r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
        n = np.tanh(xn + r * hn)  # r gates the hidden projection *including* its bias
        h = (1 - z) * n + z * h
    out, h_n = gru(tensor(x, dtype=f64))
    np.testing.assert_allclose(out.data[-1], h, rtol=1e-12)


def test_bidirectional_output_and_final_states_line_up():
    """Forward half of the output ends at h_n[0]; the reverse half starts at h_n[1] (it read x backwards)."""
    lstm = nn.LSTM(I, H, bidirectional=True, dtype=f64, seed=0)
    x = tensor(np.random.default_rng(0).normal(size=(4, B, I)), dtype=f64)
    out, (h_n, c_n) = lstm(x)
    assert out.shape == (4, B, 2 * H) and h_n.shape == c_n.shape == (2, B, H)
    np.testing.assert_array_equal(out.data[-1, :, :H], h_n.data[0])
    np.testing.assert_array_equal(out.data[0, :, H:], h_n.data[1])
    # the reverse direction on x equals a forward-only LSTM with the reverse weights on x reversed in time
    fwd = nn.LSTM(I, H, dtype=f64)
    reverse = {k.replace("_reverse", ""): v for k, v in lstm.state_dict().items() if "reverse" in k}
    fwd.load_state_dict(reverse)
    rev_out, _ = fwd(tensor(x.data[::-1].copy(), dtype=f64))
    np.testing.assert_allclose(out.data[:, :, H:], rev_out.data[::-1], rtol=1e-12)


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cells_gradcheck_and_match_one_step_of_the_layer(kind):
    cell = getattr(nn, kind)(I, H, dtype=f64, seed=0)
    x = leaf((B, I), 1)
    h = leaf((B, H), 2)
    state = (h, leaf((B, H), 3)) if kind == "LSTMCell" else h
    states = state if kind == "LSTMCell" else (state,)
    assert gradcheck(lambda x, *rest: cell(x, state), x, *states, *cell.parameters())
    layer = getattr(nn, kind.replace("Cell", ""))(I, H, dtype=f64)
    layer.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    layer_state = tuple(s[None] for s in states) if kind == "LSTMCell" else h[None]
    whole = layer(Tensor(x.data[None], dtype=f64), layer_state)
    one = cell(x, state)
    if kind == "LSTMCell":
        np.testing.assert_allclose(one[0].data, whole[1][0].data[0], rtol=1e-12)
        np.testing.assert_allclose(one[1].data, whole[1][1].data[0], rtol=1e-12)
    else:
        np.testing.assert_allclose(one.data, whole[0].data[0], rtol=1e-12)


def test_cells_accept_unbatched_input_and_no_state():
    cell = nn.LSTMCell(I, H, seed=0)
    h, c = cell(tensor(np.ones(I)))
    assert h.shape == c.shape == (H,)
    h2, c2 = cell(tensor(np.ones((1, I))))
    np.testing.assert_array_equal(h.data, h2.data[0])
    assert nn.GRUCell(I, H, bias=False)(tensor(np.ones((4, I)))).shape == (4, H)
    assert nn.RNNCell(I, H, nonlinearity="relu")(tensor(np.ones(I)), tensor(np.zeros(H))).shape == (H,)


def test_parameter_names_and_shapes_are_pytorchs():
    lstm = nn.LSTM(5, 4, num_layers=2, bidirectional=True)
    expected = []
    for layer, in_size in ((0, 5), (1, 8)):
        for sfx in ("", "_reverse"):
            expected += [
                (f"weight_ih_l{layer}{sfx}", (16, in_size)),
                (f"weight_hh_l{layer}{sfx}", (16, 4)),
                (f"bias_ih_l{layer}{sfx}", (16,)),
                (f"bias_hh_l{layer}{sfx}", (16,)),
            ]
    assert [(n, p.shape) for n, p in lstm.named_parameters()] == expected
    assert [(n, p.shape) for n, p in nn.GRU(5, 4, bias=False).named_parameters()] == [
        ("weight_ih_l0", (12, 5)),
        ("weight_hh_l0", (12, 4)),
    ]
    assert [(n, p.shape) for n, p in nn.RNNCell(5, 4).named_parameters()] == [
        ("weight_ih", (4, 5)),
        ("weight_hh", (4, 4)),
        ("bias_ih", (4,)),
        ("bias_hh", (4,)),
    ]
    assert repr(lstm) == "LSTM(5, 4, num_layers=2, bidirectional=True)"


def test_init_is_uniform_within_one_over_sqrt_hidden_and_seeded():
    gru = nn.GRU(10, 64, seed=5)
    values = np.concatenate([p.data.ravel() for p in gru.parameters()])
    bound = 1 / math.sqrt(64)
    assert values.dtype == np.float32 and bound >= np.abs(values).max() > 0.95 * bound
    assert abs(values.mean()) < 0.1 * bound
    again = np.concatenate([p.data.ravel() for p in nn.GRU(10, 64, seed=5).parameters()])
    np.testing.assert_array_equal(values, again)


def test_inference_without_a_graph_gives_the_same_values():
    lstm = nn.LSTM(I, H, num_layers=2, seed=0)
    x = tensor(np.random.default_rng(0).random((5, B, I), dtype=np.float32))
    out, (h_n, c_n) = lstm(x)
    with no_grad():
        out2, (h2, c2) = lstm(x)
    assert out2.grad_fn is None and out.grad_fn is not None
    np.testing.assert_array_equal(out.data, out2.data)
    np.testing.assert_array_equal(c_n.data, c2.data)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_large_pre_activations_saturate_without_nan(kind):
    layer = getattr(nn, kind)(1, 2, seed=0)
    for p in layer.parameters():
        p.data[...] = 50.0
    x = tensor(np.full((3, 1, 1), -10.0, dtype=np.float32), requires_grad=True)
    out, hidden = layer(x)  # pre-activations near -1000: exp overflows to inf, sigmoids are exactly 0
    last = hidden[1] if kind == "LSTM" else hidden
    assert np.isfinite(out.data).all() and np.isfinite(last.data).all()
    (out.sum() + last.sum()).backward()
    assert np.isfinite(x.grad).all() and np.isfinite(layer.weight_hh_l0.grad).all()


def test_lstm_learns_to_recall_the_first_input():
    """Many-to-one memory task: the class of the first step must be carried to the last output."""
    import hackgrad.nn.functional as F
    from hackgrad import optim

    rng = np.random.default_rng(0)
    seq, batch, classes = 5, 32, 3
    labels = rng.integers(0, classes, batch)
    x = rng.normal(0, 0.3, (seq, batch, classes)).astype(np.float32)
    x[0] += np.eye(classes, dtype=np.float32)[labels] * 2
    lstm, head = nn.LSTM(classes, 16, seed=0), nn.Linear(16, classes, seed=1)
    opt = optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.05)
    for _ in range(60):
        out, _ = lstm(tensor(x))
        loss = F.cross_entropy(head(out[-1]), tensor(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1


def test_errors_name_the_layer_and_the_shapes():
    lstm = nn.LSTM(4, 8)
    expected = r"LSTM\(4, 8\): expected input of shape \(seq_len, batch, input_size\) with input_size=4, got "
    expected += r"\(10, 4\)"
    with pytest.raises(ValueError, match=expected):
        lstm(tensor(np.zeros((10, 4))))
    with pytest.raises(ValueError, match=r"\(batch, seq_len, input_size\) with input_size=4, got \(2, 5, 3"):
        nn.GRU(4, 8, batch_first=True)(tensor(np.zeros((2, 5, 3))))
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(2, 3, 8\), got \(1, 3, 8\)"):
        nn.RNN(4, 8, bidirectional=True)(tensor(np.zeros((5, 3, 4))), tensor(np.zeros((1, 3, 8))))
    with pytest.raises(TypeError, match=r"initial state must be a pair \(h_0, c_0\)"):
        lstm(tensor(np.zeros((5, 3, 4))), tensor(np.zeros((1, 3, 8))))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(1, 3, 8\), got \(1, 2, 8\)"):
        lstm(tensor(np.zeros((5, 3, 4))), (tensor(np.zeros((1, 3, 8))), tensor(np.zeros((1, 2, 8)))))
    with pytest.raises(TypeError, match="input dtype float64 differs"):
        lstm(tensor(np.zeros((5, 3, 4)), dtype=f64))
    with pytest.raises(ValueError, match="non-empty sequence"):
        lstm(tensor(np.zeros((0, 3, 4))))
    with pytest.raises(ValueError, match=r"LSTMCell\(4, 8\): expected input of shape \(batch, 4\) or \(4,\)"):
        nn.LSTMCell(4, 8)(tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="unknown nonlinearity 'sigmoid'"):
        nn.RNN(4, 8, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        nn.GRU(4, 0)


def test_dropout_between_layers_only_while_training():
    x = tensor(np.random.default_rng(0).random((4, 3, 2), dtype=np.float32))
    plain = nn.GRU(2, 8, num_layers=2, seed=0)
    dropped = nn.GRU(2, 8, num_layers=2, dropout=0.5, seed=0)
    assert repr(dropped) == "GRU(2, 8, num_layers=2, dropout=0.5)"
    train_a, _ = dropped(x)
    train_b, _ = dropped(x)
    assert not np.allclose(train_a.data, train_b.data)  # a fresh mask each call
    assert not np.allclose(train_a.data, plain(x)[0].data)
    dropped.eval()
    np.testing.assert_array_equal(dropped(x)[0].data, plain(x)[0].data)


def test_raw_arrays_take_the_layers_dtype():
    lstm = nn.LSTM(I, H, dtype=f64, seed=0)
    x = np.random.default_rng(0).normal(size=(T, B, I))  # float64 ndarrays, not tensors
    h0 = np.zeros((1, B, H))
    out, (h_n, c_n) = lstm(x, (h0, h0))
    assert out.dtype == f64
    np.testing.assert_array_equal(out.data, lstm(tensor(x, dtype=f64))[0].data)


# --- the layer ops: several outputs, one node ------------------------------------------------------------
@pytest.mark.parametrize("op_name, n_states", [("LSTMLayer", 2), ("GRULayer", 1), ("RNNLayer", 1)])
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_ops_gradcheck_each_output_alone_and_together(op_name, n_states, reverse):
    from hackgrad.autograd import ops

    op = getattr(ops, op_name)
    G = {"LSTMLayer": 4, "GRULayer": 3, "RNNLayer": 1}[op_name]
    rng = np.random.default_rng(3)
    T, B, I, H = 4, 2, 3, 5

    def t(*shape):
        return Tensor(rng.normal(scale=0.5, size=shape), requires_grad=True, dtype=np.float64)

    inputs = [t(T, B, I), *[t(B, H) for _ in range(n_states)], t(G * H, I), t(G * H, H), t(G * H), t(G * H)]
    outs = op.apply(*inputs, reverse=reverse)
    assert isinstance(outs, tuple) and len(outs) == 1 + n_states
    assert all(o.grad_fn is outs[0].grad_fn for o in outs)  # one node
    for k in range(len(outs)):  # each output alone: the others reach backward as None
        assert gradcheck(lambda *xs, k=k: op.apply(*xs, reverse=reverse)[k], *inputs)
    assert gradcheck(lambda *xs: op.apply(*xs, reverse=reverse), *inputs)  # all of them at once
    seq, h_n = outs[0], outs[1]
    np.testing.assert_array_equal(h_n.data, seq.data[0 if reverse else T - 1])


def test_unused_outputs_give_the_same_gradient_as_zero_upstream():
    from hackgrad.autograd import ops

    rng = np.random.default_rng(4)
    xs = [rng.normal(size=s) for s in [(3, 2, 2), (2, 4), (2, 4), (16, 2), (16, 4)]]

    def grads(use_all):
        ts = [Tensor(a, requires_grad=True, dtype=np.float64) for a in xs]
        seq, h, c = ops.LSTMLayer.apply(*ts, reverse=False)
        loss = (seq * seq).sum() + (0 * (h.sum() + c.sum()) if use_all else 0)
        loss.backward()
        return [x.grad for x in ts]

    for a, b in zip(grads(False), grads(True)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
