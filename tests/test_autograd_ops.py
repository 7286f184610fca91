"""Every tensor op: its float64 gradient against finite differences (broadcasting, axis and keepdims
variants included), its values against NumPy, float32 in -> float32 out, and the special cases of
each op's backward (ties, repeated indices, masks)."""

import numpy as np
import pytest

import hackgrad.autograd as ag
from hackgrad.autograd import Tensor, gradcheck


def rand(shape, seed=0, low=None):
    """A float64 leaf; `low` keeps values >= low (for log, sqrt, a pow base)."""
    a = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        a = np.abs(a) + low
    return Tensor(a, dtype="float64", requires_grad=True)


def distinct(shape, seed=0):
    """A float64 leaf whose values are all different, none near 0 or +-0.5: finite differences of
    kinked ops (relu, abs, max, clip) never straddle a kink or a tie."""
    n = int(np.prod(shape))
    values = (np.random.default_rng(seed).permutation(n) - n // 2) * 0.1 + 0.03
    return Tensor(values.reshape(shape), dtype="float64", requires_grad=True)


# (id, function, inputs): each is checked against central differences
CASES = [
    # elementwise arithmetic, with broadcasting
    ("add (3,1)+(1,4)", lambda a, b: a + b, lambda: [rand((3, 1)), rand((1, 4), 1)]),
    ("add scalar", lambda a: 2.5 + a, lambda: [rand((2, 3))]),
    ("sub (2,3)-(3,)", lambda a, b: a - b, lambda: [rand((2, 3)), rand((3,), 1)]),
    ("rsub", lambda a: 1.0 - a, lambda: [rand((4,))]),
    ("mul (4,)*(2,3,4)", lambda a, b: a * b, lambda: [rand((4,)), rand((2, 3, 4), 1)]),
    ("mul 0-d*(2,2)", lambda a, b: a * b, lambda: [rand(()), rand((2, 2), 1)]),
    ("div (2,3)/(2,1)", lambda a, b: a / b, lambda: [rand((2, 3)), rand((2, 1), 1, low=0.5)]),
    ("rdiv", lambda a: 3.0 / a, lambda: [rand((3,), low=0.5)]),
    ("neg", lambda a: -a, lambda: [rand((2, 3))]),
    ("pow 3", lambda a: a**3, lambda: [rand((2, 3))]),
    ("pow -1.5", lambda a: a**-1.5, lambda: [rand((2, 3), low=0.5)]),
    ("pow tensor (2,3)**(3,)", lambda a, b: a**b, lambda: [rand((2, 3), low=0.5), rand((3,), 1)]),
    ("rpow", lambda a: 2.0**a, lambda: [rand((3,))]),
    # nonlinearities
    ("exp", lambda a: a.exp(), lambda: [rand((2, 3))]),
    ("log", lambda a: a.log(), lambda: [rand((2, 3), low=0.2)]),
    ("sqrt", lambda a: a.sqrt(), lambda: [rand((2, 3), low=0.2)]),
    ("abs", lambda a: abs(a), lambda: [distinct((2, 3))]),
    ("tanh", lambda a: a.tanh(), lambda: [rand((2, 3))]),
    ("sigmoid", lambda a: a.sigmoid(), lambda: [rand((2, 3))]),
    ("relu", lambda a: a.relu(), lambda: [distinct((3, 4))]),
    ("leaky_relu", lambda a: a.leaky_relu(negative_slope=0.2), lambda: [distinct((3, 4))]),
    ("maximum (3,1),(4,)", lambda a, b: ag.maximum(a, b), lambda: [distinct((3, 1)), distinct((4,), 1)]),
    ("minimum (3,4),(4,)", lambda a, b: a.minimum(b), lambda: [distinct((3, 4)), distinct((4,), 1)]),
    ("maximum scalar", lambda a: ag.maximum(a, 0.0), lambda: [distinct((5,))]),
    ("clip", lambda a: a.clip(-0.5, 0.5), lambda: [distinct((4, 4))]),
    ("clamp min only", lambda a: a.clamp(min=0.0), lambda: [distinct((6,))]),
    ("clip max only", lambda a: ag.clip(a, max=0.2), lambda: [distinct((6,))]),
    ("where (3,4),(4,) ", lambda a, b: ag.where(a.data > 0, a, b), lambda: [rand((3, 4)), rand((4,), 1)]),
    ("where cond broadcasts", lambda a, b: ag.where(np.array([[True], [False]]), a, b),
     lambda: [rand((3,)), rand(())]),
    ("where scalar other", lambda a: a.where(a.data < 0.3, 0.0), lambda: [rand((2, 5))]),
    # reductions
    ("sum all", lambda a: a.sum(), lambda: [rand((2, 3, 4))]),
    ("sum axis=1", lambda a: a.sum(axis=1), lambda: [rand((2, 3, 4))]),
    ("sum axis=-1 keepdims", lambda a: a.sum(axis=-1, keepdims=True), lambda: [rand((2, 3, 4))]),
    ("sum tuple axes", lambda a: a.sum(axis=(0, 2)), lambda: [rand((2, 3, 4))]),
    ("sum dim/keepdim alias", lambda a: a.sum(dim=(-1, 0), keepdim=True), lambda: [rand((2, 3, 4))]),
    ("mean all", lambda a: a.mean(), lambda: [rand((2, 3, 4))]),
    ("mean axis=0", lambda a: a.mean(axis=0), lambda: [rand((2, 3, 4))]),
    ("mean tuple keepdims", lambda a: a.mean(axis=(1, -1), keepdims=True), lambda: [rand((2, 3, 4))]),
    ("max all", lambda a: a.max(), lambda: [distinct((3, 4))]),
    ("max axis=1", lambda a: a.max(axis=1), lambda: [distinct((3, 4))]),
    ("max tuple keepdims", lambda a: a.max(axis=(0, 2), keepdims=True), lambda: [distinct((2, 3, 4))]),
    ("min axis=-1", lambda a: a.min(axis=-1), lambda: [distinct((3, 4))]),
    ("amin all keepdims", lambda a: a.amin(keepdims=True), lambda: [distinct((3, 4))]),
    ("logsumexp all", lambda a: a.logsumexp(), lambda: [rand((3, 4))]),
    ("logsumexp axis=1", lambda a: a.logsumexp(axis=1), lambda: [rand((3, 4))]),
    ("logsumexp tuple keepdims", lambda a: ag.logsumexp(a, axis=(0, 2), keepdims=True),
     lambda: [rand((2, 3, 4))]),
    ("var axis=0", lambda a: a.var(axis=0), lambda: [rand((5, 3))]),
    ("var biased keepdims", lambda a: a.var(axis=(0, 2), keepdims=True, correction=0),
     lambda: [rand((2, 3, 4))]),
    ("std all", lambda a: a.std(), lambda: [rand((5, 3))]),
    ("softmax", lambda a: a.softmax(-1), lambda: [rand((3, 4))]),
    ("softmax dim=0", lambda a: ag.softmax(a, dim=0), lambda: [rand((3, 4))]),
    ("log_softmax", lambda a: a.log_softmax(axis=1), lambda: [rand((2, 3, 4))]),
    # shapes
    ("reshape", lambda a: a.reshape(4, -1), lambda: [rand((2, 3, 4))]),
    ("view tuple", lambda a: a.view((6, 4)) * 1.0, lambda: [rand((2, 3, 4))]),
    ("flatten", lambda a: a.flatten(), lambda: [rand((2, 3, 4))]),
    ("flatten start_dim=1", lambda a: a.flatten(1), lambda: [rand((2, 3, 4))]),
    ("transpose", lambda a: a.transpose(0, 2), lambda: [rand((2, 3, 4))]),
    ("permute", lambda a: a.permute(2, 0, 1), lambda: [rand((2, 3, 4))]),
    ("permute negative", lambda a: a.permute((-1, 0, 1)), lambda: [rand((2, 3, 4))]),
    (".T", lambda a: a.T, lambda: [rand((2, 3, 4))]),
    (".mT", lambda a: a.mT, lambda: [rand((2, 3, 4))]),
    ("squeeze all", lambda a: a.squeeze(), lambda: [rand((2, 1, 3, 1))]),
    ("squeeze dim", lambda a: a.squeeze(-1), lambda: [rand((2, 1, 3, 1))]),
    ("unsqueeze", lambda a: a.unsqueeze(1).unsqueeze(-1), lambda: [rand((2, 3))]),
    ("expand", lambda a: a.expand(2, -1, 4), lambda: [rand((3, 1))]),
    ("broadcast_to", lambda a: ag.broadcast_to(a, (2, 3, 4)), lambda: [rand((4,))]),
    ("expand_as", lambda a, b: a.expand_as(b) * b, lambda: [rand((3, 1)), rand((3, 4), 1)]),
    ("getitem int", lambda a: a[1], lambda: [rand((3, 4))]),
    ("getitem slices", lambda a: a[1:, ::2], lambda: [rand((3, 4))]),
    ("getitem negative step", lambda a: a[::-1, -2], lambda: [rand((3, 4))]),
    ("getitem None and ellipsis", lambda a: a[..., None, 1], lambda: [rand((2, 3, 4))]),
    ("getitem int array with repeats", lambda a: a[[0, 2, 0, 0]], lambda: [rand((3, 4))]),
    ("getitem two int arrays with repeats", lambda a: a[np.array([0, 1, 0]), np.array([2, 3, 2])],
     lambda: [rand((3, 4))]),
    ("getitem int tensor index", lambda a: a[:, ag.tensor([1, 1, 3])], lambda: [rand((3, 4))]),
    ("getitem boolean mask", lambda a: a[a.data > 0], lambda: [rand((3, 4))]),
    ("getitem row mask", lambda a: a[np.array([True, False, True])], lambda: [rand((3, 4))]),
    ("cat axis=0", lambda a, b: ag.cat([a, b]), lambda: [rand((2, 3)), rand((1, 3), 1)]),
    ("cat dim=-1 three", lambda a, b, c: ag.cat((a, b, c), dim=-1),
     lambda: [rand((2, 3)), rand((2, 1), 1), rand((2, 2), 2)]),
    ("concatenate same tensor twice", lambda a: ag.concatenate([a, a * 2], axis=1), lambda: [rand((2, 3))]),
    ("stack", lambda a, b: ag.stack([a, b]), lambda: [rand((2, 3)), rand((2, 3), 1)]),
    ("stack axis=-1", lambda a, b: ag.stack([a, b], axis=-1), lambda: [rand((2, 3)), rand((2, 3), 1)]),
    ("pad int", lambda a: ag.pad(a, 1, value=0.5), lambda: [rand((2, 3))]),
    ("pad per-axis", lambda a: ag.pad(a, ((0, 0), (2, 1), (1, 0))), lambda: [rand((2, 3, 2))]),
    # products
    ("matmul 2-D", lambda a, b: a @ b, lambda: [rand((3, 4)), rand((4, 2), 1)]),
    ("matmul batched", lambda a, b: a @ b, lambda: [rand((2, 3, 4)), rand((2, 4, 5), 1)]),
    ("matmul batch broadcast", lambda a, b: a @ b, lambda: [rand((2, 1, 3, 4)), rand((5, 4, 2), 1)]),
    ("matmul 3-D @ 2-D", lambda a, b: a.matmul(b), lambda: [rand((2, 3, 4)), rand((4, 5), 1)]),
    ("matmul 1-D @ 1-D", lambda a, b: a @ b, lambda: [rand((4,)), rand((4,), 1)]),
    ("matmul 1-D @ 2-D", lambda a, b: a @ b, lambda: [rand((4,)), rand((4, 3), 1)]),
    ("matmul 2-D @ 1-D", lambda a, b: a @ b, lambda: [rand((3, 4)), rand((4,), 1)]),
    ("matmul 1-D @ 3-D", lambda a, b: a @ b, lambda: [rand((4,)), rand((2, 4, 3), 1)]),
    ("matmul 3-D @ 1-D", lambda a, b: a @ b, lambda: [rand((2, 3, 4)), rand((4,), 1)]),
    # PyTorch's indexing, sorting and shape functions (torchsurf)
    ("max dim -> (values, indices)", lambda a: a.max(dim=1).values, lambda: [distinct((3, 4))]),
    ("min dim keepdim", lambda a: ag.min(a, -1, keepdim=True)[0], lambda: [distinct((3, 4))]),
    ("masked_fill", lambda a: a.masked_fill(a.data > 0.2, -1.0), lambda: [distinct((3, 4))]),
    ("tril", lambda a: ag.tril(a), lambda: [rand((2, 3, 4))]),
    ("triu diagonal=1", lambda a: a.triu(1), lambda: [rand((4, 3))]),
    ("gather dim=1 repeats", lambda a: ag.gather(a, 1, np.array([[0, 0], [2, 1], [3, 3]])),
     lambda: [rand((3, 4))]),
    ("scatter", lambda a, b: ag.scatter(a, 0, np.array([[1, 0, 2]]), b), lambda: [rand((3, 3)), rand((1, 3), 1)]),
    ("scatter_add repeats", lambda a, b: ag.scatter_add(a, 1, np.array([[0, 0, 1], [2, 2, 2]]), b),
     lambda: [rand((2, 3)), rand((2, 3), 1)]),
    ("index_select", lambda a: ag.index_select(a, -1, [3, 0, 3]), lambda: [rand((2, 4))]),
    ("narrow", lambda a: ag.narrow(a, 1, 1, 2), lambda: [rand((2, 4))]),
    ("split sizes", lambda a: ag.split(a, [1, 3], dim=1)[1] * ag.split(a, 2)[0].sum(), lambda: [rand((3, 4))]),
    ("chunk", lambda a: ag.chunk(a, 3, dim=-1)[2], lambda: [rand((2, 5))]),
    ("unbind", lambda a: ag.unbind(a, 1)[1] - a.unbind()[0], lambda: [rand((3, 3))]),
    ("flip", lambda a: ag.flip(a, (0, -1)), lambda: [rand((2, 3))]),
    ("roll", lambda a: ag.roll(a, (1, -2), (0, 1)) + a.roll(1), lambda: [rand((3, 4))]),
    ("repeat", lambda a: ag.repeat(a, 2, 1, 3), lambda: [rand((2, 3))]),
    ("cumsum", lambda a: ag.cumsum(a, -1), lambda: [rand((2, 4))]),
    ("sort descending", lambda a: ag.sort(a, 0, descending=True).values, lambda: [distinct((4, 3))]),
    ("topk", lambda a: ag.topk(a, 2).values, lambda: [distinct((3, 5))]),
    ("bmm", lambda a, b: ag.bmm(a, b), lambda: [rand((2, 3, 4)), rand((2, 4, 2), 1)]),
    ("outer", lambda a, b: ag.outer(a, b), lambda: [rand((3,)), rand((4,), 1)]),
    ("einsum contraction", lambda a, b: ag.einsum("bij,bjk->bik", a, b), lambda: [rand((2, 3, 4)), rand((2, 4, 2), 1)]),
    ("einsum trace and sum", lambda a, b: ag.einsum("ii,j->j", a, b), lambda: [rand((3, 3)), rand((2,), 1)]),
    ("norm all", lambda a: ag.norm(a), lambda: [rand((3, 4))]),
    ("norm p=1 dim", lambda a: a.norm(p=1, dim=-1, keepdim=True), lambda: [distinct((3, 4))]),
    ("norm p=3 dim", lambda a: a.norm(3, dim=0), lambda: [distinct((3, 4))]),
    ("erf", lambda a: ag.erf(a), lambda: [rand((3, 4))]),
    ("pad negative crops", lambda a: ag.pad(a, ((-1, 2), (1, -2))), lambda: [rand((3, 4))]),
    # randomness with a seed is a fixed function
    ("dropout", lambda a: ag.dropout(a, p=0.4, seed=3), lambda: [rand((4, 5))]),
    # compositions
    ("a value used twice", lambda a: a * a + a, lambda: [rand((3,))]),
    ("mlp layer", lambda x, w, b: (x @ w + b).tanh().sum(axis=1).mean(),
     lambda: [rand((5, 3)), rand((3, 4), 1), rand((4,), 2)]),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradcheck(fn, make):
    assert gradcheck(fn, *make())


def test_every_public_function_has_a_gradcheck_case():
    """Guards the table above: a new differentiable function without a case fails here."""
    used = set()
    for _, fn, _ in CASES:
        used.update(fn.__code__.co_names)  # the functions and methods each case calls
    by_operator = {"add", "sub", "mul", "div", "neg", "pow"}  # checked through + - * / ** above
    not_differentiable = {"argmax", "argmin", "eq", "ne", "lt", "le", "gt", "ge", "any", "all", "argsort",
                          "numel", "MinMax"}
    aliases = {"amax": "max", "amin": "min"}
    missing = [
        name for name in ag.functional.__all__
        if name not in by_operator | not_differentiable and aliases.get(name, name) not in used
    ]
    assert not missing, f"no gradcheck case calls {missing}"


def test_functional_forms_match_the_operators():
    a, b = rand((2, 3)), rand((3,), 1, low=0.5)
    for f, op in [(ag.add, a + b), (ag.sub, a - b), (ag.mul, a * b), (ag.div, a / b), (ag.pow, b**a)]:
        np.testing.assert_array_equal((f(b, a) if f is ag.pow else f(a, b)).data, op.data)
    np.testing.assert_array_equal(ag.neg(a).data, (-a).data)
    np.testing.assert_array_equal(ag.matmul(a, b).data, (a @ b).data)
    np.testing.assert_array_equal(ag.exp([0.0, 1.0]).data, np.exp(np.float32([0, 1])))  # lists are lifted


# --- values against NumPy ---------------------------------------------------------------------------------
def test_values_match_numpy():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4))
    x = ag.tensor(a, dtype="float64")
    pairs = [
        (x.exp(), np.exp(a)), (abs(x).log(), np.log(np.abs(a))), (abs(x).sqrt(), np.sqrt(np.abs(a))),
        (x.tanh(), np.tanh(a)), (x.sigmoid(), 1 / (1 + np.exp(-a))), (x.relu(), np.maximum(a, 0)),
        (x.leaky_relu(0.1), np.where(a > 0, a, 0.1 * a)), (x.clip(-0.3, 0.2), np.clip(a, -0.3, 0.2)),
        (x.sum(axis=(0, 1)), a.sum()), (x.mean(axis=0), a.mean(axis=0)), (x.max(axis=1), a.max(axis=1)),
        (x.min(), a.min()), (x.logsumexp(axis=1), np.log(np.exp(a).sum(axis=1))),
        (x.var(axis=1), a.var(axis=1, ddof=1)), (x.std(correction=0), a.std()),
        (x.softmax(axis=1), np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)),
        (x.log_softmax(axis=0), a - np.log(np.exp(a).sum(axis=0, keepdims=True))),
        (x.T, a.T), (x.reshape(2, 6), a.reshape(2, 6)), (x[[2, 0]], a[[2, 0]]),
        (ag.pad(x, ((1, 0), (0, 2))), np.pad(a, ((1, 0), (0, 2)))),
        (ag.cat([x, x], axis=1), np.concatenate([a, a], axis=1)), (ag.stack([x, x], 1), np.stack([a, a], 1)),
        (x.argmax(axis=1), a.argmax(axis=1)), (x.argmin(), a.argmin()),
    ]
    for got, want in pairs:
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)


