"""``DataParallel``: PyTorch's single-process data parallelism, as a compatible wrapper.

Code written for ``nn.DataParallel(model)`` runs unchanged: the wrapper holds the model as ``.module`` (state
dict keys gain the ``module.`` prefix, as in PyTorch), moves the inputs to ``device_ids[0]``, runs the model
there and moves the outputs to ``output_device``. Without CUDA it calls the model directly, as PyTorch does.
tocha does not split the batch over several GPUs: with more than one device id every step runs on the first
(same results, no speed-up; a warning says so once). For several GPUs, run one process per device.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import tocha

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _device_index(device: int | tocha.device | str) -> int:
    if isinstance(device, int):
        return device
    d = tocha.device(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return d.index if d.index is not None else tocha.cuda.current_device()


def _to(value: Any, device: tocha.device) -> Any:
    """``value`` with every tensor in it (tuples, lists, dicts) moved to ``device``."""
    if isinstance(value, tocha.Tensor):
        return value.to(device)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(_to(v, device) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_to(v, device) for v in value)
    if isinstance(value, dict):
        return type(value)((k, _to(v, device)) for k, v in value.items())
    return value


class DataParallel(Module):
    """Run ``module`` on ``device_ids[0]`` (see the module docstring: no multi-GPU split in tocha).

    Args:
        module: the model.
        device_ids: CUDA devices (default: all); only the first computes.
        output_device: where outputs go (default: ``device_ids[0]``).
        dim: the batch dimension (kept for PyTorch's signature).

    Example:
        >>> import tocha, tocha.nn as nn
        >>> model = nn.DataParallel(nn.Linear(2, 3))
        >>> model(tocha.ones(4, 2)).shape, list(model.state_dict())
        (tocha.Size([4, 3]), ['module.weight', 'module.bias'])
    """

    _warned = False

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[int | tocha.device] | None = None,
        output_device: int | tocha.device | None = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        self.module = module
        self.dim = dim
        if not tocha.cuda.is_available():
            self.device_ids: list[int] = []
            return
        ids = list(range(tocha.cuda.device_count())) if device_ids is None else list(device_ids)
        if not ids:
            raise ValueError("DataParallel: device_ids is empty")
        self.device_ids = [_device_index(d) for d in ids]
        self.output_device = _device_index(ids[0] if output_device is None else output_device)
        self.src_device_obj = tocha.device("cuda", self.device_ids[0])
        if len(self.device_ids) > 1 and not DataParallel._warned:
            DataParallel._warned = True
            warnings.warn(
                f"DataParallel: tocha runs the whole batch on {self.src_device_obj} (device_ids[0]); the other "
                "devices stay idle. Run one process per GPU to use several.",
                UserWarning,
                stacklevel=2,
            )
        self.module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in itertools.chain(self.module.parameters(), self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(
                    f"module must have its parameters and buffers on device {self.src_device_obj} (device_ids[0]) "
                    f"but found one of them on device: {t.device}"
                )
        outputs = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
        return _to(outputs, tocha.device("cuda", self.output_device))


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[int | tocha.device] | None = None,
    output_device: int | tocha.device | None = None,
    dim: int = 0,
    module_kwargs: dict[str, Any] | None = None,
) -> Any:
    """The functional :class:`DataParallel`: ``module(*inputs, **module_kwargs)`` on ``device_ids[0]``.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.parallel import data_parallel
        >>> data_parallel(nn.Identity(), tocha.ones(2)).tolist()
        [1.0, 1.0]
    """
    arguments = inputs if isinstance(inputs, tuple) else (inputs,)
    keywords = {} if module_kwargs is None else module_kwargs
    if not tocha.cuda.is_available():
        return module(*arguments, **keywords)
    ids = list(range(tocha.cuda.device_count())) if device_ids is None else list(device_ids)
    device = tocha.device("cuda", _device_index(ids[0]))
    target = tocha.device("cuda", _device_index(ids[0] if output_device is None else output_device))
    for t in itertools.chain(module.parameters(), module.buffers()):
        if t.device != device:
            raise RuntimeError(
                f"module must have its parameters and buffers on device {device} (device_ids[0]) but found one of "
                f"them on device: {t.device}"
            )
    return _to(module(*_to(arguments, device), **_to(keywords, device)), target)
