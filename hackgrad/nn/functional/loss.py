"""Losses: how unhappy a model's outputs make us, as one number (or one per sample with reduction='none').

Margin losses (the guide's SVM and its multiclass forms), likelihood losses (softmax and logistic
cross-entropy) and regression losses, with PyTorch's names and semantics. Every loss takes
`reduction='mean'|'sum'|'none'`. Targets are constants, except for the regression losses, whose targets
may be tensors that require grad.
"""

import numpy as np

from hackgrad.autograd import ops
from hackgrad.autograd.function import Function
from hackgrad.autograd.tensor import Tensor

__all__ = [
    "cross_entropy", "nll_loss", "binary_cross_entropy_with_logits", "binary_cross_entropy",
    "hinge_loss", "squared_hinge_loss", "weston_watkins_loss", "crammer_singer_loss", "multi_margin_loss",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _raw(target):
    return np.asarray(target.data if isinstance(target, Tensor) else target)


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: unknown reduction {reduction!r}; expected 'mean', 'sum' or 'none'")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(name, x, target):
    if x.shape != target.shape:
        raise ValueError(
            f"{name}: input has shape {x.shape} but target has shape {target.shape}; they must match "
            "(no broadcasting: an (N, 1) output against an (N,) target would silently compare every pair)"
        )


def _class_labels(name, x, target, ignore_index=None):
    """Check integer labels (N, *) against scores (N, C, *) and return them as an int array."""
    t = _raw(target)
    expected = (x.shape[0],) + x.shape[2:]
    if t.dtype.kind not in "iu":
        hint = " (or class probabilities of the input's shape)" if name == "cross_entropy" else ""
        raise TypeError(
            f"{name}: target must hold integer class labels{hint}, got dtype {t.dtype} of shape {t.shape}; "
            "convert labels with .astype(int)"
        )
    if t.shape != expected:
        raise ValueError(f"{name}: input shape {x.shape} needs a target of shape {expected}, got {t.shape}")
    n_classes = x.shape[1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):  # two cheap reductions settle the usual case
        valid = t if ignore_index is None else t[t != ignore_index]
        bad = valid[(valid < 0) | (valid >= n_classes)]
        if bad.size:
            raise IndexError(
                f"{name}: target contains label {bad[0]}, but the input has {n_classes} classes "
                f"(labels 0..{n_classes - 1})"
            )
    return t


def _class_weight(name, weight, n_classes, dtype):
    if weight is None:
        return None
    w = _raw(weight).astype(dtype, copy=False)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


def _rows(x):
    """Scores (N, C, *) as rows (N * prod(*), C) with the class axis last, for the row-wise ops."""
    if x.ndim == 2:
        return x
    return x.permute((0,) + tuple(range(2, x.ndim)) + (1,)).reshape(-1, x.shape[1])


# --- softmax cross-entropy -----------------------------------------------------------------------


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy between scores `input` (N, C) or (N, C, *) and `target`, one fused op.

    `target` holds integer class labels (N,) / (N, *), or class probabilities of the input's shape. As in
    PyTorch: `weight` (C,) scales each class's term and the mean divides by the summed weights of the targets;
    `label_smoothing` eps mixes the target with the uniform distribution, (1 - eps) * onehot + eps / C;
    labels equal to `ignore_index` contribute nothing (and are not counted by the mean).
    """
    _check_reduction("cross_entropy", reduction)
    x = _tensor(input)
    if x.ndim == 1:  # a single sample: C scores and one label (or C probabilities)
        t = _raw(target)
        x1 = x.reshape(1, x.shape[0])
        t1 = t.reshape((1,) + t.shape)
        loss = cross_entropy(x1, t1, weight, ignore_index, reduction, label_smoothing)
        return loss.reshape(()) if reduction == "none" else loss
    if x.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C) or (N, C, *) scores, got shape {x.shape}")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must be floating-point scores, got dtype {x.dtype}")
    n_classes = x.shape[1]
    w = _class_weight("cross_entropy", weight, n_classes, x.dtype)
    t = _raw(target)
    eps = label_smoothing
    if t.shape == x.shape and t.dtype.kind == "f" and isinstance(target, Tensor) and target.requires_grad:
        return _soft_cross_entropy(x, target, w, eps, reduction)
    if t.shape == x.shape and t.dtype.kind == "f":  # class probabilities
        q = t.astype(x.dtype, copy=False)
        q = q if x.ndim == 2 else np.moveaxis(q, 1, -1).reshape(-1, n_classes)  # (rows, C)
        if eps:
            q = q * (1 - eps) + eps / n_classes
        if w is not None:
            q = q * w
        denom, labels = float(len(q)), None
    else:
        t = _class_labels("cross_entropy", x, t, ignore_index).reshape(-1)  # (rows,)
        keep = t != ignore_index
        all_kept = bool(keep.all())
        if all_kept and w is None and not eps:  # plain labels: the op needs no target matrix
            q, labels, denom = None, t, float(len(t))
        else:
            rows = np.arange(len(t)) if all_kept else np.flatnonzero(keep)
            kept = t if all_kept else t[rows]
            q = np.zeros((len(t), n_classes), dtype=x.dtype)  # the target distribution, one row per label
            q[rows, kept] = 1 - eps
            if eps:
                q[rows] += eps / n_classes
            if w is None:
                denom = float(len(rows))
            else:
                denom = float(w[kept].sum())
                q *= w
            labels = None
    if reduction == "sum":
        denom = 1.0
    elif reduction == "none":
        denom = None
    loss = ops.SoftmaxCrossEntropy.apply(_rows(x), labels=labels, q=q, denom=denom)
    return loss if denom is not None or x.ndim == 2 else loss.reshape((x.shape[0],) + x.shape[2:])


def _soft_cross_entropy(x, q, w, eps, reduction):
    """-sum_c q_c log softmax(x)_c per row, composed so that the target q gets its gradient too
    (d/dq = -log softmax(x); the fused op treats targets as constants)."""
    n_classes = x.shape[1]
    q = _target_like(x, q)
    if eps:
        q = q * (1 - eps) + eps / n_classes
    if w is not None:
        q = q * w.reshape((n_classes,) + (1,) * (x.ndim - 2))
    loss = -(q * x.log_softmax(dim=1)).sum(dim=1)  # (N, *)
    if reduction == "mean":
        return loss.sum() * (1.0 / loss.numel())
    return loss.sum() if reduction == "sum" else loss


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of integer labels under log-probabilities `input` (N, C) or (N, C, *)
    (e.g. from log_softmax); `weight` and `ignore_index` as in cross_entropy."""
    _check_reduction("nll_loss", reduction)
    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"nll_loss: input must be (N, C) or (N, C, *) log-probabilities, got {x.shape}")
    t = _class_labels("nll_loss", x, target, ignore_index).reshape(-1)
    w = _class_weight("nll_loss", weight, x.shape[1], x.dtype)
    keep = t != ignore_index
    # each row's weight: its class's weight, 0 for an ignored row
    row_w = np.where(keep, 1 if w is None else w[np.where(keep, t, 0)], 0).astype(x.dtype)
    picked = _rows(x)[np.arange(len(t)), np.where(keep, t, 0)]  # (rows,) log-probability of each label
    loss = -(picked * row_w)
    if reduction == "mean":
        return loss.sum() / float(row_w.sum())
    if reduction == "sum":
        return loss.sum()
    return loss.reshape((x.shape[0],) + x.shape[2:])


