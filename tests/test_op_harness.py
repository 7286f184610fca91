"""A ported op-test suite: each case is one expression written once against a module `m` and run twice,
with m = torch and m = hackgrad, on the same random float64 inputs; forward values and the gradients of
every input must agree. The cases follow the public op suites' coverage (elementwise math with
broadcasting and edge values, reductions with dim/keepdim, shape and indexing ops, products,
convolutions and pooling, activations, normalisation, losses), plus the cases that once gave wrong
results here (== / !=, 1x1 conv with padding, ** at 0 and inf, loss target gradients, var of too few
values, negative padding)."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import hackgrad  # noqa: E402
import hackgrad.nn.functional as hF  # noqa: E402

tF = torch.nn.functional


class Mod:
    """`m` in a case: the library under test, with its functional module as `m.F`."""

    def __init__(self, lib, functional):
        self.lib, self.F = lib, functional

    def __getattr__(self, name):
        return getattr(self.lib, name)


TORCH, HACK = Mod(torch, tF), Mod(hackgrad, hF)


def helper_test_op(shapes, fn, *, low=-2.0, high=2.0, values=None, grad=True, atol=1e-6, rtol=1e-5, seed=0):
    """Run fn(m, *inputs) for torch and hackgrad on the same inputs; compare outputs and input gradients.

    `shapes` gives random uniform(low, high) inputs; `values` gives explicit arrays instead.
    """
    rng = np.random.default_rng(seed)
    arrays = values if values is not None else [rng.uniform(low, high, s) for s in shapes]
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    tx = [torch.tensor(a, requires_grad=grad) for a in arrays]
    hx = [hackgrad.tensor(a, dtype="float64", requires_grad=grad) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the edge cases warn (NaN, division by zero) in both libraries
        tout, hout = fn(TORCH, *tx), fn(HACK, *hx)
    touts = tout if isinstance(tout, (tuple, list)) else (tout,)
    houts = hout if isinstance(hout, (tuple, list)) else (hout,)
    assert len(touts) == len(houts)
    for t, h in zip(touts, houts):
        assert tuple(t.shape) == tuple(h.shape), f"shape {tuple(h.shape)} != torch's {tuple(t.shape)}"
        np.testing.assert_allclose(h.data, t.detach().numpy(), atol=atol, rtol=rtol, equal_nan=True)
    if not grad:
        return
    # one random upstream gradient per floating output, so every output element is checked
    pairs = [(t, h) for t, h in zip(touts, houts) if t.dtype.is_floating_point and t.requires_grad]
    if not pairs:
        return
    t_total, h_total = 0, 0
    for k, (t, h) in enumerate(pairs):
        w = np.random.default_rng(seed + 100 + k).uniform(0.5, 1.5, tuple(t.shape))
        t_total = t_total + (t * torch.tensor(w)).sum()
        h_total = h_total + (h * hackgrad.tensor(w, dtype="float64")).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_total.backward()
        h_total.backward()
    for i, (t, h) in enumerate(zip(tx, hx)):
        tg = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        hg = np.zeros(h.shape) if h.grad is None else h.grad
        np.testing.assert_allclose(hg, tg, atol=atol * 10, rtol=rtol * 10, equal_nan=True,
                                   err_msg=f"gradient of input {i}")


EDGE = [0.0, -0.0, 1.0, -1.0, 2.0, -2.5, 0.5, np.inf, -np.inf]

CASES = [
    # --- the wrong results this suite found, now fixed -----------------------------------------------
    ("eq elementwise", [(3, 4)], lambda m, x: x * (x == x[0]), {}),
    ("ne mask gradient", None, lambda m, x: x * (x != 0), {"values": [[[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]]}),
    ("conv2d 1x1 padding 2", [(4, 3, 11, 28), (4, 3, 1, 1)], lambda m, x, w: m.F.conv2d(x, w, padding=2), {}),
    ("conv2d 1 pixel padded", [(1, 2, 1, 1), (3, 2, 3, 3)], lambda m, x, w: m.F.conv2d(x, w, padding=1), {}),
    ("conv2d 1x1 stride 2 padding 1", [(2, 3, 5, 5), (2, 3, 1, 1)],
     lambda m, x, w: m.F.conv2d(x, w, stride=2, padding=1), {}),
    ("x ** 0 at 0", None, lambda m, x: x**0, {"values": [EDGE[:7]]}),
    ("x ** 2 tensor exponent at 0", None, lambda m, x, y: x**y, {"values": [[0.0, 0.0, 1.0], [2.0, 2.0, 0.0]]}),
    ("0 ** y", None, lambda m, y: 0.0**y, {"values": [[0.0, 1.0, 2.0, 0.5]]}),
    ("x ** y at 0 and inf", None, lambda m, x, y: x**y,
     {"values": [[0.0, 0.0, np.inf, 2.0, 1.0], [0.0, 3.0, 2.0, np.inf, 0.0]]}),
    ("x ** 3 at 0 and inf", None, lambda m, x: x**3, {"values": [[0.0, np.inf, -np.inf, 1.5]]}),
    ("bce target gradient", None, lambda m, p, y: m.F.binary_cross_entropy(p, y),
     {"values": [[0.1, 0.7, 0.5, 0.99], [0.0, 1.0, 0.3, 0.8]]}),
    ("bce weighted none", None, lambda m, p, y: m.F.binary_cross_entropy(p, y, weight=p.detach(), reduction="none"),
     {"values": [[0.2, 0.6, 0.5], [1.0, 0.0, 0.4]]}),
    ("bce logits target gradient", [(3, 4), (3, 4)], lambda m, x, y: m.F.binary_cross_entropy_with_logits(x, y.sigmoid()), {}),
    ("bce logits pos_weight", [(3, 4), (3, 4), (4,)],
     lambda m, x, y, w: m.F.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=w.detach().exp()), {}),
    ("cross_entropy probability target", [(4, 5), (4, 5)],
     lambda m, x, t: m.F.cross_entropy(x, t.softmax(dim=1)), {}),
    ("cross_entropy probability target smoothing (N,C,d)", [(2, 3, 4), (2, 3, 4)],
     lambda m, x, t: m.F.cross_entropy(x, t.softmax(dim=1), label_smoothing=0.2, reduction="sum"), {}),
    ("var of one value", [(1, 3)], lambda m, x: x.var(dim=0), {}),
    # (its gradient is NaN here, 0 in PyTorch: a documented difference, see the README)
    ("std correction > n", [(2, 3)], lambda m, x: x.std(dim=0, correction=3), {"grad": False}),
    ("var constant (0/0)", None, lambda m, x: x.var(), {"values": [[2.0]]}),
    ("pad negative (crop)", [(2, 3, 5, 6)], lambda m, x: m.F.pad(x, (-1, 2, 1, -2)), {}),
    ("pad last dim only", [(2, 3)], lambda m, x: m.F.pad(x, (1, 2), value=0.5), {}),
    ("pad three dims", [(2, 3, 4)], lambda m, x: m.F.pad(x, (1, 0, 0, 2, 1, 1)), {}),
    # --- elementwise and broadcasting ------------------------------------------------------------------
    ("add broadcast", [(3, 1), (1, 4)], lambda m, x, y: x + y, {}),
    ("sub scalar", [(2, 3)], lambda m, x: 2 - x, {}),
    ("mul broadcast 3d", [(2, 1, 4), (3, 1)], lambda m, x, y: x * y, {}),
    ("div", [(3, 4), (4,)], lambda m, x, y: x / y, {"low": 0.5, "high": 2.0}),
    ("pow fractional", [(3, 4)], lambda m, x: x**1.5, {"low": 0.1}),
    ("rpow", [(5,)], lambda m, x: 2.0**x, {}),
    ("exp", [(3, 4)], lambda m, x: x.exp(), {}),
    ("log", [(3, 4)], lambda m, x: m.log(x), {"low": 0.1}),
    ("sqrt", [(3, 4)], lambda m, x: m.sqrt(x), {"low": 0.1}),
    ("abs", [(3, 4)], lambda m, x: m.abs(x), {}),
    ("tanh", [(3, 4)], lambda m, x: m.tanh(x), {}),
    ("sigmoid", [(3, 4)], lambda m, x: m.sigmoid(x), {"low": -30, "high": 30}),
    ("relu", [(3, 4)], lambda m, x: m.relu(x), {}),
    ("erf", [(3, 4)], lambda m, x: m.erf(x), {}),
    ("maximum", [(3, 4), (4,)], lambda m, x, y: m.maximum(x, y), {}),
    ("minimum", [(3, 4), (3, 1)], lambda m, x, y: m.minimum(x, y), {}),
    ("maximum ties", None, lambda m, x, y: m.maximum(x, y), {"values": [[1.0, 2.0, 3.0], [1.0, 5.0, 3.0]]}),
    ("clamp", [(3, 4)], lambda m, x: m.clamp(x, -0.5, 0.8), {}),
    ("clamp min", [(3, 4)], lambda m, x: x.clamp(min=0.1), {}),
    ("where", [(3, 4), (3, 4)], lambda m, x, y: m.where(x > y, x, y), {}),
    ("masked_fill", [(3, 4)], lambda m, x: x.masked_fill(x > 0.5, -1.0), {}),
    ("tril", [(4, 4)], lambda m, x: m.tril(x), {}),
    ("triu diagonal", [(2, 3, 5)], lambda m, x: m.triu(x, 1), {}),
    # --- reductions --------------------------------------------------------------------------------
    ("sum", [(3, 4, 5)], lambda m, x: x.sum(), {}),
    ("sum dim keepdim", [(3, 4, 5)], lambda m, x: x.sum(dim=1, keepdim=True), {}),
    ("sum dims", [(3, 4, 5)], lambda m, x: x.sum(dim=(0, -1)), {}),
    ("mean dim=-1", [(3, 4, 5)], lambda m, x: x.mean(dim=-1), {}),
    ("max all", [(3, 4)], lambda m, x: x.max(), {}),
    ("max dim values indices", [(3, 4)], lambda m, x: m.max(x, dim=1), {}),
    ("min dim keepdim", [(3, 4)], lambda m, x: x.min(dim=0, keepdim=True), {}),
    ("max dim ties (gradient to the first)", None, lambda m, x: x.max(dim=1)[0],
     {"values": [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]]}),
    ("max of two tensors", [(3, 4), (4,)], lambda m, x, y: m.max(x, y), {}),
    ("amax dims", [(3, 4, 5)], lambda m, x: x.amax(dim=(0, 2)), {}),
    ("argmax dim", [(3, 4)], lambda m, x: m.argmax(x, dim=1), {}),
    ("var dim", [(4, 5)], lambda m, x: x.var(dim=0), {}),
    ("var unbiased all", [(4, 5)], lambda m, x: m.var(x), {}),
    ("std keepdim", [(4, 5)], lambda m, x: x.std(dim=1, keepdim=True), {}),
    ("logsumexp", [(3, 4)], lambda m, x: m.logsumexp(x, dim=-1), {}),
    ("softmax dim=0", [(3, 4)], lambda m, x: m.softmax(x, dim=0), {}),
    ("log_softmax", [(3, 4)], lambda m, x: x.log_softmax(dim=-1), {}),
    ("cumsum", [(3, 4)], lambda m, x: m.cumsum(x, dim=1), {}),
    ("norm", [(3, 4)], lambda m, x: x.norm(), {}),
    ("norm p=1 dim", [(3, 4)], lambda m, x: m.norm(x, p=1, dim=-1), {}),
    ("norm dim keepdim", [(3, 4)], lambda m, x: x.norm(dim=0, keepdim=True), {}),
    ("any/all", [(3, 4)], lambda m, x: ((x > 0).any(dim=1), (x > 1.5).all()), {"grad": False}),
    # --- shapes and indexing -------------------------------------------------------------------------
    ("reshape/view", [(2, 3, 4)], lambda m, x: x.view(6, -1).reshape(4, 6), {}),
    ("view_as", [(2, 6), (3, 4)], lambda m, x, y: x.view_as(y) * y, {}),
    ("permute", [(2, 3, 4)], lambda m, x: x.permute(2, 0, 1), {}),
    ("transpose", [(2, 3, 4)], lambda m, x: x.transpose(0, 2), {}),
    ("t", [(3, 4)], lambda m, x: x.t(), {}),
    ("flatten", [(2, 3, 4)], lambda m, x: m.flatten(x, 1), {}),
    ("squeeze/unsqueeze", [(2, 1, 3)], lambda m, x: x.squeeze(1).unsqueeze(-1), {}),
    ("expand", [(3, 1)], lambda m, x: x.expand(2, 3, 4), {}),
    ("cat dim=-1", [(2, 3), (2, 2)], lambda m, x, y: m.cat([x, y], dim=-1), {}),
    ("stack dim=1", [(2, 3), (2, 3)], lambda m, x, y: m.stack([x, y], dim=1), {}),
    ("split", [(5, 3)], lambda m, x: m.split(x, 2), {}),
    ("split sizes", [(5, 3)], lambda m, x: x.split([1, 4], dim=0), {}),
    ("chunk", [(3, 7)], lambda m, x: m.chunk(x, 3, dim=-1), {}),
    ("unbind", [(3, 2)], lambda m, x: x.unbind(1), {}),
    ("narrow", [(4, 5)], lambda m, x: x.narrow(1, 1, 3), {}),
    ("repeat", [(2, 3)], lambda m, x: x.repeat(2, 1, 2), {}),
    ("flip", [(2, 3, 4)], lambda m, x: m.flip(x, (0, 2)), {}),
    ("roll", [(3, 4)], lambda m, x: m.roll(x, 1, 1), {}),
    ("roll flat", [(3, 4)], lambda m, x: x.roll(5), {}),
    ("gather", [(3, 4)], lambda m, x: m.gather(x, 1, m.tensor([[0, 0], [3, 1], [2, 2]])), {}),
    ("scatter_add", [(3, 4), (2, 4)], lambda m, x, s: x.scatter_add(0, m.tensor([[0, 1, 2, 0], [0, 0, 0, 2]]), s), {}),
    ("scatter", [(3, 4), (1, 4)], lambda m, x, s: m.scatter(x, 0, m.tensor([[2, 0, 1, 2]]), s), {}),
    ("index_select", [(4, 3)], lambda m, x: m.index_select(x, 0, m.tensor([3, 0, 3])), {}),
    ("topk", [(3, 6)], lambda m, x: m.topk(x, 3, dim=-1), {}),
    ("topk smallest dim 0", [(5, 2)], lambda m, x: x.topk(2, dim=0, largest=False), {}),
    ("sort", [(3, 5)], lambda m, x: m.sort(x, dim=1), {}),
    ("sort descending", [(4, 3)], lambda m, x: x.sort(dim=0, descending=True), {}),
    ("argsort", [(3, 5)], lambda m, x: m.argsort(x, dim=-1), {"grad": False}),
    ("getitem int slice list (PyTorch's rule)", [(2, 3, 4)], lambda m, x: x[0, :, [0, 1]], {}),
    ("getitem list slice int", [(2, 3, 4)], lambda m, x: x[[1, 0], :, 2], {}),
    ("getitem lists", [(3, 4)], lambda m, x: x[[0, 2, 2], [1, 1, 3]], {}),
    ("getitem mask", [(3, 4)], lambda m, x: x[x > 0], {}),
    ("getitem ellipsis none", [(2, 3, 4)], lambda m, x: x[..., None, 1:3], {}),
    # --- products --------------------------------------------------------------------------------------
    ("matmul", [(3, 4), (4, 5)], lambda m, x, y: x @ y, {}),
    ("matmul batch broadcast", [(2, 1, 3, 4), (5, 4, 2)], lambda m, x, y: m.matmul(x, y), {}),
    ("bmm", [(2, 3, 4), (2, 4, 5)], lambda m, x, y: m.bmm(x, y), {}),
    ("outer", [(3,), (4,)], lambda m, x, y: m.outer(x, y), {}),
    ("einsum bij,bjk", [(2, 3, 4), (2, 4, 5)], lambda m, x, y: m.einsum("bij,bjk->bik", x, y), {}),
    ("einsum trace", [(3, 3)], lambda m, x: m.einsum("ii->", x), {}),
    ("einsum implicit", [(3, 4), (4, 2)], lambda m, x, y: m.einsum("ij,jk", x, y), {}),
    # --- convolution and pooling -----------------------------------------------------------------------
    ("conv2d stride padding bias", [(2, 3, 7, 6), (4, 3, 3, 3), (4,)],
     lambda m, x, w, b: m.F.conv2d(x, w, b, stride=2, padding=1), {}),
    ("conv2d dilation groups", [(2, 4, 8, 8), (6, 2, 3, 3)], lambda m, x, w: m.F.conv2d(x, w, dilation=2, groups=2), {}),
    ("conv1d", [(2, 3, 10), (4, 3, 3), (4,)], lambda m, x, w, b: m.F.conv1d(x, w, b, stride=2, padding=1), {}),
    ("conv1d same", [(2, 3, 9), (2, 3, 4)], lambda m, x, w: m.F.conv1d(x, w, padding="same"), {}),
    ("conv_transpose2d", [(2, 3, 4, 5), (3, 2, 3, 3), (2,)],
     lambda m, x, w, b: m.F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), {}),
    ("conv_transpose2d dilation", [(1, 2, 3, 3), (2, 3, 2, 2)], lambda m, x, w: m.F.conv_transpose2d(x, w, dilation=2), {}),
    ("max_pool2d", [(2, 3, 6, 6)], lambda m, x: m.F.max_pool2d(x, 2), {}),
    ("avg_pool2d padding", [(2, 3, 5, 5)], lambda m, x: m.F.avg_pool2d(x, 3, stride=2, padding=1), {}),
    ("adaptive_avg_pool2d", [(2, 3, 7, 5)], lambda m, x: m.F.adaptive_avg_pool2d(x, (3, 2)), {}),
    ("adaptive_avg_pool2d global", [(2, 3, 4, 4)], lambda m, x: m.F.adaptive_avg_pool2d(x, 1), {}),
    ("unfold", [(2, 3, 5, 6)], lambda m, x: m.F.unfold(x, (2, 3), padding=1, stride=2), {}),
    ("interpolate nearest", [(2, 3, 4, 5)], lambda m, x: m.F.interpolate(x, scale_factor=2), {}),
    ("interpolate bilinear", [(2, 3, 4, 5)], lambda m, x: m.F.interpolate(x, size=(7, 3), mode="bilinear"), {}),
    ("interpolate bilinear align_corners", [(1, 2, 3, 4)],
     lambda m, x: m.F.interpolate(x, size=(5, 6), mode="bilinear", align_corners=True), {}),
    ("interpolate linear 1d", [(2, 3, 5)], lambda m, x: m.F.interpolate(x, scale_factor=3, mode="linear"), {}),
    # --- activations and normalisation -----------------------------------------------------------------
    ("gelu", [(3, 4)], lambda m, x: m.F.gelu(x), {"low": -4, "high": 4}),
    ("gelu tanh", [(3, 4)], lambda m, x: m.F.gelu(x, approximate="tanh"), {"low": -4, "high": 4}),
    ("silu", [(3, 4)], lambda m, x: m.F.silu(x), {}),
    ("elu", [(3, 4)], lambda m, x: m.F.elu(x, alpha=0.7), {}),
    ("elu large", None, lambda m, x: m.F.elu(x), {"values": [[800.0, -800.0, 0.5]]}),
    ("softplus", [(3, 4)], lambda m, x: m.F.softplus(x), {"low": -30, "high": 30}),
    ("softplus beta threshold", [(3, 4)], lambda m, x: m.F.softplus(x, beta=2, threshold=3), {}),
    ("leaky_relu", [(3, 4)], lambda m, x: m.F.leaky_relu(x, 0.2), {}),
    ("layer_norm", [(2, 3, 4), (4,), (4,)], lambda m, x, w, b: m.F.layer_norm(x, (4,), w, b), {}),
    ("layer_norm two dims", [(2, 3, 4)], lambda m, x: m.F.layer_norm(x, (3, 4)), {}),
    ("group_norm", [(2, 6, 3, 2), (6,), (6,)], lambda m, x, w, b: m.F.group_norm(x, 3, w, b), {}),
    ("normalize", [(3, 4)], lambda m, x: m.F.normalize(x, dim=-1), {}),
    ("normalize p=1 dim 0", [(3, 4)], lambda m, x: m.F.normalize(x, p=1, dim=0), {}),
    ("sdpa", [(2, 3, 4), (2, 5, 4), (2, 5, 6)], lambda m, q, k, v: m.F.scaled_dot_product_attention(q, k, v), {}),
    ("sdpa causal", [(2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)],
     lambda m, q, k, v: m.F.scaled_dot_product_attention(q, k, v, is_causal=True), {}),
    ("sdpa bool mask", [(2, 3, 4), (2, 5, 4), (2, 5, 4)],
     lambda m, q, k, v: m.F.scaled_dot_product_attention(
         q, k, v, attn_mask=m.tensor([[True, False, True, True, False]] * 3)), {}),
    ("sdpa float mask and scale", [(3, 4), (5, 4), (5, 2), (3, 5)],
     lambda m, q, k, v, b: m.F.scaled_dot_product_attention(q, k, v, attn_mask=b, scale=0.3), {}),
    # --- losses --------------------------------------------------------------------------------------
    ("cross_entropy labels", [(5, 4)], lambda m, x: m.F.cross_entropy(x.view(-1, 4), m.tensor([0, 3, 1, 1, 2])), {}),
    ("cross_entropy ignore_index", [(4, 3)], lambda m, x: m.F.cross_entropy(x, m.tensor([0, -100, 2, 1])), {}),
    ("nll_loss", [(4, 3)], lambda m, x: m.F.nll_loss(x.log_softmax(dim=1), m.tensor([0, 2, 2, 1])), {}),
    ("mse_loss", [(3, 4), (3, 4)], lambda m, x, y: m.F.mse_loss(x, y), {}),
    ("l1_loss", [(3, 4), (3, 4)], lambda m, x, y: m.F.l1_loss(x, y), {}),
    ("smooth_l1_loss", [(3, 4), (3, 4)], lambda m, x, y: m.F.smooth_l1_loss(x, y, beta=0.5), {}),
    ("one_hot", None, lambda m, x: m.F.one_hot(m.tensor([0, 2, 1, 2]), 4).float() * x, {"values": [[1.0, 2.0, 3.0, 4.0]]}),
]


@pytest.mark.parametrize("shapes, fn, kwargs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_op_matches_torch(shapes, fn, kwargs):
    helper_test_op(shapes, fn, **kwargs)


def test_var_of_too_few_values_warns_and_gives_nan():
    x = hackgrad.tensor([[1.0, 2.0]], dtype="float64", requires_grad=True)
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        v = x.var(dim=0)
    assert np.isnan(v.data).all()
