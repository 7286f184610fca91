"""PyTorch's surface on hackgrad: top-level functions, Tensor methods, dtype names, the device idiom,
in-place rules, PyTorch's indexing rule, nn modules and functional ops (float64 gradcheck; the comparisons
with torch are in test_op_harness.py and below), utils.data, init, clipping, save/load."""

import numpy as np
import pytest

import hackgrad
import hackgrad as torchlike
import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd import gradcheck
from hackgrad.utils.data import DataLoader, RandomSampler, TensorDataset, random_split


def leaf(shape, seed=0, low=-2.0, high=2.0):
    return hackgrad.tensor(np.random.default_rng(seed).uniform(low, high, shape), dtype="float64",
                           requires_grad=True)


# --- float64 gradchecks of the new functional ops and modules ----------------------------------------------
GRADCHECKS = [
    ("gelu", lambda x: F.gelu(x), [(3, 4)]),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), [(3, 4)]),
    ("silu", lambda x: F.silu(x), [(3, 4)]),
    ("elu", lambda x: F.elu(x, 0.5), [(3, 4)]),
    ("softplus", lambda x: F.softplus(x, beta=2.0), [(3, 4)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    ("normalize", lambda x: F.normalize(x, dim=-1), [(3, 4)]),
    ("sdpa causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
     [(2, 4, 3), (2, 4, 3), (2, 4, 2)]),
    ("sdpa mask", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=np.array([True, False, True])),
     [(2, 3), (3, 3), (3, 2)]),
    ("pad negative", lambda x: F.pad(x, (1, -1, -1, 2)), [(2, 3, 4)]),
    ("interpolate bilinear", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), [(1, 2, 3, 4)]),
    ("interpolate nearest", lambda x: F.interpolate(x, scale_factor=2), [(1, 2, 2, 3)]),
    ("unfold", lambda x: F.unfold(x, 2, padding=1, stride=2), [(2, 2, 3, 4)]),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [(2, 2, 5, 4)]),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [(2, 3, 7), (2, 3, 3), (2,)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     [(1, 2, 3, 3), (2, 3, 3, 3), (3,)]),
    ("conv2d 1x1 padded", lambda x, w: F.conv2d(x, w, padding=2), [(2, 3, 4, 5), (2, 3, 1, 1)]),
    ("bce logits target", lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=np.array([2.0])),
     [(3, 2), (3, 2)]),
    ("bce target", lambda p, y: F.binary_cross_entropy(p.sigmoid(), y.sigmoid()), [(3, 2), (3, 2)]),
    ("cross_entropy soft target", lambda x, t: F.cross_entropy(x, t.softmax(dim=1), label_smoothing=0.1),
     [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("fn, shapes", [c[1:] for c in GRADCHECKS], ids=[c[0] for c in GRADCHECKS])
def test_functional_gradcheck(fn, shapes):
    assert gradcheck(fn, *[leaf(s, seed=i) for i, s in enumerate(shapes)])


MODULES = [
    ("LayerNorm", lambda: nn.LayerNorm(4, dtype=np.float64), (2, 3, 4)),
    ("GroupNorm", lambda: nn.GroupNorm(2, 4, dtype=np.float64), (2, 4, 3, 2)),
    ("GELU", lambda: nn.GELU(), (3, 4)),
    ("SiLU", lambda: nn.SiLU(), (3, 4)),
    ("ELU", lambda: nn.ELU(0.3), (3, 4)),
    ("Softplus", lambda: nn.Softplus(), (3, 4)),
    ("Conv1d", lambda: nn.Conv1d(2, 3, 3, padding=1, dtype=np.float64, seed=0), (2, 2, 5)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 3, 2, stride=2, dtype=np.float64, seed=0), (1, 2, 2, 3)),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 2)), (1, 2, 5, 3)),
    ("Upsample", lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 1, 2, 3)),
    ("Identity", lambda: nn.Identity(), (2, 3)),
    ("MultiheadAttention", lambda: nn.MultiheadAttention(4, 2, batch_first=True, dtype=np.float64, seed=0),
     (2, 3, 4)),
]


