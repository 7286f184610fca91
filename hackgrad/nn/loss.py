"""Loss modules: each holds its hyperparameters (reduction, margin, class weights, ...) and calls the
function of the same name in `nn.functional`, as `loss = criterion(scores, target)`."""

from hackgrad.nn.functional import loss as _F
from hackgrad.nn.module import Module

__all__ = [
    "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "HingeLoss", "SquaredHingeLoss",
    "WestonWatkinsLoss", "CrammerSingerLoss", "MultiMarginLoss", "MSELoss", "L1Loss", "HuberLoss",
    "SmoothL1Loss",
]


class _Loss(Module):
    _fn = None  # the functional form, called with the module's hyperparameters as keywords
    _hyper = ()  # names of those hyperparameters, in repr order

    def __init__(self, reduction="mean", **hyperparameters):
        super().__init__()
        _F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction
        for k, v in hyperparameters.items():
            if k in ("weight", "pos_weight") and v is not None:
                self.register_buffer(k, _F._raw(v))  # saved with the model, as PyTorch does
            else:
                setattr(self, k, v)

    def forward(self, input, target):
        kwargs = {k: getattr(self, k) for k in self._hyper}
        return type(self)._fn(input, target, reduction=self.reduction, **kwargs)

    def chance_level(self, n_classes, y=None):
        """(value, why) of this loss for scores near 0 over `n_classes` classes; see F.chance_level."""
        return _F.chance_level(self, n_classes, y)

    def extra_repr(self):
        shown = [f"{k}={getattr(self, k)!r}" for k in self._hyper if k != "weight" and k != "pos_weight"]
        return ", ".join(shown + [f"reduction={self.reduction!r}"])


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of scores against class labels or probabilities; see F.cross_entropy."""

    _fn = _F.cross_entropy
    _hyper = ("weight", "ignore_index", "label_smoothing")

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class labels under log-probabilities; see F.nll_loss."""

    _fn = _F.nll_loss
    _hyper = ("weight", "ignore_index")

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)


class BCEWithLogitsLoss(_Loss):
    """Logistic loss of scores against targets in [0, 1]; see F.binary_cross_entropy_with_logits."""

    _fn = _F.binary_cross_entropy_with_logits
    _hyper = ("weight", "pos_weight")

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities; see F.binary_cross_entropy."""

    _fn = _F.binary_cross_entropy
    _hyper = ("weight",)

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction, weight=weight)


class HingeLoss(_Loss):
    """The guide's binary SVM loss max(0, margin - y * score), y in {-1, +1}; see F.hinge_loss."""

    _fn = _F.hinge_loss
    _hyper = ("margin",)

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction, margin=margin)


class SquaredHingeLoss(_Loss):
    """max(0, margin - y * score)**2; see F.squared_hinge_loss."""

    _fn = _F.squared_hinge_loss
    _hyper = ("margin",)

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction, margin=margin)


class WestonWatkinsLoss(_Loss):
    """Multiclass SVM, sum over j != y of max(0, s_j - s_y + margin); see F.weston_watkins_loss."""

    _fn = _F.weston_watkins_loss
    _hyper = ("margin",)

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction, margin=margin)


class CrammerSingerLoss(_Loss):
    """Multiclass SVM, max(0, max over j != y of s_j - s_y + margin); see F.crammer_singer_loss."""

    _fn = _F.crammer_singer_loss
    _hyper = ("margin",)

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction, margin=margin)


class MultiMarginLoss(_Loss):
    """PyTorch's MultiMarginLoss (Weston-Watkins divided by C, optional p=2 and class weights)."""

    _fn = _F.multi_margin_loss
    _hyper = ("p", "margin", "weight")

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(reduction, p=p, margin=margin, weight=weight)


class MSELoss(_Loss):
    """Squared error; see F.mse_loss."""

    _fn = _F.mse_loss


class L1Loss(_Loss):
    """Absolute error; see F.l1_loss."""

    _fn = _F.l1_loss


class HuberLoss(_Loss):
    """Squared error near the target, absolute error beyond `delta`; see F.huber_loss."""

    _fn = _F.huber_loss
    _hyper = ("delta",)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction, delta=delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by `beta`; see F.smooth_l1_loss."""

    _fn = _F.smooth_l1_loss
    _hyper = ("beta",)

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction, beta=beta)
