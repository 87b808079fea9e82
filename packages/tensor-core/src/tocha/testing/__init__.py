"""``tocha.testing``: the public test kit for tocha and for third-party ops and backends.

- :func:`assert_close` and :func:`make_tensor`, as in ``torch.testing``.
- The op database (NOTE [ Op database ]): an :class:`OpInfo` per registered op
  with test metadata, its samples, reference and skips; :func:`check_forward`
  compares an op with its NumPy reference.
- :func:`check_vjp` checks vjps against finite differences (NOTE [ check_vjp ]).

A third-party backend or op package runs the same checks on itself by
iterating :func:`op_db` with its own device; it is not a general-purpose
property-testing library, and it never imports PyTorch (the PyTorch
comparisons live in tocha's own test suite).

Example:
    >>> import tocha
    >>> from tocha.testing import assert_close, make_tensor
    >>> x = make_tensor(2, 3, dtype=tocha.float64, device="cpu")
    >>> assert_close(x + 0, x)
"""

import contextlib

from ._comparison import assert_allclose as assert_allclose
from ._comparison import assert_close as assert_close
from ._comparison import default_tolerances as default_tolerances
from ._creation import make_tensor as make_tensor
from ._creation import manual_seed as manual_seed
from ._gradcheck import check_vjp as check_vjp
from ._opdb import TEST_KINDS as TEST_KINDS
from ._opdb import OpInfo as OpInfo
from ._opdb import SampleInput as SampleInput
from ._opdb import check_forward as check_forward
from ._opdb import op_db as op_db
from ._opdb import op_info as op_info
from ._opdb import ops_missing_test_metadata as ops_missing_test_metadata
from ._opdb import register_sample_family as register_sample_family
from ._opdb import sample_families as sample_families
from ._opdb import to_numpy as to_numpy

__all__ = [
    "assert_allclose",
    "assert_close",
    "default_tolerances",
    "make_tensor",
    "manual_seed",
    "check_vjp",
    "TEST_KINDS",
    "OpInfo",
    "SampleInput",
    "check_forward",
    "op_db",
    "op_info",
    "ops_missing_test_metadata",
    "register_sample_family",
    "sample_families",
    "to_numpy",
]

for _name in __all__:
    _obj = globals()[_name]
    if callable(_obj):
        with contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "tocha.testing"
del _name, _obj
