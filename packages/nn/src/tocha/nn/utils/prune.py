"""Pruning: zero out part of a parameter through a mask (``torch.nn.utils.prune``).

Pruning ``module.<name>`` moves the parameter to ``<name>_orig``, stores the mask as the buffer ``<name>_mask``
(both appear in the state dict, as in PyTorch) and makes ``module.<name>`` the plain tensor
``<name>_orig * <name>_mask``, recomputed by a forward pre-hook (the pruning method object itself) before every
forward. Pruning the same parameter again combines the methods in a :class:`PruningContainer`: each new method
only chooses among the entries (unstructured) or channels (structured) still alive. :func:`remove` makes the
pruning permanent: ``<name>`` becomes a parameter again holding the masked values.

Methods choose what to prune by magnitude (:class:`L1Unstructured`, :class:`LnStructured`), at random
(:class:`RandomUnstructured`, :class:`RandomStructured`) or from a given mask (:class:`CustomFromMask`);
``amount`` is a fraction of the entries (a float in [0, 1], rounded half to even) or a count (an int).
:func:`global_unstructured` ranks the entries of several parameters together.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

import tocha

from ..modules.module import Module

__all__ = [
    "BasePruningMethod",
    "PruningContainer",
    "Identity",
    "RandomUnstructured",
    "L1Unstructured",
    "RandomStructured",
    "LnStructured",
    "CustomFromMask",
    "identity",
    "random_unstructured",
    "l1_unstructured",
    "random_structured",
    "ln_structured",
    "global_unstructured",
    "custom_from_mask",
    "remove",
    "is_pruned",
]

_M = TypeVar("_M", bound=Module)


class BasePruningMethod(ABC):
    """The base of pruning methods: subclasses set ``PRUNING_TYPE`` and implement :meth:`compute_mask`.

    An applied method is the module's forward pre-hook for the parameter named ``_tensor_name``.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> class KeepPositive(prune.BasePruningMethod):
        ...     PRUNING_TYPE = "unstructured"
        ...     def compute_mask(self, t, default_mask):
        ...         return default_mask * (t > 0)
        >>> m = nn.Linear(2, 1)
        >>> with tocha.no_grad():
        ...     _ = m.weight.copy_(tocha.tensor([[1.0, -1.0]]))
        >>> m = KeepPositive.apply(m, "weight") and m
        >>> m.weight
        tensor([[1., -0.]], grad_fn=<MulBackward0>)
    """

    PRUNING_TYPE: ClassVar[str]
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs: Any) -> None:
        """Recompute ``module.<name>`` from its original values and mask (run before each forward)."""
        setattr(module, self._name(), self.apply_mask(module))

    def _name(self) -> str:
        if self._tensor_name is None:
            raise RuntimeError(f"{type(self).__name__} has not been applied to a parameter")
        return self._tensor_name

    @abstractmethod
    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        """The new mask of ``t`` (1 keeps an entry, 0 prunes it), given the mask ``default_mask`` it has so far."""

    def apply_mask(self, module: Module) -> tocha.Tensor:
        """``<name>_orig * <name>_mask`` of ``module``.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = prune.identity(nn.Linear(2, 1), "weight")
            >>> bool((m._forward_pre_hooks[next(iter(m._forward_pre_hooks))].apply_mask(m) == m.weight).all())
            True
        """
        name = self._name()
        original = getattr(module, name + "_orig")
        mask = getattr(module, name + "_mask")
        return mask.to(dtype=original.dtype) * original  # type: ignore[no-any-return]

    @classmethod
    def apply(
        cls, module: Module, name: str, *args: Any, importance_scores: tocha.Tensor | None = None, **kwargs: Any
    ) -> BasePruningMethod:
        """Prune ``module.<name>`` with a new ``cls(*args, **kwargs)``, combined with any pruning already there.

        ``importance_scores`` (the parameter's shape) rank the entries instead of the parameter's own values.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = nn.Linear(4, 2)
            >>> method = prune.L1Unstructured.apply(m, "weight", amount=3)
            >>> int((m.weight_mask == 0).sum())
            3
        """
        previous: BasePruningMethod | None = None
        previous_key: Any = None
        for key, hook in module._forward_pre_hooks.items():
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
                if previous is not None:
                    raise RuntimeError(f"more than one pruning hook for the parameter '{name}' of {module}")
                previous, previous_key = hook, key
        original = getattr(module, name)
        if importance_scores is not None and tuple(importance_scores.shape) != tuple(original.shape):
            raise ValueError(f"importance_scores should have the same shape as parameter {name} of {module}")
        method: BasePruningMethod = cls(*args, **kwargs)
        method._tensor_name = name
        if previous is not None:
            container = previous if isinstance(previous, PruningContainer) else PruningContainer(previous)
            container.add_pruning_method(method)
            method = container
            del module._forward_pre_hooks[previous_key]
            original = getattr(module, name + "_orig")
            default_mask = getattr(module, name + "_mask").detach().clone(memory_format=tocha.contiguous_format)
        else:
            module.register_parameter(name + "_orig", original)
            del module._parameters[name]
            default_mask = tocha.ones_like(original)
        scores = original if importance_scores is None else importance_scores
        try:
            mask = method.compute_mask(scores.detach(), default_mask=default_mask)
        except Exception:
            if previous is None:  # leave the module as it was
                module.register_parameter(name, original)
                del module._parameters[name + "_orig"]
            else:
                module._forward_pre_hooks[previous_key] = previous
            raise
        module.register_buffer(name + "_mask", mask)
        setattr(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method)
        return method

    def prune(
        self,
        t: tocha.Tensor,
        default_mask: tocha.Tensor | None = None,
        importance_scores: tocha.Tensor | None = None,
    ) -> tocha.Tensor:
        """``t`` times the mask this method computes for it (nothing is attached to a module).

        Example:
            >>> import tocha
            >>> from tocha.nn.utils import prune
            >>> prune.L1Unstructured(amount=2).prune(tocha.tensor([3.0, -1.0, 0.5, 2.0]))
            tensor([3., -0., 0., 2.])
        """
        if importance_scores is not None and tuple(importance_scores.shape) != tuple(t.shape):
            raise ValueError("importance_scores should have the same shape as tensor t")
        mask = tocha.ones_like(t) if default_mask is None else default_mask
        scores = t if importance_scores is None else importance_scores
        return t * self.compute_mask(scores, default_mask=mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a parameter holding the masked values.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = prune.random_unstructured(nn.Linear(3, 2), "weight", amount=0.5)
            >>> prune.remove(m, "weight") is m, sorted(name for name, _ in m.named_parameters())
            (True, ['bias', 'weight'])
        """
        name = self._name()
        weight = self.apply_mask(module)
        if hasattr(module, name):
            delattr(module, name)
        original = module._parameters[name + "_orig"]
        assert original is not None
        original.data = weight.data
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, original)


