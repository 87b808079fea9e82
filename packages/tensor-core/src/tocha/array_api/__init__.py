"""``tocha.array_api``: a namespace conforming to the Python Array API standard (2023.12).

``tocha`` itself follows PyTorch (its names, keywords and type promotion);
this module offers the standard's functions, under the standard's names and
signatures (positional-only and keyword-only markers included), over the same
tocha tensors. ``Tensor.__array_namespace__()`` returns it, so
array-library-agnostic code (SciPy, scikit-learn, array-api-compat users)
works on tocha tensors.

Where the standard differs from PyTorch this module follows the standard:
0-D arrays take full part in type promotion (``int8`` 1-D with an ``int64``
0-D array gives ``int64``), ``asarray(copy=False)`` refuses to copy,
``linspace(endpoint=False)``, ``squeeze`` refuses axes of size other than
one, ``sort``/``argsort`` are stable, ``unique_*`` return named tuples.
The known deviations (no uint16/uint32/uint64; ``Tensor.size`` is PyTorch's
method, not the element count; operators on tensors keep PyTorch's
promotion...) are listed in the package README under "Known deviations".

It is not a second tensor type: results are ordinary ``tocha.Tensor``\\ s and
everything tocha offers keeps working on them.

Example:
    >>> import tocha
    >>> xp = tocha.ones(3).__array_namespace__()
    >>> xp.__array_api_version__
    '2023.12'
    >>> xp.sum(xp.reshape(xp.arange(6), (2, 3)), axis=0)
    tensor([3, 5, 7])
"""

from .._dtype import bool as bool
from .._dtype import complex64 as complex64
from .._dtype import complex128 as complex128
from .._dtype import float32 as float32
from .._dtype import float64 as float64
from .._dtype import int8 as int8
from .._dtype import int16 as int16
from .._dtype import int32 as int32
from .._dtype import int64 as int64
from .._dtype import uint8 as uint8
from . import fft as fft
from . import linalg as linalg
from ._core import *  # noqa: F403
from ._core import __all__ as _core_all
from ._info import __array_namespace_info__ as __array_namespace_info__

__array_api_version__ = "2023.12"

__all__ = [
    "__array_api_version__",
    "__array_namespace_info__",
    "bool",
    "complex64",
    "complex128",
    "fft",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "linalg",
    "uint8",
    *_core_all,
]


def missing() -> list[str]:
    """Names of the standard (2023.12) this namespace does not provide or cannot run yet.

    ``uint16``, ``uint32`` and ``uint64`` (tocha has no such dtypes) and the
    ``linalg`` functions whose ``tocha.linalg`` counterpart is not there yet.

    Example:
        >>> import tocha.array_api as xp
        >>> "uint64" in xp.missing()
        True
    """
    return ["uint16", "uint32", "uint64", *(f"linalg.{name}" for name in linalg.missing())]
