"""Tests for hackgrad.data.random_shift and DataLoader(transform=): every image moved by its own shift within
range, background filled in, reproducible per (seed, epoch), bad input refused."""

import numpy as np
import pytest

from hackgrad.data import DataLoader, random_shift


def _shift_of(original, moved, k, fill):
    """The (dy, dx) that turns `original` (H, W) into `moved`, by trying every one; None if none does."""
    H, W = original.shape
    padded = np.pad(original, k, constant_values=fill)
    for dy in range(-k, k + 1):
        for dx in range(-k, k + 1):
            if np.array_equal(padded[k - dy : k - dy + H, k - dx : k - dx + W], moved):
                return dy, dx
    return None


def test_every_image_is_moved_by_its_own_shift_within_range():
    rng = np.random.default_rng(0)
    x = rng.random((200, 1, 9, 9)).astype(np.float32) + 1.0  # no pixel equals the fill
    out = random_shift(x, 2, rng=np.random.default_rng(5), fill=-1.0)
    assert out.shape == x.shape and out.dtype == np.float32
    shifts = [_shift_of(a[0], b[0], 2, -1.0) for a, b in zip(x, out)]
    assert None not in shifts
    assert set(shifts) == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}  # all 25 occur
    assert not np.shares_memory(out, x)


def test_channels_move_together_and_3d_input():
    x = np.random.default_rng(1).random((30, 3, 6, 6)) + 1
    out = random_shift(x, 1, rng=3, fill=0.0)
    for a, b in zip(x, out):
        shifts = {_shift_of(a[c], b[c], 1, 0.0) for c in range(3)}
        assert len(shifts) == 1 and None not in shifts
    flat = random_shift(x[:, 0], 1, rng=3)
    np.testing.assert_array_equal(flat, out[:, 0])  # same draws, same shifts


def test_seeded_and_zero_shift():
    x = np.random.default_rng(2).random((10, 1, 5, 5))
    np.testing.assert_array_equal(random_shift(x, 2, rng=4), random_shift(x, 2, rng=4))
    np.testing.assert_array_equal(random_shift(x, 0, rng=4), x)


@pytest.mark.parametrize(
    "x, k, message",
    [
        (np.zeros((4, 28 * 28)), 2, r"expected images \(N, H, W\) or \(N, C, H, W\), got shape \(4, 784\)"),
        (np.zeros((4, 5, 5)), -1, "max_shift must be an integer >= 0, got -1"),
        (np.zeros((4, 5, 5)), 1.5, "max_shift must be an integer >= 0, got 1.5"),
    ],
)
def test_bad_input(x, k, message):
    with pytest.raises(ValueError, match=message):
        random_shift(x, k, rng=0)


def test_loader_transform_is_reproducible_per_epoch():
    X = np.random.default_rng(0).random((40, 1, 6, 6)).astype(np.float32)
    y = np.arange(40)

    def shift(xb, rng):
        return random_shift(xb, 1, rng=rng)

    def epoch(loader, k):
        loader.set_epoch(k)
        return [(xb.copy(), yb.copy()) for xb, yb in loader]

    a = DataLoader(X, y, batch_size=16, seed=3, transform=shift)
    b = DataLoader(X, y, batch_size=16, seed=3, transform=shift)
    plain = DataLoader(X, y, batch_size=16, seed=3)
    e1 = epoch(a, 1)
    epoch(b, 0)
    for (xa, ya), (xb, _yb), (_, yp) in zip(e1, epoch(b, 1), epoch(plain, 1)):
        np.testing.assert_array_equal(xa, xb)  # epoch 1 is the same whatever ran before
        np.testing.assert_array_equal(ya, yp)  # the order is the plain loader's
    assert not all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(e1, epoch(a, 2)))
    with pytest.raises(ValueError, match="transform must be callable as transform"):
        DataLoader(X, y, transform=3)
