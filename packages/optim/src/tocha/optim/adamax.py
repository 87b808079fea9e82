"""Adamax (``torch.optim.Adamax``)."""

from __future__ import annotations

from typing import Any

from ._validate import check_betas, check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["Adamax"]


class Adamax(_ElementwiseOptimizer):
    r"""Adamax: Adam with the infinity norm.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}

    State: ``step``, ``exp_avg``, ``exp_inf``.

    Example:
        >>> import tocha
        >>> from tocha.optim import Adamax
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([2.0])
        >>> Adamax([w], lr=0.1).step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        self._check_common(foreach, differentiable, None, "Adamax")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("step", True, 0.0), ("exp_avg", False, 0.0), ("exp_inf", False, 0.0)]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        beta1, beta2 = g["betas"]
        if g["maximize"]:
            xp.negative(G, out=G)
        step = c.scalars["step"] = c.scalars["step"] + 1
        if g["weight_decay"] != 0:
            G += g["weight_decay"] * P
        m, u = S["exp_avg"], S["exp_inf"]
        tmp = xp.subtract(G, m, out=c.scratch(0))
        tmp *= 1 - beta1
        m += tmp
        u *= beta2
        xp.abs(G, out=tmp)
        tmp += g["eps"]
        xp.maximum(u, tmp, out=u)
        clr = _as_float(g["lr"]) / (1 - beta1**step)
        xp.divide(m, u, out=tmp)
        tmp *= clr
        P -= tmp