@pytest.mark.parametrize("make, shape", [c[1:] for c in MODULES], ids=[c[0] for c in MODULES])
def test_module_gradcheck(make, shape):
    m = make()
    x = leaf(shape)
    if isinstance(m, nn.MultiheadAttention):
        assert gradcheck(lambda x, *ps: m(x, x, x, attn_mask=np.triu(np.ones((3, 3), bool), 1))[0], x,
                         *m.parameters())
    else:
        assert gradcheck(lambda x, *ps: m(x), x, *m.parameters())


def test_modules_match_torch_with_the_same_state_dict():
    torch = pytest.importorskip("torch")
    hackgrad.manual_seed(0)
    pairs = [
        (nn.LayerNorm(5), torch.nn.LayerNorm(5), (2, 3, 5)),
        (nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
        (nn.Conv1d(3, 4, 3, stride=2), torch.nn.Conv1d(3, 4, 3, stride=2), (2, 3, 9)),
        (nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1),
         (2, 3, 4, 4)),
        (nn.MultiheadAttention(8, 4), torch.nn.MultiheadAttention(8, 4), (5, 2, 8)),
    ]
    rng = np.random.default_rng(0)
    for ours, theirs, shape in pairs:
        with hackgrad.no_grad():
            for p in ours.parameters():  # non-trivial affine parameters for the norms
                p.copy_(rng.uniform(-1, 1, p.shape))
        theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
        x = rng.standard_normal(shape).astype(np.float32)
        if isinstance(ours, nn.MultiheadAttention):
            out, out_t = ours(x, x, x)[0], theirs(*(torch.tensor(x),) * 3)[0]
        else:
            out, out_t = ours(hackgrad.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=2e-5, err_msg=type(ours).__name__)


# --- the wrong results, fixed -------------------------------------------------------------------------------
def test_eq_and_ne_are_elementwise():
    a, b = hackgrad.tensor([1.0, 2.0, 3.0]), hackgrad.tensor([1.0, 0.0, 3.0])
    assert (a == b).tolist() == [True, False, True]
    assert (a != b).tolist() == [False, True, False]
    assert (a == 2.0).tolist() == [False, True, False]
    assert a.eq(b).dtype == hackgrad.bool
    assert len({a, b}) == 2  # still hashable by identity
    x = hackgrad.tensor([0.0, 2.0, -1.0], requires_grad=True)
    (x * (x != 0)).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]


def test_pow_edges_have_finite_gradients():
    x = hackgrad.tensor([0.0, 1.0, np.inf], dtype="float64", requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = hackgrad.tensor([0.0, 2.0], dtype="float64", requires_grad=True)
    (0.0**y).sum().backward()
    assert np.isfinite(y.grad).all()


def test_pad_uses_pytorch_order_and_crops():
    x = hackgrad.tensor(np.arange(12.0).reshape(3, 4))
    assert F.pad(x, (1, 0)).shape == (3, 5)  # the last dim first
    assert F.pad(x, (0, 0, 2, 1)).shape == (6, 4)
    np.testing.assert_array_equal(F.pad(x, (-1, -1, 0, -1)).data, x.data[:2, 1:3])
    with pytest.raises(ValueError, match="pairs"):
        F.pad(x, (1, 1, 1))


# --- top level, tensor methods, dtypes, device -------------------------------------------------------------
def test_top_level_factories_and_dtypes():
    assert torchlike.zeros(2, 3).dtype == torchlike.float32 and torchlike.ones((2,)).shape == (2,)
    assert torchlike.arange(5).dtype == torchlike.long and torchlike.arange(0, 1, 0.25).dtype == torchlike.float32
    assert torchlike.full((2, 2), 7).dtype == torchlike.int64
    assert torchlike.zeros_like(torchlike.ones(3, dtype=torchlike.float64)).dtype == torchlike.float64
    assert torchlike.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    torchlike.manual_seed(3)
    a = torchlike.randn(4, 2)
    torchlike.manual_seed(3)
    assert torchlike.allclose(a, torchlike.randn(4, 2))
    assert sorted(torchlike.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    r = torchlike.randint(0, 10, (100,))
    assert r.dtype == torchlike.int64 and 0 <= r.min().item() and r.max().item() < 10
    assert torchlike.multinomial(torchlike.tensor([0.0, 1.0, 0.0]), 3, replacement=True).tolist() == [1, 1, 1]
    assert torchlike.numel(torchlike.zeros(2, 3)) == 6 and torchlike.is_tensor(a) and not torchlike.is_tensor(1)
    arr = np.ones(3)
    t = torchlike.from_numpy(arr)
    assert t.dtype == torchlike.float64 and np.shares_memory(t.data, arr)
    assert torchlike.randn(3, seed=1).tolist() == torchlike.randn(3, rng=np.random.default_rng(1)).tolist()


def test_size_numel_and_max_with_dim():
    x = hackgrad.tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]))
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.numel() == 6 and x.dim() == 2
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert x.max(1).indices.dtype == hackgrad.int64
    assert x.min(0, keepdim=True).values.shape == (1, 3)
    assert x.max().item() == 7.0 and x.max(axis=1).tolist() == [5.0, 7.0]  # NumPy's axis=: values only
    assert hackgrad.max(x, hackgrad.tensor(4.0)).tolist() == [[4.0, 5.0, 4.0], [7.0, 4.0, 7.0]]


