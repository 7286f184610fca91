"""One op per recurrent layer and direction, `LSTMLayer`, `GRULayer`, `RNNLayer`, with hand-written backwards.

A layer is one node rather than T steps of small ops because its work splits in two:
- the input side, x_t @ W_ih.T for every t, does not depend on the recurrence, so forward runs it as ONE GEMM
  over all T*B rows, and backward computes dx, dW_ih, dW_hh and the biases as one GEMM each over all steps;
- only the recurrent part, h_{t-1} @ W_hh.T and a few elementwise ops, is a Python loop over time, written
  into preallocated buffers (`out=`) so a step allocates nothing.
Every local derivative that does not depend on the incoming gradient is computed outside the backward loop
(LSTM: inside the forward loop, while each step's values are in cache; GRU, RNN: for all steps at once), so
the backward loop is a handful of multiplies and one GEMM per step.

Shapes: x (T, B, I), initial state (B, H), weights in PyTorch's layout and gate order (LSTM: i, f, g, o;
GRU: r, z, n). `reverse=True` runs the sequence from the last step to the first (the backward direction of a
bidirectional layer); outputs stay in time order either way. Each op has several outputs: the whole sequence
(T, B, H), the last hidden state h_n (B, H) and, for the LSTM, the last cell state c_n (B, H); backward gets
one gradient for each (None for one the loss did not use).
"""

import sys

import numpy as np

from hackgrad.autograd.function import Function
from hackgrad.autograd.mode import is_grad_enabled

__all__ = ["LSTMLayer", "GRULayer", "RNNLayer"]


class _Workspace:
    """Large scratch arrays handed out again once nothing refers to them any more.

    A training step of a char-LSTM (T=100, B=64, H=256) allocates about 100 MB of per-step arrays. Fresh
    arrays that large come from the kernel as new pages, and touching them costs a page fault per 4 KB:
    measured here, 15-20% of a step's CPU time went to the kernel. An array is free again when the pool's
    own references are the only ones left (no op, tensor or view holds it), which CPython's reference
    count tells exactly, so a buffer still in use is never handed out twice.
    """

    def __init__(self, per_shape=8):
        self.per_shape = per_shape
        self._pool = {}

    def empty(self, shape, dtype):
        arrays = self._pool.setdefault((tuple(shape), np.dtype(dtype).str), [])
        for i in range(len(arrays)):
            # references: the list's, getrefcount's argument; anything more is a user of the array
            if sys.getrefcount(arrays[i]) == 2:
                return arrays[i]
        arr = np.empty(shape, dtype=dtype)
        if len(arrays) < self.per_shape:
            arrays.append(arr)
        return arr


_workspace = _Workspace()


class _RecurrentLayer(Function):
    """The parts every recurrent layer shares: time order, previous states, and the all-steps GEMMs."""

    reverse = False  # hyperparameter: run from the last step to the first

    def _steps(self, T):
        return range(T - 1, -1, -1) if self.reverse else range(T)

    def _last(self, T):
        """The time index of the step processed last: h_n is the output there."""
        return 0 if self.reverse else T - 1

    def _dsequence(self, dseq, dh_n, T, B, H, dtype):
        """The gradient of every step's output h_t, with h_n's gradient added to the last step's."""
        if dseq is None:
            dseq = np.zeros((T, B, H), dtype=dtype)
        elif dh_n is not None:
            dseq = np.array(dseq, dtype=dtype)  # a copy: the incoming gradient may be shared
        if dh_n is not None:
            dseq[self._last(T)] += dh_n
        return dseq

    def _previous(self, seq, first):
        """The state before each step, in time order: seq (T, B, H) shifted one step, `first` at the start."""
        prev = _workspace.empty(seq.shape, seq.dtype)
        if self.reverse:
            prev[:-1], prev[-1] = seq[1:], first
        else:
            prev[1:], prev[0] = seq[:-1], first
        return prev

    def _all_steps_grads(self, dpre_x, dpre_h, x, h_prev, w_ih):
        """dx, dW_ih, dW_hh, db_ih, db_hh from the gradients of the input-side and hidden-side pre-activations
        (T, B, G*H) of all steps, one GEMM each: dW_ih = sum_t dpre_x[t].T x[t], dx[t] = dpre_x[t] W_ih."""
        T, B, I = x.shape
        GH = dpre_x.shape[-1]
        need = self.needs_grad
        dpx = dpre_x.reshape(T * B, GH)
        dph = dpre_h.reshape(T * B, GH)
        dx = (dpx @ w_ih).reshape(T, B, I) if need[0] else None
        dW_ih = dpx.T @ x.reshape(T * B, I) if need[self.first_weight] else None
        dW_hh = dph.T @ h_prev.reshape(T * B, -1) if need[self.first_weight + 1] else None
        db_ih = db_hh = None
        if self.has_bias:
            db_ih = dpx.sum(axis=0) if need[self.first_weight + 2] else None
            if dpre_h is dpre_x and db_ih is not None:
                db_hh = db_ih.copy() if need[self.first_weight + 3] else None  # the same sum (LSTM, RNN)
            else:
                db_hh = dph.sum(axis=0) if need[self.first_weight + 3] else None
        return dx, dW_ih, dW_hh, db_ih, db_hh


