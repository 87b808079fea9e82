"""RAdam (``torch.optim.RAdam``)."""

from __future__ import annotations

import math
from typing import Any

from ._validate import check_betas, check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["RAdam"]


class RAdam(_ElementwiseOptimizer):
    r"""RAdam: Adam with a rectified adaptive learning rate (Liu et al.).

    .. math::
        \rho_\infty &= \frac{2}{1 - \beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t} \\
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        \theta_t &= \theta_{t-1} - \gamma \hat m_t r_t \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon}
            \text{ if } \rho_t > 5, \text{ else } \theta_{t-1} - \gamma \hat m_t, \\
        r_t &= \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}

    State: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example:
        >>> import tocha
        >>> from tocha.optim import RAdam
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([1.0])
        >>> RAdam([w], lr=0.1).step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        self._check_common(foreach, differentiable, None, "RAdam")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("step", True, 0.0), ("exp_avg", False, 0.0), ("exp_avg_sq", False, 0.0)]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        lr = _as_float(g["lr"])
        beta1, beta2 = g["betas"]
        wd = g["weight_decay"]
        if g["maximize"]:
            xp.negative(G, out=G)
        step = c.scalars["step"] = c.scalars["step"] + 1
        if wd != 0:
            if g["decoupled_weight_decay"]:
                P *= 1 - lr * wd
            else:
                G += wd * P
        m, v = S["exp_avg"], S["exp_avg_sq"]
        tmp = xp.subtract(G, m, out=c.scratch(0))
        tmp *= 1 - beta1
        m += tmp
        v *= beta2
        xp.multiply(G, G, out=tmp)
        tmp *= 1 - beta2
        v += tmp
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        xp.divide(m, bias_correction1, out=tmp)
        tmp *= lr
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = xp.sqrt(v, out=c.scratch(1))
            adaptive += g["eps"]
            xp.divide(bias_correction2**0.5, adaptive, out=adaptive)
            tmp *= adaptive
            tmp *= rect
        P -= tmp
