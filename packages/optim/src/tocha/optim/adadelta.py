"""Adadelta (``torch.optim.Adadelta``)."""

from __future__ import annotations

from typing import Any

from ._validate import check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["Adadelta"]


class Adadelta(_ElementwiseOptimizer):
    r"""Adadelta (Zeiler).

    .. math::
        v_t &= \rho v_{t-1} + (1 - \rho) g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t \\
        u_t &= \rho u_{t-1} + (1 - \rho) \Delta_t^2, \qquad \theta_t = \theta_{t-1} - \gamma \Delta_t

    State: ``step``, ``square_avg``, ``acc_delta``.

    Example:
        >>> import tocha
        >>> from tocha.optim import Adadelta
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([1.0])
        >>> Adadelta([w], eps=1e-2).step(); w
        tensor([0.6985], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonneg(eps, "epsilon value")
        check_nonneg(weight_decay, "weight_decay value")
        self._check_common(foreach, differentiable, None, "Adadelta")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("step", True, 0.0), ("square_avg", False, 0.0), ("acc_delta", False, 0.0)]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        rho, eps = g["rho"], g["eps"]
        if g["maximize"]:
            xp.negative(G, out=G)
        c.scalars["step"] += 1
        if g["weight_decay"] != 0:
            G += g["weight_decay"] * P
        square_avg, acc_delta = S["square_avg"], S["acc_delta"]
        tmp = xp.multiply(G, G, out=c.scratch(0))
        tmp *= 1 - rho
        square_avg *= rho
        square_avg += tmp
        std = xp.add(square_avg, eps, out=c.scratch(1))
        xp.sqrt(std, out=std)
        delta = xp.add(acc_delta, eps, out=c.scratch(2))
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= G
        xp.multiply(delta, delta, out=tmp)
        tmp *= 1 - rho
        acc_delta *= rho
        acc_delta += tmp
        delta *= _as_float(g["lr"])
        P -= delta
