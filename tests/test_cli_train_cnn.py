"""`hackgrad train --data mnist --model cnn|lenet5` on a small slice of MNIST: the run, its pictures, a
bit-identical resume with shifted digits, and the flags' errors. (The full run is in the README.)"""

import json

import numpy as np
import pytest

import hackgrad.data as D
from hackgrad.data.mnist import MNIST, Split
from hackgrad.train import command, load_checkpoint


@pytest.fixture
def small_mnist(monkeypatch):
    """MNIST cut to 600 / 200 / 300 digits, so a CNN epoch takes a second or two."""
    real = D.load_mnist()

    def load_mnist(cache_dir=None):
        return MNIST(
            Split(real.train.X[:600], real.train.y[:600]),
            Split(real.validation.X[:200], real.validation.y[:200]),
            Split(real.test.X[:300], real.test.y[:300]),
        )

    monkeypatch.setattr(D, "load_mnist", load_mnist)


def _main(*argv):
    return command.main([str(a) for a in argv])


def test_cnn_run_with_its_pictures(small_mnist, tmp_path, capsys):
    out = tmp_path / "cnn"
    assert _main("--data", "mnist", "--model", "cnn", "--epochs", 2, "--out", out) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "data mnist: 600 train, 200 validation, 300 test samples, 1 features, 10 classes"
    assert lines[1].startswith("model cnn conv16@5x5-conv32@5x5-128-10 (80,202 parameters)")
    accuracy = float(lines[-1].split()[2].rstrip("%"))
    assert lines[-1].startswith("test accuracy") and accuracy > 40  # two epochs of 600 digits, from 10%
    for name in ("filters.png", "feature_maps.png", "misclassified.png", "history.png", "confusion_matrix.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name
    ckpt = load_checkpoint(out)
    assert ckpt.model_spec == {"type": "cnn", "num_classes": 10}
    assert ckpt.config["settings"]["shift"] == 2 and ckpt.config["settings"]["epochs"] == 2
    assert json.loads((out / "results.json").read_text())["test_accuracy"] == pytest.approx(accuracy / 100, abs=1e-4)
    model = ckpt.build_model()
    assert model.num_parameters() == 80_202


def test_lenet5_resume_with_shifts_is_bit_identical(small_mnist, tmp_path, capsys):
    common = ("--data", "mnist", "--model", "lenet5", "--no-plots", "--quiet", "--batch-size", 200)
    assert _main(*common, "--epochs", 2, "--out", tmp_path / "straight") == 0
    assert _main(*common, "--epochs", 1, "--out", tmp_path / "split") == 0
    assert _main("--resume", tmp_path / "split", "--epochs", 2, "--quiet", "--no-plots") == 0
    a, b = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "split")
    assert a.epoch == b.epoch == 2
    for key in a.model_state:
        np.testing.assert_array_equal(a.model_state[key], b.model_state[key])
    # and the shifts matter: without them the weights differ
    assert _main(*common, "--epochs", 2, "--shift", 0, "--out", tmp_path / "still") == 0
    c = load_checkpoint(tmp_path / "still")
    assert not np.array_equal(a.model_state["0.weight"], c.model_state["0.weight"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--data", "moons", "--model", "cnn"], "--model cnn reads 28x28 digit images: use it with --data mnist"),
        (["--data", "digits", "--model", "lenet5"], "--model lenet5 reads 28x28 digit images"),
        (["--data", "iris", "--shift", "2"], "--shift moves 28x28 digit images: use it with --data mnist"),
        (["--data", "mnist", "--model", "cnn", "--shift", "-1"], "argument --shift: expected an integer >= 0"),
    ],
)
def test_flag_errors(argv, message, capsys):
    with pytest.raises(SystemExit):
        command.main(argv)
    assert message in capsys.readouterr().err
