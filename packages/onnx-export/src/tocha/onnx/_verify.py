"""``tocha.onnx.verify``: run an exported model in onnxruntime and compare it with tocha."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import tocha

from ._export import _flatten, _model_bytes, _split_args

__all__ = ["VerificationResult", "verify"]


@dataclass(frozen=True)
class VerificationResult:
    """How far one output of the exported model is from tocha's.

    Attributes:
        name: the ONNX output name.
        max_abs_diff: ``max |onnx - tocha|``.
        max_rel_diff: ``max |onnx - tocha| / max |tocha|`` (0 when both are all zeros).
    """

    name: str
    max_abs_diff: float
    max_rel_diff: float

    def __str__(self) -> str:
        return f"{self.name}: max abs diff {self.max_abs_diff:.3g}, max rel diff {self.max_rel_diff:.3g}"


def verify(
    model: Any,
    args: Any,
    exported: Any,
    *,
    kwargs: Mapping[str, Any] | None = None,
    rtol: float | None = None,
    verbose: bool = False,
) -> list[VerificationResult]:
    """Run ``exported`` in onnxruntime on ``args`` and compare each output with ``model(*args)``.

    Needs ``onnxruntime`` (``pip install tocha-onnx-export[verify]``). ``args`` is given as to
    :func:`tocha.onnx.export`, and may have other sizes along the exported dynamic axes.

    Args:
        model: the tocha model (run with gradients off, in its current mode).
        args: the inputs: a Tensor or a tuple (a trailing dict is keyword arguments).
        exported: the exported model: an ``onnx.ModelProto``, its bytes, a ``BytesIO`` or a path.
        kwargs: keyword arguments for the model.
        rtol: when given, raise AssertionError if an output's ``max_rel_diff`` exceeds it.
        verbose: print one line per output.

    Returns:
        One :class:`VerificationResult` per output, in order.

    Example:
        >>> import tocha, tocha.nn as nn, tocha.onnx
        >>> model = nn.Linear(3, 2).eval()
        >>> x = tocha.randn(4, 3)
        >>> proto = tocha.onnx.export(model, x)
        >>> [r.max_rel_diff < 1e-5 for r in tocha.onnx.verify(model, x, proto)]
        [True]
    """
    try:
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("tocha.onnx.verify() needs onnxruntime: pip install 'tocha-onnx-export[verify]'") from exc
    positional, extra = _split_args(args, kwargs)
    inputs: list[Any] = []
    _flatten((positional, extra), inputs)
    with tocha.no_grad():
        expected_out = model(*positional, **extra)
    expected: list[Any] = []
    _flatten(expected_out, expected)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(_model_bytes(exported), options, providers=["CPUExecutionProvider"])
    feeds: dict[str, Any] = {}
    seen: set[int] = set()
    graph_inputs = session.get_inputs()
    unique = [t for t in inputs if not (id(t) in seen or seen.add(id(t)))]  # type: ignore[func-returns-value]
    for meta, t in zip(graph_inputs, unique, strict=False):
        feeds[meta.name] = np.ascontiguousarray(t.detach().cpu().numpy())
    if len(graph_inputs) > len(unique) and hasattr(model, "state_dict"):  # exported with export_params=False
        state = model.state_dict()
        for meta in graph_inputs[len(unique) :]:
            if meta.name in state:
                feeds[meta.name] = np.ascontiguousarray(state[meta.name].detach().cpu().numpy())
    actual = session.run(None, feeds)
    names: Sequence[str] = [o.name for o in session.get_outputs()]
    if len(actual) != len(expected):
        raise AssertionError(f"verify(): the exported model has {len(actual)} outputs, the tocha model {len(expected)}")
    results = []
    for name, got, want in zip(names, actual, expected, strict=False):
        ref = np.asarray(want.detach().cpu().numpy())
        got = np.asarray(got)
        if got.shape != ref.shape:
            raise AssertionError(
                f"verify(): output '{name}' has shape {got.shape} in onnxruntime, {ref.shape} in tocha"
            )
        if ref.dtype == np.bool_ or got.dtype == np.bool_:
            ref, got = ref.astype(np.int64), got.astype(np.int64)
        got64, ref64 = np.atleast_1d(got.astype(np.float64)), np.atleast_1d(ref.astype(np.float64))
        with np.errstate(invalid="ignore"):  # inf - inf
            diff = np.abs(got64 - ref64)
        diff[np.isnan(got64) & np.isnan(ref64)] = 0.0  # NaN where tocha has NaN agrees
        diff[np.isnan(got64) != np.isnan(ref64)] = np.inf
        same_inf = np.isinf(got64) & (got64 == ref64)
        diff[same_inf] = 0.0
        max_abs = float(diff.max()) if diff.size else 0.0
        finite = np.abs(ref64[np.isfinite(ref64)])
        scale = float(finite.max()) if finite.size else 0.0
        max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
        results.append(VerificationResult(name, max_abs, max_rel))
    if verbose:
        for r in results:
            print(r)
    if rtol is not None:
        bad = [r for r in results if not r.max_rel_diff <= rtol]
        if bad:
            raise AssertionError("verify(): outputs differ beyond rtol=" + f"{rtol}: " + "; ".join(map(str, bad)))
    return results