def _combine(method: BasePruningMethod, t: tocha.Tensor, mask: tocha.Tensor) -> tocha.Tensor:
    """``mask`` with ``method`` applied to the part of ``t`` it has not pruned yet."""
    combined = mask.to(dtype=t.dtype)
    if method.PRUNING_TYPE == "unstructured":
        alive: Any = mask == 1
    elif method.PRUNING_TYPE == "structured":
        dim = getattr(method, "dim", None)
        if dim is None:
            raise AttributeError(
                'Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.'
            )
        rank = t.dim()
        axis = dim + rank if dim < 0 else dim
        if axis < 0:
            raise IndexError(f"Index is out of bounds for tensor with dimensions {rank}")
        channels = mask.sum(dim=[d for d in range(rank) if d != axis]) != 0  # channels not wholly pruned yet
        alive = tuple(channels if d == axis else slice(None) for d in range(rank))
    elif method.PRUNING_TYPE == "global":
        alive = (slice(None),) * t.dim()
    else:
        raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
    combined[alive] = method.compute_mask(t[alive], default_mask=mask[alive]).to(dtype=combined.dtype)
    return combined


class PruningContainer(BasePruningMethod):
    """The pruning methods applied, in order, to one parameter; its mask is the last one's, computed on what the
    ones before left.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.l1_unstructured(nn.Linear(4, 4), "weight", amount=4)
        >>> m = prune.ln_structured(m, "weight", amount=1, n=2, dim=0)
        >>> hook = next(iter(m._forward_pre_hooks.values()))
        >>> type(hook).__name__, [type(p).__name__ for p in hook]
        ('PruningContainer', ['L1Unstructured', 'LnStructured'])
    """

    PRUNING_TYPE = "unstructured"  # unused: a container defers to its methods

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(methods) == 1:
            self._tensor_name = methods[0]._tensor_name
            self.add_pruning_method(methods[0])
        else:
            for method in methods:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append ``method``, which must prune the container's parameter.

        Example:
            >>> from tocha.nn.utils import prune
            >>> first = prune.Identity(); first._tensor_name = "weight"
            >>> second = prune.L1Unstructured(0.5); second._tensor_name = "weight"
            >>> container = prune.PruningContainer(first)
            >>> container.add_pruning_method(second); len(container)
            2
        """
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' to "
                f"PruningContainer {self}. Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, index: int) -> BasePruningMethod:
        return self._pruning_methods[index]

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        """The last method's mask, computed on the entries or channels ``default_mask`` keeps.

        Example:
            >>> import tocha
            >>> from tocha.nn.utils import prune
            >>> method = prune.L1Unstructured(1); method._tensor_name = "w"
            >>> t, mask = tocha.tensor([1.0, 3.0, 2.0]), tocha.tensor([0.0, 1.0, 1.0])
            >>> prune.PruningContainer(method).compute_mask(t, mask)
            tensor([0., 1., 0.])
        """
        return _combine(self._pruning_methods[-1], t, default_mask)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask stays all ones (it still sets up ``<name>_orig`` and ``<name>_mask``).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import prune
        >>> prune.Identity().compute_mask(tocha.ones(2), tocha.tensor([1.0, 0.0]))
        tensor([1., 0.])
    """

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        """Attach the identity pruning to ``module.<name>``.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> type(prune.Identity.apply(nn.Linear(2, 2), "bias")).__name__
            'Identity'
        """
        return super().apply(module, name)


