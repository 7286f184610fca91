"""Models the project trains and shows, one readable file per model (nanoGPT style).

`MODELS` names them for the recipe (`hackgrad.train.model_spec`) and the `hackgrad summary` command:
name -> (module, function, the shape of one input sample).
"""

MODELS = {
    "lenet5": ("hackgrad.models.cnn", "lenet5", (1, 28, 28)),
    "cnn": ("hackgrad.models.cnn", "cnn", (1, 28, 28)),
    "alexnet": ("hackgrad.models.cnn", "alexnet", (3, 224, 224)),
    "vgg11": ("hackgrad.models.cnn", "vgg11", (3, 224, 224)),
}


def get_model(name):
    """The function that builds model `name` (called as fn(**hyperparameters, seed=...))."""
    import importlib

    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    module, function, _ = MODELS[name]
    return getattr(importlib.import_module(module), function)