def test_pytorch_indexing_rule():
    x = hackgrad.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x[0, :, [0, 1]].shape == (3, 2)  # NumPy would give (2, 3)
    np.testing.assert_array_equal(x[0, :, [0, 1]].data, x.data[0][:, [0, 1]])
    assert x[:, [0, 2], 1].shape == (2, 2)
    assert x[[0, 1], [1, 2]].shape == (2, 4)
    x[0, :, [0, 1]] = -1.0
    assert (x.data[0, :, :2] == -1).all() and (x.data[1] >= 0).all()


def test_conversions_and_device_idiom():
    x = hackgrad.tensor([1.5, 2.5])
    assert x.long().dtype == hackgrad.int64 and x.double().dtype == hackgrad.float64 and x.bool().dtype == bool
    assert x.to(hackgrad.float64).dtype == hackgrad.float64 and x.to("cpu") is x
    assert x.to("cpu", hackgrad.float64).dtype == hackgrad.float64
    assert x.type_as(hackgrad.tensor([1], dtype="int32")).dtype == hackgrad.int32
    assert x.device == hackgrad.device("cpu") and str(x.device) == "cpu"
    assert hackgrad.tensor([1, 2], device=x.device).device == "cpu"
    assert x.new_zeros(2, 2).dtype == x.dtype and x.new_ones((3,)).shape == (3,)
    assert not hackgrad.cuda.is_available()
    device = "cuda" if hackgrad.cuda.is_available() else "cpu"
    assert x.to(device) is x
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        nn.Linear(2, 2).to(hackgrad.device("cuda:0"))
    with pytest.raises(RuntimeError, match="no MPS backend"):
        x.to("mps")
    with hackgrad.inference_mode():
        assert not (leaf((2,)) * 2).requires_grad
    with hackgrad.set_grad_enabled(False):
        assert not (leaf((2,)) * 2).requires_grad
    assert (leaf((2,)) * 2).requires_grad
    hackgrad.set_grad_enabled(False)  # called as a plain function, as scripts do
    try:
        assert not hackgrad.is_grad_enabled()
    finally:
        hackgrad.set_grad_enabled(True)


def test_clone_contiguous_t():
    x = leaf((2, 3))
    c = x.clone()
    c.data[0, 0] = 99.0  # its own memory
    assert x.data[0, 0] != 99.0
    assert x.contiguous() is x and x.t().shape == (3, 2)
    assert gradcheck(lambda a: a.clone() * a.t().t(), x)


# --- in place ------------------------------------------------------------------------------------------------
def test_inplace_ops_outside_a_graph_and_under_no_grad():
    w = hackgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    with hackgrad.no_grad():
        w.sub_(hackgrad.tensor(w.grad), alpha=0.5)  # the hand-written SGD step
    assert w.tolist() == [0.0, 0.0, 0.0]
    t = hackgrad.zeros(3)
    t.add_(1.0).mul_(3.0).clamp_(max=2.0)
    assert t.tolist() == [2.0, 2.0, 2.0]
    t.fill_(5).zero_()
    assert t.tolist() == [0.0, 0.0, 0.0]
    t.copy_(np.array([1.0, 2.0, 3.0]))
    t.masked_fill_(t > 1.5, -1)
    assert t.tolist() == [1.0, -1.0, -1.0]
    t[1:] = 4.0
    assert t.tolist() == [1.0, 4.0, 4.0]


