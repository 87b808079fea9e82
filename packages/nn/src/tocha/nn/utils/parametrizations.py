"""Ready-made parametrizations: ``weight_norm``, ``spectral_norm``, ``orthogonal``.

They mirror ``torch.nn.utils.parametrizations``.

Each registers a parametrization with :func:`tocha.nn.utils.parametrize.register_parametrization`, so the
state-dict keys are PyTorch's: ``parametrizations.weight.original0`` / ``original1`` (weight norm's ``g`` and
``v``), ``parametrizations.weight.original`` plus ``parametrizations.weight.0._u`` / ``_v`` (spectral norm),
``parametrizations.weight.original`` (orthogonal, plus ``parametrizations.weight.0.base``).

Example:
    >>> import tocha
    >>> from tocha import nn
    >>> from tocha.nn.utils.parametrizations import weight_norm
    >>> m = nn.Module()
    >>> m.weight = nn.Parameter(tocha.tensor([[3.0, 4.0], [0.0, 2.0]]))
    >>> _ = weight_norm(m)
    >>> list(m.state_dict())
    ['parametrizations.weight.original0', 'parametrizations.weight.original1']
    >>> m.parametrizations.weight.original0
    Parameter containing:
    tensor([[5.],
            [2.]], requires_grad=True)
"""

from __future__ import annotations

import math
from enum import Enum, auto
from typing import Any

import numpy as np

import tocha
from tocha.autograd import Function

from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _normalize(x: tocha.Tensor, eps: float) -> tocha.Tensor:
    """``x / max(||x||, eps)`` for a vector."""
    return x / tocha.clamp(tocha.norm(x), min=eps)


def _norm_except_dim(v: tocha.Tensor, dim: int) -> tocha.Tensor:
    """The 2-norm of ``v`` over every dimension but ``dim`` (kept, size 1 elsewhere); whole-tensor for -1."""
    if dim == -1:
        return tocha.norm(v)
    dims = tuple(d for d in range(v.ndim) if d != dim)
    return (v * v).sum(dim=dims, keepdim=True).sqrt()


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: tocha.Tensor, weight_v: tocha.Tensor) -> tocha.Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||``: magnitude ``g`` (``original0``) and direction ``v``
    (``original1``), the norm taken over every dimension but ``dim`` (``None``: the whole tensor).

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils.parametrizations import weight_norm
        >>> m = nn.Module()
        >>> m.weight = nn.Parameter(tocha.tensor([[3.0, 4.0]]))
        >>> _ = weight_norm(m)
        >>> m.weight
        tensor([[3., 4.]], grad_fn=<MulBackward0>)
    """
    _weight_norm = _WeightNorm(dim)
    parametrize.register_parametrization(module, name, _weight_norm, unsafe=True)

    def _weight_norm_compat_hook(
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: Any,
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight: tocha.Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            u = tocha.empty(h, dtype=weight.dtype, device=weight.device).normal_(0, 1)
            v = tocha.empty(w, dtype=weight.dtype, device=weight.device).normal_(0, 1)
            self.register_buffer("_u", _normalize(u, self.eps))
            self.register_buffer("_v", _normalize(v, self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: tocha.Tensor) -> tocha.Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: tocha.Tensor, n_power_iterations: int) -> None:
        with tocha.no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(_normalize(tocha.mv(weight_mat, self._v), self.eps))
                self._v.copy_(_normalize(tocha.mv(weight_mat.mT.conj(), self._u), self.eps))

    def forward(self, weight: tocha.Tensor) -> tocha.Tensor:
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = tocha.vdot(u, tocha.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: tocha.Tensor) -> tocha.Tensor:
        return value


def spectral_norm(
    module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> Module:
    """Reparametrize ``module.<name>`` as the weight divided by its spectral norm (largest singular value),
    estimated by power iteration (one step per forward in training mode; ``_u``/``_v`` buffers).

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils.parametrizations import spectral_norm
        >>> m = nn.Module()
        >>> m.weight = nn.Parameter(tocha.tensor([[2.0, 0.0], [0.0, 1.0]]))
        >>> _ = spectral_norm(m)
        >>> m.weight
        tensor([[1.0000, 0.0000],
                [0.0000, 0.5000]], grad_fn=<DivBackward0>)
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, tocha.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules import conv

        transposed = tuple(
            getattr(conv, n) for n in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d") if hasattr(conv, n)
        )
        dim = 1 if isinstance(module, transposed) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _eye_like(x: tocha.Tensor, n: int) -> tocha.Tensor:
    return tocha.eye(n, dtype=x.dtype, device=x.device)


def _matrix_exp(a: tocha.Tensor) -> tocha.Tensor:
    """``exp(a)`` for (batches of) square matrices: scaling and squaring with a degree-18 Taylor polynomial."""
    n = a.shape[-1]
    with tocha.no_grad():
        size = float(tocha.amax(a.abs().sum(dim=-2))) if a.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(size)) + 1) if size > 0.5 else 0
    scaled = a / (2.0**squarings)
    eye = _eye_like(a, n)
    result = eye + scaled / 18.0
    for k in range(17, 0, -1):
        result = eye + tocha.matmul(scaled, result) / float(k)
    for _ in range(squarings):
        result = tocha.matmul(result, result)
    return result


