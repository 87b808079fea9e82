"""The logistic-normal distribution on the simplex."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocha import Tensor

from . import constraints
from .independent import Independent
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import StickBreakingTransform

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """A point of the ``K``-simplex: ``StickBreakingTransform`` of ``K - 1`` independent normals.

    Args:
        loc: the means of the ``K - 1`` normals (last dim).
        scale: their standard deviations (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import LogisticNormal
        >>> d = LogisticNormal(tocha.zeros(2), tocha.ones(2))
        >>> d.event_shape, d.log_prob(tocha.tensor([0.2, 0.3, 0.5]))
        (tocha.Size([3]), tensor(1.2980))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True
    base_dist: Independent

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> LogisticNormal:
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def loc(self) -> Tensor:
        """The means of the underlying normals."""
        return self.base_dist.base_dist.loc  # type: ignore[no-any-return,attr-defined]

    @property
    def scale(self) -> Tensor:
        """The standard deviations of the underlying normals."""
        return self.base_dist.base_dist.scale  # type: ignore[no-any-return,attr-defined]
