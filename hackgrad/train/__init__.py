"""Training in practice: the loop (`fit`, `Trainer`), callbacks, metrics, checkpoints, diagnostics, plots.

Names load on first use, so `hackgrad train --help` (which imports `hackgrad.train.command`) stays fast.

    from hackgrad.train import fit, EarlyStopping, diagnose
    history = fit(model, F.cross_entropy, optim.Adam(model.parameters()), (X, y), epochs=10,
                  val_data=(Xv, yv), callbacks=[EarlyStopping(patience=3)], checkpoint_dir="runs/a")
    print(diagnose(model, F.cross_entropy, X, y))
"""

from hackgrad.util import lazy_exports

_LAZY = {
    "fit": "hackgrad.train.trainer",
    "Trainer": "hackgrad.train.trainer",
    "evaluate": "hackgrad.train.trainer",
    "predict": "hackgrad.train.trainer",
    "TrainingDivergedError": "hackgrad.train.trainer",
    "rng_states": "hackgrad.train.trainer",
    "set_rng_states": "hackgrad.train.trainer",
    "Callback": "hackgrad.train.callbacks",
    "History": "hackgrad.train.callbacks",
    "EarlyStopping": "hackgrad.train.callbacks",
    "LRScheduler": "hackgrad.train.callbacks",
    "ProgressBar": "hackgrad.train.callbacks",
    "LambdaCallback": "hackgrad.train.callbacks",
    "accuracy": "hackgrad.train.metrics",
    "mean_squared_error": "hackgrad.train.metrics",
    "mean_absolute_error": "hackgrad.train.metrics",
    "r2_score": "hackgrad.train.metrics",
    "confusion_matrix": "hackgrad.train.metrics",
    "Checkpoint": "hackgrad.train.checkpoint",
    "CheckpointError": "hackgrad.train.checkpoint",
    "save_checkpoint": "hackgrad.train.checkpoint",
    "load_checkpoint": "hackgrad.train.checkpoint",
    "build_model": "hackgrad.train.model_spec",
    "mlp_spec": "hackgrad.train.model_spec",
    "spec_of": "hackgrad.train.model_spec",
    "diagnose": "hackgrad.train.diagnostics",
    "DiagnosticReport": "hackgrad.train.diagnostics",
    "Check": "hackgrad.train.diagnostics",
    "lr_range_test": "hackgrad.train.diagnostics",
    "plot_history": "hackgrad.train.plots",
    "plot_decision_regions": "hackgrad.train.plots",
    "plot_confusion_matrix": "hackgrad.train.plots",
    "plot_activation_histograms": "hackgrad.train.plots",
    "plot_gradient_histograms": "hackgrad.train.plots",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
