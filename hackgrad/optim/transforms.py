"""Small gradient transforms that update rules are assembled from, in the spirit of optax.

Each is a plain function on NumPy arrays: clip, decay, and the running averages (`ema_`, `trace_`) that
momentum, RMSprop and Adam share. Functions ending in `_` change their first argument in place, so a float32
buffer stays float32 (an in-place op keeps the array's dtype whatever the scalar's).

`clip_grad_norm_` and `clip_grad_value_` are PyTorch's functions over parameters' `.grad`, for the moment
between `backward()` and `step()`.
"""

import numpy as np

from hackgrad.autograd.tensor import Tensor

# --- gradient clipping -------------------------------------------------------------------------------


def global_norm(grads, norm_type=2.0):
    """The norm of all arrays in `grads` taken together, as if concatenated (inf: largest |g|)."""
    norm_type = float(norm_type)
    grads = [np.asarray(g) for g in grads]
    if not grads:
        return 0.0
    if norm_type == np.inf:
        return float(max(np.max(np.abs(g)) if g.size else 0.0 for g in grads))
    # per-array norms first, then the norm of those: the same number, without concatenating
    norms = np.array([np.linalg.norm(g.ravel().astype(np.float64), ord=norm_type) for g in grads])
    return float(np.linalg.norm(norms, ord=norm_type))


def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    """Scale every gradient by min(1, max_norm / (norm + 1e-6)); returns (new grads, norm before clipping)."""
    total = global_norm(grads, norm_type)
    scale = min(1.0, float(max_norm) / (total + 1e-6))  # 1e-6 keeps an all-zero gradient finite
    return [np.asarray(g) * scale for g in grads], total


def clip_by_value(grads, clip_value):
    """Clamp every gradient entry to [-clip_value, clip_value]."""
    c = float(clip_value)
    return [np.clip(g, -c, c) for g in grads]


def _grads_of(parameters, fn):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = [p for p in parameters if p.grad is not None]
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: expected Parameters/Tensors, item {i} is {type(p).__name__}")
    return params


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Rescale the parameters' gradients in place so their global norm is at most `max_norm`.

    Returns the global norm before clipping (a float), as `torch.nn.utils.clip_grad_norm_` does.
    """
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    params = _grads_of(parameters, "clip_grad_norm_")
    total = global_norm([p.grad for p in params], norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}; "
            "set error_if_nonfinite=False to clip anyway"
        )
    scale = min(1.0, float(max_norm) / (total + 1e-6))
    for p in params:
        _set_grad_(p, p.grad * scale)
    return total


def clip_grad_value_(parameters, clip_value):
    """Clamp every entry of the parameters' gradients to [-clip_value, clip_value], in place."""
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _grads_of(parameters, "clip_grad_value_"):
        _set_grad_(p, np.clip(p.grad, -clip_value, clip_value))


def _set_grad_(p, new):
    """Write into the existing gradient array when it allows it, so references to it see the change."""
    grad = np.asarray(p.grad)
    if grad.flags.writeable:
        grad[...] = new
        p.grad = grad
    else:
        p.grad = np.asarray(new, dtype=grad.dtype)


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
