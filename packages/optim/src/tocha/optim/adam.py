"""Adam and AdamW (``torch.optim.Adam``, ``torch.optim.AdamW``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _cuda_kernels
from ._validate import check_betas, check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer

__all__ = ["Adam", "AdamW"]


class Adam(_ElementwiseOptimizer):
    r"""Adam (Kingma & Ba), with AMSGrad, L2 or decoupled weight decay and ``maximize``.

    .. math::
        g_t &\leftarrow g_t + \lambda \theta_{t-1}
            \quad (\text{or } \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda) \text{ if decoupled}) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ (amsgrad) else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    State: ``step`` (a 0-dim tensor), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.

    Example:
        >>> import tocha
        >>> from tocha.optim import Adam
        >>> w = tocha.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Adam([w], lr=0.1)
        >>> opt.zero_grad(); (w * w).sum().backward(); opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-3,
        betas: tuple[float | Any, float | Any] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        self._check_common(foreach, differentiable, fused, type(self).__name__)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        spec = [("step", True, 0.0), ("exp_avg", False, 0.0), ("exp_avg_sq", False, 0.0)]
        if group["amsgrad"]:
            spec.append(("max_exp_avg_sq", False, 0.0))
        return spec

    def _reads_params(self, group: dict[str, Any]) -> bool:
        return bool(group["weight_decay"] != 0)

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> Any:
        g = c.group
        xp = c.xp
        lr = _as_float(g["lr"])
        beta1, beta2 = (_as_float(b) for b in g["betas"])
        wd = g["weight_decay"]
        step = c.scalars["step"] = c.scalars["step"] + 1
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        if xp is not np and _cuda_kernels.usable(xp, g, P, G, *S.values()):  # NOTE [ Fused optimizer kernels ]
            decoupled = g["decoupled_weight_decay"]
            return _cuda_kernels.adam(
                xp,
                P,
                c.scratch(0),
                G,
                S,
                maximize=g["maximize"],
                wd_mode=0 if wd == 0 else 2 if decoupled else 1,
                decay=1 - lr * wd if decoupled else wd,
                beta1=beta1,
                beta2=beta2,
                eps=g["eps"] * bias_correction2_sqrt,
                scale=step_size * bias_correction2_sqrt,
            )
        if g["maximize"]:
            xp.negative(G, out=G)
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
        if g["amsgrad"]:
            v = xp.maximum(S["max_exp_avg_sq"], v, out=S["max_exp_avg_sq"])
        # m / (sqrt(v) / c + eps) computed as c m / (sqrt(v) + eps c): one pass fewer over the group
        xp.sqrt(v, out=tmp)
        tmp += g["eps"] * bias_correction2_sqrt
        xp.divide(m, tmp, out=tmp)
        tmp *= step_size * bias_correction2_sqrt
        if P is None:
            return tmp
        P -= tmp
        return None


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): :math:`\theta \leftarrow \theta(1 - \gamma\lambda)`
    before the Adam step; the same as ``Adam(..., decoupled_weight_decay=True)`` with weight decay 0.01 by default.

    Example:
        >>> import tocha
        >>> from tocha.optim import AdamW
        >>> w = tocha.tensor([1.0], requires_grad=True)
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = tocha.tensor([1.0]); opt.step(); w
        tensor([0.8500], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-3,
        betas: tuple[float | Any, float | Any] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
