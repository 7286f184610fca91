"""Embedding and F.embedding: lookup values, float64 gradcheck with repeated indices, the scatter-add of
repeated rows, padding_idx, errors, and PyTorch parity (when torch is installed)."""

import numpy as np
import pytest

import hackgrad.nn as nn
import hackgrad.nn.functional as F
from hackgrad.autograd import gradcheck
from hackgrad.autograd.tensor import Tensor, tensor

f64 = np.float64


def test_lookup_picks_rows_for_any_index_shape():
    emb = nn.Embedding(10, 4, seed=0)
    idx = np.array([[1, 2, 1], [9, 0, 1]])
    y = emb(idx)
    assert y.shape == (2, 3, 4) and y.dtype == np.float32
    np.testing.assert_array_equal(y.data, emb.weight.data[idx])
    assert emb(tensor(np.array(3))).shape == (4,)  # a 0-d index gives one vector
    assert emb(np.zeros((0,), dtype=int)).shape == (0, 4)


def test_gradcheck_with_repeated_indices():
    w = Tensor(np.random.default_rng(0).normal(size=(5, 3)), requires_grad=True, dtype=f64)
    idx = np.array([[0, 3, 3], [3, 1, 0]])  # row 3 three times, row 0 twice, rows 2 and 4 never
    assert gradcheck(lambda w: F.embedding(idx, w), w)


def test_repeated_rows_add_up_exactly():
    rng = np.random.default_rng(1)
    emb = nn.Embedding(7, 6, dtype=f64, seed=0)
    idx = rng.integers(0, 7, (40, 3))
    dy = rng.normal(size=(40, 3, 6))
    emb(idx).backward(dy)
    expected = np.zeros((7, 6))
    np.add.at(expected, idx.reshape(-1), dy.reshape(-1, 6))
    np.testing.assert_allclose(emb.weight.grad, expected, rtol=1e-12)
    counts = np.bincount(idx.reshape(-1), minlength=7)
    emb.zero_grad()
    emb(idx).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad, np.repeat(counts[:, None], 6, axis=1))


def test_padding_idx_row_starts_at_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=-1, seed=0)  # negative counts from the end, as in PyTorch
    assert emb.padding_idx == 4 and not emb.weight.data[4].any() and emb.weight.data[:4].any()
    emb(np.array([4, 1, 4, 1])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[4], 0)
    np.testing.assert_array_equal(emb.weight.grad[1], 2)
    assert repr(emb) == "Embedding(5, 3, padding_idx=4)"


def test_init_is_standard_normal_and_seeded():
    a, b = nn.Embedding(400, 50, seed=3), nn.Embedding(400, 50, seed=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert abs(a.weight.data.mean()) < 0.02 and abs(a.weight.data.std() - 1) < 0.02
    assert [n for n, _ in a.named_parameters()] == ["weight"]


def test_errors_name_the_index_and_the_table_size():
    emb = nn.Embedding(10, 3)
    expected = r"Embedding\(10, 3\): index 10 is out of range for num_embeddings=10"
    with pytest.raises(IndexError, match=expected):
        emb(np.array([1, 10, 2]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(np.array([-1, 2]))
    with pytest.raises(TypeError, match="indices must be integers, got dtype float32"):
        emb(tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="padding_idx 7 is out of range"):
        nn.Embedding(5, 3, padding_idx=7)
    with pytest.raises(ValueError, match="embedding_dim must be a positive integer"):
        nn.Embedding(5, 0)
    with pytest.raises(ValueError, match=r"weight must have shape \(num_embeddings, embedding_dim\)"):
        F.embedding(np.array([0]), tensor(np.zeros(3)))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    ref = torch.nn.Embedding(9, 4, padding_idx=2, dtype=torch.float64)
    emb = nn.Embedding(9, 4, padding_idx=2, dtype=f64)
    emb.load_state_dict({"weight": ref.weight.detach().numpy()})
    idx = np.random.default_rng(0).integers(0, 9, (6, 5))
    g = np.random.default_rng(1).normal(size=(6, 5, 4))
    y, yt = emb(idx), ref(torch.from_numpy(idx))
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    y.backward(g)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(emb.weight.grad, ref.weight.grad.numpy(), rtol=1e-12)
