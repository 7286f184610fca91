"""`torch.nn.utils`'s gradient clipping under its usual names."""

from hackgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
