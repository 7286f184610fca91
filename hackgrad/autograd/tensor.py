"""`Tensor`: an array on a wire. Values flow forward through ops, gradients flow back through `backward`."""

import numpy as np

_FLOAT_DEFAULT = np.float32


def _check_dtype(dtype):
    """`dtype` as a NumPy dtype, if a tensor can hold it: floating, integer or bool (no objects, strings)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"tensor: {dtype!r} is not a dtype; expected e.g. 'float32', 'float64', 'int64'") from None
    if dtype.kind not in "fiub":
        raise TypeError(f"tensor: unsupported dtype {dtype}; expected a float, int or bool dtype")
    return dtype


def _as_array(data, dtype):
    if isinstance(data, Tensor):
        data = data.data
    arr = np.asarray(data)
    if arr.dtype.kind not in "fiub":  # objects and strings are refused even with a numeric dtype
        raise TypeError(f"tensor: unsupported data of dtype {arr.dtype}; expected numbers (float, int, bool)")
    if dtype is not None:
        dtype = _check_dtype(dtype)
        if arr.dtype != dtype:
            arr = arr.astype(dtype)
    elif arr.dtype.kind == "f" and arr.dtype != _FLOAT_DEFAULT:
        # all floating data becomes float32 unless asked otherwise (PyTorch keeps a float64 ndarray's dtype;
        # here a model's float32 weights never meet float64 data by accident)
        arr = arr.astype(_FLOAT_DEFAULT)
    return arr


class Tensor:
    """An n-dimensional array that remembers the op that made it.

    `data` is a NumPy array; `grad` (same shape) is filled by `backward()` on leaves that require grad.
    """

    __slots__ = ("data", "grad", "requires_grad", "_fn", "_retain", "name", "_vc", "__weakref__")
    __array_priority__ = 1000  # make `ndarray * Tensor` call Tensor.__rmul__

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.data.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._fn = None
        self._retain = False
        self.name = name
        self._vc = [0]  # the version counter: a one-item list so that detach() can share it

    @classmethod
    def _make(cls, array):
        t = cls.__new__(cls)
        t.data = array
        t.grad = None
        t.requires_grad = False
        t._fn = None
        t._retain = False
        t.name = None
        t._vc = [0]
        return t

    # --- what a wire shows -----------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def is_leaf(self):
        return self._fn is None

    @property
    def grad_fn(self):
        return self._fn

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", prefix="tensor(")
        extra = f", dtype={self.dtype}" if self.dtype != _FLOAT_DEFAULT else ""
        extra += f", grad_fn={self._fn!r}" if self._fn is not None else ""
        extra += ", requires_grad=True" if self.requires_grad and self._fn is None else ""
        return f"tensor({body}{extra})"

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a one-element tensor has an item, not one of shape {self.shape}")
        return self.data.item()

    def numpy(self):
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        t = Tensor._make(self.data)
        t._vc = self._vc  # the same array: an in-place change through either one makes saved copies stale
        return t

    # --- the version counter (how backward notices a value changed in place after an op saved it) ----
    @property
    def _version(self):
        """How many in-place changes this tensor's array has seen (PyTorch's `_version`)."""
        return self._vc[0]

    def _bump_version(self):
        """Record an in-place change of `self.data`. Every in-place writer calls this once per change
        (optimizer steps, init functions, in-place tensor methods); backward then refuses to use an array
        an op saved before the change."""
        self._vc[0] += 1

    def requires_grad_(self, flag=True):
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.data.dtype}")
        self.requires_grad = bool(flag)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (for inspection and diagnostics)."""
        self._retain = True
        return self

    def zero_grad(self):
        self.grad = None

    def astype(self, dtype):
        """This tensor as `dtype`; a floating result keeps the graph, an integer one has no grad."""
        dtype = _check_dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if dtype.kind != "f":
            return Tensor._make(self.data.astype(dtype))
        return Cast.apply(self, dtype=dtype)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    # --- backprop --------------------------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Tug on this tensor with `grad` (ones for a scalar) and accumulate into leaves' `.grad`.

        The graph is freed as it is walked; `retain_graph=True` keeps it for another backward.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad (no input had requires_grad=True, "
                "or it was computed under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): a gradient must be given for a non-scalar output of shape {self.shape}"
                )
            seed = np.ones_like(self.data)
        else:
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)  # a copy: ours
            if seed.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {seed.shape}, expected {self.shape}")
        backward_walk(self, seed, retain_graph=retain_graph)

    # --- operators -------------------------------------------------------------------------------
    def _lift(self, other):
        """A constant operand as a tensor of this tensor's dtype (so float32 stays float32); a float constant
        meeting an integer tensor is float32, as a Python float is in PyTorch."""
        if isinstance(other, Tensor):
            return other
        arr = np.asarray(other)
        if arr.dtype.kind in "fiub" and arr.dtype != self.data.dtype:
            if self.data.dtype.kind == "f":
                arr = arr.astype(self.data.dtype)
            elif arr.dtype.kind == "f":
                arr = arr.astype(_FLOAT_DEFAULT)
        return Tensor._make(arr)

    def __add__(self, other):
        return ops.Add.apply(self, self._lift(other))

    def __radd__(self, other):
        return ops.Add.apply(self._lift(other), self)

    def __sub__(self, other):
        return ops.Sub.apply(self, self._lift(other))

    def __rsub__(self, other):
        return ops.Sub.apply(self._lift(other), self)

    def __mul__(self, other):
        return ops.Mul.apply(self, self._lift(other))

    def __rmul__(self, other):
        return ops.Mul.apply(self._lift(other), self)

    def __truediv__(self, other):
        return ops.Div.apply(self, self._lift(other))

    def __rtruediv__(self, other):
        return ops.Div.apply(self._lift(other), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pow__(self, exponent):
        return F.pow(self, exponent)

    def __rpow__(self, base):
        return ops.PowTensor.apply(self._lift(base), self)

    def __matmul__(self, other):
        return ops.MatMul.apply(self, self._lift(other))

    def __rmatmul__(self, other):
        return ops.MatMul.apply(self._lift(other), self)

    def __getitem__(self, index):
        return ops.GetItem.apply(self, index=ops.normalize_index(index))

    def __abs__(self):
        return ops.Abs.apply(self)

    # --- methods: thin calls into hackgrad.autograd.functional (see there for each one's details) ---
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def relu(self):
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        return F.leaky_relu(self, negative_slope)

    def maximum(self, other):
        return ops.Maximum.apply(self, self._lift(other))

    def minimum(self, other):
        return ops.Minimum.apply(self, self._lift(other))

    def clip(self, min=None, max=None):
        return F.clip(self, min, max)

    clamp = clip

    def where(self, cond, other):
        """PyTorch's `x.where(cond, y)`: self where cond, else other."""
        return F.where(cond, self, other)

    def pow(self, exponent):
        return F.pow(self, exponent)

    def matmul(self, other):
        return ops.MatMul.apply(self, self._lift(other))

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """The largest values (values only, like NumPy and PyTorch's `amax`); ties share the gradient."""
        return F.max(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.min(self, axis, keepdims, dim=dim, keepdim=keepdim)

    amax, amin = max, min

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(self, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None):
        return F.var(self, axis, keepdims, correction=correction, dim=dim, keepdim=keepdim)

    def std(self, axis=None, keepdims=False, *, correction=1, dim=None, keepdim=None):
        return F.std(self, axis, keepdims, correction=correction, dim=dim, keepdim=keepdim)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def softmax(self, axis=-1, *, dim=None):
        return F.softmax(self, axis, dim=dim)

    def log_softmax(self, axis=-1, *, dim=None):
        return F.log_softmax(self, axis, dim=dim)

    def reshape(self, *shape):
        return F.reshape(self, *shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        return F.flatten(self, start_dim, end_dim)

    def transpose(self, dim0=-2, dim1=-1):
        return F.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return F.permute(self, *dims)

    @property
    def T(self):
        """All dims reversed (NumPy's `.T`); for a matrix, its transpose."""
        return ops.Transpose.apply(self, axes=None)

    @property
    def mT(self):
        """The last two dims swapped: a batch of matrices, each transposed."""
        return F.transpose(self, -2, -1)

    def squeeze(self, dim=None):
        return F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return F.unsqueeze(self, dim)

    def expand(self, *sizes):
        return F.expand(self, *sizes)

    def expand_as(self, other):
        return F.broadcast_to(self, other.shape)

    def broadcast_to(self, shape):
        return F.broadcast_to(self, shape)

    # comparisons are not differentiable: they give plain boolean tensors
    def __lt__(self, other):
        return Tensor._make(self.data < _raw(other))

    def __le__(self, other):
        return Tensor._make(self.data <= _raw(other))

    def __gt__(self, other):
        return Tensor._make(self.data > _raw(other))

    def __ge__(self, other):
        return Tensor._make(self.data >= _raw(other))

    __hash__ = object.__hash__

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def tensor(data, dtype=None, requires_grad=False):
    """Make a tensor. Floating data (lists, floats, float64 arrays) becomes float32 unless `dtype`
    (e.g. "float64") says otherwise; integer data stays integer (class labels, indices)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


from hackgrad.autograd import functional as F  # noqa: E402  (functions build Tensors)
from hackgrad.autograd import ops  # noqa: E402  (ops build Tensors)
from hackgrad.autograd.function import backward_walk  # noqa: E402
from hackgrad.autograd.ops.elementwise import Cast  # noqa: E402
