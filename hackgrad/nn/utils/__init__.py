"""`torch.nn.utils`'s gradient clipping under its usual names: the very functions of
hackgrad.optim.transforms, where they live with the optimizers' other transforms (optim needs only the
tensor engine, so importing it here makes no cycle)."""

from hackgrad.optim.transforms import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
