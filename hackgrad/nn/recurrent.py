"""Recurrent layers with PyTorch's names, arguments and parameter shapes: `RNN`, `LSTM`, `GRU` over whole
sequences (stacked, optionally bidirectional) and `RNNCell`, `LSTMCell`, `GRUCell` for one step.

Parameters are named and shaped exactly as in PyTorch (`weight_ih_l0` (G*H, I), `weight_hh_l0` (G*H, H),
`bias_ih_l0`, `bias_hh_l0`, `..._reverse` for the backward direction; gate order i, f, g, o for LSTM and
r, z, n for GRU), so weights move between the libraries as a dict of arrays. Each layer and direction is one
op with a hand-written backward and several outputs, (sequence, h_n[, c_n]) (hackgrad/autograd/ops/recurrent.py);
this file wires layers, directions and states together.
"""

import math

import numpy as np

from hackgrad.autograd import ops
from hackgrad.autograd.ops.recurrent import GRULayer, LSTMLayer, RNNLayer
from hackgrad.autograd.tensor import Tensor
from hackgrad.nn import init
from hackgrad.nn.functional.dropout import dropout as _dropout
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


def _tensor(x, dtype):
    """A tensor as it is; an array or list as a tensor of the layer's dtype."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


def _positive_int(layer, name, n):
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {n!r}")
    return int(n)


def _check_nonlinearity(layer, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{layer}: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")
    return nonlinearity


def _reset_uniform(module, hidden_size, rng, seed):
    """Every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)), PyTorch's initialisation, in parameter order."""
    rng = init.make_rng(seed, rng)
    bound = 1 / math.sqrt(hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound, rng=rng)
    return module


def _check_state(layer, name, state, shape, dtype):
    state = _tensor(state, dtype)
    if state.shape != shape:
        raise ValueError(f"{layer}: expected {name} of shape {shape}, got {state.shape}")
    if state.dtype != dtype:
        raise TypeError(f"{layer}: {name} has dtype {state.dtype}, expected the layer's {dtype}")
    return state


