"""The scalar engine: chapters 1-2 of the guide on plain Python floats (no NumPy).

`vectorize` (chapter 3: the same circuit on arrays, with the tensor engine) loads NumPy on first use.
"""

from hackgrad.circuit.draw import Diagram, draw
from hackgrad.circuit.gates import (
    AddGate,
    DivideGate,
    ExpGate,
    LinearGate,
    LinearReLUGate,
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
from hackgrad.circuit.modules import MLP, SGD, SVM, Layer, Neuron, TwoLayerNet
from hackgrad.circuit.strategies import (
    analytic_gradient,
    compare_strategies,
    gradcheck,
    numerical_gradient,
    random_search,
)
from hackgrad.circuit.unit import Gate, Unit, as_unit, collector_paused  # noqa: I001  (unit before the layers on it)

__all__ = [
    "Unit", "Gate", "as_unit",
    "AddGate", "SubtractGate", "MultiplyGate", "NegateGate", "DivideGate", "PowerGate", "ExpGate", "LogGate",
    "TanhGate", "SigmoidGate", "ReLUGate", "MaxGate", "SumGate", "LinearGate", "LinearReLUGate",
    "exp", "log", "tanh", "sigmoid", "relu", "maximum", "total", "linear",
    "random_search", "numerical_gradient", "analytic_gradient", "gradcheck", "compare_strategies",
    "draw", "Diagram", "Neuron", "Layer", "MLP", "SGD", "SVM", "TwoLayerNet",
    "vectorize", "TracingError", "collector_paused",
]


def __getattr__(name):
    if name in ("vectorize", "Vectorized", "TracingError"):  # NumPy and the tensor engine, on first use
        from hackgrad.circuit import vectorized

        return getattr(vectorized, name)
    raise AttributeError(f"module 'hackgrad.circuit' has no attribute {name!r}")
