"""The matmul family: matmul, mm, bmm, mv, dot, vdot, inner, outer, einsum, tensordot and the add-products.

Three primitives carry everything: ``matmul`` (NumPy's matmul has PyTorch's
rank semantics: 1-D operands are promoted and the added dimension removed,
batch dimensions broadcast), ``einsum`` (an explicit equation with one letter
per dimension, see NOTE [ Canonical einsum ]) and ``vdot`` / ``outer``.
mm, bmm, mv and dot validate their stricter ranks, then run ``matmul``;
tensordot and inner build an einsum equation; addmm, addmv, addbmm, baddbmm
and addr are ``beta * input + alpha * product``.

As in PyTorch, the matmul family does not promote: both operands must have
the same dtype (outer and addr, which PyTorch computes elementwise, do).

NOTE [ Canonical einsum ]
Before an einsum reaches the dispatcher its equation is rewritten so that
every dimension of every operand has its own letter, the output is explicit
and there is no ellipsis: ellipsis dimensions get fresh letters, and a
dimension of size 1 that broadcasts against a larger one of the same
subscript gets a fresh letter of its own (summing a size-1 dimension away
is the broadcast). The rewritten equation is what dispatch layers see, what
the forward runs, and what the vjp permutes: the gradient of operand ``i``
is the einsum of ``grad`` with the other operands into operand ``i``'s
subscripts, with an identity matrix for each repeated subscript (a
diagonal) and a vector of ones for each subscript only operand ``i`` has
(a sum, whose gradient broadcasts).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _float8
from .._autocast import allows_mixed
from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _BOOL, _INT, ALL_DTYPES, can_cast, dtype, int64
from .._dtype import bool as bool_
from .._gemm import gemm
from .._tensor_base import TensorBase
from ._common import cast_operand, common_device, result_type_of, type_name
from ._grad_utils import reduce_to_shape

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "vdot",
    "inner",
    "outer",
    "ger",
    "einsum",
    "tensordot",
    "addmm",
    "addmv",
    "addbmm",
    "baddbmm",
    "addr",
]

# PyTorch's C++ type names, as its "expected m1 and m2 to have the same dtype" message prints them.
_CPP_NAMES = {
    "bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
    "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
    "float64": "double", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
    "uint16": "short unsigned int", "uint32": "unsigned int", "uint64": "long unsigned int",
    **{name: f"c10::F{name[1:]}" for name in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
                                              "float8_e8m0fnu")},
}  # fmt: skip


# ------------------------------------------------------------------ argument checks


def _as_tensor(op: str, name: str, position: int, x: Any) -> Tensor:
    if isinstance(x, TensorBase):
        return x  # type: ignore[return-value]
    if isinstance(x, np.ndarray):
        from .creation import from_numpy

        return from_numpy(x)
    raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(x).__name__}")


def _dims(shape: Sequence[int]) -> str:
    return "x".join(str(s) for s in shape)


def _check_not_bool(op: str, d: dtype) -> None:
    if d.category == _BOOL:
        raise NotImplementedError(f"\"{op}\" not implemented for '{type_name(d)}'")


def _check_same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a._dtype is not b._dtype and not allows_mixed("matmul", a._device.type, a._dtype, b._dtype):
        raise RuntimeError(
            f"{op}(): expected m1 and m2 to have the same dtype, but got: "
            f"{_CPP_NAMES[a._dtype.name]} != {_CPP_NAMES[b._dtype.name]}"
        )


def _check_same_device(op: str, *tensors: Tensor) -> Any:
    first = tensors[0]._device
    for t in tensors[1:]:
        if t._device is not first:
            return common_device(op, *tensors)
    return first


def _check_expandable(op: str, shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    """RuntimeError in PyTorch's words unless a tensor of ``shape`` expands to ``target``."""
    if len(shape) > len(target):
        raise RuntimeError(
            f"{op}(): the number of sizes provided ({len(target)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)}) (input shape {list(shape)}, result shape {list(target)})"
        )
    offset = len(target) - len(shape)
    for i, size in enumerate(shape):
        if size != 1 and size != target[offset + i]:
            raise RuntimeError(
                f"{op}(): The expanded size of the tensor ({target[offset + i]}) must match the existing size "
                f"({size}) at non-singleton dimension {offset + i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)}"
            )


def _raise_matmul_shape(op: str, a: Tensor, b: Tensor) -> None:
    sa, sb = tuple(a._data.shape), tuple(b._data.shape)
    if len(sa) == 1 and len(sb) == 1:
        raise RuntimeError(
            f"{op}(): inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same "
            f"number of elements, but got {sa[0]} and {sb[0]} elements respectively"
        )
    if len(sb) == 1:
        raise RuntimeError(f"{op}(): size mismatch, got input ({sa[-2]}), mat ({sa[-2]}x{sa[-1]}), vec ({sb[0]})")
    from ._common import broadcast_shape

    broadcast_shape(op, sa[:-2], sb[:-2])
    left = sa if len(sa) > 1 else (1, *sa)
    raise RuntimeError(f"{op}(): mat1 and mat2 shapes cannot be multiplied ({_dims(left)} and {_dims(sb)})")


