"""Every tensor op, grouped by kind. Each is a `Function` with forward and backward side by side."""

from hackgrad.autograd.ops.conv import *  # noqa: F401,F403
from hackgrad.autograd.ops.elementwise import *  # noqa: F401,F403
from hackgrad.autograd.ops.fused import *  # noqa: F401,F403
from hackgrad.autograd.ops.indexing import *  # noqa: F401,F403
from hackgrad.autograd.ops.linalg import *  # noqa: F401,F403
from hackgrad.autograd.ops.reduce import *  # noqa: F401,F403
from hackgrad.autograd.ops.shape import *  # noqa: F401,F403
