"""The tensor engine: arrays on the wires, one op protocol, one accumulation, the shared walk.

`Tensor` and its methods, every op as a function (`exp`, `cat`, `where`, ... from `functional`),
`no_grad`/`detect_anomaly`, and `gradcheck` to test an op's backward against finite differences.
"""

from hackgrad.autograd.function import Function, unbroadcast
from hackgrad.autograd.functional import *  # noqa: F401,F403
from hackgrad.autograd.functional import __all__ as _functional_all
from hackgrad.autograd.gradcheck import gradcheck
from hackgrad.autograd.mode import (
    detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled, no_grad, set_grad_enabled,
)
from hackgrad.autograd.tensor import Tensor, tensor

__all__ = [
    "Tensor", "tensor", "Function", "unbroadcast", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled", "gradcheck", "inference_mode", "set_grad_enabled",
    *_functional_all,
]
