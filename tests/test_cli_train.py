"""Tests for `hackgrad train` (hackgrad.train.command): end-to-end runs on small data, the files a run leaves,
flag errors, resuming (also after SIGKILL), CSV input, and a light import."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hackgrad.train import command, load_checkpoint

REPO = Path(__file__).resolve().parents[1]


def _main(*argv):
    return command.main([str(a) for a in argv])


def _env():
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )


def test_train_moons_end_to_end_with_plots(tmp_path, capsys):
    out = tmp_path / "moons"
    assert _main("--data", "moons", "--epochs", 2, "--out", out) == 0
    text = capsys.readouterr().out
    lines = text.strip().splitlines()
    assert lines[0].startswith(
        "data moons: 640 train, 160 validation, 200 test samples, 2 features, 2 classes"
    )
    assert "model mlp 2-64-64-2" in lines[1] and "optimizer adam" in lines[1]
    assert [ln[:9] for ln in lines if ln.startswith("epoch ")] == ["epoch 1/2", "epoch 2/2"]
    final = lines[-1]  # the run ends with its result
    assert final.startswith("test accuracy ") and lines[-2].startswith(f"wrote {out / 'checkpoint.npz'}")
    assert float(final.split()[2].rstrip("%")) > 80
    for name in (
        "checkpoint.npz",
        "results.json",
        "history.png",
        "confusion_matrix.png",
        "decision_regions.png",
        "activations.png",
        "gradients.png",
    ):
        assert (out / name).stat().st_size > (100 if name.endswith(".json") else 1000), name
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = json.loads((out / "results.json").read_text())
    assert results["epochs"] == 2 and 0.8 < results["test_accuracy"] <= 1
    ckpt = load_checkpoint(out)
    assert (
        ckpt.epoch == 2
        and ckpt.config["settings"]["data"] == "moons"
        and ckpt.config["task"] == "classification"
    )
    model = ckpt.build_model()  # the checkpoint alone rebuilds the trained model
    assert model[0].weight.shape == (64, 2)


def test_digits_one_epoch(tmp_path, capsys):
    assert _main("--data", "digits", "--epochs", 1, "--out", tmp_path, "--no-plots", "--quiet") == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("test accuracy ")  # --quiet: only the result
    assert float(out[0].split()[2].rstrip("%")) > 85
    assert not list(tmp_path.glob("*.png"))


def test_bad_flags_list_the_valid_choices(capsys):
    for argv, expected in [
        (["--data", "cifar"], "argument --data: invalid choice: 'cifar' (choose from 'mnist', 'digits'"),
        (
            ["--data", "moons", "--optimizer", "adamx"],
            "invalid choice: 'adamx' (choose from 'sgd', 'momentum'",
        ),
        (["--data", "moons", "--schedule", "linear"], "(choose from 'none', 'step', 'cosine', 'exponential'"),
        (["--data", "moons", "--hidden", "64,x"], "argument --hidden: expected comma-separated layer sizes"),
        (["--data", "moons", "--epochs", "-1"], "argument --epochs: expected an integer >= 0, got -1"),
        (["--data", "moons", "--csv", "a.csv"], "argument --csv: not allowed with argument --data"),
        (["--epochs", "3"], "say what to train on: --data {mnist,digits"),
        (["--data", "moons", "--target", "y"], "--target goes with --csv"),
    ]:
        with pytest.raises(SystemExit) as info:
            _main(*argv)
        assert info.value.code == 2
        assert expected in capsys.readouterr().err, argv


def test_wrong_loss_for_the_task_is_an_error(tmp_path, capsys):
    assert _main("--data", "moons", "--loss", "mse", "--epochs", 1, "--out", tmp_path, "--no-plots") == 1
    assert "--loss mse does not fit a classification task" in capsys.readouterr().err


def test_resume_continues_and_matches_a_straight_run(tmp_path, capsys):
    flags = ["--data", "moons", "--schedule", "exponential", "--dropout", "0.1", "--no-plots", "--quiet"]
    _main(*flags, "--epochs", 3, "--out", tmp_path / "straight")
    _main(*flags, "--epochs", 1, "--out", tmp_path / "run")
    assert load_checkpoint(tmp_path / "run").epoch == 1
    assert _main("--resume", tmp_path / "run", "--epochs", 3, "--quiet", "--no-plots") == 0
    a, b = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "run")
    assert b.epoch == 3 and b.history["epoch"] == [1, 2, 3]
    for k in a.model_state:  # per-epoch schedules do not depend on the horizon: bit-for-bit the same run
        np.testing.assert_array_equal(a.model_state[k], b.model_state[k], err_msg=k)
    capsys.readouterr()


def test_resume_stretches_a_cosine_schedule_and_refuses_changed_settings(tmp_path, capsys):
    run = tmp_path / "cos"
    _main("--data", "moons", "--epochs", 2, "--out", run, "--no-plots", "--quiet")
    first = load_checkpoint(run)
    assert first.history["lr"][1] < first.history["lr"][0]
    assert _main("--resume", run, "--epochs", 4, "--no-plots") == 0
    text = capsys.readouterr().out
    assert f"resumed {run / 'checkpoint.npz'} after epoch 2; training to epoch 4" in text
    lrs = load_checkpoint(run).history["lr"]
    assert lrs[:2] == first.history["lr"] and lrs[2] > 0.1 * lrs[0]  # the cosine now ends at epoch 4, not 2
    with pytest.raises(SystemExit) as info:
        _main("--resume", run, "--epochs", 5, "--lr", 0.5, "--optimizer", "sgd")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "cannot change these settings when resuming" in err and "--lr 0.5 (the run used 0.003)" in err
    assert "--optimizer sgd (the run used adam)" in err


def test_csv_classification_and_regression(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    rows = ["a,b,c,label"] + [f"{x[0]:.5f},{x[1]:.5f},{x[2]:.5f},{lab}" for x, lab in zip(X, labels)]
    (tmp_path / "cls.csv").write_text("\n".join(rows) + "\n")
    assert (
        _main(
            "--csv",
            tmp_path / "cls.csv",
            "--target",
            "label",
            "--epochs",
            5,
            "--out",
            tmp_path / "c",
            "--no-plots",
            "--quiet",
        )
        == 0
    )
    assert float(capsys.readouterr().out.split()[2].rstrip("%")) > 85
    target = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    rows = ["a,b,c,t"] + [f"{x[0]:.5f},{x[1]:.5f},{x[2]:.5f},{t:.5f}" for x, t in zip(X, target)]
    (tmp_path / "reg.csv").write_text("\n".join(rows) + "\n")
    assert (
        _main(
            "--csv",
            tmp_path / "reg.csv",
            "--target",
            "t",
            "--model",
            "linear",
            "--lr",
            0.05,
            "--epochs",
            20,
            "--out",
            tmp_path / "r",
            "--quiet",
        )
        == 0
    )
    line = capsys.readouterr().out.strip()
    assert line.startswith("test R2 ") and float(line.split()[2].rstrip(",")) > 0.95
    assert (tmp_path / "r" / "predicted_vs_true.png").exists()
    assert (tmp_path / "r" / "history.png").exists()


def test_svm_model_uses_the_multiclass_hinge_loss(tmp_path, capsys):
    assert (
        _main(
            "--data",
            "iris",
            "--model",
            "svm",
            "--epochs",
            20,
            "--batch-size",
            16,
            "--out",
            tmp_path,
            "--no-plots",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "model svm 4-3" in out and "loss multiclass_svm" in out and "lr 0.03" in out
    assert float(out.split("test accuracy ")[1].split("%")[0]) > 80


def test_command_module_imports_light():
    code = "import sys, hackgrad.train.command; print('numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_through_the_hackgrad_command(tmp_path, capsys):
    from hackgrad import cli

    assert cli.main(["train", "--data", "xor", "--epochs", "1", "--out", str(tmp_path), "--no-plots"]) == 0
    assert "after 1 epoch," in capsys.readouterr().out
    assert load_checkpoint(tmp_path).epoch == 1
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--data", "xor", "--activation", "gelu"])
    assert info.value.code == 2
    assert (
        "invalid choice: 'gelu' (choose from 'relu', 'tanh', 'sigmoid', 'leaky_relu')"
        in capsys.readouterr().err
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")
def test_hackgrad_train_killed_and_resumed_equals_an_uninterrupted_run(tmp_path):
    base = [
        sys.executable,
        "-m",
        "hackgrad.train.command",
        "--data",
        "moons",
        "--n-samples",
        "3000",
        "--batch-size",
        "16",
        "--epochs",
        "6",
        "--dropout",
        "0.2",
        "--no-plots",
        "--quiet",
    ]
    subprocess.run(
        base + ["--out", str(tmp_path / "straight")], env=_env(), check=True, capture_output=True, timeout=300
    )
    run = tmp_path / "killed"
    proc = subprocess.Popen(
        base + ["--out", str(run)], env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not (run / "checkpoint.npz").exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert 1 <= load_checkpoint(run).epoch < 6
    subprocess.run(
        [sys.executable, "-m", "hackgrad.train.command", "--resume", str(run), "--quiet", "--no-plots"],
        env=_env(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    a, b = load_checkpoint(tmp_path / "straight"), load_checkpoint(run)
    assert b.epoch == 6 and a.step == b.step
    for k in a.model_state:
        np.testing.assert_array_equal(a.model_state[k], b.model_state[k], err_msg=k)
    assert (
        json.loads((run / "results.json").read_text())["test_accuracy"]
        == json.loads((tmp_path / "straight" / "results.json").read_text())["test_accuracy"]
    )
