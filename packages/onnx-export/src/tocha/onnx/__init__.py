"""tocha.onnx: export tocha models to ONNX (``torch.onnx.export``'s tracing path).

This is the ``tocha-onnx-export`` distribution. :func:`export` runs a model once under a tracing dispatch layer of
``tocha.library``, maps each op call to ONNX nodes through a table of symbolic functions, stores parameters and
buffers as initializers named by their state-dict keys and writes the model with the ``onnx`` package.
:func:`verify` runs the result in onnxruntime and reports the differences from tocha.

Not for: exporting training graphs (export inference: ``model.eval()``), data-dependent control flow (it is
traced as taken, with a :class:`TracerWarning`), or packed sequences of different lengths.
"""

from ._context import DynInt as DynInt
from ._context import SymbolicContext as SymbolicContext
from ._context import TracerWarning as TracerWarning
from ._context import UnsupportedOperatorError as UnsupportedOperatorError
from ._export import export as export
from ._export import is_in_onnx_export as is_in_onnx_export
from ._export import register_custom_op_symbolic as register_custom_op_symbolic
from ._export import unregister_custom_op_symbolic as unregister_custom_op_symbolic
from ._verify import VerificationResult as VerificationResult
from ._verify import verify as verify

__all__ = [
    "DynInt",
    "SymbolicContext",
    "TracerWarning",
    "UnsupportedOperatorError",
    "VerificationResult",
    "export",
    "is_in_onnx_export",
    "register_custom_op_symbolic",
    "unregister_custom_op_symbolic",
    "verify",
]

for _obj in (DynInt, SymbolicContext, TracerWarning, UnsupportedOperatorError, VerificationResult, export,
             is_in_onnx_export, register_custom_op_symbolic, unregister_custom_op_symbolic, verify):  # fmt: skip
    _obj.__module__ = "tocha.onnx"
del _obj
