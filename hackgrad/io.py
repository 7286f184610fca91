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

Reading trusts nothing the file says: the zip's directory and each `.npy` header are parsed here (not by
`np.load`), compressed or encrypted members are refused (the writer never makes them), every declared size
must fit in the file before anything is allocated, and the checksum is streamed over the file before the
arrays are read. A save killed midway leaves a `.NAME.XXXXXXXX.tmp` next to NAME; the next save or load of
NAME removes such leftovers (a writer holds a lock on its own temporary file, so a live one is never touched).

This module sits below every other one: it imports only the standard library at load time (the scalar
engine writes its drawings with `atomic_write` and must not pull in NumPy), and NumPy inside the container
functions.
"""

import ast
import contextlib
import hashlib
import io
import json
import math
import os
import re
import struct
import tempfile
import zipfile
from pathlib import Path

try:  # POSIX: a writer locks its temporary file, so a cleaner can tell a live one from a killed one
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = [
    "atomic_write", "write_container", "read_container", "ContainerError", "FORMAT", "VERSION",
    "check_writable_dir", "remove_stale_temporaries",
]

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
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until the file is closed (or we die)
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


def check_writable_dir(folder, flag="the output folder"):
    """Make `folder` (and its parents) if needed and prove it takes a file, before any work is done.

    Raises ValueError naming `flag` when it is a file, cannot be made, or refuses writes.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{flag} {folder} is a file, not a folder; choose a folder for the results")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        reason = err.strerror or err
        raise ValueError(f"{flag} {folder} cannot be written to ({reason}); choose another folder") from None
    return folder


def remove_stale_temporaries(path):
    """Delete `.NAME.XXXXXXXX.tmp` files that `atomic_write(path)` left when its process was killed.

    Only files of exactly our naming next to `path`, and only those no live writer holds its lock on (on
    systems without `fcntl`, only those untouched for an hour). Returns the paths removed.
    """
    path = Path(path)
    pattern = re.compile(r"\." + re.escape(path.name) + r"\.[a-z0-9_]{8}\.tmp")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        if pattern.fullmatch(name) and _remove_if_stale(path.parent / name):
            removed.append(path.parent / name)
    return removed


def _remove_if_stale(tmp):
    import time

    try:
        if fcntl is None:  # pragma: no cover - Windows: no locks to ask, so go by age
            if time.time() - tmp.stat().st_mtime < 3600:
                return False
            tmp.unlink()
            return True
        fd = os.open(tmp, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a live writer holds its lock
            tmp.unlink()  # still holding the lock, so no writer can be starting on it
            return True
        finally:
            os.close(fd)
    except OSError:
        return False


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
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found: {path} (no such {what})")
    remove_stale_temporaries(path)
    damaged = (f"cannot read {what} {path}: it is damaged or truncated "
               "(was the disk full, or the file copied partially?); restore it from a copy or save it again")
    try:
        with open(path, "rb") as f:
            header, arrays = _read_checked(f, path, what, error, damaged)
    except ContainerError:
        raise
    except Exception as err:  # whatever a damaged zip or .npy header makes the parsers throw: one error type
        raise error(f"{damaged} ({type(err).__name__}: {err})") from None
    if kind is not None and header.get("kind") != kind:
        raise error(f"{path}: holds a {header.get('kind')!r}, expected a {kind!r}")
    return header, arrays


def _read_checked(f, path, what, error, damaged):
    """Parse, check sizes, stream the checksum, and only then read the arrays (see the module docstring)."""
    size = os.fstat(f.fileno()).st_size
    zf = zipfile.ZipFile(f)
    members = _members(zf, size, error, damaged)
    if _META not in members:
        raise error(f"{path} is not a hackgrad {what}: it lacks the {_META} entry")
    meta = members[_META]
    if meta[1].str != "|u1" or len(meta[2]) != 1:
        raise error(f"{damaged} ({_META} is not a byte string)")
    meta_bytes = _read_array(zf, *meta).tobytes()
    try:
        header = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise error(f"{damaged} (unreadable {_META}: {err})") from None
    if not isinstance(header, dict):
        raise error(f"{path} is not a hackgrad {what}: its {_META} is not a JSON object")
    fmt = (header.get("format"), header.get("version"))
    names = sorted(n for n in members if n not in (_META, _SHA))
    if fmt == _LEGACY_MODEL:  # its checksum covers the header first: read, then check (sizes are checked)
        arrays = {n: _read_array(zf, *members[n]) for n in names}
        ok = header.pop("checksum", None) == _legacy_model_digest(header, arrays)
    elif _SHA in members:
        sha = members[_SHA]
        if sha[1].str != "|u1" or sha[2] != (64,):
            raise error(f"{damaged} ({_SHA} is not a SHA-256 hex digest)")
        expected = _read_array(zf, *sha).tobytes().decode("ascii", errors="replace")
        ok = expected == _streamed_digest(zf, members, names, meta_bytes)
        arrays = None
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
                    "(its contents were changed or cut); restore it from a copy or save it again")
    if fmt == _LEGACY_CHECKPOINT:
        header.setdefault("kind", "checkpoint")
    if arrays is None:  # the checksum held: now allocate and read (every size was checked against the file)
        arrays = {n: _read_array(zf, *members[n]) for n in names}
    return header, arrays


