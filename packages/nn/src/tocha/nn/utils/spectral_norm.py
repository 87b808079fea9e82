"""The legacy, hook-based spectral normalisation (``torch.nn.utils.spectral_norm``).

NOTE [ Legacy spectral norm ]
The parameter ``<name>`` moves to ``<name>_orig``; buffers ``<name>_u`` and ``<name>_v`` hold the power-iteration
vectors and ``<name>`` becomes a plain attribute recomputed by a forward pre-hook as ``W / sigma`` with
``sigma = u . (W v)``, ``W`` the weight reshaped to a matrix with ``dim`` first. In training mode each forward
first runs ``n_power_iterations`` steps ``v = normalize(W^T u)``, ``u = normalize(W v)`` without grad, updating
the buffers in place (the order differs from :mod:`tocha.nn.utils.parametrizations`, so the two do not give the
same numbers); in eval mode the stored vectors are used. A state-dict hook records a version in the metadata
and a load pre-hook converts version-0 checkpoints (which stored ``<name>`` and no ``<name>_v``) as PyTorch does,
solving for ``v`` with ``tocha.linalg.pinv`` at its default tolerance (PyTorch's ``pinverse`` uses ``rcond=1e-15``,
which amplifies rounding noise for rank-deficient ``W^T W``; the two agree for well-conditioned weights).
"""

from __future__ import annotations

from typing import Any, TypeVar

import tocha

from ..modules.module import Module
from ..parameter import Parameter, UninitializedParameter
from .parametrizations import _normalize

__all__ = [
    "SpectralNorm",
    "SpectralNormLoadStateDictPreHook",
    "SpectralNormStateDictHook",
    "remove_spectral_norm",
    "spectral_norm",
]

_M = TypeVar("_M", bound=Module)


class SpectralNorm:
    """The forward pre-hook of the legacy spectral norm (see NOTE [ Legacy spectral norm ]).

    Args:
        name: the parameter's name.
        n_power_iterations: power-iteration steps per training forward (positive).
        dim: the dimension of the weight that becomes the matrix's rows.
        eps: the floor of the norms in the normalisations.

    Example:
        >>> SpectralNorm("weight", 2).n_power_iterations
        2
    """

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: tocha.Tensor) -> tocha.Tensor:
        """The weight as a matrix with ``dim`` as its rows.

        Example:
            >>> import tocha
            >>> SpectralNorm(dim=1).reshape_weight_to_matrix(tocha.zeros(2, 3, 4)).shape
            tocha.Size([3, 8])
        """
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> tocha.Tensor:
        """Return ``<name>_orig / sigma``, first updating ``<name>_u``/``<name>_v`` when ``do_power_iteration``.

        Example:
            >>> import tocha, tocha.nn as nn
            >>> m = spectral_norm(nn.Linear(2, 2, bias=False))
            >>> with tocha.no_grad():
            ...     _ = m.weight_orig.copy_(tocha.tensor([[2.0, 0.0], [0.0, 1.0]]))
            >>> fn = next(iter(m._forward_pre_hooks.values()))
            >>> for _ in range(20):
            ...     w = fn.compute_weight(m, True)
            >>> w.detach()
            tensor([[1.0000, 0.0000],
                    [0.0000, 0.5000]])
        """
        weight: tocha.Tensor = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with tocha.no_grad():
                mat = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(tocha.mv(mat.t(), u), self.eps))
                    u.copy_(_normalize(tocha.mv(mat, v), self.eps))
                u = u.clone()
                v = v.clone()
        sigma = tocha.dot(u, tocha.mv(weight_mat, v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        """Put back a plain parameter ``<name>`` holding the normalised weight (no power iteration).

        Example:
            >>> import tocha.nn as nn
            >>> m = spectral_norm(nn.Linear(2, 2))
            >>> next(iter(m._forward_pre_hooks.values())).remove(m); sorted(m.state_dict())
            ['bias', 'weight']
        """
        with tocha.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def _solve_v_and_rescale(self, weight_mat: tocha.Tensor, u: tocha.Tensor, target_sigma: Any) -> tocha.Tensor:
        # v such that u = normalize(W v) and u . (W v) = target_sigma (least squares through the pseudo-inverse).
        v: tocha.Tensor = tocha.linalg.pinv(weight_mat.t() @ weight_mat) @ weight_mat.t() @ u.unsqueeze(1)
        v = v.squeeze(1)
        scaled: tocha.Tensor = v * (target_sigma / tocha.dot(u, tocha.mv(weight_mat, v)))
        return scaled

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        """Reparametrize ``module.<name>`` and register the hooks.

        Example:
            >>> import tocha.nn as nn
            >>> fn = SpectralNorm.apply(nn.Linear(3, 2), "weight", 1, 0, 1e-12)
            >>> fn.dim, fn.eps
            (0, 1e-12)
        """
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError(
                "The module passed to `SpectralNorm` can't have uninitialized parameters. "
                "Make sure to run the dummy forward before applying spectral normalization"
            )
        with tocha.no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(tocha.empty(h, dtype=weight.dtype, device=weight.device).normal_(0, 1), fn.eps)
            v = _normalize(tocha.empty(w, dtype=weight.dtype, device=weight.device).normal_(0, 1), fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(SpectralNormStateDictHook(fn))
        module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn))
        return fn


class SpectralNormLoadStateDictPreHook:
    """Converts a version-0 spectral-norm checkpoint (``<name>``, ``<name>_orig``, ``<name>_u``) on load.

    Example:
        >>> SpectralNormLoadStateDictPreHook(SpectralNorm()).fn.name
        'weight'
    """

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version", None)
        if version is not None and version >= 1:
            return
        weight_key = prefix + fn.name
        if (
            version is None
            and all(weight_key + s in state_dict for s in ("_orig", "_u", "_v"))
            and weight_key not in state_dict
        ):
            return
        has_missing_keys = False
        for suffix in ("_orig", "", "_u"):
            key = weight_key + suffix
            if key not in state_dict:
                has_missing_keys = True
                if strict:
                    missing_keys.append(key)
        if has_missing_keys:
            return
        with tocha.no_grad():
            weight_orig = state_dict[weight_key + "_orig"]
            weight = state_dict.pop(weight_key)
            sigma = (weight_orig / weight).mean()
            weight_mat = fn.reshape_weight_to_matrix(weight_orig)
            state_dict[weight_key + "_v"] = fn._solve_v_and_rescale(weight_mat, state_dict[weight_key + "_u"], sigma)


class SpectralNormStateDictHook:
    """Records the spectral-norm version in the state dict's metadata.

    Example:
        >>> SpectralNormStateDictHook(SpectralNorm()).fn._version
        1
    """

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module: Module, state_dict: Any, prefix: str, local_metadata: dict[str, Any]) -> None:
        if "spectral_norm" not in local_metadata:
            local_metadata["spectral_norm"] = {}
        key = self.fn.name + ".version"
        if key in local_metadata["spectral_norm"]:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        local_metadata["spectral_norm"][key] = self.fn._version


