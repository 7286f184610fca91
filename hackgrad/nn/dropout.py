"""`Dropout`: during training, zero each value with probability p (and scale the survivors by 1 / (1 - p));
in evaluation, pass everything through unchanged."""

import numpy as np

from hackgrad.autograd.creation import default_generator
from hackgrad.nn.functional.dropout import _check_p, dropout
from hackgrad.nn.module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout (Srivastava et al., 2014) with its own seeded generator.

    `rng` (a Generator or int seed) or `seed` fixes the sequence of masks; with neither, a seed is drawn
    once from the default generator (see hackgrad.manual_seed) and kept in `seed`, so a run can be repeated.
    """

    def __init__(self, p=0.5, *, rng=None, seed=None):
        super().__init__()
        _check_p(p)
        self.p = p
        if isinstance(rng, np.random.Generator):
            if seed is not None:
                raise ValueError("Dropout: pass either rng or seed, not both")
            self.seed = None
            self._rng = rng
        else:
            if rng is not None and seed is not None:
                raise ValueError("Dropout: pass either rng or seed, not both")
            seed = rng if rng is not None else seed
            # with neither, the seed comes from the default generator (hackgrad.manual_seed makes it repeat)
            self.seed = int(default_generator().integers(2**63)) if seed is None else seed
            self._rng = np.random.default_rng(self.seed)

    def forward(self, x):
        return dropout(x, self.p, self.training, rng=self._rng)

    def extra_repr(self):
        return f"p={self.p}"
