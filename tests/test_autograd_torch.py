"""Cross-checks against PyTorch (optional): values and gradients in float64 for random compositions of
ops, and the conventions at kinks and ties, where finite differences cannot decide."""

import numpy as np
import pytest

import hackgrad.autograd as ag
from hackgrad.autograd import Tensor

torch = pytest.importorskip("torch")


def pair(array):
    """The same float64 leaf in both libraries."""
    return Tensor(array, dtype="float64", requires_grad=True), torch.tensor(array, requires_grad=True)


class Lib:
    """The few spellings that differ between the libraries; everything else is the same method call."""

    def __init__(self, is_torch):
        self.t = is_torch

    def cat(self, xs, dim):
        return torch.cat(xs, dim=dim) if self.t else ag.cat(xs, dim=dim)

    def stack(self, xs, dim):
        return torch.stack(xs, dim=dim) if self.t else ag.stack(xs, dim=dim)

    def where(self, cond, a, b):
        return torch.where(torch.from_numpy(cond), a, b) if self.t else ag.where(cond, a, b)

    def leaky_relu(self, a, slope):
        return torch.nn.functional.leaky_relu(a, slope) if self.t else a.leaky_relu(slope)


# each takes (lib, h, x, y, z, w) with h, x: (3, 4), y: (4,), z: (3, 1), w: (4, 4) and returns a (3, 4) value
STEPS = [
    lambda L, h, x, y, z, w: h.tanh(),
    lambda L, h, x, y, z, w: h.sigmoid() * x,
    lambda L, h, x, y, z, w: (h * 0.3).exp() - y,
    lambda L, h, x, y, z, w: (h.abs() + 1.0).log() * z,
    lambda L, h, x, y, z, w: (h * h + 1.0).sqrt() / (y.abs() + 1.0),
    lambda L, h, x, y, z, w: (h + z).relu() + h * 0.1,
    lambda L, h, x, y, z, w: L.leaky_relu(h - 0.05, 0.2),
    lambda L, h, x, y, z, w: h.clamp(min=-0.5, max=0.7) + x,
    lambda L, h, x, y, z, w: h.softmax(dim=-1) * 3.0,
    lambda L, h, x, y, z, w: h.log_softmax(dim=0) + y,
    lambda L, h, x, y, z, w: h - h.logsumexp(dim=-1, keepdim=True),
    lambda L, h, x, y, z, w: h * h.amax(dim=0, keepdim=True),
    lambda L, h, x, y, z, w: h - h.mean(dim=(0, 1), keepdim=True),
    lambda L, h, x, y, z, w: h / (h.var(dim=0, keepdim=True) + 1.0),
    lambda L, h, x, y, z, w: h * h.std(dim=-1, keepdim=True),
    lambda L, h, x, y, z, w: h.maximum(x) + h.minimum(z),
    lambda L, h, x, y, z, w: h @ w,
    lambda L, h, x, y, z, w: (h.unsqueeze(0) * x.unsqueeze(1)).sum(dim=1),
    lambda L, h, x, y, z, w: h.transpose(0, 1).reshape(3, 4) + h.flatten().reshape(3, 4),
    lambda L, h, x, y, z, w: h.permute(1, 0).expand(2, 4, 3).sum(dim=0).T,
    lambda L, h, x, y, z, w: L.cat([h[:, :2], (h[:, 2:] * y[2:])], dim=1),
    lambda L, h, x, y, z, w: L.stack([h, x], dim=0).sum(dim=0),
    lambda L, h, x, y, z, w: L.where(np.arange(12).reshape(3, 4) % 3 == 0, h, x * 2.0),
    lambda L, h, x, y, z, w: h[[0, 0, 2]].sum(dim=0) * h,
    lambda L, h, x, y, z, w: h ** 2 + (h.abs() + 0.5) ** y,
]


@pytest.mark.parametrize("seed", range(30))
def test_random_compositions_match_pytorch_in_float64(seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in [(3, 4), (4,), (3, 1), (4, 4)]]
    ours, theirs = zip(*(pair(a) for a in arrays))
    steps = rng.choice(len(STEPS), size=6)

    def run(L, x, y, z, w):
        h = x
        for k in steps:
            h = STEPS[k](L, h, x, y, z, w)
        return (h * h).sum()

    out, ref = run(Lib(False), *ours), run(Lib(True), *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10)
    out.backward()
    ref.backward()
    for a, b in zip(ours, theirs):
        if b.grad is None:  # an input no step used
            assert a.grad is None
        else:
            np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-8, atol=1e-10)


def _grads(fn, *arrays):
    ours, theirs = zip(*(pair(np.asarray(a, dtype=np.float64)) for a in arrays))
    fn(*ours).sum().backward()
    fn(*theirs).sum().backward()
    return [(a.grad, b.grad.numpy()) for a, b in zip(ours, theirs)]


@pytest.mark.parametrize("name, fn, arrays", [
    ("amax ties split evenly", lambda a: a.amax(dim=1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]),
    ("amin ties", lambda a: a.amin(), [[1.0, 1.0, 3.0]]),
    ("maximum ties halve", lambda a, b: a.maximum(b), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]),
    ("minimum ties halve", lambda a, b: a.minimum(b), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]),
    ("relu at 0", lambda a: a.relu(), [[-1.0, 0.0, 1.0]]),
    ("abs at 0", lambda a: a.abs(), [[-1.0, 0.0, 1.0]]),
    ("clamp at its bounds", lambda a: a.clamp(min=0.0, max=1.0), [[-1.0, 0.0, 0.5, 1.0, 2.0]]),
    ("getitem repeats", lambda a: a[[1, 1, 0]] * a[[1, 1, 0]], [[[1.0, 2.0], [3.0, 4.0]]]),
    ("var and std", lambda a: a.var(dim=0) + a.std(), [[[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]]]),
    ("logsumexp with -inf", lambda a: a.logsumexp(dim=1), [[[0.0, -np.inf], [1.0, 2.0]]]),
    ("matmul 1-D @ 1-D", lambda a, b: a @ b, [[1.0, 2.0], [3.0, 4.0]]),
    ("matmul 1-D @ 3-D", lambda a, b: a @ b, [np.arange(3.0), np.arange(24.0).reshape(2, 3, 4)]),
    ("matmul 3-D @ 1-D", lambda a, b: a @ b, [np.arange(24.0).reshape(2, 3, 4), np.arange(4.0)]),
    ("matmul batch broadcast", lambda a, b: a @ b, [np.ones((2, 1, 3, 4)), np.arange(40.0).reshape(5, 4, 2)]),
])
def test_conventions_at_kinks_and_ties_match_pytorch(name, fn, arrays):
    for ours, theirs in _grads(fn, *arrays):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_pad_matches_pytorch_constant_pad():
    a = np.arange(6.0).reshape(2, 3)
    x, t = pair(a)
    ours = ag.pad(x, ((1, 0), (2, 1)), value=-1.0)
    theirs = torch.nn.functional.pad(t, (2, 1, 1, 0), value=-1.0)  # PyTorch lists the last dim first
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    w = np.random.default_rng(0).standard_normal(ours.shape)
    ours.backward(w)
    theirs.backward(torch.from_numpy(w))
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
