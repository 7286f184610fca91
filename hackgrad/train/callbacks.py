"""Callbacks: small objects the training loop calls at fixed points, to record, schedule, stop and show.

The loop calls, in order: `on_train_begin(trainer)`, then per epoch `on_epoch_begin(trainer, epoch)`,
`on_batch_end(trainer, step, logs)` after every optimizer step, `on_epoch_end(trainer, epoch, logs)`
with the epoch's metrics (`loss`, `accuracy`, `val_loss`, `val_accuracy`, `lr`, ...), and finally
`on_train_end(trainer)`. A callback stops training by setting `trainer.stop_training = True`. Callbacks
whose behaviour depends on the past (`EarlyStopping`, `History`) save it with `state_dict()`, so a
resumed run decides exactly as an uninterrupted one would.
"""

import math
import sys
import time
from collections import OrderedDict

import numpy as np

__all__ = ["Callback", "History", "EarlyStopping", "LRScheduler", "ProgressBar", "LambdaCallback"]


class Callback:
    """Base class: every hook does nothing; override the ones you need."""

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, trainer, epoch):
        pass

    def on_batch_end(self, trainer, step, logs):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        pass

    def on_train_end(self, trainer):
        pass

    def state_dict(self):
        """What a checkpoint must keep for this callback to carry on after a resume ({} if nothing)."""
        return {}

    def load_state_dict(self, state):
        pass


class LambdaCallback(Callback):
    """A callback from plain functions: `LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: ...)`."""

    def __init__(self, **hooks):
        for name, fn in hooks.items():
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise ValueError(
                    f"LambdaCallback: unknown hook {name!r}; expected on_train_begin, on_epoch_begin, "
                    "on_batch_end, on_epoch_end or on_train_end"
                )
            setattr(self, name, fn)


