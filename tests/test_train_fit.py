"""Tests for hackgrad.train's loop: fit/Trainer, History, callbacks, schedules, metrics, divergence errors,
progress output, and exact resumption from a checkpoint (in process; the SIGKILL test is in
test_checkpoint_kill.py)."""

import io
import math

import numpy as np
import pytest

import hackgrad
from hackgrad import nn, optim
from hackgrad.autograd import is_grad_enabled
from hackgrad.data import DataLoader, make_moons, make_plane
from hackgrad.nn import functional as F
from hackgrad.train import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    LRScheduler,
    ProgressBar,
    Trainer,
    TrainingDivergedError,
    build_model,
    evaluate,
    fit,
    load_checkpoint,
    mlp_spec,
    predict,
)
from hackgrad.train import metrics as M


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(240, noise=0.15, seed=0)
    return (X[:180], y[:180]), (X[180:], y[180:])


def _model(seed=0, **kwargs):
    return build_model(mlp_spec(2, [16, 16], 2, **kwargs), seed=seed)


# --- metrics ------------------------------------------------------------------------------------------
def test_metrics_values():
    y = np.array([0, 1, 2, 1])
    scores = np.array([[2, 0, 0], [0, 1, 0], [0, 3, 1], [0, 2, 1.0]])
    assert M.accuracy(y, scores) == 0.75
    # one score per sample: the sign decides, with -1/+1 or 0/1 labels
    assert M.accuracy(np.array([-1, 1, 1]), np.array([-0.5, 2.0, -1.0])) == pytest.approx(2 / 3)
    assert M.accuracy(np.array([0, 1]), np.array([[-0.5], [0.1]])) == 1.0
    t, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
    assert M.mean_squared_error(t, p) == pytest.approx((0.25 + 1) / 3)
    assert M.mean_absolute_error(t, p) == pytest.approx(0.5)
    assert M.r2_score(t, p) == pytest.approx(1 - 1.25 / 2.0)
    assert M.r2_score(t, t) == 1.0
    cm = M.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2])
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        M.get_metric("f1")
    with pytest.raises(ValueError, match="3 targets but 2 outputs"):
        M.accuracy([0, 1, 1], [[1, 0], [0, 1]])


def test_infer_task():
    assert M.infer_task(np.array([0, 1, 2])) == "classification"
    assert M.infer_task(np.array([0.5, 1.2])) == "regression"
    assert M.infer_task(np.array([0.0, 1.0]), np.zeros((2, 1))) == "classification"  # logistic targets


