"""``tocha.amp``: automatic mixed precision (``autocast``) and dynamic loss scaling (``GradScaler``).

NOTE [ GradScaler ]
The scale and the growth tracker are 1-element tensors on the device of the first scaled output, made
lazily by :meth:`GradScaler.scale`. :meth:`GradScaler.unscale_` multiplies every gradient of an
optimizer by ``1 / scale`` in place and records, in a 1-element float32 tensor per device, whether any
gradient held an inf or NaN; nothing is read back to the host until :meth:`GradScaler.step`, which skips
``optimizer.step()`` when an inf was found (one host read per step, as in PyTorch).
:meth:`GradScaler.update` then halves the scale (``backoff_factor``) when any optimizer saw an inf, or
doubles it (``growth_factor``) after ``growth_interval`` clean steps in a row. The optimizer is
duck-typed: anything with ``param_groups`` (a list of dicts holding ``"params"``) and ``step()``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from ._autocast import autocast as autocast
from ._autocast import get_autocast_dtype as get_autocast_dtype
from ._autocast import is_autocast_enabled as is_autocast_enabled
from ._tensor_base import TensorBase

__all__ = [
    "autocast",
    "GradScaler",
    "custom_bwd",
    "custom_fwd",
    "is_autocast_available",
    "get_autocast_dtype",
    "is_autocast_enabled",
]


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` supports ``device_type`` (``'cpu'`` and ``'cuda'``).

    Example:
        >>> import tocha
        >>> tocha.amp.is_autocast_available("cpu")
        True
    """
    return device_type in ("cpu", "cuda")