class History(Callback):
    """Per-epoch metrics as lists: `history["loss"]`, `history["val_accuracy"]`, ... (one entry per epoch).

    `fit` returns the trainer's History. `best(monitor)` gives the best epoch's logs.
    """

    def __init__(self):
        self.history = OrderedDict()

    def on_epoch_end(self, trainer, epoch, logs):
        self.append(logs)

    def append(self, logs):
        n = len(self)
        for key, value in logs.items():
            # a metric that appears late (or disappears) is padded with NaN so all lists stay aligned
            self.history.setdefault(key, [math.nan] * n).append(value)
        for values in self.history.values():
            if len(values) < n + 1:
                values.append(math.nan)

    def __len__(self):
        return len(self.history.get("epoch", next(iter(self.history.values()), [])))

    def __getitem__(self, key):
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(
                f"History has no {key!r}; it records {', '.join(self.history) or 'nothing yet'}"
            ) from None

    def __contains__(self, key):
        return key in self.history

    def keys(self):
        return list(self.history)

    def last(self):
        """The logs of the last epoch as a dict."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def best(self, monitor="val_loss", mode="auto"):
        """The logs of the epoch where `monitor` was best (lowest, or highest for accuracy/r2 metrics)."""
        values = np.asarray(self[monitor], dtype=np.float64)
        if mode == "auto":
            mode = _auto_mode(monitor)
        if np.isnan(values).all():
            raise ValueError(f"History.best: {monitor!r} has no finite values")
        i = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
        return {k: v[i] for k, v in self.history.items()}

    def to_dict(self):
        return {k: list(v) for k, v in self.history.items()}

    def state_dict(self):
        return {"history": self.to_dict()}

    def load_state_dict(self, state):
        self.history = OrderedDict((k, list(v)) for k, v in state["history"].items())

    def __repr__(self):
        return f"History({len(self)} epochs: {', '.join(self.history)})"


def _auto_mode(monitor):
    name = monitor.removeprefix("val_")
    return "max" if name in ("accuracy", "acc", "r2") else "min"


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    With `restore_best` (the default) the model gets the weights of its best epoch back when training
    ends, so what you keep is the model that validated best, not the one that overfitted last.
    `mode` is "min", "max" or "auto" (max for accuracy and r2, min otherwise).
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best=True):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if int(patience) != patience or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode = _auto_mode(monitor) if mode == "auto" else mode
        self.restore_best = bool(restore_best)
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.wait = 0
        self.stopped_epoch = None
        self.best_weights = None

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch logs hold only "
                f"{', '.join(logs)}; pass val_data to fit() or monitor one of those"
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_weights = trainer.model.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                trainer.stop_training = True
                trainer.log(
                    f"early stopping at epoch {epoch + 1}: {self.monitor} has not improved for "
                    f"{self.wait} epochs (best {self.best:.4g} at epoch {self.best_epoch + 1})"
                )

    def on_train_end(self, trainer):
        if self.restore_best and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)

    def state_dict(self):
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state):
        self.best, self.best_epoch, self.wait = float(state["best"]), state["best_epoch"], int(state["wait"])
        self.stopped_epoch = state["stopped_epoch"]
        weights = state["best_weights"]
        self.best_weights = None if weights is None else OrderedDict(weights)


class LRScheduler(Callback):
    """Step a learning-rate schedule: after every epoch (`interval="epoch"`) or every batch ("step").

    `ReduceLROnPlateau` is stepped with the epoch's `monitor` value (val_loss, else loss).
    """

    def __init__(self, scheduler, interval="epoch", monitor="val_loss"):
        if interval not in ("epoch", "step"):
            raise ValueError(f"LRScheduler: interval must be 'epoch' or 'step', got {interval!r}")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor
        self.needs_metric = _takes_metric(scheduler)
        if self.needs_metric and interval == "step":
            raise ValueError(
                "LRScheduler: ReduceLROnPlateau reacts to an epoch's metric; use interval='epoch'"
            )

    def on_batch_end(self, trainer, step, logs):
        if self.interval == "step":
            self.scheduler.step()

    def on_epoch_end(self, trainer, epoch, logs):
        if self.interval != "epoch":
            return
        if self.needs_metric:
            key = self.monitor if self.monitor in logs else self.monitor.removeprefix("val_")
            self.scheduler.step(logs[key])
        else:
            self.scheduler.step()


def _takes_metric(scheduler):
    try:
        from hackgrad.optim.lr_scheduler import ReduceLROnPlateau
    except ImportError:  # pragma: no cover - optim always present
        ReduceLROnPlateau = ()
    return isinstance(scheduler, ReduceLROnPlateau) or type(scheduler).__name__ == "ReduceLROnPlateau"


class ProgressBar(Callback):
    """One line per epoch with its metrics, and a live bar over the batches while an epoch runs.

    The live bar (carriage returns) is drawn only when `stream` is a terminal, so logs and pipes get
    clean lines; `live=True/False` forces it. `epoch_lines=False` keeps only the bar.
    """

    def __init__(self, stream=None, live=None, epoch_lines=True, width=24):
        self.stream = stream
        self.live = live
        self.epoch_lines = epoch_lines
        self.width = width

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_train_begin(self, trainer):
        out = self._out()
        self._live = self.live if self.live is not None else bool(getattr(out, "isatty", lambda: False)())
        self._last_draw = 0.0

    def on_epoch_begin(self, trainer, epoch):
        self._t0 = time.perf_counter()
        self._seen = 0
        self._loss_sum = 0.0

    def on_batch_end(self, trainer, step, logs):
        if not self._live:
            return
        self._seen += 1
        self._loss_sum += logs["loss"]
        now = time.perf_counter()
        total = trainer.steps_per_epoch
        if now - self._last_draw < 0.1 and self._seen != total:
            return  # redraw ten times a second at most: drawing is not free
        self._last_draw = now
        done = int(self.width * self._seen / total) if total else 0
        bar = "=" * done + ">" * (done < self.width) + "." * max(self.width - done - 1, 0)
        rate = self._seen / max(now - self._t0, 1e-9)
        eta = (total - self._seen) / rate if total else 0.0
        self._out().write(
            f"\repoch {trainer.epoch + 1}/{trainer.epochs} [{bar}] {self._seen}/{total} "
            f"loss {self._loss_sum / self._seen:.4f}  eta {eta:4.0f}s "
        )
        self._out().flush()

    def on_epoch_end(self, trainer, epoch, logs):
        out = self._out()
        if self._live:
            out.write("\r\033[K")  # clear the bar's line
        if self.epoch_lines:
            out.write(format_logs(logs, trainer.epochs) + "\n")
        out.flush()


def format_logs(logs, epochs=None):
    """'epoch 2/3  loss 0.1234  accuracy 96.10%  val_loss ...  lr 0.001  3.2s' from an epoch's logs."""
    parts = [f"epoch {logs['epoch']}" + (f"/{epochs}" if epochs else "")]
    for key, value in logs.items():
        if key in ("epoch", "time"):
            continue
        name = key.removeprefix("val_")
        if isinstance(value, float) and name in ("accuracy",) and math.isfinite(value):
            parts.append(f"{key} {100 * value:.2f}%")
        elif isinstance(value, float):
            parts.append(f"{key} {value:.4g}" if key == "lr" else f"{key} {value:.4f}")
        else:
            parts.append(f"{key} {value}")
    if "time" in logs:
        parts.append(f"{logs['time']:.1f}s")
    return "  ".join(parts)
