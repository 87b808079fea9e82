"""The chi-squared distribution (a gamma distribution)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocha import Tensor

from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``.

    Args:
        df: the degrees of freedom (positive, not necessarily an integer).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Chi2
        >>> d = Chi2(tocha.tensor([1.0, 4.0]))
        >>> d.mean, d.variance
        (tensor([1., 4.]), tensor([2., 8.]))
        >>> d.log_prob(tocha.tensor([1.0, 2.0]))
        tensor([-1.4189, -1.6931])
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Tensor | float, validate_args: bool | None = None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Chi2:
        """A Chi2 with its degrees of freedom expanded (as a view) to ``batch_shape``."""
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)  # type: ignore[return-value]

    @property
    def df(self) -> Tensor:
        """The degrees of freedom, ``2 * concentration``."""
        return self.concentration * 2
