"""Layers, losses and initialisers on the tensor engine, with PyTorch's names (`hackgrad.nn` ~ `torch.nn`)."""

from hackgrad.nn import functional, init, utils  # noqa: F401  (submodules as attributes, as in torch.nn)
from hackgrad.nn.activation import *  # noqa: F401,F403
from hackgrad.nn.attention import *  # noqa: F401,F403
from hackgrad.nn.batchnorm import *  # noqa: F401,F403
from hackgrad.nn.containers import *  # noqa: F401,F403
from hackgrad.nn.conv import *  # noqa: F401,F403
from hackgrad.nn.crf import *  # noqa: F401,F403
from hackgrad.nn.dropout import *  # noqa: F401,F403
from hackgrad.nn.embedding import *  # noqa: F401,F403
from hackgrad.nn.linear import *  # noqa: F401,F403
from hackgrad.nn.loss import *  # noqa: F401,F403
from hackgrad.nn.module import Module  # noqa: F401
from hackgrad.nn.normalization import *  # noqa: F401,F403
from hackgrad.nn.parameter import Parameter  # noqa: F401
from hackgrad.nn.pooling import *  # noqa: F401,F403
from hackgrad.nn.recurrent import *  # noqa: F401,F403

F = functional