def test_logsumexp_and_softmax_do_not_overflow():
    x = ag.tensor([[1000.0, 1000.0], [-1000.0, -1e9]], dtype="float64", requires_grad=True)
    y = x.logsumexp(axis=1)
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(x.softmax(axis=1).data, [[0.5, 0.5], [1.0, 0.0]])
    assert np.isfinite(x.log_softmax(axis=1).data).all()
    minus_inf = ag.tensor([-np.inf, -np.inf], dtype="float64")
    assert minus_inf.logsumexp().item() == -np.inf


# --- special cases of backward ----------------------------------------------------------------------------
def test_max_and_min_split_the_gradient_evenly_among_ties():
    x = ag.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], dtype="float64", requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    x.grad = None
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.min(axis=0).sum().backward()
    np.testing.assert_allclose(x.grad, [[1, 0, 0], [0, 1, 1]])


def test_maximum_and_minimum_halve_the_gradient_on_a_tie():
    a = ag.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True)
    b = ag.tensor([2.0, 2.0, 2.0], dtype="float64", requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [0, 0.5, 1])
    np.testing.assert_allclose(b.grad, [1, 0.5, 0])
    a.grad = b.grad = None
    ag.minimum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [1, 0.5, 0])


def test_kinks_take_the_documented_subgradient():
    x = ag.tensor([-1.0, 0.0, 1.0], dtype="float64", requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 1])
    x.grad = None
    abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1, 0, 1])
    x.grad = None
    x.clip(0.0, 1.0).sum().backward()  # bounds included, as in PyTorch's clamp
    np.testing.assert_array_equal(x.grad, [0, 1, 1])


