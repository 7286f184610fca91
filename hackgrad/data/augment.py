"""Data augmentation for images, in NumPy: new training examples that keep their labels.

A digit moved by a pixel or two is still the same digit, so shifting each training image at random
shows a network many slightly different versions of the set, and it learns that position does not matter.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["random_shift"]


def random_shift(images, max_shift=2, *, rng, fill=0.0):
    """Move each image by its own (dy, dx), each drawn uniformly from -max_shift..max_shift.

    `images` is (N, H, W) or (N, C, H, W) (all channels of an image move together); pixels moved in from
    outside get `fill` (the background value). Returns a new array of the same shape and dtype; `rng` is
    a NumPy Generator (or an int seed).
    """
    x = np.asarray(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"random_shift: expected images (N, H, W) or (N, C, H, W), got shape {x.shape}")
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"random_shift: max_shift must be an integer >= 0, got {max_shift!r}")
    k = int(max_shift)
    if k == 0 or len(x) == 0:
        return x.copy()
    rng = np.random.default_rng(rng)
    N, H, W = x.shape[0], x.shape[-2], x.shape[-1]
    x4 = x.reshape(N, -1, H, W)
    padded = np.pad(x4, ((0, 0), (0, 0), (k, k), (k, k)), constant_values=fill)  # (N, C, H+2k, W+2k)
    windows = sliding_window_view(padded, (H, W), axis=(2, 3))  # (N, C, 2k+1, 2k+1, H, W), no copy
    dy, dx = rng.integers(0, 2 * k + 1, size=(2, N))
    shifted = windows[np.arange(N), :, dy, dx]  # (N, C, H, W): one window per image, copied once
    return shifted.reshape(x.shape)
