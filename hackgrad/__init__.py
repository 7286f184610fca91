"""hackgrad: neural networks as real-valued circuits.

`from hackgrad import Unit` loads only the scalar engine (standard library). The tensor engine and the
layers above it (NumPy) load on first use of `Tensor`, `tensor`, `nn`, `optim`, ...
"""

from hackgrad.circuit import Gate, Unit
from hackgrad.util import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
