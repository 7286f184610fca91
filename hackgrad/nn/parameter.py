"""`Parameter`: a tensor that a Module owns and an optimizer updates."""

import numpy as np

from hackgrad.autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is found by `Module.parameters()`.

    A floating array keeps its dtype (float64 weights for gradient checks stay float64); anything else
    becomes float32.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        arr = np.asarray(data.data if isinstance(data, Tensor) else data)
        if dtype is None:
            dtype = arr.dtype if arr.dtype.kind == "f" else np.float32
        super().__init__(arr, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