def _finish(op: str, result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    from .elementwise import copy_to_out

    return copy_to_out(result, out)


# ------------------------------------------------------------------ matmul


def _matmul_forward(xp: Any, a: Any, b: Any) -> Any:
    if a.dtype in _float8.NUMPY_TYPES:  # in float32, rounded once: NOTE [ Float8 dtypes ]
        return _float8.convert(np.asarray(np.matmul(a.astype(np.float32), b.astype(np.float32))), a.dtype)
    if xp is not np and a.dtype.name == "bfloat16" and max(a.ndim, b.ndim) > 2:
        # CuPy's batched matmul refuses bfloat16 ('E'); float32 products round to the same bfloat16 results
        return xp.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    if a.ndim == 2 and b.ndim == 2:
        result = gemm(xp, a, b)
    elif xp is np and (folded := _batched_matmul_on_numpy(a, b)) is not None:
        result = folded
    else:
        result = xp.matmul(a, b)
    if result.dtype is not a.dtype or not result.ndim:
        # NumPy returns a scalar for 1-D @ 1-D, and float32 for ml_dtypes' bfloat16.
        result = xp.asarray(result, dtype=a.dtype)
    return result


def _batched_matmul_on_numpy(a: Any, b: Any) -> Any:
    """Two batched products NumPy's matmul runs slowly, made fast; None for the others.

    NumPy multiplies the matrices of a batch one at a time. A contraction of length 1 (the batch of outer
    products a gradient of a batched product is) is a broadcast multiply instead, the same values (one
    product per element); a right operand whose batch dims are broadcast (a weight shared by every entry,
    expanded: vmap's per-sample gradients) is one product of the left's rows with its single matrix.
    """
    if a.ndim < 2 or b.ndim < 2 or a.size == 0 or b.size == 0:
        return None
    if a.shape[-1] == 1 and b.shape[-2] == 1:
        return np.multiply(a, b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if a.shape[:-2] != batch or any(s != 0 for s in b.strides[:-2]):
        return None
    single = b[(0,) * (b.ndim - 2)]
    rows = a.reshape(-1, a.shape[-1])
    return (rows @ single).reshape(*batch, a.shape[-2], b.shape[-1])


def _matmul_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    a, b = ctx.inputs
    shape_a, shape_b = ctx.input_shapes
    need_a, need_b = ctx.needs_input_grad
    # Treat 1-D operands as the matrices matmul makes of them: a as (1, k), b as (k, 1).
    a2 = a if len(shape_a) > 1 else a.unsqueeze(0)
    b2 = b if len(shape_b) > 1 else b.unsqueeze(-1)
    g2 = grad if len(shape_b) > 1 else grad.unsqueeze(-1)
    if len(shape_a) == 1:
        g2 = g2.unsqueeze(-2)
    if ctx.input_dtypes[0].is_complex:
        a2, b2 = a2.conj(), b2.conj()
    grad_a = grad_b = None
    if need_a:
        grad_a = reduce_to_shape(matmul(g2, b2.mT), tuple(a2.shape)).reshape(shape_a)
    if need_b:
        grad_b = reduce_to_shape(matmul(a2.mT, g2), tuple(b2.shape)).reshape(shape_b)
    return grad_a, grad_b


def _matmul_samples(dev: Any, d: dtype) -> Any:
    from ..testing._creation import make_tensor
    from ..testing._opdb import SampleInput

    cases = [
        ((3,), (3,), "1d-1d"), ((2, 3), (3, 4), "2d"), ((3,), (3, 4), "1d-2d"), ((2, 3), (3,), "2d-1d"),
        ((5, 2, 3), (3, 4), "batched-2d"), ((3,), (2, 3, 4), "1d-batched"), ((2, 1, 2, 3), (4, 3, 5), "broadcast"),
        ((0, 3), (3, 2), "empty"), ((2, 0), (0, 3), "empty-contraction"),
    ]  # fmt: skip
    for sa, sb, name in cases:
        a, b = make_tensor(sa, dtype=d, device=dev), make_tensor(sb, dtype=d, device=dev)
        yield SampleInput(a, args=(b,), name=name)
    a = make_tensor((3, 4), dtype=d, device=dev, noncontiguous=True)
    yield SampleInput(a, args=(make_tensor((4, 2), dtype=d, device=dev, noncontiguous=True),), name="noncontiguous")


_MATMUL_DTYPES = tuple(d for d in ALL_DTYPES if d.category != _BOOL)


def _matmul_jvp(ctx: Any, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
    a, b = ctx.inputs
    da = None if ta is None else matmul(ta, b)
    db = None if tb is None else matmul(a, tb)
    return db if da is None else da if db is None else da + db


MATMUL = register_op(
    OpRecord(
        name="matmul",
        forward=_matmul_forward,
        vjp=_matmul_vjp,
        jvp=_matmul_jvp,
        saves_inputs=(0, 1),
        dtypes=_MATMUL_DTYPES,
        test=OpTest(samples=_matmul_samples, reference=np.matmul, torch_name="matmul"),
    )
)


def _run_matmul(op: str, a: Tensor, b: Tensor) -> Tensor:
    try:
        return call(MATMUL, a._device, (a, b), ())  # type: ignore[no-any-return]
    except ValueError:
        _raise_matmul_shape(op, a, b)
        raise


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The matrix product of two tensors, with PyTorch's rank rules.

    1-D · 1-D is the dot product (a 0-dim result); 2-D · 2-D the matrix
    product; a 1-D first operand is treated as a row ``(1, k)`` and a 1-D
    second operand as a column ``(k, 1)``, the added dimension removed from
    the result; operands of more dimensions are batches of matrices whose
    batch dimensions broadcast. Both operands must have the same dtype.

    Args:
        input: the first operand (at least 1-D).
        other: the second operand (at least 1-D), of ``input``'s dtype.
        out: an optional tensor to write the result into.

    Example:
        >>> import tocha
        >>> a = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> tocha.matmul(a, tocha.tensor([1.0, 1.0]))
        tensor([3., 7.])
        >>> tocha.matmul(tocha.ones(5, 2, 3), tocha.ones(3, 4)).shape
        tocha.Size([5, 2, 4])
    """
    if not isinstance(input, TensorBase) or not isinstance(other, TensorBase):
        input = _as_tensor("matmul", "input", 1, input)
        other = _as_tensor("matmul", "other", 2, other)
    d = input._dtype
    if d is not other._dtype or d is bool_ or input._device is not other._device:
        _check_matmul_args("matmul", input, other)
    try:
        result: Tensor = call(MATMUL, input._device, (input, other), ())
    except ValueError:  # NumPy's words for a 0-dim operand or a shape mismatch; raise PyTorch's
        _check_matmul_args("matmul", input, other)
        _raise_matmul_shape("matmul", input, other)
        raise
    return result if out is None else _finish("matmul", result, out)


def _check_matmul_args(op: str, a: Tensor, b: Tensor) -> None:
    na, nb = a._data.ndim, b._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"{op}(): both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    _check_same_device(op, a, b)
    if na == 1 and nb == 1:
        _check_vector_dtypes(op, a, b)
    else:
        _check_same_dtype(op, a, b)
    _check_not_bool(op, a._dtype)


def _check_vector_dtypes(op: str, a: Tensor, b: Tensor) -> None:
    if a._dtype is not b._dtype and not (op != "vdot" and allows_mixed("matmul", a._device.type, a._dtype, b._dtype)):
        raise RuntimeError(
            f"{op}(): expected both vectors to have same dtype, but found {type_name(a._dtype)} and "
            f"{type_name(b._dtype)}"
        )


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The product of two matrices: ``(n, k) @ (k, m) → (n, m)``; no broadcasting.

    Example:
        >>> import tocha
        >>> tocha.mm(tocha.ones(2, 3), tocha.ones(3, 4))
        tensor([[3., 3., 3., 3.],
                [3., 3., 3., 3.]])
    """
    input, mat2 = _as_tensor("mm", "input", 1, input), _as_tensor("mm", "mat2", 2, mat2)
    if input._data.ndim != 2:
        raise RuntimeError(f"mm(): self must be a matrix, got a {input._data.ndim}-D tensor")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mm(): mat2 must be a matrix, got a {mat2._data.ndim}-D tensor")
    _check_matmul_args("mm", input, mat2)
    return _finish("mm", _run_matmul("mm", input, mat2), out)


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched matrix product: ``(b, n, k) @ (b, k, m) → (b, n, m)``; no broadcasting.

    Example:
        >>> import tocha
        >>> tocha.bmm(tocha.ones(4, 2, 3), tocha.ones(4, 3, 5)).shape
        tocha.Size([4, 2, 5])
    """
    input, mat2 = _as_tensor("bmm", "input", 1, input), _as_tensor("bmm", "mat2", 2, mat2)
    if input._data.ndim != 3:
        raise RuntimeError(f"bmm(): batch1 must be a 3D tensor, got a {input._data.ndim}-D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError(f"bmm(): batch2 must be a 3D tensor, got a {mat2._data.ndim}-D tensor")
    _check_same_device("bmm", input, mat2)
    if input._dtype is not mat2._dtype and not allows_mixed("matmul", input._device.type, input._dtype, mat2._dtype):
        raise RuntimeError(f"bmm(): expected scalar type {type_name(input._dtype)} but found {type_name(mat2._dtype)}")
    _check_not_bool("bmm", input._dtype)
    sa, sb = input._data.shape, mat2._data.shape
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(
            f"bmm(): Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] "
            f"but got: [{sb[0]}, {sb[1]}]."
        )
    return _finish("bmm", _run_matmul("bmm", input, mat2), out)


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix-vector product: ``(n, m) @ (m,) → (n,)``.

    Example:
        >>> import tocha
        >>> tocha.mv(tocha.tensor([[1, 2], [3, 4]]), tocha.tensor([1, -1]))
        tensor([-1, -1])
    """
    input, vec = _as_tensor("mv", "input", 1, input), _as_tensor("mv", "vec", 2, vec)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"mv(): vector + matrix @ vector expected, got a {input._data.ndim}-D matrix and a "
            f"{vec._data.ndim}-D vector"
        )
    _check_matmul_args("mv", input, vec)
    return _finish("mv", _run_matmul("mv", input, vec), out)


def _check_vectors(op: str, a: Tensor, b: Tensor) -> None:
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"{op}(): 1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    _check_same_device(op, a, b)
    _check_vector_dtypes(op, a, b)
    _check_not_bool(op, a._dtype)
    if a._data.shape[0] != b._data.shape[0]:
        _raise_matmul_shape(op, a, b)


def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The dot product of two 1-D tensors of the same dtype (no complex conjugation).

    Example:
        >>> import tocha
        >>> tocha.dot(tocha.tensor([2, 3]), tocha.tensor([2, 1]))
        tensor(7)
    """
    input, tensor = _as_tensor("dot", "input", 1, input), _as_tensor("dot", "tensor", 2, tensor)
    _check_vectors("dot", input, tensor)
    return _finish("dot", _run_matmul("dot", input, tensor), out)


def _vdot_forward(xp: Any, a: Any, b: Any) -> Any:
    if xp is not np and a.dtype.itemsize == 2 and a.dtype.kind != "c":  # CuPy sums float16 in float16
        return xp.asarray(xp.vdot(a.astype(np.float32), b.astype(np.float32)), dtype=a.dtype)
    result = xp.vdot(a, b)
    return xp.asarray(result, dtype=a.dtype)


def _vdot_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    if ctx.input_dtypes[0].is_complex:
        return (b * grad.conj() if need_a else None, a * grad if need_b else None)  # type: ignore[attr-defined]
    return (b * grad if need_a else None, a * grad if need_b else None)


def _vector_pair_samples(dev: Any, d: dtype) -> Any:
    from ..testing._creation import make_tensor
    from ..testing._opdb import SampleInput

    for n, name in ((0, "empty"), (1, "single"), (5, "1d")):
        a, b = make_tensor((n,), dtype=d, device=dev), make_tensor((n,), dtype=d, device=dev)
        yield SampleInput(a, args=(b,), name=name)
    a = make_tensor((4,), dtype=d, device=dev, noncontiguous=True)
    yield SampleInput(a, args=(make_tensor((4,), dtype=d, device=dev, noncontiguous=True),), name="noncontiguous")


VDOT = register_op(
    OpRecord(
        name="vdot",
        forward=_vdot_forward,
        vjp=_vdot_vjp,
        saves_inputs=(0, 1),
        dtypes=_MATMUL_DTYPES,
        test=OpTest(samples=_vector_pair_samples, reference=np.vdot, torch_name="vdot"),
    )
)


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    r"""The dot product of two 1-D tensors, conjugating the first: :math:`\sum_i \overline{x_i} y_i`.

    Example:
        >>> import tocha
        >>> tocha.vdot(tocha.tensor([1j, 2]), tocha.tensor([1j, 1]))
        tensor(3.+0.j)
    """
    input, other = _as_tensor("vdot", "input", 1, input), _as_tensor("vdot", "other", 2, other)
    _check_vectors("vdot", input, other)
    return _finish("vdot", call(VDOT, input._device, (input, other), ()), out)


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sum of products over the last dimension of both tensors (a scalar operand multiplies).

    The result has shape ``input.shape[:-1] + other.shape[:-1]``.

    Example:
        >>> import tocha
        >>> tocha.inner(tocha.ones(2, 3), tocha.ones(4, 3)).shape
        tocha.Size([2, 4])
    """
    input, other = _as_tensor("inner", "input", 1, input), _as_tensor("inner", "other", 2, other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _finish("inner", input * other, out)  # type: ignore[operator]
    _check_same_device("inner", input, other)
    if input._dtype is not other._dtype:
        raise RuntimeError(
            f"inner(): both inputs should have same dtype, but got {type_name(input._dtype)} and "
            f"{type_name(other._dtype)}"
        )
    sa, sb = tuple(input._data.shape), tuple(other._data.shape)
    if sa[-1] != sb[-1]:
        raise RuntimeError(
            f"inner(): the last dimension must match on both input tensors but got shapes {list(sa)} and {list(sb)}"
        )
    letters = _fresh_letters(len(sa) + len(sb) - 1, "")
    sub_a = letters[: len(sa)]
    sub_b = letters[len(sa) :] + sub_a[-1]
    equation = f"{sub_a},{sub_b}->{sub_a[:-1]}{sub_b[:-1]}"
    return _finish("inner", _run_einsum(equation, [input, other], (sa, sb)), out)


def _outer_forward(xp: Any, a: Any, b: Any) -> Any:
    return xp.multiply.outer(a, b) if xp is np else xp.outer(a, b)


def _outer_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    if ctx.input_dtypes[0].is_complex:
        a, b = a.conj(), b.conj()
    return (matmul(grad, b) if need_a else None, matmul(a, grad) if need_b else None)


OUTER = register_op(
    OpRecord(
        name="outer",
        forward=_outer_forward,
        vjp=_outer_vjp,
        saves_inputs=(0, 1),
        test=OpTest(samples=_vector_pair_samples, reference=np.outer, torch_name="outer"),
    )
)


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The outer product of two 1-D tensors: ``result[i, j] = input[i] * vec2[j]``.

    Unlike matmul, outer promotes mixed dtypes (it is a broadcast product).

    Example:
        >>> import tocha
        >>> tocha.outer(tocha.tensor([1, 2]), tocha.tensor([1.0, 10.0]))
        tensor([[ 1., 10.],
                [ 2., 20.]])
    """
    input, vec2 = _as_tensor("outer", "input", 1, input), _as_tensor("outer", "vec2", 2, vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer(): Expected 1-D argument {name}, but got {t._data.ndim}-D")
    dev = _check_same_device("outer", input, vec2)
    d = result_type_of(input, vec2)
    a, b = cast_operand(input, d, dev), cast_operand(vec2, d, dev)
    return _finish("outer", call(OUTER, dev, (a, b), ()), out)


ger = outer


# ------------------------------------------------------------------ einsum


_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _fresh_letters(n: int, used: str) -> str:
    free = [c for c in _LETTERS if c not in used]
    if n > len(free):
        raise RuntimeError(f"einsum(): the equation needs {n + len(set(used))} subscripts, but only 52 letters exist")
    return "".join(free[:n])


def _tokens(term: str, where: str) -> list[str]:
    """A term's subscripts as letters and ``'...'``."""
    tokens: list[str] = []
    i = 0
    while i < len(term):
        c = term[i]
        if c in _LETTERS:
            tokens.append(c)
            i += 1
        elif term.startswith("...", i):
            if "..." in tokens:
                raise RuntimeError(f"einsum(): found more than one ellipsis ('...') in {where}")
            tokens.append("...")
            i += 3
        else:
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in {where} ('{term}'): "
                               "subscripts must be letters in [a-zA-Z] or an ellipsis")  # fmt: skip
    return tokens


@functools.lru_cache(maxsize=512)
def _canonical_einsum(equation: str, shapes: tuple[tuple[int, ...], ...]) -> tuple[str, bool]:
    """The canonical form of ``equation`` for operands of ``shapes``; see NOTE [ Canonical einsum ].

    Returns the explicit equation and whether NumPy's contraction-order
    optimisation pays off for it.
    """
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    parsed = [_tokens(t, f"operand {i}'s subscripts") for i, t in enumerate(terms)]
    ell_ndims: list[int] = []
    for i, (tokens, shape) in enumerate(zip(parsed, shapes, strict=False)):
        named = len(tokens) - ("..." in tokens)
        if "..." in tokens:
            if named > len(shape):
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) is more than the number of "
                    f"dimensions ({len(shape)}) for operand {i}"
                )
            ell_ndims.append(len(shape) - named)
        else:
            if named != len(shape):
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) does not match the number of "
                    f"dimensions ({len(shape)}) for operand {i} and no ellipsis was given"
                )
            ell_ndims.append(0)
    max_ell = max(ell_ndims, default=0)
    fresh = iter(_fresh_letters(52 - len(set(eq) & set(_LETTERS)), eq))
    ell_letters = "".join(next(fresh) for _ in range(max_ell))
    # Operands as lists of letters, one per dimension.
    subs: list[list[str]] = []
    for tokens, e in zip(parsed, ell_ndims, strict=False):
        letters: list[str] = []
        for tok in tokens:
            letters.extend(ell_letters[max_ell - e :] if tok == "..." else [tok])
        subs.append(letters)
    sizes: dict[str, int] = {}
    for i, (letters, shape) in enumerate(zip(subs, shapes, strict=False)):
        seen: dict[str, int] = {}
        for letter, size in zip(letters, shape, strict=False):
            if letter in seen and seen[letter] != size:
                raise RuntimeError(
                    f"einsum(): subscript {letter} is repeated for operand {i} but the sizes don't match, "
                    f"{seen[letter]} != {size}"
                )
            seen[letter] = size
            known = sizes.get(letter, 1)
            if size != 1 and known != 1 and size != known:
                raise RuntimeError(
                    f"einsum(): subscript {letter} has size {size} for operand {i} which does not broadcast with "
                    f"previously seen size {known}"
                )
            if size != 1 or letter not in sizes:
                sizes[letter] = size
    # Size-1 dimensions broadcasting against larger ones get their own letter (summed away).
    for letters, shape in zip(subs, shapes, strict=False):
        renamed: dict[str, str] = {}
        for k, (letter, size) in enumerate(zip(letters, shape, strict=False)):
            if size == 1 and sizes[letter] != 1:
                if letter not in renamed:
                    renamed[letter] = next(fresh)
                letters[k] = renamed[letter]
                sizes[renamed[letter]] = 1
    if arrow:
        out_tokens = _tokens(rhs, "the output subscripts")
        output = ""
        for tok in out_tokens:
            if tok == "...":
                output += ell_letters
                continue
            if tok in output:
                raise RuntimeError(f"einsum(): output subscript {tok} appears more than once in the output")
            if not any(tok in t for t in parsed):
                raise RuntimeError(
                    f"einsum(): output subscript {tok} does not appear in the equation for any input operand"
                )
            output += tok
    else:
        counts: dict[str, int] = {}
        for tokens in parsed:
            for tok in tokens:
                if tok != "...":
                    counts[tok] = counts.get(tok, 0) + 1
        output = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    canonical = ",".join("".join(s) for s in subs) + "->" + output
    cost = 1
    for size in sizes.values():
        cost *= max(size, 1)
    return canonical, len(shapes) > 2 or cost > 1 << 15


