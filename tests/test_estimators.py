"""The scikit-learn estimators: fit/predict behaviour, seeding, dtypes, saving, errors, and use inside
scikit-learn's own tools (Pipeline, cross_val_score, GridSearchCV)."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from hackgrad.estimators import (
    MLPClassifier,
    MLPRegressor,
    ModelFileError,
    SoftmaxClassifier,
    SVMClassifier,
    load,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def blobs(n=150, seed=0, centers=3, spread=0.6):
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=3.0, size=(centers, 2))
    y = rng.integers(centers, size=n)
    return means[y] + spread * rng.normal(size=(n, 2)), y


def fast(cls, **kw):
    """Small budgets: these tests are about behaviour, not accuracy records."""
    base = {"max_iter": 40, "batch_size": 16, "random_state": 0}
    if cls in (MLPClassifier, MLPRegressor):
        base["hidden_layer_sizes"] = (16,)
    return cls(**{**base, **kw})


CLASSIFIERS = [SVMClassifier, SoftmaxClassifier, MLPClassifier]


# --- the guide's SVM -------------------------------------------------------------------------------------
GUIDE_X = np.array([[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]])
GUIDE_Y = np.array([1, -1, 1, -1, -1, 1])


def test_guide_svm_separates_the_guides_six_points():
    # the guide's set-up: one sample per step, step size 0.01, a regularization pull of -a, -b (alpha 1),
    # no momentum, raw inputs; 400 steps is about 67 passes over 6 points
    svm = SVMClassifier(
        standardize=False,
        momentum=0.0,
        learning_rate_init=0.01,
        batch_size=1,
        alpha=1.0,
        max_iter=67,
        tol=None,
        random_state=0,
    ).fit(GUIDE_X, GUIDE_Y)
    assert svm.score(GUIDE_X, GUIDE_Y) == 1.0
    # a single score a*x + b*y + c for two classes, positive meaning the label +1
    assert svm.coef_.shape == (1, 2) and svm.intercept_.shape == (1,)
    np.testing.assert_allclose(
        svm.decision_function(GUIDE_X), GUIDE_X @ svm.coef_[0] + svm.intercept_[0], rtol=1e-6, atol=1e-6
    )
    assert np.all(np.sign(svm.decision_function(GUIDE_X)) == GUIDE_Y)


def test_svm_regularization_pulls_weights_towards_zero_but_not_the_bias():
    X, y = blobs(centers=2, seed=3)
    weak = SVMClassifier(alpha=1e-6, max_iter=60, tol=None, random_state=0).fit(X, y)
    strong = SVMClassifier(alpha=1.0, max_iter=60, tol=None, random_state=0).fit(X, y)
    assert np.linalg.norm(strong.model_[0].weight.data) < 0.5 * np.linalg.norm(weak.model_[0].weight.data)


@pytest.mark.parametrize("multi_class", ["ovr", "weston_watkins", "crammer_singer"])
def test_svm_multiclass_losses_learn_and_score_per_class(multi_class):
    X, y = blobs(n=200, centers=4, seed=1)
    svm = fast(SVMClassifier, multi_class=multi_class).fit(X, y)
    assert svm.score(X, y) > 0.9
    scores = svm.decision_function(X)
    assert scores.shape == (200, 4)
    np.testing.assert_array_equal(svm.predict(X), svm.classes_[scores.argmax(axis=1)])
    assert not hasattr(svm, "predict_proba")  # hinge scores are not probabilities, by design


# --- the shared estimator protocol ---------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_classifier_fit_returns_self_and_learns_string_labels(cls):
    X, y = blobs(seed=2)
    names = np.array(["ant", "bee", "cat"])[y]
    est = fast(cls)
    assert est.fit(X, names) is est
    assert list(est.classes_) == ["ant", "bee", "cat"]
    assert est.n_features_in_ == 2
    assert est.score(X, names) > 0.9
    assert set(est.predict(X)) <= set(names)
    assert len(est.loss_curve_) == est.n_iter_ and est.loss_ == est.loss_curve_[-1]


@pytest.mark.parametrize("cls", [SoftmaxClassifier, MLPClassifier])
def test_predict_proba_is_a_distribution_consistent_with_predict(cls):
    X, y = blobs(seed=4)
    est = fast(cls).fit(X, y)
    p = est.predict_proba(X)
    assert p.shape == (len(X), 3) and p.dtype == np.float64
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(est.predict(X), est.classes_[p.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), p, rtol=1e-10)


def test_hyperparameters_are_stored_as_given_and_checked_only_in_fit():
    est = MLPClassifier(hidden_layer_sizes="lots", activation="swish", dropout=3, solver="lbfgs")
    assert est.get_params()["activation"] == "swish"  # no validation in __init__
    X, y = blobs()
    with pytest.raises(ValueError, match=r"activation 'swish'; valid choices are 'relu', 'tanh'"):
        est.set_params(hidden_layer_sizes=(4,), dropout=0.0, solver="adam").fit(X, y)
    with pytest.raises(ValueError, match=r"solver 'lbfgs'; valid choices are 'adam', 'adamw', 'sgd'"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="dropout must be < 1"):
        MLPClassifier(dropout=1.0).fit(X, y)
    with pytest.raises(ValueError, match="learning_rate_init must be a number > 0"):
        SoftmaxClassifier(learning_rate_init=0).fit(X, y)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        SVMClassifier(batch_size=0).fit(X, y)
    with pytest.raises(ValueError, match="multi_class 'ova'; valid choices are 'ovr', 'weston_watkins'"):
        SVMClassifier(multi_class="ova").fit(X, y)
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        MLPRegressor(dtype="float16").fit(X, y.astype(float))
    with pytest.raises(ValueError, match="hidden_layer_sizes must be an integer >= 1"):
        MLPClassifier(hidden_layer_sizes=(8, 0)).fit(X, y)


def test_input_errors_name_the_problem():
    X, y = blobs()
    est = fast(MLPClassifier)
    with pytest.raises(Exception, match="not fitted"):
        est.predict(X)
    with pytest.raises(ValueError, match="only one class"):
        est.fit(X, np.zeros(len(X), dtype=int))
    est.fit(X, y)
    with pytest.raises(ValueError, match="3 features, but MLPClassifier is expecting 2"):
        est.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        est.predict(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="Unknown label type"):
        fast(SVMClassifier).fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize("cls", CLASSIFIERS + [MLPRegressor])
def test_random_state_fixes_the_fit(cls):
    X, y = blobs(seed=5)
    target = y if cls is not MLPRegressor else X[:, 0] * 2.0 - X[:, 1]
    a = fast(cls, random_state=7).fit(X, target)
    b = fast(cls, random_state=7).fit(X, target)
    c = fast(cls, random_state=8).fit(X, target)
    assert a.loss_curve_ == b.loss_curve_
    assert a.loss_curve_ != c.loss_curve_
    for (name, p), (_, q) in zip(a.model_.named_parameters(), b.model_.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_dropout_is_seeded_and_off_at_prediction():
    X, y = blobs(seed=6)
    a = fast(MLPClassifier, dropout=0.3).fit(X, y)
    b = fast(MLPClassifier, dropout=0.3).fit(X, y)
    no = fast(MLPClassifier).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_ and a.loss_curve_ != no.loss_curve_
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))  # eval mode: no random masks


def test_float32_by_default_float64_on_request():
    X, y = blobs(seed=7)
    f32 = fast(MLPClassifier).fit(X, y)
    f64 = fast(MLPClassifier, dtype="float64").fit(X, y)
    assert all(p.dtype == np.float32 for p in f32.model_.parameters())
    assert all(p.dtype == np.float64 for p in f64.model_.parameters())
    # same seed, same draws: the two runs differ only by rounding
    np.testing.assert_allclose(f32.predict_proba(X), f64.predict_proba(X), atol=2e-3)
    # a prediction does not depend on which other rows share its batch
    np.testing.assert_array_equal(f32.predict_proba(X)[:7], f32.predict_proba(X[:7]))


def test_early_stopping_and_convergence_warning():
    X, y = blobs(seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = SoftmaxClassifier(max_iter=30, tol=None, random_state=0).fit(X, y)  # no stopping rule, no warning
    assert full.n_iter_ == 30
    stopped = SoftmaxClassifier(max_iter=500, tol=1e-2, n_iter_no_change=3, random_state=0).fit(X, y)
    assert stopped.n_iter_ < 500
    with pytest.warns(Warning, match="stopped at max_iter=3 epochs"):
        SoftmaxClassifier(max_iter=3, random_state=0).fit(X, y)


def test_diverging_training_raises_a_clear_error():
    X, y = blobs(seed=9)
    with pytest.raises(FloatingPointError, match="lower learning_rate_init"):
        MLPClassifier(solver="sgd", momentum=0.99, learning_rate_init=1e6, max_iter=20, random_state=0).fit(X * 1e3, y)


# --- regression --------------------------------------------------------------------------------------
def test_mlp_regressor_fits_a_curve_and_undoes_target_scaling():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(300, 1))
    y = np.sin(X[:, 0]) * 1000.0 + 5000.0  # a target far from unit scale
    reg = MLPRegressor(
        hidden_layer_sizes=(32,), activation="tanh", alpha=1e-4, learning_rate_init=0.01, max_iter=150,
        random_state=0,  # a clean curve needs little L2 (the default 0.1 suits noisy, nearly linear data)
    ).fit(X, y)
    assert reg.score(X, y) > 0.95
    pred = reg.predict(X)
    assert pred.shape == (300,) and pred.dtype == np.float64
    assert abs(pred.mean() - 5000.0) < 100.0


def test_mlp_regressor_multi_output():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    Y = np.stack([X @ [1.0, -2.0, 0.5], X[:, 0] * X[:, 1]], axis=1)
    reg = fast(MLPRegressor, hidden_layer_sizes=(32,), max_iter=100).fit(X, Y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, Y) > 0.8


# --- saving --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSIFIERS + [MLPRegressor])
def test_save_and_load_give_identical_predictions(cls, tmp_path):
    X, y = blobs(seed=10)
    labels = np.array(["no", "yes", "maybe"])[y]
    target = labels if cls is not MLPRegressor else X @ [1.0, 2.0]
    est = fast(cls, hidden_layer_sizes=(8, 4)) if cls in (MLPClassifier, MLPRegressor) else fast(cls)
    est.fit(X, target)
    path = est.save(tmp_path / "model.npz")
    back = load(path)
    assert type(back) is cls and back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert cls.load(path).n_features_in_ == 2
    with np.load(path, allow_pickle=False) as z:  # plain arrays only: loading never unpickles
        assert all(z[name].dtype != object for name in z.files)


def test_damaged_or_foreign_files_are_refused(tmp_path):
    X, y = blobs(seed=11)
    path = fast(SoftmaxClassifier).fit(X, y).save(tmp_path / "m.npz")
    raw = open(path, "rb").read()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError, match="damaged"):
        load(tmp_path / "cut.npz")
    # a readable file whose weights were edited after saving: the checksum notices
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    arrays["model.0.weight"] = arrays["model.0.weight"] + 1
    np.savez(tmp_path / "edited.npz", **arrays)
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load(tmp_path / "edited.npz")
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    with pytest.raises(ModelFileError, match="not a hackgrad model file"):
        load(tmp_path / "other.npz")
    with pytest.raises(ModelFileError, match="no such model file"):
        load(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="not a MLPClassifier"):
        MLPClassifier.load(path)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    X, y = blobs(seed=12)
    est = fast(SoftmaxClassifier).fit(X, y)
    est.save(tmp_path / "m.npz")
    est.save(tmp_path / "m.npz")  # overwrite in place
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


# --- inside scikit-learn's tools ---------------------------------------------------------------------------
def test_pipeline_cross_val_score_and_grid_search():
    pytest.importorskip("sklearn")
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = blobs(n=120, seed=13)
    pipe = make_pipeline(StandardScaler(), fast(SoftmaxClassifier, standardize=False, max_iter=100))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85
    grid = GridSearchCV(fast(MLPClassifier), {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1e-1]}, cv=3)
    grid.fit(X, y)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "alpha"}
    assert grid.best_estimator_.n_features_in_ == 2 and grid.score(X, y) > 0.85


def test_clone_keeps_hyperparameters_and_drops_learned_state():
    pytest.importorskip("sklearn")
    from sklearn.base import clone

    X, y = blobs(seed=14)
    est = fast(MLPClassifier, hidden_layer_sizes=(5, 3), activation="tanh").fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "model_")


def test_works_without_scikit_learn():
    """scikit-learn is optional: with it blocked from import, the estimators keep their whole surface."""
    code = """
import sys
sys.modules['sklearn'] = None  # any 'import sklearn...' now fails
import numpy as np
from hackgrad.estimators import MLPClassifier, MLPRegressor, SVMClassifier
from hackgrad.estimators._sklearn import HAVE_SKLEARN
assert not HAVE_SKLEARN
rng = np.random.default_rng(0)
X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
kw = dict(hidden_layer_sizes=(8,), batch_size=8, learning_rate_init=0.01, max_iter=30, random_state=0)
m = MLPClassifier(**kw).fit(X, y)
assert m.score(X, y) > 0.9 and m.get_params()['hidden_layer_sizes'] == (8,)
m.set_params(alpha=0.5); assert m.alpha == 0.5
assert SVMClassifier(max_iter=100, random_state=0).fit(X, y).score(X, y) > 0.9
r = MLPRegressor(**kw).fit(X, X[:, 0])
assert r.score(X, X[:, 0]) > 0.5
try:
    MLPClassifier().predict(X)
except ValueError as e:
    assert 'not fitted' in str(e)
try:
    m.predict(np.ones((2, 3)))
except ValueError as e:
    assert '3 features' in str(e)
print('ok')
"""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
