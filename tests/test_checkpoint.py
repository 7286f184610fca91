"""Tests for hackgrad.train.checkpoint: the file format (no pickle, checksum), damaged files, atomic writes,
nested state round trips, rebuilding a model from its spec, and the JSON-able model specs."""

import json
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

from hackgrad import nn, optim
from hackgrad.nn import functional as F
from hackgrad.train import (
    Checkpoint,
    CheckpointError,
    build_model,
    fit,
    load_checkpoint,
    mlp_spec,
    save_checkpoint,
    spec_of,
)
from hackgrad.train.checkpoint import (
    atomic_write,
    decode_state,
    encode_state,
    read_checkpoint,
    write_checkpoint,
)
from hackgrad.train.model_spec import expand_spec


def test_nested_state_round_trip_keeps_types():
    state = {
        "state": {0: {"step": 3, "exp_avg": np.arange(4, dtype=np.float32)}, 1: {"step": np.int64(7)}},
        "param_groups": [
            {"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "amsgrad": False, "name": None}
        ],
        "odd": OrderedDict([("b", float("inf")), ("a", float("nan")), ("__x", -float("inf"))]),
        "scalar32": np.float32(0.1),
        "zero_d": np.array(5, dtype=np.int64),
        "f64": np.float64(2.5),
    }
    arrays = {}
    encoded = encode_state(state, arrays)
    text = json.dumps(encoded, allow_nan=False)  # strictly JSON: no NaN literals, no pickles
    back = decode_state(json.loads(text), arrays)
    assert list(back["state"]) == [0, 1]  # int keys stay ints
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], state["state"][0]["exp_avg"])
    assert back["state"][0]["exp_avg"].dtype == np.float32
    assert back["state"][1]["step"] == 7 and isinstance(back["state"][1]["step"], np.int64)
    assert back["param_groups"][0]["betas"] == (0.9, 0.999) and back["param_groups"][0]["lr"] == 1e-3
    assert isinstance(back["odd"], OrderedDict) and list(back["odd"]) == ["b", "a", "__x"]
    assert back["odd"]["b"] == float("inf") and np.isnan(back["odd"]["a"])
    assert back["scalar32"] == np.float32(0.1) and back["scalar32"].dtype == np.float32
    assert back["zero_d"].shape == () and back["f64"].dtype == np.float64
    with pytest.raises(TypeError, match=r"state\['fn'\]: cannot store a builtin_function_or_method"):
        encode_state({"fn": print}, {})
    with pytest.raises(TypeError, match="without pickle"):
        encode_state({"x": np.array([object()])}, {})


def _write_sample(path):
    model = build_model(mlp_spec(3, [5], 2, dropout=0.5), seed=1)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    fit(
        model,
        F.cross_entropy,
        opt,
        (X, y),
        epochs=2,
        batch_size=8,
        checkpoint_dir=path,
        config={"data": "toy"},
        verbose=0,
    )
    return model, opt


def test_checkpoint_holds_the_whole_experiment(tmp_path):
    model, opt = _write_sample(tmp_path)
    path = tmp_path / "checkpoint.npz"
    with np.load(path, allow_pickle=False) as npz:  # a plain npz that loads without pickle
        assert "__meta__" in npz.files and "__sha256__" in npz.files
        assert all(npz[name].dtype != object for name in npz.files)
    ckpt = load_checkpoint(tmp_path)  # a folder or the file
    assert ckpt.epoch == 2 and ckpt.step == 6 and ckpt.seed == 0 and ckpt.config == {"data": "toy"}
    assert ckpt.model_spec == spec_of(model)
    assert (
        list(ckpt.history) == ["epoch", "loss", "accuracy", "lr", "time"] and len(ckpt.history["loss"]) == 2
    )
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(ckpt.model_state[k], v)
        assert ckpt.model_state[k].dtype == v.dtype
    saved_opt = ckpt.optimizer_state
    assert saved_opt["param_groups"][0]["lr"] == 1e-2 and saved_opt["state"][0]["step"] == 6
    np.testing.assert_array_equal(saved_opt["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    # dropout's generator state is plain JSON and restores the very next mask
    ((key, rng_state),) = ckpt.rng_state.items()
    assert key.endswith(":_rng") and rng_state["bit_generator"] == "PCG64"
    rebuilt = ckpt.build_model()
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(rebuilt.state_dict()[k], v)


def test_flipped_bit_fails_the_checksum(tmp_path):
    _write_sample(tmp_path)
    path = tmp_path / "checkpoint.npz"
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:  # flip a bit inside the first weight array's data, not in zip headers
        info = z.getinfo(sorted(n for n in z.namelist() if n.startswith("a"))[0])
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=f"{path}: it is damaged"):  # zip's CRC-32 notices first
        load_checkpoint(path)


def test_a_consistent_zip_with_changed_numbers_fails_the_sha256(tmp_path):
    _write_sample(tmp_path)
    path = tmp_path / "checkpoint.npz"
    with np.load(path, allow_pickle=False) as npz:
        entries = {name: npz[name] for name in npz.files}
    entries["a0"] = entries["a0"] + np.float32(1e-6)  # a valid file whose payload is not what was saved
    np.savez(path, **entries)
    with pytest.raises(CheckpointError, match=f"checkpoint {path} fails its SHA-256 check"):
        load_checkpoint(path)


def test_truncated_and_foreign_files_fail_with_the_file_name(tmp_path):
    _write_sample(tmp_path)
    path = tmp_path / "checkpoint.npz"
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=f"cannot read checkpoint {cut}: it is damaged or truncated"):
        load_checkpoint(cut)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match=str(empty)):
        load_checkpoint(empty)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, w=np.ones(3))
    with pytest.raises(CheckpointError, match=f"{foreign} is not a hackgrad checkpoint"):
        load_checkpoint(foreign)
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.npz")