def _check_amount(amount: Any) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
        not isinstance(amount, numbers.Integral) and not 0.0 <= float(amount) <= 1.0
    ):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _count(amount: Any, size: int) -> int:
    """How many of ``size`` entries ``amount`` prunes (a count, or a fraction rounded half to even)."""
    if isinstance(amount, numbers.Integral):
        if int(amount) > size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={size}")
        return int(amount)
    return round(float(amount) * size)


def _check_structured(t: tocha.Tensor, dim: int) -> None:
    if t.dim() <= 1:
        raise ValueError(
            f"Structured pruning can only be applied to multidimensional tensors. Found tensor of shape "
            f"{tuple(t.shape)} with {t.dim()} dims"
        )
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _keep_strongest_channels(
    t: tocha.Tensor, dim: int, amount: float, default_mask: tocha.Tensor, scores: Callable[[], tocha.Tensor]
) -> tocha.Tensor:
    """``default_mask`` times ones over the channels along ``dim`` of highest ``scores()``, all but ``amount``."""
    _check_structured(t, dim)
    channels = t.shape[dim]
    count = _count(amount, channels)
    if count == 0:
        return default_mask
    strongest = tocha.topk(scores(), k=channels - count, largest=True).indices
    mask = tocha.zeros_like(t)
    mask[tuple(strongest if d == dim % t.dim() else slice(None) for d in range(t.dim()))] = 1
    return mask * default_mask


