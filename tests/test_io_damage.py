"""Damaged files fail with the one clear error type, before anything is allocated; killed saves are cleaned up."""

import fcntl
import io
import os
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from hackgrad.io import ContainerError, atomic_write, read_container, remove_stale_temporaries, write_container

ARRAYS = {
    "w": np.arange(12, dtype=np.float32).reshape(3, 4),
    "b": np.array([1.5, -2.0], dtype=np.float64),
    "step": np.array(7, dtype=np.int64),
    "names": np.array(["a", "bc"]),
}
META = {"epoch": 3, "note": "fuzz"}


def _save(path):
    write_container(path, "checkpoint", META, ARRAYS)
    return path


def _same(header, arrays):
    assert header["kind"] == "checkpoint" and header["epoch"] == 3 and header["note"] == "fuzz"
    assert arrays.keys() == ARRAYS.keys()
    for k, v in ARRAYS.items():
        assert arrays[k].dtype == v.dtype and arrays[k].shape == v.shape
        np.testing.assert_array_equal(arrays[k], v)


def _header_ranges(blob):
    """Byte ranges of everything but array data: zip local headers, .npy headers, central directory."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        infos = zf.infolist()
        for info in infos:
            start = info.header_offset
            name_len, extra_len = struct.unpack("<HH", blob[start + 26 : start + 30])
            data = start + 30 + name_len + extra_len
            npy_len = struct.unpack("<H", blob[data + 8 : data + 10])[0] + 10
            ranges.append((start, data + npy_len))
        ranges.append((blob.find(b"PK\x01\x02"), len(blob)))  # the central directory to the end
    return ranges


def test_bit_flips_across_the_headers_load_identically_or_raise_the_one_error(tmp_path):
    """Time-bounded: every single-bit flip in the headers, in a fixed shuffled order, for up to 10 seconds."""
    blob = _save(tmp_path / "good.npz").read_bytes()
    positions = np.concatenate([np.arange(a, b) for a, b in _header_ranges(blob)])
    bits = np.random.default_rng(0).permutation(len(positions) * 8)
    path = tmp_path / "flipped.npz"
    deadline = time.monotonic() + 10
    outcomes = {"identical": 0, "refused": 0}
    n = 0
    for bit in bits:
        if time.monotonic() > deadline:
            break
        n += 1
        damaged = bytearray(blob)
        damaged[positions[bit // 8]] ^= 1 << (bit % 8)
        path.write_bytes(bytes(damaged))
        try:
            header, arrays = read_container(path, "checkpoint")
        except ContainerError as err:
            assert str(path) in str(err)
            outcomes["refused"] += 1
            continue
        _same(header, arrays)  # a flip the format does not care about (a timestamp, say)
        outcomes["identical"] += 1
    print(f"{n} flips in 10 s: {outcomes}")
    assert n >= 300 and outcomes["refused"] > 0, outcomes


def test_a_bare_npy_a_foreign_member_and_junk_are_the_one_error(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(ContainerError, match="damaged or truncated"):
        read_container(tmp_path / "a.npy")
    with zipfile.ZipFile(tmp_path / "z.npz", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ContainerError, match="'readme.txt' is not one .npy array"):
        read_container(tmp_path / "z.npz")
    (tmp_path / "j.npz").write_bytes(os.urandom(300))
    with pytest.raises(ContainerError):
        read_container(tmp_path / "j.npz")
    np.savez(tmp_path / "plain.npz", x=np.ones(2))
    with pytest.raises(ContainerError, match="not a hackgrad"):
        read_container(tmp_path / "plain.npz")


def _rewrite(src, dst, compress=False, npy_header=None):
    """Copy a container member by member, optionally compressed or with one .npy header replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if npy_header is not None and info.filename == "w.npy":
                data = npy_header(data)
            zout.writestr(info.filename, data, zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)


