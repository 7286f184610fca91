"""Metrics on NumPy arrays: how good a model's outputs are, as numbers a person reads (accuracy, MSE, R²).

A metric is `fn(y_true, output) -> float`, where `output` is what the model returned (class scores for
classification, predictions for regression). Scores become labels with `predict_labels`: the arg-max of
a row of class scores, or the sign of a single score (the guide's SVM: score > 0 means the positive class).
"""

import numpy as np

__all__ = [
    "accuracy",
    "mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "confusion_matrix",
    "predict_labels",
    "infer_task",
    "get_metric",
    "default_metrics",
    "METRICS",
]


def _arrays(y_true, output):
    y_true = np.asarray(getattr(y_true, "data", y_true))
    output = np.asarray(getattr(output, "data", output))
    if len(y_true) != len(output):
        raise ValueError(
            f"metrics: {len(y_true)} targets but {len(output)} outputs; expected one output per target"
        )
    return y_true, output


def predict_labels(output, y_true=None):
    """Class labels from scores: argmax over the last axis of (n, C) scores with C > 1; for one score per
    sample, score > 0 gives the positive class (1, and 0 or -1 for the other, as `y_true` uses)."""
    output = np.asarray(getattr(output, "data", output))
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(axis=1)
    scores = output.reshape(len(output))
    negative = -1 if y_true is not None and np.any(np.asarray(y_true) < 0) else 0
    return np.where(scores > 0, 1, negative)


def accuracy(y_true, output):
    """Fraction of samples whose predicted class equals the target (0..1)."""
    y_true, output = _arrays(y_true, output)
    if len(y_true) == 0:
        return float("nan")
    pred = predict_labels(output, y_true)
    return float(np.mean(pred == y_true.reshape(pred.shape)))


def _regression_pair(y_true, output):
    y_true, output = _arrays(y_true, output)
    if y_true.size != output.size:
        raise ValueError(
            f"regression metrics: targets of shape {y_true.shape} and outputs of shape {output.shape} "
            "differ in size; expected one prediction per target"
        )
    return y_true.astype(np.float64).ravel(), output.astype(np.float64).ravel()


def mean_squared_error(y_true, output):
    """mean((output - y)**2)"""
    y, p = _regression_pair(y_true, output)
    return float(np.mean((p - y) ** 2)) if len(y) else float("nan")


def mean_absolute_error(y_true, output):
    """mean(|output - y|)"""
    y, p = _regression_pair(y_true, output)
    return float(np.mean(np.abs(p - y))) if len(y) else float("nan")


def r2_score(y_true, output):
    """1 - SSE / SST: 1 is a perfect fit, 0 is no better than predicting the mean, below 0 is worse."""
    y, p = _regression_pair(y_true, output)
    sst = np.sum((y - y.mean()) ** 2) if len(y) else 0.0
    if (
        sst == 0
    ):  # constant targets: R² is undefined, as in scikit-learn's convention give 1 for a perfect fit
        return 1.0 if np.allclose(p, y) else 0.0
    return float(1.0 - np.sum((y - p) ** 2) / sst)


def confusion_matrix(y_true, y_pred, n_classes=None):
    """counts[i, j] = number of samples of class i predicted as class j (labels 0..n_classes-1)."""
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {len(y_true)} targets but {len(y_pred)} predictions")
    if len(y_true) and min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("confusion_matrix: labels must be integers >= 0 (map -1/+1 labels to 0/1 first)")
    n = n_classes if n_classes is not None else int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


METRICS = {
    "accuracy": accuracy,
    "mse": mean_squared_error,
    "mae": mean_absolute_error,
    "r2": r2_score,
}


def get_metric(metric):
    """(name, fn) for a metric name from METRICS or a callable `fn(y_true, output) -> float`."""
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if isinstance(metric, str) and metric in METRICS:
        return metric, METRICS[metric]
    raise ValueError(
        f"unknown metric {metric!r}; expected one of {', '.join(METRICS)} or a callable "
        "fn(y_true, output) -> float"
    )


def infer_task(y, output=None):
    """ "classification" for integer/boolean labels (or float 0/1, -1/+1 targets of one score per sample),
    else "regression"."""
    y = np.asarray(getattr(y, "data", y))
    if y.dtype.kind in "iub":
        return "classification"
    if output is not None:
        out = np.asarray(getattr(output, "data", output))
        one_score = out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1)
        if one_score and y.size and np.isin(y, (-1.0, 0.0, 1.0)).all():
            return "classification"
    return "regression"


def default_metrics(task):
    """The metrics a report shows for a task: accuracy for classification; MSE and R² for regression."""
    if task == "classification":
        return ["accuracy"]
    if task == "regression":
        return ["mse", "r2"]
    raise ValueError(f"unknown task {task!r}; expected 'classification' or 'regression'")
