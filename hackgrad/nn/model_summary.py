"""`summary(model, input_shape)`: a table of a model's layers, in the spirit of Keras' `model.summary()` and
torchinfo. One row per layer call: its output shape, its parameters and the multiply-adds it costs for one
input, then totals. The shapes come from running one zero input through the model (evaluation mode, no
graph recorded), so the table shows what the model really does, including a shape error where it is.
"""

import math
from collections import OrderedDict

import numpy as np

from hackgrad.autograd import no_grad
from hackgrad.autograd.tensor import Tensor
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["summary", "ModelSummary", "LayerSummary"]


class LayerSummary:
    """One row: `name` (the dotted module name), `type`, `output_shape` (with the batch axis), `params`
    (its own parameters, 0 when a module is called again), `mult_adds` for the whole batch."""

    __slots__ = ("name", "type", "output_shape", "params", "mult_adds", "repeat")

    def __init__(self, name, type, output_shape, params, mult_adds, repeat=False):
        self.name, self.type, self.output_shape = name, type, output_shape
        self.params, self.mult_adds, self.repeat = params, mult_adds, repeat

    def __repr__(self):
        return (
            f"LayerSummary({self.name!r}, {self.type}, output_shape={self.output_shape}, "
            f"params={self.params}, mult_adds={self.mult_adds})"
        )


class ModelSummary:
    """What `summary` measured: `layers` (LayerSummary rows), `input_shape`, `total_params`,
    `trainable_params`, `total_mult_adds` (for one input, i.e. per sample), and the sizes in bytes of the
    parameters and of one sample's layer outputs. `str()` is the table."""

    def __init__(self, model, layers, input_shape, batch_size, dtype):
        self.model_name = type(model).__name__
        self.layers, self.input_shape, self.batch_size = layers, tuple(input_shape), batch_size
        params = list(model.parameters())
        self.total_params = sum(p.data.size for p in params)
        self.trainable_params = sum(p.data.size for p in params if getattr(p, "requires_grad", True))
        self.total_mult_adds = sum(row.mult_adds for row in layers) // batch_size
        self.param_bytes = sum(p.data.nbytes for p in params)
        self.output_bytes = sum(
            math.prod(row.output_shape) * np.dtype(dtype).itemsize for row in layers
        ) // batch_size

    def __str__(self):
        head = ("Layer (type)", "Output shape", "Param #", "Mult-adds")
        rows = [
            (
                f"{row.name} ({row.type})",
                str([-1, *row.output_shape[1:]]),
                "(recursive)" if row.repeat else f"{row.params:,}",
                f"{row.mult_adds // self.batch_size:,}",
            )
            for row in self.layers
        ]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
        line = "  ".join(
            ("{:<%d}" if i < 2 else "{:>%d}") % w for i, w in enumerate(widths)
        )
        rule = "=" * (sum(widths) + 6)
        mb = 1024**2
        out = [rule, line.format(*head), rule, *(line.format(*r) for r in rows), rule]
        out += [
            f"Input shape: {[-1, *self.input_shape]} (one sample per row: -1 is the batch)",
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
            f"Mult-adds per sample: {self.total_mult_adds:,} ({self.total_mult_adds / 1e6:,.2f} M)",
            f"Params size (MB): {self.param_bytes / mb:,.2f}",
            f"Layer outputs per sample (MB): {self.output_bytes / mb:,.2f}",
            rule,
        ]
        return "\n".join(out)

    __repr__ = __str__


def _own_parameters(module):
    """The parameters a module holds itself (not through sub-modules)."""
    own = []
    for _, value in module._children():
        stack = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, Parameter):
                own.append(v)
            elif isinstance(v, (list, tuple)):
                stack.extend(v)
            elif isinstance(v, dict):
                stack.extend(v.values())
    return own


def _has_submodules(module):
    return any(m is not module for m in module.modules())