def test_inplace_ops_that_would_corrupt_a_graph_raise():
    w = hackgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w.add_(1.0)
    y = w * 2
    with pytest.raises(RuntimeError, match="in a graph that requires grad"):
        y.mul_(3.0)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w[0] = 5.0


# --- Module --------------------------------------------------------------------------------------------------
def test_module_surface():
    model = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2))
    assert next(model.parameters()).shape == (4, 3)
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "GELU", "Linear", "Sequential"]
    assert model.double() is model and all(p.dtype == np.float64 for p in model.parameters())
    model.float().to("cpu")
    assert all(p.dtype == np.float32 for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    m = nn.Module()
    m.add_module("head", nn.Linear(2, 1))
    assert [n for n, _ in m.named_parameters()] == ["head.weight", "head.bias"]
    model(hackgrad.ones(2, 3)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all((p.grad == 0).all() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_clip_grad_norm_and_init_names():
    lin = nn.Linear(3, 3)
    lin(hackgrad.ones(2, 3) * 100).sum().backward()
    total = nn.utils.clip_grad_norm_(lin.parameters(), 1.0)
    assert total > 1.0
    assert np.sqrt(sum((p.grad**2).sum() for p in lin.parameters())) == pytest.approx(1.0, rel=1e-4)
    nn.init.trunc_normal_(lin.weight, std=0.02, seed=0)
    assert np.abs(lin.weight.data).max() <= 2.0
    nn.init.eye_(lin.weight)
    assert (lin.weight.data == np.eye(3)).all()
    nn.init.normal_(lin.weight, mean=0.0, std=0.02, seed=0)
    nn.init.zeros_(lin.bias)
    assert (lin.bias.data == 0).all()


def test_manual_seed_makes_layers_and_dropout_repeat():
    def build():
        hackgrad.manual_seed(7)
        net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
        return net, net(hackgrad.ones(3, 4)).data

    (a, out_a), (b, out_b) = build(), build()
    assert (a[0].weight.data == b[0].weight.data).all() and (out_a == out_b).all()


# --- utils.data ----------------------------------------------------------------------------------------------
def test_dataloader_batches_and_shuffles():
    X, y = hackgrad.randn(10, 3, seed=0), hackgrad.arange(10)
    ds = TensorDataset(X, y)
    assert len(ds) == 10 and ds[2][1].item() == 2
    batches = list(DataLoader(ds, batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2] and batches[0][1].tolist() == [0, 1, 2, 3]
    assert batches[0][0].shape == (4, 3) and batches[0][1].dtype == hackgrad.int64
    order = np.concatenate([yb.data for _, yb in DataLoader(ds, batch_size=3, shuffle=True, generator=1)])
    assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    sampler = RandomSampler(ds, replacement=True, num_samples=20, generator=0)
    assert len(list(sampler)) == 20
    train, test = random_split(ds, [0.8, 0.2], generator=0)
    assert len(train) == 8 and len(test) == 2
    assert set(train.indices).isdisjoint(test.indices)


# --- save / load ----------------------------------------------------------------------------------------------
def test_save_and_load_a_state_dict(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4))
    path = tmp_path / "model.pt"
    hackgrad.save(model.state_dict(), path)
    state = hackgrad.load(path)
    assert list(state) == list(model.state_dict())
    other = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4))
    other.load_state_dict(state)
    x = hackgrad.randn(2, 3, seed=0)
    assert (other(x).data == model(x).data).all()
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(hackgrad.serialization.ContainerError):
        hackgrad.load(path)
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        hackgrad.load(path, map_location="cuda")


def test_an_inplace_change_of_a_saved_value_fails_at_backward():
    """The version counter: x was saved by the product; changing it in place afterwards would make w's
    gradient wrong, so backward refuses, naming the op."""
    w = hackgrad.tensor([1.0, 2.0], requires_grad=True)
    x = hackgrad.tensor([3.0, 4.0])
    y = (w * x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="Mul"):
        y.backward()
    v = hackgrad.tensor([3.0, 4.0])
    z = (w * v).sum()
    z.backward()  # unchanged: fine
    assert w.grad.tolist() == [3.0, 4.0]