# --- LSTM -----------------------------------------------------------------------------------------------
# Inside, gates are reordered from PyTorch's (i, f, g, o) to (o, i, f, g): the three sigmoid gates are then
# one contiguous block, and so are the three gates whose gradient is dc times something (i, f, g).
_LSTM_ORDER = [3, 0, 1, 2]
_LSTM_BACK = list(np.argsort(_LSTM_ORDER))  # internal -> PyTorch order


def _regate(w, order, H):
    """Rows of a (G*H, ...) weight or (G*H,) bias, regrouped gate by gate in `order`."""
    return w.reshape(len(order), H, *w.shape[1:])[order].reshape(w.shape)


class LSTMLayer(_RecurrentLayer):
    """[i, f, g, o] = x W_ih.T + h_{t-1} W_hh.T + b through sigmoid (i, f, o) and tanh (g);
    c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)

    Inputs: x (T, B, I), h0 (B, H), c0 (B, H), weight_ih (4H, I), weight_hh (4H, H)[, bias_ih, bias_hh (4H,)].
    Outputs: h_t for every t (T, B, H), h_n (B, H), c_n (B, H).
    Local derivatives: dc_{t-1} = dc_t f, do = dh tanh(c), dc += dh o (1 - tanh(c)^2), di = dc g,
    df = dc c_{t-1}, dg = dc i, then sigmoid' = s (1 - s) and tanh' = 1 - g^2 for the pre-activations.
    """

    first_weight = 3

    def forward(self, x, h0, c0, w_ih, w_hh, *bias):
        T, B, I = x.shape
        H = w_hh.shape[1]
        self.has_bias = bool(bias)
        # All four gates from ONE exp per step: sigmoid(z) = 1 / (1 + exp(-z)), tanh(z) = 2 sigmoid(2z) - 1,
        # so the rows are scaled once here by -1 (o, i, f) and -2 (g). Measured per step (B=32, H=128):
        # exp + add + reciprocal over (B, 4H) cost 47 us against 70 us for tanh-based sigmoids (np.tanh is
        # twice as slow as np.exp). exp(-z) overflows to inf for z < -88 in float32, and 1 / (1 + inf) = 0 is
        # the right limit, so the overflow warning is silenced.
        scale = np.array([-1, -1, -1, -2], dtype=x.dtype).repeat(H)[:, None]
        self.w_ih, self.w_hh = _regate(w_ih, _LSTM_ORDER, H), _regate(w_hh, _LSTM_ORDER, H)
        gates = _workspace.empty((T, B, 4 * H), x.dtype)
        np.matmul(x.reshape(T * B, I), (self.w_ih * scale).T, out=gates.reshape(T * B, 4 * H))  # one GEMM
        if bias:
            gates += _regate(bias[0] + bias[1], _LSTM_ORDER, H) * scale[:, 0]
        whh_t = np.ascontiguousarray((self.w_hh * scale).T)  # (H, 4H); contiguous: 15% faster GEMMs here
        out = _workspace.empty((T, B, H), x.dtype)  # h_t for every t
        cs = _workspace.empty((T, B, H), x.dtype)
        hw = np.empty((B, 4 * H), dtype=x.dtype)
        ig, tanh_c = np.empty((B, H), dtype=x.dtype), np.empty((B, H), dtype=x.dtype)
        # The local derivatives backward needs (see `backward`), computed here while each step's values are
        # in cache. Measured on bench/lstm.py's layer: as fast as vectorised passes after the loop, and the
        # backward pass, which recomputed them from the saved activations at first, fell from 35 to 19 ms.
        # They overwrite the step's activations in `gates` (P below), so no second (T, B, 4H) array is
        # written and read: only f, which backward needs as well, is copied out first.
        keep = is_grad_enabled()
        if keep:
            F, Q = _workspace.empty((T, B, H), x.dtype), _workspace.empty((T, B, H), x.dtype)
            pg, s_rest = np.empty((B, H), dtype=x.dtype), np.empty((B, 3 * H), dtype=x.dtype)
        h, c = h0, c0
        with np.errstate(over="ignore"):
            for t in self._steps(T):
                a = gates[t]  # (B, 4H), becomes the activations in place: o, i, f, g
                np.matmul(h, whh_t, out=hw)
                a += hw
                np.exp(a, out=a)
                a += 1
                np.reciprocal(a, out=a)  # sigmoid of every gate; g holds sigmoid(2z)
                o, i, f, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
                g *= 2
                g -= 1  # tanh(z)
                c_prev = c
                c = np.multiply(f, c_prev, out=cs[t])
                c += np.multiply(i, g, out=ig)
                np.tanh(c, out=tanh_c)
                h = np.multiply(o, tanh_c, out=out[t])
                if keep:  # in an order that reads o, i, f, g before they are overwritten
                    q = np.multiply(tanh_c, tanh_c, out=Q[t])
                    np.subtract(1, q, out=q)
                    q *= o  # dc += dh * Q
                    F[t] = f
                    np.multiply(g, g, out=pg)
                    np.subtract(1, pg, out=pg)
                    pg *= i  # dpre_g = dc * P_g
                    sig = a[:, : 3 * H]
                    np.subtract(1, sig, out=s_rest)
                    sig *= s_rest  # s (1 - s) for o, i, f
                    o *= tanh_c  # dpre_o = dh * P_o
                    i *= g  # dpre_i = dc * P_i
                    f *= c_prev  # dpre_f = dc * P_f
                    g[...] = pg
        self.x, self.h0, self.out = x, h0, out
        if keep:
            self.P, self.Q, self.f = gates, Q, F  # gates now holds P
        return out, out[self._last(T)].copy(), np.array(c, copy=True)

    def backward(self, dseq, dh_n, dc_n):
        T, B, _ = self.x.shape
        H = self.out.shape[-1]
        P, Q, f = self.P, self.Q, self.f
        dout = self._dsequence(dseq, dh_n, T, B, H, P.dtype)
        P_ifg = P[..., H:].reshape(T, B, 3, H)
        dpre = _workspace.empty(P.shape, P.dtype)  # gradients of the pre-activations, internal gate order
        dpre_ifg = dpre[..., H:].reshape(T, B, 3, H)
        dh, dh_next, dQ = (np.empty((B, H), dtype=P.dtype) for _ in range(3))
        dh_next[...] = 0
        # d c_n, then carried back step by step
        dc = np.zeros((B, H), dtype=P.dtype) if dc_n is None else np.array(dc_n, dtype=P.dtype)
        for t in reversed(self._steps(T)):
            np.add(dout[t], dh_next, out=dh)
            np.multiply(dh, P[t, :, :H], out=dpre[t, :, :H])
            dc += np.multiply(dh, Q[t], out=dQ)
            np.multiply(dc[:, None, :], P_ifg[t], out=dpre_ifg[t])
            dc *= f[t]  # now d c_{t-1}
            np.matmul(dpre[t], self.w_hh, out=dh_next)  # d h_{t-1}
        h_prev = self._previous(self.out, self.h0)
        dx, dW_ih, dW_hh, db_ih, db_hh = self._all_steps_grads(dpre, dpre, self.x, h_prev, self.w_ih)
        grads = [dx, dh_next if self.needs_grad[1] else None, dc if self.needs_grad[2] else None]
        for d in (dW_ih, dW_hh, db_ih, db_hh)[: 4 if self.has_bias else 2]:
            grads.append(None if d is None else _regate(d, _LSTM_BACK, H))
        return tuple(grads)


