"""The models hackgrad trains, one readable file each, built from JSON-able specs.

A spec is a dict with a `type`; `build_model(spec, seed=...)` builds it and remembers the spec
(`spec_of(model)`), so a checkpoint can rebuild the model it holds weights for. Each model file registers the
spec types it builds with `@register_model("type")`; a type not yet registered is looked up as the module
`hackgrad.models.<type>` (so `{"type": "cnn"}` loads `hackgrad/models/cnn.py`) or in `_HOMES`.

    mlp.py   the MLP family: {"type": "mlp"}, {"type": "linear"} (softmax regression, the guide's SVM) and the
             general {"type": "sequential", "layers": [...]} of nn layers by class name
    word2vec.py, tsne.py   embeddings trained as circuits (chapter 4); estimators, not specs
"""

import copy
import importlib
import json

from hackgrad.util import make_rng

__all__ = ["build_model", "spec_of", "register_model", "MODELS"]

MODELS = {}  # spec type -> build(spec, rng) -> Module
_HOMES = {  # types in another type's file
    "linear": "hackgrad.models.mlp",
    "sequential": "hackgrad.models.mlp",
    "lenet5": "hackgrad.models.cnn",
    "alexnet": "hackgrad.models.cnn",
    "vgg11": "hackgrad.models.cnn",
}


def register_model(kind):
    """Decorator: `build(spec, rng) -> Module` builds specs of type `kind`."""

    def add(build):
        MODELS[kind] = build
        return build

    return add


def build_model(spec, *, seed=0, rng=None):
    """Build the model a spec describes; its weights are drawn from `seed` (or the Generator `rng`)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ValueError(f"model spec must be a dict with a 'type' key, got {spec!r}")
    json.dumps(spec)  # a spec must survive a checkpoint: fail now, not at the first save
    kind = spec["type"]
    if kind not in MODELS:
        home = _HOMES.get(kind, f"hackgrad.models.{kind}")
        try:
            importlib.import_module(home)
        except ModuleNotFoundError as err:
            if err.name != home:
                raise
        if kind not in MODELS:
            known = sorted(set(MODELS) | set(_HOMES) | {"mlp"})
            raise ValueError(f"unknown model spec type {kind!r}; expected one of {', '.join(known)}")
    model = MODELS[kind](spec, make_rng(seed=None if rng is not None else seed, rng=rng))
    object.__setattr__(model, "_spec", copy.deepcopy(spec))
    return model


def spec_of(model):
    """The spec `build_model` built this model from, or None for a model built by hand."""
    spec = getattr(model, "_spec", None)
    return copy.deepcopy(spec) if spec is not None else None
