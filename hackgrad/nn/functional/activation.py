"""Stateless nonlinearities, and the stateless forms of the dense and batch-norm layers.

The nonlinearities are the tensor engine's own (`hackgrad.autograd.functional`), under PyTorch's names;
`maxout` composes a reshape and a max. `linear` and `batch_norm` are PyTorch's `F.linear` and `F.batch_norm`,
the functional side of `nn.Linear` and `nn.BatchNorm*`, each one fused op.
"""

import numpy as np

from hackgrad.autograd import functional as af
from hackgrad.autograd import ops
from hackgrad.autograd.tensor import Tensor

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "maxout", "linear", "batch_norm",
    "gelu", "silu", "elu", "softplus", "one_hot", "normalize",
]


def _tensor(x, dtype=None):
    """x as a tensor; a plain array becomes one of `dtype` (a layer passes its own, so float64 data meets a
    float64 layer as float64 and not as the default float32)."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


relu = af.relu
leaky_relu = af.leaky_relu
sigmoid = af.sigmoid
tanh = af.tanh


def softmax(x, dim=-1):
    """exp(x) / sum(exp(x)) along `dim`: each slice becomes a probability distribution."""
    return af.softmax(x, dim=dim)


def log_softmax(x, dim=-1):
    """x - logsumexp(x) along `dim`: the log of softmax without ever taking log(0)."""
    return af.log_softmax(x, dim=dim)


def gelu(x, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)); approximate='tanh' uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))), as in PyTorch (and GPT-2)."""
    x = _tensor(x)
    if approximate == "none":
        return x * (0.5 * (1.0 + af.erf(x * (1 / np.sqrt(2.0)))))
    if approximate == "tanh":
        return x * (0.5 * (1.0 + af.tanh((x + 0.044715 * x**3) * float(np.sqrt(2 / np.pi)))))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    x = _tensor(x)
    return x * af.sigmoid(x)


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return ops.ELU.apply(_tensor(x), alpha=float(alpha))


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, a smooth relu; x itself where beta x > threshold."""
    if beta <= 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta}")
    return ops.Softplus.apply(_tensor(x), beta=float(beta), threshold=float(threshold))


def one_hot(tensor, num_classes=-1):
    """Integer labels (*) -> (*, num_classes) of 0/1 as int64 (num_classes=-1: max label + 1)."""
    labels = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class labels, got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: labels must lie in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}")
    return Tensor._make((labels[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p over dim, eps): each slice scaled to unit p-norm."""
    x = _tensor(input)
    return x / af.clamp(af.norm(x, p, dim, keepdim=True), min=eps)


def maxout(x, pieces):
    """The max over each group of `pieces` consecutive features of the last axis: (*, k*pieces) -> (*, k)."""
    x = _tensor(x)
    if not isinstance(pieces, (int, np.integer)) or pieces < 1 or x.ndim == 0 or x.shape[-1] % pieces:
        raise ValueError(f"maxout: the last axis of shape {x.shape} does not split into groups of {pieces!r}")
    groups = x.reshape(x.shape[:-1] + (x.shape[-1] // pieces, int(pieces)))  # (*, k, pieces)
    return groups.max(axis=-1)


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight shaped (out_features, in_features) as in PyTorch; x: (*, in_features)."""
    x = _tensor(x)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    out_features, in_features = weight.shape
    if x.ndim == 0 or x.shape[-1] != in_features:
        raise ValueError(f"linear: expected input of shape (*, {in_features}), got {x.shape}")
    if bias is not None and bias.shape != (out_features,):
        raise ValueError(f"linear: bias must have shape ({out_features},), got {bias.shape}")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"linear: input dtype {x.dtype} does not match weight dtype {weight.dtype}; cast the input with "
            f".astype({str(weight.dtype)!r})"
        )
    if bias is None:
        return ops.Affine.apply(x, weight)
    return ops.Affine.apply(x, weight, bias)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) of x (N, C, *) to zero mean and unit variance, then scale and shift.

    In training the batch's own statistics are used (and the gradient flows through them), and the running
    averages (NumPy arrays, updated in place) move towards them: running = (1 - momentum) * running +
    momentum * batch, with the unbiased variance, as in PyTorch. Otherwise the running statistics are used.
    Either running array may be None when training.
    """
    x = _tensor(x)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got {x.shape}")
    channels = x.shape[1]
    vectors = {"weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var}
    for name, t in vectors.items():
        if t is not None and np.shape(t) != (channels,):
            raise ValueError(f"batch_norm: {name} is {np.shape(t)}, expected ({channels},) for {x.shape}")
    if training:
        axes = (0,) + tuple(range(2, x.ndim))
        n = x.numel() // channels
        if n < 2:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input shape {x.shape}"
            )
        mean = x.data.mean(axis=axes)
        var = x.data.var(axis=axes)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * n / (n - 1)) * var  # the running estimate is of the unbiased variance
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        mean = np.asarray(running_mean, dtype=x.dtype)
        var = np.asarray(running_var, dtype=x.dtype)
    if weight is None and bias is None:
        return ops.BatchNorm.apply(x, mean=mean, var=var, eps=eps, batch_stats=bool(training))
    if weight is None:  # a shift without a scale: scale by a constant 1
        weight = Tensor._make(np.ones(channels, dtype=x.dtype))
    if bias is None:
        bias = Tensor._make(np.zeros(channels, dtype=x.dtype))
    return ops.BatchNorm.apply(x, weight, bias, mean=mean, var=var, eps=eps, batch_stats=bool(training))
