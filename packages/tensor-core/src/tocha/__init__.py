__path__ = __import__("pkgutil").extend_path(__path__, __name__)

"""tocha: PyTorch's programming model on NumPy (CPU) and CuPy (CUDA).

This is ``tocha-tensor-core``: tensors, dtypes, devices and ops, usable on
its own as a NumPy substitute with PyTorch's API. Autograd, ``nn``,
``optim``, data loading, multiprocessing and ONNX export are separate
distributions that extend the ``tocha`` namespace.

Example:
    >>> import tocha
    >>> x = tocha.arange(6, dtype=tocha.float32).reshape(2, 3)
    >>> (x * 2 + 1).sum(dim=1)
    tensor([ 9., 27.])
"""

from . import _dtype, _malloc
from . import amp as amp
from . import compiler as compiler
from . import cuda as cuda
from . import fft as fft
from . import library as library
from . import linalg as linalg
from . import random as random
from . import special as special
from ._autocast import autocast as autocast
from ._autocast import get_autocast_dtype as get_autocast_dtype
from ._autocast import is_autocast_enabled as is_autocast_enabled
from ._autocast import set_autocast_enabled as set_autocast_enabled
from ._device import device as device
from ._dtype import bfloat16 as bfloat16
from ._dtype import bool as bool
from ._dtype import can_cast as can_cast
from ._dtype import complex64 as complex64
from ._dtype import complex128 as complex128
from ._dtype import dtype as dtype
from ._dtype import float8_e4m3fn as float8_e4m3fn
from ._dtype import float8_e4m3fnuz as float8_e4m3fnuz
from ._dtype import float8_e5m2 as float8_e5m2
from ._dtype import float8_e5m2fnuz as float8_e5m2fnuz
from ._dtype import float8_e8m0fnu as float8_e8m0fnu
from ._dtype import float16 as float16
from ._dtype import float32 as float32
from ._dtype import float64 as float64
from ._dtype import get_default_dtype as get_default_dtype
from ._dtype import int8 as int8
from ._dtype import int16 as int16
from ._dtype import int32 as int32
from ._dtype import int64 as int64
from ._dtype import promote_types as promote_types
from ._dtype import set_default_dtype as set_default_dtype
from ._dtype import uint8 as uint8
from ._dtype import uint16 as uint16
from ._dtype import uint32 as uint32
from ._dtype import uint64 as uint64
from ._grad_mode import enable_grad as enable_grad
from ._grad_mode import inference_mode as inference_mode
from ._grad_mode import is_grad_enabled as is_grad_enabled
from ._grad_mode import is_inference_mode_enabled as is_inference_mode_enabled
from ._grad_mode import no_grad as no_grad
from ._grad_mode import set_grad_enabled as set_grad_enabled
from ._layout import *  # noqa: F403
from ._layout import __all__ as _layout_all
from ._layout import _mkldnn as _mkldnn
from ._memory_errors import OutOfMemoryError as OutOfMemoryError
from ._memory_format import *  # noqa: F403
from ._memory_format import __all__ as _memory_format_all
from ._ops.activation import *  # noqa: F403
from ._ops.activation import __all__ as _activation_all
from ._ops.complex_ops import *  # noqa: F403
from ._ops.complex_ops import __all__ as _complex_ops_all
from ._ops.control_flow import *  # noqa: F403
from ._ops.control_flow import __all__ as _control_flow_all
from ._ops.copies import *  # noqa: F403
from ._ops.copies import __all__ as _copies_all
from ._ops.creation import *  # noqa: F403
from ._ops.creation import __all__ as _creation_all
from ._ops.dtype_info import *  # noqa: F403
from ._ops.dtype_info import __all__ as _dtype_info_all
from ._ops.elementwise import *  # noqa: F403
from ._ops.elementwise import __all__ as _elementwise_all
from ._ops.function_forms import *  # noqa: F403
from ._ops.function_forms import __all__ as _function_forms_all
from ._ops.indexing import *  # noqa: F403
from ._ops.indexing import __all__ as _indexing_all
from ._ops.legacy_autocast import *  # noqa: F403
from ._ops.legacy_autocast import __all__ as _legacy_autocast_all
from ._ops.legacy_linalg import *  # noqa: F403
from ._ops.legacy_linalg import __all__ as _legacy_linalg_all
from ._ops.legacy_toplevel import *  # noqa: F403
from ._ops.legacy_toplevel import __all__ as _legacy_toplevel_all
from ._ops.legacy_types import *  # noqa: F403
from ._ops.legacy_types import __all__ as _legacy_types_all
from ._ops.linalg import *  # noqa: F403
from ._ops.linalg import __all__ as _linalg_all
from ._ops.linalg_compat import *  # noqa: F403
from ._ops.linalg_compat import __all__ as _linalg_compat_all
from ._ops.linalg_toplevel import *  # noqa: F403
from ._ops.linalg_toplevel import __all__ as _linalg_toplevel_all
from ._ops.math_extra import *  # noqa: F403
from ._ops.math_extra import __all__ as _math_extra_all
from ._ops.misc_toplevel import *  # noqa: F403
from ._ops.misc_toplevel import __all__ as _misc_toplevel_all
from ._ops.nn_functions import *  # noqa: F403
from ._ops.nn_functions import __all__ as _nn_functions_all
from ._ops.nn_natives import *  # noqa: F403
from ._ops.nn_natives import __all__ as _nn_natives_all
from ._ops.random import *  # noqa: F403
from ._ops.random import __all__ as _random_all
from ._ops.random_gamma import *  # noqa: F403
from ._ops.random_gamma import __all__ as _random_gamma_all
from ._ops.random_gamma import _sample_dirichlet as _sample_dirichlet
from ._ops.random_gamma import _standard_gamma as _standard_gamma
from ._ops.random_gamma import _standard_gamma_grad as _standard_gamma_grad
from ._ops.recurrent import *  # noqa: F403
from ._ops.recurrent import __all__ as _recurrent_all
from ._ops.reduction import *  # noqa: F403
from ._ops.reduction import __all__ as _reduction_all
from ._ops.scatter import *  # noqa: F403
from ._ops.scatter import __all__ as _scatter_all
from ._ops.shape import *  # noqa: F403
from ._ops.shape import __all__ as _shape_all
from ._ops.sorting import *  # noqa: F403
from ._ops.sorting import __all__ as _sorting_all
from ._ops.special_ops import *  # noqa: F403
from ._ops.special_ops import __all__ as _special_ops_all
from ._ops.spectral import *  # noqa: F403
from ._ops.spectral import __all__ as _spectral_all
from ._ops.strided import *  # noqa: F403
from ._ops.strided import __all__ as _strided_all
from ._ops.windows import *  # noqa: F403
from ._ops.windows import __all__ as _windows_all
from ._serialization import load as load
from ._serialization import save as save
from ._settings import *  # noqa: F403
from ._settings import __all__ as _settings_all
from ._sparse import sparse_coo_tensor as sparse_coo_tensor
from ._storage import UntypedStorage as UntypedStorage
from ._streams import Event as Event
from ._streams import Stream as Stream
from ._tensor import Tensor as Tensor
from ._tensor_base import Size as Size
from ._typed_storage import *  # noqa: F403
from ._typed_storage import __all__ as _typed_storage_all
from .amp import GradScaler as GradScaler
from .compiler import compile as compile

