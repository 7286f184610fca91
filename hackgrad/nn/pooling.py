"""Pooling layers: `MaxPool2d` and `AvgPool2d` summarise every window of an NCHW image by one number."""

from hackgrad.autograd import ops
from hackgrad.nn.functional.pooling import avg_pool2d, max_pool2d
from hackgrad.nn.functional.resize import adaptive_avg_pool2d, interpolate
from hackgrad.nn.module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Upsample"]


class MaxPool2d(Module):
    """y = max over each window: (N, C, H, W) -> (N, C, OH, OW). stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__()
        self.kernel_size = ops.pair(kernel_size, "kernel_size", "MaxPool2d")
        self.stride = self.kernel_size if stride is None else ops.pair(stride, "stride", "MaxPool2d")
        self.padding = ops.pair(padding, "padding", "MaxPool2d", minimum=0)
        self.dilation = ops.pair(dilation, "dilation", "MaxPool2d")

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, _layer=repr(self))

    def extra_repr(self):
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        return s + f", dilation={self.dilation}"


class AvgPool2d(Module):
    """y = mean over each window: (N, C, H, W) -> (N, C, OH, OW). stride defaults to kernel_size; zero padding
    counts in the mean unless count_include_pad=False (PyTorch's default is True)."""

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True):
        super().__init__()
        self.kernel_size = ops.pair(kernel_size, "kernel_size", "AvgPool2d")
        self.stride = self.kernel_size if stride is None else ops.pair(stride, "stride", "AvgPool2d")
        self.padding = ops.pair(padding, "padding", "AvgPool2d", minimum=0)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        return avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.count_include_pad, _layer=repr(self)
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over an output_size grid of bins, whatever the input's size (e.g. (1, 1): global pooling)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Resize by `scale_factor` or to `size` ('nearest', 'linear' or 'bilinear'); see F.interpolate."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners

    def forward(self, x):
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
