"""Dtype rules: object and string dtypes are errors; mixed dtypes promote as PyTorch's elementwise ops do."""

import numpy as np
import pytest

import hackgrad as hg
from hackgrad.autograd import gradcheck


@pytest.mark.parametrize("dtype", [object, "object", "str", "U5", "S3", "complex64", np.dtype("datetime64[s]")])
def test_object_string_and_other_dtypes_are_errors(dtype):
    with pytest.raises(TypeError, match="unsupported dtype"):
        hg.tensor([1, 2], dtype=dtype)


@pytest.mark.parametrize("data", [["a", "b"], np.array([1, "x"], dtype=object), [b"x"]])
def test_object_and_string_data_are_errors_even_with_a_numeric_dtype(data):
    with pytest.raises(TypeError, match="unsupported data of dtype"):
        hg.tensor(data)
    with pytest.raises(TypeError, match="unsupported data of dtype"):
        hg.tensor(data, dtype="float32")


def test_astype_refuses_object_too():
    with pytest.raises(TypeError, match="unsupported dtype"):
        hg.tensor([1.0]).astype(object)


# (left dtype, right dtype) -> PyTorch's result dtype, for tensor-tensor elementwise ops
PAIRS = [
    ("float32", "float64", "float64"),
    ("float64", "float32", "float64"),
    ("int64", "float32", "float32"),
    ("float32", "int64", "float32"),
    ("int32", "float64", "float64"),
    ("bool", "float32", "float32"),
    ("int32", "int64", "int64"),
    ("bool", "int64", "int64"),
    ("int64", "int64", "int64"),
]


@pytest.mark.parametrize("left, right, expected", PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "maximum", "minimum"])
def test_mixed_dtypes_promote_as_pytorch_does(left, right, expected, op):
    a = hg.tensor(np.array([1, 2, 3]).astype(left), dtype=left)
    b = hg.tensor(np.array([3, 2, 1]).astype(right), dtype=right)
    if op in ("sub",) and "bool" in (left, right):
        pytest.skip("PyTorch refuses to subtract booleans")
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}.get(op)
    out = fn(a, b) if fn else getattr(a, op)(b)
    assert out.dtype == np.dtype(expected), (op, left, right, out.dtype)


def test_true_division_of_integers_gives_the_default_float():
    out = hg.tensor([1, 2]) / hg.tensor([2, 4])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [0.5, 0.5])


def test_python_numbers_take_the_tensor_dtype_or_the_default_float():
    assert (hg.tensor([1.0]) + 2.5).dtype == np.float32
    assert (hg.tensor([1.0], dtype="float64") * 2).dtype == np.float64
    assert (hg.tensor([1, 2]) + 1).dtype == np.int64
    assert (hg.tensor([1, 2]) * 0.5).dtype == np.float32  # PyTorch: int tensor * Python float -> float32
    assert (0.5 * hg.tensor([1, 2])).dtype == np.float32


def test_gradients_come_back_in_each_input_dtype():
    a = hg.tensor([1.0, 2.0], requires_grad=True)  # float32
    b = hg.tensor([3.0, 4.0], dtype="float64", requires_grad=True)
    h = a * 2.0  # a float32 intermediate that receives a float64 gradient from the mixed product
    (h * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad, [6.0, 8.0])
    np.testing.assert_allclose(b.grad, [2.0, 4.0])


def test_mixed_op_gradcheck():
    a = hg.tensor(np.array([0.5, -1.2, 2.0]), dtype="float64", requires_grad=True)
    k = hg.tensor([1, 2, 3])
    assert gradcheck(lambda x: (x * k + k) / (k + x * x), a)


def test_matmul_of_different_dtypes_still_raises_as_in_pytorch():
    with pytest.raises(TypeError, match="matmul: dtypes differ"):
        hg.tensor(np.ones((2, 2))) @ hg.tensor(np.ones((2, 2)), dtype="float64")


def test_the_promotion_table_matches_torch():
    torch = pytest.importorskip("torch")
    for left, right, expected in PAIRS:
        t = torch.ones(2, dtype=getattr(torch, left)) * torch.ones(2, dtype=getattr(torch, right))
        assert str(t.dtype) == f"torch.{expected}", (left, right)
    assert (torch.tensor([1, 2]) * 0.5).dtype == torch.float32
    assert (torch.tensor([1, 2]) / torch.tensor([2, 4])).dtype == torch.float32
