"""`Module`: the base of every layer and model. It finds its parameters, buffers and sub-modules by
walking its own attributes, so a model never writes a `parameters()` method by hand."""

from collections import OrderedDict

import numpy as np

from hackgrad.autograd.tensor import Tensor
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

    def named_parameters(self, prefix=""):
        seen = set()
        for mod_name, mod in self.named_modules(prefix):
            for name, value in mod._children():
                for p_name, p in _walk(value, f"{mod_name}.{name}" if mod_name else name, Parameter):
                    if id(p) not in seen:
                        seen.add(id(p))
                        yield p_name, p

    def parameters(self):
        return [p for _, p in self.named_parameters()]

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

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

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
