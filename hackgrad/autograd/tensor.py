"""`Tensor`: an array on a wire. Values flow forward through ops, gradients flow back through `backward`."""

import numpy as np

from hackgrad.autograd.dtypes import CPU, as_device, as_dtype, to_arguments

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
        self._vc = [0, 0]  # [in-place changes, clock stamp of the last one]: a list, so detach() can share it

    @classmethod
    def _make(cls, array):
        t = cls.__new__(cls)
        t.data = array
        t.grad = None
        t.requires_grad = False
        t._fn = None
        t._retain = False
        t.name = None
        t._vc = [0, 0]
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

    def size(self, dim=None):
        """PyTorch's `size()`: the shape; `size(dim)` one dim's length. (The element count is `numel()`.)"""
        if dim is None:
            return self.data.shape
        return self.data.shape[dim]

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    def nelement(self):
        return self.data.size

    @property
    def device(self):
        """Always the CPU: hackgrad has no GPU backend (see `to`)."""
        return CPU

    is_cuda = False

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
        vc = self._vc
        vc[0] += 1
        _clock[0] += 1
        vc[1] = _clock[0]

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

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

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

    def half(self):
        return self.astype(np.float16)

    def long(self):
        return self.astype(np.int64)

    def int(self):
        return self.astype(np.int32)

    def bool(self):
        return self.astype(np.bool_)

    def type_as(self, other):
        return self.astype(other.dtype)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """PyTorch's `to`: a dtype, a device ('cpu' only), both, or another tensor (its dtype).

        A device other than the CPU raises: hackgrad has no GPU backend.
        """
        dtype, device = to_arguments(args, dtype, device)
        as_device(device, "to")
        out = self if dtype is None else self.astype(as_dtype(dtype, "to"))
        return out.clone() if copy and out is self else out

    def cpu(self):
        return self

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def contiguous(self):
        """Itself: NumPy arrays need no contiguous copy for any op here."""
        return self

    def clone(self):
        """A copy with its own memory that stays in the graph (the gradient flows through unchanged)."""
        return ops.Clone.apply(self)

    def new_tensor(self, data, dtype=None):
        return Tensor(data, dtype=self.dtype if dtype is None else dtype)

    def new_zeros(self, *size, dtype=None):
        return Tensor._make(np.zeros(F._dims(size, "new_zeros"), self.dtype if dtype is None else as_dtype(dtype)))

    def new_ones(self, *size, dtype=None):
        return Tensor._make(np.ones(F._dims(size, "new_ones"), self.dtype if dtype is None else as_dtype(dtype)))

    def new_full(self, size, fill_value, dtype=None):
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        return Tensor._make(np.full(F._dims((size,), "new_full"), fill_value, dtype))

    def new_empty(self, *size, dtype=None):
        return self.new_zeros(*size, dtype=dtype)

    # --- in place: only outside a graph, or on leaves under no_grad() (the hand-written SGD step) ---
    def _check_inplace(self, what):
        if self.requires_grad and is_grad_enabled():
            if self._fn is None:
                raise RuntimeError(
                    f"{what}: a leaf tensor that requires grad cannot be changed in place while gradients are "
                    "recorded (its gradient would be wrong); wrap the update in `with hackgrad.no_grad():`"
                )
            raise RuntimeError(
                f"{what}: this tensor is the output of {self._fn!r} in a graph that requires grad; changing "
                f"it in place would corrupt the gradients computed through it. Use the out-of-place form "
                f"(x = x.{what.rstrip('_')}(...))"
            )

    def _assign(self, values, what):
        """Write `values` into this tensor's own memory (dtype kept, broadcast to its shape)."""
        self._check_inplace(what)
        values = values.data if isinstance(values, Tensor) else values
        try:
            np.copyto(self.data, values, casting="unsafe")
        except ValueError:
            raise ValueError(
                f"{what}: a value of shape {np.shape(values)} does not broadcast to this tensor's {self.shape}"
            ) from None
        self._bump_version()
        return self

    def zero_(self):
        return self._assign(0, "zero_")

    def fill_(self, value):
        return self._assign(_raw(value), "fill_")

    def copy_(self, src):
        return self._assign(_raw(src), "copy_")

    def add_(self, other, *, alpha=1):
        other = _raw(other)
        return self._assign(self.data + (other if alpha == 1 else alpha * other), "add_")

    def sub_(self, other, *, alpha=1):
        other = _raw(other)
        return self._assign(self.data - (other if alpha == 1 else alpha * other), "sub_")

    def mul_(self, other):
        return self._assign(self.data * _raw(other), "mul_")

    def div_(self, other):
        return self._assign(self.data / _raw(other), "div_")

    def clamp_(self, min=None, max=None):
        return self._assign(np.clip(self.data, _raw(min), _raw(max)), "clamp_")

    clip_ = clamp_

    def masked_fill_(self, mask, value):
        mask = _raw(mask)
        return self._assign(np.where(mask, _raw(value), self.data), "masked_fill_")

    def normal_(self, mean=0.0, std=1.0, *, rng=None, seed=None, generator=None):
        from hackgrad.autograd.creation import get_rng

        g = get_rng(rng if generator is None else generator, seed, "normal_")
        return self._assign(g.normal(mean, std, self.shape), "normal_")

    def uniform_(self, a=0.0, b=1.0, *, rng=None, seed=None, generator=None):
        from hackgrad.autograd.creation import get_rng

        g = get_rng(rng if generator is None else generator, seed, "uniform_")
        return self._assign(g.uniform(a, b, self.shape), "uniform_")

    def __setitem__(self, index, value):
        """x[idx] = v, in place (PyTorch's indexing rule), on tensors outside a graph or under no_grad()."""
        self._check_inplace("__setitem__ (x[idx] = v)")
        value = _raw(value)
        stages = ops.torch_index_stages(ops.normalize_index(index))
        target = self.data
        for stage in stages[:-1]:
            target = target[stage]  # basic indices: a view into self.data
        try:
            target[stages[-1]] = value
        except (ValueError, IndexError) as e:
            raise type(e)(f"x[idx] = v: {e} (tensor shape {self.shape})") from None
        self._bump_version()

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
        out = self
        for stage in ops.torch_index_stages(ops.normalize_index(index)):
            out = ops.GetItem.apply(out, index=stage)
        return out

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(F.unbind(self, 0))

    def __abs__(self):
        return ops.Abs.apply(self)

    # --- methods: thin calls into hackgrad.autograd.functional (see there for each one's details) ---
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sin(self):
        return ops.Sin.apply(self)

    def cos(self):
        return ops.Cos.apply(self)

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

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """PyTorch's `max`: the largest value; with `dim`, (values, indices); with a tensor, `maximum`.
        NumPy's `axis=` gives the values only, like `amax`."""
        return F.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """The largest values (values only, NumPy's `max`); ties share the gradient."""
        return F.amax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.amin(self, axis, keepdims, dim=dim, keepdim=keepdim)

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

    def view_as(self, other):
        return F.reshape(self, other.shape)

    def reshape_as(self, other):
        return F.reshape(self, other.shape)

    def t(self):
        """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is), as PyTorch's `t()`."""
        if self.ndim > 2:
            raise ValueError(f"t(): expects a tensor with <= 2 dims, got shape {self.shape}; use transpose")
        return self if self.ndim < 2 else F.transpose(self, 0, 1)

    def masked_fill(self, mask, value):
        return F.masked_fill(self, mask, value)

    def split(self, split_size, dim=0):
        return F.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return F.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return F.unbind(self, dim)

    def narrow(self, dim, start, length):
        return F.narrow(self, dim, start, length)

    def repeat(self, *sizes):
        return F.repeat(self, *sizes)

    def flip(self, *dims):
        return F.flip(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def roll(self, shifts, dims=None):
        return F.roll(self, shifts, dims)

    def cumsum(self, dim):
        return F.cumsum(self, dim)

    def norm(self, p=2, dim=None, keepdim=False):
        return F.norm(self, p, dim, keepdim)

    def gather(self, dim, index):
        return F.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None):
        return F.scatter(self, dim, index, src, value=value)

    def scatter_add(self, dim, index, src):
        return F.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return self._assign(F.scatter_add(self.detach(), dim, index, _raw(src)), "scatter_add_")

    def scatter_(self, dim, index, src=None, *, value=None):
        return self._assign(F.scatter(self.detach(), dim, index, _raw(src) if src is not None else None,
                                      value=value), "scatter_")

    def index_select(self, dim, index):
        return F.index_select(self, dim, index)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return F.topk(self, k, dim, largest, sorted)

    def sort(self, dim=-1, descending=False, stable=False):
        return F.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return F.argsort(self, dim, descending, stable)

    def any(self, dim=None, keepdim=False):
        return F.any(self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return F.all(self, dim, keepdim)

    def tril(self, diagonal=0):
        return F.tril(self, diagonal)

    def triu(self, diagonal=0):
        return F.triu(self, diagonal)

    def bmm(self, other):
        return F.bmm(self, other)

    def erf(self):
        return F.erf(self)

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

    # comparisons are not differentiable: they give boolean tensors, elementwise (== and != too, as in
    # PyTorch; identity is `is`, and tensors stay hashable by identity)
    def __eq__(self, other):
        return F.eq(self, other)

    def __ne__(self, other):
        return F.ne(self, other)

    def __lt__(self, other):
        return F.lt(self, other)

    def __le__(self, other):
        return F.le(self, other)

    def __gt__(self, other):
        return F.gt(self, other)

    def __ge__(self, other):
        return F.ge(self, other)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # bitwise logic and integer division on boolean/integer tensors (masks, bucket indices)
    def __and__(self, other):
        return Tensor._make(self.data & _raw(other))

    __rand__ = __and__

    def __or__(self, other):
        return Tensor._make(self.data | _raw(other))

    __ror__ = __or__

    def __xor__(self, other):
        return Tensor._make(self.data ^ _raw(other))

    def __invert__(self):
        return Tensor._make(~self.data)

    def __floordiv__(self, other):
        return Tensor._make(self.data // _raw(other))

    def __mod__(self, other):
        return Tensor._make(self.data % _raw(other))

    __hash__ = object.__hash__

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        """A one-element integer tensor used as an index or slice bound (`data[i:i + n]`)."""
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only one-element integer tensors can be used as an index, not {self.dtype} "
                            f"of shape {self.shape}")
        return int(self.data.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def tensor(data, dtype=None, requires_grad=False, device=None):
    """Make a tensor. Floating data (lists, floats, float64 arrays) becomes float32 unless `dtype`
    (e.g. "float64") says otherwise; integer data stays integer (class labels, indices). `device` may
    only name the CPU."""
    as_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


from hackgrad.autograd import functional as F  # noqa: E402  (functions build Tensors)
from hackgrad.autograd import ops  # noqa: E402  (ops build Tensors)
from hackgrad.autograd.function import backward_walk  # noqa: E402
from hackgrad.autograd.mode import _clock, is_grad_enabled  # noqa: E402
from hackgrad.autograd.ops.elementwise import Cast  # noqa: E402