# --- logistic (binary) cross-entropy ---------------------------------------------------------------


def _target_like(x, target):
    """The target as a tensor of x's dtype: a tensor keeps its graph (PyTorch differentiates the target
    too), anything else becomes a constant."""
    if isinstance(target, Tensor):
        return target if target.dtype == x.dtype else target.astype(x.dtype)
    return Tensor._make(_raw(target).astype(x.dtype, copy=False))


def _broadcast_const(name, what, value, shape, dtype):
    if value is None:
        return None
    arr = _raw(value).astype(dtype, copy=False)
    try:
        if np.broadcast_shapes(arr.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"{name}: {what} of shape {arr.shape} does not broadcast to the input's {shape}") \
            from None
    return arr


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Logistic loss of scores `input` against targets in [0, 1] of the same shape, stable for any score.

    `weight` (broadcasts to the input) scales each element; `pos_weight` (broadcasts, e.g. one per class on
    the last axis) scales the positive term, trading recall against precision, as in PyTorch.
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating-point scores, got dtype {x.dtype}")
    y = _target_like(x, target)
    _same_shape(name, x, y)
    w = _broadcast_const(name, "weight", weight, x.shape, x.dtype)
    pw = _broadcast_const(name, "pos_weight", pos_weight, x.shape, x.dtype)
    loss = ops.SigmoidCrossEntropy.apply(x, y, weight=w, pos_weight=pw)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Cross-entropy of probabilities `input` in [0, 1] (e.g. after sigmoid) against same-shaped targets.

    Prefer binary_cross_entropy_with_logits on the scores: it stays exact where sigmoid saturates."""
    name = "binary_cross_entropy"
    _check_reduction(name, reduction)
    p = _tensor(input)
    y = _target_like(p, target)
    _same_shape(name, p, y)
    if p.numel() and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError(f"{name}: input must hold probabilities in [0, 1], got values in "
                         f"[{p.data.min()}, {p.data.max()}]; for scores use binary_cross_entropy_with_logits")
    w = _broadcast_const(name, "weight", weight, p.shape, p.dtype)
    loss = ops.BinaryCrossEntropy.apply(p, y, weight=w)
    return _reduce(loss, reduction)


# --- margin losses -------------------------------------------------------------------------------------


def _signs(name, x, target):
    y = _raw(target)
    _same_shape(name, x, y)
    if y.size and not np.all(np.abs(y) == 1):
        bad = y[np.abs(y) != 1][0]
        raise ValueError(f"{name}: target must hold -1 or +1, got {bad}; map {{0, 1}} labels with 2 * y - 1")
    return y.astype(x.dtype)


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    """The guide's SVM loss max(0, margin - y * score) for labels y in {-1, +1}: a unit pull on every score
    on the wrong side of its margin, no pull on the rest."""
    _check_reduction("hinge_loss", reduction)
    x = _tensor(input)
    y = _signs("hinge_loss", x, target)
    return _reduce(ops.ReLU.apply(margin - x * y), reduction)


def squared_hinge_loss(input, target, margin=1.0, reduction="mean"):
    """max(0, margin - y * score)**2: the pull grows with the size of the violation (the guide's variant)."""
    _check_reduction("squared_hinge_loss", reduction)
    x = _tensor(input)
    y = _signs("squared_hinge_loss", x, target)
    return _reduce(ops.ReLU.apply(margin - x * y) ** 2, reduction)


class MulticlassHinge(Function):
    """Weston-Watkins: loss = sum over j != y of max(0, s_j - s_y + margin)**p, each violating j pulls s_j
    down and s_y up; Crammer-Singer: loss = max(0, max over j != y of s_j - s_y + margin)**p, only the worst
    rival pulls. d/ds_j = p * v**(p-1) where v > 0, d/ds_y = minus their sum; both times `scale` (per row).

    One op rather than a gather, a scatter and a masked sum: the gradient is just a count of violations.
    """

    def forward(self, s):
        t, rows = self.target, np.arange(len(self.target))
        v = s - s[rows, t][:, None] + s.dtype.type(self.margin)  # (N, C) margin violations
        if self.kind == "weston_watkins":
            v[rows, t] = 0  # the true class does not compete with itself
            v = np.maximum(v, 0)
            loss = (v if self.p == 1 else v**self.p).sum(axis=1)
        else:
            v[rows, t] = -np.inf
            self.rival = v.argmax(axis=1)
            v = np.maximum(v[rows, self.rival], 0)  # (N,)
            loss = v if self.p == 1 else v**self.p
        self.v = v
        return loss * self.scale

    def backward(self, dloss):
        t, rows, v, p = self.target, np.arange(len(self.target)), self.v, self.p
        pull = (v > 0).astype(v.dtype) if p == 1 else p * v ** (p - 1)
        coef = (dloss * self.scale)[:, None] if self.kind == "weston_watkins" else dloss * self.scale
        if self.kind == "weston_watkins":
            ds = pull * coef  # (N, C), zero in the true class's column
            ds[rows, t] = -ds.sum(axis=1)
        else:
            ds = np.zeros((len(t), self.n_classes), dtype=v.dtype)
            ds[rows, self.rival] = pull * coef
            ds[rows, t] -= pull * coef
        return (ds,)


def _multiclass_hinge(name, input, target, kind, margin, p, weight, reduction, divide_by_classes):
    _check_reduction(name, reduction)
    x = _tensor(input)
    if x.ndim != 2:
        raise ValueError(f"{name}: input must be (N, C) scores, got shape {x.shape}")
    if p not in (1, 2):
        raise ValueError(f"{name}: p must be 1 or 2, got {p}")
    n_classes = x.shape[1]
    t = _class_labels(name, x, target)
    w = _class_weight(name, weight, n_classes, x.dtype)
    scale = np.ones(len(t), dtype=x.dtype) if w is None else w[t]
    if divide_by_classes:
        scale = scale / x.dtype.type(n_classes)
    loss = MulticlassHinge.apply(
        x, target=t, kind=kind, margin=float(margin), p=p, scale=scale, n_classes=n_classes
    )
    return _reduce(loss, reduction)


def weston_watkins_loss(input, target, margin=1.0, reduction="mean"):
    """Multiclass SVM (Weston & Watkins, 1999; cs231n's form): sum over j != y of max(0, s_j - s_y + margin).

    Not divided by the number of classes; PyTorch's multi_margin_loss is this divided by C."""
    name = "weston_watkins_loss"
    return _multiclass_hinge(name, input, target, "weston_watkins", margin, 1, None, reduction, False)


def crammer_singer_loss(input, target, margin=1.0, reduction="mean"):
    """Multiclass SVM (Crammer & Singer, 2001): max(0, max over j != y of s_j - s_y + margin)."""
    name = "crammer_singer_loss"
    return _multiclass_hinge(name, input, target, "crammer_singer", margin, 1, None, reduction, False)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """PyTorch's multi_margin_loss: weight[y] * sum over j != y of max(0, margin - s_y + s_j)**p, over C."""
    name = "multi_margin_loss"
    return _multiclass_hinge(name, input, target, "weston_watkins", margin, p, weight, reduction, True)


# --- regression losses -----------------------------------------------------------------------------------


class Huber(Function):
    """y = d**2 / 2 where |d| <= delta, else delta * (|d| - delta / 2);  dy/dd = clip(d, -delta, delta)"""

    def forward(self, d):
        self.d = d
        a = np.abs(d)
        delta = d.dtype.type(self.delta)
        return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))

    def backward(self, dy):
        return (dy * np.clip(self.d, -self.delta, self.delta),)


def _difference(name, input, target):
    x = _tensor(input)
    t = target if isinstance(target, Tensor) else x._lift(_raw(target))
    _same_shape(name, x, t)
    return x - t


def mse_loss(input, target, reduction="mean"):
    """(input - target)**2."""
    _check_reduction("mse_loss", reduction)
    d = _difference("mse_loss", input, target)
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    """|input - target|."""
    _check_reduction("l1_loss", reduction)
    return _reduce(_difference("l1_loss", input, target).abs(), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Squared error where |input - target| <= delta, linear beyond: robust to outliers (PyTorch's)."""
    _check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    return _reduce(Huber.apply(_difference("huber_loss", input, target), delta=float(delta)), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """huber_loss(delta=beta) / beta: |d| - beta/2 beyond beta, d**2 / (2 beta) inside (PyTorch's)."""
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = _difference("smooth_l1_loss", input, target)
    if beta == 0:
        return _reduce(d.abs(), reduction)
    return _reduce(Huber.apply(d, delta=float(beta)) * (1.0 / beta), reduction)