def test_compressed_members_are_refused_before_anything_is_decompressed(tmp_path):
    big = {"zeros": np.zeros(20_000_000, dtype=np.float32)}  # 80 MB of zeros deflate to ~80 kB
    write_container(tmp_path / "big.npz", "checkpoint", {}, big)
    del big
    _rewrite(tmp_path / "big.npz", tmp_path / "bomb.npz", compress=True)
    assert (tmp_path / "bomb.npz").stat().st_size < 1_000_000
    tracemalloc.start()
    with pytest.raises(ContainerError, match="is compressed; hackgrad never writes compressed members"):
        read_container(tmp_path / "bomb.npz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5_000_000


def _claim_shape(shape):
    def edit(data):
        n = struct.unpack("<H", data[8:10])[0]
        text = data[10 : 10 + n].decode("latin1")
        new = text.replace("(3, 4)", str(shape)).ljust(n)[:n]
        return data[:10] + new.encode("latin1") + data[10 + n :]

    return edit


def test_a_header_claiming_terabytes_is_refused_without_allocating(tmp_path):
    _save(tmp_path / "good.npz")
    _rewrite(tmp_path / "good.npz", tmp_path / "huge.npz", npy_header=_claim_shape((1 << 20, 1 << 20)))
    tracemalloc.start()
    with pytest.raises(ContainerError, match=r"declares shape \(1048576, 1048576\) of float32, 4398046511104 bytes"):
        read_container(tmp_path / "huge.npz")
    assert tracemalloc.get_traced_memory()[1] < 5_000_000
    tracemalloc.stop()
    _rewrite(tmp_path / "good.npz", tmp_path / "neg.npz", npy_header=_claim_shape((-3, 4)))
    with pytest.raises(ContainerError, match=r"declares shape \(-3, 4\)"):
        read_container(tmp_path / "neg.npz")


def test_an_object_dtype_in_a_header_is_refused_and_never_unpickled(tmp_path):
    def to_object(data):
        n = struct.unpack("<H", data[8:10])[0]
        text = data[10 : 10 + n].decode("latin1").replace("'<f4'", "'|O' ")
        return data[:10] + text.encode("latin1") + data[10 + n :]

    _save(tmp_path / "good.npz")
    _rewrite(tmp_path / "good.npz", tmp_path / "obj.npz", npy_header=to_object)
    with pytest.raises(ContainerError, match="dtype '|O' , which hackgrad never writes|dtype"):
        read_container(tmp_path / "obj.npz")


def test_an_edited_number_fails_the_checksum(tmp_path):
    blob = bytearray(_save(tmp_path / "good.npz").read_bytes())
    at = blob.find(np.float64(-2.0).tobytes())
    blob[at + 7] ^= 0x01
    (tmp_path / "edited.npz").write_bytes(bytes(blob))
    with pytest.raises(ContainerError, match="SHA-256|damaged"):
        read_container(tmp_path / "edited.npz")


def test_the_estimator_file_loader_raises_its_one_error_too(tmp_path):
    from hackgrad.estimators import MLPClassifier, ModelFileError

    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "m.npz"
    clf.save(path)
    blob = path.read_bytes()
    path.write_bytes(blob[:-100])  # cut short
    with pytest.raises(ModelFileError, match="damaged or truncated"):
        MLPClassifier.load(path)
    damaged = bytearray(blob)
    start = _header_ranges(blob)[0][0]
    name_len, extra_len = struct.unpack("<HH", blob[start + 26 : start + 30])
    damaged[start + 30 + name_len + extra_len + 8] ^= 0x04  # the first member's .npy header length
    path.write_bytes(bytes(damaged))
    with pytest.raises(ModelFileError):
        MLPClassifier.load(path)
    np.save(tmp_path / "bare.npy", np.ones(2))
    with pytest.raises(ModelFileError):
        MLPClassifier.load(tmp_path / "bare.npy")


def test_stale_temporaries_of_our_naming_are_removed_on_the_next_save_or_load(tmp_path):
    target = _save(tmp_path / "checkpoint.npz")
    stale = tmp_path / ".checkpoint.npz.ab12cd_9.tmp"
    stale.write_bytes(b"x" * 1000)
    other = tmp_path / ".other.npz.ab12cd_9.tmp"  # another file's: not ours to touch
    other.write_bytes(b"x")
    mine = tmp_path / ".checkpoint.npz.notours.tmp"  # not mkstemp's naming
    mine.write_bytes(b"x")
    read_container(target)
    assert not stale.exists() and other.exists() and mine.exists()
    stale.write_bytes(b"x")
    _save(target)
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == [mine.name, other.name]


def test_a_live_writers_temporary_is_never_removed(tmp_path):
    target = tmp_path / "checkpoint.npz"
    with atomic_write(target) as f:
        f.write(b"partial")
        live = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(live) == 1
        assert remove_stale_temporaries(target) == []  # the writer holds its lock
        assert live[0].exists()
    assert target.read_bytes() == b"partial" and not live[0].exists()
    # the same file with nobody holding the lock is stale
    stale = tmp_path / ".checkpoint.npz.zz99zz99.tmp"
    stale.write_bytes(b"x")
    fd = os.open(stale, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert remove_stale_temporaries(target) == []
    os.close(fd)
    assert remove_stale_temporaries(target) == [stale]
