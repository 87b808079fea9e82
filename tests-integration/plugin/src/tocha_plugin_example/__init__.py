"""A third-party tocha plugin: a NumPy-backed fake accelerator and one new differentiable op.

Everything here goes through tocha's public extension interface, ``tocha.library``:

- :class:`FakeAcceleratorBackend` is the device type ``fakeaccel``. The package declares it in the
  ``tocha.backends`` entry-point group, so ``tocha.ones(3, device="fakeaccel")`` finds it without importing this
  package first. Its memory is NumPy arrays; moving a tensor on or off it copies, and it counts those copies.
- :func:`smooth_abs` is the op ``plugin_example_smooth_abs``, ``sqrt(x**2 + eps)`` (a differentiable ``abs``),
  registered with its vjp (written with tocha ops, so it is differentiable again) and its test metadata, so
  ``tocha.testing`` checks its forward against NumPy and its vjp against finite differences.

This package is an integration-test fixture of the tocha monorepo, not a published plugin.

Example:
    >>> import tocha
    >>> from tocha_plugin_example import smooth_abs
    >>> smooth_abs(tocha.tensor([-3.0, 0.0, 4.0], device="fakeaccel"), eps=0.0)
    tensor([3., 0., 4.], device='fakeaccel:0')
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

import tocha
from tocha.library import Backend, OpRecord, OpTest, VjpContext, call, register_op

__all__ = ["FakeAcceleratorBackend", "SMOOTH_ABS", "smooth_abs"]


class FakeAcceleratorBackend(Backend):
    """Device type ``fakeaccel``: two "devices" whose memory is NumPy arrays; host transfers copy and are counted."""

    name = "fakeaccel"

    def __init__(self) -> None:
        self.host_to_device_bytes = 0
        self.device_to_host_bytes = 0
        self.synchronized = 0

    @property
    def xp(self) -> types.ModuleType:
        """NumPy: the fake accelerator's arrays are NumPy arrays."""
        return np

    def device_count(self) -> int:
        """Two fake devices."""
        return 2

    def synchronize(self, index: int | None = None) -> None:
        """Nothing is queued; count the call."""
        self.synchronized += 1

    def memory_stats(self, index: int | None = None) -> dict[str, int]:
        """Bytes copied to and from the host so far."""
        return {"host_to_device_bytes": self.host_to_device_bytes, "device_to_host_bytes": self.device_to_host_bytes}

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        """A copy, as a real accelerator's transfer would be."""
        self.device_to_host_bytes += array.nbytes
        return np.array(array, copy=True)

    def from_host(self, array: np.ndarray[Any, Any], index: int | None) -> Any:
        """A copy, as a real accelerator's transfer would be."""
        self.host_to_device_bytes += array.nbytes
        return np.array(array, copy=True)

    def new_bit_generator(self, seed: int) -> Any:
        """The fake device's own random generator (Philox, unlike the CPU's PCG64)."""
        return np.random.Generator(np.random.Philox(seed))


def _smooth_abs_forward(xp: Any, x: Any, eps: float) -> Any:
    return xp.sqrt(x * x + xp.asarray(eps, dtype=x.dtype))


def _smooth_abs_vjp(ctx: VjpContext, grad: tocha.Tensor) -> tuple[tocha.Tensor]:
    # d/dx sqrt(x^2 + eps) = x / sqrt(x^2 + eps): the saved input over the saved result, in tocha ops.
    (x,) = ctx.inputs
    return (grad * x / ctx.result,)


def _smooth_abs_samples(device: Any, dtype: tocha.dtype) -> list[Any]:
    from tocha.testing import SampleInput, make_tensor

    return [
        SampleInput(make_tensor((3, 4), dtype=dtype, device=device), params=(1e-3,), name="matrix"),
        SampleInput(make_tensor((5,), dtype=dtype, device=device)[::2], params=(0.5,), name="strided"),
        SampleInput(make_tensor((), dtype=dtype, device=device), params=(0.1,), name="0-dim"),
        SampleInput(make_tensor((0, 3), dtype=dtype, device=device), params=(0.1,), name="empty"),
    ]


def _smooth_abs_reference(x: np.ndarray[Any, Any], eps: float) -> np.ndarray[Any, Any]:
    return np.sqrt(x * x + eps)


SMOOTH_ABS = register_op(
    OpRecord(
        name="plugin_example_smooth_abs",
        forward=_smooth_abs_forward,
        vjp=_smooth_abs_vjp,
        saves_inputs=(0,),
        saves_result=True,
        dtypes=(tocha.float32, tocha.float64),
        test=OpTest(samples=_smooth_abs_samples, reference=_smooth_abs_reference),
    )
)


def smooth_abs(input: tocha.Tensor, eps: float = 1e-3) -> tocha.Tensor:
    r"""A differentiable absolute value, :math:`\sqrt{x^2 + \epsilon}`, elementwise.

    Args:
        input: a float32 or float64 tensor, on any device.
        eps: the smoothing :math:`\epsilon \ge 0` (0 gives ``abs``, whose gradient is undefined at 0).

    Returns:
        A tensor of ``input``'s shape, dtype and device.

    Example:
        >>> import tocha
        >>> from tocha_plugin_example import smooth_abs
        >>> smooth_abs(tocha.tensor([-3.0, 4.0]), eps=0.0)
        tensor([3., 4.])
    """
    if eps < 0:
        raise ValueError(f"smooth_abs(): eps must be >= 0, got {eps}")
    result: tocha.Tensor = call(SMOOTH_ABS, input.device, (input,), (float(eps),))
    return result
