"""Tests for hackgrad.train.plots: each plot writes a valid, non-trivial PNG atomically, and bad input is
refused with a clear message."""

import builtins
import os
import struct

import numpy as np
import pytest

from hackgrad import optim
from hackgrad.data import make_moons
from hackgrad.nn import functional as F
from hackgrad.train import (
    build_model,
    fit,
    mlp_spec,
    plot_activation_histograms,
    plot_confusion_matrix,
    plot_decision_regions,
    plot_gradient_histograms,
    plot_history,
    predict,
)
from hackgrad.train.metrics import predict_labels

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained():
    X, y = make_moons(200, noise=0.2, seed=0)
    model = build_model(mlp_spec(2, [16, 16], 2), seed=0)
    history = fit(
        model,
        F.cross_entropy,
        optim.Adam(model.parameters(), lr=1e-2),
        (X, y),
        epochs=3,
        val_data=(X, y),
        verbose=0,
    )
    return model, history, X, y


def _check_png(path, min_size=5000):
    data = open(path, "rb").read()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 200 and height >= 200
    assert len(data) > min_size  # a blank canvas compresses to far less
    assert data[-8:-4] == b"IEND"  # complete, not cut short
    return width, height


def test_every_plot_writes_a_valid_png(trained, tmp_path):
    model, history, X, y = trained
    paths = [
        plot_history(history, tmp_path / "history.png"),
        plot_decision_regions(model, X, y, tmp_path / "regions.png"),
        plot_confusion_matrix(y, predict_labels(predict(model, X)), tmp_path / "confusion.png"),
        plot_activation_histograms(model, X, tmp_path / "activations.png"),
        plot_gradient_histograms(model, F.cross_entropy, X, y, tmp_path / "gradients.png"),
    ]
    for path in paths:
        _check_png(path)
    assert sorted(os.listdir(tmp_path)) == [
        "activations.png",
        "confusion.png",
        "gradients.png",
        "history.png",
        "regions.png",
    ]  # no temporary files left over


def test_plots_leave_the_model_untouched(trained, tmp_path):
    model, _, X, y = trained
    before = {k: v.copy() for k, v in model.state_dict().items()}
    grads = [None if p.grad is None else p.grad.copy() for p in model.parameters()]
    plot_gradient_histograms(model, F.cross_entropy, X, y, tmp_path / "g.png")
    plot_activation_histograms(model, X, tmp_path / "a.png")
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    for p, g in zip(model.parameters(), grads):  # the last training step's gradients, unchanged
        np.testing.assert_array_equal(p.grad, g)
    assert all("forward" not in m.__dict__ for m in model.modules())


def test_bad_plot_input_is_refused(trained, tmp_path):
    model, history, X, y = trained
    with pytest.raises(ValueError, match=r"needs 2-D inputs of shape \(n, 2\), got \(200, 3\)"):
        plot_decision_regions(model, np.hstack([X, X[:, :1]]), y, tmp_path / "r.png")
    with pytest.raises(ValueError, match="ending in .png"):
        plot_history(history, tmp_path / "h.jpg")
    with pytest.raises(ValueError, match="no 'loss' entries"):
        plot_history({}, tmp_path / "h.png")


def test_missing_matplotlib_gives_a_clear_import_error(trained, tmp_path, monkeypatch):
    _, history, _, _ = trained
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_history(history, tmp_path / "h.png")
    assert not (tmp_path / "h.png").exists()


def test_decision_regions_paint_each_of_three_classes_in_its_own_colour(tmp_path):
    """Read the PNG back: inside each class's region, the pixel is that class's own tint."""
    from matplotlib.image import imread

    from hackgrad import nn
    from hackgrad.train.plots import REGION_TINT, _class_colours

    angles = np.radians([90.0, 210.0, 330.0])
    centres = 2 * np.column_stack([np.cos(angles), np.sin(angles)])  # (3, 2)
    linear = nn.Linear(2, 3, dtype=np.float64)
    linear.weight.data[...] = centres  # score_k = centre_k . x: class k owns the cone around its centre
    linear.bias.data[...] = 0.0
    X, y = centres, np.array([0, 1, 2])
    path = plot_decision_regions(nn.Sequential(linear), X, y, tmp_path / "regions.png", resolution=120)
    img = imread(path)[:, :, :3]  # (H, W, 3) in [0, 1]
    tints = 1 - REGION_TINT * (1 - np.array(_class_colours(3)))
    # the axes are where the pixels wear one of the three tints
    painted = np.zeros(img.shape[:2], dtype=bool)
    for t in tints:
        painted |= np.abs(img - t).max(axis=2) < 0.02
    rows, cols = np.nonzero(painted)
    r0, r1, c0, c1 = rows.min(), rows.max(), cols.min(), cols.max()
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    for k, centre in enumerate(centres):
        px, py = 0.5 * centre  # well inside region k, away from the drawn points
        col = round(c0 + (px - lo[0]) / (hi[0] - lo[0]) * (c1 - c0))
        row = round(r1 - (py - lo[1]) / (hi[1] - lo[1]) * (r1 - r0))
        got = img[row, col]
        assert np.abs(got - tints[k]).max() < 0.02, (k, got, tints)
        others = [j for j in range(3) if j != k]
        assert all(np.abs(got - tints[j]).max() > 0.1 for j in others)


def test_histograms_say_what_they_show_and_skip_nothing_to_show(tmp_path):
    from hackgrad.train.plots import _histograms, _parameter_title

    assert _parameter_title("2.weight", {"2": "Linear"}) == "layer 2: Linear weight"
    items = [("relu", np.array([0.0, 0.0, 1.0, 2.0])), ("empty", np.array([])), ("bad", np.array([np.nan]))]
    _check_png(_histograms(items, tmp_path / "h.png", "activations", "output value"))
    with pytest.raises(ValueError, match="nothing to plot"):
        _histograms([("empty", np.array([]))], tmp_path / "e.png", "activations", "output value")


def test_history_plot_shows_the_learning_rate(tmp_path):
    h = {"epoch": [1, 2, 3], "loss": [1.0, 0.5, 0.2], "lr": [0.1, 0.01, 0.001]}
    _check_png(plot_history(h, tmp_path / "h.png"), min_size=3000)
