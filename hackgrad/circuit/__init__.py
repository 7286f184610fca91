"""The scalar engine: chapters 1-2 of the guide on plain Python floats (no NumPy)."""

from hackgrad.circuit.gates import (
    AddGate,
    DivideGate,
    ExpGate,
    LinearGate,
    LogGate,
    MaxGate,
    MultiplyGate,
    NegateGate,
    PowerGate,
    ReLUGate,
    SigmoidGate,
    SubtractGate,
    SumGate,
    TanhGate,
    exp,
    linear,
    log,
    maximum,
    relu,
    sigmoid,
    tanh,
    total,
)
from hackgrad.circuit.unit import Gate, Unit, as_unit

__all__ = [
    "Unit", "Gate", "as_unit",
    "AddGate", "SubtractGate", "MultiplyGate", "NegateGate", "DivideGate", "PowerGate", "ExpGate", "LogGate",
    "TanhGate", "SigmoidGate", "ReLUGate", "MaxGate", "SumGate", "LinearGate",
    "exp", "log", "tanh", "sigmoid", "relu", "maximum", "total", "linear",
]