def spectral_norm(
    module: _M, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> _M:
    r"""Apply spectral normalisation to ``module.<name>`` with a forward pre-hook (the legacy API).

    .. math::
        \mathbf{W}_{SN} = \frac{\mathbf{W}}{\sigma(\mathbf{W})}, \qquad
        \sigma(\mathbf{W}) \approx u^\top \mathbf{W} v

    with ``u``, ``v`` refined by power iteration in training mode (see NOTE [ Legacy spectral norm ]). State
    dict: ``<name>_orig``, ``<name>_u``, ``<name>_v``.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        n_power_iterations: power-iteration steps per training forward.
        eps: the floor of the norms.
        dim: the output dimension (``None``: 1 for ConvTranspose layers, else 0).

    Returns:
        ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import spectral_norm
        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> m.weight_u.shape, sorted(m.state_dict())
        (tocha.Size([40]), ['bias', 'weight_orig', 'weight_u', 'weight_v'])
    """
    if dim is None:
        from ..modules import conv

        transposed = (conv.ConvTranspose1d, conv.ConvTranspose2d, conv.ConvTranspose3d)
        dim = 1 if isinstance(module, transposed) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: _M, name: str = "weight") -> _M:
    """Remove the spectral normalisation of ``module.<name>``, leaving a plain parameter.

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        ``module``.

    Raises:
        ValueError: ``module.<name>`` has no spectral_norm hook.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import remove_spectral_norm, spectral_norm
        >>> m = remove_spectral_norm(spectral_norm(nn.Linear(20, 40)))
        >>> sorted(m.state_dict())
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    for k, hook in module._state_dict_hooks.items():
        if isinstance(hook, SpectralNormStateDictHook) and hook.fn.name == name:
            del module._state_dict_hooks[k]
            break
    for k, hook in module._load_state_dict_pre_hooks.items():
        if isinstance(hook, SpectralNormLoadStateDictPreHook) and hook.fn.name == name:
            del module._load_state_dict_pre_hooks[k]
            break
    return module
