"""Shape ops: they move values around, so their backward moves gradients back.

Squeeze, unsqueeze, flatten and view are all `Reshape`; expanding is `BroadcastTo`, whose backward is the
engine's own unbroadcast. Only indexing, joining and padding need backward code of their own.
"""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Reshape", "Transpose", "BroadcastTo", "GetItem", "Concatenate", "Stack", "Pad", "normalize_index", "torch_index_stages"]


class Reshape(Function):
    """y = x viewed with a new shape;  dx = dy viewed with the old shape"""

    def forward(self, x):
        self.old = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot view shape {x.shape} ({x.size} values) as {self.shape}"
            ) from None

    def backward(self, dy):
        return (dy.reshape(self.old),)


class Transpose(Function):
    """y = x with axes permuted;  dx = dy with the inverse permutation"""

    def forward(self, x):
        axes = self.axes
        if axes is not None and sorted(a + x.ndim if a < 0 else a for a in axes) != list(range(x.ndim)):
            raise ValueError(f"permute: {tuple(axes)} is not a permutation of the dims of shape {x.shape}")
        return np.transpose(x, axes)

    def backward(self, dy):
        inverse = None if self.axes is None else np.argsort([a % dy.ndim for a in self.axes])
        return (np.transpose(dy, inverse),)


class BroadcastTo(Function):
    """y = x repeated along stretched or new leading axes;  dx = dy summed over them (by the engine)"""

    def forward(self, x):
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(f"expand: cannot broadcast shape {x.shape} to {tuple(self.shape)}") from None

    def backward(self, dy):
        return (dy,)  # backward_walk's unbroadcast is exactly the sum this op needs


def normalize_index(index):
    """Tensors inside an index become arrays, so NumPy indexing rules apply as they are."""
    if isinstance(index, tuple):
        return tuple(i.data if hasattr(i, "data") and hasattr(i, "_fn") else i for i in index)
    return index.data if hasattr(index, "data") and hasattr(index, "_fn") else index


def _is_advanced(part):
    return isinstance(part, (list, np.ndarray)) or (hasattr(part, "__array__") and not np.isscalar(part))


def torch_index_stages(index):
    """The index as the NumPy indices that apply PyTorch's rule, one after the other.

    The rules differ in one case: integers and index arrays separated by a slice, e.g. x[0, :, [0, 1]] for
    x of shape (2, 3, 4). NumPy counts the integer as an index array, so the broadcast dims go first:
    (2, 3). PyTorch applies the integer first and then indexes the rest: (3, 2). Two stages do that: the
    basic part (integers, slices) first, then the index arrays on what remains.
    """
    parts = index if isinstance(index, tuple) else (index,)
    ints = [isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts]
    arrays = [_is_advanced(p) for p in parts]
    if not (True in ints and True in arrays):
        return (index,)
    basic, rest = [], []
    for p, is_int, is_array in zip(parts, ints, arrays):
        if is_int:
            basic.append(p)  # the dim is gone after the first stage
        elif is_array:
            n = np.asarray(p).ndim if np.asarray(p).dtype == bool else 1  # a boolean mask spans its ndim
            basic += [slice(None)] * n
            rest.append(p)
        elif p is None:
            basic.append(None)
            rest.append(slice(None))
        else:  # a slice or Ellipsis: applied in the first stage, kept whole in the second
            basic.append(p)
            rest.append(slice(None) if p is not Ellipsis else Ellipsis)
    return (tuple(basic), tuple(rest))


def _is_basic(index):
    """True for an index of ints, slices, None and Ellipsis only: it picks every element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    basic = (int, np.integer, slice, type(None), type(Ellipsis))
    return all(isinstance(p, basic) and not isinstance(p, bool) for p in parts)


class GetItem(Function):
    """y = x[index];  dx = zeros with dy scatter-added at index (repeated indices add up)"""

    def forward(self, x):
        self.shape = x.shape
        try:
            return x[self.index]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None

    def backward(self, dy):
        dx = np.zeros(self.shape, dtype=dy.dtype)
        if _is_basic(self.index):
            dx[self.index] = dy  # a basic index never repeats an element, so plain assignment is enough
        else:
            np.add.at(dx, self.index, dy)  # x[[0, 0]] used x[0] twice: both gradients add up
        return (dx,)


class Concatenate(Function):
    """y = concatenate(xs, axis);  dxs = dy split back at the seams"""

    def forward(self, *xs):
        if not xs:
            raise ValueError("cat: expected a non-empty sequence of tensors")
        ndim = xs[0].ndim
        if ndim == 0:
            raise ValueError("cat: zero-dimensional tensors cannot be concatenated (stack them instead)")
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"cat: axis {self.axis} is out of range for tensors with {ndim} dimension(s)")
        axis = self.axis % ndim
        rest = xs[0].shape[:axis] + xs[0].shape[axis + 1 :]  # every dimension but axis must match
        for x in xs:
            if x.ndim != ndim or x.shape[:axis] + x.shape[axis + 1 :] != rest:
                shapes = ", ".join(str(x.shape) for x in xs)
                raise ValueError(f"cat: tensors must match in every dim but axis {self.axis}; got {shapes}")
        self.axis = axis
        self.seams = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(self, dy):
        return tuple(np.split(dy, self.seams, axis=self.axis))


class Stack(Function):
    """y = stack(xs, axis) along a new axis;  dxs = the slices of dy along that axis"""

    def forward(self, *xs):
        if not xs:
            raise ValueError("stack: expected a non-empty sequence of tensors")
        for x in xs:
            if x.shape != xs[0].shape:
                shapes = ", ".join(str(x.shape) for x in xs)
                raise ValueError(f"stack: tensors must all have the same shape; got {shapes}")
        ndim = xs[0].ndim + 1
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"stack: axis {self.axis} is out of range for a result with {ndim} dimension(s)")
        self.axis %= ndim
        return np.stack(xs, axis=self.axis)

    def backward(self, dy):
        return tuple(np.moveaxis(dy, self.axis, 0))


class Pad(Function):
    """y = x with a border of `value` (a negative width crops instead);
    dx = the interior of dy, with zeros where x was cropped (the border's gradient goes nowhere)"""

    def forward(self, x):
        try:
            widths = np.broadcast_to(np.asarray(self.pad_width, dtype=np.int64), (x.ndim, 2))
        except ValueError:
            raise ValueError(
                f"pad: pad_width {self.pad_width!r} does not fit a tensor of shape {x.shape}; give an int, "
                f"(before, after), or one (before, after) pair per dimension"
            ) from None
        grow, cut = np.maximum(widths, 0), np.maximum(-widths, 0)
        if ((cut.sum(axis=1) > np.array(x.shape)) if x.ndim else np.zeros(0, bool)).any():
            raise ValueError(f"pad: pad_width {self.pad_width!r} crops more than the whole of shape {x.shape}")
        self.cut = cut
        kept = tuple(slice(b, n - a) for (b, a), n in zip(cut, x.shape))
        cropped = x[kept]
        self.interior = tuple(slice(b, b + n) for (b, _), n in zip(grow, cropped.shape))
        return np.pad(cropped, grow, constant_values=self.value)

    def backward(self, dy):
        dx = dy[self.interior]
        return (np.pad(dx, self.cut) if self.cut.any() else dx,)
