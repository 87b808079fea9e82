"""Rprop (``torch.optim.Rprop``)."""

from __future__ import annotations

from typing import Any

from ._validate import check_lr
from .optimizer import ParamsT, _Ctx, _ElementwiseOptimizer

__all__ = ["Rprop"]


class Rprop(_ElementwiseOptimizer):
    r"""Resilient backpropagation: per-element step sizes grown by :math:`\eta_+` while the gradient keeps its sign
    and shrunk by :math:`\eta_-` when it flips (then that element's update is skipped).

    .. math::
        s_t &= \operatorname{clip}(s_{t-1} \cdot f_t, s_{\min}, s_{\max}), \qquad
        f_t = \eta_+, \eta_-, 1 \text{ as } g_t g_{t-1} >, <, = 0 \\
        g_t &\leftarrow 0 \text{ where } f_t = \eta_-, \qquad \theta_t = \theta_{t-1} - \operatorname{sign}(g_t) s_t

    State: ``step``, ``prev`` (the previous gradient), ``step_size`` (starts at ``lr``).

    Example:
        >>> import tocha
        >>> from tocha.optim import Rprop
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([3.0])
        >>> Rprop([w], lr=0.1).step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        self._check_common(foreach, differentiable, None, "Rprop")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        lr = group["lr"]
        return [("step", True, 0.0), ("prev", False, 0.0), ("step_size", False, float(lr))]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        etaminus, etaplus = g["etas"]
        step_size_min, step_size_max = g["step_sizes"]
        if g["maximize"]:
            xp.negative(G, out=G)
        c.scalars["step"] += 1
        prev, step_size = S["prev"], S["step_size"]
        sign = xp.multiply(G, prev, out=c.scratch(0))
        xp.sign(sign, out=sign)
        factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0)).astype(G.dtype, copy=False)
        step_size *= factor
        xp.clip(step_size, step_size_min, step_size_max, out=step_size)
        xp.copyto(G, 0, where=factor == etaminus)  # a mask assignment would synchronise on CuPy
        xp.sign(G, out=sign)
        sign *= step_size
        P -= sign
        xp.copyto(prev, G)
