"""``grouped_mm``: the matrix products of a mixture of experts, one per group, in one call.

NOTE [ Grouped matmul ]
PyTorch's ``F.grouped_mm`` multiplies groups of matrices whose sizes differ along one dimension (the tokens
routed to each expert). A 3-D operand lists its groups along dim 0; a 2-D operand is cut into groups along the
jagged dimension at the ``int32`` offsets ``offs`` (``offs[i]`` ends group ``i``):

- 3-D @ 3-D: a batched product (no ``offs``);
- 2-D ``(M, K)`` @ 3-D ``(G, K, N)``: rows of ``mat_a`` cut by ``offs``, group ``i`` times ``mat_b[i]``, ``(M, N)``;
- 3-D ``(G, M, K)`` @ 2-D ``(K, N)``: columns of ``mat_b`` cut by ``offs``, ``(M, N)``;
- 2-D ``(M, K)`` @ 2-D ``(K, N)``: the contraction cut by ``offs`` (a weight gradient), ``(G, M, N)``.

Each group is one tocha ``matmul`` (so gradients flow through autograd, and bfloat16 products are computed in
float32 and rounded once, as PyTorch's are); rows or columns past ``offs[-1]`` are zero (PyTorch leaves them
uninitialised). PyTorch's GEMM kernels also require 16-byte-aligned strides, which tocha does not, and do not
check the offsets: tocha requires them non-decreasing and within the jagged dimension, rather than read past it.
"""

from __future__ import annotations

from typing import Any

import tocha
from tocha import Tensor

__all__ = ["grouped_mm"]

_DTYPES = (tocha.float32, tocha.bfloat16, tocha.float16)


def _check(name: str, mat: Any) -> Tensor:
    if not isinstance(mat, Tensor):
        raise TypeError(f"grouped_mm(): argument '{name}' must be Tensor, not {type(mat).__name__}")
    if mat.dim() not in (2, 3):
        raise RuntimeError(f"grouped_mm(): {name} has to be 2 or 3d, got a {mat.dim()}-d tensor")
    if mat.dtype not in _DTYPES:
        raise RuntimeError(
            f"grouped_mm(): Expected {name} to be Float32, BFloat16 or Float16 matrix, got "
            f"{tocha.library.scalar_type_name(mat.dtype)}"
        )
    return mat


def _group_bounds(offs: Tensor | None, groups: int | None, length: int, jagged: str) -> list[tuple[int, int]]:
    """(start, end) of each group along the jagged dimension of ``length``."""
    if offs is None:
        raise RuntimeError(
            "grouped_mm(): Have to provide offsets if there is a 2d matrix, or no offset if both matrices are 3d"
        )
    if not isinstance(offs, Tensor):
        raise TypeError(f"grouped_mm(): argument 'offs' must be Tensor, not {type(offs).__name__}")
    if offs.dtype is not tocha.int32:
        raise RuntimeError(f"grouped_mm(): Offsets have to be int32, got {tocha.library.scalar_type_name(offs.dtype)}")
    if offs.dim() != 1:
        raise RuntimeError(f"grouped_mm(): offs has to be 1D, got a {offs.dim()}-d tensor")
    ends = [int(end) for end in offs.tolist()]
    if groups is not None and len(ends) != groups:
        raise RuntimeError(f"grouped_mm(): matrix batch sizes have to match: {len(ends)} offsets for {groups} groups")
    starts = [0, *ends[:-1]]
    for start, end in zip(starts, ends, strict=True):
        if end < start or end > length:
            raise RuntimeError(
                f"grouped_mm(): offsets must be non-decreasing and at most the {jagged} dimension ({length}), "
                f"got {ends}"
            )
    return list(zip(starts, ends, strict=True))


def grouped_mm(
    mat_a: Tensor,
    mat_b: Tensor,
    *,
    offs: Tensor | None = None,
    bias: Tensor | None = None,
    out_dtype: tocha.dtype | None = None,
) -> Tensor:
    """Grouped matrix products (NOTE [ Grouped matmul ]): 3-D operands list their groups along dim 0, 2-D ones
    are cut along their jagged dimension at the ``int32`` offsets ``offs``.

    Takes float32, bfloat16 and float16 operands of one dtype; ``out_dtype`` must be that dtype and ``bias`` must
    be None, as in PyTorch. Differentiable.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> tokens = tocha.ones(5, 4)                 # 5 tokens: 2 for expert 0, 3 for expert 1
        >>> experts = tocha.stack([tocha.ones(4, 2), 2 * tocha.ones(4, 2)])
        >>> F.grouped_mm(tokens, experts, offs=tocha.tensor([2, 5], dtype=tocha.int32))
        tensor([[4., 4.],
                [4., 4.],
                [8., 8.],
                [8., 8.],
                [8., 8.]])
    """
    a, b = _check("mat_a", mat_a), _check("mat_b", mat_b)
    if a.dtype is not b.dtype:
        names = tocha.library.scalar_type_name
        raise RuntimeError(
            f"grouped_mm(): expected m1 and m2 to have the same dtype, but got: {names(a.dtype)} != {names(b.dtype)}"
        )
    if bias is not None:
        raise RuntimeError("grouped_mm(): Bias not supported yet")
    if out_dtype is not None and out_dtype is not a.dtype:
        raise RuntimeError("grouped_mm(): Grouped gemm output dtype must match `mat_a` dtype")
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"grouped_mm(): contraction dimension of mat_a and mat_b must match, got {list(a.shape)} and "
            f"{list(b.shape)}"
        )
    if a.dim() == 3 and b.dim() == 3:
        if offs is not None:
            raise RuntimeError(
                "grouped_mm(): Have to provide offsets if there is a 2d matrix, or no offset if both matrices are 3d"
            )
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"grouped_mm(): batched dimension has to match, got {a.shape[0]} and {b.shape[0]}")
        return tocha.matmul(a, b)
    if a.dim() == 2 and b.dim() == 3:
        rows = _group_bounds(offs, b.shape[0], a.shape[0], "row")
        pieces = [tocha.matmul(a[start:end], b[i]) for i, (start, end) in enumerate(rows)]
        return _padded(pieces, a.shape[0] - rows[-1][1] if rows else a.shape[0], (b.shape[-1],), a, dim=0)
    if a.dim() == 3 and b.dim() == 2:
        columns = _group_bounds(offs, a.shape[0], b.shape[1], "column")
        pieces = [tocha.matmul(a[i], b[:, start:end]) for i, (start, end) in enumerate(columns)]
        return _padded(pieces, b.shape[1] - columns[-1][1] if columns else b.shape[1], (a.shape[1],), a, dim=1)
    depth = _group_bounds(offs, None, a.shape[1], "contraction")
    if not depth:
        return tocha.zeros((0, a.shape[0], b.shape[1]), dtype=a.dtype, device=a.device)
    return tocha.stack([tocha.matmul(a[:, start:end], b[start:end]) for start, end in depth])


def _padded(pieces: list[Tensor], missing: int, other: tuple[int, ...], like: Tensor, dim: int) -> Tensor:
    """``pieces`` joined along ``dim``, then ``missing`` zero rows (dim 0) or columns (dim 1)."""
    if missing:
        shape = (missing, *other) if dim == 0 else (*other, missing)
        pieces = [*pieces, tocha.zeros(shape, dtype=like.dtype, device=like.device)]
    return tocha.cat(pieces, dim=dim)