class OptState(Enum):
    """Where an optimizer is in the scale → unscale → step → update cycle."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    """Dynamic loss scaling for mixed-precision training, as ``torch.amp.GradScaler``.

    Multiply the loss by a large factor before ``backward()`` so small float16 gradients do not
    underflow; unscale the gradients before the optimizer step, skip steps whose gradients hold
    inf/NaN, and adapt the factor (see NOTE [ GradScaler ] in ``tocha.amp``).

    Args:
        device: the device type of the scaled tensors (``'cuda'`` or ``'cpu'``).
        init_scale: the initial scale factor.
        growth_factor: multiplies the scale after ``growth_interval`` steps without inf/NaN (> 1).
        backoff_factor: multiplies the scale after a step with inf/NaN (< 1).
        growth_interval: clean steps between growths.
        enabled: False makes every method a no-op (``scale`` returns its input).

    Example:
        >>> import tocha
        >>> scaler = tocha.amp.GradScaler("cpu", init_scale=8.0)
        >>> scaler.scale(tocha.tensor(0.5))
        tensor(4.)
        >>> scaler.get_scale()
        8.0
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda":
            from . import cuda

            if not cuda.is_available():
                warnings.warn("tocha.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2)
                self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._scale: Any = None
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._growth_tracker: Any = None
        self._per_optimizer_states: dict[int, dict[str, Any]] = {}

    # ------------------------------------------------------------------ helpers

    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Any, Any]:
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev: Any) -> None:
        from ._dtype import float32, int32
        from ._ops.creation import full

        self._scale = full((), self._init_scale, dtype=float32, device=dev)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=int32, device=dev)

    def _state_of(self, optimizer: Any) -> dict[str, Any]:
        found = self._per_optimizer_states.get(id(optimizer))
        if found is None:
            found = self._per_optimizer_states[id(optimizer)] = _fresh_state()
        return found

    # ------------------------------------------------------------------ the cycle

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor or nested lists/tuples of tensors) multiplied by the scale factor.

        Example:
            >>> import tocha
            >>> tocha.amp.GradScaler("cpu", init_scale=4.0).scale([tocha.ones(1), (tocha.ones(1),)])
            [tensor([4.]), (tensor([4.]),)]
        """
        if not self._enabled:
            return outputs
        if isinstance(outputs, TensorBase):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs._device)
            return outputs * self._scale_on(outputs._device)  # type: ignore[operator]

        def apply(value: Any) -> Any:
            if isinstance(value, TensorBase):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(value._device)
                return value * self._scale_on(value._device)  # type: ignore[operator]
            if isinstance(value, (list, tuple)):
                mapped = [apply(v) for v in value]
                return type(value)(mapped) if isinstance(value, tuple) else mapped
            if isinstance(value, Iterable):
                return map(apply, value)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def _scale_on(self, dev: Any) -> Any:
        scale = self._scale
        return scale if scale._device is dev else scale.to(dev)

    def _unscale_grads(self, optimizer: Any, inv_scale: Any, found_inf: Any, allow_fp16: bool) -> dict[Any, Any]:
        from ._dtype import float16, float32
        from ._grad_mode import no_grad
        from ._ops.creation import zeros

        per_device: dict[Any, Any] = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = getattr(param, "grad", None)
                    if grad is None:
                        continue
                    if not allow_fp16 and grad._dtype is float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    dev = grad._device
                    flag = per_device.get(dev)
                    if flag is None:
                        flag = per_device[dev] = found_inf if found_inf._device is dev else zeros((), device=dev)
                    grad.mul_(inv_scale if inv_scale._device is dev else inv_scale.to(dev))
                    bad = grad.isfinite().logical_not().any()
                    flag.copy_(flag.maximum(bad.to(float32)))
        if not per_device:
            per_device[found_inf._device] = found_inf
        return per_device

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale in place (before clipping them, say).

        Called at most once per optimizer between :meth:`update` calls; :meth:`step` calls it when
        it has not been.

        Raises:
            RuntimeError: called twice for the same optimizer since the last :meth:`update`, or
                after :meth:`step`.

        Example:
            >>> import tocha
            >>> class Opt:  # any object with param_groups and step()
            ...     def __init__(self, params):
            ...         self.param_groups = [{"params": params}]
            >>> p = tocha.zeros(2); p.grad = tocha.tensor([8.0, 16.0])
            >>> scaler = tocha.amp.GradScaler("cpu", init_scale=8.0)
            >>> _ = scaler.scale(tocha.ones(1))
            >>> scaler.unscale_(Opt([p])); p.grad
            tensor([1., 2.])
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._state_of(optimizer)
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from ._dtype import float32, float64
        from ._ops.creation import zeros

        inv_scale = self._scale.to(float64).reciprocal().to(float32)
        found_inf = zeros((), dtype=float32, device=self._scale._device)
        state["found_inf_per_device"] = self._unscale_grads(optimizer, inv_scale, found_inf, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale the gradients if needed, then run ``optimizer.step(*args, **kwargs)`` unless they hold inf/NaN.

        Returns:
            What ``optimizer.step`` returned, or None when the step was skipped.

        Example:
            >>> import tocha
            >>> class Opt:
            ...     def __init__(self, params):
            ...         self.param_groups = [{"params": params}]
            ...         self.steps = 0
            ...     def step(self):
            ...         self.steps += 1
            >>> p = tocha.zeros(1); opt = Opt([p])
            >>> scaler = tocha.amp.GradScaler("cpu", init_scale=4.0)
            >>> _ = scaler.scale(tocha.ones(1))
            >>> p.grad = tocha.tensor([float("inf")])
            >>> scaler.step(opt); scaler.update()
            >>> opt.steps, scaler.get_scale()
            (0, 2.0)
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._state_of(optimizer)
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(float(v.item()) for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Any | None = None) -> None:
        """Adapt the scale factor after the iteration's optimizer steps (or set it to ``new_scale``).

        Example:
            >>> import tocha
            >>> scaler = tocha.amp.GradScaler("cpu")
            >>> _ = scaler.scale(tocha.ones(1))
            >>> scaler.update(new_scale=1024.0); scaler.get_scale()
            1024.0
        """
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, (int, float)) and not isinstance(new_scale, bool):
                scale.fill_(float(new_scale))
            else:
                reason = (
                    "new_scale should be a float or a 1-element tocha.cuda.FloatTensor or tocha.FloatTensor with "
                    "requires_grad=False."
                )
                if not isinstance(new_scale, TensorBase):
                    raise AssertionError(reason)
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                scale.copy_(new_scale.reshape(()))  # type: ignore[attr-defined]
        else:
            found_infs = [
                found_inf
                for state in self._per_optimizer_states.values()
                for found_inf in state["found_inf_per_device"].values()
            ]
            if not found_infs:
                raise AssertionError("No inf checks were recorded prior to update.")
            combined = found_infs[0]
            for other in found_infs[1:]:
                combined = combined + other.to(combined._device)
            self._update_scale(scale, tracker, combined)
        self._per_optimizer_states = {}

    def _update_scale(self, scale: Any, tracker: Any, found_inf: Any) -> None:
        # The arithmetic of PyTorch's _amp_update_scale_, kept on the device (no host read).
        from ._grad_mode import no_grad
        from ._ops.elementwise import where

        with no_grad():
            bad = found_inf > 0
            grown = tracker + 1
            grow = grown >= self._growth_interval
            candidate = scale * self._growth_factor
            grown_scale = where(grow & candidate.isfinite(), candidate, scale)
            scale.copy_(where(bad, scale * self._backoff_factor, grown_scale))
            tracker.copy_(where(bad | grow, 0, grown))

    # ------------------------------------------------------------------ accessors

    def get_scale(self) -> float:
        """The current scale factor as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after an inf/NaN step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale shrinks by."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """Clean steps between two growths."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the number of clean steps between two growths."""
        self._growth_interval = int(new_interval)

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())

    def is_enabled(self) -> bool:
        """Whether the scaler is active."""
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state: scale, factors, interval and growth tracker (empty when disabled).

        Example:
            >>> import tocha
            >>> tocha.amp.GradScaler("cpu").state_dict()["scale"]
            65536.0
        """
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`.

        Raises:
            RuntimeError: ``state_dict`` is empty (saved by a disabled scaler).
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale.fill_(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(self._init_growth_tracker)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise RuntimeError(
                    "A GradScaler instance may only be pickled at the beginning of an iteration, or at the end after "
                    "scaler.update()."
                )
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


# ------------------------------------------------------------------ custom autograd Functions under autocast


def _cast_floating(value: Any, device_type: str, target: Any) -> Any:
    """``value`` with its floating tensors on ``device_type`` (float64 excepted) cast to ``target``; containers
    (lists, tuples, dicts) rebuilt around their cast items, anything else as it is."""
    if isinstance(value, TensorBase):
        eligible = value.is_floating_point() and value.device.type == device_type and value.dtype.itemsize < 8
        return value.to(target) if eligible else value  # type: ignore[attr-defined]
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {k: _cast_floating(v, device_type, target) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_cast_floating(v, device_type, target) for v in value]
        return type(value)(items) if not hasattr(value, "_fields") else type(value)(*items)
    return value


def custom_fwd(
    fwd: Callable[..., Any] | None = None, *, device_type: str, cast_inputs: Any = None
) -> Callable[..., Any]:
    """Decorate the ``forward`` of a custom ``tocha.autograd.Function`` for autocast regions.

    The autocast state ``forward`` runs under is kept on its ``ctx`` for :func:`custom_bwd`. With
    ``cast_inputs`` (a dtype), inside an autocast region of ``device_type`` the floating tensors among the
    arguments (float64 excepted) are cast to it and ``forward`` runs with autocast off; outside a region
    it is a no-op.

    Example (as a Function's ``forward(ctx, ...)``; here with a stand-in ``ctx``):
        >>> import tocha
        >>> class Ctx:
        ...     pass
        >>> square = tocha.amp.custom_fwd(lambda ctx, x: x * x, device_type="cpu", cast_inputs=tocha.float32)
        >>> with tocha.autocast("cpu"):
        ...     square(Ctx(), tocha.ones(2, dtype=tocha.bfloat16)).dtype
        tocha.float32
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    forward = fwd

    @functools.wraps(forward)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        in_region = is_autocast_enabled(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = in_region
            return forward(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not in_region:
            return forward(*args, **kwargs)
        with autocast(device_type, enabled=False):
            return forward(
                *_cast_floating(args, device_type, cast_inputs), **_cast_floating(kwargs, device_type, cast_inputs)
            )

    return decorated


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Callable[..., Any]:
    """Decorate the ``backward`` of a custom Function whose ``forward`` has :func:`custom_fwd`: it runs under the
    autocast state ``forward`` ran under (example at :func:`custom_fwd`).

    Example:
        >>> import tocha
        >>> double = tocha.amp.custom_bwd(lambda ctx, g: 2 * g, device_type="cpu")
        >>> class Ctx:
        ...     _fwd_used_autocast, _dtype = False, tocha.bfloat16
        >>> double(Ctx(), tocha.ones(1))
        tensor([2.])
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    backward = bwd

    @functools.wraps(backward)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        with autocast(device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return backward(*args, **kwargs)

    return decorated
