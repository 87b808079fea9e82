"""Adafactor (``torch.optim.Adafactor``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tocha
from tocha import Tensor

from .optimizer import ParamsT, _as_float, _GroupwiseOptimizer

__all__ = ["Adafactor"]


class Adafactor(_GroupwiseOptimizer):
    r"""Adafactor: Adam-like steps with a factored second moment and relative step sizes.

    For a parameter with two or more dimensions the second moment is kept as a row factor :math:`R` and a column
    factor :math:`C` over its last two dimensions; a vector keeps a full second moment :math:`V`. At step
    :math:`t`, with :math:`\hat\beta_{2,t} = 1 - t^{\tau}` (``beta2_decay`` :math:`\tau`),
    :math:`\rho_t = \min(\gamma, 1/\sqrt t)` and :math:`\alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\rho_t`:

    .. math::
        \theta &\leftarrow \theta (1 - \gamma\lambda) \\
        R_t &= \hat\beta_{2,t} R_{t-1} + (1 - \hat\beta_{2,t})\,\mathrm{mean}_{-1}(g_t^2), \qquad
        C_t = \hat\beta_{2,t} C_{t-1} + (1 - \hat\beta_{2,t})\,\mathrm{mean}_{-2}(g_t^2) \\
        \hat V_t &= \frac{R_t C_t}{\max(\mathrm{mean}_{-2}(R_t), \epsilon_1)}
            \quad\text{(or } V_t = \hat\beta_{2,t} V_{t-1} + (1 - \hat\beta_{2,t}) g_t^2 \text{ for vectors)} \\
        U_t &= \frac{g_t}{\sqrt{\max(\hat V_t, \epsilon_1^2)}}, \qquad
        \theta_t = \theta - \frac{\alpha_t}{\max(1, \mathrm{RMS}(U_t) / d)} U_t

    :math:`\epsilon_1` defaults (``eps[0] = None``) to the machine epsilon of the parameter's dtype.
    State: ``step`` and either ``row_var``/``col_var`` or ``variance``.

    Args:
        params: parameters or parameter groups.
        lr: the relative step size :math:`\gamma` (an upper bound on :math:`\rho_t`).
        beta2_decay: :math:`\tau \le 0`.
        eps: :math:`(\epsilon_1, \epsilon_2)`.
        d: the update clipping threshold (``>= 1``).
        weight_decay: decoupled weight decay :math:`\lambda`.
        foreach: accepted for PyTorch compatibility (one path here).
        maximize: ascend instead of descend.

    Example:
        >>> import tocha
        >>> from tocha.optim import Adafactor
        >>> w = tocha.tensor([1.0, 2.0], requires_grad=True); w.grad = tocha.tensor([1.0, -1.0])
        >>> Adafactor([w]).step(); w
        tensor([0.9842, 2.0158], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not _as_float(lr) >= 0.0:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not beta2_decay <= 0.0:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not eps[0] >= 0.0:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not eps[1] >= 0.0:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not d >= 1.0:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not weight_decay >= 0.0:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict[str, Any]) -> None:
        eps1, eps2 = group["eps"]
        lr = _as_float(group["lr"])
        d, weight_decay, beta2_decay = group["d"], group["weight_decay"], group["beta2_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = tocha.tensor(0.0)
                if grad.dim() > 1:
                    state["row_var"] = tocha.zeros(*grad.shape[:-1], 1, dtype=grad.dtype, device=grad.device)
                    col_shape = (*grad.shape[:-2], 1, grad.shape[-1])
                    state["col_var"] = tocha.zeros(*col_shape, dtype=grad.dtype, device=grad.device)
                else:
                    state["variance"] = tocha.zeros_like(grad)
            if eps1 is None:
                # As PyTorch: the first parameter's dtype fixes the default for the rest of the group.
                eps1 = float(np.finfo(str(p.dtype).removeprefix("tocha.")).eps)
            step_t = state["step"]
            step_t += 1
            step = float(step_t.item())
            one_minus_beta2 = step**beta2_decay
            rho = min(lr, 1 / math.sqrt(step))
            # max(eps2, rms(p)) * rho and the update's clipping below stay on the device: no host wait per step
            alpha = (p.norm(2) / math.sqrt(p.numel())).clamp(min=eps2) * rho
            if weight_decay != 0:
                p.mul_(1 - lr * weight_decay)
            if grad.dim() > 1:
                row_var, col_var = state["row_var"], state["col_var"]
                row_var.lerp_((grad * grad).mean(dim=-1, keepdim=True), one_minus_beta2)
                col_var.lerp_((grad * grad).mean(dim=-2, keepdim=True), one_minus_beta2)
                var_estimate = row_var @ col_var
                var_estimate = var_estimate / row_var.mean(dim=-2, keepdim=True).clamp(min=eps1)
            else:
                variance = state["variance"]
                variance.lerp_(grad * grad, one_minus_beta2)
                var_estimate = variance.clone()
            update = var_estimate.clamp(min=eps1 * eps1).rsqrt() * grad
            denom = (update.norm(2) / (math.sqrt(update.numel()) * d)).clamp(min=1.0)
            p.sub_(update * (alpha / denom))
