"""Muon (``torch.optim.Muon``): momentum orthogonalized by Newton-Schulz iterations, for 2-D weights."""

from __future__ import annotations

import math
from typing import Any

import tocha
from tocha import Tensor

from .optimizer import ParamsT, _as_float, _GroupwiseOptimizer

__all__ = ["Muon"]

_ADJUSTMENTS = (None, "original", "match_rms_adamw")


def _orthogonalize(update: Tensor, coefficients: tuple[float, float, float], steps: int, eps: float) -> Tensor:
    """``steps`` Newton-Schulz iterations ``X <- a X + (b A + c A²) X`` (``A = X Xᵀ``) from ``update / ||update||``:
    they drive the singular values towards 1, keeping the singular vectors. Computed in bfloat16 (as PyTorch),
    on the wide orientation (``X Xᵀ`` the smaller Gram matrix)."""
    a, b, c = coefficients
    tall = update.shape[0] > update.shape[1]
    x = update.to(tocha.bfloat16)
    if tall:
        x = x.T
    x = x / x.norm().clamp(min=eps)
    # each product accumulates in float32 and is rounded to bfloat16 once, as a bfloat16 GEMM does
    wide = tocha.float32
    for _ in range(steps):
        x32 = x.to(wide)
        gram = (x32 @ x32.T).to(tocha.bfloat16).to(wide)
        polynomial = tocha.addmm(gram, gram, gram, beta=b, alpha=c).to(tocha.bfloat16).to(wide)
        x = tocha.addmm(x32, polynomial, x32, beta=a).to(tocha.bfloat16)
    return x.T if tall else x


def _adjusted_lr(lr: float, adjustment: str | None, shape: tuple[int, ...]) -> float:
    rows, columns = shape[:2]
    if adjustment is None or adjustment == "original":
        return lr * math.sqrt(max(1.0, rows / columns))
    return lr * 0.2 * math.sqrt(max(rows, columns))  # "match_rms_adamw": the update's RMS of AdamW's


class Muon(_GroupwiseOptimizer):
    r"""Muon: SGD momentum whose update matrix is orthogonalized (Newton-Schulz), for the 2-D weights of hidden
    layers (optimize biases, embeddings and heads with AdamW).

    .. math::
        B_t &= \mu B_{t-1} + (1 - \mu) g_t, \qquad
        \tilde B_t = \begin{cases} (1 - \mu) g_t + \mu B_t & \text{nesterov} \\ B_t & \text{otherwise} \end{cases} \\
        O_t &= \mathrm{NS}^{(a,b,c)}_k(\tilde B_t), \qquad
        \theta_t = (1 - \gamma\lambda)\,\theta_{t-1} - \gamma' O_t

    :math:`\gamma'` is the learning rate adjusted to the weight's shape :math:`A \times B`:
    :math:`\gamma\sqrt{\max(1, A/B)}` (``adjust_lr_fn="original"``, Keller Jordan's) or
    :math:`0.2\,\gamma\sqrt{\max(A, B)}` (``"match_rms_adamw"``, Moonshot's, to reuse AdamW's settings).
    State: ``momentum_buffer``.

    Example:
        >>> import tocha
        >>> from tocha.optim import Muon
        >>> w = tocha.eye(2, requires_grad=True); w.grad = tocha.tensor([[1.0, 0.0], [0.0, 2.0]])
        >>> Muon([w], lr=0.1, weight_decay=0.0).step(); w
        tensor([[0.8883, 0.0000],
                [0.0000, 0.9309]], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
        eps: float = 1e-07,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for name, value in (("Learning rate", _as_float(lr)), ("weight decay", weight_decay), ("momentum", momentum)):
            if not value >= 0.0:
                raise ValueError(f"{name} should be >= 0 but is: {value if name != 'Learning rate' else lr}")
        if adjust_lr_fn not in _ADJUSTMENTS:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "nesterov": nesterov,
            "ns_coefficients": ns_coefficients,
            "eps": eps,
            "ns_steps": ns_steps,
            "adjust_lr_fn": adjust_lr_fn,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.dim() != 2:
                    raise ValueError(
                        f"Muon only supports 2D parameters whereas we found a parameter with size: {p.size()}"
                    )

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, weight_decay, momentum = _as_float(group["lr"]), group["weight_decay"], group["momentum"]
        steps, coefficients = group["ns_steps"], tuple(group["ns_coefficients"])
        if steps >= 100:
            raise ValueError("Number of steps must be less than 100 for computational efficiency")
        if len(coefficients) != 3:
            raise ValueError("Coefficients must be a tuple of exactly 3 values")
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.is_complex():
                raise RuntimeError("Muon does not support complex parameters")
            grad = p.grad
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = tocha.zeros_like(grad)
            buffer = state["momentum_buffer"]
            buffer.lerp_(grad, 1 - momentum)
            update = grad.lerp(buffer, momentum) if group["nesterov"] else buffer
            orthogonal = _orthogonalize(update, coefficients, steps, group["eps"])
            p.mul_(1 - lr * weight_decay)
            p.add_(orthogonal.to(p.dtype), alpha=-_adjusted_lr(lr, group["adjust_lr_fn"], tuple(p.shape)))