def test_version_and_format_are_checked(tmp_path):
    path = tmp_path / "v.npz"
    write_checkpoint(path, {"x": 1}, {})
    meta, arrays = read_checkpoint(path)
    assert meta["x"] == 1 and meta["format"] == "hackgrad" and meta["kind"] == "checkpoint" and arrays == {}
    with pytest.raises(ValueError, match="reserved"):
        write_checkpoint(path, {}, {"__meta__": np.zeros(1)})


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "f.bin"
    with atomic_write(path) as f:
        f.write(b"old")
    with pytest.raises(RuntimeError, match="crash"):
        with atomic_write(path) as f:
            f.write(b"new, half written")
            raise RuntimeError("crash")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]  # the temporary file is cleaned up
    assert (path.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_save_and_load_a_checkpoint_object(tmp_path):
    ckpt = Checkpoint(
        model_state=OrderedDict(w=np.ones((2, 2), np.float32)), epoch=3, step=9, extra={"note": "x"}
    )
    save_checkpoint(tmp_path / "c.npz", ckpt)
    back = load_checkpoint(tmp_path / "c.npz")
    assert back.epoch == 3 and back.extra == {"note": "x"} and back.optimizer_state is None
    with pytest.raises(CheckpointError, match="stores no model config"):
        back.build_model()
    with pytest.raises(TypeError, match="unknown fields"):
        Checkpoint(weights=1)


def test_resume_into_a_different_model_is_refused(tmp_path):
    _write_sample(tmp_path)
    other = build_model(mlp_spec(3, [7], 2), seed=0)
    X, y = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(CheckpointError, match="was trained with model"):
        fit(
            other,
            F.cross_entropy,
            optim.SGD(other.parameters(), lr=0.1),
            (X, y),
            epochs=3,
            checkpoint_dir=tmp_path,
            resume=True,
            verbose=0,
        )
    hand_made = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(CheckpointError, match="does not fit this model"):
        fit(
            hand_made,
            F.cross_entropy,
            optim.SGD(hand_made.parameters(), lr=0.1),
            (X, y),
            epochs=3,
            checkpoint_dir=tmp_path,
            resume=True,
            verbose=0,
        )


# --- model specs --------------------------------------------------------------------------------------
def test_mlp_spec_builds_the_described_layers():
    model = build_model(mlp_spec(4, [8, 6], 3, activation="tanh", dropout=0.1, batchnorm=True), seed=0)
    kinds = [type(m).__name__ for m in model]
    assert kinds == [
        "Linear",
        "BatchNorm1d",
        "Tanh",
        "Dropout",
        "Linear",
        "BatchNorm1d",
        "Tanh",
        "Dropout",
        "Linear",
    ]
    assert model[0].weight.shape == (8, 4) and model[8].weight.shape == (3, 6)
    a, b = build_model(mlp_spec(4, [8], 3), seed=5), build_model(mlp_spec(4, [8], 3), seed=5)
    np.testing.assert_array_equal(a[0].weight.data, b[0].weight.data)  # the seed fixes the weights
    c = build_model(mlp_spec(4, [8], 3), seed=6)
    assert not np.array_equal(a[0].weight.data, c[0].weight.data)
    assert expand_spec({"type": "linear", "in_features": 4, "out_features": 3})["layers"] == [
        {"type": "Linear", "in_features": 4, "out_features": 3}
    ]
    general = build_model(
        {
            "type": "sequential",
            "layers": [
                {"type": "Linear", "in_features": 2, "out_features": 2},
                {"type": "LeakyReLU", "negative_slope": 0.2},
            ],
        }
    )
    assert general[1].negative_slope == 0.2 and spec_of(general)["type"] == "sequential"


def test_bad_specs_name_the_problem():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        build_model(mlp_spec(2, [3], 2, activation="swish"))
    with pytest.raises(ValueError, match="unknown type 'Dense'; expected one of .*Linear"):
        build_model({"type": "sequential", "layers": [{"type": "Dense"}]})
    with pytest.raises(ValueError, match="unknown model spec type 'cnn'"):
        build_model({"type": "cnn"})
    with pytest.raises(ValueError, match=r"cannot build layers\[0\]"):
        build_model({"type": "sequential", "layers": [{"type": "Linear", "in_features": 2}]})
    with pytest.raises(TypeError):
        build_model({"type": "linear", "in_features": 2, "out_features": 2, "extra": object()})
