"""RMSprop (``torch.optim.RMSprop``)."""

from __future__ import annotations

from typing import Any

from ._validate import check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["RMSprop"]


class RMSprop(_ElementwiseOptimizer):
    r"""RMSprop (Hinton), optionally centered and with momentum.

    .. math::
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2, \qquad
        \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t \text{ (centered)} \\
        d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \text{ (centered) else } \sqrt{v_t} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t / d_t, \quad \theta_t = \theta_{t-1} - \gamma b_t
            \quad (\mu > 0; \text{ else } \theta_t = \theta_{t-1} - \gamma g_t / d_t)

    State: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0), ``grad_avg`` (centered).

    Example:
        >>> import tocha
        >>> from tocha.optim import RMSprop
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([1.0])
        >>> RMSprop([w], lr=0.01, alpha=0.75).step(); w
        tensor([0.9800], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_nonneg(momentum, "momentum value")
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(alpha, "alpha value")
        self._check_common(foreach, differentiable, None, "RMSprop")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        spec = [("step", True, 0.0), ("square_avg", False, 0.0)]
        if group["momentum"] > 0:
            spec.append(("momentum_buffer", False, 0.0))
        if group["centered"]:
            spec.append(("grad_avg", False, 0.0))
        return spec

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        alpha, lr = g["alpha"], _as_float(g["lr"])
        if g["maximize"]:
            xp.negative(G, out=G)
        c.scalars["step"] += 1
        if g["weight_decay"] != 0:
            G += g["weight_decay"] * P
        square_avg = S["square_avg"]
        square_avg *= alpha
        avg = xp.multiply(G, G, out=c.scratch(0))
        avg *= 1 - alpha
        square_avg += avg
        if g["centered"]:
            grad_avg = S["grad_avg"]
            xp.subtract(G, grad_avg, out=avg)
            avg *= 1 - alpha
            grad_avg += avg
            xp.multiply(grad_avg, grad_avg, out=avg)
            xp.subtract(square_avg, avg, out=avg)
            xp.sqrt(avg, out=avg)
        else:
            xp.sqrt(square_avg, out=avg)
        avg += g["eps"]
        xp.divide(G, avg, out=avg)
        if g["momentum"] > 0:
            buf = S["momentum_buffer"]
            buf *= g["momentum"]
            buf += avg
            avg = buf * lr
        else:
            avg *= lr
        P -= avg
