"""Files: the one atomic write and the one checksummed container beneath everything hackgrad saves.

`atomic_write(path)` writes to a temporary file in the same folder, flushes it to disk (fsync) and renames
it over `path` (`os.replace`, atomic on POSIX and Windows): a process killed mid-save leaves the previous
file intact. Checkpoints, estimator files, ensembles, the MNIST cache, plots and circuit drawings all go
through it.

The container is an uncompressed `.npz` (a zip of `.npy` arrays, read with `allow_pickle=False`, so loading
never runs code) with two extra entries:

- `__meta__`: UTF-8 JSON, a header `{"format": "hackgrad", "version": 2, "kind": ...}` plus the caller's
  JSON-able fields. The `kind` ("checkpoint", "estimator", "ensemble", ...) says what the file holds.
- `__sha256__`: the SHA-256 of every array's name, dtype, shape and bytes, then the header text, checked
  on load, so a flipped bit or an edited number is reported rather than trained on.

Files written before the container existed (checkpoint format 1, model-file format 1) are still read.
Every failure to read is a `ContainerError` (a ValueError) naming the file and what is wrong with it.

This module sits below every other one: it imports only the standard library at load time (the scalar
engine writes its drawings with `atomic_write` and must not pull in NumPy), and NumPy inside the container
functions.
"""

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

__all__ = ["atomic_write", "write_container", "read_container", "ContainerError", "FORMAT", "VERSION"]

FORMAT = "hackgrad"
VERSION = 2
_META, _SHA = "__meta__", "__sha256__"
_HEADER = ("format", "version", "kind")
# files from before the container: (format name, version) -> the kind they hold
_LEGACY_CHECKPOINT = ("hackgrad-checkpoint", 1)
_LEGACY_MODEL = ("hackgrad-model", 1)


class ContainerError(ValueError):
    """A saved file that is missing, truncated, damaged, of another kind, or not a hackgrad file."""


# --- the one atomic write -----------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Open a temporary file next to `path`; on success fsync it and rename it over `path`.

    On any error (or a kill) `path` keeps its previous content; the temporary file is removed on errors.
    Text modes default to UTF-8.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; give the usual permissions
        with os.fdopen(fd, mode, encoding=encoding) as f:
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


# --- the one container ----------------------------------------------------------------------------------
def _digest(arrays, meta_bytes):
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = arrays[name]
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes(order="C"))
    h.update(meta_bytes)
    return h.hexdigest()


def _storable(name, value):
    import numpy as np

    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        # object arrays would need pickle; labels that are all strings store as a unicode array instead
        if all(isinstance(v, str) for v in arr.ravel()):
            return arr.astype(str)
        raise TypeError(
            f"save: array {name!r} has dtype object ({arr.ravel()[:3]!r}...); only numbers and strings "
            "can be stored without pickle"
        )
    if arr.dtype.kind not in "biufcU":
        raise TypeError(f"save: array {name!r} of dtype {arr.dtype} cannot be stored without pickle")
    return np.array(arr, order="C")  # a copy (ascontiguousarray would make 0-d arrays 1-d)


def write_container(path, kind, meta, arrays):
    """Atomically write `arrays` (name -> array) and `meta` (a JSON-able dict) as a `kind` file."""
    import numpy as np

    if not isinstance(kind, str) or not kind:
        raise ValueError(f"write_container: kind must be a non-empty string, got {kind!r}")
    for name in arrays:
        if name.startswith("__"):
            raise ValueError(f"write_container: array names starting with '__' are reserved, got {name!r}")
    clash = set(_HEADER) & set(meta)
    if clash:
        raise ValueError(f"write_container: meta keys {sorted(clash)} are reserved for the header")
    arrays = {name: _storable(name, a) for name, a in arrays.items()}
    header = {"format": FORMAT, "version": VERSION, "kind": kind, **meta}
    meta_bytes = json.dumps(header, allow_nan=False).encode("utf-8")
    entries = dict(arrays)
    entries[_META] = np.frombuffer(meta_bytes, dtype=np.uint8)
    entries[_SHA] = np.frombuffer(_digest(arrays, meta_bytes).encode("ascii"), dtype=np.uint8)
    buffer = io.BytesIO()  # build the zip in memory so the file write is one short, fsync'd burst
    np.savez(buffer, **entries)
    with atomic_write(path) as f:
        f.write(buffer.getbuffer())
    return Path(path)


def read_container(path, kind=None, *, what="hackgrad file", error=ContainerError):
    """(header, arrays) of a file written by `write_container`, after checking it whole.

    `kind`, when given, is the kind the caller expects; `what` names the file in messages ("checkpoint");
    `error` is the ContainerError subclass to raise. The header keeps `format`, `version` and `kind`.
    """
    import numpy as np

    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found: {path} (no such {what})")
    damaged = (f"cannot read {what} {path}: it is damaged or truncated "
               "(was the disk full, or the file copied partially?)")
    try:
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, KeyError, AttributeError, TypeError, zipfile.BadZipFile,
            zipfile.LargeZipFile) as err:  # a bare .npy or other bytes are not a zip at all
        raise error(f"{damaged} ({type(err).__name__}: {err})") from None
    if _META not in arrays:
        raise error(f"{path} is not a hackgrad {what}: it lacks the {_META} entry")
    meta_bytes = arrays.pop(_META).tobytes()
    try:
        header = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise error(f"{damaged} (unreadable {_META}: {err})") from None
    if not isinstance(header, dict):
        raise error(f"{path} is not a hackgrad {what}: its {_META} is not a JSON object")
    fmt = (header.get("format"), header.get("version"))
    if fmt == _LEGACY_MODEL:
        ok = header.pop("checksum", None) == _legacy_model_digest(header, arrays)
    elif _SHA in arrays:
        ok = arrays.pop(_SHA).tobytes().decode("ascii", errors="replace") == _digest(arrays, meta_bytes)
    else:
        raise error(f"{path} is not a hackgrad {what}: it lacks the {_SHA} entry")
    if fmt[0] not in (FORMAT, _LEGACY_CHECKPOINT[0], _LEGACY_MODEL[0]):
        raise error(f"{path} is not a hackgrad {what} (format {fmt[0]!r})")
    if fmt not in ((FORMAT, VERSION), _LEGACY_CHECKPOINT, _LEGACY_MODEL):
        raise error(
            f"{path} has {fmt[0]} format version {fmt[1]!r}; this hackgrad reads version {VERSION} "
            f"(and the older {_LEGACY_CHECKPOINT[0]} 1 and {_LEGACY_MODEL[0]} 1)"
        )
    if not ok:
        raise error(f"{what} {path} fails its SHA-256 check (checksum mismatch): the file is damaged "
                    "(its contents were changed or cut)")
    if fmt == _LEGACY_CHECKPOINT:
        header.setdefault("kind", "checkpoint")
    if kind is not None and header.get("kind") != kind:
        raise error(f"{path}: holds a {header.get('kind')!r}, expected a {kind!r}")
    return header, arrays


def _legacy_model_digest(header, arrays):
    """The checksum of model-file format 1: the sorted header JSON first, then the arrays."""
    import numpy as np

    h = hashlib.sha256()
    h.update(json.dumps(header, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()