def _mult_adds(module, inputs, out_shape):
    """Multiply-adds of one call for the whole batch: weights times the positions they are applied at.

    Convolution: every output value costs in_channels/groups * kh * kw; dense: in_features per output
    value; recurrent layers: per time step and direction, gates * hidden * (input + hidden) per layer.
    Pooling, activations and normalisation do no multiply-adds (their few multiplications are not counted,
    as in torchinfo).
    """
    name = type(module).__name__
    if name == "Conv2d":
        return math.prod(out_shape) * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if name == "Linear":
        return math.prod(out_shape) * module.in_features
    if name in ("RNN", "LSTM", "GRU") and inputs:
        x = inputs[0]
        shape = getattr(x, "shape", ())
        if len(shape) < 2:
            return 0
        steps = shape[1] if getattr(module, "batch_first", False) and len(shape) == 3 else shape[0]
        batch = math.prod(shape) // (steps * shape[-1])
        gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[name]
        dirs = 2 if getattr(module, "bidirectional", False) else 1
        H, total, n_in = module.hidden_size, 0, module.input_size
        for _ in range(module.num_layers):
            total += gates * H * (n_in + H)
            n_in = H * dirs
        return total * dirs * steps * batch
    if name in ("RNNCell", "LSTMCell", "GRUCell"):
        gates = {"RNNCell": 1, "GRUCell": 3, "LSTMCell": 4}[name]
        batch = math.prod(out_shape[:-1]) if len(out_shape) > 1 else 1
        return gates * module.hidden_size * (module.input_size + module.hidden_size) * batch
    return 0


def _first_tensor(out):
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for o in out:
            t = _first_tensor(o)
            if t is not None:
                return t
    return None


def summary(model, input_shape, *, batch_size=1, dtype=None, input=None):
    """Run a zero input of shape (batch_size, *input_shape) through `model` and tabulate every layer.

    `input_shape` is the shape of one sample, without the batch axis: (1, 28, 28) for an MNIST CNN,
    (784,) for an MLP, (seq_len, features) for a batch-first recurrent net. `dtype` defaults to the
    model's parameters' (float32); integer inputs (token ids for an Embedding) can be passed as `input`
    instead. Rows list the layers that hold parameters or no sub-modules, in call order, with dotted
    names (`features.0`); a layer called twice gets a row per call and its parameters once. Returns a
    `ModelSummary`; `print()` it for the table.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a hackgrad.nn.Module, got {type(model).__name__}")
    if input is None:
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else (input_shape,)
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in shape):
            raise ValueError(
                f"summary: input_shape must be the positive sizes of one sample, e.g. (1, 28, 28), "
                f"got {input_shape!r}"
            )
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"summary: batch_size must be a positive integer, got {batch_size!r}")
        params = list(model.parameters())
        dtype = np.dtype(dtype or (params[0].dtype if params else np.float32))
        x = Tensor(np.zeros((batch_size, *shape), dtype=dtype), dtype=dtype)
    else:
        x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
        batch_size, shape = x.shape[0], x.shape[1:]
        dtype = np.dtype(dtype or (x.dtype if x.dtype.kind == "f" else np.float32))

    layers, seen = [], set()
    watched = OrderedDict(
        (name, m)
        for name, m in model.named_modules()
        if (name and not _has_submodules(m)) or _own_parameters(m)
    )

    # hooks watch each layer for this one pass: the pre-hook pushes the layer and the shape it is given, the
    # forward hook pops it and records its output, so after an error the top of the stack is the innermost
    # layer whose forward raised
    open_calls = []

    def before(name):
        def hook(module, args):
            given = tuple(getattr(args[0], "shape", ())) if args else ()
            open_calls.append((name or type(module).__name__, type(module).__name__, given))

        return hook

    def after(name):
        def hook(module, args, out):
            open_calls.pop()
            t = _first_tensor(out)
            if t is not None:
                first = id(module) not in seen
                seen.add(id(module))
                n_params = sum(p.data.size for p in _own_parameters(module)) if first else 0
                layers.append(
                    LayerSummary(
                        name or type(module).__name__,
                        type(module).__name__,
                        tuple(t.shape),
                        n_params,
                        _mult_adds(module, args, tuple(t.shape)),
                        repeat=not first and n_params == 0 and bool(_own_parameters(module)),
                    )
                )

        return hook

    modes = [(m, m.training) for m in model.modules()]
    handles = []
    try:
        for name, module in watched.items():
            handles.append(module.register_forward_pre_hook(before(name)))
            handles.append(module.register_forward_hook(after(name)))
        model.eval()
        with no_grad():
            try:
                model(x)
            except (ValueError, TypeError) as err:
                if not open_calls:
                    raise
                name, kind, given = open_calls[-1]
                done = ", ".join(f"{r.name} -> {list(r.output_shape)}" for r in layers[-3:])
                raise ValueError(
                    f"summary: {type(model).__name__} on input {[batch_size, *shape]} fails at layer "
                    f"{name} ({kind}), given {list(given)}" + (f" (after {done})" if done else "")
                    + f": {err}"
                ) from err
    finally:
        for handle in handles:
            handle.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return ModelSummary(model, layers, shape, batch_size, dtype)
