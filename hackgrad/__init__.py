"""hackgrad: neural networks as real-valued circuits.

`from hackgrad import Unit` loads only the scalar engine (standard library). The tensor engine and the
layers above it (NumPy) load on first use of `Tensor`, `tensor`, `nn`, `optim`, ...
"""

import importlib

from hackgrad.circuit import Gate, Unit

__version__ = "0.1.0"

_LAZY = {
    "Tensor": ("hackgrad.autograd", "Tensor"),
    "tensor": ("hackgrad.autograd", "tensor"),
    "no_grad": ("hackgrad.autograd", "no_grad"),
    "enable_grad": ("hackgrad.autograd", "enable_grad"),
    "detect_anomaly": ("hackgrad.autograd", "detect_anomaly"),
    "gradcheck": ("hackgrad.autograd.gradcheck", "gradcheck"),
    "nn": ("hackgrad.nn", None),
    "optim": ("hackgrad.optim", None),
    "data": ("hackgrad.data", None),
    "train": ("hackgrad.train", None),
    "estimators": ("hackgrad.estimators", None),
    "search": ("hackgrad.search", None),
    "circuit": ("hackgrad.circuit", None),
    "autograd": ("hackgrad.autograd", None),
}

__all__ = ["Unit", "Gate", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hackgrad' has no attribute {name!r}")
