"""`Tensor` as a value: construction and dtype rules, operators with numbers and arrays, what it shows."""

import numpy as np
import pytest

import hackgrad
import hackgrad.autograd as ag
from hackgrad.autograd import Tensor, tensor


def test_floating_data_defaults_to_float32_and_integers_stay_integers():
    assert tensor([1.0, 2.0]).dtype == np.float32
    assert tensor(np.ones(3)).dtype == np.float32  # a float64 array too, unless asked
    assert tensor(np.ones(3), dtype="float64").dtype == np.float64
    assert tensor([1, 2]).dtype.kind == "i"
    assert tensor([True, False]).dtype == np.bool_
    assert Tensor(tensor([1.0])).dtype == np.float32
    assert hackgrad.tensor is ag.tensor and hackgrad.Tensor is Tensor


def test_numbers_and_arrays_take_the_tensors_dtype():
    x = tensor([1.0, 2.0], requires_grad=True)
    for y in (x + 1, 1 + x, x * 0.5, 2.0 - x, x / 3, 3 / x, x**2, x ** np.float64(2.0), 2.0**x,
              x * np.float64(1.5), x + np.ones(2), np.ones(2) * x, x @ np.ones(2), ag.maximum(x, 0.5),
              x.clip(np.float64(0), 1.5), x.leaky_relu(np.float64(0.2)), ag.where(x.data > 1, x, 0.0)):
        assert isinstance(y, Tensor) and y.dtype == np.float32, y


def test_an_ndarray_on_the_left_gives_a_tensor():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0]) * x
    assert isinstance(y, Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [2, 3])


def test_comparisons_give_boolean_tensors_without_gradient():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, True, True])
    np.testing.assert_array_equal((x <= 2).data, [True, True, False])
    np.testing.assert_array_equal((x >= tensor([2.0, 2.0, 2.0])).data, [False, True, True])
    np.testing.assert_array_equal(x[mask].data, [2, 3])  # a boolean tensor works as an index
    assert {x: 1}[x] == 1  # tensors hash by identity, so they can key dicts


def test_what_a_tensor_shows():
    x = tensor(np.zeros((2, 3)), requires_grad=True)
    assert (x.shape, x.ndim, x.numel(), len(x), x.is_leaf, x.grad_fn) == ((2, 3), 2, 6, 2, True, None)
    assert (x.size(), x.size(1), x.size(-1)) == ((2, 3), 3, 3)
    assert "requires_grad=True" in repr(x)
    y = x * 2
    assert not y.is_leaf and "grad_fn=<Mul>" in repr(y)
    assert "dtype=float64" in repr(tensor([1.0], dtype="float64"))
    assert x.numpy() is x.data and x.tolist() == [[0, 0, 0], [0, 0, 0]]
    assert tensor([2.5]).item() == 2.5 and float(tensor(2.5)) == 2.5 and int(tensor([3])) == 3
    assert bool(tensor(1.0))
    with pytest.raises(ValueError, match=r"truth value of a tensor of shape \(2, 3\) is ambiguous"):
        bool(x)
    with pytest.raises(ValueError, match=r"only a one-element tensor has an item, not one of shape \(2, 3\)"):
        x.item()


def test_zero_dimensional_results_hold_arrays():
    x = tensor(2.0, requires_grad=True)
    y = x * x
    assert isinstance(y.data, np.ndarray) and y.shape == ()
    element = tensor(np.ones((2, 3)))[1, 2]  # NumPy gives a scalar here; the tensor still holds an array
    assert isinstance(element.data, np.ndarray) and element.shape == ()
    y.backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.dtype == np.float32 and x.grad == 4.0


def test_backward_casts_a_given_gradient_to_the_tensors_dtype():
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(np.ones(2, dtype=np.float64))
    assert x.grad.dtype == np.float32


def test_methods_and_functions_agree():
    x = tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.reshape(4, 6).shape == x.reshape((4, 6)).shape == x.view(-1, 6).shape == (4, 6)
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3) and x.transpose(0, 1).shape == (3, 2, 4)
    assert x.permute(1, 2, 0).shape == ag.permute(x, (1, 2, 0)).shape == (3, 4, 2)
    assert x.sum(dim=1).shape == ag.sum(x, axis=1).shape == (2, 4)
    assert x.mean(axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    assert x.max(axis=-1).shape == x.amax(-1).shape == x.max(-1).values.shape == (2, 3)
    assert x.argmax(axis=-1).dtype.kind == "i" and (x.argmax(axis=-1).data == 3).all()
    assert x[:, None].shape == (2, 1, 3, 4) and x[..., 0].shape == (2, 3)
    assert x.unsqueeze(0).squeeze(0).shape == x.shape
    assert x.expand(5, 2, 3, 4).shape == (5, 2, 3, 4)
    assert tensor([1.0, 2.0]).T.shape == (2,)
    np.testing.assert_array_equal(x.exp().data, ag.exp(x).data)
    np.testing.assert_array_equal(abs(-x).data, x.abs().data)
    np.testing.assert_array_equal(x.pow(2).data, (x**2).data)
