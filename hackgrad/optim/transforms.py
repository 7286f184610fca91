"""Small gradient transforms that update rules are assembled from, in the spirit of optax.

Each is a plain function on NumPy arrays: clip, decay, and the running averages (`ema_`, `trace_`) that
momentum, RMSprop and Adam share. Functions ending in `_` change their first argument in place, so a float32
buffer stays float32 (an in-place op keeps the array's dtype whatever the scalar's).

`clip_grad_norm_` and `clip_grad_value_` (PyTorch's functions over parameters' `.grad`) live in
`hackgrad.nn.utils` and are re-exported here.
"""

import numpy as np

from hackgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, global_norm  # noqa: F401

# --- gradient clipping -------------------------------------------------------------------------------


def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    """Scale every gradient by min(1, max_norm / (norm + 1e-6)); returns (new grads, norm before clipping)."""
    total = global_norm(grads, norm_type)
    scale = min(1.0, float(max_norm) / (total + 1e-6))  # 1e-6 keeps an all-zero gradient finite
    return [np.asarray(g) * scale for g in grads], total


def clip_by_value(grads, clip_value):
    """Clamp every gradient entry to [-clip_value, clip_value]."""
    c = float(clip_value)
    return [np.clip(g, -c, c) for g in grads]


# --- weight decay ------------------------------------------------------------------------------------


def add_weight_decay(grad, param, weight_decay):
    """Coupled L2: grad + wd * param, the gradient of loss + wd/2 * |param|^2 (SGD, Adam's weight_decay)."""
    if weight_decay == 0:
        return grad
    return grad + weight_decay * param


def decay_weights_(param, lr, weight_decay):
    """Decoupled decay (AdamW): shrink the weights by lr * wd apart from the gradient step."""
    if weight_decay != 0:
        param *= 1 - lr * weight_decay


# --- running averages --------------------------------------------------------------------------------


def ema_(avg, x, decay):
    """avg <- decay * avg + (1 - decay) * x, in place (Adam's moments, RMSprop's mean square)."""
    avg *= decay
    avg += (1 - decay) * x
    return avg


def trace_(buf, grad, momentum, dampening=0.0):
    """buf <- momentum * buf + (1 - dampening) * grad, in place (heavy-ball momentum)."""
    buf *= momentum
    buf += (1 - dampening) * grad if dampening else grad  # no temporary in the common case
    return buf