# --- GRU ------------------------------------------------------------------------------------------------
class GRULayer(_RecurrentLayer):
    """r, z = sigmoid(x W_i{r,z}.T + b_i{r,z} + h W_h{r,z}.T + b_h{r,z});
    n = tanh(x W_in.T + b_in + r (h W_hn.T + b_hn));  h_t = (1 - z) n + z h_{t-1}
    (PyTorch's formula: r gates the hidden projection, bias included)

    Inputs: x (T, B, I), h0 (B, H), weight_ih (3H, I), weight_hh (3H, H)[, bias_ih, bias_hh (3H,)].
    Outputs: h_t for every t (T, B, H) and h_n (B, H). Local derivatives: dn = dh (1 - z), dz = dh (h_{t-1} - n),
    dh_{t-1} = dh z + (hidden-side pre-activation grads) @ W_hh, dr = dn_pre (h W_hn.T + b_hn).
    """

    first_weight = 2

    def forward(self, x, h0, w_ih, w_hh, *bias):
        T, B, I = x.shape
        H = w_hh.shape[1]
        self.has_bias = bool(bias)
        # sigmoid(z) = 1 / (1 + exp(-z)) as in LSTMLayer: the r and z rows are negated once here
        neg = np.array([-1, -1, 1], dtype=x.dtype).repeat(H)[:, None]
        pre = (x.reshape(T * B, I) @ (w_ih * neg).T).reshape(T, B, 3 * H)
        if bias:
            b_ih, b_hh = bias
            pre[..., : 2 * H] -= b_ih[: 2 * H] + b_hh[: 2 * H]
            pre[..., 2 * H :] += b_ih[2 * H :]
            b_hn = b_hh[2 * H :]
        whh_t = (w_hh * neg).T
        out = np.empty((T, B, H), dtype=x.dtype)
        hn = np.empty((T, B, H), dtype=x.dtype)  # W_hn h_{t-1} + b_hn: the part r gates, needed for dr
        hw, rh = np.empty((B, 3 * H), dtype=x.dtype), np.empty((B, H), dtype=x.dtype)
        h = h0
        with np.errstate(over="ignore"):  # exp(-z) = inf for very negative z gives sigmoid 0, its limit
            for t in self._steps(T):
                a = pre[t]  # becomes r, z, n in place
                np.matmul(h, whh_t, out=hw)
                rz = a[:, : 2 * H]
                rz += hw[:, : 2 * H]
                np.exp(rz, out=rz)
                rz += 1
                np.reciprocal(rz, out=rz)
                if bias:
                    np.add(hw[:, 2 * H :], b_hn, out=hn[t])
                else:
                    hn[t] = hw[:, 2 * H :]
                n = a[:, 2 * H :]
                n += np.multiply(a[:, :H], hn[t], out=rh)
                np.tanh(n, out=n)
                h_new = np.subtract(h, n, out=out[t])  # h_t = n + z (h_{t-1} - n)
                h_new *= a[:, H : 2 * H]
                h_new += n
                h = h_new
        self.x, self.h0, self.w_ih, self.w_hh, self.acts, self.hn, self.out = x, h0, w_ih, w_hh, pre, hn, out
        return out, out[self._last(T)].copy()

    def backward(self, dseq, dh_n):
        T, B, _ = self.x.shape
        H = self.hn.shape[-1]
        a = self.acts
        dout = self._dsequence(dseq, dh_n, T, B, H, a.dtype)
        r, z, n = a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]
        h_prev = self._previous(self.out, self.h0)
        # d(pre-activation) = dh * P for all three hidden-side gates: n's local factor is (1 - z)(1 - n^2),
        # times r on the hidden side (n_pre = ... + r * hn)
        Pn = (1 - z) * (1 - n * n)
        Ph = np.empty_like(a)
        np.multiply(Pn * self.hn, r * (1 - r), out=Ph[..., :H])
        np.multiply(h_prev - n, z * (1 - z), out=Ph[..., H : 2 * H])
        np.multiply(Pn, r, out=Ph[..., 2 * H :])
        Ph3 = Ph.reshape(T, B, 3, H)
        dpre_h = np.empty_like(a)
        dpre_h3 = dpre_h.reshape(T, B, 3, H)
        dhs = np.empty((T, B, H), dtype=a.dtype)  # the total dh of every step, for the input side afterwards
        dh_next, dz = np.zeros((B, H), dtype=a.dtype), np.empty((B, H), dtype=a.dtype)
        for t in reversed(self._steps(T)):
            dh = np.add(dout[t], dh_next, out=dhs[t])
            np.multiply(dh[:, None, :], Ph3[t], out=dpre_h3[t])
            np.matmul(dpre_h[t], self.w_hh, out=dh_next)
            dh_next += np.multiply(dh, z[t], out=dz)
        dpre_x = dpre_h.copy()  # r and z sit outside the gate: same gradient on both sides; n differs
        np.multiply(dhs, Pn, out=dpre_x[..., 2 * H :])
        dx, dW_ih, dW_hh, db_ih, db_hh = self._all_steps_grads(dpre_x, dpre_h, self.x, h_prev, self.w_ih)
        grads = (dx, dh_next if self.needs_grad[1] else None, dW_ih, dW_hh)
        return grads + ((db_ih, db_hh) if self.has_bias else ())


