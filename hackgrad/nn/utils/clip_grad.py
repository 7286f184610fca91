"""Gradient clipping over parameters' `.grad`, PyTorch's `torch.nn.utils.clip_grad_norm_`/`clip_grad_value_`,
for the moment between `backward()` and `step()`. It lives with the layers (below the optimizers) so that
`nn.utils` needs nothing above it; the optimizers' clipping pieces (`optim.transforms`) use `global_norm` from
here.
"""

import numpy as np

from hackgrad.autograd.tensor import Tensor

__all__ = ["global_norm", "clip_grad_norm_", "clip_grad_value_"]


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
