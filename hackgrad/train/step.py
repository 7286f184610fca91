"""One training step and one pass over an epoch's batches: the single place hackgrad trains a model.

`train_step(model, loss_fn, optimizer, xb, yb)` is forward, the finite check, `zero_grad`, backward and
`step`; it also turns the batch into Tensors of the model's dtype. `train_epoch` runs it over an epoch's
batches and averages the loss. The `Trainer`, the estimators, the playground, the search (through the
estimators) and every diagnostic that trains call these two, so a fix to the step lands everywhere at once.
"""

import math

import numpy as np

from hackgrad.autograd.tensor import Tensor

__all__ = ["train_step", "train_epoch", "EpochResult", "NonFiniteLossError", "model_dtype", "as_input",
           "as_target"]


class NonFiniteLossError(FloatingPointError):
    """The loss of a batch was NaN or infinite; no step was taken. `value` holds it, `batch` its index."""

    def __init__(self, value, batch=None):
        what = "NaN" if math.isnan(value) else "infinite"
        super().__init__(f"the loss became {what}" + ("" if batch is None else f" at batch {batch + 1}"))
        self.value, self.batch = value, batch


def model_dtype(model):
    """The dtype of the model's first parameter (float32 for a model without parameters)."""
    params = list(model.parameters()) if hasattr(model, "parameters") else []
    return params[0].dtype if params else np.dtype(np.float32)


def as_input(x, dtype):
    """A batch of inputs as a Tensor; floating inputs take the model's dtype, integer ones (token ids) stay."""
    if isinstance(x, Tensor):
        return x
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype != dtype:
        x = x.astype(dtype)
    return Tensor(x, dtype=x.dtype)


as_target = as_input  # the same rule: real targets in the model's dtype, class labels as integers


def train_step(model, loss_fn, optimizer, xb, yb, *, dtype=None, grad_clip=None, check_finite=True,
               before_step=None):
    """One step on one batch; returns `(loss value as a float, the model's output Tensor)`.

    - `dtype`: the model's dtype (looked up when None; pass it in a loop to save the lookup);
    - `check_finite`: raise `NonFiniteLossError` before touching the weights when the loss is NaN/Inf
      (the playground turns it off to show divergence; the estimators check once per epoch);
    - `grad_clip`: clip the global gradient norm to this value before the step;
    - `before_step(model)`: called between backward and step (diagnostics read gradients there);
    - `optimizer=None` computes the gradients only (zeroed first) and takes no step.
    """
    dtype = model_dtype(model) if dtype is None else dtype
    out = model(as_input(xb, dtype))
    loss = loss_fn(out, as_target(yb, dtype))
    value = float(loss.data)
    if check_finite and not math.isfinite(value):
        raise NonFiniteLossError(value)
    if optimizer is None:
        model.zero_grad()
    else:
        optimizer.zero_grad()
    loss.backward()
    if grad_clip is not None:
        from hackgrad.optim import clip_grad_norm_

        clip_grad_norm_(model.parameters(), grad_clip)
    if before_step is not None:
        before_step(model)
    if optimizer is not None:
        optimizer.step()
    return value, out


class EpochResult:
    """What `train_epoch` saw: the mean `loss` over `n_samples`, and (when kept) `outputs` and `targets`."""

    def __init__(self, loss, n_samples, outputs=None, targets=None):
        self.loss, self.n_samples, self.outputs, self.targets = loss, n_samples, outputs, targets


def train_epoch(model, loss_fn, optimizer, batches, *, dtype=None, grad_clip=None, check_finite=True,
                keep_outputs=False, on_batch=None):
    """`train_step` over `batches` (an iterable of (xb, yb)) in training mode; returns an `EpochResult`.

    `on_batch(index, loss, size)` is called after each step; `keep_outputs` collects the outputs and
    targets (for metrics). A NaN/Inf loss raises `NonFiniteLossError` naming the batch.
    """
    model.train()
    dtype = model_dtype(model) if dtype is None else dtype
    total, n_seen, outputs, targets = 0.0, 0, [], []
    for batch, (xb, yb) in enumerate(batches):
        try:
            value, out = train_step(model, loss_fn, optimizer, xb, yb, dtype=dtype, grad_clip=grad_clip,
                                    check_finite=check_finite)
        except NonFiniteLossError as err:
            raise NonFiniteLossError(err.value, batch) from None
        n = len(xb)
        total += value * n
        n_seen += n
        if keep_outputs:
            outputs.append(out.data)
            targets.append(np.asarray(yb))
        if on_batch is not None:
            on_batch(batch, value, n)
    if n_seen == 0:
        raise ValueError("the training data gave no batches (is it empty?)")
    if keep_outputs:
        return EpochResult(total / n_seen, n_seen, np.concatenate(outputs), np.concatenate(targets))
    return EpochResult(total / n_seen, n_seen)
