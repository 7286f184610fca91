"""The MLP family: a stack of Linear layers with a nonlinearity between them, and its one-layer case.

    {"type": "mlp", "sizes": [784, 256, 128, 10], "activation": "relu", "dropout": 0.0, "batchnorm": False}
    {"type": "linear", "in_features": 4, "out_features": 3}        softmax regression, or with a hinge
                                                                   loss the guide's SVM
    {"type": "sequential", "layers": [{"type": "Linear", ...}, {"type": "ReLU"}, ...]}   any nn layers

Each hidden layer is Linear -> [BatchNorm1d] -> activation -> [Dropout]; the last Linear gives the scores.
Two optional keys: "dtype" ("float64"; float32 when left out) and "init": "default" is PyTorch's
initialisation, "he_glorot" redraws each hidden weight with He (ReLU) or Glorot (squashing units) scaling,
the head with Glorot, and zeroes the biases, so the activations' scale holds steady with depth (what the
estimators use). One generator draws everything, layer by layer, so a seed fixes the model.
"""

import copy
import inspect

import numpy as np

from hackgrad.models import register_model

__all__ = ["mlp_spec", "expand_spec", "ACTIVATIONS", "INITS"]

# activation name -> nn class name
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU", "identity": "Identity"}
INITS = ("default", "he_glorot")
_DTYPES = {"float32": np.float32, "float64": np.float64}


def mlp_spec(in_features, hidden, out_features, *, activation="relu", dropout=0.0, batchnorm=False,
             init="default", dtype="float32"):
    """Spec of an MLP: Linear -> [BatchNorm1d] -> activation -> [Dropout] per hidden layer, then Linear."""
    spec = {
        "type": "mlp",
        "sizes": [int(in_features), *[int(h) for h in hidden], int(out_features)],
        "activation": activation,
        "dropout": float(dropout),
        "batchnorm": bool(batchnorm),
    }
    if init != "default":  # left out at their defaults, so older checkpoints' specs compare equal
        spec["init"] = init
    dtype = np.dtype(dtype).name
    if dtype != "float32":
        spec["dtype"] = dtype
    return spec


def expand_spec(spec):
    """The general `{"type": "sequential", "layers": [...]}` form of an mlp/linear/sequential spec (checked)."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise ValueError(f"model spec must be a dict with a 'type' key, got {spec!r}")
    kind = spec["type"]
    if kind == "sequential":
        layers = spec.get("layers")
        if not isinstance(layers, list) or not layers:
            raise ValueError("model spec of type 'sequential' needs a non-empty 'layers' list")
        for i, layer in enumerate(layers):
            if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
                raise ValueError(f"model spec: layers[{i}] must be a dict with a 'type' (an nn class name), "
                                 f"got {layer!r}")
        return {"type": "sequential", "layers": copy.deepcopy(layers)}
    if kind == "linear":
        layer = {"type": "Linear", "in_features": int(spec["in_features"]), "out_features": int(spec["out_features"])}
        return {"type": "sequential", "layers": [layer]}
    if kind != "mlp":
        raise ValueError(f"unknown model spec type {kind!r}; expected 'mlp', 'linear' or 'sequential'")
    sizes = [int(n) for n in spec.get("sizes", ())]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"model spec 'mlp' needs sizes [in, hidden..., out] of positive ints, got {sizes}")
    activation = spec.get("activation", "relu")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}")
    dropout = float(spec.get("dropout", 0.0))
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"mlp dropout must be in [0, 1), got {dropout}")
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append({"type": "Linear", "in_features": n_in, "out_features": n_out})
        if spec.get("batchnorm", False):
            layers.append({"type": "BatchNorm1d", "num_features": n_out})
        layers.append({"type": ACTIVATIONS[activation]})
        if dropout > 0:
            layers.append({"type": "Dropout", "p": dropout})
    layers.append({"type": "Linear", "in_features": sizes[-2], "out_features": sizes[-1]})
    return {"type": "sequential", "layers": layers}


def _layer_classes():
    from hackgrad import nn

    return {name: obj for name, obj in vars(nn).items()
            if isinstance(obj, type) and issubclass(obj, nn.Module) and obj is not nn.Module}


@register_model("mlp")
@register_model("linear")
@register_model("sequential")
def build(spec, rng):
    """The `nn.Sequential` an mlp/linear/sequential spec describes, drawing every weight from `rng`."""
    from hackgrad import nn

    full = expand_spec(spec)
    init = spec.get("init", "default")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of {', '.join(INITS)}")
    dtype = _DTYPES.get(spec.get("dtype", "float32"))
    if dtype is None:
        raise ValueError(f"model spec dtype must be 'float32' or 'float64', got {spec.get('dtype')!r}")
    classes = _layer_classes()
    linears = sum(layer["type"] == "Linear" for layer in full["layers"])
    layers = []
    for i, layer in enumerate(full["layers"]):
        kwargs = {k: v for k, v in layer.items() if k != "type"}
        cls = classes.get(layer["type"])
        if cls is None:
            raise ValueError(f"model spec: layers[{i}] has unknown type {layer['type']!r}; expected one of "
                             f"{', '.join(sorted(classes))}")
        params = inspect.signature(cls).parameters
        if "dtype" in params and dtype is not np.float32:
            kwargs.setdefault("dtype", dtype)
        if "rng" in params and "seed" not in kwargs and "rng" not in kwargs:
            if cls.__name__ == "Dropout":
                kwargs["seed"] = int(rng.integers(2**63))  # its own generator, whose state checkpoints save
            else:
                kwargs["rng"] = rng
        try:
            module = cls(**kwargs)
        except TypeError as err:
            raise ValueError(f"model spec: cannot build layers[{i}] {layer}: {err}") from err
        if init == "he_glorot" and isinstance(module, nn.Linear):
            head = sum(isinstance(m, nn.Linear) for m in layers) == linears - 1
            _he_glorot(module, "linear" if head else spec.get("activation", "relu"), rng)
        layers.append(module)
    return nn.Sequential(*layers)


def _he_glorot(linear, activation, rng):
    """He scaling before a ReLU, Glorot (with the unit's gain) otherwise; the bias at zero."""
    from hackgrad.nn import init

    if activation == "relu":
        init.kaiming_uniform_(linear.weight, nonlinearity="relu", rng=rng)
    elif activation == "linear":  # the head: plain Glorot
        init.xavier_uniform_(linear.weight, rng=rng)
    else:
        gain = init.calculate_gain(activation if activation != "identity" else "linear")
        init.xavier_uniform_(linear.weight, gain=gain, rng=rng)
    init.zeros_(linear.bias)