def test_getitem_scatter_adds_repeated_indices():
    x = ag.tensor(np.arange(6.0).reshape(3, 2), dtype="float64", requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [[3, 3], [0, 0], [1, 1]])
    x.grad = None
    x[x.data > 2].sum().backward()  # a boolean mask picks each element at most once
    np.testing.assert_array_equal(x.grad, [[0, 0], [0, 1], [1, 1]])


def test_dropout_is_inverted_and_seeded():
    x = ag.tensor(np.ones((200, 50)), requires_grad=True)
    y = ag.dropout(x, p=0.25, seed=7)
    kept = y.data != 0
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_array_equal(ag.dropout(x, p=0.25, seed=7).data, y.data)  # same seed, same mask
    assert not np.array_equal(ag.dropout(x, p=0.25, seed=8).data, y.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # d(x * mask)/dx = mask
    rng = np.random.default_rng(0)
    a, b = ag.dropout(x, 0.5, rng=rng), ag.dropout(x, 0.5, rng=rng)  # one generator, fresh masks
    assert not np.array_equal(a.data, b.data)
    assert ag.dropout(x, 0.5, training=False) is x
    assert ag.dropout(x, 0.0, seed=1) is x
    assert (ag.dropout(x, 1.0, seed=1).data == 0).all()
    with pytest.raises(ValueError, match="p must be a probability"):
        ag.dropout(x, 1.5)
    with pytest.raises(TypeError, match="rng or seed"):
        ag.dropout(x, 0.5, rng=rng, seed=1)


def test_astype_casts_the_gradient_back():
    x = rand((3,))
    y = x.astype("float32")
    assert y.dtype == np.float32 and y.requires_grad
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [2, 2, 2])  # gradcheck in float32 would be rounding noise
    assert x.astype("float64") is x
    labels = x.astype("int64")  # an integer result carries no gradient
    assert labels.dtype == np.int64 and not labels.requires_grad


def test_squeeze_keeps_a_named_dim_that_is_not_one_as_pytorch_does():
    x = ag.tensor(np.zeros((2, 1, 3)))
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze((0, 1)).shape == (2, 3)
    assert x.unsqueeze(-1).shape == (2, 1, 3, 1) and x.unsqueeze(0).shape == (1, 2, 1, 3)
    assert x.flatten(0, 1).shape == (2, 3) and ag.tensor(5.0).flatten().shape == (1,)
    assert x.transpose(0, 0) is x


# --- float32 stays float32 ------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_float32_in_float32_out_and_float32_gradients(fn, make):
    inputs = [Tensor(t.data.astype(np.float32), requires_grad=True) for t in make()]
    out = fn(*inputs)
    assert out.dtype == np.float32
    (out * 1.5).sum().backward()  # a Python number must not promote anything on the way back either
    for t in inputs:
        assert t.grad is not None and t.grad.dtype == np.float32
