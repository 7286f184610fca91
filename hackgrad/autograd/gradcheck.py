"""`gradcheck`: test a tensor function's backward against central finite differences, element by element."""

import numpy as np

from hackgrad.autograd.mode import no_grad
from hackgrad.autograd.tensor import Tensor


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True):
    """Check d(out)/d(input) from `backward` against (f(x + eps) - f(x - eps)) / (2 eps) for every element
    of every input that requires grad.

    `fn(*inputs)` returns a tensor (or a tuple of tensors); a non-scalar output is contracted with a fixed
    random upstream gradient (from `seed`), so every output element takes part. Checked inputs must be
    float64: in float32 the rounding error of a finite difference swamps the gradient. An element passes
    when |analytic - numerical| <= atol + rtol * |numerical|.

    Returns True, or raises AssertionError naming the input, the index and both values
    (`raise_exception=False` returns False instead). The inputs' `.grad` are left as they were.
    """
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input is a tensor with requires_grad=True; there is nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; use float64 (finite differences in lower "
                f"precision are mostly rounding error)"
            )
    saved = [inputs[i].grad for i in checked]
    try:
        for i in checked:
            inputs[i].grad = None
            if not inputs[i].data.flags.writeable:  # elements are nudged in place below
                inputs[i].data = inputs[i].data.copy()
        outs = _outputs(fn(*inputs))
        rng = np.random.default_rng(seed)
        upstream = [np.ones(()) if o.ndim == 0 else rng.standard_normal(o.shape) for o in outs]
        pulled = [(o, w) for o, w in zip(outs, upstream) if o.requires_grad]
        for k, (o, w) in enumerate(pulled):
            o.backward(w, retain_graph=k < len(pulled) - 1)  # outputs may share a graph
        analytic = [np.zeros(inputs[i].shape) if inputs[i].grad is None else inputs[i].grad for i in checked]

        def objective():
            with no_grad():
                return float(np.sum([np.sum(o.data * w) for o, w in zip(_outputs(fn(*inputs)), upstream)]))

        for i, a in zip(checked, analytic):
            x = inputs[i].data
            numerical = np.zeros(x.shape)
            for idx in np.ndindex(x.shape):
                original = x[idx]
                x[idx] = original + eps
                f_plus = objective()
                x[idx] = original - eps
                f_minus = objective()
                x[idx] = original
                numerical[idx] = (f_plus - f_minus) / (2 * eps)
            diff = np.abs(a - numerical)
            bad = ~(diff <= atol + rtol * np.abs(numerical))  # written so that a NaN counts as bad
            if bad.any():
                idx = tuple(int(j) for j in np.argwhere(bad)[0])
                message = (
                    f"gradcheck: gradient of input {i} (shape {x.shape}) disagrees at index {idx}: "
                    f"analytic {a[idx]:.8g}, numerical {numerical[idx]:.8g}; {int(bad.sum())} of {x.size} "
                    f"element(s) disagree, the largest difference is {diff.max():.3g}"
                )
                if raise_exception:
                    raise AssertionError(message)
                return False
        return True
    finally:
        for i, g in zip(checked, saved):
            inputs[i].grad = g


def _outputs(result):
    outs = result if isinstance(result, (tuple, list)) else (result,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return a tensor or tuple of tensors, got {type(o).__name__}")
    return outs
