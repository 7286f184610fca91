"""`Conv2d`: a bank of small filters slid over an image, PyTorch's layer with PyTorch's parameter shapes."""

import math

import numpy as np

from hackgrad.autograd import ops
from hackgrad.nn import init
from hackgrad.nn.functional.conv import conv1d, conv2d, conv_transpose2d
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["Conv2d", "Conv1d", "ConvTranspose2d"]


class Conv2d(Module):
    """y = conv2d(x, weight, bias): x (N, in_channels, H, W) -> y (N, out_channels, OH, OW).

    weight (out_channels, in_channels/groups, kh, kw) and bias (out_channels,) are shaped as in PyTorch, so
    a `state_dict` moves between the two as arrays. Initialised like PyTorch: weight and bias ~
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels/groups * kh * kw. `rng` (Generator or int)
    or `seed` makes the draw reproducible.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        dtype=np.float32,
        *,
        rng=None,
        seed=None,
    ):
        super().__init__()
        for name, n in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Conv2d: {name} must be a positive integer, got {n!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv2d: groups={groups} must divide in_channels={in_channels} "
                f"and out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = ops.pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = ops.pair(stride, "stride", "Conv2d")
        self.dilation = ops.pair(dilation, "dilation", "Conv2d")
        ops.conv_padding(padding, self.kernel_size, self.dilation, self.stride, "Conv2d")  # validate now
        self.padding = (
            padding if isinstance(padding, str) else ops.pair(padding, "padding", "Conv2d", minimum=0)
        )
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(rng=rng, seed=seed)

    def reset_parameters(self, *, rng=None, seed=None):
        rng = init.make_rng(seed, rng)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)  # = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_channels // self.groups * math.prod(self.kernel_size))
            init.uniform_(self.bias, -bound, bound, rng=rng)
        return self

    def forward(self, x):
        return conv2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            _layer=repr(self),
        )

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


def _uniform_fan_in(module, fan_in, rng, seed):
    """PyTorch's default conv init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    rng = init.make_rng(rng, seed)
    bound = 1 / math.sqrt(fan_in)
    init.uniform_(module.weight, -bound, bound, rng=rng)
    if module.bias is not None:
        init.uniform_(module.bias, -bound, bound, rng=rng)
    return module


class Conv1d(Module):
    """y = conv1d(x, weight, bias): x (N, in_channels, L) -> (N, out_channels, OL); weight
    (out_channels, in_channels/groups, k). Initialised like PyTorch; `rng`/`seed` as in Conv2d."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, dtype=np.float32, *, rng=None, seed=None):
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv1d: groups={groups} must divide in_channels and out_channels")
        k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, (int(k),)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, int(k)), dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(rng=rng, seed=seed)

    def reset_parameters(self, *, rng=None, seed=None):
        return _uniform_fan_in(self, self.in_channels // self.groups * self.kernel_size[0], rng, seed)

    def forward(self, x):
        return conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"


class ConvTranspose2d(Module):
    """y = conv_transpose2d(x, weight, bias): upsamples (N, in_channels, H, W) -> (N, out_channels, OH, OW);
    weight (in_channels, out_channels, kh, kw) as in PyTorch. Initialised like PyTorch (fan_in computed
    from the weight's dim 1, as PyTorch does)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, dtype=np.float32, *, rng=None, seed=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ops.pair(kernel_size, "kernel_size", "ConvTranspose2d")
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        self.groups, self.dilation = groups, dilation
        self.weight = Parameter(np.empty((in_channels, out_channels, *self.kernel_size), dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(rng=rng, seed=seed)

    def reset_parameters(self, *, rng=None, seed=None):
        return _uniform_fan_in(self, self.out_channels * math.prod(self.kernel_size), rng, seed)

    def forward(self, x):
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                self.groups, self.dilation)

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
