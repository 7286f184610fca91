"""Linear classifiers: the guide's support vector machine (`SVMClassifier`) and multinomial logistic
regression (`SoftmaxClassifier`), both one `nn.Linear` trained by mini-batch gradient descent.
"""

import numpy as np

from hackgrad.estimators.base import (
    NetworkClassifier,
    ProbabilisticClassifier,
    _choice,
    _number,
    build_mlp,
    keep_params,
)

__all__ = ["SVMClassifier", "SoftmaxClassifier"]


class _LinearWeights:
    """coef_ and intercept_ of a one-layer model, in the units of the original (unscaled) features."""

    @property
    def coef_(self):
        """(n_scores, n_features): score = X @ coef_.T + intercept_ on raw X (e.g. the guide's a, b)."""
        W = self.model_[0].weight.data.astype(np.float64)
        return W / self.x_scale_

    @property
    def intercept_(self):
        """(n_scores,): the bias with the input scaling folded in (the guide's c)."""
        W = self.model_[0].weight.data.astype(np.float64)
        return self.model_[0].bias.data.astype(np.float64) - W @ (self.x_mean_ / self.x_scale_)


MULTI_CLASS = ("ovr", "weston_watkins", "crammer_singer")


class SVMClassifier(_LinearWeights, NetworkClassifier):
    """A linear support vector machine: score = w.x + b, trained on the hinge loss plus an L2 pull on w.

    For two classes this is the guide's SVM: labels become -1/+1 and every sample whose score is on the
    wrong side of its margin (y * score < margin) pulls the score towards its side; `alpha` pulls the
    weights towards zero. For C > 2 classes, `multi_class` picks the loss:
      'ovr'            C binary SVMs side by side (one-vs-rest), a hinge per class, summed;
      'weston_watkins' every wrong class j scoring within `margin` of the true class is pushed down;
      'crammer_singer' only the worst wrong class is pushed down.

    `decision_function` gives the scores ((n,) for two classes, (n, C) otherwise). There is no
    `predict_proba`: hinge scores are not probabilities (use SoftmaxClassifier, or calibrate with
    scikit-learn's CalibratedClassifierCV).

    Other hyperparameters are NetworkEstimator's; the defaults are plain SGD with Nesterov momentum, as the
    guide trains its SVM (lr 0.01), on mini-batches of 32 standardized samples.
    """

    def __init__(
        self,
        *,
        multi_class="ovr",
        margin=1.0,
        alpha=1e-4,
        solver="sgd",
        learning_rate_init=0.01,
        learning_rate="constant",
        momentum=0.9,
        batch_size=32,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        standardize=True,
        dtype="float32",
        random_state=None,
        verbose=False,
    ):
        keep_params(self, locals())

    def _check_hyperparameters(self):
        self._check_common()
        _choice("SVMClassifier", "multi_class", self.multi_class, MULTI_CLASS)
        _number("SVMClassifier", "margin", self.margin, low=0, low_open=True)

    def _network(self, n_in, n_out, dtype, rng):
        return build_mlp(n_in, (), n_out, dtype=dtype, rng=rng)

    def _n_scores(self, n_classes):
        return 1 if n_classes == 2 else n_classes

    def _targets(self, labels):
        if self.multi_class == "ovr" or len(self.classes_) == 2:
            n_scores = self._n_scores(len(self.classes_))
            if n_scores == 1:
                return (2 * labels - 1).astype(np.float64).reshape(-1, 1)  # {0, 1} -> {-1, +1}
            signs = -np.ones((len(labels), n_scores))
            signs[np.arange(len(labels)), labels] = 1
            return signs
        return labels

    def _loss(self, scores, targets):
        from hackgrad.nn import functional as F

        if targets.ndim == 2:  # -1/+1 per score: one binary hinge per class, summed over classes
            return F.hinge_loss(scores, targets, margin=self.margin, reduction="sum") / len(targets)
        if self.multi_class == "weston_watkins":
            return F.weston_watkins_loss(scores, targets, margin=self.margin)
        return F.crammer_singer_loss(scores, targets, margin=self.margin)

    def decision_function(self, X):
        """Signed scores: (n_samples,) for two classes (positive means classes_[1]), else (n_samples, C)."""
        s = self._scores(X)
        return s[:, 0] if s.shape[1] == 1 else s


class SoftmaxClassifier(_LinearWeights, ProbabilisticClassifier):
    """Multinomial logistic regression: one linear layer, softmax cross-entropy, L2 penalty `alpha`.

    `predict_proba` gives calibrated-by-construction class probabilities. Hyperparameters as in
    NetworkEstimator; the defaults (Adam, lr 0.01, batches of 32, 100 epochs at most) fit small data
    sets in about a second.
    """

    def __init__(
        self,
        *,
        alpha=1e-4,
        solver="adam",
        learning_rate_init=0.01,
        learning_rate="constant",
        momentum=0.9,
        batch_size=32,
        max_iter=100,
        tol=1e-4,
        n_iter_no_change=10,
        standardize=True,
        dtype="float32",
        random_state=None,
        verbose=False,
    ):
        keep_params(self, locals())

    def _check_hyperparameters(self):
        self._check_common()

    def _network(self, n_in, n_out, dtype, rng):
        return build_mlp(n_in, (), n_out, dtype=dtype, rng=rng)
