"""The tensor engine: arrays on the wires, one op protocol, one accumulation, the shared walk."""

from hackgrad.autograd.function import Function, unbroadcast
from hackgrad.autograd.mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from hackgrad.autograd.tensor import Tensor, tensor

__all__ = [
    "Tensor", "tensor", "Function", "unbroadcast", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
]