class _Solve(Function):
    """``solve(A, B)``: ``A^{-1} B`` for (batches of) square ``A``, computed by NumPy/CuPy."""

    @staticmethod
    def forward(ctx: Any, a: tocha.Tensor, b: tocha.Tensor) -> tocha.Tensor:
        arr_a = tocha.library.tensor_array(a)
        xp = np if isinstance(arr_a, np.ndarray) else __import__("cupy")
        x = tocha.library.wrap_array(xp.linalg.solve(arr_a, tocha.library.tensor_array(b)), a.device)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx: Any, grad: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        a, x = ctx.saved_tensors
        grad_b = _Solve.apply(a.mT.conj(), grad)
        grad_a = -tocha.matmul(grad_b, x.mT.conj())
        return grad_a, grad_b


def _householder_product(a: tocha.Tensor, tau: tocha.Tensor) -> tocha.Tensor:
    """The first ``k`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H`` with ``v_i`` the i-th column of
    ``a`` below the diagonal and 1 on it (LAPACK's ``orgqr``)."""
    n, k = a.shape[-2], a.shape[-1]
    eye = _eye_like(a, n)
    q = eye[:, :k].expand(*a.shape[:-2], n, k)
    rows = tocha.arange(n, device=a.device).reshape(n, 1)
    for i in range(k - 1, -1, -1):
        col = a[..., :, i : i + 1]
        v = tocha.where(rows > i, col, tocha.zeros_like(col)) + eye[:, i : i + 1]
        t = tau[..., i : i + 1].unsqueeze(-1)
        q = q - t * tocha.matmul(v, tocha.matmul(v.mT.conj(), q))
    return q


def _qr_positive(a: tocha.Tensor) -> tocha.Tensor:
    """The Q of a QR decomposition of ``a`` whose R has a non-negative diagonal (no gradient)."""
    arr = a.detach().cpu().numpy()
    q, r = np.linalg.qr(arr)
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d = np.where(d == 0, 1, d)
    q = q * d[..., None, :]
    return tocha.from_numpy(np.ascontiguousarray(q)).to(device=a.device, dtype=a.dtype)


def _is_orthogonal(q: tocha.Tensor) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eye = _eye_like(q, k)
    eps = 10.0 * n * tocha.finfo(q.dtype).eps
    return bool(tocha.allclose(tocha.matmul(q.mT.conj(), q), eye.expand_as(tocha.matmul(q.mT.conj(), q)), atol=eps))


class _Orthogonal(Module):
    base: tocha.Tensor

    def __init__(self, weight: tocha.Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            x = x.tril()
            if n != k:
                pad = tocha.zeros(*x.shape[:-2], n, n - k, dtype=x.dtype, device=x.device)
                x = tocha.cat([x, pad], dim=-1)
            a = x - x.mT.conj()
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                q = _matrix_exp(a)
            else:
                eye = _eye_like(a, n)
                q = _Solve.apply(eye - 0.5 * a, eye + 0.5 * a)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = _householder_product(a, tau)
            q = q * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if self.base is not None:
            q = tocha.matmul(self.base, q)
        if transposed:
            q = q.mT
        return q

    def right_inverse(self, q: tocha.Tensor) -> tocha.Tensor:
        if tuple(q.shape) != tuple(self.shape):
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape {q.shape}."
            )
        q_init = q
        n, k = q.shape[-2], q.shape[-1]
        transpose = n < k
        if transpose:
            q = q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential or the Cayley parametrizations when "
                    "use_trivialization=False."
                )
            raise NotImplementedError(
                "Assigning to the householder parametrization with use_trivialization=False needs geqrf, which "
                "tocha does not provide yet."
            )
        if n == k:
            q = q.clone() if _is_orthogonal(q) else _qr_positive(q)
        else:
            extra = tocha.randn(*q.shape[:-2], n, n - k, dtype=q.dtype, device=q.device)
            q = _qr_positive(tocha.cat([q, extra], dim=-1))
        self.base = q
        neg_id = tocha.zeros_like(q_init)
        m = min(q_init.shape[-2], q_init.shape[-1])
        idx = tocha.arange(m, device=q_init.device)
        neg_id[..., idx, idx] = -1.0
        return neg_id


def orthogonal(
    module: Module, name: str = "weight", orthogonal_map: str | None = None, *, use_trivialization: bool = True
) -> Module:
    """Constrain ``module.<name>`` (a matrix or batch of matrices) to be orthogonal (or unitary).

    Args:
        module: the module owning the tensor.
        name: the parameter to constrain.
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``; default ``"matrix_exp"`` for square or
            complex matrices, ``"householder"`` otherwise.
        use_trivialization: keep a ``base`` buffer so that assigning to the weight works and optimisation is
            done around it (PyTorch's default).

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils.parametrizations import orthogonal
        >>> m = nn.Module()
        >>> m.weight = nn.Parameter(tocha.randn(3, 3))
        >>> _ = orthogonal(m)
        >>> w = m.weight
        >>> bool(tocha.allclose(w @ w.T, tocha.eye(3), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, tocha.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: {orthogonal_map}'
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