def _zero_lowest(default_mask: tocha.Tensor, scores: tocha.Tensor, count: int) -> tocha.Tensor:
    """``default_mask`` with 0 at the ``count`` entries of lowest ``scores``."""
    mask = default_mask.clone(memory_format=tocha.contiguous_format)
    if count:
        mask.view(-1)[tocha.topk(scores.reshape(-1), k=count, largest=False).indices] = 0
    return mask


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` entries chosen uniformly at random.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import prune
        >>> int(prune.RandomUnstructured(0.25).compute_mask(tocha.ones(8), tocha.ones(8)).sum())
        6
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        return _zero_lowest(default_mask, tocha.rand_like(t, dtype=tocha.float32), _count(self.amount, t.numel()))

    @classmethod
    def apply(cls, module: Module, name: str, amount: float) -> BasePruningMethod:  # type: ignore[override]
        """Prune ``amount`` random entries of ``module.<name>``.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = nn.Linear(5, 2)
            >>> _ = prune.RandomUnstructured.apply(m, "weight", amount=4)
            >>> int((m.weight_mask == 0).sum())
            4
        """
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the ``amount`` entries of smallest absolute value.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import prune
        >>> prune.L1Unstructured(2).compute_mask(tocha.tensor([3.0, -1.0, 0.5, 2.0]), tocha.ones(4))
        tensor([1., 0., 0., 1.])
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        return _zero_lowest(default_mask, tocha.abs(t), _count(self.amount, t.numel()))

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: float, importance_scores: tocha.Tensor | None = None
    ) -> BasePruningMethod:
        """Prune the ``amount`` smallest entries (by ``|importance_scores|``, default ``|module.<name>|``).

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = nn.Linear(5, 2)
            >>> _ = prune.L1Unstructured.apply(m, "weight", amount=0.3)
            >>> int((m.weight_mask == 0).sum())
            3
        """
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` whole channels along ``dim``, chosen at random.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import prune
        >>> mask = prune.RandomStructured(1, dim=0).compute_mask(tocha.ones(3, 2), tocha.ones(3, 2))
        >>> mask.sum(1).tolist().count(0.0)
        1
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: float, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        return _keep_strongest_channels(
            t, self.dim, self.amount, default_mask, lambda: tocha.rand(t.shape[self.dim], device=t.device)
        )

    @classmethod
    def apply(cls, module: Module, name: str, amount: float, dim: int = -1) -> BasePruningMethod:  # type: ignore[override]
        """Prune ``amount`` random channels of ``module.<name>`` along ``dim``.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = nn.Linear(3, 4)
            >>> _ = prune.RandomStructured.apply(m, "weight", amount=2, dim=0)
            >>> (m.weight_mask.sum(1) == 0).sum().item()
            2
        """
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest ``n``-norm (the norm over the other dims).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import prune
        >>> t = tocha.tensor([[1.0, 1.0], [3.0, 0.0], [0.5, 0.5]])
        >>> prune.LnStructured(1, n=1, dim=0).compute_mask(t, tocha.ones(3, 2))
        tensor([[1., 1.],
                [1., 1.],
                [0., 0.]])
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: float, n: int | float | str, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        def norms() -> tocha.Tensor:
            axis = self.dim % t.dim()
            return tocha.norm(t, p=self.n, dim=[d for d in range(t.dim()) if d != axis])

        return _keep_strongest_channels(t, self.dim, self.amount, default_mask, norms)

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: float,
        n: int | float | str,
        dim: int,
        importance_scores: tocha.Tensor | None = None,
    ) -> BasePruningMethod:
        """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` of smallest ``n``-norm.

        Example:
            >>> import tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = nn.Conv2d(2, 4, 3)
            >>> _ = prune.LnStructured.apply(m, "weight", amount=0.5, n=2, dim=0)
            >>> (m.weight_mask.sum((1, 2, 3)) == 0).sum().item()
            2
        """
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where ``mask`` is 0.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import prune
        >>> prune.CustomFromMask(tocha.tensor([1.0, 0.0, 1.0])).compute_mask(tocha.ones(3), tocha.ones(3))
        tensor([1., 0., 1.])
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask: tocha.Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: tocha.Tensor, default_mask: tocha.Tensor) -> tocha.Tensor:
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise ValueError(
                f"the mask's shape {tuple(self.mask.shape)} does not match the parameter's {tuple(default_mask.shape)}"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: tocha.Tensor) -> BasePruningMethod:  # type: ignore[override]
        """Prune ``module.<name>`` where ``mask`` is 0.

        Example:
            >>> import tocha, tocha.nn as nn
            >>> from tocha.nn.utils import prune
            >>> m = nn.Linear(2, 1)
            >>> _ = prune.CustomFromMask.apply(m, "bias", mask=tocha.tensor([0.0]))
            >>> m.bias.abs()
            tensor([0.], grad_fn=<AbsBackward0>)
        """
        return super().apply(module, name, mask=mask)


