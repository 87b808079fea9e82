"""NAdam (``torch.optim.NAdam``)."""

from __future__ import annotations

from typing import Any

from ._validate import check_betas, check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["NAdam"]


class NAdam(_ElementwiseOptimizer):
    r"""NAdam: Adam with Nesterov momentum (Dozat), with momentum decay :math:`\psi`.

    .. math::
        \mu_t &= \beta_1 (1 - \tfrac12 \cdot 0.96^{t\psi}), \qquad \Pi_t = \prod_{i \le t} \mu_i \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma \frac{(1 - \mu_t) g_t / (1 - \Pi_t)
            + \mu_{t+1} m_t / (1 - \Pi_t \mu_{t+1})}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}

    State: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``.

    Example:
        >>> import tocha
        >>> from tocha.optim import NAdam
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([1.0])
        >>> NAdam([w], lr=0.1).step(); w
        tensor([0.8944], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
        check_nonneg(momentum_decay, "momentum_decay value")
        self._check_common(foreach, differentiable, None, "NAdam")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("step", True, 0.0), ("mu_product", True, 1.0), ("exp_avg", False, 0.0), ("exp_avg_sq", False, 0.0)]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        lr = _as_float(g["lr"])
        beta1, beta2 = g["betas"]
        wd, psi = g["weight_decay"], g["momentum_decay"]
        if g["maximize"]:
            xp.negative(G, out=G)
        step = c.scalars["step"] = c.scalars["step"] + 1
        bias_correction2 = 1 - beta2**step
        if wd != 0:
            if g["decoupled_weight_decay"]:
                P *= 1 - lr * wd
            else:
                G += wd * P
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mu_product = c.scalars["mu_product"] = c.rnd(c.scalars["mu_product"] * c.rnd(mu))
        m, v = S["exp_avg"], S["exp_avg_sq"]
        tmp = xp.subtract(G, m, out=c.scratch(0))
        tmp *= 1 - beta1
        m += tmp
        v *= beta2
        xp.multiply(G, G, out=tmp)
        tmp *= 1 - beta2
        v += tmp
        denom = xp.divide(v, bias_correction2, out=c.scratch(1))
        xp.sqrt(denom, out=denom)
        denom += g["eps"]
        mu_product_next = mu_product * mu_next
        xp.divide(G, denom, out=tmp)
        tmp *= -lr * (1.0 - mu) / (1.0 - mu_product)
        P += tmp
        xp.divide(m, denom, out=tmp)
        tmp *= (-lr * mu_next) / (1.0 - mu_product_next)
        P += tmp
