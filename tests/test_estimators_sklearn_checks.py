"""scikit-learn's own estimator checks (`parametrize_with_checks`): every check passes, none is skipped
as an expected failure. The instances use small budgets (the checks test the protocol, not accuracy).

Predictions run in float64 even for float32-trained models, which is what makes
`check_methods_subset_invariance` (a row's prediction must not depend on its batch) pass at rtol 1e-7.
"""

import warnings

import pytest

pytest.importorskip("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from hackgrad.estimators import MLPClassifier, MLPRegressor, SoftmaxClassifier, SVMClassifier  # noqa: E402

ESTIMATORS = [
    SVMClassifier(max_iter=50),
    SVMClassifier(multi_class="weston_watkins", max_iter=50),
    SoftmaxClassifier(max_iter=50),
    MLPClassifier(hidden_layer_sizes=(32,), batch_size=32, learning_rate_init=0.01, max_iter=50),
    MLPRegressor(hidden_layer_sizes=(32,), batch_size=32, learning_rate_init=0.01, max_iter=50),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on the checks' tiny budgets
        check(estimator)
