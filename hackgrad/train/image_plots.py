"""Pictures of what a convolutional net learned, saved as PNG: the first layer's filters, the feature maps of
one image on its way through the layers, and the test images the net gets wrong.

Each picture is a mosaic of small tiles drawn as one image (one `imshow`, not one axis per tile), so a
grid of a hundred digits draws in a fraction of a second. matplotlib is optional and imported inside
`hackgrad.train.plots`, whose figure and atomic-save helpers these functions share.
"""

import math

import numpy as np

from hackgrad.train.plots import _figure, _layer_outputs, _save

__all__ = ["plot_conv_filters", "plot_feature_maps", "plot_misclassified"]


def _mosaic(tiles, cols, pad=1):
    """tiles (n, h, w) or (n, h, w, 3) laid out in rows of `cols`, with NaN gaps: (rows*(h+pad), ...)."""
    n, h, w = tiles.shape[:3]
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, *tiles.shape[3:]), np.nan)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = tile
    return out


def _cmap(name):
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad="white")  # NaN: the gaps between tiles


def _first_conv(model):
    for name, m in model.named_modules():
        if type(m).__name__ == "Conv2d":
            return name, m
    raise ValueError(f"{type(model).__name__} has no Conv2d layer: there are no filters to draw")


def plot_conv_filters(model, path, *, title=None):
    """The first convolution's filters, one tile each: grey-scale kernels on a blue-white-red scale
    centred on 0 (one scale for all, so strong and weak filters compare), RGB kernels as colours."""
    name, conv = _first_conv(model)
    w = np.asarray(conv.weight.data, dtype=np.float64)  # (F, C, kh, kw)
    F, C, kh, kw = w.shape
    cols = min(F, 8 if F <= 32 else 16)
    if C == 3:
        lo, hi = w.min(), w.max()
        tiles = ((w - lo) / max(hi - lo, 1e-12)).transpose(0, 2, 3, 1)  # (F, kh, kw, 3) in [0, 1]
        cmap, limits = None, {}
    else:
        tiles = w.mean(axis=1) if C > 1 else w[:, 0]  # several input channels: their average
        bound = np.abs(tiles).max() or 1.0
        cmap, limits = _cmap("RdBu_r"), {"vmin": -bound, "vmax": bound}
    rows = math.ceil(F / cols)
    fig, (ax,) = _figure(1, width=0.7 * cols + 2, height=0.7 * rows + 1.2, top=0.7)  # room for the colour bar
    image = ax.imshow(_mosaic(tiles, cols), cmap=cmap, interpolation="nearest", **limits)
    ax.set_axis_off()
    if cmap is not None:
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    ax.set_title(title or f"first-layer filters: {name} ({F} @ {C}x{kh}x{kw})", fontsize=10)
    return _save(fig, path)


def plot_feature_maps(model, image, path, *, label=None, max_channels=16, title=None):
    """One image (C, H, W) through the net: a row per layer with spatial output (convolution, activation,
    pooling), showing up to `max_channels` of its maps, each scaled to its own range."""
    x = np.asarray(image)
    if x.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected one image shaped (C, H, W), got {x.shape}")
    maps = [(name, out[0]) for name, out in _layer_outputs(model, x[None]) if np.ndim(out) == 4]
    if not maps:
        raise ValueError(f"{type(model).__name__} has no layer with (N, C, H, W) outputs to draw")
    types = {n: type(m).__name__ for n, m in model.named_modules()}
    rows = [("input", x)] + maps
    cols = min(max_channels, max(len(m) for _, m in rows))
    fig, axes = _figure(len(rows), width=0.8 * cols + 1.5, height=1.25, cols=1, top=0.5)
    for ax, (name, fmap) in zip(axes, rows):
        shown = np.asarray(fmap[:cols], dtype=np.float64)  # (c, h, w)
        lo = shown.min(axis=(1, 2), keepdims=True)
        span = shown.max(axis=(1, 2), keepdims=True) - lo
        shown = (shown - lo) / np.where(span > 0, span, 1.0)  # each map on its own 0..1 scale
        ax.imshow(_mosaic(shown, cols), cmap=_cmap("viridis"), interpolation="nearest", vmin=0, vmax=1)
        ax.set_axis_off()
        kind = types.get(name, "")
        ax.set_title(f"{name} {kind} {list(fmap.shape)}".replace("  ", " "), fontsize=9, loc="left")
    head = title or "feature maps of one digit" + (f" (label {label})" if label is not None else "")
    fig.suptitle(head)
    return _save(fig, path)


def plot_misclassified(images, y_true, y_pred, path, *, max_images=100, cols=10, title=None):
    """A grid of the images whose prediction is wrong, each captioned 'true -> predicted'."""
    images, y_true, y_pred = np.asarray(images), np.asarray(y_true), np.asarray(y_pred)
    if not len(images) == len(y_true) == len(y_pred):
        raise ValueError(
            f"plot_misclassified: {len(images)} images, {len(y_true)} labels and {len(y_pred)} predictions"
        )
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_images]
    if images.ndim == 2:  # flat digits
        side = math.isqrt(images.shape[1])
        images = images.reshape(len(images), side, side)
    elif images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.mean(axis=1)
    cols = max(1, min(cols, len(shown)))
    rows = max(1, math.ceil(len(shown) / cols))
    fig, (ax,) = _figure(1, width=0.9 * cols + 0.4, height=1.0 * rows + 0.9, top=0.6)
    ax.set_axis_off()
    if len(shown):
        h, w = images.shape[1:3]
        pad = max(2, h // 3)  # room under each digit for its caption
        tiles = np.asarray(images[shown], dtype=np.float64)
        ax.imshow(_mosaic(tiles, cols, pad=pad), cmap=_cmap("gray_r"), interpolation="nearest")
        for k, i in enumerate(shown):
            r, c = divmod(k, cols)
            ax.text(
                c * (w + pad) + w / 2, r * (h + pad) + h + 0.5, f"{y_true[i]}\u2192{y_pred[i]}",
                ha="center", va="top", fontsize=7, color="tab:red",
            )
    head = title or (
        f"{len(wrong)} of {len(y_true)} misclassified (true\u2192predicted)"
        + (f", first {len(shown)} shown" if len(shown) < len(wrong) else "")
    )
    ax.set_title(head, fontsize=10)
    return _save(fig, path)
