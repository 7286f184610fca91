"""Checkpoints: one file that holds a whole experiment, a `kind="checkpoint"` file of `hackgrad.io`'s container.

The container (an uncompressed `.npz` read without pickle, checksummed, written atomically) is described in
`hackgrad.io`. Besides the arrays, a checkpoint's JSON header holds everything that is not an array (model
config, optimizer options, scheduler state, RNG states, history, data settings, seed, epoch/step). Where a
nested state holds an array, the JSON holds a reference `{"__array__": "a12"}` to the entry `a12`.
Checkpoints written before the container (format "hackgrad-checkpoint", version 1) still load.
"""

import math
from collections import OrderedDict
from pathlib import Path

import numpy as np

from hackgrad.autograd.tensor import Tensor
from hackgrad.io import (
    ContainerError,
    atomic_write,  # noqa: F401  (re-exported: older code imports it from here)
    read_container,
    write_container,
)

__all__ = [
    "CheckpointError",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "write_checkpoint",
    "read_checkpoint",
    "encode_state",
    "decode_state",
    "CHECKPOINT_NAME",
]

KIND = "checkpoint"
CHECKPOINT_NAME = "checkpoint.npz"  # the file name inside a run folder


class CheckpointError(ContainerError, RuntimeError):
    """A checkpoint file is missing, damaged, truncated, not a hackgrad checkpoint, or does not fit."""


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
def write_checkpoint(path, meta, arrays):
    """Atomically write `meta` (JSON-able dict) and `arrays` (name -> ndarray) as a checkpoint file."""
    return write_container(path, KIND, meta, arrays)


def read_checkpoint(path):
    """(meta, arrays) of a checkpoint (a file, or a run folder holding checkpoint.npz), checked whole."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    return read_container(path, KIND, what="checkpoint", error=CheckpointError)


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