def _einsum_forward(xp: Any, *args: Any) -> Any:
    *arrays, equation, optimize = args
    half = bool(arrays) and arrays[0].dtype.itemsize == 2 and arrays[0].dtype.kind not in "iu"
    if half:  # float16 and bfloat16 accumulate in float32, as PyTorch does (NumPy has no bfloat16 einsum loop)
        arrays = [a.astype(np.float32) for a in arrays]
    result = xp.einsum(equation, *arrays, optimize="greedy" if optimize else False)
    if half:
        result = result.astype(args[0].dtype)
    elif len(arrays) == 1 and xp.may_share_memory(result, arrays[0]):
        result = result.copy()  # einsum returns views for transposes and diagonals; ops must not alias
    return xp.asarray(result)


def _einsum_vjp(ctx: Any, grad: Tensor) -> list[Tensor | None]:
    from .creation import eye, ones

    equation, _ = ctx.params
    lhs, output = equation.split("->")
    subs = lhs.split(",")
    complex_ = ctx.input_dtypes[0].is_complex
    grads: list[Tensor | None] = []
    for i, sub in enumerate(subs):
        if not ctx.needs_input_grad[i]:
            grads.append(None)
            continue
        shape = ctx.input_shapes[i]
        terms = [output]
        operands: list[Tensor] = [grad]
        for j, other in enumerate(subs):
            if j != i:
                terms.append(other)
                operands.append(ctx.inputs[j].conj() if complex_ else ctx.inputs[j])
        used = "".join(terms) + sub
        fresh = iter(_fresh_letters(len(sub), used))
        target = ""
        for letter, size in zip(sub, shape, strict=False):
            if letter in target:  # a repeated subscript reads a diagonal: its gradient lies on one
                new = next(fresh)
                terms.append(letter + new)
                operands.append(eye(size, dtype=grad.dtype, device=grad.device))
                target += new
            else:
                target += letter
        for letter, size in zip(sub, shape, strict=False):
            if not any(letter in t for t in terms):  # summed in operand i alone: its gradient broadcasts
                terms.append(letter)
                operands.append(ones(size, dtype=grad.dtype, device=grad.device))
        grads.append(_run_einsum(",".join(terms) + "->" + target, operands))
    return grads


