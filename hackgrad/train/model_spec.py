"""Models described by JSON-able configs, so a checkpoint can rebuild the model it holds weights for.

A spec is a dict. The general form is a `Sequential` of `hackgrad.nn` layers by class name and keyword
arguments::

    {"type": "sequential", "layers": [{"type": "Linear", "in_features": 784, "out_features": 256},
                                      {"type": "ReLU"}, ...]}

and shorthands expand to it: `mlp_spec(784, [256, 128], 10)` gives
`{"type": "mlp", "sizes": [784, 256, 128, 10], "activation": "relu", "dropout": 0.0, "batchnorm": False}`;
`{"type": "linear", "in_features": 4, "out_features": 3}` is one Linear layer (softmax regression or,
with a hinge loss, the guide's SVM). A model from `hackgrad.models` is named with its keyword arguments:
`{"type": "cnn", "num_classes": 10}` (see `NAMED_MODELS`). `build_model(spec, seed=...)` builds it and
remembers the spec (`spec_of(model)`), which `fit` stores in its checkpoints.
"""

import copy
import inspect
import json

import numpy as np

from hackgrad.models import MODELS, get_model

__all__ = ["build_model", "mlp_spec", "spec_of", "expand_spec", "ACTIVATIONS", "NAMED_MODELS"]

# activation name -> nn class name
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU"}

# spec types that name a model of hackgrad/models, built as fn(**kwargs, seed=seed)
NAMED_MODELS = tuple(MODELS)


def mlp_spec(in_features, hidden, out_features, *, activation="relu", dropout=0.0, batchnorm=False):
    """Spec of an MLP: Linear -> [BatchNorm1d] -> activation -> [Dropout] per hidden layer, then Linear."""
    hidden = [int(h) for h in hidden]
    return {
        "type": "mlp",
        "sizes": [int(in_features), *hidden, int(out_features)],
        "activation": activation,
        "dropout": float(dropout),
        "batchnorm": bool(batchnorm),
    }


def expand_spec(spec):
    """The general `{"type": "sequential", "layers": [...]}` form of any spec (checked)."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise ValueError(f"model spec must be a dict with a 'type' key, got {spec!r}")
    kind = spec["type"]
    if kind == "sequential":
        layers = spec.get("layers")
        if not isinstance(layers, list) or not layers:
            raise ValueError("model spec of type 'sequential' needs a non-empty 'layers' list")
        for i, layer in enumerate(layers):
            if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
                raise ValueError(
                    f"model spec: layers[{i}] must be a dict with a 'type' (an nn class name), got {layer!r}"
                )
        return {"type": "sequential", "layers": copy.deepcopy(layers)}
    if kind == "linear":
        return {
            "type": "sequential",
            "layers": [
                {
                    "type": "Linear",
                    "in_features": int(spec["in_features"]),
                    "out_features": int(spec["out_features"]),
                }
            ],
        }
    if kind == "mlp":
        sizes = [int(n) for n in spec.get("sizes", ())]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"model spec 'mlp' needs sizes [in, hidden..., out] of positive ints, got {sizes}"
            )
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
    if kind in NAMED_MODELS:
        raise ValueError(f"model spec {kind!r} names a model in hackgrad.models; it has no layer list")
    raise ValueError(
        f"unknown model spec type {kind!r}; expected 'mlp', 'linear', 'sequential' or one of "
        f"{', '.join(NAMED_MODELS)}"
    )


def _layer_classes():
    from hackgrad import nn

    return {
        name: obj
        for name, obj in vars(nn).items()
        if isinstance(obj, type) and issubclass(obj, nn.Module) and obj is not nn.Module
    }


def build_model(spec, *, seed=0):
    """Build the model a spec describes; weights drawn from `seed` (one generator, layer by layer)."""
    from hackgrad import nn

    json.dumps(spec)  # a spec must survive a checkpoint: fail now, not at the first save
    if isinstance(spec, dict) and spec.get("type") in NAMED_MODELS:
        model = _named_model(spec, seed)
        object.__setattr__(model, "_spec", copy.deepcopy(spec))
        return model
    full = expand_spec(spec)
    classes = _layer_classes()
    rng = np.random.default_rng(seed)
    layers = []
    for i, layer in enumerate(full["layers"]):
        kwargs = {k: v for k, v in layer.items() if k != "type"}
        cls = classes.get(layer["type"])
        if cls is None:
            raise ValueError(
                f"model spec: layers[{i}] has unknown type {layer['type']!r}; expected one of "
                f"{', '.join(sorted(classes))}"
            )
        draws = "rng" in inspect.signature(cls).parameters
        if draws and "seed" not in kwargs and "rng" not in kwargs:
            if cls.__name__ == "Dropout":
                kwargs["seed"] = int(rng.integers(2**63))  # its own generator, whose state checkpoints save
            else:
                kwargs["rng"] = rng
        try:
            layers.append(cls(**kwargs))
        except TypeError as err:
            raise ValueError(f"model spec: cannot build layers[{i}] {layer}: {err}") from err
    model = nn.Sequential(*layers)
    object.__setattr__(model, "_spec", copy.deepcopy(spec))
    return model


def _named_model(spec, seed):
    fn = get_model(spec["type"])
    kwargs = {k: v for k, v in spec.items() if k != "type"}
    try:
        return fn(**kwargs, seed=seed)
    except TypeError as err:
        raise ValueError(f"model spec {spec}: {err}") from err


def spec_of(model):
    """The spec `build_model` built this model from, or None for a model built by hand."""
    spec = getattr(model, "_spec", None)
    return copy.deepcopy(spec) if spec is not None else None
