"""Every tensor op, grouped by kind. Each is a `Function` with forward and backward side by side.

The rule: every class in hackgrad that has a `backward` (every op) lives in this package, next to its
forward. Modules (`hackgrad.nn`) and `nn.functional` only check arguments and call ops; they never hold a
derivative of their own. An op returns one array, or a tuple of arrays when it has several outputs (the
recurrent layers return the sequence and the final states); then its backward takes one gradient per
output, None for an output the loss did not use (see `hackgrad.autograd.function`).
"""

from hackgrad.autograd.ops.conv import *  # noqa: F401,F403
from hackgrad.autograd.ops.elementwise import *  # noqa: F401,F403
from hackgrad.autograd.ops.fused import *  # noqa: F401,F403
from hackgrad.autograd.ops.indexing import *  # noqa: F401,F403
from hackgrad.autograd.ops.linalg import *  # noqa: F401,F403
from hackgrad.autograd.ops.recurrent import *  # noqa: F401,F403
from hackgrad.autograd.ops.reduce import *  # noqa: F401,F403
from hackgrad.autograd.ops.shape import *  # noqa: F401,F403
