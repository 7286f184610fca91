"""Model files: one `.npz` holding the arrays plus a JSON header, written atomically, checked on load.

No pickle anywhere: arrays are stored as NumPy's own format and everything else (class names,
hyperparameters, labels) as JSON, so loading a file can never run code. The header carries a SHA-256
over the header and every array, so a truncated or edited file is refused with a clear message
instead of yielding a silently different model.
"""

import hashlib
import io
import json
import os
import tempfile
import zipfile

import numpy as np

__all__ = ["ModelFileError", "save_arrays", "load_arrays", "FORMAT"]

FORMAT = "hackgrad-model"
VERSION = 1
_META_KEY = "__meta__"


class ModelFileError(ValueError):
    """A model file that is missing, truncated, damaged or not a hackgrad model file."""


def _checksum(meta, arrays):
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _storable(name, value):
    a = np.asarray(value)
    if a.dtype.kind == "O":
        # object arrays would need pickle; labels that are all strings store as a unicode array instead
        if all(isinstance(v, str) for v in a.ravel()):
            return a.astype(str)
        raise TypeError(
            f"save: array {name!r} has dtype object ({a.ravel()[:3]!r}...); only numbers and strings "
            "can be stored without pickle"
        )
    return a


def save_arrays(path, meta, arrays):
    """Write `arrays` (name -> array) and `meta` (a JSON-able dict) to `path` atomically.

    The file is written to a temporary name in the same folder, flushed to disk, then renamed over
    `path`, so a crash leaves either the old file or the new one, never half of one.
    """
    path = os.fspath(path)
    arrays = {name: _storable(name, a) for name, a in arrays.items()}
    if _META_KEY in arrays:
        raise ValueError(f"save: {_META_KEY!r} is reserved for the header")
    header = {"format": FORMAT, "version": VERSION, **meta}
    header["checksum"] = _checksum(header, arrays)
    blob = np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual permissions
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_META_KEY: blob}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load_arrays(path, expect_kind=None):
    """Read a file written by `save_arrays`: returns (meta, arrays); ModelFileError if it is damaged."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such model file")
    try:
        with open(path, "rb") as f:
            raw = f.read()
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            if _META_KEY not in z.files:
                raise ModelFileError(f"{path}: not a hackgrad model file (an .npz without a {_META_KEY} header)")
            arrays = {name: z[name] for name in z.files if name != _META_KEY}
            header = json.loads(z[_META_KEY].tobytes().decode())
    except ModelFileError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as err:
        raise ModelFileError(
            f"{path}: damaged or not a model file ({type(err).__name__}: {err}); re-save the model"
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a hackgrad model file (header format {header.get('format')!r})")
    if header.get("version") != VERSION:
        raise ModelFileError(f"{path}: file format version {header.get('version')}, this hackgrad reads {VERSION}")
    stored = header.pop("checksum", None)
    if stored != _checksum(header, arrays):
        raise ModelFileError(f"{path}: checksum mismatch, the file is damaged (its contents were changed or cut)")
    if expect_kind is not None and header.get("kind") != expect_kind:
        raise ModelFileError(f"{path}: holds a {header.get('kind')!r}, expected a {expect_kind!r}")
    header.pop("format")
    header.pop("version")
    return header, arrays
