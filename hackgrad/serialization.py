"""`hackgrad.save` / `hackgrad.load`: PyTorch's idiom for a state dict, in the project's safe file format.

`save(model.state_dict(), "model.pt")` writes hackgrad's container (hackgrad.io: an `.npz` of plain arrays
plus a JSON header of kind "saved-object", SHA-256 checked, written atomically); `load` reads it back with
`allow_pickle=False`, so loading a file never runs code. Only data goes in: dicts, lists, tuples, numbers,
strings, arrays and tensors (which come back as NumPy arrays, what `load_state_dict` takes). A damaged
or foreign file raises `ContainerError`.
"""

from hackgrad.autograd.dtypes import as_device
from hackgrad.io import ContainerError, read_container, write_container
from hackgrad.train.checkpoint import decode_state, encode_state

__all__ = ["save", "load", "ContainerError"]

KIND = "saved-object"


def save(obj, f):
    """Write `obj` (e.g. a state dict) to the path `f`, atomically."""
    arrays = {}
    state = encode_state(obj, arrays, where="save")
    write_container(f, KIND, {"state": state}, arrays)


def load(f, map_location=None, weights_only=True):
    """Read what `save` wrote. `map_location` may name the CPU only; `weights_only` is always true here
    (no pickle), so it is accepted and ignored."""
    as_device(map_location, "load")
    header, arrays = read_container(f, KIND, what="saved object")
    return decode_state(header["state"], arrays)