def _einsum_samples(dev: Any, d: dtype) -> Any:
    from ..testing._creation import make_tensor
    from ..testing._opdb import SampleInput

    cases: list[tuple[str, str, list[tuple[int, ...]]]] = [
        ("matrix-product", "ij,jk->ik", [(2, 3), (3, 4)]),
        ("diagonal", "ii->i", [(3, 3)]),
        ("batched", "bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("outer", "i,j->ij", [(2,), (3,)]),
        ("sum-all", "ij->", [(2, 3)]),
        ("chain", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
        ("ellipsis-broadcast", "...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),
        ("empty", "ij->ji", [(0, 3)]),
    ]
    for name, equation, shapes in cases:
        operands = [make_tensor(s, dtype=d, device=dev) for s in shapes]
        yield SampleInput(equation, args=tuple(operands), name=name)


EINSUM = register_op(
    OpRecord(
        name="einsum",
        forward=_einsum_forward,
        vjp=_einsum_vjp,
        saves_inputs=tuple(range(64)),
        test=OpTest(
            samples=_einsum_samples,
            reference=np.einsum,
            torch_name="einsum",
            skips={
                "bool": "PyTorch refuses bool contractions and sums bools to int64; tests/test_matmul.py checks both",
                "forward:float16": "NumPy's float16 einsum accumulates in float16; tocha accumulates in float32",
                "torch:float16:chain": "PyTorch rounds each pairwise contraction to float16; tocha rounds once",
            },
        ),
    )
)


def _run_einsum(equation: str, operands: Sequence[Tensor], shapes: tuple[tuple[int, ...], ...] | None = None) -> Tensor:
    """Canonicalise ``equation`` for ``operands`` (same dtype and device) and run the einsum primitive."""
    if shapes is None:
        shapes = tuple(tuple(t._data.shape) for t in operands)
    canonical, optimize = _canonical_einsum(equation, shapes)
    return call(EINSUM, operands[0]._device, tuple(operands), (canonical, optimize))  # type: ignore[no-any-return]


def _sublist_equation(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``einsum(op0, sublist0, op1, sublist1, ..., [sublist_out])`` as an equation and its operands."""

    def term(sublist: Any) -> str:
        result = ""
        for s in sublist:
            if s is Ellipsis:
                result += "..."
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                result += _LETTERS[26 + s] if s < 26 else _LETTERS[s - 26]
            else:
                raise ValueError(f"einsum(): expected subscript to be within the range [0, 52) but got {s!r}")
        return result

    paired = len(args) - len(args) % 2
    operands = list(args[0:paired:2])
    equation = ",".join(term(s) for s in args[1:paired:2])
    if len(args) % 2:
        equation += "->" + term(args[-1])
    return equation, operands


def einsum(*args: Any) -> Tensor:
    """Sums of products over the subscripts of an Einstein-summation equation.

    Called as ``einsum(equation, *operands)``, ``einsum(equation, [operands])``
    or in sublist form ``einsum(op0, [0, 1], op1, [1, 2], [0, 2])``.
    Subscripts are letters; ``...`` stands for broadcast dimensions; without
    ``->`` the output holds the subscripts that appear once, in alphabetical
    order. All operands must share one dtype.

    Example:
        >>> import tocha
        >>> a, b = tocha.ones(2, 3), tocha.ones(3, 4)
        >>> tocha.einsum("ij,jk->ik", a, b).shape
        tocha.Size([2, 4])
        >>> tocha.einsum("ii", tocha.eye(3))
        tensor(3.)
    """
    if not args:
        raise TypeError(
            "einsum(): must specify the equation string and at least one operand, "
            "or at least one operand and its subscripts list"
        )
    if isinstance(args[0], str):
        equation = args[0]
        operands = list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    tensors = [_as_tensor("einsum", "operands", i + 1, t) for i, t in enumerate(operands)]
    first = tensors[0]
    for t in tensors[1:]:
        if t._dtype is not first._dtype and not allows_mixed("einsum", t._device.type, first._dtype, t._dtype):
            raise RuntimeError(
                f"einsum(): expected scalar type {type_name(first._dtype)} but found {type_name(t._dtype)}"
            )
    _check_same_device("einsum", *tensors)
    shapes = tuple(tuple(t._data.shape) for t in tensors)
    canonical, optimize = _canonical_einsum(equation, shapes)
    if first._dtype.category <= _INT:
        lhs, output = canonical.split("->")
        if any(c not in output for c in lhs if c != ","):  # a summed subscript
            if len(tensors) == 1:  # PyTorch sums with sum(), which widens integers to int64
                tensors = [cast_operand(first, int64, first._device)]
            elif first._dtype.category == _BOOL:
                raise NotImplementedError("einsum(): \"bmm\" not implemented for 'Bool'")
    return call(EINSUM, first._device, tuple(tensors), (canonical, optimize))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ tensordot


def _dim_list(op: str, dims: Any, ndim: int) -> list[int]:
    from ._common import normalize_dim

    items = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
    return [normalize_dim(op, int(d), ndim) for d in items]


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Tensor | None = None) -> Tensor:
    """Contract ``a`` and ``b`` over the dimensions ``dims`` names.

    ``dims`` is an int ``n`` (the last ``n`` dimensions of ``a`` with the
    first ``n`` of ``b``) or a pair of lists of dimensions to pair up.
    The result has ``a``'s free dimensions followed by ``b``'s.

    Example:
        >>> import tocha
        >>> a, b = tocha.ones(2, 3, 4), tocha.ones(3, 4, 5)
        >>> tocha.tensordot(a, b, dims=2).shape
        tocha.Size([2, 5])
        >>> tocha.tensordot(a, b, dims=([1], [0])).shape
        tocha.Size([2, 4, 4, 5])
    """
    a, b = _as_tensor("tensordot", "a", 1, a), _as_tensor("tensordot", "b", 2, b)
    sa, sb = tuple(a._data.shape), tuple(b._data.shape)
    if isinstance(dims, TensorBase):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        n = int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot(): tensordot expects dims >= 0, but got dims={n}")
        if n > len(sa) or n > len(sb):
            raise RuntimeError(f"tensordot(): tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
        dims_a, dims_b = list(range(len(sa) - n, len(sa))), list(range(n))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        dims_a, dims_b = _dim_list("tensordot", dims[0], len(sa)), _dim_list("tensordot", dims[1], len(sb))
        if len(dims_a) != len(dims_b):
            raise RuntimeError(
                f"tensordot(): both dimension lists should have same length, got {len(dims_a)} and {len(dims_b)}"
            )
    else:
        raise TypeError(f"tensordot(): argument 'dims' must be an int or a pair of lists of ints, not {dims!r}")
    _check_same_device("tensordot", a, b)
    if a._dtype is not b._dtype:
        raise RuntimeError(
            f"tensordot(): both inputs should have same dtype, but got {type_name(a._dtype)} and {type_name(b._dtype)}"
        )
    letters = _fresh_letters(len(sa) + len(sb), "")
    sub_a = list(letters[: len(sa)])
    sub_b = list(letters[len(sa) :])
    for da, db in zip(dims_a, dims_b, strict=False):
        if sa[da] != sb[db]:
            raise RuntimeError(
                f"tensordot(): contracted dimensions need to match, but first has size {sa[da]} in dim {da} and "
                f"second has size {sb[db]} in dim {db}"
            )
        sub_b[db] = sub_a[da]
    free = [c for k, c in enumerate(sub_a) if k not in dims_a] + [c for k, c in enumerate(sub_b) if k not in dims_b]
    equation = "".join(sub_a) + "," + "".join(sub_b) + "->" + "".join(free)
    return _finish("tensordot", _run_einsum(equation, [a, b], (sa, sb)), out)


# ------------------------------------------------------------------ beta * input + alpha * product


def _add_scaled(op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product``; ``input`` must expand to the product's shape; beta=0 ignores it."""
    target = tuple(product._data.shape)
    _check_expandable(op, tuple(input._data.shape), target)
    d = product._dtype
    if d.category == _BOOL:
        from .creation import zeros_like

        scaled = product if alpha else zeros_like(product)
        return scaled + input if beta else scaled  # type: ignore[operator,no-any-return]
    if d.category == _INT and (isinstance(alpha, float) or isinstance(beta, float)):
        raise RuntimeError(f"{op}(): For integral input tensors, argument alpha must not be a floating point number.")
    scaled = product if alpha == 1 else product * alpha  # type: ignore[operator]
    if beta == 0:
        return scaled
    return scaled + (input if beta == 1 else input * beta)  # type: ignore[no-any-return,operator]


def _check_add_dtypes(op: str, *tensors: Tensor) -> None:
    first = tensors[0]._dtype
    if any(t._dtype is not first for t in tensors[1:]):
        names = ", ".join(type_name(t._dtype) for t in tensors)
        raise RuntimeError(f"{op}(): expected all input tensors to have the same dtype, but got {names}")
    _check_same_device(op, *tensors)


def addmm(
    input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Tensor | None = None
) -> Tensor:
    r"""``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape.

    .. math:: \text{out} = \beta\,\text{input} + \alpha\,(\text{mat1} \mathbin{@} \text{mat2})

    With ``beta=0`` the values of ``input`` are ignored (NaN does not propagate).

    Example:
        >>> import tocha
        >>> tocha.addmm(tocha.tensor([1.0, 2.0]), tocha.ones(2, 3), tocha.ones(3, 2), alpha=2)
        tensor([[7., 8.],
                [7., 8.]])
    """
    input = _as_tensor("addmm", "input", 1, input)
    mat1, mat2 = _as_tensor("addmm", "mat1", 2, mat1), _as_tensor("addmm", "mat2", 3, mat2)
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        if t._data.ndim != 2:
            raise RuntimeError(f"addmm(): {name} must be a matrix, got {t._data.ndim}-D tensor")
    _check_add_dtypes("addmm", input, mat1, mat2)
    _check_not_bool("addmm", mat1._dtype)
    return _finish("addmm", _add_scaled("addmm", input, _run_matmul("addmm", mat1, mat2), beta, alpha), out)


def addmv(
    input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Tensor | None = None
) -> Tensor:
    r"""``beta * input + alpha * (mat @ vec)`` for a matrix ``mat`` and a vector ``vec``.

    Example:
        >>> import tocha
        >>> tocha.addmv(tocha.tensor([1.0, 1.0]), tocha.ones(2, 3), tocha.ones(3))
        tensor([4., 4.])
    """
    input = _as_tensor("addmv", "input", 1, input)
    mat, vec = _as_tensor("addmv", "mat", 2, mat), _as_tensor("addmv", "vec", 3, vec)
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"addmv(): vector + matrix @ vector expected, got a {mat._data.ndim}-D matrix and a "
            f"{vec._data.ndim}-D vector"
        )
    _check_add_dtypes("addmv", input, mat, vec)
    _check_not_bool("addmv", mat._dtype)
    if mat._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(
            f"addmv(): size mismatch, got input ({list(input._data.shape)}), mat ({_dims(mat._data.shape)}), "
            f"vec ({vec._data.shape[0]})"
        )
    return _finish("addmv", _add_scaled("addmv", input, _run_matmul("addmv", mat, vec), beta, alpha), out)


def _check_batches(op: str, b1: Tensor, b2: Tensor) -> None:
    for name, t in (("batch1", b1), ("batch2", b2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{op}(): {name} must be a 3D tensor, got a {t._data.ndim}-D tensor")
    s1, s2 = b1._data.shape, b2._data.shape
    if s1[0] != s2[0]:
        raise RuntimeError(f"{op}(): batch1 and batch2 must have same number of batches, got {s1[0]} and {s2[0]}")
    if s1[2] != s2[1]:
        raise RuntimeError(f"{op}(): Incompatible matrix sizes for bmm ({s1[1]}x{s1[2]} and {s2[1]}x{s2[2]})")


def addbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Tensor | None = None
) -> Tensor:
    r"""``beta * input + alpha * sum_b (batch1[b] @ batch2[b])``: batched products reduced over the batch.

    Example:
        >>> import tocha
        >>> tocha.addbmm(tocha.zeros(2, 2), tocha.ones(4, 2, 3), tocha.ones(4, 3, 2))
        tensor([[12., 12.],
                [12., 12.]])
    """
    input = _as_tensor("addbmm", "input", 1, input)
    batch1, batch2 = _as_tensor("addbmm", "batch1", 2, batch1), _as_tensor("addbmm", "batch2", 3, batch2)
    _check_batches("addbmm", batch1, batch2)
    _check_add_dtypes("addbmm", input, batch1, batch2)
    _check_not_bool("addbmm", batch1._dtype)
    product = _run_einsum("bij,bjk->ik", [batch1, batch2])
    return _finish("addbmm", _add_scaled("addbmm", input, product, beta, alpha), out)


def baddbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Tensor | None = None
) -> Tensor:
    r"""``beta * input + alpha * bmm(batch1, batch2)``; ``input`` broadcasts to ``(b, n, m)``.

    Example:
        >>> import tocha
        >>> tocha.baddbmm(tocha.ones(2, 2), tocha.ones(4, 2, 3), tocha.ones(4, 3, 2), beta=0.5).shape
        tocha.Size([4, 2, 2])
    """
    input = _as_tensor("baddbmm", "input", 1, input)
    batch1, batch2 = _as_tensor("baddbmm", "batch1", 2, batch1), _as_tensor("baddbmm", "batch2", 3, batch2)
    _check_batches("baddbmm", batch1, batch2)
    _check_add_dtypes("baddbmm", input, batch1, batch2)
    _check_not_bool("baddbmm", batch1._dtype)
    product = _run_matmul("baddbmm", batch1, batch2)
    return _finish("baddbmm", _add_scaled("baddbmm", input, product, beta, alpha), out)


def addr(
    input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Tensor | None = None
) -> Tensor:
    r"""``beta * input + alpha * outer(vec1, vec2)``; dtypes promote as in :func:`outer`.

    For bool tensors ``beta`` and ``alpha`` act as logical switches.

    Example:
        >>> import tocha
        >>> tocha.addr(tocha.zeros(2, 2), tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 3.0]), beta=0)
        tensor([[1., 3.],
                [2., 6.]])
    """
    input = _as_tensor("addr", "input", 1, input)
    vec1, vec2 = _as_tensor("addr", "vec1", 2, vec1), _as_tensor("addr", "vec2", 3, vec2)
    dev = _check_same_device("addr", input, vec1, vec2)
    d = result_type_of(input, vec1, vec2)
    product = outer(cast_operand(vec1, d, dev), cast_operand(vec2, d, dev))
    return _finish("addr", _add_scaled("addr", cast_operand(input, d, dev), product, beta, alpha), out)


def _inplace(op: str, target: Any, result: Tensor) -> Tensor:
    from .creation import copy_into

    if tuple(result._data.shape) != tuple(target._data.shape):
        raise RuntimeError(
            f"{op}(): the result of shape {list(result._data.shape)} doesn't match the in-place target's shape "
            f"{list(target._data.shape)}"
        )
    if not can_cast(result._dtype, target._dtype):
        raise RuntimeError(
            f"{op}(): result type {type_name(result._dtype)} can't be cast to the desired output type "
            f"{type_name(target._dtype)}"
        )
    return copy_into(target, result)


# ------------------------------------------------------------------ Tensor methods


class LinalgMethods:
    """Matrix-product Tensor methods and the ``@`` operator."""

    __slots__ = ()

    def __matmul__(self: Any, other: Any) -> Tensor:
        if not isinstance(other, TensorBase):
            return NotImplemented  # type: ignore[no-any-return]
        return matmul(self, other)  # type: ignore[arg-type]

    def __rmatmul__(self: Any, other: Any) -> Tensor:
        if not isinstance(other, TensorBase):
            return NotImplemented  # type: ignore[no-any-return]
        return matmul(other, self)  # type: ignore[arg-type]

    def matmul(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.matmul`."""
        return matmul(self, other)

    def mm(self: Any, mat2: Tensor) -> Tensor:
        """See :func:`tocha.mm`."""
        return mm(self, mat2)

    def bmm(self: Any, mat2: Tensor) -> Tensor:
        """See :func:`tocha.bmm`."""
        return bmm(self, mat2)

    def mv(self: Any, vec: Tensor) -> Tensor:
        """See :func:`tocha.mv`."""
        return mv(self, vec)

    def dot(self: Any, tensor: Tensor) -> Tensor:
        """See :func:`tocha.dot`."""
        return dot(self, tensor)

    def vdot(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.vdot`."""
        return vdot(self, other)

    def inner(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.inner`."""
        return inner(self, other)

    def outer(self: Any, vec2: Tensor) -> Tensor:
        """See :func:`tocha.outer`."""
        return outer(self, vec2)

    def ger(self: Any, vec2: Tensor) -> Tensor:
        """See :func:`tocha.outer`."""
        return outer(self, vec2)

    def addmm(self: Any, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.addmm`."""
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self: Any, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.addmm`."""
        return _inplace("addmm_", self, addmm(self, mat1, mat2, beta=beta, alpha=alpha))

    def addmv(self: Any, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.addmv`."""
        return addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self: Any, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.addmv`."""
        return _inplace("addmv_", self, addmv(self, mat, vec, beta=beta, alpha=alpha))

    def addbmm(self: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.addbmm`."""
        return addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.addbmm`."""
        return _inplace("addbmm_", self, addbmm(self, batch1, batch2, beta=beta, alpha=alpha))

    def baddbmm(self: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.baddbmm`."""
        return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.baddbmm`."""
        return _inplace("baddbmm_", self, baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))

    def addr(self: Any, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.addr`."""
        return addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addr_(self: Any, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.addr`."""
        return _inplace("addr_", self, addr(self, vec1, vec2, beta=beta, alpha=alpha))
