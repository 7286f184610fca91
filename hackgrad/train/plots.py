"""Pictures of a run, saved as PNG files: learning curves, 2-D decision regions, a confusion matrix, and
histograms of each layer's activations and gradients.

matplotlib is optional and imported only here, inside the functions. Figures are drawn with the Agg
(file-only) renderer on `matplotlib.figure.Figure` objects, never through pyplot, so plotting neither
needs a display nor changes the backend of a notebook or GUI that imported matplotlib. Every file is
written atomically (temporary file, fsync, rename).
"""

import copy
import math
from pathlib import Path

import numpy as np

from hackgrad.io import atomic_write

__all__ = [
    "plot_history",
    "plot_decision_regions",
    "plot_confusion_matrix",
    "plot_predicted_vs_true",
    "plot_activation_histograms",
    "plot_gradient_histograms",
]


def _figure(n_plots=1, *, width=5.0, height=4.0, cols=None, top=0.5):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "plotting needs matplotlib, which is not installed: pip install matplotlib "
            "(or pip install 'hackgrad[plot]')"
        ) from err
    cols = cols or min(n_plots, 3)
    rows = math.ceil(n_plots / cols)
    # fixed margins (in inches: `top` for titles, 0.6 for x labels) rather than constrained layout, which
    # measures every label and draws twice
    fig = Figure(figsize=(width * cols, height * rows))
    fig.subplots_adjust(
        left=0.8 / (width * cols),
        right=0.97,
        bottom=0.6 / (height * rows),
        top=1 - top / (height * rows),
        wspace=0.35,
        hspace=0.75,
    )
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n_plots)]
    return fig, axes


def _save(fig, path):
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plots are saved as PNG: give a path ending in .png, got {path}")
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)
    return path


def plot_history(history, path, *, title=None):
    """Loss (train and validation) and each other metric per epoch, one panel each."""
    h = history.to_dict() if hasattr(history, "to_dict") else dict(history)
    if not h.get("loss"):
        raise ValueError("plot_history: the history has no 'loss' entries (has training run?)")
    epochs = h.get("epoch") or list(range(1, len(h["loss"]) + 1))
    skip = {"epoch", "lr", "time"}
    names = [k for k in h if k not in skip and not k.startswith("val_")]
    names += [k[4:] for k in h if k.startswith("val_") and k[4:] not in names]
    fig, axes = _figure(len(names))
    from matplotlib.ticker import MaxNLocator  # matplotlib is importable: _figure checked

    for ax, name in zip(axes, names):
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "validation", "-s")):
            if key in h:
                ax.plot(epochs, h[key], style, label=label, markersize=3)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_decision_regions(model, X, y, path, *, resolution=200, padding=0.5, title=None):
    """The class the model predicts over the plane of 2-D inputs, with the samples drawn on top."""
    from hackgrad.train.metrics import predict_labels
    from hackgrad.train.trainer import predict

    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_regions: needs 2-D inputs of shape (n, 2), got {X.shape}")
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])  # (resolution**2, 2)
    regions = predict_labels(predict(model, grid), y).reshape(gx.shape)
    fig, (ax,) = _figure(1, width=5.5, height=5)
    ax.contourf(gx, gy, regions, alpha=0.3, cmap="tab10", vmin=0, vmax=9)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=np.where(y < 0, 0, y),
        cmap="tab10",
        vmin=0,
        vmax=9,
        s=12,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title(title or "decision regions")
    return _save(fig, path)


def plot_confusion_matrix(y_true, y_pred, path, *, class_names=None, normalize=False, title=None):
    """Counts (or, with `normalize`, per-true-class fractions) of each true class predicted as each class."""
    from hackgrad.train.metrics import confusion_matrix

    n = len(class_names) if class_names is not None else None
    counts = confusion_matrix(y_true, y_pred, n_classes=n)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    k = len(counts)
    size = max(4.0, 0.45 * k + 2)
    fig, (ax,) = _figure(1, width=size + 1, height=size)
    im = ax.imshow(shown, cmap="Blues")
    fig.colorbar(im, ax=ax)
    names = class_names if class_names is not None else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45 if k > 10 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 20:
        top = shown.max() if shown.size else 0
        for i in range(k):
            for j in range(k):
                text = f"{shown[i, j]:.2f}" if normalize else str(counts[i, j])
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if shown[i, j] > 0.6 * top else "black",
                )
    ax.set_title(title or "confusion matrix")
    return _save(fig, path)


def plot_predicted_vs_true(y_true, y_pred, path, *, title=None):
    """A regression's predictions against the truth: a perfect model puts every point on the diagonal."""
    from hackgrad.train.metrics import r2_score

    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    fig, (ax,) = _figure(1, width=5.0, height=5.0)
    ax.scatter(y_true[:, 0], y_pred[:, 0], s=12, alpha=0.7, color="#2c7fb8", edgecolors="none")
    lo = float(min(y_true[:, 0].min(), y_pred[:, 0].min()))
    hi = float(max(y_true[:, 0].max(), y_pred[:, 0].max()))
    ax.plot([lo, hi], [lo, hi], color="#888888", linewidth=1, linestyle="--", label="perfect")
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(title or f"predicted vs true (test R2 {r2_score(y_true[:, 0], y_pred[:, 0]):.3f})")
    return _save(fig, path)


def _layer_outputs(model, X):
    from hackgrad.autograd import no_grad
    from hackgrad.train.diagnostics import _inputs, _Watch

    model = copy.deepcopy(model).eval()
    with no_grad(), _Watch(model) as watch:
        model(_inputs(X, model))
    return [(name, outs[0]) for name, outs in watch.outputs.items()]


def _histograms(items, path, title, xlabel):
    if not items:
        raise ValueError(f"{title}: nothing to plot")
    fig, axes = _figure(len(items), width=4, height=3, cols=min(len(items), 4), top=0.9)
    for ax, (name, values) in zip(axes, items):
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        counts, edges = np.histogram(values, bins=50) if len(values) else (np.zeros(1), np.arange(2.0))
        ax.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.8)  # one artist, not 50 bars
        ax.set_title(
            f"{name}\nmean {values.mean():.3g}  std {values.std():.3g}" if len(values) else name, fontsize=9
        )
        ax.set_xlabel(xlabel)
    fig.suptitle(title)
    return _save(fig, path)


def plot_activation_histograms(model, X, path, *, n_samples=512, seed=0):
    """One histogram per layer of its outputs on a batch of X (dead ReLUs pile up at 0, saturated tanh
    at ±1)."""
    X = np.asarray(X)
    X = X[np.random.default_rng(seed).permutation(len(X))[:n_samples]]
    names = {n: type(m).__name__ for n, m in model.named_modules()}
    items = [(f"{name} ({names.get(name, '?')})", a) for name, a in _layer_outputs(model, X)]
    return _histograms(items, path, "activations per layer", "output value")


def plot_gradient_histograms(model, loss_fn, X, y, path, *, n_samples=512, seed=0):
    """One histogram per parameter of its gradient on a batch (on a copy: the model's grads are untouched)."""
    from hackgrad.train.step import train_step

    X, y = np.asarray(X), np.asarray(y)
    idx = np.random.default_rng(seed).permutation(len(X))[:n_samples]
    model = copy.deepcopy(model).train()
    train_step(model, loss_fn, None, X[idx], y[idx], check_finite=False)  # no optimizer: gradients only
    items = [(name, p.grad) for name, p in model.named_parameters() if p.grad is not None]
    return _histograms(items, path, "gradients per parameter", "gradient")
