"""Adagrad (``torch.optim.Adagrad``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _cuda_kernels
from ._validate import check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["Adagrad"]


class Adagrad(_ElementwiseOptimizer):
    r"""Adagrad (Duchi et al.), with learning-rate decay :math:`\eta` and an initial accumulator value.

    .. math::
        \tilde\gamma_t &= \gamma / (1 + (t - 1)\eta), \qquad s_t = s_{t-1} + g_t^2 \\
        \theta_t &= \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    State (created with the optimizer, as in PyTorch): ``step``, ``sum``.

    Example:
        >>> import tocha
        >>> from tocha.optim import Adagrad
        >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([2.0])
        >>> Adagrad([w], lr=0.1).step(); w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr(lr)
        check_nonneg(lr_decay, "lr_decay value")
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(initial_accumulator_value, "initial_accumulator_value value")
        check_nonneg(eps, "epsilon value")
        self._check_common(foreach, differentiable, fused, "Adagrad")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            spec = self._state_spec(group)
            for p in group["params"]:
                self._init_state(p, spec)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("step", True, 0.0), ("sum", False, float(group["initial_accumulator_value"]))]

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> None:
        g = c.group
        xp = c.xp
        step = c.scalars["step"] = c.scalars["step"] + 1
        clr = _as_float(g["lr"]) / (1 + (step - 1) * g["lr_decay"])
        if xp is not np and _cuda_kernels.usable(xp, g, P, G, *S.values()):  # NOTE [ Fused optimizer kernels ]
            _cuda_kernels.adagrad(
                xp, P, G, S["sum"], maximize=g["maximize"], weight_decay=g["weight_decay"], eps=g["eps"], clr=clr
            )
            return
        if g["maximize"]:
            xp.negative(G, out=G)
        if g["weight_decay"] != 0:
            G += g["weight_decay"] * P
        state_sum = S["sum"]
        tmp = xp.multiply(G, G, out=c.scratch(0))
        state_sum += tmp
        xp.sqrt(state_sum, out=tmp)
        tmp += g["eps"]
        xp.divide(G, tmp, out=tmp)
        tmp *= clr
        P -= tmp
