"""The matmul family: forward against NumPy and PyTorch, dtypes, errors, vjps, and the ``@`` operator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import VjpContext, get_op

RNG = np.random.default_rng(0)


def arr(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-5, 6, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def t(a: np.ndarray) -> tocha.Tensor:
    return tocha.from_numpy(a)


def close(actual: tocha.Tensor, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape
    np.testing.assert_allclose(actual.numpy(), expected, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ matmul ranks

RANK_CASES = [
    ((3,), (3,)),
    ((2, 3), (3, 4)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((2, 1, 2, 3), (4, 3, 5)),
    ((1, 2, 3), (4, 3, 5)),
    ((0, 3), (3, 2)),
    ((2, 0), (0, 3)),
    ((0,), (0,)),
    ((4, 0, 2, 3), (3, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), RANK_CASES)
def test_matmul_ranks_match_numpy(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = arr(*sa), arr(*sb)
    result = tocha.matmul(t(a), t(b))
    assert result.dtype is tocha.float64
    close(result, np.matmul(a, b))
    close(t(a) @ t(b), np.matmul(a, b))


@pytest.mark.parametrize(
    "d", [tocha.float32, tocha.float64, tocha.float16, tocha.int64, tocha.int32, tocha.uint8, tocha.complex64]
)
def test_matmul_dtypes(d: tocha.dtype) -> None:
    a, b = arr(3, 4, dtype=d.numpy_dtype), arr(4, 2, dtype=d.numpy_dtype)
    result = tocha.matmul(t(a), t(b))
    assert result.dtype is d
    tol = 1e-2 if d is tocha.float16 else 1e-5
    close(result, np.matmul(a, b), rtol=tol, atol=tol)


def test_matmul_bfloat16_keeps_dtype() -> None:
    a = tocha.ones(2, 3, dtype=tocha.bfloat16)
    result = a @ tocha.ones(3, 2, dtype=tocha.bfloat16)
    assert result.dtype is tocha.bfloat16
    assert result.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_matmul_noncontiguous_and_views() -> None:
    a, b = arr(4, 3), arr(5, 4)
    ta, tb = t(a).mT, t(b).mT  # (3, 4) and (4, 5), both transposed views
    assert not ta.is_contiguous()
    close(ta @ tb, a.T @ b.T)
    big = arr(6, 8)
    close(t(big)[::2, ::2] @ t(big)[::2, ::2].mT, big[::2, ::2] @ big[::2, ::2].T)


def test_matmul_1d_1d_is_0dim() -> None:
    result = tocha.matmul(tocha.tensor([1.0, 2.0]), tocha.tensor([3.0, 4.0]))
    assert result.shape == ()
    assert result.item() == 11.0


def test_matmul_out() -> None:
    out = tocha.empty(2, 2)
    result = tocha.matmul(tocha.ones(2, 3), tocha.ones(3, 2), out=out)
    assert result is out
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_matmul_operators() -> None:
    a, b = tocha.ones(2, 3), tocha.ones(3, 2)
    assert (a @ b).shape == (2, 2)
    assert b.__rmatmul__(a).shape == (2, 2)
    with pytest.raises(TypeError):
        _ = a @ 2  # type: ignore[operator]
    x = a
    x @= b  # like PyTorch: not in place, rebinds to a new tensor
    assert x.shape == (2, 2)
    assert a.shape == (2, 3)


def test_matmul_accepts_numpy_arrays() -> None:
    result = tocha.matmul(np.ones((2, 3)), tocha.ones(3, dtype=tocha.float64))
    assert result.tolist() == [3.0, 3.0]


def test_matmul_errors() -> None:
    with pytest.raises(
        RuntimeError, match=r"matmul\(\): expected m1 and m2 to have the same dtype, but got: float != double"
    ):
        tocha.matmul(tocha.ones(2, 3), tocha.ones(3, 4, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match=r"int != long int"):
        tocha.matmul(tocha.ones(2, 3, dtype=tocha.int32), tocha.ones(3, 2, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        tocha.matmul(tocha.ones(2, 3), tocha.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x5\)"):
        tocha.matmul(tocha.ones(3), tocha.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"):
        tocha.matmul(tocha.ones(2, 3), tocha.ones(4))
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"):
        tocha.matmul(tocha.ones(3), tocha.ones(4))
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size of tensor b \(3\)"):
        tocha.matmul(tocha.ones(2, 2, 3), tocha.ones(3, 3, 4))
    with pytest.raises(RuntimeError, match=r"at least 1D, but they are 0D and 1D"):
        tocha.matmul(tocha.ones(()), tocha.ones(3))
    with pytest.raises(RuntimeError, match=r"expected both vectors to have same dtype, but found Float and Double"):
        tocha.matmul(tocha.ones(3), tocha.ones(3, dtype=tocha.float64))
    with pytest.raises(NotImplementedError, match=r"\"matmul\" not implemented for 'Bool'"):
        tocha.matmul(tocha.ones(2, 2, dtype=tocha.bool), tocha.ones(2, 2, dtype=tocha.bool))
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not int"):
        tocha.matmul(tocha.ones(2, 2), 2)  # type: ignore[arg-type]


# ------------------------------------------------------------------ mm, bmm, mv, dot, vdot, inner, outer


def test_mm_bmm_mv_dot() -> None:
    a, b = arr(2, 3), arr(3, 4)
    close(tocha.mm(t(a), t(b)), a @ b)
    close(t(a).mm(t(b)), a @ b)
    ba, bb = arr(5, 2, 3), arr(5, 3, 4)
    close(tocha.bmm(t(ba), t(bb)), ba @ bb)
    close(t(ba).bmm(t(bb)), ba @ bb)
    v = arr(3)
    close(tocha.mv(t(a), t(v)), a @ v)
    close(t(a).mv(t(v)), a @ v)
    w = arr(3)
    close(tocha.dot(t(v), t(w)), np.dot(v, w))
    close(t(v).dot(t(w)), np.dot(v, w))
    assert tocha.dot(tocha.tensor([1, 2]), tocha.tensor([3, 4])).dtype is tocha.int64


def test_mm_family_errors() -> None:
    with pytest.raises(RuntimeError, match=r"mm\(\): self must be a matrix"):
        tocha.mm(tocha.ones(3), tocha.ones(3, 4))
    with pytest.raises(RuntimeError, match=r"mm\(\): mat2 must be a matrix"):
        tocha.mm(tocha.ones(3, 4), tocha.ones(4))
    with pytest.raises(RuntimeError, match=r"mm\(\): mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        tocha.mm(tocha.ones(2, 3), tocha.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"float != double"):
        tocha.mm(tocha.ones(2, 3), tocha.ones(3, 4, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match=r"bmm\(\): batch1 must be a 3D tensor"):
        tocha.bmm(tocha.ones(2, 3), tocha.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"bmm\(\): batch2 must be a 3D tensor"):
        tocha.bmm(tocha.ones(2, 2, 3), tocha.ones(3, 4))
    with pytest.raises(RuntimeError, match=r"batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"):
        tocha.bmm(tocha.ones(2, 2, 3), tocha.ones(3, 3, 5))
    with pytest.raises(RuntimeError, match=r"bmm\(\): expected scalar type Float but found Double"):
        tocha.bmm(tocha.ones(2, 2, 3), tocha.ones(2, 3, 5, dtype=tocha.float64))
    with pytest.raises(NotImplementedError, match=r"\"bmm\" not implemented for 'Bool'"):
        tocha.bmm(tocha.ones(2, 2, 3, dtype=tocha.bool), tocha.ones(2, 3, 5, dtype=tocha.bool))
    with pytest.raises(RuntimeError, match=r"mv\(\): vector \+ matrix @ vector expected"):
        tocha.mv(tocha.ones(3), tocha.ones(3))
    with pytest.raises(RuntimeError, match=r"mv\(\): size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"):
        tocha.mv(tocha.ones(2, 3), tocha.ones(4))
    with pytest.raises(RuntimeError, match=r"dot\(\): 1D tensors expected, but got 2D and 1D tensors"):
        tocha.dot(tocha.ones(3, 1), tocha.ones(3))
    with pytest.raises(RuntimeError, match=r"dot\(\): inconsistent tensor size"):
        tocha.dot(tocha.ones(3), tocha.ones(4))
    with pytest.raises(
        RuntimeError, match=r"dot\(\): expected both vectors to have same dtype, but found Float and Double"
    ):
        tocha.dot(tocha.ones(3), tocha.ones(3, dtype=tocha.float64))
    with pytest.raises(NotImplementedError, match=r"\"dot\" not implemented for 'Bool'"):
        tocha.dot(tocha.ones(3, dtype=tocha.bool), tocha.ones(3, dtype=tocha.bool))


def test_vdot_conjugates_first() -> None:
    a, b = arr(4, dtype=np.complex128), arr(4, dtype=np.complex128)
    close(tocha.vdot(t(a), t(b)), np.vdot(a, b))
    close(t(a).vdot(t(b)), np.vdot(a, b))
    assert (
        tocha.vdot(tocha.tensor([1, 2], dtype=tocha.int32), tocha.tensor([3, 4], dtype=tocha.int32)).dtype
        is tocha.int32
    )
    with pytest.raises(RuntimeError, match=r"vdot\(\): 1D tensors expected"):
        tocha.vdot(tocha.ones(3, 1), tocha.ones(3))


def test_inner() -> None:
    a, b = arr(2, 3), arr(4, 3)
    close(tocha.inner(t(a), t(b)), np.inner(a, b))
    close(t(a).inner(t(b)), np.inner(a, b))
    c = arr(2, 5, 3)
    close(tocha.inner(t(c), t(a)), np.inner(c, a))
    v = arr(3)
    close(tocha.inner(t(v), t(b)), np.inner(v, b))
    scalar = tocha.tensor(2.0, dtype=tocha.float64)
    close(tocha.inner(scalar, t(a)), 2.0 * a)
    with pytest.raises(
        RuntimeError,
        match=r"inner\(\): the last dimension must match on both input tensors but got shapes \[2, 3\] and \[4\]",
    ):
        tocha.inner(tocha.ones(2, 3), tocha.ones(4))
    with pytest.raises(RuntimeError, match=r"inner\(\): both inputs should have same dtype"):
        tocha.inner(tocha.ones(2, 3), tocha.ones(4, 3, dtype=tocha.float64))


def test_outer_promotes() -> None:
    a, b = arr(3), arr(4)
    close(tocha.outer(t(a), t(b)), np.outer(a, b))
    close(tocha.ger(t(a), t(b)), np.outer(a, b))
    close(t(a).outer(t(b)), np.outer(a, b))
    mixed = tocha.outer(tocha.ones(2), tocha.ones(3, dtype=tocha.float64))
    assert mixed.dtype is tocha.float64
    assert tocha.outer(tocha.ones(2, dtype=tocha.int32), tocha.ones(3, dtype=tocha.int64)).dtype is tocha.int64
    assert tocha.outer(tocha.ones(2, dtype=tocha.bool), tocha.ones(3, dtype=tocha.bool)).dtype is tocha.bool
    with pytest.raises(RuntimeError, match=r"outer\(\): Expected 1-D argument self, but got 2-D"):
        tocha.outer(tocha.ones(2, 1), tocha.ones(4))


# ------------------------------------------------------------------ einsum and tensordot


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (1, 3, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("Ab,bc", [(2, 3), (3, 4)]),
    ("bA", [(2, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUM_CASES)
def test_einsum_matches_numpy(equation: str, shapes: list[tuple[int, ...]]) -> None:
    arrays = [arr(*s) for s in shapes]
    expected = np.einsum(equation.replace(" ", ""), *arrays)
    close(tocha.einsum(equation, *[t(a) for a in arrays]), expected, rtol=1e-10, atol=1e-10)
    close(tocha.einsum(equation, [t(a) for a in arrays]), expected, rtol=1e-10, atol=1e-10)


def test_einsum_sublist_form() -> None:
    a, b = arr(2, 3), arr(3, 4)
    close(tocha.einsum(t(a), [0, 1], t(b), [1, 2], [0, 2]), a @ b)
    close(tocha.einsum(t(a), [0, 1], t(b), [1, 2]), a @ b)
    x = arr(2, 3, 4)
    close(tocha.einsum(t(x), [Ellipsis, 1]), np.einsum(x, [Ellipsis, 1]))
    close(tocha.einsum(t(x), [0, Ellipsis], [Ellipsis]), np.einsum(x, [0, Ellipsis], [Ellipsis]))


def test_einsum_large_uses_blas_and_never_aliases() -> None:
    a, b = arr(128, 256, dtype=np.float32), arr(256, 64, dtype=np.float32)
    close(tocha.einsum("ij,jk->ik", t(a), t(b)), a @ b, rtol=1e-4, atol=1e-3)
    x = t(arr(3, 3))
    transposed = tocha.einsum("ij->ji", x)
    diagonal = tocha.einsum("ii->i", x)
    assert not np.shares_memory(transposed.numpy(), x.numpy())
    assert not np.shares_memory(diagonal.numpy(), x.numpy())


def test_einsum_dtypes() -> None:
    ints = tocha.einsum("ij,jk->ik", tocha.ones(2, 3, dtype=tocha.int32), tocha.ones(3, 2, dtype=tocha.int32))
    assert ints.dtype is tocha.int32
    assert ints.tolist() == [[3, 3], [3, 3]]
    bf = tocha.einsum("ij,jk->ik", tocha.ones(2, 3, dtype=tocha.bfloat16), tocha.ones(3, 2, dtype=tocha.bfloat16))
    assert bf.dtype is tocha.bfloat16
    assert bf.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_einsum_integer_sums_widen_and_bool_contractions_raise() -> None:
    i32 = tocha.ones(2, 3, dtype=tocha.int32)
    assert tocha.einsum("ij->", i32).dtype is tocha.int64
    assert tocha.einsum("ij->i", i32).dtype is tocha.int64
    assert tocha.einsum("ij->ji", i32).dtype is tocha.int32
    assert tocha.einsum("ij,kj->ik", i32, i32).dtype is tocha.int32
    b = tocha.ones(2, 3, dtype=tocha.bool)
    assert tocha.einsum("ij->", b).item() == 6
    assert tocha.einsum("ij,kl->ijkl", b, b).dtype is tocha.bool
    with pytest.raises(NotImplementedError, match=r"einsum\(\): \"bmm\" not implemented for 'Bool'"):
        tocha.einsum("ij,kj->ik", b, b)


def test_einsum_errors() -> None:
    with pytest.raises(RuntimeError, match=r"einsum\(\): expected scalar type Float but found Double"):
        tocha.einsum("ij,jk->ik", tocha.ones(2, 3), tocha.ones(3, 4, dtype=tocha.float64))
    with pytest.raises(
        RuntimeError, match=r"subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"
    ):
        tocha.einsum("ij,jk->ik", tocha.ones(2, 3), tocha.ones(4, 4))
    with pytest.raises(RuntimeError, match=r"fewer operands were provided than specified in the equation"):
        tocha.einsum("ij,jk->ik", tocha.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"more operands were provided than specified in the equation"):
        tocha.einsum("ij->ij", tocha.ones(2, 3), tocha.ones(2, 3))
    with pytest.raises(
        RuntimeError,
        match=r"number of subscripts in the equation \(3\) does not match the number of dimensions \(2\) for operand 0",
    ):
        tocha.einsum("bij", tocha.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"output subscript k does not appear"):
        tocha.einsum("ij->k", tocha.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"output subscript i appears more than once"):
        tocha.einsum("ij->ii", tocha.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"invalid subscript"):
        tocha.einsum("i1->i", tocha.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"subscript i is repeated for operand 0 but the sizes don't match, 2 != 3"):
        tocha.einsum("ii->i", tocha.ones(2, 3))


TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2),
    ((2, 3, 4), (3, 4, 5), ([1, 2], [0, 1])),
    ((2, 3, 4), (3, 4, 5), [[1, 2], [0, 1]]),
    ((2, 3, 4), (3, 4, 5), ([1], [0])),
    ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])),
    ((2, 3, 4), (3, 4, 5), 0),
    ((2, 3), (3, 2), ([-1], [0])),
    ((3,), (3,), 1),
]


@pytest.mark.parametrize(("sa", "sb", "dims"), TENSORDOT_CASES)
def test_tensordot_matches_numpy(sa: tuple[int, ...], sb: tuple[int, ...], dims: Any) -> None:
    a, b = arr(*sa), arr(*sb)
    close(tocha.tensordot(t(a), t(b), dims=dims), np.tensordot(a, b, axes=dims), rtol=1e-10, atol=1e-10)


def test_tensordot_errors() -> None:
    a, b = tocha.ones(2, 3, 4), tocha.ones(3, 4, 5)
    with pytest.raises(RuntimeError, match=r"tensordot expects dims >= 0, but got dims=-1"):
        tocha.tensordot(a, b, dims=-1)
    with pytest.raises(RuntimeError, match=r"tensordot expects dims < ndim_a or ndim_b, but got dims=4"):
        tocha.tensordot(a, b, dims=4)
    with pytest.raises(
        RuntimeError,
        match=r"contracted dimensions need to match, but first has size 4 in dim 2 and second has size 3 in dim 0",
    ):
        tocha.tensordot(a, b, dims=1)
    with pytest.raises(RuntimeError, match=r"both dimension lists should have same length"):
        tocha.tensordot(a, b, dims=([1, 2], [0]))
    with pytest.raises(RuntimeError, match=r"both inputs should have same dtype"):
        tocha.tensordot(a, b.double(), dims=2)


# ------------------------------------------------------------------ add-products


def test_addmm_addmv_addbmm_baddbmm_addr() -> None:
    inp, m1, m2 = arr(4), arr(2, 3), arr(3, 4)
    close(tocha.addmm(t(inp), t(m1), t(m2)), inp + m1 @ m2)
    close(tocha.addmm(t(inp), t(m1), t(m2), beta=0.5, alpha=2.0), 0.5 * inp + 2 * (m1 @ m2))
    close(t(arr(2, 4) * 0 + inp).addmm(t(m1), t(m2)), inp + m1 @ m2)
    v, mat = arr(3), arr(2, 3)
    close(tocha.addmv(t(arr(2) * 0 + 1), t(mat), t(v), alpha=3), 1 + 3 * (mat @ v))
    b1, b2 = arr(5, 2, 3), arr(5, 3, 4)
    close(tocha.addbmm(t(arr(2, 4) * 0), t(b1), t(b2)), (b1 @ b2).sum(0))
    base = arr(2, 4)
    close(tocha.baddbmm(t(base), t(b1), t(b2), beta=2), 2 * base + b1 @ b2)
    x, y = arr(2), arr(4)
    close(tocha.addr(t(base), t(x), t(y), beta=3, alpha=0.5), 3 * base + 0.5 * np.outer(x, y))


def test_add_products_beta_zero_ignores_nan() -> None:
    nan = tocha.full((2, 4), float("nan"), dtype=tocha.float64)
    result = tocha.addmm(nan, tocha.ones(2, 3, dtype=tocha.float64), tocha.ones(3, 4, dtype=tocha.float64), beta=0)
    assert result.tolist() == [[3.0] * 4] * 2


def test_add_products_dtypes() -> None:
    ints = tocha.addmm(
        tocha.ones(2, 2, dtype=tocha.int64),
        tocha.ones(2, 3, dtype=tocha.int64),
        tocha.ones(3, 2, dtype=tocha.int64),
        alpha=2,
    )
    assert ints.dtype is tocha.int64
    assert ints.tolist() == [[7, 7], [7, 7]]
    promoted = tocha.addr(tocha.zeros(2, 4), tocha.ones(2), tocha.ones(4, dtype=tocha.float64))
    assert promoted.dtype is tocha.float64
    booleans = tocha.addr(tocha.zeros(2, 2, dtype=tocha.bool), tocha.tensor([True, False]), tocha.tensor([True, True]))
    assert booleans.tolist() == [[True, True], [False, False]]
    with pytest.raises(
        RuntimeError, match=r"For integral input tensors, argument alpha must not be a floating point number"
    ):
        tocha.addr(
            tocha.zeros(2, 2, dtype=tocha.int64),
            tocha.ones(2, dtype=tocha.int64),
            tocha.ones(2, dtype=tocha.int64),
            alpha=1.5,
        )


def test_add_products_inplace() -> None:
    x = tocha.ones(2, 4, dtype=tocha.float64)
    m1, m2 = tocha.ones(2, 3, dtype=tocha.float64), tocha.ones(3, 4, dtype=tocha.float64)
    assert x.addmm_(m1, m2, alpha=2) is x
    assert x.tolist() == [[7.0] * 4] * 2
    y = tocha.zeros(2, 3)
    y.addr_(tocha.ones(2), tocha.ones(3))
    assert y.tolist() == [[1.0] * 3] * 2
    z = tocha.zeros(2)
    z.addmv_(tocha.ones(2, 3), tocha.ones(3))
    assert z.tolist() == [3.0, 3.0]
    w = tocha.zeros(5, 2, 4)
    w.baddbmm_(tocha.ones(5, 2, 3), tocha.ones(5, 3, 4))
    assert w.sum().item() == 120.0
    s = tocha.zeros(2, 4)
    s.addbmm_(tocha.ones(5, 2, 3), tocha.ones(5, 3, 4))
    assert s.tolist() == [[15.0] * 4] * 2
    with pytest.raises(RuntimeError, match=r"addmm_\(\)"):
        tocha.zeros(4).addmm_(tocha.ones(2, 3), tocha.ones(3, 4))


def test_add_products_errors() -> None:
    m1, m2 = tocha.ones(2, 3), tocha.ones(3, 4)
    with pytest.raises(
        RuntimeError,
        match=r"addmm\(\): The expanded size of the tensor \(2\) must match the existing size \(3\) at non-singleton dimension 0",
    ):
        tocha.addmm(tocha.ones(3, 4), m1, m2)
    with pytest.raises(RuntimeError, match=r"addmm\(\): mat1 must be a matrix, got 1-D tensor"):
        tocha.addmm(tocha.ones(2, 4), tocha.ones(3), m2)
    with pytest.raises(
        RuntimeError,
        match=r"addmm\(\): expected all input tensors to have the same dtype, but got Double, Float, Float",
    ):
        tocha.addmm(tocha.ones(2, 4, dtype=tocha.float64), m1, m2)
    with pytest.raises(RuntimeError, match=r"addmm\(\): mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x4\)"):
        tocha.addmm(tocha.ones(2, 4), m1, tocha.ones(4, 4))
    with pytest.raises(RuntimeError, match=r"addmv\(\): size mismatch"):
        tocha.addmv(tocha.ones(2), m1, tocha.ones(2))
    with pytest.raises(
        RuntimeError, match=r"addbmm\(\): batch1 and batch2 must have same number of batches, got 5 and 4"
    ):
        tocha.addbmm(tocha.ones(2, 4), tocha.ones(5, 2, 3), tocha.ones(4, 3, 4))
    with pytest.raises(
        RuntimeError, match=r"baddbmm\(\): The expanded size of the tensor \(5\) must match the existing size \(3\)"
    ):
        tocha.baddbmm(tocha.ones(3, 2, 4), tocha.ones(5, 2, 3), tocha.ones(5, 3, 4))
    with pytest.raises(RuntimeError, match=r"addr\(\): The expanded size"):
        tocha.addr(tocha.ones(3, 4), tocha.ones(2), tocha.ones(4))


# ------------------------------------------------------------------ dispatch


def test_matmul_family_goes_through_the_dispatcher() -> None:
    class Record(tocha.library.DispatchLayer):
        def __init__(self) -> None:
            self.calls: list[tuple[str, tuple[Any, ...]]] = []

        def handle(self, call: Any, proceed: Any) -> Any:
            self.calls.append((call.op.name, call.params))
            return proceed(call)

    with Record() as layer:
        tocha.mm(tocha.ones(2, 3), tocha.ones(3, 2))
        tocha.einsum("ij,jk", tocha.ones(2, 3), tocha.ones(3, 2))
    names = [name for name, _ in layer.calls]
    assert "matmul" in names
    assert "einsum" in names
    assert dict(layer.calls)["einsum"] == ("ij,jk->ik", False)


# ------------------------------------------------------------------ vjps (central differences in float64)


def numeric_vjp(forward: Any, inputs: list[np.ndarray], grad: np.ndarray, eps: float = 1e-6) -> list[np.ndarray]:
    """d<forward(inputs), grad>/d inputs by central differences (real inputs)."""
    grads = []
    for i, x in enumerate(inputs):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [a.copy() for a in inputs]
            minus = [a.copy() for a in inputs]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            g[idx] = (np.sum(forward(*plus) * grad) - np.sum(forward(*minus) * grad)) / (2 * eps)
        grads.append(g)
    return grads


def run_vjp(op_name: str, inputs: list[np.ndarray], params: tuple[Any, ...], grad: np.ndarray) -> list[Any]:
    op = get_op(op_name)
    tensors = [t(a) for a in inputs]
    saved = tuple(x if i in op.saves_inputs else None for i, x in enumerate(tensors))
    ctx = VjpContext(
        inputs=saved,
        result=None,
        params=params,
        input_shapes=tuple(tuple(a.shape) for a in inputs),
        input_dtypes=tuple(x.dtype for x in tensors),
        needs_input_grad=tuple(True for _ in inputs),
    )
    assert op.vjp is not None
    return list(op.vjp(ctx, t(grad)))


@pytest.mark.parametrize(("sa", "sb"), [c for c in RANK_CASES if 0 not in c[0] + c[1]])
def test_matmul_vjp(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = arr(*sa), arr(*sb)
    grad = arr(*np.matmul(a, b).shape)
    expected = numeric_vjp(np.matmul, [a, b], grad)
    for got, want, shape in zip(run_vjp("matmul", [a, b], (), grad), expected, (sa, sb)):
        assert tuple(got.shape) == shape
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


def test_matmul_vjp_empty_contraction() -> None:
    a, b = arr(2, 0), arr(0, 3)
    ga, gb = run_vjp("matmul", [a, b], (), arr(2, 3))
    assert tuple(ga.shape) == (2, 0)
    assert tuple(gb.shape) == (0, 3)


def test_matmul_vjp_complex_uses_conjugate() -> None:
    a, b = arr(2, 3, dtype=np.complex128), arr(3, 2, dtype=np.complex128)
    grad = arr(2, 2, dtype=np.complex128)
    ga, gb = run_vjp("matmul", [a, b], (), grad)
    np.testing.assert_allclose(ga.numpy(), grad @ b.conj().T)
    np.testing.assert_allclose(gb.numpy(), a.conj().T @ grad)


@pytest.mark.parametrize(("equation", "shapes"), [c for c in EINSUM_CASES if 0 not in sum(c[1], ())])
def test_einsum_vjp(equation: str, shapes: list[tuple[int, ...]]) -> None:
    from tocha._ops.linalg import _canonical_einsum

    arrays = [arr(*s) for s in shapes]
    canonical, optimize = _canonical_einsum(equation, tuple(shapes))
    grad = arr(*np.einsum(canonical, *arrays).shape)
    expected = numeric_vjp(lambda *xs: np.einsum(canonical, *xs), arrays, grad)
    got = run_vjp("einsum", arrays, (canonical, optimize), grad)
    for g, want in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-6, atol=1e-6)


def test_vdot_and_outer_vjps() -> None:
    a, b = arr(4), arr(4)
    got = run_vjp("vdot", [a, b], (), np.asarray(1.7))
    for g, want in zip(got, numeric_vjp(np.vdot, [a, b], np.asarray(1.7))):
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-6, atol=1e-6)
    c = arr(3)
    grad = arr(4, 3)
    got = run_vjp("outer", [a, c], (), grad)
    for g, want in zip(got, numeric_vjp(np.outer, [a, c], grad)):
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-6, atol=1e-6)


def test_vdot_vjp_complex_matches_pytorch_convention() -> None:
    x, y, g = np.array([1 + 2j, 3 - 1j]), np.array([2 - 1j, 1 + 1j]), np.asarray(1 + 1j)
    gx, gy = run_vjp("vdot", [x, y], (), g)
    np.testing.assert_allclose(gx.numpy(), y * np.conj(g))
    np.testing.assert_allclose(gy.numpy(), x * g)


# ------------------------------------------------------------------ PyTorch oracle


def test_against_torch_ranks_and_einsum() -> None:
    torch = pytest.importorskip("torch")
    for sa, sb in RANK_CASES:
        a, b = arr(*sa), arr(*sb)
        close(tocha.matmul(t(a), t(b)), torch.matmul(torch.from_numpy(a), torch.from_numpy(b)).numpy())
    for equation, shapes in EINSUM_CASES:
        arrays = [arr(*s) for s in shapes]
        expected = torch.einsum(equation, *[torch.from_numpy(a) for a in arrays]).numpy()
        close(tocha.einsum(equation, *[t(a) for a in arrays]), expected, rtol=1e-10, atol=1e-10)


def test_against_torch_dtypes_of_add_products() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (tocha.addr, torch.addr, [(2, 4), (2,), (4,)], [np.float32, np.float32, np.float64]),
        (tocha.outer, torch.outer, [(2,), (4,)], [np.int32, np.int64]),
        (tocha.addmm, torch.addmm, [(4,), (2, 3), (3, 4)], [np.int64] * 3),
    ]
    for ours, theirs, shapes, dtypes in cases:
        arrays = [arr(*s, dtype=d) for s, d in zip(shapes, dtypes)]
        got = ours(*[t(a) for a in arrays])
        want = theirs(*[torch.from_numpy(a) for a in arrays])
        assert got.dtype.name == str(want.dtype).removeprefix("torch.")
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


def test_against_torch_matmul_vjp() -> None:
    torch = pytest.importorskip("torch")
    for sa, sb in [((3,), (2, 3, 4)), ((5, 2, 3), (3,)), ((2, 1, 2, 3), (4, 3, 5))]:
        a, b = arr(*sa), arr(*sb)
        ta, tb = torch.from_numpy(a).requires_grad_(), torch.from_numpy(b).requires_grad_()
        out = torch.matmul(ta, tb)
        grad = arr(*out.shape)
        out.backward(torch.from_numpy(grad))
        ga, gb = run_vjp("matmul", [a, b], (), grad)
        np.testing.assert_allclose(ga.numpy(), ta.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(gb.numpy(), tb.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("shape_a", "shape_b", "expand_b"),
    [
        ((256, 1, 64), (64, 128), True),  # a weight shared by every entry, expanded (vmap's per-sample products)
        ((6, 2, 3), (3, 4), False),  # a batch against one matrix
        ((4, 5, 1), (4, 1, 3), False),  # outer products: a contraction of length 1
        ((2, 3, 4, 1), (3, 1, 5), False),
        ((3, 2, 1), (1, 0), False),
    ],
)
def test_batched_products_numpy_runs_slowly_keep_matmuls_values(shape_a: Any, shape_b: Any, expand_b: bool) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    tb = tocha.from_numpy(b)
    if expand_b:
        tb = tb.expand(shape_a[0], *shape_b)
    result = tocha.from_numpy(a) @ tb
    np.testing.assert_allclose(result.numpy(), np.matmul(a, np.broadcast_to(b, tb.shape)), rtol=1e-12, atol=1e-12)
