"""``torch.utils.dlpack``: ``from_dlpack``, the legacy capsule ``to_dlpack`` and the DLPack device codes.

Example:
    >>> import numpy as np
    >>> from tocha.utils.dlpack import DLDeviceType, from_dlpack
    >>> from_dlpack(np.arange(3.0))
    tensor([0., 1., 2.], dtype=tocha.float64)
    >>> int(DLDeviceType.kDLCUDA)
    2
"""

from __future__ import annotations

import enum

from .._dlpack import from_dlpack, to_dlpack

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """The device codes of the DLPack standard (``__dlpack_device__()[0]``)."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17
