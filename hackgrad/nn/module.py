"""`Module`: the base of every layer and model. It finds its parameters, buffers and sub-modules by
walking its own attributes, so a model never writes a `parameters()` method by hand."""

from collections import OrderedDict

import numpy as np

from hackgrad.autograd.dtypes import as_device, as_dtype
from hackgrad.autograd.dtypes import device as _device
from hackgrad.autograd.tensor import Tensor, _is_dtype_name
from hackgrad.nn.parameter import Parameter


class Module:
    """Subclass it, assign layers and Parameters as attributes in `__init__`, write `forward`.

    Attributes are walked in insertion order through modules, parameters, lists, tuples and dicts;
    a parameter reachable twice (tied weights) is counted once. Buffers (running statistics) are
    registered with `register_buffer` and saved in `state_dict` but never trained.
    """

    training = True

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_buffers", OrderedDict())

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # --- discovery ---------------------------------------------------------------------------------
    def register_buffer(self, name, array):
        if "_buffers" not in self.__dict__:
            object.__setattr__(self, "_buffers", OrderedDict())
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
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device)) and not _is_dtype_name(a):
                device = a
            else:
                dtype = a
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
        for name, value in state.items():
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if name in params:
                p = params[name]
                if arr.shape != p.shape:
                    raise ValueError(f"load_state_dict: {name} has shape {arr.shape}, expected {p.shape}")
                p.data = arr.astype(p.dtype, copy=True)
            elif name in buffers:
                mod, attr = buffers[name]
                old = mod._buffers[attr]
                if old is not None and np.shape(old) != arr.shape:
                    raise ValueError(f"load_state_dict: {name} has shape {arr.shape}, expected {np.shape(old)}")
                setattr(mod, attr, arr.astype(old.dtype if old is not None else arr.dtype, copy=True))
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