# --- Elman RNN ------------------------------------------------------------------------------------------
class RNNLayer(_RecurrentLayer):
    """h_t = act(x_t W_ih.T + b_ih + h_{t-1} W_hh.T + b_hh);  dh/dpre = 1 - h^2 (tanh) or 1 where h > 0 (relu)

    Inputs: x (T, B, I), h0 (B, H), weight_ih (H, I), weight_hh (H, H)[, bias_ih, bias_hh (H,)].
    Hyperparameter `nonlinearity` ('tanh' or 'relu'). Outputs: h_t for every t (T, B, H) and h_n (B, H).
    """

    first_weight = 2
    nonlinearity = "tanh"

    def forward(self, x, h0, w_ih, w_hh, *bias):
        T, B, I = x.shape
        H = w_hh.shape[0]
        self.has_bias = bool(bias)
        pre = (x.reshape(T * B, I) @ w_ih.T).reshape(T, B, H)
        if bias:
            pre += bias[0] + bias[1]
        whh_t = w_hh.T
        out = np.empty((T, B, H), dtype=x.dtype)
        relu = self.nonlinearity == "relu"
        h = h0
        for t in self._steps(T):
            h = np.matmul(h, whh_t, out=out[t])
            h += pre[t]
            if relu:
                np.maximum(h, 0, out=h)
            else:
                np.tanh(h, out=h)
        self.x, self.h0, self.w_ih, self.w_hh, self.out = x, h0, w_ih, w_hh, out
        return out, out[self._last(T)].copy()

    def backward(self, dseq, dh_n):
        out = self.out
        dout = self._dsequence(dseq, dh_n, *out.shape, out.dtype)
        P = (out > 0).astype(out.dtype) if self.nonlinearity == "relu" else 1 - out * out
        dpre = np.empty_like(out)
        dh, dh_next = np.empty_like(out[0]), np.zeros_like(out[0])
        for t in reversed(self._steps(len(out))):
            np.add(dout[t], dh_next, out=dh)
            np.multiply(dh, P[t], out=dpre[t])
            np.matmul(dpre[t], self.w_hh, out=dh_next)
        h_prev = self._previous(out, self.h0)
        dx, dW_ih, dW_hh, db_ih, db_hh = self._all_steps_grads(dpre, dpre, self.x, h_prev, self.w_ih)
        grads = (dx, dh_next if self.needs_grad[1] else None, dW_ih, dW_hh)
        return grads + ((db_ih, db_hh) if self.has_bias else ())