_NPY_MAGIC = b"\x93NUMPY"
_CHUNK = 1 << 20


def _members(zf, size, error, damaged):
    """{array name: (ZipInfo, dtype, shape, fortran_order, data offset)} after checking each member: stored
    (not compressed, not encrypted), an `.npy` whose header parses to a plain dtype and a shape whose bytes
    are exactly what the member holds, and all of it inside the file."""
    import numpy as np

    members, total = {}, 0
    for info in zf.infolist():
        name = info.filename
        if info.flag_bits & 0x1:
            raise error(f"{damaged} (member {name!r} is encrypted)")
        if info.compress_type != zipfile.ZIP_STORED:
            raise error(f"{damaged} (member {name!r} is compressed; hackgrad never writes compressed members)")
        if not name.endswith(".npy") or name[:-4] in members:
            raise error(f"{damaged} (member {name!r} is not one .npy array)")
        total += info.file_size
        if info.file_size != info.compress_size or info.header_offset + info.file_size > size or total > size:
            raise error(f"{damaged} (member {name!r} declares {info.file_size} bytes, more than the file holds)")
        with zf.open(info) as m:
            head = m.read(10)
            if len(head) < 10 or head[:6] != _NPY_MAGIC or head[6] not in (1, 2, 3):
                raise error(f"{damaged} (member {name!r} has no .npy header)")
            if head[6] == 1:
                (n,), offset = struct.unpack("<H", head[8:10]), 10
            else:
                (n,), offset = struct.unpack("<I", head[8:10] + m.read(2)), 12
            if n > 65536 or offset + n > info.file_size:
                raise error(f"{damaged} (member {name!r} declares a {n}-byte .npy header)")
            text = m.read(n).decode("latin1" if head[6] < 3 else "utf-8")
        fields = ast.literal_eval(text)  # literals only: nothing in the file can run
        if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
            raise error(f"{damaged} (member {name!r} has a malformed .npy header)")
        descr, fortran, shape = fields["descr"], fields["fortran_order"], fields["shape"]
        if not isinstance(descr, str) or not isinstance(fortran, bool) or not isinstance(shape, tuple):
            raise error(f"{damaged} (member {name!r} has a malformed .npy header)")
        if not all(type(d) is int and d >= 0 for d in shape):
            raise error(f"{damaged} (member {name!r} declares shape {shape})")
        dtype = np.dtype(descr)
        if dtype.kind not in "biufcU" or dtype.hasobject or dtype.fields is not None or dtype.subdtype:
            raise error(f"{damaged} (member {name!r} has dtype {descr!r}, which hackgrad never writes)")
        nbytes = math.prod(shape) * dtype.itemsize
        if offset + n + nbytes != info.file_size:
            raise error(
                f"{damaged} (member {name!r} declares shape {shape} of {dtype}, {nbytes} bytes, but holds "
                f"{info.file_size - offset - n})"
            )
        members[name[:-4]] = (info, dtype, shape, fortran, offset + n)
    return members


def _read_array(zf, info, dtype, shape, fortran, offset):
    """One member's array, read straight into its own buffer (its size was checked by `_members`)."""
    import numpy as np

    arr = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
    view = memoryview(arr.reshape(-1).view(np.uint8)) if arr.size else memoryview(b"")
    with zf.open(info) as m:
        m.read(offset)
        got = 0
        while got < len(view):
            n = m.readinto(view[got : got + _CHUNK])
            if not n:
                raise ValueError(f"member {info.filename!r} ends early")
            got += n
        m.read()  # to the end, so that zipfile checks the member's CRC-32
    return arr.T if fortran else arr


def _streamed_digest(zf, members, names, meta_bytes):
    """`_digest` computed from the file in chunks, before any array is allocated."""
    h = hashlib.sha256()
    for name in names:
        info, dtype, shape, fortran, offset = members[name]
        if fortran:  # the digest is over C-order bytes: this (old) member has to be read whole
            arr = _read_array(zf, info, dtype, shape, fortran, offset)
            h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
            h.update(arr.tobytes(order="C"))
            continue
        h.update(f"{name}|{dtype.str}|{shape}|".encode())
        with zf.open(info) as m:
            m.read(offset)
            while chunk := m.read(_CHUNK):
                h.update(chunk)
    h.update(meta_bytes)
    return h.hexdigest()


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
