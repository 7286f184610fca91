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
