"""Checkpoints: one file that holds a whole experiment, written so that a crash never leaves a broken one.

The file is an uncompressed `.npz` (a zip of `.npy` arrays, read with `allow_pickle=False`, so loading
never runs code). Besides the arrays it holds two entries:

- `__meta__`: UTF-8 JSON of everything that is not an array (model config, optimizer options, scheduler
  state, RNG states, history, data settings, seed, epoch/step). Where a nested state holds an array, the
  JSON holds a reference `{"__array__": "a12"}` to the entry `a12`.
- `__sha256__`: the SHA-256 of the payload (every array's name, dtype, shape and bytes, then the meta
  text), checked on load, so a flipped bit is reported rather than trained on.

Writes go to a temporary file in the same folder, are flushed to disk (fsync), and then renamed over the
old file (`os.replace`, atomic on POSIX and Windows): a process killed mid-save leaves the previous
checkpoint intact.
"""

import contextlib
import hashlib
import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from hackgrad.autograd.tensor import Tensor

__all__ = [
    "CheckpointError",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "write_checkpoint",
    "read_checkpoint",
    "encode_state",
    "decode_state",
    "atomic_write",
    "CHECKPOINT_NAME",
]

FORMAT = "hackgrad-checkpoint"
VERSION = 1
CHECKPOINT_NAME = "checkpoint.npz"  # the file name inside a run folder


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, damaged, truncated, or not a hackgrad checkpoint."""


# --- atomic writes ------------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file next to `path`; on success fsync it and rename it over `path`.

    On any error (or a kill) `path` keeps its previous content; the temporary file is removed on errors.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; give the usual permissions
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder):
    # the rename itself lives in the directory: sync it too so it survives a power cut (POSIX only)
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- nested state <-> JSON + arrays -----------------------------------------------------------------
def encode_state(obj, arrays, where="state"):
    """A JSON-able copy of `obj` whose arrays are moved into `arrays` (name -> ndarray) and referenced.

    Handles dicts (any hashable JSON-able keys), lists, tuples, NumPy arrays and scalars, Tensors,
    floats (NaN and infinities included), ints, strings, bools and None. Anything else is a TypeError
    naming where in the state it sits.
    """
    # NumPy scalars first: np.float64 is also a Python float, and its dtype must survive a round trip
    if isinstance(obj, (np.ndarray, np.generic, Tensor)):
        arr = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"{where}: cannot store an array of dtype {arr.dtype} without pickle")
        name = f"a{len(arrays)}"
        arrays[name] = np.array(arr, order="C")  # a copy (and not ascontiguousarray: it makes 0-d arrays 1-d)
        return {"__array__": name, "scalar": isinstance(obj, np.generic)}
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in obj):
            return {k: encode_state(v, arrays, f"{where}[{k!r}]") for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"{where}: dict key {k!r} of type {type(k).__name__} cannot be stored")
            items.append([encode_state(k, arrays, where), encode_state(v, arrays, f"{where}[{k!r}]")])
        return {"__items__": items, "ordered": isinstance(obj, OrderedDict)}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode_state(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [encode_state(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, np.random.Generator):
        raise TypeError(f"{where}: store a Generator's bit_generator.state, not the Generator itself")
    raise TypeError(
        f"{where}: cannot store a {type(obj).__name__} in a checkpoint (no pickle); "
        "expected numbers, strings, lists, dicts or arrays"
    )


def decode_state(obj, arrays):
    """Inverse of `encode_state`: arrays come back as NumPy arrays (scalars as NumPy scalars)."""
    if isinstance(obj, list):
        return [decode_state(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__array__" in obj:
        arr = arrays[obj["__array__"]]
        return arr[()] if obj.get("scalar") else np.array(arr, copy=True)
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__tuple__" in obj:
        return tuple(decode_state(v, arrays) for v in obj["__tuple__"])
    if "__items__" in obj:
        pairs = [(decode_state(k, arrays), decode_state(v, arrays)) for k, v in obj["__items__"]]
        return OrderedDict(pairs) if obj.get("ordered") else dict(pairs)
    return {k: decode_state(v, arrays) for k, v in obj.items()}


# --- the file -------------------------------------------------------------------------------------------
def _digest(arrays, meta_bytes):
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = arrays[name]
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes(order="C"))
    h.update(meta_bytes)
    return h.hexdigest()


def write_checkpoint(path, meta, arrays):
    """Atomically write `meta` (JSON-able dict) and `arrays` (name -> ndarray) with their checksum."""
    for name in arrays:
        if name.startswith("__"):
            raise ValueError(f"write_checkpoint: array names starting with '__' are reserved, got {name!r}")
    meta = dict(meta, format=FORMAT, version=VERSION)
    meta_bytes = json.dumps(meta, allow_nan=False).encode("utf-8")
    digest = _digest(arrays, meta_bytes)
    entries = dict(arrays)
    entries["__meta__"] = np.frombuffer(meta_bytes, dtype=np.uint8)
    entries["__sha256__"] = np.frombuffer(digest.encode("ascii"), dtype=np.uint8)
    buffer = io.BytesIO()  # build the zip in memory so the file write is one short, fsync'd burst
    np.savez(buffer, **entries)
    with atomic_write(path) as f:
        f.write(buffer.getbuffer())
    return Path(path)


def read_checkpoint(path):
    """(meta, arrays) of a checkpoint, after checking that it is complete and its checksum matches."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    hint = "it is damaged or truncated (was the disk full, or the file copied partially?)"
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = set(npz.files)
            if "__meta__" not in names or "__sha256__" not in names:
                raise CheckpointError(
                    f"{path} is not a hackgrad checkpoint: it lacks the __meta__/__sha256__ entries"
                )
            arrays = {name: npz[name] for name in names}
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile) as err:
        raise CheckpointError(f"cannot read checkpoint {path}: {hint} ({type(err).__name__}: {err})") from err
    meta_bytes = arrays.pop("__meta__").tobytes()
    stored = arrays.pop("__sha256__").tobytes().decode("ascii", errors="replace")
    if _digest(arrays, meta_bytes) != stored:
        raise CheckpointError(f"checkpoint {path} fails its SHA-256 check: {hint}")
    try:
        meta = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:  # pragma: no cover - the checksum passed
        raise CheckpointError(f"checkpoint {path}: unreadable metadata ({err})") from err
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a hackgrad checkpoint (format {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise CheckpointError(
            f"{path} has checkpoint version {meta.get('version')}; this hackgrad reads {VERSION}"
        )
    return meta, arrays


# --- the experiment view --------------------------------------------------------------------------------
class Checkpoint:
    """What a checkpoint file holds, decoded: `model_state`, `optimizer_state`, `scheduler_state`,
    `rng_state`, `callbacks_state`, `history`, `model_spec`, `config`, `seed`, `epoch`, `step`, `extra`."""

    FIELDS = (
        "model_state",
        "optimizer_state",
        "scheduler_state",
        "rng_state",
        "callbacks_state",
        "history",
        "model_spec",
        "config",
        "seed",
        "epoch",
        "step",
        "stopped",
        "extra",
    )

    def __init__(self, path=None, **fields):
        unknown = set(fields) - set(self.FIELDS)
        if unknown:
            raise TypeError(
                f"Checkpoint: unknown fields {sorted(unknown)}; expected {', '.join(self.FIELDS)}"
            )
        self.path = None if path is None else Path(path)
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))

    def build_model(self, *, best=False):
        """The model rebuilt from its stored config, with the stored (or, with `best`, the best) weights."""
        if self.model_spec is None:
            raise CheckpointError(
                f"checkpoint {self.path} stores no model config; build the model yourself and call "
                "model.load_state_dict(checkpoint.model_state)"
            )
        from hackgrad.train.model_spec import build_model

        model = build_model(self.model_spec)
        model.load_state_dict(self.best_state() if best else self.model_state)
        return model

    def best_state(self):
        """The weights EarlyStopping kept as the best, else the last ones."""
        for entry in self.callbacks_state or ():
            state = entry.get("state") or {}
            if state.get("best_weights") is not None:
                return state["best_weights"]
        return self.model_state

    def __repr__(self):
        return f"Checkpoint(path={str(self.path)!r}, epoch={self.epoch}, step={self.step})"


def save_checkpoint(path, checkpoint=None, **fields):
    """Write a `Checkpoint` (or its fields as keywords) to `path` atomically; returns the path."""
    if checkpoint is None:
        checkpoint = Checkpoint(**fields)
    elif fields:
        raise TypeError("save_checkpoint: pass either a Checkpoint or its fields, not both")
    arrays = {}
    meta = {name: encode_state(getattr(checkpoint, name), arrays, name) for name in Checkpoint.FIELDS}
    return write_checkpoint(path, meta, arrays)


def load_checkpoint(path):
    """Read and verify the checkpoint at `path` (a file, or a run folder holding checkpoint.npz)."""
    meta, arrays = read_checkpoint(path)
    path = Path(path)
    path = path / CHECKPOINT_NAME if path.is_dir() else path
    try:
        fields = {name: decode_state(meta.get(name), arrays) for name in Checkpoint.FIELDS}
    except KeyError as err:
        raise CheckpointError(f"checkpoint {path} refers to a missing array {err}") from err
    if fields["model_state"] is not None:
        fields["model_state"] = OrderedDict(fields["model_state"])
    return Checkpoint(path, **fields)
