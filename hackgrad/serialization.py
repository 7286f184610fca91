"""`hackgrad.save` / `hackgrad.load`: PyTorch's idiom for a state dict, in the project's safe file format.

`save(model.state_dict(), "model.pt")` writes the checkpoint container of hackgrad.train.checkpoint (an
`.npz` of plain arrays plus JSON, checksummed, written atomically); `load` reads it back with
`allow_pickle=False`, so loading a file never runs code. Only data goes in: dicts, lists, tuples,
numbers, strings, arrays and tensors (which come back as NumPy arrays, what `load_state_dict` takes).
A damaged or foreign file raises `CheckpointError`.
"""

from hackgrad.autograd.dtypes import as_device
from hackgrad.train.checkpoint import CheckpointError, decode_state, encode_state, read_checkpoint, write_checkpoint

__all__ = ["save", "load", "CheckpointError"]

KIND = "saved-object"


def save(obj, f):
    """Write `obj` (e.g. a state dict) to the path `f`, atomically."""
    arrays = {}
    state = encode_state(obj, arrays, where="save")
    write_checkpoint(f, {"kind": KIND, "state": state}, arrays)


def load(f, map_location=None, weights_only=True):
    """Read what `save` wrote. `map_location` may name the CPU only; `weights_only` is always true here
    (no pickle), so it is accepted and ignored."""
    as_device(map_location, "load")
    meta, arrays = read_checkpoint(f)
    if meta.get("kind") != KIND:
        raise CheckpointError(f"load: {f} holds a {meta.get('kind')!r}, not an object written by hackgrad.save")
    return decode_state(meta["state"], arrays)