half = _dtype.float16
float = _dtype.float32
double = _dtype.float64
short = _dtype.int16
int = _dtype.int32
long = _dtype.int64
cfloat = _dtype.complex64
cdouble = _dtype.complex128

# PyTorch's constants (Python floats), and NumPy's ``newaxis`` (None) as ``torch.newaxis``.
from math import e as e
from math import inf as inf
from math import nan as nan
from math import pi as pi

newaxis = None

__version__ = "0.1.0"

_malloc.tune_malloc()  # NOTE [ Allocator tuning ]

# After every op family: tocha.array_api and from_dlpack build on the complete namespace.
from . import array_api as array_api
from . import func as func
from ._dlpack import from_dlpack as from_dlpack
from .func import vmap as vmap

for _cls in (device, dtype, Size, OutOfMemoryError, Stream, Event):
    _cls.__module__ = "tocha"
del _cls

if not __import__("typing").TYPE_CHECKING:  # NOTE [ Lazy subpackages ]: hidden from type checkers
    from ._subpackages import load_subpackage as __getattr__  # noqa: F401
else:  # tensor-core's own lazy modules (imported on first access, NOTE [ Lazy subpackages ]), typed
    from . import accelerator as accelerator
    from . import backends as backends
    from . import cpu as cpu
    from . import distributed as distributed
    from . import hub as hub
    from . import jit as jit
    from . import masked as masked
    from . import mps as mps
    from . import profiler as profiler
    from . import quasirandom as quasirandom
    from . import serialization as serialization
    from . import signal as signal
    from . import sparse as sparse
    from . import testing as testing
    from . import types as types

__all__ = [
    "sparse_coo_tensor",
    "GradScaler",
    "OutOfMemoryError",
    "Size",
    "Tensor",
    "UntypedStorage",
    "Stream",
    "Event",
    "load",
    "save",
    "bfloat16",
    "bool",
    "can_cast",
    "cdouble",
    "cfloat",
    "complex128",
    "complex64",
    "device",
    "double",
    "dtype",
    "enable_grad",
    "fft",
    "func",
    "vmap",
    "special",
    "random",
    "float",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "half",
    "inference_mode",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "library",
    "linalg",
    "amp",
    "array_api",
    "autocast",
    "compile",
    "compiler",
    "accelerator",
    "backends",
    "cpu",
    "jit",
    "mps",
    "e",
    "inf",
    "nan",
    "pi",
    "newaxis",
    "cuda",
    "get_autocast_dtype",
    "is_autocast_enabled",
    "set_autocast_enabled",
    "long",
    "no_grad",
    "promote_types",
    "set_default_dtype",
    "set_grad_enabled",
    "short",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    *_complex_ops_all,
    *_control_flow_all,
    *_copies_all,
    *_creation_all,
    *_dtype_info_all,
    *_elementwise_all,
    *_function_forms_all,
    *_indexing_all,
    *_linalg_all,
    *_legacy_autocast_all,
    *_legacy_linalg_all,
    *_legacy_toplevel_all,
    *_legacy_types_all,
    *(name for name in _typed_storage_all if name != "TypedStorageMethods"),
    *_linalg_toplevel_all,
    *_math_extra_all,
    *_misc_toplevel_all,
    *_nn_functions_all,
    *_nn_natives_all,
    *_random_all,
    *_random_gamma_all,
    *_recurrent_all,
    *_reduction_all,
    *_shape_all,
    *_scatter_all,
    *_sorting_all,
    *_activation_all,
    *_special_ops_all,
    *_windows_all,
    *_layout_all,
    *_memory_format_all,
    *_spectral_all,
    *_strided_all,
    *_linalg_compat_all,
    *_settings_all,
]
