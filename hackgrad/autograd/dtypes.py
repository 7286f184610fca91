"""PyTorch's dtype names and its device idiom, for programs that port by changing their imports.

dtypes are NumPy dtypes under PyTorch's names (`hackgrad.float32 == np.dtype("float32")`), so a tensor's
`.dtype` compares equal to them. There is one device, the CPU: `device("cpu")` and `.to("cpu")` are accepted
everywhere, and asking for any other device fails at once, naming what is missing.
"""

import builtins

import numpy as np

__all__ = [
    "float16", "half", "float32", "float64", "double", "int8", "int16", "int32", "int64", "long", "uint8",
    "bool", "float", "int", "device", "as_dtype", "as_device", "is_floating_point",
]

float16 = half = np.dtype("float16")
float32 = np.dtype("float32")
float64 = double = np.dtype("float64")
int8, int16, int32, int64, uint8 = (np.dtype(n) for n in ("int8", "int16", "int32", "int64", "uint8"))
long = int64


def as_dtype(dtype, what="dtype"):
    """`dtype` (a name, a NumPy dtype or type, or one of the names above) as a NumPy dtype."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{what}: {dtype!r} is not a dtype; expected e.g. hackgrad.float32 or 'int64'") from None


def is_floating_point(t):
    return np.dtype(t.dtype).kind == "f"


class device:
    """Where a tensor lives. hackgrad computes on the CPU only; `device("cuda")` can be named (programs
    build it before checking) but any tensor or module sent there raises."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        self.type = name
        self.index = builtins.int(number) if number else index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type={self.type!r}" + ("" if self.index is None else f", index={self.index}") + ")"


CPU = device("cpu")


def as_device(dev, what="to"):
    """Check that `dev` names the CPU (a string, a `device`, or None) and return the CPU device."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev) if isinstance(dev, str) else None
    if d is None:
        raise TypeError(f"{what}: expected a device such as 'cpu', got {dev!r}")
    if d.type != "cpu":
        raise RuntimeError(
            f"{what}({str(d)!r}): hackgrad has no {d.type.upper()} backend and computes on the CPU only "
            "(hackgrad.cuda.is_available() is False); use 'cpu', or pick the device with "
            "'cuda' if hackgrad.cuda.is_available() else 'cpu'"
        )
    return CPU


# PyTorch's short names, defined last: inside this module they shadow the builtins
bool = np.dtype("bool")
float = float32
int = int32


def to_arguments(args, dtype=None, dev=None):
    """`(dtype, device)` from the positional arguments of PyTorch's `to` (a dtype, a device, a dtype name, a
    device name, or a tensor whose dtype to take), over the `dtype=`/`device=` keywords."""
    from hackgrad.autograd.tensor import Tensor  # tensor.py imports this module

    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, device) or (isinstance(a, str) and not _is_dtype_name(a)):
            dev = a
        else:
            dtype = a
    return dtype, dev


def _is_dtype_name(s):
    """'float64' names a dtype, 'cpu' or 'cuda:0' a device (both are strings in `to`)."""
    try:
        np.dtype(s)
    except TypeError:
        return False
    return True
