"""`Conv2d`: a bank of small filters slid over an image, PyTorch's layer with PyTorch's parameter shapes."""

import math

import numpy as np

from hackgrad.autograd import ops
from hackgrad.nn import init
from hackgrad.nn.functional.conv import conv2d
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["Conv2d"]


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
