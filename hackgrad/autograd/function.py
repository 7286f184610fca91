"""The op protocol of the tensor engine, and the one place where gradients are reduced and accumulated.

An op is a `Function` subclass with `forward(*arrays)` and `backward(*douts) -> tuple` of input gradients
(None where an input needs none), written side by side. Unlike the scalar engine's gates, an op *returns*
its input gradients; `backward_walk` sums them back over broadcast axes and accumulates them.

Most ops have one output: `forward` returns an array and `backward(dout)` gets its gradient. An op may
return a tuple of arrays instead (an LSTM layer returns its outputs, last hidden and last cell state):
`apply` then gives a tuple of Tensors, and `backward(*douts)` is called once, after every output that the
loss reaches has its gradient, with one gradient per output (None for an output the loss never used).
"""

import weakref

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
    outputs = None  # weak references to the outputs of an op with several; None for one output

    def __init__(self, **hyperparameters):
        self.__dict__.update(hyperparameters)

    @classmethod
    def apply(cls, *inputs, **hyperparameters):
        fn = cls(**hyperparameters)
        out = fn.forward(*[t.data for t in inputs])
        if type(out) is tuple:
            return fn._outputs_of(inputs, out)
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

    def _outputs_of(self, inputs, arrays):
        """The Tensors of a several-output op; each remembers this one node (weakly: no reference cycle)."""
        results = []
        for i, out in enumerate(arrays):
            out = out if type(out) is np.ndarray else np.asarray(out)
            if _state["anomaly"]:
                _check_finite(out, f"{type(self).__name__}.forward (output {i})")
            results.append(Tensor._make(out))
        if _state["grad"]:
            needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                self.inputs, self.needs_grad = inputs, needs
                self.outputs = tuple(weakref.ref(r) for r in results)
                for r in results:
                    if r.data.dtype.kind == "f":  # integer outputs (indices) carry no gradient
                        r.requires_grad = True
                        r._fn = self
        return tuple(results)

    def forward(self, *arrays):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *douts):  # pragma: no cover - abstract
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
    order = toposort(root, _parents)
    gathered = None  # id(op) -> [gradients of its outputs, outputs still to visit], for several-output ops
    for t in reversed(order):
        g = grads.pop(id(t), None)
        fn = t._fn
        if fn is not None and fn.outputs is not None:
            # an op with several outputs runs backward once, after the walk has visited all of them that
            # the loss reaches (they all come before the op's inputs in this order)
            if gathered is None:
                gathered = _several_outputs(order)
            entry = gathered[id(fn)]
            entry[1] -= 1
            if g is not None:
                entry[0][_index(fn, t)] = g
        if g is None:
            if fn is None or fn.outputs is None or entry[1] or not any(d is not None for d in entry[0]):
                continue
        elif fn is None or t._retain:
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
        if fn.outputs is None:
            dinputs = fn.backward(g)
        elif entry[1]:
            continue  # more outputs of this op to visit
        else:
            dinputs = fn.backward(*entry[0])
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


def _several_outputs(order):
    """For each several-output op in the graph: [one gradient slot per output, outputs in `order`]."""
    gathered = {}
    for t in order:
        fn = t._fn
        if fn is not None and fn.outputs is not None:
            entry = gathered.setdefault(id(fn), [[None] * len(fn.outputs), 0])
            entry[1] += 1
    return gathered


def _index(fn, t):
    return next(i for i, ref in enumerate(fn.outputs) if ref() is t)


from hackgrad.autograd.tensor import Tensor  # noqa: E402  (Tensor builds on Function)
