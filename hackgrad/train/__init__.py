"""Training in practice: the loop (`fit`, `Trainer`), callbacks, metrics, checkpoints, diagnostics, plots.

Names load on first use, so `hackgrad train --help` (which imports `hackgrad.train.command`) stays fast.

    from hackgrad.train import fit, EarlyStopping, diagnose
    history = fit(model, F.cross_entropy, optim.Adam(model.parameters()), (X, y), epochs=10,
                  val_data=(Xv, yv), callbacks=[EarlyStopping(patience=3)], checkpoint_dir="runs/a")
    print(diagnose(model, F.cross_entropy, X, y))
"""

import importlib

_LAZY = {
    "fit": "trainer",
    "Trainer": "trainer",
    "evaluate": "trainer",
    "predict": "trainer",
    "TrainingDivergedError": "trainer",
    "rng_states": "trainer",
    "set_rng_states": "trainer",
    "Callback": "callbacks",
    "History": "callbacks",
    "EarlyStopping": "callbacks",
    "LRScheduler": "callbacks",
    "ProgressBar": "callbacks",
    "LambdaCallback": "callbacks",
    "accuracy": "metrics",
    "mean_squared_error": "metrics",
    "mean_absolute_error": "metrics",
    "r2_score": "metrics",
    "confusion_matrix": "metrics",
    "Checkpoint": "checkpoint",
    "CheckpointError": "checkpoint",
    "save_checkpoint": "checkpoint",
    "load_checkpoint": "checkpoint",
    "build_model": "model_spec",
    "mlp_spec": "model_spec",
    "spec_of": "model_spec",
    "diagnose": "diagnostics",
    "DiagnosticReport": "diagnostics",
    "Check": "diagnostics",
    "lr_range_test": "diagnostics",
    "plot_history": "plots",
    "plot_decision_regions": "plots",
    "plot_confusion_matrix": "plots",
    "plot_activation_histograms": "plots",
    "plot_gradient_histograms": "plots",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"hackgrad.train.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hackgrad.train' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
