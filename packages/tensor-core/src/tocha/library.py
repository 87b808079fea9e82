"""The extension interface: op records, the dispatcher, dispatch layers and backends.

Third-party packages use these names to add ops (with their vjp and test
metadata), add device types, and interpose on every op call (tracing,
profiling, autograd). See ARCHITECTURE.md §3 and NOTE [ Dispatch ].

Example:
    >>> import tocha
    >>> from tocha.library import OpRecord, register_op, call
    >>> def _forward(xp, a):
    ...     return xp.square(a) + 1
    >>> square_plus_one = register_op(OpRecord(name="doc_square_plus_one", forward=_forward))
    >>> call(square_plus_one, tocha.device("cpu"), (tocha.tensor([1.0, 2.0]),), ())
    tensor([2., 5.])
"""

import contextlib as _contextlib

from ._autocast import allows_mixed as autocast_allows_mixed
from ._autograd_support import autograd_meta as autograd_meta
from ._autograd_support import autograd_state as autograd_state
from ._autograd_support import increment_version as increment_version
from ._autograd_support import is_tensor_like as is_tensor_like
from ._autograd_support import set_autograd_meta as set_autograd_meta
from ._autograd_support import set_history as set_history
from ._autograd_support import tensor_array as tensor_array
from ._autograd_support import tensor_version as tensor_version
from ._autograd_support import view_base as view_base
from ._backend import Backend as Backend
from ._backend import CpuBackend as CpuBackend
from ._backend import CudaBackend as CudaBackend
from ._backend import get_backend as get_backend
from ._backend import register_backend as register_backend
from ._device_checks import device_check as device_check
from ._device_checks import raise_deferred_checks as raise_deferred_checks
from ._dispatch import DispatchLayer as DispatchLayer
from ._dispatch import OpCall as OpCall
from ._dispatch import OpRecord as OpRecord
from ._dispatch import OpTest as OpTest
from ._dispatch import VjpContext as VjpContext
from ._dispatch import call as call
from ._dispatch import call_inplace as call_inplace
from ._dispatch import get_op as get_op
from ._dispatch import pop_layer as pop_layer
from ._dispatch import push_layer as push_layer
from ._dispatch import register_op as register_op
from ._dispatch import registered_ops as registered_ops
from ._dispatch import run_kernel as run_kernel
from ._dispatch import run_kernel_direct as run_kernel_direct
from ._dispatch import set_gradient_layer as set_gradient_layer
from ._forward_helpers import cached_zeros_like as cached_zeros_like
from ._forward_helpers import promote_0d as promote_0d
from ._gemm import gemm as gemm
from ._gemm import gemm_batched as gemm_batched
from ._gemm import sum_rows as sum_rows
from ._kernels import generic_forward as generic_forward
from ._kernels import register_kernel as register_kernel
from ._ops._common import type_name as scalar_type_name
from ._ops._scalar_fits import check_scalar_fits as check_scalar_fits
from ._ops.activation import masked_gradient as masked_gradient
from ._shared_memory import SharedMapping as SharedMapping
from ._shared_memory import get_shared_memory_allocator as get_shared_memory_allocator
from ._shared_memory import set_shared_memory_allocator as set_shared_memory_allocator
from ._shared_memory import shared_mapping_of as shared_mapping_of
from ._tensor_base import values_to_check as values_to_check
from ._tensor_base import wrap as wrap_array
from ._vmap import batching_rule_of as batching_rule_of
from ._vmap import loop as per_entry_batching_rule
from ._vmap import register_batching_rule as register_batching_rule
from ._vmap import unwrap_batched as unwrap_batched
from ._vmap import wrap_batched as wrap_batched
from ._vmap_rules import pointwise as pointwise_batching_rule

__all__ = [
    "autograd_meta",
    "autocast_allows_mixed",
    "is_tensor_like",
    "autograd_state",
    "set_autograd_meta",
    "set_history",
    "tensor_array",
    "tensor_version",
    "increment_version",
    "view_base",
    "Backend",
    "CpuBackend",
    "CudaBackend",
    "DispatchLayer",
    "batching_rule_of",
    "per_entry_batching_rule",
    "pointwise_batching_rule",
    "register_batching_rule",
    "unwrap_batched",
    "wrap_batched",
    "OpCall",
    "OpRecord",
    "OpTest",
    "VjpContext",
    "call",
    "call_inplace",
    "get_backend",
    "device_check",
    "raise_deferred_checks",
    "get_op",
    "pop_layer",
    "push_layer",
    "register_backend",
    "register_op",
    "register_kernel",
    "generic_forward",
    "cached_zeros_like",
    "gemm",
    "masked_gradient",
    "scalar_type_name",
    "gemm_batched",
    "sum_rows",
    "promote_0d",
    "registered_ops",
    "run_kernel",
    "run_kernel_direct",
    "set_gradient_layer",
    "SharedMapping",
    "get_shared_memory_allocator",
    "set_shared_memory_allocator",
    "shared_mapping_of",
    "wrap_array",
    "values_to_check",
    "check_scalar_fits",
]

for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__"):
        with _contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "tocha.library"
del _name, _obj