# --- the loop -----------------------------------------------------------------------------------------
def test_fit_learns_and_records_history(moons):
    train, val = moons
    model = _model()
    history = fit(
        model,
        F.cross_entropy,
        optim.Adam(model.parameters(), lr=1e-2),
        train,
        epochs=8,
        batch_size=32,
        val_data=val,
        verbose=0,
    )
    assert isinstance(history, History) and len(history) == 8
    assert history.keys() == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"]
    assert history["epoch"] == list(range(1, 9))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert history.best("val_loss")["val_loss"] == min(history["val_loss"])
    # the recorded validation metrics are exactly what evaluate() reports for the final weights
    final = evaluate(model, F.cross_entropy, val)
    assert final["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-6)
    assert final["accuracy"] == history["val_accuracy"][-1]
    with pytest.raises(KeyError, match="History has no 'f1'"):
        history["f1"]


def test_regression_metrics_are_mse_and_r2():
    X, y = make_plane(300, 3, noise=0.05, seed=0)
    y = y.reshape(-1, 1)
    model = nn.Sequential(nn.Linear(X.shape[1], 1, seed=0))
    h = fit(
        model,
        F.mse_loss,
        optim.Adam(model.parameters(), lr=0.05),
        (X, y),
        epochs=30,
        batch_size=32,
        val_data=(X, y),
        verbose=0,
    )
    assert {"mse", "r2", "val_mse", "val_r2"} <= set(h.keys())
    assert h["val_r2"][-1] > 0.95
    assert h["val_mse"][-1] == pytest.approx(h["val_loss"][-1], rel=1e-5)


class _Probe(nn.Module):
    """Identity layer recording the mode and gradient switch it ran under."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, is_grad_enabled()))
        return x


def test_train_and_eval_modes_and_no_grad_in_evaluation(moons):
    train, val = moons
    probe = _Probe()
    model = nn.Sequential(nn.Linear(2, 8, seed=0), probe, nn.ReLU(), nn.Linear(8, 2, seed=1))
    trainer = Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), verbose=0)
    trainer.fit(train, epochs=1, batch_size=60, val_data=val)
    # 3 training batches in train mode with grad, then 1 validation batch in eval mode without
    assert probe.calls == [(True, True)] * 3 + [(False, False)]
    assert model.training  # training mode is back after evaluation


def test_callbacks_are_called_in_order(moons):
    train, _ = moons
    events = []

    class Recorder(Callback):
        def on_train_begin(self, trainer):
            events.append("begin")

        def on_epoch_begin(self, trainer, epoch):
            events.append(f"e{epoch}")

        def on_batch_end(self, trainer, step, logs):
            events.append(f"s{step}")

        def on_epoch_end(self, trainer, epoch, logs):
            events.append(f"end{epoch}:{logs['epoch']}")

        def on_train_end(self, trainer):
            events.append("done")

    model = _model()
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        train,
        epochs=2,
        batch_size=90,
        callbacks=[Recorder()],
        verbose=0,
    )
    assert events == ["begin", "e0", "s1", "s2", "end0:1", "e1", "s3", "s4", "end1:2", "done"]


def test_early_stopping_stops_and_restores_best(moons):
    train, val = moons
    model = _model()
    seen = {}

    def remember(trainer, epoch, logs):
        seen[epoch] = trainer.model.state_dict()

    stopper = EarlyStopping(monitor="val_loss", patience=2)
    # a huge lr makes val_loss bounce: it stops long before 60 epochs
    h = fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=3.0),
        train,
        epochs=60,
        batch_size=16,
        val_data=val,
        callbacks=[LambdaCallback(on_epoch_end=remember), stopper],
        verbose=0,
    )
    assert len(h) < 60 and stopper.stopped_epoch == len(h) - 1
    best = int(np.argmin(h["val_loss"]))
    assert stopper.best_epoch == best and stopper.best == min(h["val_loss"])
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, seen[best][k])
    with pytest.raises(KeyError, match="pass val_data"):
        fit(
            _model(),
            F.cross_entropy,
            optim.SGD(_model().parameters(), lr=0.1),
            train,
            epochs=1,
            callbacks=[EarlyStopping()],
            verbose=0,
        )


def test_scheduler_per_epoch_and_per_step(moons):
    train, _ = moons
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(
        model,
        F.cross_entropy,
        opt,
        train,
        epochs=4,
        batch_size=90,
        scheduler=optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5),
        verbose=0,
    )
    assert h["lr"] == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8)
    fit(
        model,
        F.cross_entropy,
        opt,
        train,
        epochs=4,
        batch_size=90,
        scheduler=sched,
        scheduler_interval="step",
        verbose=0,
    )
    assert sched.last_epoch == 8 and opt.param_groups[0]["lr"] == pytest.approx(0.0)


def test_plateau_schedule_reacts_to_the_monitored_metric(moons):
    train, val = moons
    model = _model()
    opt = optim.SGD(model.parameters(), lr=1e-9)  # no progress at all: every epoch is a plateau
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, eps=0.0)
    h = fit(
        model,
        F.cross_entropy,
        opt,
        train,
        epochs=3,
        val_data=val,
        callbacks=[LRScheduler(plateau)],
        verbose=0,
    )
    assert h["lr"] == [1e-9, 1e-9, 5e-10]  # epoch 1 sets the best; epoch 2 does not beat it: halve
    with pytest.raises(ValueError, match="interval='epoch'"):
        LRScheduler(plateau, interval="step")


def test_nan_loss_stops_with_a_clear_message(moons):
    train, _ = moons
    model = _model()
    for p in model.parameters():
        p.data *= 1e4  # scores overflow after a few wild steps
    with pytest.raises(TrainingDivergedError) as info:
        with np.errstate(all="ignore"):
            fit(
                model,
                F.mse_loss,
                optim.SGD(model.parameters(), lr=1e6),
                (train[0], train[0]),
                epochs=5,
                batch_size=32,
                metrics=[],
                verbose=0,
            )
    message = str(info.value)
    assert "epoch 1" in message and "step" in message and "lower learning rate" in message
    assert "hackgrad.detect_anomaly()" in message
    assert info.value.epoch == 0


def test_verbose_output_and_quiet_when_not_a_terminal(moons, capsys):
    train, val = moons
    model = _model()
    fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train, epochs=2, val_data=val)
    assert capsys.readouterr().out == ""  # "auto" under pytest: stdout is not a terminal
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        train,
        epochs=2,
        val_data=val,
        verbose=1,
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2  loss ") and "val_accuracy" in lines[1]
    assert "\r" not in "".join(lines)


def test_progress_bar_draws_live_on_a_terminal(moons):
    train, _ = moons

    class FakeTTY(io.StringIO):
        def isatty(self):
            return True

    out = FakeTTY()
    model = _model()
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        train,
        epochs=1,
        batch_size=30,
        callbacks=[ProgressBar(stream=out)],
        verbose=0,
    )
    text = out.getvalue()
    assert "\repoch 1/1 [" in text and "6/6" in text and "eta" in text
    assert text.rstrip().endswith("s") and "accuracy" in text
    plain = io.StringIO()
    fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        train,
        epochs=1,
        batch_size=30,
        callbacks=[ProgressBar(stream=plain)],
        verbose=0,
    )
    assert "\r" not in plain.getvalue() and plain.getvalue().startswith("epoch 1/1  loss")


def test_dataloader_input_and_predict(moons):
    (X, y), _ = moons
    model = _model()
    loader = DataLoader(X, y, batch_size=45, shuffle=True, seed=3)
    h = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=1e-2), loader, epochs=3, verbose=0)
    assert len(h) == 3 and loader.epoch == 3
    out = predict(model, X, batch_size=50)
    assert out.shape == (len(X), 2) and out.dtype == np.float32
    with hackgrad.no_grad():
        np.testing.assert_allclose(out, model.eval()(hackgrad.tensor(X)).data, rtol=1e-5, atol=1e-6)


def test_bad_arguments_raise_clear_errors(moons):
    train, _ = moons
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0"):
        fit(model, F.cross_entropy, opt, train, epochs=-1)
    with pytest.raises(TypeError, match=r"train_data must be a pair \(X, y\)"):
        fit(model, F.cross_entropy, opt, 3, epochs=1)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        fit(model, "mse", opt, train, epochs=1)
    with pytest.raises(ValueError, match="resume=True needs checkpoint_dir"):
        fit(model, F.cross_entropy, opt, train, epochs=1, resume=True, verbose=0)


# --- exact resumption (in process) --------------------------------------------------------------------
def _run(tmp, epochs, resume, moons):
    train, val = moons
    model = _model(dropout=0.2, batchnorm=True)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
    fit(
        model,
        F.cross_entropy,
        opt,
        train,
        epochs=epochs,
        batch_size=32,
        val_data=val,
        scheduler=sched,
        callbacks=[EarlyStopping(patience=100)],
        checkpoint_dir=tmp,
        resume=resume,
        verbose=0,
    )
    return model.state_dict()


def test_resume_reproduces_an_uninterrupted_run_bit_for_bit(tmp_path, moons):
    straight = _run(tmp_path / "a", 6, False, moons)
    _run(tmp_path / "b", 2, False, moons)
    assert load_checkpoint(tmp_path / "b").epoch == 2
    resumed = _run(tmp_path / "b", 6, True, moons)
    assert straight.keys() == resumed.keys()
    for k in straight:
        np.testing.assert_array_equal(straight[k], resumed[k], err_msg=k)
    a, b = load_checkpoint(tmp_path / "a"), load_checkpoint(tmp_path / "b")
    for k in a.model_state:  # the last weights (the returned ones are EarlyStopping's best)
        np.testing.assert_array_equal(a.model_state[k], b.model_state[k], err_msg=k)
    assert all(a.history[k] == b.history[k] for k in a.history if k != "time")
    stops = [[e["state"] for e in c.callbacks_state if e["class"] == "EarlyStopping"][0] for c in (a, b)]
    assert stops[0]["best_epoch"] == stops[1]["best_epoch"] and stops[0]["wait"] == stops[1]["wait"]
    assert a.step == b.step == 6 * math.ceil(180 / 32)
    assert a.rng_state == b.rng_state


def test_resume_true_without_a_checkpoint_starts_fresh(tmp_path, moons):
    weights = _run(tmp_path / "fresh", 1, True, moons)
    assert load_checkpoint(tmp_path / "fresh").epoch == 1 and weights


def test_resuming_a_finished_run_trains_no_further(tmp_path, moons):
    done = _run(tmp_path / "r", 2, False, moons)
    again = _run(tmp_path / "r", 2, True, moons)
    for k in done:
        np.testing.assert_array_equal(done[k], again[k])
