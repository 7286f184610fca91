"""The training loop: epochs of mini-batches, validation, metrics, callbacks, schedules and checkpoints.

`fit(model, loss_fn, optimizer, (X, y), epochs=..., batch_size=...)` trains any model with any loss and
optimizer and returns a `History`. Underneath is `Trainer`, which also `evaluate`s, `predict`s and saves
and restores everything a run needs to continue exactly where it stopped: the model's weights and
buffers, the optimizer's state, the schedules, every random generator the model draws from (dropout),
the callbacks' memory, the history, the seed and the epoch. Batches come from a `DataLoader` whose order
depends only on (seed, epoch), so a run killed after epoch k and resumed from its checkpoint produces
bit for bit the weights of a run that was never interrupted.
"""

import math
import sys
import time
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np

from hackgrad.autograd import no_grad
from hackgrad.data import DataLoader
from hackgrad.train import metrics as M
from hackgrad.train.callbacks import Callback, History, LRScheduler, ProgressBar
from hackgrad.train.checkpoint import (
    CHECKPOINT_NAME,
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from hackgrad.train.model_spec import spec_of
from hackgrad.train.step import NonFiniteLossError, as_input, as_target, model_dtype, train_epoch

__all__ = ["fit", "Trainer", "evaluate", "predict", "TrainingDivergedError", "rng_states", "set_rng_states"]


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite: training diverged. `history` holds the epochs that finished."""

    def __init__(self, message, *, epoch, step, history=None):
        super().__init__(message)
        self.epoch, self.step, self.history = epoch, step, history


# --- random generators inside a model ------------------------------------------------------------------
def rng_states(*objects):
    """{"<module>:<attribute>": bit_generator.state} of every NumPy Generator the models hold (dropout masks).

    The states are plain JSON (strings and integers), so a checkpoint stores them without pickle.
    """
    states = OrderedDict()
    for i, obj in enumerate(objects):
        for name, module in _named_modules(obj):
            for attr, value in vars(module).items():
                if isinstance(value, np.random.Generator):
                    states[f"{i}/{name}:{attr}"] = value.bit_generator.state
    return states


def set_rng_states(states, *objects):
    """Put generator states saved by `rng_states` back into the same models' generators."""
    found = OrderedDict()
    for i, obj in enumerate(objects):
        for name, module in _named_modules(obj):
            for attr, value in vars(module).items():
                if isinstance(value, np.random.Generator):
                    found[f"{i}/{name}:{attr}"] = value
    missing = [k for k in states if k not in found]
    extra = [k for k in found if k not in states]
    if missing or extra:
        raise CheckpointError(
            f"random generators differ from the checkpoint's: saved but not in the model {missing}, "
            f"in the model but not saved {extra}"
        )
    for key, state in states.items():
        found[key].bit_generator.state = state


def _named_modules(obj):
    if hasattr(obj, "named_modules"):
        return list(obj.named_modules())
    return [("", obj)] if hasattr(obj, "__dict__") else []


# --- helpers --------------------------------------------------------------------------------------------
def _loader(data, batch_size, shuffle, seed, what):
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise ValueError(
                f"{what} must be (X, y) or a DataLoader, got a {type(data).__name__} of length {len(data)}"
            )
        X, y = data
        return DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
    if hasattr(data, "__iter__") and hasattr(data, "__len__"):
        return data
    raise TypeError(f"{what} must be a pair (X, y) of arrays or a DataLoader, got {type(data).__name__}")


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 2 if sys.stdout.isatty() else 0
    if verbose not in (0, 1, 2, False, True):
        raise ValueError(
            f"verbose must be 0 (silent), 1 (a line per epoch), 2 (and a live bar) or 'auto', got {verbose!r}"
        )
    return int(verbose)


def _lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else math.nan


# --- the trainer ----------------------------------------------------------------------------------------
class Trainer:
    """Holds a model, its loss and optimizer, and the run's settings; `fit` trains, `evaluate` measures.

    Parameters (all keyword after the first three):
      scheduler, scheduler_interval: an lr schedule stepped after every "epoch" (default) or "step".
      metrics: "auto" (accuracy for class labels, MSE and R² for real targets), or names/callables.
      callbacks: Callback objects (EarlyStopping, LRScheduler, ProgressBar, ...).
      seed: the data order of epoch k is drawn from (seed, k).
      checkpoint_dir, checkpoint_every: write `checkpoint_dir/checkpoint.npz` every N epochs (and last).
      grad_clip: clip the global gradient norm to this value before each step.
      config: JSON-able settings stored in checkpoints (data set, flags...); model_spec: the model's
        config for rebuilding it (default: the spec `build_model` recorded).
      verbose: 0 silent, 1 a line per epoch, 2 also a live bar on a terminal, "auto" (2 on a terminal,
        else 0).
    """

    def __init__(
        self,
        model,
        loss_fn,
        optimizer,
        *,
        scheduler=None,
        scheduler_interval="epoch",
        metrics="auto",
        callbacks=(),
        seed=0,
        checkpoint_dir=None,
        checkpoint_every=1,
        grad_clip=None,
        config=None,
        model_spec=None,
        verbose="auto",
        eval_batch_size=1024,
    ):
        if not callable(loss_fn):
            raise TypeError(
                f"loss_fn must be callable as loss_fn(output, target), got {type(loss_fn).__name__}"
            )
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
        if int(checkpoint_every) != checkpoint_every or checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be a positive integer, got {checkpoint_every}")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.callbacks = list(callbacks)
        # the `scheduler` argument becomes the first callback; every LRScheduler's state goes into checkpoints
        if scheduler is not None:
            self.callbacks.insert(0, LRScheduler(scheduler, interval=scheduler_interval))
        self.schedulers = [cb for cb in self.callbacks if isinstance(cb, LRScheduler)]
        self.metrics = metrics
        self.seed = int(seed)
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every = int(checkpoint_every)
        self.grad_clip = grad_clip
        self.config = config
        self.model_spec = model_spec if model_spec is not None else spec_of(model)
        self.verbose = _resolve_verbose(verbose)
        self.eval_batch_size = int(eval_batch_size)
        self.history = History()
        self.epoch = 0  # epochs completed
        self.step = 0  # optimizer steps taken
        self.epochs = None
        self.steps_per_epoch = None
        self.stop_training = False
        self.stopped = False
        # no metrics asked for: known now, so the first epoch does not keep every output for nothing
        self._metric_fns = [] if isinstance(metrics, (list, tuple)) and not metrics else None
        self._dtype = model_dtype(model)

    # --- messages ---
    def log(self, message):
        if self.verbose:
            print(message, flush=True)

    # --- metrics ---
    def _resolve_metrics(self, y, output):
        if self._metric_fns is not None:
            return self._metric_fns
        names = self.metrics
        if names == "auto":
            names = M.default_metrics(M.infer_task(y, output))
        elif isinstance(names, str) or callable(names):
            names = [names]
        self._metric_fns = [M.get_metric(m) for m in names]
        return self._metric_fns

    def _compute_metrics(self, y, outputs, prefix=""):
        return OrderedDict(
            (prefix + name, float(fn(y, outputs))) for name, fn in self._resolve_metrics(y, outputs)
        )

    # --- one epoch ---
    def _train_epoch(self, loader, callbacks):
        if hasattr(loader, "set_epoch"):
            loader.set_epoch(self.epoch)

        def on_batch(batch, value, size):
            self.step += 1
            logs = {"loss": value, "batch": batch, "size": size}
            for cb in callbacks:
                cb.on_batch_end(self, self.step, logs)

        try:
            result = train_epoch(self.model, self.loss_fn, self.optimizer, loader, dtype=self._dtype,
                                 grad_clip=self.grad_clip, keep_outputs=self._metric_fns != [],
                                 on_batch=on_batch)
        except NonFiniteLossError as err:
            self._diverged(err.value, err.batch, len(loader))
        logs = OrderedDict(loss=result.loss)
        if result.outputs is not None:
            logs.update(self._compute_metrics(result.targets, result.outputs))
        return logs

    def _diverged(self, value, batch, n_batches):
        lr = _lr(self.optimizer)
        what = "NaN" if math.isnan(value) else "infinite"
        message = (
            f"training diverged: the loss became {what} at epoch {self.epoch + 1}, step {self.step + 1} "
            f"(batch {batch + 1} of {n_batches}) with lr={lr:g}. Try a lower learning rate "
            f"(e.g. lr={lr / 10:g}), gradient clipping (grad_clip=1.0) or a smaller weight "
            "initialisation; to find the first op that produced NaN/Inf, run a step under "
            "`with hackgrad.detect_anomaly():` or call hackgrad.train.diagnose(model, loss_fn, X, y)."
        )
        raise TrainingDivergedError(message, epoch=self.epoch, step=self.step, history=self.history)

    # --- measuring ---
    def predict(self, X, batch_size=None):
        """The model's outputs for X (NumPy), in evaluation mode and without recording a graph."""
        return predict(self.model, X, batch_size=batch_size or self.eval_batch_size)

    def evaluate(self, data, batch_size=None, prefix=""):
        """{"loss": ..., metric: ...} of the model on (X, y) or a DataLoader, in evaluation mode."""
        loader = _loader(data, batch_size or self.eval_batch_size, False, self.seed, "evaluation data")
        was_training = getattr(self.model, "training", False)
        self.model.eval()
        total, n_seen, outputs, targets = 0.0, 0, [], []
        try:
            with no_grad():
                for xb, yb in loader:
                    out = self.model(as_input(xb, self._dtype))
                    loss = self.loss_fn(out, as_target(yb, self._dtype))
                    total += float(loss.data) * len(xb)
                    n_seen += len(xb)
                    outputs.append(out.data)
                    targets.append(np.asarray(yb))
        finally:
            self.model.train(was_training)
        if n_seen == 0:
            raise ValueError("the evaluation data gave no batches (is it empty?)")
        logs = OrderedDict([(prefix + "loss", total / n_seen)])
        logs.update(self._compute_metrics(np.concatenate(targets), np.concatenate(outputs), prefix))
        return logs

    # --- the run ---
    def fit(self, train_data, *, epochs, batch_size=32, val_data=None, resume=False):
        """Train until `epochs` epochs are done in total (counting those of a resumed run); returns History.

        `resume=True` continues from `checkpoint_dir/checkpoint.npz` when it exists (a fresh start when
        not); `resume=<path>` continues from that checkpoint file or run folder.
        """
        if int(epochs) != epochs or epochs < 0:
            raise ValueError(f"epochs must be an integer >= 0, got {epochs}")
        self.epochs = int(epochs)
        if resume:
            self._resume(resume)
        loader = _loader(train_data, batch_size, True, self.seed, "train_data")
        self.steps_per_epoch = len(loader)
        callbacks = [*self.callbacks, self.history]
        if self.verbose and not any(isinstance(cb, ProgressBar) for cb in self.callbacks):
            callbacks.append(ProgressBar(live=False if self.verbose == 1 else None))
        self.stop_training = self.stopped
        for cb in callbacks:
            cb.on_train_begin(self)
        while self.epoch < self.epochs and not self.stop_training:
            for cb in callbacks:
                cb.on_epoch_begin(self, self.epoch)
            t0 = time.perf_counter()
            lr = _lr(self.optimizer)
            logs = OrderedDict(epoch=self.epoch + 1)
            logs.update(self._train_epoch(loader, callbacks))
            if val_data is not None:
                logs.update(self.evaluate(val_data, prefix="val_"))
                if not math.isfinite(logs["val_loss"]):
                    self._diverged(logs["val_loss"], self.steps_per_epoch - 1, self.steps_per_epoch)
            logs["lr"] = lr
            logs["time"] = time.perf_counter() - t0
            for cb in callbacks:
                cb.on_epoch_end(self, self.epoch, logs)
            self.epoch += 1
            self.stopped = self.stop_training
            if self.checkpoint_dir is not None and (
                self.epoch % self.checkpoint_every == 0 or self.epoch == self.epochs or self.stop_training
            ):
                self.save_checkpoint(self.checkpoint_dir / CHECKPOINT_NAME)
        for cb in callbacks:
            cb.on_train_end(self)
        return self.history

    # --- checkpoints ---
    def checkpoint(self):
        """A `Checkpoint` of the whole run as it stands."""
        return Checkpoint(
            model_state=self.model.state_dict(),
            optimizer_state=self.optimizer.state_dict(),
            scheduler_state=[s.scheduler.state_dict() for s in self.schedulers],
            rng_state=rng_states(self.model, self.loss_fn),
            callbacks_state=[{"class": type(cb).__name__, "state": cb.state_dict()} for cb in self.callbacks],
            history=self.history.to_dict(),
            model_spec=self.model_spec,
            config=self.config,
            seed=self.seed,
            epoch=self.epoch,
            step=self.step,
            stopped=self.stopped,
        )

    def save_checkpoint(self, path):
        return save_checkpoint(path, self.checkpoint())

    def load_checkpoint(self, checkpoint):
        """Restore the run from a `Checkpoint` (or a path to one)."""
        ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else load_checkpoint(checkpoint)
        where = ckpt.path or "the checkpoint"
        if self.model_spec is not None and ckpt.model_spec is not None and self.model_spec != ckpt.model_spec:
            raise CheckpointError(
                f"{where} was trained with model {ckpt.model_spec}, but this model is {self.model_spec}"
            )
        try:
            self.model.load_state_dict(ckpt.model_state)
        except (KeyError, ValueError) as err:
            raise CheckpointError(f"{where} does not fit this model: {err}") from err
        self.optimizer.load_state_dict(ckpt.optimizer_state)
        saved = ckpt.scheduler_state or []
        if len(saved) != len(self.schedulers):
            raise CheckpointError(
                f"{where} holds {len(saved)} lr schedules, this run has {len(self.schedulers)}"
            )
        for s, state in zip(self.schedulers, saved):
            s.scheduler.load_state_dict(state)
        set_rng_states(ckpt.rng_state or {}, self.model, self.loss_fn)
        saved_cbs = list(ckpt.callbacks_state or [])
        for cb in self.callbacks:
            match = next((e for e in saved_cbs if e["class"] == type(cb).__name__), None)
            if match is not None:
                saved_cbs.remove(match)
                cb.load_state_dict(match["state"])
            elif cb.state_dict():
                warnings.warn(
                    f"{where} has no saved state for callback {type(cb).__name__}; it starts afresh",
                    stacklevel=3,
                )
        self.history.load_state_dict({"history": ckpt.history or {}})
        if ckpt.seed is not None and ckpt.seed != self.seed:
            warnings.warn(
                f"resuming with the checkpoint's seed {ckpt.seed} (not {self.seed}) so the data order "
                "continues as it began",
                stacklevel=3,
            )
            self.seed = int(ckpt.seed)
        self.epoch, self.step = int(ckpt.epoch), int(ckpt.step)
        self.stopped = bool(ckpt.stopped)
        return ckpt

    def _resume(self, resume):
        if resume is True:
            if self.checkpoint_dir is None:
                raise ValueError("resume=True needs checkpoint_dir (or pass resume=<checkpoint path>)")
            path = self.checkpoint_dir / CHECKPOINT_NAME
            if not path.exists():
                self.log(f"no checkpoint at {path}: starting a new run")
                return None
        else:
            path = Path(resume)
        ckpt = self.load_checkpoint(path)
        self.log(f"resumed from {ckpt.path} after epoch {self.epoch} (step {self.step})")
        return ckpt


def fit(
    model,
    loss_fn,
    optimizer,
    train_data,
    *,
    epochs,
    batch_size=32,
    val_data=None,
    metrics="auto",
    callbacks=(),
    scheduler=None,
    scheduler_interval="epoch",
    seed=0,
    checkpoint_dir=None,
    checkpoint_every=1,
    resume=False,
    grad_clip=None,
    config=None,
    model_spec=None,
    verbose="auto",
):
    """Train `model` on `train_data` ((X, y) or a DataLoader) for `epochs` epochs; returns the History.

    See `Trainer` for the options. Each epoch: model.train(), mini-batches in a seeded order
    (loss -> backward -> optimizer.step()), then model.eval() on `val_data` without recording a graph,
    metrics, the schedule step, callbacks, and a checkpoint when `checkpoint_dir` is set.
    """
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        scheduler=scheduler,
        scheduler_interval=scheduler_interval,
        metrics=metrics,
        callbacks=callbacks,
        seed=seed,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=checkpoint_every,
        grad_clip=grad_clip,
        config=config,
        model_spec=model_spec,
        verbose=verbose,
    )
    return trainer.fit(train_data, epochs=epochs, batch_size=batch_size, val_data=val_data, resume=resume)


def predict(model, X, *, batch_size=1024):
    """Model outputs for X as a NumPy array, in evaluation mode, without recording a graph."""
    dtype = model_dtype(model)
    X = np.asarray(X)
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            parts = [
                model(as_input(X[i : i + batch_size], dtype)).data for i in range(0, len(X), batch_size)
            ]
    finally:
        model.train(was_training)
    return np.concatenate(parts) if parts else np.empty((0,))


def evaluate(model, loss_fn, data, *, batch_size=1024, metrics="auto"):
    """{"loss": ..., metric: ...} of `model` on (X, y) or a DataLoader (evaluation mode, no graph)."""
    trainer = Trainer(model, loss_fn, None, metrics=metrics, verbose=0, eval_batch_size=batch_size)
    return trainer.evaluate(data)
