"""Batch normalisation (Ioffe & Szegedy, 2015): each channel standardised by its batch statistics while
training, by running averages of them in evaluation, then scaled and shifted by learned `weight`, `bias`.

Buffers and their names are PyTorch's (`running_mean`, `running_var`, `num_batches_tracked`), and so is the
momentum convention: running = (1 - momentum) * running + momentum * batch statistic, with the unbiased
batch variance; momentum=None averages all batches seen so far equally.
"""

import numpy as np

from hackgrad.nn.functional.activation import _tensor, batch_norm
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    _dims = ()  # input ranks a subclass accepts
    _layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=np.float32):
        super().__init__()
        name = type(self).__name__
        n = num_features
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name}: num_features must be a positive integer, got {num_features!r}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = int(num_features)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        # a freshly initialised layer is the identity: scale 1, shift 0
        self.weight = Parameter(np.ones(num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked = np.array(0, dtype=np.int64)

    def forward(self, x):
        own = self.running_mean if self.track_running_stats else self.weight
        x = _tensor(x, None if own is None else own.dtype)
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: expected input of shape {self._layout} with C={self.num_features}, got {x.shape}"
            )
        if own is not None and x.dtype != own.dtype:
            raise TypeError(
                f"{self!r}: input dtype {x.dtype} does not match the layer's {own.dtype}; "
                f"cast the input with .astype({str(own.dtype)!r})"
            )
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if momentum is None:  # a cumulative average: batch k gets weight 1/k
                momentum = 1.0 / float(self.num_batches_tracked)
        # without running statistics there is nothing else to use, so evaluation normalises by the batch too
        return batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias,
            training=self.training or not self.track_running_stats, momentum=momentum, eps=self.eps,
        )

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) features or (N, C, L) sequences; statistics per channel C."""

    _dims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images; statistics per channel C, over the batch and all positions."""

    _dims = (4,)
    _layout = "(N, C, H, W)"
