"""Tests for the ground floor: hackgrad.io (atomic write, the checksummed container, files written before it)
and hackgrad.util (make_rng, lazy exports, argument checks)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hackgrad.io import ContainerError, atomic_write, read_container, write_container
from hackgrad.util import check_int, check_number, lazy_exports, make_rng

LEGACY = Path(__file__).parent / "data"


def test_container_round_trip_keeps_kind_and_arrays(tmp_path):
    path = write_container(tmp_path / "x.npz", "thing", {"note": "hi"}, {"w": np.arange(3.0), "s": ["a", "b"]})
    header, arrays = read_container(path, "thing")
    assert header == {"format": "hackgrad", "version": 2, "kind": "thing", "note": "hi"}
    np.testing.assert_array_equal(arrays["w"], np.arange(3.0))
    assert arrays["s"].dtype.kind == "U"  # strings stored as unicode, never as pickled objects
    with pytest.raises(ContainerError, match=r"holds a 'thing', expected a 'checkpoint'"):
        read_container(path, "checkpoint")
    with pytest.raises(ValueError, match="reserved for the header"):
        write_container(tmp_path / "y.npz", "thing", {"kind": "other"}, {})
    with pytest.raises(TypeError, match="without pickle"):
        write_container(tmp_path / "y.npz", "thing", {}, {"o": np.array([object()])})


def test_a_newer_format_version_is_named_in_the_error(tmp_path):
    path = write_container(tmp_path / "x.npz", "thing", {}, {})
    with np.load(path, allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    header = json.loads(entries["__meta__"].tobytes())
    header["version"] = 7
    entries["__meta__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **entries)
    with pytest.raises(ContainerError, match="hackgrad format version 7; this hackgrad reads version 2"):
        read_container(path)
    (tmp_path / "bare.npy").write_bytes(b"\x93NUMPY")
    with pytest.raises(ContainerError, match="damaged or truncated"):
        read_container(tmp_path / "bare.npy")


def test_atomic_write_text_mode_and_missing_folder(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    with atomic_write(path, "w") as f:
        f.write("héllo")
    assert path.read_text(encoding="utf-8") == "héllo"


def test_checkpoint_written_before_the_container_still_loads_and_resumes(tmp_path):
    # tests/data/legacy_checkpoint_v1.npz: `hackgrad train --data moons --n-samples 200 --hidden 8
    # --epochs 2` run by the code before the container (format "hackgrad-checkpoint", version 1)
    from hackgrad.train import load_checkpoint

    ckpt = load_checkpoint(LEGACY / "legacy_checkpoint_v1.npz")
    assert ckpt.epoch == 2 and ckpt.step == 8
    model = ckpt.build_model()
    assert sum(p.numel() for p in model.parameters()) == 42
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(LEGACY / "legacy_checkpoint_v1.npz", run / "checkpoint.npz")
    out = subprocess.run(
        [sys.executable, "-m", "hackgrad.cli", "train", "--resume", str(run), "--epochs", "3", "--no-plots"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    results = json.loads((run / "results.json").read_text())
    # the figures the old code printed when resuming the same file to 3 epochs
    assert results["steps"] == 12
    assert results["loss"] == pytest.approx(0.65330371260643, rel=1e-6)
    assert results["test_loss"] == pytest.approx(0.6469948887825012, rel=1e-6)
    assert load_checkpoint(run).epoch == 3  # and it was rewritten in the new container


def test_estimator_file_written_before_the_container_still_loads():
    from hackgrad.estimators import SoftmaxClassifier, load

    est = load(LEGACY / "legacy_softmax_v1.npz")
    assert isinstance(est, SoftmaxClassifier)
    from hackgrad.data import make_moons

    X, _ = make_moons(60, seed=0)
    np.testing.assert_allclose(est.predict_proba(X), np.load(LEGACY / "legacy_softmax_v1_proba.npy"))


def test_make_rng():
    assert make_rng(3).integers(1000) == np.random.default_rng(3).integers(1000)
    g = np.random.default_rng(0)
    assert make_rng(rng=g) is g and make_rng(g) is g
    with pytest.raises(ValueError, match="either seed or rng"):
        make_rng(1, g)
    with pytest.raises(TypeError, match="seed must be a numpy.random.Generator or an integer"):
        make_rng("1")
    with pytest.raises(ValueError, match="integer >= 0, got -1"):
        make_rng(-1)


def test_checks_name_the_argument_and_range():
    assert check_int("n", 3) == 3
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 5\], got 6"):
        check_int("n", 6, maximum=5)
    with pytest.raises(ValueError, match="k must be an integer >= 2, got True"):
        check_int("k", True, minimum=2)
    assert check_number("p", 0.5, low=0, high=1, high_open=True) == 0.5
    with pytest.raises(ValueError, match="p must be a finite number >= 0 and < 1, got 1.0"):
        check_number("p", 1, low=0, high=1, high_open=True)
    with pytest.raises(ValueError, match="x must be a finite number, got nan"):
        check_number("x", float("nan"))


def test_lazy_exports_load_on_first_use():
    mod = type(sys)("fake_pkg")
    sys.modules["fake_pkg"] = mod
    try:
        mod.__getattr__, mod.__dir__ = lazy_exports("fake_pkg", {"dumps": "json", "jsonmod": ("json", None)})
        assert "dumps" in mod.__dir__()
        assert mod.__getattr__("dumps") is json.dumps and vars(mod)["dumps"] is json.dumps  # cached
        assert mod.__getattr__("jsonmod") is json
        with pytest.raises(AttributeError, match="module 'fake_pkg' has no attribute 'nope'"):
            mod.__getattr__("nope")
    finally:
        del sys.modules["fake_pkg"]
