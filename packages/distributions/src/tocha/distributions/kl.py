"""``kl_divergence(p, q)`` and the registry of closed forms behind it (``register_kl``).

NOTE [ KL dispatch ]
Closed forms are registered per pair of classes. A call looks up the most specific registered pair for
``(type(p), type(q))``: every registered ``(P, Q)`` with ``p`` an instance of ``P`` and ``q`` of ``Q`` is ranked by
how far ``P`` and ``Q`` sit up their MROs. Ranking p-first and q-first must pick the same function; when they do
not, the lookup warns (``RuntimeWarning``) and uses the p-first choice — register the exact pair to settle it.
Lookups are memoised per pair of types and the memo is cleared on every registration.

The closed forms themselves live next to their families (``kl_*.py`` modules), all registered when
``tocha.distributions`` is imported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import tocha
from tocha import Tensor

from .distribution import Distribution

__all__ = ["kl_divergence", "register_kl"]

KLFunction = Callable[[Any, Any], Tensor]
F = TypeVar("F", bound=Callable[..., Tensor])

_KL_REGISTRY: dict[tuple[type, type], KLFunction] = {}
_KL_MEMO: dict[tuple[type, type], KLFunction | None] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[F], F]:
    """Register a function computing ``KL(p || q)`` for ``p`` of class ``type_p`` and ``q`` of ``type_q``.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Normal, kl_divergence, register_kl
        >>> class Shifted(Normal):
        ...     pass
        >>> @register_kl(Shifted, Shifted)
        ... def _kl_shifted(p, q):
        ...     return tocha.zeros(p.batch_shape)
        >>> kl_divergence(Shifted(0.0, 1.0), Shifted(1.0, 1.0))
        tensor(0.)
    """
    for name, cls in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(cls, type) and issubclass(cls, Distribution)):
            raise TypeError(f"register_kl(): expected {name} to be a Distribution subclass but got {cls!r}")

    def decorator(fn: F) -> F:
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMO.clear()
        return fn

    return decorator


def _lookup(type_p: type, type_q: type) -> KLFunction | None:
    """The registered function for the most specific pair (NOTE [ KL dispatch ]), or None."""
    p_mro, q_mro = type_p.__mro__, type_q.__mro__
    ranked = [
        (p_mro.index(p), q_mro.index(q), p, q)
        for p, q in _KL_REGISTRY
        if issubclass(type_p, p) and issubclass(type_q, q)
    ]
    if not ranked:
        return None
    _, _, left_p, left_q = min(ranked, key=lambda r: (r[0], r[1]))
    _, _, right_p, right_q = min(ranked, key=lambda r: (r[1], r[0]))
    chosen = _KL_REGISTRY[left_p, left_q]
    if chosen is not _KL_REGISTRY[right_p, right_q]:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). "
            f"Please register_kl({left_p.__name__}, {right_q.__name__})",
            RuntimeWarning,
            stacklevel=3,
        )
    return chosen


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """The Kullback-Leibler divergence ``KL(p || q)``, one value per batch element.

    Raises:
        NotImplementedError: no closed form is registered for the pair of types.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Normal, kl_divergence
        >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
        tensor(0.5000)
    """
    key = (type(p), type(q))
    try:
        fn = _KL_MEMO[key]
    except KeyError:
        fn = _KL_MEMO[key] = _lookup(*key)
    if fn is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type {type(q).__name__}"
        )
    return fn(p, q)


def infinite_like(tensor: Tensor) -> Tensor:
    """A tensor of ``inf`` like ``tensor``: the KL between distributions whose supports do not nest."""
    return tocha.full_like(tensor, float("inf"))


def x_log_x(tensor: Tensor) -> Tensor:
    """``x log x`` with ``0 log 0 = 0``."""
    return tocha.special.xlogy(tensor, tensor)


def batch_trace_xxt(bmat: Tensor) -> Tensor:
    """``trace(X Xᵀ)`` (the squared Frobenius norm) of each matrix in a batch."""
    return bmat.pow(2).sum((-2, -1))
