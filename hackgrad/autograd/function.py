"""The op protocol of the tensor engine, and the one place where gradients are reduced and accumulated.

An op is a `Function` subclass with `forward(*arrays) -> array` and `backward(dout) -> tuple` of input
gradients (None where an input needs none), written side by side. Unlike the scalar engine's gates, an
op *returns* its input gradients; `backward_walk` sums them back over broadcast axes and accumulates them.
"""

import numpy as np

from hackgrad.autograd.mode import _state
from hackgrad.graph import toposort


class Function:
    """Base of every tensor op. `Op.apply(*tensors, **hyperparameters)` runs it and records the graph.

    Hyperparameters become attributes of the op (`self.axis`); `self.needs_grad` (one bool per input)
    lets `backward` skip gradients nobody asked for.
    """

    inputs = ()
    needs_grad = ()

    def __init__(self, **hyperparameters):
        self.__dict__.update(hyperparameters)

    @classmethod
    def apply(cls, *inputs, **hyperparameters):
        fn = cls(**hyperparameters)
        out = fn.forward(*[t.data for t in inputs])
        if type(out) is not np.ndarray:  # NumPy gives scalars for 0-d results; a tensor always holds an array
            out = np.asarray(out)
        if _state["anomaly"]:
            _check_finite(out, f"{cls.__name__}.forward")
        result = Tensor._make(out)
        if _state["grad"]:
            needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                fn.inputs = inputs
                fn.needs_grad = needs
                result.requires_grad = True
                result._fn = fn
        return result

    def forward(self, *arrays):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__}>"


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, so it has `shape` again.

    A gradient that no broadcast could have produced from `shape` comes back with its shape unchanged
    (the caller reports it).
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _check_finite(array, where):
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise FloatingPointError(f"{where} produced {bad} (anomaly detection is on)")


def _parents(t):
    fn = t._fn
    return fn.inputs if fn is not None else ()


def backward_walk(root, seed):
    """Backpropagate `seed` (d loss / d root) through the graph that produced `root`."""
    anomaly = _state["anomaly"]
    grads = {id(root): seed}
    handed = set()  # ids of gradient arrays already stored as some tensor's .grad
    for t in reversed(toposort(root, _parents)):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        fn = t._fn
        if fn is None or t._retain:
            if t.grad is not None:
                t.grad = t.grad + g
            elif g.flags.owndata and g.flags.writeable and g.dtype == t.data.dtype and id(g) not in handed:
                t.grad = g  # a fresh array nobody else holds: take it without a copy
            else:
                # a view, or an array also handed to another tensor: copy, so each .grad is its own
                # (in-place edits such as gradient clipping must never reach a second tensor)
                t.grad = np.array(g, dtype=t.data.dtype)
            handed.add(id(t.grad))
        if fn is None:
            continue
        dinputs = fn.backward(g)
        for inp, need, d in zip(fn.inputs, fn.needs_grad, dinputs):
            if not need or d is None:
                continue
            if d.shape != inp.data.shape:
                d = unbroadcast(d, inp.data.shape)
                if d.shape != inp.data.shape:
                    raise RuntimeError(
                        f"{type(fn).__name__}.backward returned a gradient of shape {d.shape} "
                        f"for an input of shape {inp.data.shape}"
                    )
            if anomaly:
                _check_finite(d, f"{type(fn).__name__}.backward")
            key = id(inp)
            prev = grads.get(key)
            grads[key] = d if prev is None else prev + d  # the one accumulation: a value used twice gets both


from hackgrad.autograd.tensor import Tensor  # noqa: E402  (Tensor builds on Function)