class _RNNBase(Module):
    """Stacked, optionally bidirectional recurrence over (seq_len, batch, input_size) sequences."""

    gates = 1  # weight rows per hidden unit: 1 (RNN), 3 (GRU), 4 (LSTM)

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        dtype=np.float32,
        *,
        rng=None,
        seed=None,
    ):
        super().__init__()
        name = type(self).__name__
        self.input_size = _positive_int(name, "input_size", input_size)
        self.hidden_size = _positive_int(name, "hidden_size", hidden_size)
        self.num_layers = _positive_int(name, "num_layers", num_layers)
        if not 0 <= dropout < 1:
            raise ValueError(f"{name}: dropout is a probability in [0, 1), got {dropout!r}")
        self.bias, self.batch_first, self.bidirectional = bool(bias), bool(batch_first), bool(bidirectional)
        self.dropout = float(dropout)
        H, G = self.hidden_size, self.gates
        self._names = []  # per (layer, direction): the parameter attribute names, in op input order
        for layer in range(self.num_layers):
            for suffix in ("", "_reverse")[: self.num_directions]:
                in_size = self.input_size if layer == 0 else H * self.num_directions
                shapes = {
                    f"weight_ih_l{layer}{suffix}": (G * H, in_size),
                    f"weight_hh_l{layer}{suffix}": (G * H, H),
                }
                if self.bias:
                    shapes.update(
                        {f"bias_ih_l{layer}{suffix}": (G * H,), f"bias_hh_l{layer}{suffix}": (G * H,)}
                    )
                for pname, shape in shapes.items():
                    setattr(self, pname, Parameter(np.empty(shape, dtype=dtype)))
                self._names.append(tuple(shapes))
        self._rng = init.make_rng(seed, rng)
        self.reset_parameters(rng=self._rng)

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def reset_parameters(self, *, rng=None, seed=None):
        return _reset_uniform(self, self.hidden_size, rng, seed)

    def _layer_op(self, x, h0, c0, params, reverse):
        raise NotImplementedError  # pragma: no cover - per subclass

    def _zeros(self, batch, dtype):
        return Tensor._make(
            np.zeros((self.num_layers * self.num_directions, batch, self.hidden_size), dtype=dtype)
        )

    def forward(self, input, hx=None):
        layer = repr(self)
        x = _tensor(input, self.weight_ih_l0.dtype)
        axes = "(batch, seq_len, input_size)" if self.batch_first else "(seq_len, batch, input_size)"
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(
                f"{layer}: expected input of shape {axes} with input_size={self.input_size}, got {x.shape}"
            )
        if 0 in x.shape[:2]:
            raise ValueError(
                f"{layer}: expected a non-empty sequence and batch, got input of shape {x.shape}"
            )
        dtype = self.weight_ih_l0.dtype
        if x.dtype != dtype:
            raise TypeError(
                f"{layer}: input dtype {x.dtype} differs from the weights' {dtype}; cast one with .astype()"
            )
        if self.batch_first:
            x = ops.Transpose.apply(x, axes=(1, 0, 2))
        T, B = x.shape[:2]
        h0, c0 = self._initial_state(layer, hx, B, dtype)
        h_n, c_n = [], []
        for layer_idx in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = layer_idx * self.num_directions + d
                params = [getattr(self, n) for n in self._names[k]]
                h_k = ops.GetItem.apply(h0, index=k)
                c_k = ops.GetItem.apply(c0, index=k) if c0 is not None else None
                seq, h_last, c_last = self._layer_op(x, h_k, c_k, params, reverse=d == 1)
                outs.append(seq)
                h_n.append(h_last)
                c_n.append(c_last)
            x = outs[0] if len(outs) == 1 else ops.Concatenate.apply(*outs, axis=2)
            if self.dropout and self.training and layer_idx < self.num_layers - 1:
                x = _dropout(x, self.dropout, training=True, rng=self._rng)  # between layers, as in PyTorch
        output = ops.Transpose.apply(x, axes=(1, 0, 2)) if self.batch_first else x
        h_n = ops.Stack.apply(*h_n, axis=0)
        if c0 is None:
            return output, h_n
        return output, (h_n, ops.Stack.apply(*c_n, axis=0))

    def _initial_state(self, layer, hx, batch, dtype):
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            return self._zeros(batch, dtype), None
        return _check_state(layer, "h_0", hx, shape, dtype), None

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih.T + b_ih + h_{t-1} W_hh.T + b_hh) (or relu), stacked num_layers deep.

    forward(input (T, B, input_size) [(B, T, ...) with batch_first], h_0 (layers*directions, B, H) optional)
    -> output (T, B, directions*H), h_n (layers*directions, B, H).
    """

    gates = 1

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        dtype=np.float32,
        *,
        rng=None,
        seed=None,
    ):
        self.nonlinearity = _check_nonlinearity("RNN", nonlinearity)
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
            rng=rng,
            seed=seed,
        )

    def _layer_op(self, x, h0, c0, params, reverse):
        seq, h_n = RNNLayer.apply(x, h0, *params, reverse=reverse, nonlinearity=self.nonlinearity)
        return seq, h_n, None

    def extra_repr(self):
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class GRU(_RNNBase):
    """Gated recurrent unit, PyTorch's formula: r, z = sigmoid(...),
    n = tanh(x W_in.T + b_in + r (h W_hn.T + b_hn)), h_t = (1 - z) n + z h_{t-1}. Same call as `RNN`."""

    gates = 3

    def _layer_op(self, x, h0, c0, params, reverse):
        seq, h_n = GRULayer.apply(x, h0, *params, reverse=reverse)
        return seq, h_n, None


class LSTM(_RNNBase):
    """Long short-term memory: i, f, o = sigmoid(.), g = tanh(.), c_t = f c_{t-1} + i g, h_t = o tanh(c_t).

    forward(input (T, B, input_size), (h_0, c_0) optional, each (layers*directions, B, H))
    -> output (T, B, directions*H), (h_n, c_n).
    """

    gates = 4

    def _initial_state(self, layer, hx, batch, dtype):
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            return self._zeros(batch, dtype), self._zeros(batch, dtype)
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{layer}: the initial state must be a pair (h_0, c_0), got {type(hx).__name__}")
        return _check_state(layer, "h_0", hx[0], shape, dtype), _check_state(
            layer, "c_0", hx[1], shape, dtype
        )

    def _layer_op(self, x, h0, c0, params, reverse):
        return LSTMLayer.apply(x, h0, c0, *params, reverse=reverse)  # one node: (T, B, H), (B, H), (B, H)


# --- cells: one step, (batch, input_size) -> (batch, hidden_size) ----------------------------------------
class _CellBase(Module):
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32, *, rng=None, seed=None):
        super().__init__()
        name = type(self).__name__
        self.input_size = _positive_int(name, "input_size", input_size)
        self.hidden_size = _positive_int(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        G, H = self.gates, self.hidden_size
        self.weight_ih = Parameter(np.empty((G * H, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((G * H, H), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(np.empty(G * H, dtype=dtype))
            self.bias_hh = Parameter(np.empty(G * H, dtype=dtype))
        self.reset_parameters(rng=rng, seed=seed)

    def reset_parameters(self, *, rng=None, seed=None):
        return _reset_uniform(self, self.hidden_size, rng, seed)

    def _params(self):
        ps = [self.weight_ih, self.weight_hh]
        return ps + [self.bias_ih, self.bias_hh] if self.bias else ps

    def _step_input(self, x, hx, n_states):
        """x as a one-step sequence (1, B, I), the states as (B, H); an unbatched (I,) input is batch 1."""
        layer = repr(self)
        x = _tensor(x, self.weight_ih.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{layer}: expected input of shape (batch, {self.input_size}) or ({self.input_size},), "
                f"got {x.shape}"
            )
        if x.dtype != self.weight_ih.dtype:
            raise TypeError(
                f"{layer}: input dtype {x.dtype} differs from the weights' {self.weight_ih.dtype}"
            )
        unbatched = x.ndim == 1
        B = 1 if unbatched else x.shape[0]
        state_shape = (self.hidden_size,) if unbatched else (B, self.hidden_size)
        if hx is None:
            states = [Tensor._make(np.zeros((B, self.hidden_size), dtype=x.dtype)) for _ in range(n_states)]
        else:
            given = list(hx) if n_states == 2 else [hx]
            if n_states == 2 and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise TypeError(f"{layer}: the state must be a pair (h, c), got {type(hx).__name__}")
            names = ("h", "c")
            states = [
                ops.Reshape.apply(
                    _check_state(layer, names[i], s, state_shape, x.dtype), shape=(B, self.hidden_size)
                )
                for i, s in enumerate(given)
            ]
        return ops.Reshape.apply(x, shape=(1, B, self.input_size)), states, unbatched

    def _finish(self, h, unbatched):
        return ops.Reshape.apply(h, shape=(self.hidden_size,)) if unbatched else h

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """h' = tanh(x W_ih.T + b_ih + h W_hh.T + b_hh) (or relu). forward(x (B, I), h (B, H) optional) -> h'."""

    def __init__(
        self,
        input_size,
        hidden_size,
        bias=True,
        nonlinearity="tanh",
        dtype=np.float32,
        *,
        rng=None,
        seed=None,
    ):
        self.nonlinearity = _check_nonlinearity("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype, rng=rng, seed=seed)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._step_input(input, hx, 1)
        _, h_new = RNNLayer.apply(x, h, *self._params(), reverse=False, nonlinearity=self.nonlinearity)
        return self._finish(h_new, unbatched)


class GRUCell(_CellBase):
    """One GRU step (PyTorch's formula). forward(x (B, I), h (B, H) optional) -> h'."""

    gates = 3

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._step_input(input, hx, 1)
        _, h_new = GRULayer.apply(x, h, *self._params(), reverse=False)
        return self._finish(h_new, unbatched)


class LSTMCell(_CellBase):
    """One LSTM step. forward(x (B, I), (h, c) optional, each (B, H)) -> (h', c')."""

    gates = 4

    def forward(self, input, hx=None):
        x, (h, c), unbatched = self._step_input(input, hx, 2)
        _, h_new, c_new = LSTMLayer.apply(x, h, c, *self._params(), reverse=False)
        return self._finish(h_new, unbatched), self._finish(c_new, unbatched)
