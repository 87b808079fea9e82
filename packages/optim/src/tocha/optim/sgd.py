"""Stochastic gradient descent (``torch.optim.SGD``)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

import tocha
from tocha import Tensor

from . import _cuda_kernels
from ._validate import check_lr, check_nonneg
from .optimizer import ParamsT, _as_float, _Ctx, _ElementwiseOptimizer, _FlatLayout, _xp

__all__ = ["SGD"]

_SUB = tocha.library.get_op("sub")


class SGD(_ElementwiseOptimizer):
    r"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay.

    With :math:`g_t` the gradient (negated when ``maximize``), :math:`\lambda` the weight decay,
    :math:`\mu` the momentum and :math:`\tau` the dampening:

    .. math::
        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        b_t &= g_t \text{ at the first step, else } \mu b_{t-1} + (1 - \tau) g_t \\
        g_t &\leftarrow g_t + \mu b_t \text{ (nesterov) or } b_t \\
        \theta_t &= \theta_{t-1} - \gamma g_t

    State: ``momentum_buffer`` (only when momentum is not 0).

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> w = tocha.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
        >>> w
        tensor([ 0.4600, -0.4600], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float | Any = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr(lr)
        check_nonneg(momentum, "momentum value")
        check_nonneg(weight_decay, "weight_decay value")
        self._check_common(foreach, differentiable, fused, "SGD")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        return [("momentum_buffer", False, 0.0)] if group["momentum"] != 0 else []

    def _reads_params(self, group: dict[str, Any]) -> bool:
        return bool(_as_float(group["weight_decay"]) != 0)

    @staticmethod
    def _plain_momentum(group: dict[str, Any]) -> bool:
        """Heavy-ball momentum without weight decay, dampening, Nesterov or maximize (the direct update's case)."""
        return bool(
            group["momentum"] != 0
            and group["dampening"] == 0
            and not group["nesterov"]
            and not group["maximize"]
            and _as_float(group["weight_decay"]) == 0
        )

    def _step_single(self, group: dict[str, Any], p: Tensor) -> None:
        st = self.state.get(p)
        buf_t = st.get("momentum_buffer") if st else None
        grad = cast(Tensor, p.grad)
        xp = _xp(p)
        if (
            buf_t is None
            or not self._plain_momentum(group)
            or buf_t.dtype != p.dtype
            or grad.dtype != p.dtype
            or buf_t.shape != p.shape
            or grad.shape != p.shape
            or buf_t.device != p.device
            or (xp is not np and _cuda_kernels.usable(xp, group, tocha.library.tensor_array(buf_t)))
        ):
            super()._step_single(group, p)
            return
        # b = mu b + g in the buffer's own array, then one in-place op on the parameter
        arr = tocha.library.tensor_array
        buf = arr(buf_t)
        buf *= group["momentum"]
        xp.add(buf, arr(grad), out=buf)
        delta = tocha.library.wrap_array(xp.multiply(buf, _as_float(group["lr"])), p.device)
        tocha.library.call_inplace(_SUB, p.device, p, (p, delta), ())

    def _direct_update(self, layout: _FlatLayout, group: dict[str, Any], params: list[Tensor], fresh: bool) -> Any:
        # plain heavy-ball momentum after the first step: the buffer takes each gradient straight from its
        # tensor, b = mu b + g, and D = lr b
        momentum = group["momentum"]
        if fresh or not self._plain_momentum(group):
            return None
        xp = layout.xp
        buf = layout.flats["momentum_buffer"]
        if xp is not np and _cuda_kernels.usable(xp, group, layout.grad_buffer, buf):
            return None  # one gather and _update's one launch instead (NOTE [ Fused optimizer kernels ])
        arr = tocha.library.tensor_array
        grads = [arr(cast(Tensor, p.grad)) for p in params]
        if any(g.dtype != buf.dtype for g in grads):
            return None
        buf *= momentum
        for g, o, n in zip(grads, layout.offsets, layout.sizes, strict=True):
            view = buf[o : o + n]
            xp.add(view, g.reshape(-1), out=view)
        if not layout.scratch:
            layout.scratch.append(xp.empty_like(buf))
        return xp.multiply(buf, _as_float(group["lr"]), out=layout.scratch[0])

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> Any:
        g = c.group
        xp = c.xp
        wd = _as_float(g["weight_decay"])
        momentum = g["momentum"]
        lr = _as_float(g["lr"])
        if xp is not np and _cuda_kernels.usable(xp, g, P, G, *S.values()):  # NOTE [ Fused optimizer kernels ]
            return _cuda_kernels.sgd(
                xp,
                P,
                c.scratch(0),
                G,
                S.get("momentum_buffer"),
                maximize=g["maximize"],
                weight_decay=wd,
                momentum=momentum,
                fresh=c.fresh,
                dampening=g["dampening"],
                nesterov=g["nesterov"],
                lr=lr,
            )
        if g["maximize"]:
            xp.negative(G, out=G)
        if wd != 0:
            G += wd * P
        if momentum != 0:
            buf = S["momentum_buffer"]
            if c.fresh:
                xp.copyto(buf, G)
            else:
                buf *= momentum
                if g["dampening"] != 0:
                    G_damped = xp.multiply(G, 1 - g["dampening"], out=c.scratch(0))
                    buf += G_damped
                else:
                    buf += G
            if g["nesterov"]:
                G += xp.multiply(buf, momentum, out=c.scratch(0))
            else:
                G = buf
        update = xp.multiply(G, lr, out=c.scratch(0))
        if P is None:
            return update
        P -= update
        return None
