"""Stateless forms of the layers and losses (`import hackgrad.nn.functional as F`, as in PyTorch)."""

from hackgrad.nn.functional.activation import *  # noqa: F401,F403
from hackgrad.nn.functional.attention import *  # noqa: F401,F403
from hackgrad.nn.functional.conv import *  # noqa: F401,F403
from hackgrad.nn.functional.dropout import *  # noqa: F401,F403
from hackgrad.nn.functional.embedding import *  # noqa: F401,F403
from hackgrad.nn.functional.loss import *  # noqa: F401,F403
from hackgrad.nn.functional.normalization import *  # noqa: F401,F403
from hackgrad.nn.functional.pooling import *  # noqa: F401,F403
from hackgrad.nn.functional.regularization import *  # noqa: F401,F403
from hackgrad.nn.functional.resize import *  # noqa: F401,F403
from hackgrad.nn.functional.structured import *  # noqa: F401,F403
