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
    _saved = ()  # (version counter, version, which input or -1 for the output) per array kept for backward
    _freed = False  # set by a backward walk without retain_graph

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
                fn._saved = _saved_versions(fn, inputs, out, result)
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


def _saved_versions(fn, inputs, out, result):
    """(version counter, its value now, which) for each input or output array that `fn` kept for backward.

    An op keeps arrays as attributes (`self.x = x`, `self.y = np.tanh(x)`); an array that *is* an input's
    or the output's (or a view of one) goes stale if that tensor is changed in place later, so its version
    is recorded here and checked before backward. Arrays the op computed for itself cannot go stale.
    """
    kept = set()  # ids of the arrays the op holds, and of the arrays those are views of
    for v in fn.__dict__.values():
        if type(v) is np.ndarray:
            kept.add(id(v))
            if v.base is not None:
                kept.add(id(v.base))
        elif type(v) is tuple or type(v) is list:
            for a in v:
                if type(a) is np.ndarray:
                    kept.add(id(a))
                    if a.base is not None:
                        kept.add(id(a.base))
    if not kept:
        return ()
    saved = [(t._vc, t._vc[0], i) for i, t in enumerate(inputs) if id(t.data) in kept]
    if id(out) in kept:
        saved.append((result._vc, 0, -1))
    return tuple(saved)


def _check_graph(order, retain_graph):
    """Refuse, before any gradient moves, a graph already walked without `retain_graph`, or one whose
    saved arrays were changed in place since the forward pass (they would give wrong gradients)."""
    for t in order:
        fn = t._fn
        if fn is None:
            continue
        if fn._freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: {type(fn).__name__}'s saved values were "
                "released by the first backward(). Call backward(retain_graph=True) the first time if you need "
                "to backward through the same graph again, or recompute the forward pass."
            )
        for vc, version, which in fn._saved:
            if vc[0] != version:
                what = f"input {which} (shape {fn.inputs[which].shape})" if which >= 0 else "its output"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: {type(fn).__name__} saved {what} at version {version}, and it is now at "
                    f"version {vc[0]}. An in-place change after the forward pass (an optimizer step, an "
                    "in-place op) makes the saved value stale: recompute the forward pass after the change."
                )


def _parents(t):
    fn = t._fn
    return fn.inputs if fn is not None else ()


def backward_walk(root, seed, retain_graph=False):
    """Backpropagate `seed` (d loss / d root) through the graph that produced `root`.

    Without `retain_graph` each op is marked as used, so a second walk through it raises.
    """
    anomaly = _state["anomaly"]
    grads = {id(root): seed}
    handed = set()  # ids of gradient arrays already stored as some tensor's .grad
    order = toposort(root, _parents)
    _check_graph(order, retain_graph)
    for t in reversed(order):
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
        if not retain_graph:
            fn._freed = True
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
            if d.dtype != inp.data.dtype and inp.data.dtype.kind == "f":
                d = d.astype(inp.data.dtype)  # an input promoted by a mixed-dtype op gets its gradient in its own dtype
            if anomaly:
                _check_finite(d, f"{type(fn).__name__}.backward")
            key = id(inp)
            prev = grads.get(key)
            grads[key] = d if prev is None else prev + d  # the one accumulation: a value used twice gets both


from hackgrad.autograd.tensor import Tensor  # noqa: E402  (Tensor builds on Function)
