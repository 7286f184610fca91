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

# PyTorch's top-level surface (torchsurf), so that `import hackgrad as torch` programs find their names
_LAZY.update({name: ("hackgrad.autograd", name) for name in (
    "inference_mode", "set_grad_enabled", "is_grad_enabled",
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "bmm", "einsum", "outer", "exp", "log", "sqrt", "abs",
    "tanh", "sigmoid", "relu", "erf", "maximum", "minimum", "clamp", "clip", "where", "sum", "mean", "max",
    "min", "amax", "amin", "logsumexp", "var", "std", "argmax", "argmin", "norm", "cumsum", "softmax",
    "log_softmax", "reshape", "flatten", "transpose", "permute", "squeeze", "unsqueeze", "cat", "concatenate",
    "stack", "split", "chunk", "unbind", "narrow", "flip", "roll", "tril", "triu", "masked_fill", "gather",
    "scatter", "scatter_add", "index_select", "topk", "sort", "argsort", "eq", "ne", "lt", "le", "gt", "ge",
    "any", "all",
)})
_LAZY.update({name: ("hackgrad.autograd.creation", name) for name in (
    "manual_seed", "seed", "zeros", "ones", "full", "empty", "eye", "arange", "linspace", "zeros_like",
    "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "rand", "randn", "randint", "randperm",
    "multinomial", "normal", "from_numpy", "as_tensor", "is_tensor", "is_floating_point", "numel", "allclose",
    "isclose",
)})
_LAZY.update({name: ("hackgrad.autograd.dtypes", name) for name in (
    "float16", "half", "float32", "float64", "double", "int8", "int16", "int32", "int64", "long", "uint8",
    "bool", "float", "int", "device",
)})
_LAZY.update({"save": ("hackgrad.serialization", "save"), "load": ("hackgrad.serialization", "load"),
              "cuda": ("hackgrad.cuda", None), "utils": ("hackgrad.utils", None)})

__all__ = ["Unit", "Gate", "__version__", *_LAZY]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