def identity(module: _M, name: str) -> _M:
    """Set up pruning of ``module.<name>`` with an all-ones mask; returns ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.identity(nn.Linear(2, 3), "bias")
        >>> m.bias_mask
        tensor([1., 1., 1.])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: _M, name: str, amount: float) -> _M:
    """Prune ``amount`` random entries of ``module.<name>``; returns ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.random_unstructured(nn.Linear(4, 4), "weight", amount=0.25)
        >>> int((m.weight == 0).sum())
        4
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: _M, name: str, amount: float, importance_scores: tocha.Tensor | None = None) -> _M:
    """Prune the ``amount`` entries of ``module.<name>`` of smallest absolute value (or importance); returns
    ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.l1_unstructured(nn.Linear(4, 4), "weight", amount=5)
        >>> sorted(name for name, _ in m.named_buffers())
        ['weight_mask']
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: _M, name: str, amount: float, dim: int) -> _M:
    """Prune ``amount`` random channels of ``module.<name>`` along ``dim``; returns ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.random_structured(nn.Linear(3, 4), "weight", amount=1, dim=1)
        >>> (m.weight.abs().sum(0) == 0).sum().item()
        1
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: _M, name: str, amount: float, n: int | float | str, dim: int, importance_scores: tocha.Tensor | None = None
) -> _M:
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` of smallest ``n``-norm; returns ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.ln_structured(nn.Conv2d(1, 6, 3), "weight", amount=0.5, n=1, dim=0)
        >>> (m.weight.abs().sum((1, 2, 3)) == 0).sum().item()
        3
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: type[BasePruningMethod],
    importance_scores: dict[tuple[Module, str], tocha.Tensor] | None = None,
    **kwargs: Any,
) -> None:
    """Prune the parameters ``(module, name)`` together: ``pruning_method(**kwargs)`` (unstructured) ranks all
    their entries at once, so each loses its own share.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> a, b = nn.Linear(4, 4), nn.Linear(4, 4)
        >>> with tocha.no_grad():
        ...     _ = a.weight.fill_(1.0); _ = b.weight.fill_(0.1)
        >>> prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=16)
        >>> int(a.weight_mask.sum()), int(b.weight_mask.sum())
        (16, 0)
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    pairs = list(parameters)
    scores = {} if importance_scores is None else importance_scores
    if not isinstance(scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    flat_scores = tocha.cat([scores.get((m, n), getattr(m, n)).detach().reshape(-1) for m, n in pairs])
    flat_masks = tocha.cat(
        [getattr(m, n + "_mask", tocha.ones_like(getattr(m, n))).detach().reshape(-1) for m, n in pairs]
    )
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
            f"{pruning_method} of type {method.PRUNING_TYPE}"
        )
    container = PruningContainer(method)
    final = container.compute_mask(flat_scores, default_mask=flat_masks)
    start = 0
    for module, name in pairs:
        parameter = getattr(module, name)
        count = parameter.numel()
        custom_from_mask(module, name, mask=final[start : start + count].view_as(parameter))
        start += count


def custom_from_mask(module: _M, name: str, mask: tocha.Tensor) -> _M:
    """Prune ``module.<name>`` where ``mask`` is 0; returns ``module``.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.custom_from_mask(nn.Linear(2, 2), "bias", tocha.tensor([0.0, 1.0]))
        >>> m.bias_mask
        tensor([0., 1.])
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: _M, name: str) -> _M:
    """Make the pruning of ``module.<name>`` permanent (it becomes a parameter again); returns ``module``.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> m = prune.l1_unstructured(nn.Linear(3, 3), "weight", amount=2)
        >>> m = prune.remove(m, "weight")
        >>> prune.is_pruned(m), int((m.weight == 0).sum())
        (False, 2)
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any submodule has a pruned parameter.

    Example:
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import prune
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> prune.is_pruned(model), prune.is_pruned(prune.identity(model[0], "bias") and model)
        (False, True)
    """
    return any(isinstance(hook, BasePruningMethod) for m in module.modules() for hook in m._forward_pre_hooks.values())
