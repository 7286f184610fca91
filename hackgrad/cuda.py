"""`hackgrad.cuda`: PyTorch's GPU probe, answered honestly. hackgrad computes on the CPU only, so
`is_available()` is False and a program's usual `device = "cuda" if ...is_available() else "cpu"`
picks the CPU; sending a tensor or a module to "cuda" raises (see `Tensor.to`)."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all"]


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """No GPU generator to seed (PyTorch, too, silently ignores this without a GPU)."""


manual_seed_all = manual_seed
