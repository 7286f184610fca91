"""PyTorch's `torch.utils` surface: `hackgrad.utils.data` (datasets, samplers, DataLoader)."""

from hackgrad.utils import data  # noqa: F401
