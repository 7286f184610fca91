"""`Module`: the base of every layer and model. It finds its parameters, buffers and sub-modules by
walking its own attributes, so a model never writes a `parameters()` method by hand.

Hooks watch a module without changing its code (PyTorch's names and semantics): a forward pre-hook
`hook(module, args)` runs before `forward` (and may return new args), a forward hook
`hook(module, args, output)` after it (and may return a new output), a full backward hook
`hook(module, grad_input, grad_output)` once the gradients of the module's tensor inputs are known (and
may return new ones). Each `register_*` returns a `RemovableHandle`; `handle.remove()` (or leaving its
`with` block) takes the hook off.
"""

import itertools
from collections import OrderedDict

import numpy as np

from hackgrad.autograd.dtypes import as_device, as_dtype, to_arguments
from hackgrad.autograd.tensor import Tensor
from hackgrad.nn.parameter import Parameter


class Module:
    """Subclass it, assign layers and Parameters as attributes in `__init__`, write `forward`.

    Attributes are walked in insertion order through modules, parameters, lists, tuples and dicts;
    a parameter reachable twice (tied weights) is counted once. Buffers (running statistics) are
    registered with `register_buffer` and saved in `state_dict` but never trained.
    """

    training = True
    _hooked = False  # True once a hook was registered: the plain call below stays the fast path

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_buffers", OrderedDict())

    def __call__(self, *args, **kwargs):
        if not self._hooked:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    # --- hooks ---------------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook):
        """`hook(module, args) -> None or new args`, called before every forward."""
        return self._add_hook("_forward_pre_hooks", hook)

    def register_forward_hook(self, hook):
        """`hook(module, args, output) -> None or a new output`, called after every forward."""
        return self._add_hook("_forward_hooks", hook)

    def register_full_backward_hook(self, hook):
        """`hook(module, grad_input, grad_output) -> None or new grad_input`, called during backward once
        the gradients of the module's tensor inputs are known (None for inputs that need none)."""
        return self._add_hook("_backward_hooks", hook)

    def _add_hook(self, kind, hook):
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.{kind[1:-1]}: expected a callable, got {type(hook).__name__}")
        hooks = self.__dict__.get(kind)
        if hooks is None:
            hooks = OrderedDict()
            object.__setattr__(self, kind, hooks)
        object.__setattr__(self, "_hooked", True)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _call_with_hooks(self, args, kwargs):
        d = self.__dict__
        for hook in list(d.get("_forward_pre_hooks", {}).values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hooks = list(d.get("_backward_hooks", {}).values())
        if backward_hooks:
            watch = _BackwardHooks(self, backward_hooks)
            args = watch.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in list(d.get("_forward_hooks", {}).values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        if backward_hooks:
            out = watch.wrap_outputs(out)
        return out

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # --- discovery ---------------------------------------------------------------------------------
    def register_buffer(self, name, array):
        if "_buffers" not in self.__dict__:
            object.__setattr__(self, "_buffers", OrderedDict())
        if isinstance(array, Tensor):  # buffers are NumPy arrays here, like .data (see the README)
            array = array.data
        self._buffers[name] = None if array is None else np.asarray(array)
        object.__setattr__(self, name, self._buffers[name])

    def __setattr__(self, name, value):
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers:
            buffers[name] = value
        object.__setattr__(self, name, value)

    def _children(self):
        """(name, value) of every attribute that may hold modules or parameters, in insertion order."""
        for name, value in self.__dict__.items():
            if name.startswith("_") or name == "training":
                continue
            yield name, value

    def named_modules(self, prefix="", _seen=None):
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, value in self._children():
            for sub_name, sub in _walk(value, f"{prefix}.{name}" if prefix else name, Module):
                yield from sub.named_modules(sub_name, seen)

    def modules(self):
        return [m for _, m in self.named_modules()]

    def children(self):
        return [m for name, m in self.named_modules() if name and "." not in name]

    def named_children(self):
        for name, m in self.named_modules():
            if name and "." not in name:
                yield name, m

    def add_module(self, name, module):
        """Register `module` under `name` (as setting the attribute does); None reserves the name."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: a module name must be a non-empty string without '.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        setattr(self, name, param)

    def apply(self, fn):
        """Call fn(m) on every sub-module (children first) and on this one, as PyTorch's `apply`
        (the usual way to run a custom init: `model.apply(init_weights)`)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def named_parameters(self, prefix=""):
        seen = set()
        for mod_name, mod in self.named_modules(prefix):
            for name, value in mod._children():
                for p_name, p in _walk(value, f"{mod_name}.{name}" if mod_name else name, Parameter):
                    if id(p) not in seen:
                        seen.add(id(p))
                        yield p_name, p

    def parameters(self, recurse=True):
        """An iterator over the parameters, as in PyTorch (`next(model.parameters())` works; take
        `list(...)` to count or index them)."""
        for _, p in self.named_parameters():
            yield p

    def buffers(self):
        for _, b in self.named_buffers():
            yield b

    def named_buffers(self):
        for mod_name, mod in self.named_modules():
            for name, value in mod.__dict__.get("_buffers", {}).items():
                if value is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    # --- modes and gradients -----------------------------------------------------------------------
    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget every gradient (None, PyTorch's default), or fill it with zeros."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.grad)

    def requires_grad_(self, requires_grad=True):
        """Switch gradient recording for every parameter (freeze a model with `requires_grad_(False)`)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # --- dtype and device --------------------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """PyTorch's `Module.to`: a device ('cpu' only; any other raises) and/or a floating dtype, applied
        in place to every parameter and floating buffer. Returns the module."""
        dtype, device = to_arguments(args, dtype, device)
        as_device(device, f"{type(self).__name__}.to")
        if dtype is not None:
            dtype = as_dtype(dtype, "to")
            if dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}.to: only floating dtypes, got {dtype}")
            for p in self.parameters():
                p.data = p.data.astype(dtype)
                p.grad = None if p.grad is None else p.grad.astype(dtype)
            for m in self.modules():
                for name, b in list(m.__dict__.get("_buffers", {}).items()):
                    if b is not None and np.asarray(b).dtype.kind == "f":
                        setattr(m, name, np.asarray(b).astype(dtype))
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def cpu(self):
        return self

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    # --- saving ------------------------------------------------------------------------------------
    def state_dict(self):
        """An ordered dict of name -> NumPy array (copies) of every parameter and buffer."""
        state = OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())
        for name, b in self.named_buffers():
            state[name] = np.array(b, copy=True)
        return state

    def load_state_dict(self, state, strict=True):
        """Copy arrays (NumPy or Tensors, e.g. from PyTorch's `state_dict` via `.numpy()`) into this model."""
        params = dict(self.named_parameters())
        buffers = {}
        for mod_name, mod in self.named_modules():
            for name in mod.__dict__.get("_buffers", {}):
                buffers[f"{mod_name}.{name}" if mod_name else name] = (mod, name)
        missing = [k for k in list(params) + list(buffers) if k not in state]
        unexpected = [k for k in state if k not in params and k not in buffers]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        # every array is checked and converted before the first one is assigned: all or nothing
        new_params, new_buffers = [], []
        for name, value in state.items():
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if name in params or name in buffers:
                if arr.dtype.kind not in "biuf":
                    raise ValueError(f"load_state_dict: {name} has dtype {arr.dtype}, expected numbers")
            if name in params:
                p = params[name]
                if arr.shape != p.shape:
                    raise ValueError(f"load_state_dict: {name} has shape {arr.shape}, expected {p.shape}")
                new_params.append((p, arr.astype(p.dtype, copy=True)))
            elif name in buffers:
                mod, attr = buffers[name]
                old = mod._buffers[attr]
                if old is not None and np.shape(old) != arr.shape:
                    raise ValueError(f"load_state_dict: {name} has shape {arr.shape}, expected {np.shape(old)}")
                new_buffers.append((mod, attr, arr.astype(old.dtype if old is not None else arr.dtype, copy=True)))
        for p, arr in new_params:
            p.data = arr
        for mod, attr, arr in new_buffers:
            setattr(mod, attr, arr)
        return self

    # --- display -----------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        for name, value in self._children():
            if isinstance(value, Module):
                sub = repr(value).replace("\n", "\n  ")
                lines.append(f"  ({name}): {sub}")
            elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
                for i, v in enumerate(value):
                    sub = repr(v).replace("\n", "\n  ")
                    lines.append(f"  ({name}.{i}): {sub}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(lines) + "\n)" if lines else ")")


class RemovableHandle:
    """What `register_*_hook` returns: `remove()` takes the hook off (also on leaving a `with` block)."""

    _ids = itertools.count()

    def __init__(self, hooks):
        self.hooks, self.id = hooks, next(RemovableHandle._ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


class _BackwardHooks:
    """One forward call's backward-hook plumbing: identity nodes on the module's tensor inputs and outputs.

    The output node catches grad_output; the input node, reached after the module's own ops, hands
    (grad_input, grad_output) to the hooks. When no input needs a gradient, the hooks run at the output
    node with grad_input all None (as in PyTorch).
    """

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.n_inputs, self.grad_output, self.input_slots = 0, (), []

    def wrap_inputs(self, args):
        from hackgrad.autograd import ops

        args = list(args)
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensors)
        self.input_slots = [k for k, i in enumerate(tensors) if args[i].requires_grad]
        needing = [tensors[k] for k in self.input_slots]
        if needing:
            wrapped = ops.HookIdentity.apply(*[args[i] for i in needing], hook=self._inputs_done)
            for i, t in zip(needing, wrapped):
                args[i] = t
        return tuple(args)

    def wrap_outputs(self, out):
        from hackgrad.autograd import ops

        leaves = []
        _flatten(out, leaves)
        self.grad_output = (None,) * len(leaves)
        self.output_slots = [k for k, t in enumerate(leaves) if t.requires_grad]
        if not self.output_slots:
            return out
        wrapped = iter(ops.HookIdentity.apply(*[leaves[k] for k in self.output_slots], hook=self._outputs_done))
        replaced = {k: next(wrapped) for k in self.output_slots}
        return _rebuild(out, iter(replaced.get(k, t) for k, t in enumerate(leaves)))

    def _outputs_done(self, douts):
        grads = [None] * len(self.grad_output)
        for k, d in zip(self.output_slots, douts):
            grads[k] = d
        self.grad_output = tuple(grads)
        if not self.input_slots:  # no input node will be reached: the hooks run now
            self._run((None,) * self.n_inputs)
        return None

    def _inputs_done(self, douts):
        grad_input = [None] * self.n_inputs
        for k, d in zip(self.input_slots, douts):
            grad_input[k] = d
        grad_input = self._run(tuple(grad_input))
        return [grad_input[k] for k in self.input_slots]

    def _run(self, grad_input):
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result)
                if len(result) != len(grad_input):
                    raise RuntimeError(
                        f"backward hook on {type(self.module).__name__} returned {len(result)} gradients, "
                        f"expected {len(grad_input)} (one per tensor input)"
                    )
                grad_input = tuple(None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g)
                                   for g in result)
        return grad_input


def _flatten(out, leaves):
    if isinstance(out, Tensor):
        leaves.append(out)
    elif isinstance(out, (tuple, list)):
        for o in out:
            _flatten(o, leaves)


def _rebuild(out, it):
    if isinstance(out, Tensor):
        return next(it)
    if isinstance(out, (tuple, list)):
        return type(out)(_rebuild(o, it) for o in out)
    return out


def _walk(value, name, kind):
    """Yield (dotted name, item) for every `kind` inside value: itself, or inside lists/tuples/dicts."""
    if isinstance(value, kind):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _walk(v, f"{name}.{i}", kind)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{name}.{k}", kind)
