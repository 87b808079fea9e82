"""Averaged stochastic gradient descent (``torch.optim.ASGD``)."""

from __future__ import annotations

from typing import Any

from ._validate import check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["ASGD"]


class ASGD(_ElementwiseOptimizer):
    r"""Averaged SGD (Polyak & Juditsky): SGD with a decaying step :math:`\eta_t` and a running average ``ax``.

    .. math::
        \theta_t &= \theta_{t-1}(1 - \lambda \eta_t) - \eta_t g_t, \qquad
        a_t = a_{t-1} + \mu_t (\theta_t - a_{t-1}) \\
        \eta_{t+1} &= \gamma / (1 + \lambda \gamma t)^\alpha, \qquad \mu_{t+1} = 1 / \max(1, t - t_0)

    State: ``step``, ``eta``, ``mu``, ``ax``.

    Example:
        >>> import tocha
        >>> from tocha.optim import ASGD
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([1.0])
        >>> ASGD([w], lr=0.1, lambd=0.0).step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr(lr)
        check_nonneg(weight_decay, "weight_decay value")
        self._check_common(foreach, differentiable, None, "ASGD")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("step", True, 0.0), ("eta", True, _as_float(group["lr"])), ("mu", True, 1.0), ("ax", False, 0.0)]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        lr, lambd = _as_float(g["lr"]), g["lambd"]
        if g["maximize"]:
            xp.negative(G, out=G)
        step = c.scalars["step"] = c.scalars["step"] + 1
        if g["weight_decay"] != 0:
            G += g["weight_decay"] * P
        eta, mu = c.scalars["eta"], c.scalars["mu"]
        P *= 1 - lambd * eta
        G *= eta
        P -= G
        ax = S["ax"]
        if mu != 1:
            xp.subtract(P, ax, out=G)
            G *= mu
            ax += G
        else:
            xp.copyto(ax, P)
        c.scalars["eta"] = lr / ((1 + lambd * lr * step) ** g["alpha"])
        c.scalars["mu"] = 1 / max(1, step - g["t0"])
