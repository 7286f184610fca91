"""`hackgrad train` on regression data (diabetes, plane): scaled targets, R2/MSE/MAE in the targets' units, the
predicted-vs-true plot; and `hackgrad doctor` on a finished run and on a set-up that diverges."""

import json

import numpy as np
import pytest

from hackgrad import cli
from hackgrad.train import command

pytest.importorskip("sklearn")


def test_diabetes_with_defaults_reaches_r2_040_and_reports_in_target_units(tmp_path, capsys):
    out = tmp_path / "diabetes"
    assert command.main(["--data", "diabetes", "--out", str(out), "--quiet"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("test R2 ") and " MSE " in last and " MAE " in last
    results = json.loads((out / "results.json").read_text())
    assert results["test_r2"] >= 0.40
    # in the targets' own units (disease progression, ~25..346): errors in the tens, not in standard deviations
    assert 20 < results["test_mae"] < 80 and results["test_mse"] > 500
    assert abs(float(last.split()[2].rstrip(",")) - results["test_r2"]) < 1e-4
    assert (out / "predicted_vs_true.png").stat().st_size > 1000


def test_regression_metrics_are_consistent_with_the_unscaled_predictions(tmp_path, capsys):
    out = tmp_path / "plane"
    assert command.main(["--data", "plane", "--out", str(out), "--quiet", "--no-plots", "--epochs", "5"]) == 0
    capsys.readouterr()
    from hackgrad import data as D
    from hackgrad.train import load_checkpoint
    from hackgrad.train.recipe import prepare_data

    prep = prepare_data(load_checkpoint(out).config["settings"])
    splits, task, mean, std = prep.splits, prep.task, prep.y_scaler.mean_, prep.y_scaler.scale_
    assert task == "regression"
    y_tr = splits["train"][1]
    # the training targets the net sees are standardised ...
    assert abs(float(y_tr.mean())) < 1e-5 and abs(float(y_tr.std()) - 1) < 1e-4
    # ... from the raw plane targets of the same split
    X, y = D.make_plane(1000, seed=0)
    assert np.isclose(mean[0], y.mean(), atol=0.1) and np.isclose(std[0], y.std(), rtol=0.2)
    results = json.loads((out / "results.json").read_text())
    assert results["test_mse"] >= 0 and results["test_mae"] ** 2 <= results["test_mse"] + 1e-12


def test_doctor_reads_a_run_and_writes_its_report(tmp_path, capsys):
    out = tmp_path / "moons"
    assert command.main(["--data", "moons", "--epochs", "3", "--out", str(out), "--quiet", "--no-plots"]) == 0
    capsys.readouterr()
    rc = cli.main(["doctor", str(out), "--checks", "initial_loss,activations,nonfinite"])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "doctor: trained mlp on moons" in text and "initial loss" in text and "NaN/Inf" in text
    report = json.loads((out / "doctor.json").read_text())
    assert set(report) == {"initial loss", "activations", "NaN/Inf"}
    assert report["initial loss"]["status"] == "ok" and report["NaN/Inf"]["status"] == "ok"
    assert all(v["status"] != "fail" for v in report.values())


def test_doctor_on_a_set_up_that_diverges_names_the_learning_rate(capsys):
    rc = cli.main(["doctor", "--data", "moons", "--optimizer", "sgd", "--lr", "30", "--checks", "nonfinite,gradients"])
    text = capsys.readouterr().out
    assert rc == 1
    assert "doctor: fresh mlp on moons" in text
    assert "[FAIL] NaN/Inf" in text and "lower the learning rate" in text
    assert "[FAIL] gradients and updates" in text


def test_doctor_bad_input(tmp_path, capsys):
    assert cli.main(["doctor", str(tmp_path / "missing")]) == 2
    assert "checkpoint not found" in capsys.readouterr().err
    assert cli.main(["doctor", str(tmp_path), "--data", "moons"]) == 2
    assert "not both" in capsys.readouterr().err
    assert cli.main(["doctor", "--data", "moons", "--checks", "overfit,bogus"]) == 2
    assert "bogus" in capsys.readouterr().err
