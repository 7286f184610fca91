"""`CRF`: a linear-chain conditional random field on top of any network's per-position scores."""

import numpy as np

from hackgrad.nn.functional import structured as _S
from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["CRF"]


class CRF(Module):
    """Holds the (num_tags, num_tags) transition scores; transitions[i, j] scores tag i followed by tag j.

    `crf(emissions, tags, mask=None)` is the negative log-likelihood (a loss, `reduction` as in PyTorch);
    `crf.decode(emissions, mask=None)` is the Viterbi path (B, T), -1 on padded positions. Transitions start
    at zero: before training every sequence is scored by its emissions alone, as an independent classifier.
    """

    def __init__(self, num_tags, reduction="mean", dtype=np.float32):
        super().__init__()
        if not isinstance(num_tags, (int, np.integer)) or isinstance(num_tags, bool) or num_tags < 1:
            raise ValueError(f"CRF: num_tags must be a positive integer, got {num_tags!r}")
        _S._check_reduction("CRF", reduction)
        self.num_tags = int(num_tags)
        self.reduction = reduction
        self.transitions = Parameter(np.zeros((self.num_tags, self.num_tags), dtype=dtype))

    def forward(self, emissions, tags, mask=None):
        return _S.crf_nll(emissions, self.transitions, tags, mask, reduction=self.reduction)

    def decode(self, emissions, mask=None):
        return _S.viterbi(emissions, self.transitions, mask)[1]

    def log_partition(self, emissions, mask=None):
        return _S.crf_log_partition(emissions, self.transitions, mask)

    def extra_repr(self):
        return f"num_tags={self.num_tags}, reduction={self.reduction!r}"
