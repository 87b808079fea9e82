"""The table from tocha op names to symbolic functions that write ONNX nodes.

Each entry takes a :class:`~tocha.onnx.SymbolicContext` (the op call's inputs, params and result metadata) and
returns the ONNX value name of the result (a tuple, one per output, for multi-output ops; None where an output
cannot be produced). Adding an op is one function and one table entry; plugins use
:func:`tocha.onnx.register_custom_op_symbolic` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._context import DynInt, SymbolicContext

__all__ = ["SYMBOLICS", "NO_FOLD", "COMPLEX_OPS", "REFUSED", "SymbolicFn"]

SymbolicFn = Callable[[SymbolicContext], Any]
SYMBOLICS: dict[str, SymbolicFn] = {}

# random ops: never computed at export time (they would bake one draw into the graph)
NO_FOLD = frozenset(
    {"bernoulli", "bernoulli_", "rand", "randn", "randint", "randperm", "normal", "normal_", "uniform_",
     "multinomial", "poisson", "exponential_", "geometric_", "cauchy_", "log_normal_", "random_",
     "_standard_gamma", "_sample_dirichlet", "binomial"}
)  # fmt: skip

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _register(*names: str) -> Callable[[SymbolicFn], SymbolicFn]:
    def deco(fn: SymbolicFn) -> SymbolicFn:
        for name in names:
            SYMBOLICS[name] = fn
        return fn

    return deco


def _dyn_add(a: int, b: int) -> int:
    """``a + b`` keeping :class:`DynInt`-ness (plain ``int.__add__`` would drop the shadow value)."""
    if isinstance(a, DynInt) or isinstance(b, DynInt):
        return DynInt(int(a) + int(b), getattr(a, "shadow", int(a)) + getattr(b, "shadow", int(b)))
    return a + b


def _scalar_const(ctx: SymbolicContext, value: float, dtype: Any) -> str:
    return ctx.constant(np.asarray(value, dtype=dtype))


# ------------------------------------------------------------------ elementwise


def _unary(onnx_op: str) -> SymbolicFn:
    def fn(ctx: SymbolicContext) -> Any:
        return ctx.op(onnx_op, ctx.input(0, ctx.output_dtype()))

    return fn


for _name, _onnx in {
    "neg": "Neg", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "sin": "Sin", "cos": "Cos", "tan": "Tan",
    "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh",
    "acosh": "Acosh", "atanh": "Atanh", "tanh": "Tanh", "sigmoid": "Sigmoid", "erf": "Erf", "floor": "Floor",
    "ceil": "Ceil", "sign": "Sign", "sgn": "Sign", "reciprocal": "Reciprocal", "relu": "Relu",
    "clone": "Identity", "contiguous": "Identity", "to_device": "Identity", "selu": "Selu",
}.items():  # fmt: skip
    SYMBOLICS[_name] = _unary(_onnx)


@_register("selu")
def _selu(ctx: SymbolicContext) -> Any:
    return ctx.op("Selu", ctx.input(0), alpha=_SELU_ALPHA, gamma=_SELU_SCALE)


@_register("logical_not")
def _not(ctx: SymbolicContext) -> Any:
    return ctx.op("Not", ctx.input(0, np.bool_))


@_register("isnan")
def _isnan(ctx: SymbolicContext) -> Any:
    return ctx.op("IsNaN", ctx.input(0))


@_register("isinf")
def _isinf(ctx: SymbolicContext) -> Any:
    return ctx.op("IsInf", ctx.input(0))


@_register("rsqrt")
def _rsqrt(ctx: SymbolicContext) -> Any:
    return ctx.op("Reciprocal", ctx.op("Sqrt", ctx.input(0, ctx.output_dtype())))


@_register("square")
def _square(ctx: SymbolicContext) -> Any:
    x = ctx.input(0, ctx.output_dtype())
    return ctx.op("Mul", x, x)


@_register("log1p")
def _log1p(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Log", ctx.op("Add", ctx.input(0, dt), _scalar_const(ctx, 1, dt)))


@_register("expm1")
def _expm1(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Sub", ctx.op("Exp", ctx.input(0, dt)), _scalar_const(ctx, 1, dt))


@_register("log2", "log10")
def _log_base(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    base = 2.0 if ctx.op_name == "log2" else 10.0
    return ctx.op("Div", ctx.op("Log", ctx.input(0, dt)), _scalar_const(ctx, math.log(base), dt))


@_register("exp2")
def _exp2(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Pow", _scalar_const(ctx, 2, dt), ctx.input(0, dt))


@_register("trunc")
def _trunc(ctx: SymbolicContext) -> Any:
    x = ctx.input(0)
    if ctx.output_dtype().kind in "iub":
        return ctx.op("Identity", x)
    return ctx.op("Mul", ctx.op("Sign", x), ctx.op("Floor", ctx.op("Abs", x)))


@_register("round")
def _round(ctx: SymbolicContext) -> Any:
    (decimals,) = ctx.params
    x = ctx.input(0)
    if ctx.output_dtype().kind in "iub":
        return ctx.op("Identity", x)
    if decimals == 0:
        return ctx.op("Round", x)
    scale = _scalar_const(ctx, 10.0**decimals, ctx.output_dtype())
    return ctx.op("Div", ctx.op("Round", ctx.op("Mul", x, scale)), scale)


def _compute_dtype(ctx: SymbolicContext) -> np.dtype[Any]:
    """The dtype a comparison computes in: PyTorch's promotion of its two operands."""
    tensors = [ctx.input_dtype(i) for i in range(2) if ctx.is_tensor(i)]
    scalars = [ctx.scalar(i) for i in range(2) if not ctx.is_tensor(i)]
    dt = np.result_type(*tensors) if tensors else np.dtype(np.float32)
    if any(isinstance(s, float) for s in scalars) and dt.kind in "iub":
        dt = np.dtype(np.float32)
    elif any(isinstance(s, int) and not isinstance(s, bool) for s in scalars) and dt.kind == "b":
        dt = np.dtype(np.int64)
    return dt


def _binary(onnx_op: str, compare: bool = False) -> SymbolicFn:
    def fn(ctx: SymbolicContext) -> Any:
        dt = _compute_dtype(ctx) if compare else ctx.output_dtype()
        return ctx.op(onnx_op, ctx.input(0, dt), ctx.input(1, dt))

    return fn


for _name, _onnx in {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "maximum": "Max", "minimum": "Min",
                     "fmax": "Max", "fmin": "Min"}.items():  # fmt: skip
    SYMBOLICS[_name] = _binary(_onnx)


@_register("bitwise_and", "bitwise_or", "bitwise_xor")
def _bitwise(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    kind = ctx.op_name.rpartition("_")[2]
    if dt == np.bool_:  # on booleans these are the logical ops
        return ctx.op(kind.capitalize(), ctx.input(0, dt), ctx.input(1, dt))
    if ctx.opset < 18:
        raise ctx.error("bitwise ops on integers need opset 18")
    return ctx.op("Bitwise" + kind.capitalize(), ctx.input(0, dt), ctx.input(1, dt))


for _name, _onnx in {"eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual"}.items():
    SYMBOLICS[_name] = _binary(_onnx, compare=True)


@_register("ne")
def _ne(ctx: SymbolicContext) -> Any:
    dt = _compute_dtype(ctx)
    return ctx.op("Not", ctx.op("Equal", ctx.input(0, dt), ctx.input(1, dt)))


@_register("logical_and", "logical_or", "logical_xor")
def _logical(ctx: SymbolicContext) -> Any:
    onnx_op = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}[ctx.op_name]
    return ctx.op(onnx_op, ctx.input(0, np.bool_), ctx.input(1, np.bool_))


@_register("pow")
def _pow(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Pow", ctx.input(0, dt), ctx.input(1, dt))


@_register("remainder", "fmod")
def _remainder(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    a, b = ctx.input(0, dt), ctx.input(1, dt)
    if ctx.op_name == "fmod":
        return ctx.op("Mod", a, b, fmod=1)
    if dt.kind in "iu":
        return ctx.op("Mod", a, b, fmod=0)
    return ctx.op("Sub", a, ctx.op("Mul", ctx.op("Floor", ctx.op("Div", a, b)), b))


@_register("floor_divide")
def _floor_divide(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    if dt.kind in "iu":
        a, b = ctx.input(0, np.float64), ctx.input(1, np.float64)
        return ctx.cast(ctx.op("Floor", ctx.op("Div", a, b)), dt)
    return ctx.op("Floor", ctx.op("Div", ctx.input(0, dt), ctx.input(1, dt)))


@_register("where")
def _where(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Where", ctx.input(0, np.bool_), ctx.input(1, dt), ctx.input(2, dt))


@_register("masked_fill")
def _masked_fill(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Where", ctx.input(1, np.bool_), ctx.input(2, dt), ctx.input(0, dt))


@_register("clamp")
def _clamp(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    x = ctx.input(0, dt)
    if not ctx.is_none(1):
        x = ctx.op("Max", x, ctx.input(1, dt))
    if not ctx.is_none(2):
        x = ctx.op("Min", x, ctx.input(2, dt))
    return x


@_register("lerp")
def _lerp(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    start, end, weight = ctx.input(0, dt), ctx.input(1, dt), ctx.input(2, dt)
    return ctx.op("Add", start, ctx.op("Mul", weight, ctx.op("Sub", end, start)))


@_register("addcmul", "addcdiv")
def _addc(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    prod = ctx.op("Mul" if ctx.op_name == "addcmul" else "Div", ctx.input(1, dt), ctx.input(2, dt))
    (value,) = ctx.params
    if value != 1:
        prod = ctx.op("Mul", prod, _scalar_const(ctx, value, dt))
    return ctx.op("Add", ctx.input(0, dt), prod)


# ------------------------------------------------------------------ activations


@_register("leaky_relu")
def _leaky_relu(ctx: SymbolicContext) -> Any:
    return ctx.op("LeakyRelu", ctx.input(0), alpha=float(ctx.params[0]))


@_register("elu")
def _elu(ctx: SymbolicContext) -> Any:
    return ctx.op("Elu", ctx.input(0), alpha=float(ctx.params[0]))


@_register("celu")
def _celu(ctx: SymbolicContext) -> Any:
    x = ctx.input(0)
    if ctx.output_dtype() != np.float32:  # ONNX Celu takes float32 only
        alpha = _scalar_const(ctx, ctx.params[0], ctx.output_dtype())
        zero = _scalar_const(ctx, 0, ctx.output_dtype())
        neg = ctx.op(
            "Mul",
            alpha,
            ctx.op("Sub", ctx.op("Exp", ctx.op("Div", x, alpha)), _scalar_const(ctx, 1, ctx.output_dtype())),
        )
        return ctx.op("Add", ctx.op("Max", x, zero), ctx.op("Min", neg, zero))
    return ctx.op("Celu", x, alpha=float(ctx.params[0]))


@_register("gelu")
def _gelu(ctx: SymbolicContext) -> Any:
    (approximate,) = ctx.params
    x = ctx.input(0)
    dt = ctx.output_dtype()
    if ctx.opset >= 20:
        return ctx.op("Gelu", x, approximate=str(approximate))
    half = ctx.op("Mul", x, _scalar_const(ctx, 0.5, dt))
    if approximate == "tanh":
        cube = ctx.op("Mul", ctx.op("Mul", x, x), x)
        inner = ctx.op("Add", x, ctx.op("Mul", cube, _scalar_const(ctx, 0.044715, dt)))
        t = ctx.op("Tanh", ctx.op("Mul", inner, _scalar_const(ctx, math.sqrt(2 / math.pi), dt)))
    else:
        t = ctx.op("Erf", ctx.op("Mul", x, _scalar_const(ctx, math.sqrt(0.5), dt)))
    return ctx.op("Mul", half, ctx.op("Add", t, _scalar_const(ctx, 1, dt)))


@_register("hardtanh")
def _hardtanh(ctx: SymbolicContext) -> Any:
    low, high = ctx.params
    dt = ctx.output_dtype()
    return ctx.op("Clip", ctx.input(0), _scalar_const(ctx, low, dt), _scalar_const(ctx, high, dt))


@_register("threshold")
def _threshold(ctx: SymbolicContext) -> Any:
    threshold, value = ctx.params
    x = ctx.input(0)
    dt = ctx.output_dtype()
    return ctx.op("Where", ctx.op("Greater", x, _scalar_const(ctx, threshold, dt)), x, _scalar_const(ctx, value, dt))


@_register("hardsigmoid")
def _hardsigmoid(ctx: SymbolicContext) -> Any:
    return ctx.op("HardSigmoid", ctx.input(0), alpha=1.0 / 6, beta=0.5)


@_register("hardswish")
def _hardswish(ctx: SymbolicContext) -> Any:
    if ctx.opset >= 14:
        return ctx.op("HardSwish", ctx.input(0))
    x = ctx.input(0)
    return ctx.op("Mul", x, ctx.op("HardSigmoid", x, alpha=1.0 / 6, beta=0.5))


@_register("silu")
def _silu(ctx: SymbolicContext) -> Any:
    x = ctx.input(0)
    return ctx.op("Mul", x, ctx.op("Sigmoid", x))


def _softplus_of(ctx: SymbolicContext, x: str, beta: float, threshold: float) -> str:
    dt = ctx.output_dtype()
    scaled = x if beta == 1 else ctx.op("Mul", x, _scalar_const(ctx, beta, dt))
    smooth: str = ctx.op("Softplus", scaled)
    if beta != 1:
        smooth = ctx.op("Div", smooth, _scalar_const(ctx, beta, dt))
    if math.isinf(threshold):
        return smooth
    return ctx.op("Where", ctx.op("Greater", scaled, _scalar_const(ctx, threshold, dt)), x, smooth)  # type: ignore[no-any-return]


@_register("softplus")
def _softplus(ctx: SymbolicContext) -> Any:
    beta, threshold = ctx.params
    return _softplus_of(ctx, ctx.input(0), float(beta), float(threshold))


@_register("logsigmoid")
def _logsigmoid(ctx: SymbolicContext) -> Any:
    return ctx.op("Neg", ctx.op("Softplus", ctx.op("Neg", ctx.input(0))))


@_register("mish")
def _mish(ctx: SymbolicContext) -> Any:
    x = ctx.input(0)
    if ctx.opset >= 18:
        return ctx.op("Mish", x)
    return ctx.op("Mul", x, ctx.op("Tanh", ctx.op("Softplus", x)))


@_register("softshrink", "hardshrink")
def _shrink(ctx: SymbolicContext) -> Any:
    (lambd,) = ctx.params
    bias = float(lambd) if ctx.op_name == "softshrink" else 0.0
    return ctx.op("Shrink", ctx.input(0), lambd=float(lambd), bias=bias)


@_register("prelu")
def _prelu(ctx: SymbolicContext) -> Any:
    x, w = ctx.input(0), ctx.input(1)
    rank = len(ctx.input_shape(0))
    w_shape = ctx.input_shape(1)
    size = int(np.prod(w_shape)) if w_shape else 1
    if size > 1 and rank >= 2:
        w = ctx.op("Reshape", w, ctx.ints([size] + [1] * (rank - 2)))
    return ctx.op("PRelu", x, w)


@_register("softmax", "log_softmax")
def _softmax(ctx: SymbolicContext) -> Any:
    (dim,) = ctx.params
    x = ctx.input(0, ctx.output_dtype())
    if not ctx.input_shape(0):  # 0-dim
        return ctx.op("Softmax" if ctx.op_name == "softmax" else "LogSoftmax", x, axis=0)
    return ctx.op("Softmax" if ctx.op_name == "softmax" else "LogSoftmax", x, axis=int(dim))


# ------------------------------------------------------------------ linear algebra


@_register("linear")
def _linear(ctx: SymbolicContext) -> Any:
    x, w = ctx.input(0), ctx.input(1)
    has_bias = ctx.num_inputs() > 2 and not ctx.is_none(2)
    if len(ctx.input_shape(0)) == 2 and len(ctx.input_shape(1)) == 2:
        if has_bias:
            return ctx.op("Gemm", x, w, ctx.input(2), transB=1)
        return ctx.op("Gemm", x, w, transB=1)
    if len(ctx.input_shape(1)) == 2:
        y = ctx.op("MatMul", x, ctx.op("Transpose", w, perm=[1, 0]))
    else:
        y = ctx.op("MatMul", x, w)
    return ctx.op("Add", y, ctx.input(2)) if has_bias else y


@_register("matmul")
def _matmul(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("MatMul", ctx.input(0, dt), ctx.input(1, dt))


@_register("outer")
def _outer(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Mul", ctx.unsqueeze(ctx.input(0, dt), [1]), ctx.input(1, dt))


@_register("einsum")
def _einsum(ctx: SymbolicContext) -> Any:
    equation = ctx.params[0]
    dt = ctx.output_dtype()
    return ctx.op(
        "Einsum", *[ctx.input(i, dt) for i in range(ctx.num_inputs())], equation=str(equation).replace(" ", "")
    )


# ------------------------------------------------------------------ reductions


def _reduction(onnx_op: str) -> SymbolicFn:
    def fn(ctx: SymbolicContext) -> Any:
        axis, keepdim = ctx.params[0], ctx.params[1]
        x = ctx.input(0, ctx.output_dtype())
        if not ctx.input_shape(0):
            return ctx.op("Identity", x)
        return ctx.reduce(onnx_op, x, None if axis is None else list(axis), bool(keepdim))

    return fn


for _name, _onnx in {"sum": "ReduceSum", "mean": "ReduceMean", "amax": "ReduceMax", "amin": "ReduceMin",
                     "prod": "ReduceProd", "logsumexp": "ReduceLogSumExp"}.items():  # fmt: skip
    SYMBOLICS[_name] = _reduction(_onnx)


@_register("all", "any")
def _all_any(ctx: SymbolicContext) -> Any:
    axis, keepdim = ctx.params
    x = ctx.cast(ctx.input(0), np.int32)
    reduced = ctx.reduce("ReduceMin" if ctx.op_name == "all" else "ReduceMax", x, None if axis is None else list(axis),
                         bool(keepdim))  # fmt: skip
    return ctx.cast(reduced, np.bool_)


@_register("max", "min")
def _max_dim(ctx: SymbolicContext) -> Any:
    dim, keepdim = ctx.params
    x = ctx.input(0)
    values = ctx.reduce("ReduceMax" if ctx.op_name == "max" else "ReduceMin", x, [int(dim)], bool(keepdim))
    indices = ctx.op("ArgMax" if ctx.op_name == "max" else "ArgMin", x, axis=int(dim), keepdims=int(bool(keepdim)))
    return values, indices


@_register("argmax")
def _argmax(ctx: SymbolicContext) -> Any:
    dim, keepdim, largest = ctx.params
    x = ctx.input(0)
    onnx_op = "ArgMax" if largest else "ArgMin"
    if dim is None:
        flat = ctx.op("Reshape", x, ctx.ints([-1]))
        result = ctx.op(onnx_op, flat, axis=0, keepdims=0)
        if keepdim:
            result = ctx.op("Reshape", result, ctx.ints([1] * len(ctx.input_shape(0))))
        return result
    return ctx.op(onnx_op, x, axis=int(dim), keepdims=int(bool(keepdim)))


@_register("var", "std")
def _var(ctx: SymbolicContext) -> Any:
    axis, correction, keepdim = ctx.params
    dt = ctx.output_dtype()
    x = ctx.input(0, dt)
    shape = ctx.input_shape(0)
    axes = list(range(len(shape))) if axis is None else [a % max(len(shape), 1) for a in axis]
    mean = ctx.reduce("ReduceMean", x, axes, True)
    diff = ctx.op("Sub", x, mean)
    total = ctx.reduce("ReduceSum", ctx.op("Mul", diff, diff), axes, bool(keepdim))
    # the count of reduced elements at run time (the reduced axes may be dynamic): Size(x) / Size(mean)
    count = ctx.cast(ctx.op("Div", ctx.op("Size", x), ctx.op("Size", mean)), dt)
    denominator = ctx.op("Sub", count, _scalar_const(ctx, correction, dt))
    denominator = ctx.op("Max", denominator, _scalar_const(ctx, 0, dt))
    result = ctx.op("Div", total, denominator)
    return ctx.op("Sqrt", result) if ctx.op_name == "std" else result


@_register("norm")
def _norm(ctx: SymbolicContext) -> Any:
    p, axis, keepdim = ctx.params
    x = ctx.input(0, ctx.output_dtype())
    axes = None if axis is None else list(axis)
    if p == 2:
        return ctx.reduce("ReduceL2", x, axes, bool(keepdim))
    if p == 1:
        return ctx.reduce("ReduceL1", x, axes, bool(keepdim))
    if p == 0:  # the count of non-zero elements
        dt = ctx.output_dtype()
        nonzero = ctx.cast(ctx.op("Not", ctx.op("Equal", x, _scalar_const(ctx, 0, dt))), dt)
        return ctx.reduce("ReduceSum", nonzero, axes, bool(keepdim))
    if math.isinf(p):
        return ctx.reduce("ReduceMax" if p > 0 else "ReduceMin", ctx.op("Abs", x), axes, bool(keepdim))
    dt = ctx.output_dtype()
    powered = ctx.op("Pow", ctx.op("Abs", x), _scalar_const(ctx, p, dt))
    return ctx.op("Pow", ctx.reduce("ReduceSum", powered, axes, bool(keepdim)), _scalar_const(ctx, 1.0 / p, dt))


@_register("cumsum")
def _cumsum(ctx: SymbolicContext) -> Any:
    dim = ctx.params[0]
    return ctx.op("CumSum", ctx.input(0, ctx.output_dtype()), ctx.constant(np.asarray(int(dim), dtype=np.int64)))


# ------------------------------------------------------------------ shapes


@_register("reshape", "view", "_reduction_squeeze0", "_reduction_unsqueeze0")
def _reshape(ctx: SymbolicContext) -> Any:
    shape: Sequence[int] = ctx.params[0] if ctx.params else ctx.output_shape()
    dyn = [i for i, s in enumerate(shape) if isinstance(s, DynInt)]
    if len(dyn) == 1 and -1 not in shape:
        shape = [-1 if i == dyn[0] else int(s) for i, s in enumerate(shape)]
    return ctx.op("Reshape", ctx.input(0), ctx.ints(list(shape)))


@_register("permute")
def _permute(ctx: SymbolicContext) -> Any:
    (dims,) = ctx.params
    rank = len(ctx.input_shape(0))
    return ctx.op("Transpose", ctx.input(0), perm=[int(d) % rank for d in dims])


@_register("squeeze")
def _squeeze(ctx: SymbolicContext) -> Any:
    (dims,) = ctx.params
    rank = len(ctx.input_shape(0))
    dims = [int(d) % rank for d in dims if ctx.input_shape(0)[int(d) % rank] == 1] if rank else []
    if not dims:
        return ctx.op("Identity", ctx.input(0))
    return ctx.squeeze(ctx.input(0), dims)


@_register("unsqueeze")
def _unsqueeze(ctx: SymbolicContext) -> Any:
    (dim,) = ctx.params
    return ctx.unsqueeze(ctx.input(0), [int(dim)])


@_register("expand")
def _expand(ctx: SymbolicContext) -> Any:
    (shape,) = ctx.params
    return ctx.op("Expand", ctx.input(0), ctx.ints(list(shape)))


@_register("repeat")
def _repeat(ctx: SymbolicContext) -> Any:
    (repeats,) = ctx.params
    x = ctx.input(0)
    extra = len(repeats) - len(ctx.input_shape(0))
    if extra > 0:
        x = ctx.unsqueeze(x, list(range(extra)))
    return ctx.op("Tile", x, ctx.ints(list(repeats)))


@_register("flip")
def _flip(ctx: SymbolicContext) -> Any:
    (dims,) = ctx.params
    n = len(dims)
    return ctx.op("Slice", ctx.input(0), ctx.ints([-1] * n), ctx.ints([_INT64_MIN] * n), ctx.ints(list(dims)),
                  ctx.ints([-1] * n))  # fmt: skip


@_register("narrow")
def _narrow(ctx: SymbolicContext) -> Any:
    dim, start, length = ctx.params
    return ctx.op("Slice", ctx.input(0), ctx.ints([start]), ctx.ints([_dyn_add(start, length)]), ctx.ints([int(dim)]))


@_register("unfold")
def _unfold(ctx: SymbolicContext) -> Any:
    """``Tensor.unfold(dim, size, step)``: one Gather of the windows' positions ``start + [0, size)`` for the
    starts ``0, step, ...`` that fit (computed at run time: ``dim`` may be dynamic), then the window axis last."""
    dim, size, step = (int(p) for p in ctx.params)
    shape = ctx.input_shape(0)
    if not shape:  # a 0-dim tensor: its one element as a window of 1
        return ctx.unsqueeze(ctx.input(0), [0])
    x = ctx.input(0)
    length = ctx.squeeze(_axis_size(ctx, x, dim), [0])
    zero, stride = ctx.constant(np.asarray(0, np.int64)), ctx.constant(np.asarray(step, np.int64))
    stop = ctx.op(
        "Sub", ctx.op("Add", length, ctx.constant(np.asarray(1, np.int64))), ctx.constant(np.asarray(size, np.int64))
    )
    starts = ctx.unsqueeze(ctx.op("Range", zero, stop, stride), [1])  # (count, 1)
    positions = ctx.op("Add", starts, ctx.constant(np.arange(size, dtype=np.int64)[None, :]))  # (count, size)
    windows = ctx.op("Gather", x, positions, axis=dim)  # (..., count, size, ...)
    rank = len(shape) + 1
    return ctx.op("Transpose", windows, perm=[a for a in range(rank) if a != dim + 1] + [dim + 1])


@_register("select")
def _select(ctx: SymbolicContext) -> Any:
    dim, index = ctx.params
    return ctx.op("Gather", ctx.input(0), ctx.constant(np.asarray(int(index), dtype=np.int64)), axis=int(dim))


@_register("split_attention_heads")
def _split_attention_heads(ctx: SymbolicContext) -> Any:
    """nn's packed self-attention projection ``(N, L, 3 * H * D)`` as its query, key and value heads."""
    (heads,) = ctx.params
    width = int(ctx.input_shape(0)[-1])
    packed = ctx.op("Reshape", ctx.input(0), ctx.ints([0, 0, 3, int(heads), width // (3 * int(heads))]))
    moved = ctx.op("Transpose", packed, perm=[2, 0, 3, 1, 4])
    return tuple(ctx.op("Gather", moved, ctx.constant(np.asarray(i, dtype=np.int64)), axis=0) for i in range(3))


@_register("cat")
def _cat(ctx: SymbolicContext) -> Any:
    (dim,) = ctx.params
    dt = ctx.output_dtype()
    names = [n for i in range(ctx.num_inputs()) for n in ctx.input_list(i, dt)]
    return ctx.op("Concat", *names, axis=int(dim))


@_register("stack")
def _stack(ctx: SymbolicContext) -> Any:
    (dim,) = ctx.params
    dt = ctx.output_dtype()
    rank = len(ctx.output_shape())
    axis = int(dim) % rank
    names = [ctx.unsqueeze(n, [axis]) for i in range(ctx.num_inputs()) for n in ctx.input_list(i, dt)]
    return names[0] if len(names) == 1 else ctx.op("Concat", *names, axis=axis)


@_register("getitem")
def _getitem(ctx: SymbolicContext) -> Any:
    (key,) = ctx.params
    key = key if isinstance(key, tuple) else (key,)
    rank = len(ctx.input_shape(0))
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    expanded: list[Any] = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (rank - used))
        else:
            expanded.append(k)
    x = ctx.input(0)
    starts: list[int] = []
    ends: list[int] = []
    axes: list[int] = []
    steps: list[int] = []
    gathers: list[tuple[int, Any]] = []
    new_axes: list[int] = []
    dim = 0
    out_dim = 0
    for k in expanded:
        if k is None:
            new_axes.append(out_dim)
            out_dim += 1
            continue
        if isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else k.step
                if step <= 0:
                    raise ctx.error("slices with a non-positive step")
                starts.append(0 if k.start is None else k.start)
                ends.append(_INT64_MAX if k.stop is None else k.stop)
                axes.append(dim)
                steps.append(step)
            dim += 1
            out_dim += 1
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            gathers.append((dim, k))
            dim += 1
        else:
            raise ctx.error(f"indexing with a key of type {type(k).__name__}")
    if axes:
        x = ctx.op("Slice", x, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes), ctx.ints(steps))
    for axis, index in reversed(gathers):
        idx = ctx.ints([index]) if isinstance(index, DynInt) else ctx.constant(np.asarray(int(index), dtype=np.int64))
        x = ctx.op("Gather", x, idx, axis=axis)
        if isinstance(index, DynInt):
            x = ctx.squeeze(x, [axis])
    if new_axes:
        x = ctx.unsqueeze(x, new_axes)
    if x == ctx.input(0):
        x = ctx.op("Identity", x)
    return x


def _index_tensors(ctx: SymbolicContext, i: int) -> tuple[list[int], list[str], int]:
    """The index list of input ``i`` as int64 ONNX tensors: the axes they index, the tensors, and their rank.

    A boolean mask over ``k`` axes becomes ``k`` index tensors (the rows of ``NonZero``); negative indices are
    wrapped by the size of their axis.
    """
    indices = ctx.scalar(i)
    names = ctx.input_list(i)
    x_shape = ctx.input_shape(0)
    axes: list[int] = []
    tensors: list[str] = []
    ranks: list[int] = []
    dim = 0
    k = 0
    shape = ctx.op("Shape", ctx.input(0))
    for t in indices:
        if t is None:
            dim += 1
            continue
        name = names[k]
        k += 1
        rank = t.dim()
        if str(t.dtype).endswith("bool") or str(t.dtype).endswith("uint8"):
            nz = ctx.op("NonZero", ctx.cast(name, np.bool_)) if rank else None
            if nz is None:
                raise ctx.error("indexing with a 0-dim boolean mask")
            for j in range(rank):
                row = ctx.op("Gather", nz, ctx.constant(np.asarray(j, dtype=np.int64)), axis=0)
                axes.append(dim + j)
                tensors.append(row)
            ranks.append(1)
            dim += rank
            continue
        idx = ctx.cast(name, np.int64)
        size = ctx.op("Gather", shape, ctx.ints([dim]), axis=0)
        zero = ctx.constant(np.asarray(0, dtype=np.int64))
        idx = ctx.op("Where", ctx.op("Less", idx, zero), ctx.op("Add", idx, size), idx)
        axes.append(dim)
        tensors.append(idx)
        ranks.append(rank)
        dim += 1
    if dim > len(x_shape):
        raise ctx.error(f"too many indices for a tensor of shape {list(x_shape)}")
    return axes, tensors, max(ranks)


def _gather_nd_layout(ctx: SymbolicContext, i: int) -> tuple[str, str, list[int], list[int], int]:
    """``x`` with the indexed axes moved first, the (S..., k) GatherND/ScatterND index, the permutation, the
    indexed axes and the broadcast index rank ``len(S)``."""
    axes, tensors, rank = _index_tensors(ctx, i)
    x_rank = len(ctx.input_shape(0))
    # broadcast the index tensors to one shape (the shape of their sum), then stack them on a new last axis
    total = tensors[0]
    for t in tensors[1:]:
        total = ctx.op("Add", total, t)
    target = ctx.op("Shape", total)
    stacked = [ctx.unsqueeze(ctx.op("Expand", t, target), [rank]) for t in tensors]
    index = stacked[0] if len(stacked) == 1 else ctx.op("Concat", *stacked, axis=rank)
    perm = axes + [a for a in range(x_rank) if a not in axes]
    x = ctx.input(0)
    moved = ctx.op("Transpose", x, perm=perm) if perm != list(range(x_rank)) else x
    return moved, index, perm, axes, rank


@_register("index")
def _index(ctx: SymbolicContext) -> Any:
    """``x[indices]``: one int index tensor is a Gather; masks and several tensors are a GatherND."""
    indices = ctx.scalar(1)
    tensor_positions = [i for i, t in enumerate(indices) if t is not None]
    if len(tensor_positions) == 1 and ctx.input_dtype(1) != np.bool_:
        (pos,) = tensor_positions
        return ctx.op("Gather", ctx.input(0), ctx.input_list(1)[0], axis=pos)
    moved, index, _, axes, rank = _gather_nd_layout(ctx, 1)
    y = ctx.op("GatherND", moved, index)
    # NumPy's placement: indexed axes next to each other keep their place, others go first
    adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
    if adjacent and axes[0] > 0:
        out_rank = len(ctx.output_shape())
        lead = axes[0]
        perm = list(range(rank, rank + lead)) + list(range(rank)) + list(range(rank + lead, out_rank))
        y = ctx.op("Transpose", y, perm=perm)
    return y


@_register("roll")
def _roll(ctx: SymbolicContext) -> Any:
    shifts, dims = ctx.params
    x = ctx.input(0)
    shape = ctx.input_shape(0)
    if dims is None:
        flat = ctx.op("Reshape", x, ctx.ints([-1]))
        size = int(np.prod(shape))
        k = int(shifts[0]) % size if size else 0
        rolled = ctx.op("Concat", ctx.op("Slice", flat, ctx.ints([size - k]), ctx.ints([size]), ctx.ints([0])),
                        ctx.op("Slice", flat, ctx.ints([0]), ctx.ints([size - k]), ctx.ints([0])), axis=0)  # fmt: skip
        return ctx.op("Reshape", rolled, ctx.ints(list(shape)))
    for shift, dim in zip(shifts, dims, strict=True):
        size = shape[int(dim)]
        k = int(shift) % size if size else 0
        if k:
            tail = ctx.op("Slice", x, ctx.ints([-k]), ctx.ints([_INT64_MAX]), ctx.ints([int(dim)]))
            head = ctx.op("Slice", x, ctx.ints([0]), ctx.ints([-k]), ctx.ints([int(dim)]))
            x = ctx.op("Concat", tail, head, axis=int(dim))
    return x if x != ctx.input(0) else ctx.op("Identity", x)


@_register("im2col")
def _im2col(ctx: SymbolicContext) -> Any:
    kernel, dilation, padding, stride = ctx.params
    shape = ctx.input_shape(0)
    channels = int(shape[-3])
    taps = int(np.prod(kernel))
    # a grouped convolution with one-hot kernels copies each window tap into its own channel (c, kh, kw order)
    weight = np.zeros((channels * taps, 1, *kernel), dtype=ctx.output_dtype())
    for c in range(channels):
        for j in range(taps):
            weight[c * taps + j, 0].flat[j] = 1
    x = ctx.input(0)
    batched = len(shape) == 4
    if not batched:
        x = ctx.unsqueeze(x, [0])
    cols = ctx.op("Conv", x, ctx.constant(weight), kernel_shape=list(kernel), dilations=list(dilation),
                  pads=list(padding) * 2, strides=list(stride), group=channels)  # fmt: skip
    cols = ctx.op("Reshape", cols, ctx.ints([0, channels * taps, -1]))
    return cols if batched else ctx.squeeze(cols, [0])


def _triangle(ctx: SymbolicContext, x: str, k: int, upper: bool) -> str:
    """A bool mask over ``x``'s last two axes: ``col - row >= k`` (upper) or ``<= k`` (lower), built with Range."""
    shape = ctx.op("Shape", x)
    zero, one = ctx.constant(np.asarray(0, dtype=np.int64)), ctx.constant(np.asarray(1, dtype=np.int64))
    rows = ctx.op("Range", zero, ctx.squeeze(ctx.op("Gather", shape, ctx.ints([-2]), axis=0), [0]), one)
    cols = ctx.op("Range", zero, ctx.squeeze(ctx.op("Gather", shape, ctx.ints([-1]), axis=0), [0]), one)
    diff = ctx.op("Sub", ctx.unsqueeze(cols, [0]), ctx.unsqueeze(rows, [1]))
    bound = ctx.constant(np.asarray(k, dtype=np.int64))
    mask: str = ctx.op("GreaterOrEqual" if upper else "LessOrEqual", diff, bound)
    return mask


@_register("tril", "triu")
def _trilu(ctx: SymbolicContext) -> Any:
    (k,) = ctx.params
    upper = ctx.op_name == "triu"
    if ctx.opset >= 14:
        return ctx.op("Trilu", ctx.input(0), ctx.constant(np.asarray(int(k), dtype=np.int64)), upper=int(upper))
    x = ctx.input(0)
    zero = ctx.constant(np.asarray(0, dtype=ctx.output_dtype()))
    return ctx.op("Where", _triangle(ctx, x, int(k), upper), x, zero)


@_register("copy_")
def _copy(ctx: SymbolicContext) -> Any:
    src = ctx.input(0, ctx.output_dtype())
    if ctx.input_shape(0) != ctx.output_shape():
        src = ctx.op("Expand", src, ctx.ints(list(ctx.output_shape())))
    return src


@_register("full")
def _full(ctx: SymbolicContext) -> Any:
    shape, value, _ = ctx.params
    fill = np.asarray([value], dtype=ctx.output_dtype())
    from onnx import numpy_helper

    return ctx.op("ConstantOfShape", ctx.ints(list(shape)), value=numpy_helper.from_array(fill))


@_register("arange")
def _arange(ctx: SymbolicContext) -> Any:
    start, end, step, _ = ctx.params
    dt = ctx.output_dtype()

    def scalar(v: Any) -> str:
        if isinstance(v, DynInt):
            return ctx.cast(ctx.squeeze(ctx.dyn_size(v), [0]), dt)
        return _scalar_const(ctx, v, dt)

    return ctx.op("Range", scalar(start), scalar(end), scalar(step))


# ------------------------------------------------------------------ nn: convolution, pooling, padding, resizing


@_register("convolution")
def _convolution(ctx: SymbolicContext) -> Any:
    stride, padding, dilation, groups, transposed, output_padding = ctx.params
    if isinstance(padding, str):
        raise ctx.error(f"padding='{padding}' (the layer passes explicit padding)")
    inputs = [ctx.input(0), ctx.input(1)]
    if not ctx.is_none(2):
        inputs.append(ctx.input(2))
    weight_shape = ctx.input_shape(1)
    attrs: dict[str, Any] = {
        "strides": [int(s) for s in stride],
        "pads": [int(p) for p in padding] * 2,
        "dilations": [int(d) for d in dilation],
        "group": int(groups),
        "kernel_shape": [int(k) for k in weight_shape[2:]],
    }
    if transposed:
        attrs["output_padding"] = [int(p) for p in output_padding]
        return ctx.op("ConvTranspose", *inputs, **attrs)
    return ctx.op("Conv", *inputs, **attrs)


def _spatial_rank(ctx: SymbolicContext, nd: int) -> tuple[str, bool]:
    """The input with a batch axis (unbatched inputs get one); whether one was added."""
    x = ctx.input(0)
    if len(ctx.input_shape(0)) == nd + 1:
        return ctx.unsqueeze(x, [0]), True
    return x, False


def _finish(ctx: SymbolicContext, y: str, added: bool) -> str:
    return ctx.squeeze(y, [0]) if added else y


@_register("max_pool_values", "max_pool")
def _max_pool(ctx: SymbolicContext) -> Any:
    kernel, stride, padding, dilation, ceil_mode, _ = ctx.params
    x, added = _spatial_rank(ctx, len(kernel))
    attrs: dict[str, Any] = {"kernel_shape": list(kernel), "strides": list(stride), "pads": list(padding) * 2,
             "dilations": list(dilation), "ceil_mode": int(bool(ceil_mode))}  # fmt: skip
    if ctx.op_name == "max_pool_values":
        return _finish(ctx, ctx.op("MaxPool", x, **attrs), added)
    y, indices = ctx.op("MaxPool", x, num_outputs=2, **attrs)
    return _finish(ctx, y, added), _finish(ctx, _spatial_indices(ctx, x, indices), added)


def _spatial_indices(ctx: SymbolicContext, x: str, indices: str) -> str:
    """ONNX MaxPool's indices (flat over N, C and the spatial axes) as PyTorch's (flat over the spatial axes)."""
    spatial = ctx.op("Slice", ctx.op("Shape", x), ctx.ints([2]), ctx.ints([_INT64_MAX]), ctx.ints([0]))
    plane = ctx.reduce("ReduceProd", spatial, [0], True)
    result: str = ctx.op("Mod", indices, plane)
    return result


@_register("avg_pool")
def _avg_pool(ctx: SymbolicContext) -> Any:
    kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, _ = ctx.params
    x, added = _spatial_rank(ctx, len(kernel))
    include = bool(count_include_pad) or divisor_override is not None
    y = ctx.op("AveragePool", x, kernel_shape=list(kernel), strides=list(stride), pads=list(padding) * 2,
               ceil_mode=int(bool(ceil_mode)), count_include_pad=int(include))  # fmt: skip
    if divisor_override is not None:
        factor = float(np.prod(kernel)) / float(divisor_override)
        y = ctx.op("Mul", y, _scalar_const(ctx, factor, ctx.output_dtype()))
    return _finish(ctx, y, added)


def _adaptive_matrix(size: int, out: int, dtype: Any) -> Any:
    m = np.zeros((size, out), dtype=dtype)
    for i in range(out):
        start = (i * size) // out
        end = -((-(i + 1) * size) // out)
        m[start:end, i] = 1.0 / (end - start)
    return m


@_register("adaptive_avg_pool", "adaptive_max_pool")
def _adaptive_pool(ctx: SymbolicContext) -> Any:
    (out,) = ctx.params
    nd = len(out)
    shape = ctx.input_shape(0)
    spatial = shape[-nd:]
    is_max = ctx.op_name == "adaptive_max_pool"
    x, added = _spatial_rank(ctx, nd)
    if all(o == 1 for o in out) and not is_max:  # (max pooling goes below: MaxPool also gives the indices)
        y = ctx.op("GlobalAveragePool", x)
    elif all(s % o == 0 for s, o in zip(spatial, out, strict=False)):
        kernel = [s // o for s, o in zip(spatial, out, strict=False)]
        if is_max:
            y, indices = ctx.op("MaxPool", x, kernel_shape=kernel, strides=kernel, num_outputs=2)
            return _finish(ctx, y, added), _finish(ctx, _spatial_indices(ctx, x, indices), added)
        y = ctx.op("AveragePool", x, kernel_shape=kernel, strides=kernel)
    elif not is_max:  # linear: one averaging matrix per spatial axis
        y = x
        rank = nd + 2
        for a in range(nd):
            axis = rank - nd + a
            perm = list(range(rank))
            perm[axis], perm[-1] = perm[-1], perm[axis]
            moved = ctx.op("Transpose", y, perm=perm) if axis != rank - 1 else y
            mat = ctx.constant(_adaptive_matrix(int(spatial[a]), int(out[a]), ctx.output_dtype()))
            moved = ctx.op("MatMul", moved, mat)
            y = ctx.op("Transpose", moved, perm=perm) if axis != rank - 1 else moved
    else:
        return _adaptive_max_windows(ctx, x, [int(s) for s in spatial], [int(o) for o in out], added)
    y = _finish(ctx, y, added)
    return (y, None) if is_max else y


def _adaptive_max_windows(ctx: SymbolicContext, x: str, spatial: list[int], out: list[int], added: bool) -> Any:
    """Adaptive max pooling to sizes that do not divide the input: each axis is gathered into its windows.

    Axis ``a`` becomes (out_a, L_a) with ``L_a`` the longest window; shorter windows repeat their last element
    (that changes neither the max nor the first position of the max). The window elements are flattened to one
    axis, ReduceMax gives the values and ArgMax, mapped through a constant table, PyTorch's flat indices.
    """
    nd = len(out)
    windows = []
    for size, o in zip(spatial, out, strict=True):
        bounds = [((i * size) // o, -((-(i + 1) * size) // o)) for i in range(o)]
        longest = max(e - b for b, e in bounds)
        windows.append(np.asarray([[min(b + j, e - 1) for j in range(longest)] for b, e in bounds], dtype=np.int64))
    y = x
    for a, w in enumerate(windows):  # axis 2 + 2a is the next spatial axis (earlier ones became two)
        y = ctx.op("Gather", y, ctx.constant(w), axis=2 + 2 * a)
    perm = [0, 1] + [2 + 2 * a for a in range(nd)] + [3 + 2 * a for a in range(nd)]
    y = ctx.op("Transpose", y, perm=perm)
    taps = int(np.prod([w.shape[1] for w in windows]))
    y = ctx.op("Reshape", y, ctx.ints([0, 0, *out, taps]))
    values = ctx.reduce("ReduceMax", y, [-1], False)
    local = ctx.op("ArgMax", y, axis=-1, keepdims=1)
    # table[o_1..o_nd, tap] = flat spatial index of that window element
    table = np.zeros((*out, taps), dtype=np.int64)
    strides = np.cumprod([1, *spatial[::-1]])[:-1][::-1]
    for pos in np.ndindex(*out):
        rows = [windows[a][pos[a]] for a in range(nd)]
        flat = np.zeros([len(r) for r in rows], dtype=np.int64)
        for a, r in enumerate(rows):
            shape = [1] * nd
            shape[a] = len(r)
            flat = flat + r.reshape(shape) * int(strides[a])
        table[pos] = flat.reshape(-1)
    table_full = ctx.op("Expand", ctx.constant(table), ctx.op("Shape", y))
    indices = ctx.squeeze(ctx.op("GatherElements", table_full, local, axis=-1), [nd + 2])
    return _finish(ctx, values, added), _finish(ctx, indices, added)


def _onnx_pads(pad: Sequence[int], rank: int) -> list[int]:
    """PyTorch's ``pad`` (last axis first, (left, right) pairs) as ONNX's (all begins, then all ends)."""
    begins = [0] * rank
    ends = [0] * rank
    for i in range(len(pad) // 2):
        axis = rank - 1 - i
        begins[axis] = pad[2 * i]
        ends[axis] = pad[2 * i + 1]
    return begins + ends


@_register("constant_pad_nd")
def _constant_pad(ctx: SymbolicContext) -> Any:
    pad, value = ctx.params
    rank = len(ctx.input_shape(0))
    fill = _scalar_const(ctx, value, ctx.output_dtype())
    return ctx.op("Pad", ctx.input(0), ctx.ints(_onnx_pads(pad, rank)), fill, mode="constant")


@_register("reflection_pad", "replication_pad", "circular_pad")
def _mode_pad(ctx: SymbolicContext) -> Any:
    _, pad = ctx.params
    rank = len(ctx.input_shape(0))
    x = ctx.input(0)
    if ctx.op_name == "circular_pad":
        if ctx.opset >= 19:
            return ctx.op("Pad", x, ctx.ints(_onnx_pads(pad, rank)), mode="wrap")
        for i in range(len(pad) // 2):
            axis = rank - 1 - i
            left, right = int(pad[2 * i]), int(pad[2 * i + 1])
            parts = []
            if left > 0:
                parts.append(ctx.op("Slice", x, ctx.ints([-left]), ctx.ints([_INT64_MAX]), ctx.ints([axis])))
            parts.append(x)
            if right > 0:
                parts.append(ctx.op("Slice", x, ctx.ints([0]), ctx.ints([right]), ctx.ints([axis])))
            x = ctx.op("Concat", *parts, axis=axis) if len(parts) > 1 else x
        return x if x != ctx.input(0) else ctx.op("Identity", x)
    mode = "reflect" if ctx.op_name == "reflection_pad" else "edge"
    return ctx.op("Pad", x, ctx.ints(_onnx_pads(pad, rank)), mode=mode)


@_register("upsample_nearest", "upsample_linear", "upsample_bicubic")
def _upsample(ctx: SymbolicContext) -> Any:
    out, scales, align_corners = ctx.params
    nd = len(out)
    x = ctx.input(0)
    attrs: dict[str, Any] = {}
    if ctx.op_name == "upsample_nearest" and align_corners:  # "nearest-exact": floor((dst + 0.5) * in / out)
        attrs.update(mode="nearest", coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil")
    elif ctx.op_name == "upsample_nearest":
        attrs.update(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    else:
        attrs["mode"] = "linear" if ctx.op_name == "upsample_linear" else "cubic"
        attrs["coordinate_transformation_mode"] = "align_corners" if align_corners else "pytorch_half_pixel"
        if ctx.op_name == "upsample_bicubic":
            attrs["cubic_coeff_a"] = -0.75
    use_scales = not align_corners or ctx.op_name == "upsample_nearest"
    if scales is not None and all(s is not None for s in scales) and use_scales:
        scale_values = np.asarray([1.0, 1.0, *[float(s) for s in scales]], dtype=np.float32)
        return ctx.op("Resize", x, "", ctx.constant(scale_values), **attrs)
    shape = ctx.op("Shape", x)
    lead = ctx.op("Slice", shape, ctx.ints([0]), ctx.ints([len(ctx.input_shape(0)) - nd]), ctx.ints([0]))
    sizes = ctx.op("Concat", lead, ctx.ints(list(out)), axis=0)
    return ctx.op("Resize", x, "", "", sizes, **attrs)


# ------------------------------------------------------------------ nn: normalisation, embedding, attention


def _channel_shape(ctx: SymbolicContext, rank: int) -> str:
    return ctx.ints([-1] + [1] * (rank - 2))


@_register("batch_norm")
def _batch_norm(ctx: SymbolicContext) -> Any:
    training, eps = ctx.params
    shape = ctx.input_shape(0)
    channels = shape[1] if len(shape) > 1 else shape[0]
    dt = ctx.output_dtype()
    x = ctx.input(0)
    weight = ctx.input(1) if not ctx.is_none(1) else ctx.constant(np.ones(channels, dtype=dt))
    bias = ctx.input(2) if not ctx.is_none(2) else ctx.constant(np.zeros(channels, dtype=dt))
    use_batch_stats = training or ctx.is_none(3)
    if not use_batch_stats:
        y = ctx.op("BatchNormalization", x, weight, bias, ctx.input(3), ctx.input(4), epsilon=float(eps))
        return y, ctx.input(3, dt), ctx.input(4, dt)
    rank = len(shape)
    axes = [0, *range(2, rank)]
    mean = ctx.reduce("ReduceMean", x, axes, True)
    diff = ctx.op("Sub", x, mean)
    var = ctx.reduce("ReduceMean", ctx.op("Mul", diff, diff), axes, True)
    y = ctx.op("Div", diff, ctx.op("Sqrt", ctx.op("Add", var, _scalar_const(ctx, eps, dt))))
    if not ctx.is_none(1) or not ctx.is_none(2):
        cs = _channel_shape(ctx, rank)
        y = ctx.op("Add", ctx.op("Mul", y, ctx.op("Reshape", weight, cs)), ctx.op("Reshape", bias, cs))
    flat = ctx.ints([-1])
    return y, ctx.op("Reshape", mean, flat), ctx.op("Reshape", var, flat)  # the batch statistics (biased var)


@_register("layer_norm")
def _layer_norm(ctx: SymbolicContext) -> Any:
    k, eps = ctx.params
    shape = ctx.input_shape(0)
    dt = ctx.output_dtype()
    x = ctx.input(0)
    normalized = tuple(shape[len(shape) - k :])
    if ctx.opset >= 17:
        weight = ctx.input(1) if not ctx.is_none(1) else ctx.constant(np.ones(normalized, dtype=dt))
        inputs = [x, weight] + ([ctx.input(2)] if not ctx.is_none(2) else [])
        return ctx.op("LayerNormalization", *inputs, axis=-int(k), epsilon=float(eps)), None, None
    axes = list(range(len(shape) - k, len(shape)))
    mean = ctx.reduce("ReduceMean", x, axes, True)
    diff = ctx.op("Sub", x, mean)
    var = ctx.reduce("ReduceMean", ctx.op("Mul", diff, diff), axes, True)
    y = ctx.op("Div", diff, ctx.op("Sqrt", ctx.op("Add", var, _scalar_const(ctx, eps, dt))))
    if not ctx.is_none(1):
        y = ctx.op("Mul", y, ctx.input(1))
    if not ctx.is_none(2):
        y = ctx.op("Add", y, ctx.input(2))
    return y, None, None


@_register("group_norm")
def _group_norm(ctx: SymbolicContext) -> Any:
    groups, eps = ctx.params
    shape = ctx.input_shape(0)
    dt = ctx.output_dtype()
    x = ctx.input(0)
    grouped = ctx.op("Reshape", x, ctx.ints([0, int(groups), -1]))
    mean = ctx.reduce("ReduceMean", grouped, [2], True)
    diff = ctx.op("Sub", grouped, mean)
    var = ctx.reduce("ReduceMean", ctx.op("Mul", diff, diff), [2], True)
    y = ctx.op("Div", diff, ctx.op("Sqrt", ctx.op("Add", var, _scalar_const(ctx, eps, dt))))
    y = ctx.op("Reshape", y, ctx.op("Shape", x))
    cs = _channel_shape(ctx, len(shape))
    if not ctx.is_none(1):
        y = ctx.op("Mul", y, ctx.op("Reshape", ctx.input(1), cs))
    if not ctx.is_none(2):
        y = ctx.op("Add", y, ctx.op("Reshape", ctx.input(2), cs))
    return y, None, None


@_register("rms_norm")
def _rms_norm(ctx: SymbolicContext) -> Any:
    k, eps = ctx.params
    shape = ctx.input_shape(0)
    dt = ctx.output_dtype()
    x = ctx.input(0)
    axes = list(range(len(shape) - k, len(shape)))
    ms = ctx.reduce("ReduceMean", ctx.op("Mul", x, x), axes, True)
    y = ctx.op(
        "Div",
        x,
        ctx.op("Sqrt", ctx.op("Add", ms, _scalar_const(ctx, eps if eps is not None else float(np.finfo(dt).eps), dt))),
    )
    if not ctx.is_none(1):
        y = ctx.op("Mul", y, ctx.input(1))
    return y, None


@_register("embedding")
def _embedding(ctx: SymbolicContext) -> Any:
    return ctx.op("Gather", ctx.input(0), ctx.input(1), axis=0)


@_register("scaled_dot_product_attention")
def _sdpa(ctx: SymbolicContext) -> Any:
    is_causal, scale, _ = ctx.params
    dt = ctx.output_dtype()
    q, k, v = ctx.input(0), ctx.input(1), ctx.input(2)
    rank = len(ctx.input_shape(1))
    perm = list(range(rank))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    scores = ctx.op("MatMul", q, ctx.op("Transpose", k, perm=perm))
    scores = ctx.op("Mul", scores, _scalar_const(ctx, scale, dt))
    if not ctx.is_none(3):
        if ctx.input_dtype(3) == np.bool_:
            mask = ctx.op("Where", ctx.input(3), _scalar_const(ctx, 0, dt), _scalar_const(ctx, -np.inf, dt))
        else:
            mask = ctx.input(3, dt)
        scores = ctx.op("Add", scores, mask)
    if is_causal:
        keep = _triangle(ctx, scores, 0, upper=False)
        scores = ctx.op("Where", keep, scores, _scalar_const(ctx, -np.inf, dt))
    probs = ctx.op("Softmax", scores, axis=-1)
    return ctx.op("MatMul", probs, v), probs


# ------------------------------------------------------------------ nn: recurrent layers


def _reorder_gates(ctx: SymbolicContext, w: str, hidden: int, order: Sequence[int]) -> str:
    """Split ``w`` into gate blocks of ``hidden`` rows along axis 0 and concatenate them in ``order``."""
    parts = ctx.op("Split", w, ctx.ints([hidden] * len(order)), axis=0, num_outputs=len(order))
    result: str = ctx.op("Concat", *[parts[i] for i in order], axis=0)
    return result


def _time_major(ctx: SymbolicContext, x: str, h0: str, width: int) -> str:
    """``x`` of shape (T*B, width) as (T, B, width), B read from ``h0`` (B, H)."""
    batch = ctx.op("Gather", ctx.op("Shape", h0), ctx.ints([0]), axis=0)
    target = ctx.op("Concat", ctx.ints([-1]), batch, ctx.ints([width]), axis=0)
    return ctx.op("Reshape", x, target)  # type: ignore[no-any-return]


class _Layout:
    """How a layer op's rows become an ONNX recurrent node's (T, B, F) input and back.

    NOTE [ Packed sequences ]
    A packed forward hands each layer op the rows of ``sum(batch_sizes)`` time steps (step ``t`` owns the first
    ``batch_sizes[t]`` sequences, sorted by decreasing length). When the batch sizes differ, the rows are
    scattered into a zero-padded (T, B, F) batch with one constant Gather (a zero row appended for the padding),
    the ONNX node gets the sorted lengths as ``sequence_lens`` (it leaves outputs past a sequence's end at zero
    and returns each sequence's last valid state as ``Y_h``), and a second Gather takes the valid rows back into
    packed order. The rows between layers stay packed, so projections, Concat of directions and the
    ``index_select`` calls of ``pack_padded_sequence``/``pad_packed_sequence`` export as they are. The lengths
    are those of the traced batch (constants of the graph).
    """

    def __init__(self, ctx: SymbolicContext, batch_sizes: Sequence[int]) -> None:
        sizes = [int(b) for b in batch_sizes]
        self.packed = len(set(sizes)) > 1
        if not self.packed:
            return
        if any(isinstance(b, DynInt) for b in batch_sizes):
            raise ctx.error("packed sequences whose batch sizes follow a dynamic axis")
        steps, batch = len(sizes), sizes[0]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        total = int(offsets[-1])
        pad_index = np.full((steps, batch), total, dtype=np.int64)  # row ``total``: the appended zero row
        for t, b in enumerate(sizes):
            pad_index[t, :b] = np.arange(offsets[t], offsets[t] + b)
        self.pad_index = pad_index.reshape(-1)
        self.pack_index = np.concatenate([t * batch + np.arange(b) for t, b in enumerate(sizes)]).astype(np.int64)
        self.lengths = (np.asarray(sizes)[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int32)
        self.steps, self.batch = steps, batch

    def inputs(self, ctx: SymbolicContext, x: str, h0: str, width: int) -> tuple[str, str]:
        """The (T, B, width) input and the ``sequence_lens`` input ("" when not packed)."""
        if not self.packed:
            return _time_major(ctx, x, h0, width), ""
        zero = ctx.constant(np.zeros((1, width), dtype=ctx.output_dtype()))
        padded = ctx.op("Gather", ctx.op("Concat", x, zero, axis=0), ctx.constant(self.pad_index), axis=0)
        padded = ctx.op("Reshape", padded, ctx.ints([self.steps, self.batch, width]))
        return padded, ctx.constant(self.lengths)

    def output(self, ctx: SymbolicContext, y: str, hidden: int) -> str:
        """The node's Y (T, 1, B, H) as the layer op's rows (packed rows when packed)."""
        rows: str = ctx.op("Reshape", y, ctx.ints([-1, hidden]))
        if self.packed:
            rows = ctx.op("Gather", rows, ctx.constant(self.pack_index), axis=0)
        return rows


@_register("lstm_layer")
def _lstm(ctx: SymbolicContext) -> Any:
    batch_sizes, reverse = ctx.params
    layout = _Layout(ctx, batch_sizes)
    if not ctx.is_none(7):
        raise ctx.error("LSTMs with projections (proj_size > 0), as in torch.onnx: ONNX LSTM has no projection")
    w_ih_shape = ctx.input_shape(3)
    hidden = w_ih_shape[0] // 4
    order = (0, 3, 1, 2)  # PyTorch i f g o -> ONNX i o f c
    h0, c0 = ctx.input(1), ctx.input(2)
    x, lens = layout.inputs(ctx, ctx.input(0), h0, int(w_ih_shape[1]))
    w = ctx.unsqueeze(_reorder_gates(ctx, ctx.input(3), hidden, order), [0])
    r = ctx.unsqueeze(_reorder_gates(ctx, ctx.input(4), hidden, order), [0])
    inputs = [x, w, r]
    if not ctx.is_none(5):
        b_ih = _reorder_gates(ctx, ctx.input(5), hidden, order)
        b_hh = (
            _reorder_gates(ctx, ctx.input(6), hidden, order)
            if not ctx.is_none(6)
            else ctx.constant(np.zeros(4 * hidden, dtype=ctx.output_dtype()))
        )
        inputs.append(ctx.unsqueeze(ctx.op("Concat", b_ih, b_hh, axis=0), [0]))
    else:
        inputs.append("")
    inputs += [lens, ctx.unsqueeze(h0, [0]), ctx.unsqueeze(c0, [0])]
    y, y_h, y_c = ctx.op("LSTM", *inputs, num_outputs=3, hidden_size=hidden,
                         direction="reverse" if reverse else "forward")  # fmt: skip
    return layout.output(ctx, y, hidden), ctx.squeeze(y_h, [0]), ctx.squeeze(y_c, [0]), None


@_register("gru_layer")
def _gru(ctx: SymbolicContext) -> Any:
    batch_sizes, reverse = ctx.params
    layout = _Layout(ctx, batch_sizes)
    hidden = ctx.input_shape(2)[1]
    dt = ctx.output_dtype()
    order = (1, 0, 2)  # PyTorch r z n -> ONNX z r h
    h0 = ctx.input(1)
    x, lens = layout.inputs(ctx, ctx.input(0), h0, 3 * hidden)
    # the input projection (W_ih x + b_ih) was computed by earlier ops: W picks its gate blocks in ONNX order
    perm = np.concatenate([np.arange(g * hidden, (g + 1) * hidden) for g in order])
    w = ctx.constant(np.eye(3 * hidden, dtype=dt)[perm][None])
    r = ctx.unsqueeze(_reorder_gates(ctx, ctx.input(2), hidden, order), [0])
    inputs = [x, w, r]
    if not ctx.is_none(3):
        rb = _reorder_gates(ctx, ctx.input(3), hidden, order)
        inputs.append(ctx.unsqueeze(ctx.op("Concat", ctx.constant(np.zeros(3 * hidden, dtype=dt)), rb, axis=0), [0]))
    else:
        inputs.append("")
    inputs += [lens, ctx.unsqueeze(h0, [0])]
    y, y_h = ctx.op("GRU", *inputs, num_outputs=2, hidden_size=hidden, linear_before_reset=1,
                    direction="reverse" if reverse else "forward")  # fmt: skip
    return layout.output(ctx, y, hidden), ctx.squeeze(y_h, [0]), None


@_register("rnn_layer")
def _rnn(ctx: SymbolicContext) -> Any:
    batch_sizes, reverse, nonlinearity = ctx.params
    layout = _Layout(ctx, batch_sizes)
    hidden = ctx.input_shape(2)[1]
    dt = ctx.output_dtype()
    h0 = ctx.input(1)
    x, lens = layout.inputs(ctx, ctx.input(0), h0, hidden)
    w = ctx.constant(np.eye(hidden, dtype=dt)[None])
    r = ctx.unsqueeze(ctx.input(2), [0])
    activation = "Tanh" if nonlinearity == "tanh" else "Relu"
    y, y_h = ctx.op("RNN", x, w, r, "", lens, ctx.unsqueeze(h0, [0]), num_outputs=2, hidden_size=hidden,
                    activations=[activation], direction="reverse" if reverse else "forward")  # fmt: skip
    return layout.output(ctx, y, hidden), ctx.squeeze(y_h, [0]), None


# ------------------------------------------------------------------ more tensor ops, losses


@_register("bitwise_not")
def _bitwise_not(ctx: SymbolicContext) -> Any:
    if ctx.output_dtype() == np.bool_:
        return ctx.op("Not", ctx.input(0))
    if ctx.opset < 18:
        raise ctx.error("bitwise_not on integers needs opset 18 (BitwiseNot)")
    return ctx.op("BitwiseNot", ctx.input(0))


@_register("logaddexp")
def _logaddexp(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    a, b = ctx.input(0, dt), ctx.input(1, dt)
    top = ctx.op("Max", a, b)
    total = ctx.op("Add", ctx.op("Exp", ctx.op("Sub", a, top)), ctx.op("Exp", ctx.op("Sub", b, top)))
    return ctx.op("Add", top, ctx.op("Log", total))


@_register("gather")
def _gather(ctx: SymbolicContext) -> Any:
    (dim,) = ctx.params
    return ctx.op("GatherElements", ctx.input(0), ctx.input(1, np.int64), axis=int(dim))


@_register("scatter", "scatter_add")
def _scatter(ctx: SymbolicContext) -> Any:
    dim = ctx.params[0]
    dt = ctx.output_dtype()
    attrs: dict[str, Any] = {"axis": int(dim)}
    if ctx.op_name == "scatter_add":
        if ctx.opset < 16:
            raise ctx.error("scatter_add needs opset 16 (ScatterElements reduction='add')")
        attrs["reduction"] = "add"
    src = ctx.input(2, dt)
    index_shape = ctx.op("Shape", ctx.input(1))
    if not ctx.is_tensor(2):  # a scalar value
        src = ctx.op("Expand", src, index_shape)
    elif ctx.input_shape(2) != ctx.input_shape(1):  # PyTorch reads only the index-shaped corner of src
        rank = len(ctx.input_shape(1))
        src = ctx.op("Slice", src, ctx.ints([0] * rank), index_shape, ctx.ints(list(range(rank))))
    return ctx.op("ScatterElements", ctx.input(0, dt), ctx.input(1, np.int64), src, **attrs)


@_register("topk")
def _topk(ctx: SymbolicContext) -> Any:
    k, dim, largest, sorted_ = ctx.params
    values, indices = ctx.op("TopK", ctx.input(0), ctx.ints([k]), num_outputs=2, axis=int(dim),
                             largest=int(bool(largest)), sorted=int(bool(sorted_)))  # fmt: skip
    return values, indices


@_register("sort")
def _sort(ctx: SymbolicContext) -> Any:
    dim, descending, _ = ctx.params
    shape = ctx.input_shape(0)
    if not shape:
        return ctx.op("Identity", ctx.input(0)), ctx.constant(np.asarray(0, dtype=np.int64))
    axis = int(dim) % len(shape)
    k = ctx.op("Gather", ctx.op("Shape", ctx.input(0)), ctx.ints([axis]), axis=0)
    values, indices = ctx.op("TopK", ctx.input(0), k, num_outputs=2, axis=axis, largest=int(bool(descending)),
                             sorted=1)  # fmt: skip
    return values, indices


@_register("col2im")
def _col2im(ctx: SymbolicContext) -> Any:
    output_size, kernel, dilation, padding, stride = ctx.params
    shape = ctx.input_shape(0)
    taps = int(np.prod(kernel))
    channels = int(shape[-2]) // taps
    blocks = [
        (int(o) + 2 * int(p) - int(d) * (int(k) - 1) - 1) // int(s) + 1
        for o, p, d, k, s in zip(output_size, padding, dilation, kernel, stride, strict=True)
    ]
    # the adjoint of im2col's one-hot convolution: a transposed convolution sums each tap back into place
    weight = np.zeros((channels * taps, 1, *kernel), dtype=ctx.output_dtype())
    for c in range(channels):
        for j in range(taps):
            weight[c * taps + j, 0].flat[j] = 1
    natural = [(b - 1) * int(s) - 2 * int(p) + int(d) * (int(k) - 1) + 1
               for b, s, p, d, k in zip(blocks, stride, padding, dilation, kernel, strict=True)]  # fmt: skip
    x = ctx.input(0)
    batched = len(shape) == 3
    if not batched:
        x = ctx.unsqueeze(x, [0])
    x = ctx.op("Reshape", x, ctx.ints([0, channels * taps, *blocks]))
    y = ctx.op("ConvTranspose", x, ctx.constant(weight), kernel_shape=list(kernel), dilations=list(dilation),
               pads=list(padding) * 2, strides=list(stride), group=channels,
               output_padding=[int(o) - n for o, n in zip(output_size, natural, strict=True)])  # fmt: skip
    return y if batched else ctx.squeeze(y, [0])


def _loss_inputs(ctx: SymbolicContext) -> list[str]:
    inputs = [ctx.input(0), ctx.input(1, np.int64)]
    if not ctx.is_none(2):
        inputs.append(ctx.input(2))
    return inputs


@_register("nll_loss")
def _nll_loss(ctx: SymbolicContext) -> Any:
    reduction, ignore_index = ctx.params
    if len(ctx.input_shape(0)) == 1:
        raise ctx.error("an unbatched input (give the loss a batch axis)")
    return ctx.op("NegativeLogLikelihoodLoss", *_loss_inputs(ctx), reduction=str(reduction),
                  ignore_index=int(ignore_index))  # fmt: skip


@_register("cross_entropy")
def _cross_entropy(ctx: SymbolicContext) -> Any:
    reduction, ignore_index = ctx.params
    if ctx.input_dtype(1).kind == "f":
        raise ctx.error("class probabilities as targets (ONNX SoftmaxCrossEntropyLoss takes class indices)")
    if len(ctx.input_shape(0)) == 1:
        raise ctx.error("an unbatched input (give the loss a batch axis)")
    return ctx.op("SoftmaxCrossEntropyLoss", *_loss_inputs(ctx), reduction=str(reduction),
                  ignore_index=int(ignore_index))  # fmt: skip


# ------------------------------------------------------------------ elementwise special cases


@_register("erfc")
def _erfc(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    return ctx.op("Sub", _scalar_const(ctx, 1, dt), ctx.op("Erf", ctx.input(0, dt)))


@_register("frac")
def _frac(ctx: SymbolicContext) -> Any:
    x = ctx.input(0)
    return ctx.op("Sub", x, ctx.op("Mul", ctx.op("Sign", x), ctx.op("Floor", ctx.op("Abs", x))))


@_register("hypot")
def _hypot(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    a, b = ctx.input(0, dt), ctx.input(1, dt)
    return ctx.op("Sqrt", ctx.op("Add", ctx.op("Mul", a, a), ctx.op("Mul", b, b)))


@_register("atan2")
def _atan2(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    y, x = ctx.input(0, dt), ctx.input(1, dt)
    zero = _scalar_const(ctx, 0, dt)
    base = ctx.op("Atan", ctx.op("Div", y, x))
    pi = _scalar_const(ctx, math.pi, dt)
    x_neg = ctx.op("Less", x, zero)
    shifted = ctx.op("Where", ctx.op("Less", y, zero), ctx.op("Sub", base, pi), ctx.op("Add", base, pi))
    on_axis = ctx.op("Mul", ctx.op("Sign", y), _scalar_const(ctx, math.pi / 2, dt))
    x_zero = ctx.op("Equal", x, zero)
    return ctx.op("Where", x_zero, on_axis, ctx.op("Where", x_neg, shifted, base))


@_register("isfinite")
def _isfinite(ctx: SymbolicContext) -> Any:
    x = ctx.input(0)
    if ctx.input_dtype(0).kind in "iub":  # integers are always finite
        return ctx.op("Equal", x, x)
    return ctx.op("Not", ctx.op("Or", ctx.op("IsNaN", x), ctx.op("IsInf", x)))


@_register("isposinf", "isneginf")
def _isposneginf(ctx: SymbolicContext) -> Any:
    positive = ctx.op_name == "isposinf"
    return ctx.op("IsInf", ctx.input(0), detect_positive=int(positive), detect_negative=int(not positive))


@_register("logit")
def _logit(ctx: SymbolicContext) -> Any:
    (eps,) = ctx.params
    dt = ctx.output_dtype()
    x = ctx.input(0, dt)
    if eps is not None:
        x = ctx.op("Clip", x, _scalar_const(ctx, eps, dt), _scalar_const(ctx, 1 - eps, dt))
    return ctx.op("Log", ctx.op("Div", x, ctx.op("Sub", _scalar_const(ctx, 1, dt), x)))


@_register("nan_to_num")
def _nan_to_num(ctx: SymbolicContext) -> Any:
    nan, posinf, neginf = ctx.params
    dt = ctx.output_dtype()
    x = ctx.input(0)
    if dt.kind not in "fc":
        return ctx.op("Identity", x)
    info = np.finfo(dt)
    big = float(info.max) if posinf is None else posinf
    small = float(info.min) if neginf is None else neginf
    x = ctx.op("Where", ctx.op("IsNaN", x), _scalar_const(ctx, nan, dt), x)
    x = ctx.op("Where", ctx.op("IsInf", x, detect_negative=0), _scalar_const(ctx, big, dt), x)
    return ctx.op("Where", ctx.op("IsInf", x, detect_positive=0), _scalar_const(ctx, small, dt), x)


@_register("xlogy")
def _xlogy(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    x, y = ctx.input(0, dt), ctx.input(1, dt)
    zero = _scalar_const(ctx, 0, dt)
    product = ctx.op("Mul", x, ctx.op("Log", y))
    keep_nan = ctx.op("IsNaN", y)
    return ctx.op("Where", ctx.op("And", ctx.op("Equal", x, zero), ctx.op("Not", keep_nan)), zero, product)


@_register("logaddexp2")
def _logaddexp2(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    a, b = ctx.input(0, dt), ctx.input(1, dt)
    ln2 = _scalar_const(ctx, math.log(2.0), dt)
    top = ctx.op("Max", a, b)
    ea = ctx.op("Exp", ctx.op("Mul", ctx.op("Sub", a, top), ln2))
    eb = ctx.op("Exp", ctx.op("Mul", ctx.op("Sub", b, top), ln2))
    return ctx.op("Add", top, ctx.op("Div", ctx.op("Log", ctx.op("Add", ea, eb)), ln2))


@_register("div_trunc")
def _div_trunc(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    if dt.kind in "iu":
        return ctx.op("Div", ctx.input(0, dt), ctx.input(1, dt))  # ONNX integer Div truncates
    q = ctx.op("Div", ctx.input(0, dt), ctx.input(1, dt))
    return ctx.op("Mul", ctx.op("Sign", q), ctx.op("Floor", ctx.op("Abs", q)))


@_register("isclose")
def _isclose(ctx: SymbolicContext) -> Any:
    rtol, atol, equal_nan = ctx.params
    dt = _compute_dtype(ctx)
    if dt.kind not in "fc":
        dt = np.dtype(np.float64)
    a, b = ctx.input(0, dt), ctx.input(1, dt)
    diff = ctx.op("Abs", ctx.op("Sub", a, b))
    tol = ctx.op("Add", _scalar_const(ctx, atol, dt), ctx.op("Mul", _scalar_const(ctx, rtol, dt), ctx.op("Abs", b)))
    close = ctx.op("Or", ctx.op("Equal", a, b), ctx.op("LessOrEqual", diff, tol))
    if equal_nan:
        close = ctx.op("Or", close, ctx.op("And", ctx.op("IsNaN", a), ctx.op("IsNaN", b)))
    return close


@_register("count_nonzero")
def _count_nonzero(ctx: SymbolicContext) -> Any:
    (axis,) = ctx.params
    x = ctx.input(0)
    nonzero = ctx.cast(ctx.op("Not", ctx.op("Equal", x, ctx.constant(np.asarray(0, dtype=ctx.input_dtype(0))))),
                       np.int64)  # fmt: skip
    return ctx.reduce("ReduceSum", nonzero, None if axis is None else list(axis), False)


@_register("nansum", "nanmean")
def _nan_reduce(ctx: SymbolicContext) -> Any:
    axis, keepdim, _ = ctx.params
    dt = ctx.output_dtype()
    x = ctx.input(0, dt)
    axes = None if axis is None else list(axis)
    is_nan = ctx.op("IsNaN", x)
    zeroed = ctx.op("Where", is_nan, _scalar_const(ctx, 0, dt), x)
    total = ctx.reduce("ReduceSum", zeroed, axes, bool(keepdim))
    if ctx.op_name == "nansum":
        return total
    count = ctx.reduce("ReduceSum", ctx.cast(ctx.op("Not", is_nan), dt), axes, bool(keepdim))
    return ctx.op("Div", total, count)


@_register("take")
def _take(ctx: SymbolicContext) -> Any:
    flat = ctx.op("Reshape", ctx.input(0), ctx.ints([-1]))
    return ctx.op("Gather", flat, ctx.input(1, np.int64), axis=0)


@_register("repeat_interleave")
def _repeat_interleave(ctx: SymbolicContext) -> Any:
    repeats, dim = ctx.params
    if not isinstance(repeats, int):
        raise ctx.error("per-element repeats (data-dependent output shape)")
    shape = ctx.input_shape(0)
    axis = int(dim) % len(shape)
    x = ctx.unsqueeze(ctx.input(0), [axis + 1])
    tiles = [1] * (len(shape) + 1)
    tiles[axis + 1] = int(repeats)
    x = ctx.op("Tile", x, ctx.ints(tiles))
    # the input's shape with dim ``axis`` times ``repeats`` (Reshape's 0s would copy the tiled tensor's dims,
    # shifted by the inserted axis past ``axis``)
    factors = [1] * len(shape)
    factors[axis] = int(repeats)
    target = ctx.op("Mul", ctx.op("Shape", ctx.input(0)), ctx.ints(factors))
    return ctx.op("Reshape", x, target)


# ------------------------------------------------------------------ in-place writes


@_register("setitem")
def _setitem(ctx: SymbolicContext) -> Any:
    """``x[key] = value`` for keys that select along one axis (an index or a step-1 slice), written with Concat.

    The result is ``Concat(x[..:start], expand(value), x[stop:..])`` along that axis, so it stays valid when other
    axes are dynamic.
    """
    (key,) = ctx.params
    key = key if isinstance(key, tuple) else (key,)
    shape = ctx.input_shape(0)
    rank = len(shape)
    used = sum(1 for k in key if k is not Ellipsis)
    if any(k is None for k in key) or used > rank:
        raise ctx.error("assignment with None in the key")
    expanded: list[Any] = []
    for k in key:
        expanded.extend([slice(None)] * (rank - used) if k is Ellipsis else [k])
    expanded += [slice(None)] * (rank - len(expanded))
    picked = [(axis, k) for axis, k in enumerate(expanded) if k != slice(None)]
    if len(picked) != 1:
        raise ctx.error("assignment into a selection along more than one axis (or none)")
    ((axis, k),) = picked
    dt = ctx.output_dtype()
    x = ctx.input(0)
    if isinstance(k, slice):
        if k.step not in (None, 1):
            raise ctx.error("assignment into a strided slice")
        start = 0 if k.start is None else k.start
        stop = _INT64_MAX if k.stop is None else k.stop
        drops_axis = False
    elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
        start, stop = int(k), (int(k) + 1 if int(k) != -1 else _INT64_MAX)
        drops_axis = True
    else:
        raise ctx.error(f"assignment with a key of type {type(k).__name__}")
    before = ctx.op("Slice", x, ctx.ints([0]), ctx.ints([start]), ctx.ints([axis]))
    middle = ctx.op("Slice", x, ctx.ints([start]), ctx.ints([stop]), ctx.ints([axis]))
    after = ctx.op("Slice", x, ctx.ints([stop]), ctx.ints([_INT64_MAX]), ctx.ints([axis]))
    value = ctx.input(1, dt)
    value_rank = len(ctx.input_shape(1)) if ctx.is_tensor(1) else 0
    if drops_axis and value_rank > 0:
        position = axis - (rank - 1 - value_rank)  # the selected axis inside value's (right-aligned) dims
        if position >= 0:
            value = ctx.unsqueeze(value, [position])
    value = ctx.op("Expand", value, ctx.op("Shape", middle))
    return ctx.op("Concat", before, value, after, axis=axis)


# ------------------------------------------------------------------ unpooling, scans, selections, linalg


@_register("max_unpool")
def _max_unpool(ctx: SymbolicContext) -> Any:
    """MaxUnpool with an ``output_shape`` input; PyTorch's per-plane indices become ONNX's flat (N, C, ...) ones."""
    (out,) = ctx.params
    nd = len(out)
    x, indices = ctx.input(0), ctx.input(1, np.int64)
    shape = ctx.op("Shape", x)
    lead = ctx.op("Slice", shape, ctx.ints([0]), ctx.ints([2]), ctx.ints([0]))  # N, C
    planes = ctx.reduce("ReduceProd", lead, [0], False)
    one, zero = ctx.constant(np.asarray(1, dtype=np.int64)), ctx.constant(np.asarray(0, dtype=np.int64))
    plane = ctx.constant(np.asarray(int(np.prod([int(o) for o in out])), dtype=np.int64))
    offsets = ctx.op("Mul", ctx.op("Range", zero, planes, one), plane)
    offsets = ctx.op("Reshape", offsets, ctx.op("Concat", lead, ctx.ints([1] * nd), axis=0))
    flat = ctx.op("Add", indices, offsets)
    output_shape = ctx.op("Concat", lead, ctx.ints([int(o) for o in out]), axis=0)
    # kernel 1 / stride 1: the output size comes from output_shape (never smaller than the input's)
    return ctx.op("MaxUnpool", x, flat, output_shape, kernel_shape=[1] * nd, strides=[1] * nd)


def _move_last(ctx: SymbolicContext, x: str, axis: int, rank: int) -> tuple[str, list[int] | None]:
    """``x`` with ``axis`` swapped to the end, and the permutation that undoes it (None: nothing moved)."""
    if axis == rank - 1:
        return x, None
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return ctx.op("Transpose", x, perm=perm), perm


@_register("cumprod")
def _cumprod(ctx: SymbolicContext) -> Any:
    """ONNX has no CumProd: the running products are a ReduceProd over a lower-triangular (n, n) selection."""
    dim = int(ctx.params[0])
    dt = ctx.output_dtype()
    shape = ctx.input_shape(0)
    if not shape:
        return ctx.op("Identity", ctx.input(0, dt))
    rank = len(shape)
    x, perm = _move_last(ctx, ctx.input(0, dt), dim % rank, rank)
    rows = ctx.unsqueeze(x, [rank - 1])  # (..., 1, n)
    n = ctx.squeeze(ctx.op("Gather", ctx.op("Shape", x), ctx.ints([-1]), axis=0), [0])
    steps = ctx.op("Range", ctx.constant(np.asarray(0, dtype=np.int64)), n, ctx.constant(np.asarray(1, dtype=np.int64)))
    keep = ctx.op("LessOrEqual", ctx.unsqueeze(steps, [0]), ctx.unsqueeze(steps, [1]))  # [i, j]: j <= i
    picked = ctx.op("Where", keep, rows, _scalar_const(ctx, 1, dt))  # [i, j] = x_j for j <= i, else 1
    y = ctx.reduce("ReduceProd", picked, [rank], False)
    return ctx.op("Transpose", y, perm=perm) if perm is not None else y


@_register("diagonal")
def _diagonal(ctx: SymbolicContext) -> Any:
    """The two axes moved to the end and flattened; the diagonal is one Gather of flat positions."""
    offset, dim1, dim2 = (int(p) for p in ctx.params)
    shape = ctx.input_shape(0)
    rank = len(shape)
    d1, d2 = dim1 % rank, dim2 % rank
    n1, n2 = int(shape[d1]), int(shape[d2])
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rows = np.arange(length) - min(offset, 0)
    cols = np.arange(length) + max(offset, 0)
    perm = [a for a in range(rank) if a not in (d1, d2)] + [d1, d2]
    x = ctx.op("Transpose", ctx.input(0), perm=perm)
    x = ctx.op("Reshape", x, ctx.ints([0] * (rank - 2) + [n1 * n2]))
    return ctx.op("Gather", x, ctx.constant((rows * n2 + cols).astype(np.int64)), axis=rank - 2)


def _axis_size(ctx: SymbolicContext, x: str, axis: int) -> str:
    """The run-time size of ``x`` along ``axis`` as a 1-element int64 tensor (the axis may be dynamic)."""
    return ctx.op("Gather", ctx.op("Shape", x), ctx.ints([axis]))  # type: ignore[no-any-return]


def _lower_median(ctx: SymbolicContext, x: str, axis: int) -> tuple[str, str]:
    size = _axis_size(ctx, x, axis)
    values, indices = ctx.op("TopK", x, size, num_outputs=2, axis=axis, largest=0, sorted=1)
    one, two = ctx.ints([1]), ctx.ints([2])
    pick = ctx.op("Div", ctx.op("Sub", size, one), two)
    return ctx.op("Gather", values, pick, axis=axis), ctx.op("Gather", indices, pick, axis=axis)


def _float_median(ctx: SymbolicContext, x: str, axis: int, ignore_nan: bool) -> tuple[str, str]:
    """The median of floats as PyTorch takes it: NaNs sort last (TopK of NaNs as +inf); ``median`` of a row with
    NaNs is its first NaN (element ``n - nans``), ``nanmedian`` picks element ``(n - nans - 1) // 2``."""
    dt = ctx.input_dtype(0)
    nan = ctx.op("IsNaN", x)
    filled = ctx.op("Where", nan, _scalar_const(ctx, np.inf, dt), x)
    size = _axis_size(ctx, x, axis)
    _, order = ctx.op("TopK", filled, size, num_outputs=2, axis=axis, largest=0, sorted=1)
    nans = ctx.reduce("ReduceSum", ctx.cast(nan, np.int64), [axis], True)
    kept = ctx.op("Sub", size, nans)
    zero, one, two = (ctx.constant(np.asarray(v, dtype=np.int64)) for v in (0, 1, 2))
    if ignore_nan:
        pick = ctx.op("Div", ctx.op("Max", ctx.op("Sub", kept, one), zero), two)
    else:
        middle = ctx.op("Div", ctx.op("Sub", size, one), two)
        pick = ctx.op("Where", ctx.op("Greater", nans, zero), kept, middle)
    indices = ctx.op("GatherElements", order, pick, axis=axis)
    return ctx.op("GatherElements", x, indices, axis=axis), indices


@_register("median")
def _median(ctx: SymbolicContext) -> Any:
    """The lower median along ``dim`` (PyTorch's): an ascending TopK of the whole axis, element ``(n - 1) // 2``."""
    dim, keepdim, ignore_nan = ctx.params
    shape = ctx.input_shape(0)
    if not shape:
        return ctx.op("Identity", ctx.input(0)), ctx.constant(np.asarray(0, dtype=np.int64))
    axis = int(dim) % len(shape)
    if ctx.input_dtype(0).kind == "f":
        values, indices = _float_median(ctx, ctx.input(0), axis, bool(ignore_nan))
    else:
        values, indices = _lower_median(ctx, ctx.input(0), axis)
    if not keepdim:
        values, indices = ctx.squeeze(values, [axis]), ctx.squeeze(indices, [axis])
    return values, indices


@_register("median_all")
def _median_all(ctx: SymbolicContext) -> Any:
    (ignore_nan,) = ctx.params
    n = int(np.prod(ctx.input_shape(0)))
    if n == 0:
        raise ctx.error("the median of an empty tensor")
    flat = ctx.op("Reshape", ctx.input(0), ctx.ints([-1]))
    if ctx.input_dtype(0).kind == "f":
        values, _ = _float_median(ctx, flat, 0, bool(ignore_nan))
    else:
        values, _ = _lower_median(ctx, flat, 0)
    return ctx.squeeze(values, [0])


@_register("index_put")
def _index_put(ctx: SymbolicContext) -> Any:
    """``x[indices] = values`` (``+=`` with accumulate) as a ScatterND over the indexed axes moved first."""
    (accumulate,) = ctx.params
    if accumulate and ctx.opset < 16:
        raise ctx.error("index_put with accumulate=True needs opset 16 (ScatterND reduction='add')")
    dt = ctx.output_dtype()
    moved, index, perm, axes, rank = _gather_nd_layout(ctx, 1)
    x_rank = len(ctx.input_shape(0))
    # the updates have the shape of ``moved[index]``: the index shape, then the axes not indexed
    index_shape = ctx.op("Shape", index)
    s_shape = ctx.op("Slice", index_shape, ctx.ints([0]), ctx.ints([rank]), ctx.ints([0]))
    rest = ctx.op("Slice", ctx.op("Shape", moved), ctx.ints([len(axes)]), ctx.ints([_INT64_MAX]), ctx.ints([0]))
    values = ctx.input(2, dt)
    adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
    lead = axes[0] if adjacent else 0
    value_rank = len(ctx.input_shape(2)) if ctx.is_tensor(2) else 0
    target_rank = rank + x_rank - len(axes)
    if lead and value_rank > target_rank - lead - rank:
        # values broadcast against NumPy's placement (index dims at ``lead``): broadcast there, then move them first
        rest_lead = ctx.op("Slice", rest, ctx.ints([0]), ctx.ints([lead]), ctx.ints([0]))
        rest_tail = ctx.op("Slice", rest, ctx.ints([lead]), ctx.ints([_INT64_MAX]), ctx.ints([0]))
        placed = ctx.op("Expand", values, ctx.op("Concat", rest_lead, s_shape, rest_tail, axis=0))
        order = list(range(lead, lead + rank)) + list(range(lead)) + list(range(lead + rank, target_rank))
        values = ctx.op("Transpose", placed, perm=order)
    else:  # the values only cover trailing axes: the same in either placement
        values = ctx.op("Expand", values, ctx.op("Concat", s_shape, rest, axis=0))
    attrs: dict[str, Any] = {"reduction": "add"} if accumulate else {}
    y = ctx.op("ScatterND", ctx.cast(moved, dt) if ctx.input_dtype(0) != dt else moved, index, values, **attrs)
    if perm != list(range(x_rank)):
        y = ctx.op("Transpose", y, perm=[int(a) for a in np.argsort(perm)])
    return y


@_register("index_add")
def _index_add(ctx: SymbolicContext) -> Any:
    """``x.index_add(dim, index, source, alpha)`` as ScatterND(reduction='add') along ``dim`` moved first."""
    dim, alpha = ctx.params
    if ctx.opset < 16:
        raise ctx.error("index_add needs opset 16 (ScatterND reduction='add')")
    dt = ctx.output_dtype()
    rank = len(ctx.input_shape(0))
    if rank == 0:
        raise ctx.error("index_add into a 0-dim tensor")
    axis = int(dim) % rank
    perm = [axis] + [a for a in range(rank) if a != axis]
    x, source = ctx.input(0, dt), ctx.input(2, dt)
    if alpha != 1:
        source = ctx.op("Mul", source, _scalar_const(ctx, alpha, dt))
    if axis:
        x, source = ctx.op("Transpose", x, perm=perm), ctx.op("Transpose", source, perm=perm)
    index = ctx.op("Reshape", ctx.input(1, np.int64), ctx.ints([-1, 1]))
    y = ctx.op("ScatterND", x, index, source, reduction="add")
    return ctx.op("Transpose", y, perm=[int(a) for a in np.argsort(perm)]) if axis else y


@_register("masked_select")
def _masked_select(ctx: SymbolicContext) -> Any:
    """The elements where ``mask`` is set (broadcast with ``x``): NonZero + GatherND (a data-dependent size)."""
    x, mask = ctx.input(0), ctx.input(1, np.bool_)
    xb = ctx.op("Where", mask, x, x)  # x broadcast against the mask
    mb = ctx.op("Expand", mask, ctx.op("Shape", xb))
    if not ctx.input_shape(0) and not ctx.input_shape(1):
        xb, mb = ctx.unsqueeze(xb, [0]), ctx.unsqueeze(mb, [0])
    positions = ctx.op("Transpose", ctx.op("NonZero", mb), perm=[1, 0])
    return ctx.op("GatherND", xb, positions)


@_register("linalg_det")
def _linalg_det(ctx: SymbolicContext) -> Any:
    return ctx.op("Det", ctx.input(0))


# ------------------------------------------------------------------ fft (complex values as a trailing axis of 2)
#
# NOTE [ Complex values ]
# ONNX runtimes compute DFT on real tensors whose last axis holds (real, imaginary). A complex tocha value is
# exported that way: its ONNX tensor has one more axis, of size 2, and a real dtype. Only the ops in COMPLEX_OPS
# read such values (the exporter refuses any other op given one, and complex graph outputs).

COMPLEX_OPS = frozenset(
    {"_fft_resize", "fft_r2c", "fft_c2c", "fft_c2r", "to_dtype", "real", "imag", "abs", "view_as_real",
     "view_as_complex", "conj", "clone", "contiguous", "to_device"}
)  # fmt: skip


def _real_of(dt: np.dtype[Any]) -> np.dtype[Any]:
    return np.dtype(np.float64) if dt == np.complex128 else np.dtype(np.float32)


def _fft_scale(ctx: SymbolicContext, y: str, norm: Any, n: int, inverse: bool, dt: np.dtype[Any]) -> str:
    """ONNX DFT is unscaled forward and 1/n inverse (``norm="backward"``); other norms rescale."""
    factor = 1.0
    if norm == "ortho":
        factor = math.sqrt(n) if inverse else 1 / math.sqrt(n)
    elif norm == "forward":
        factor = float(n) if inverse else 1.0 / n
    return y if factor == 1.0 else ctx.op("Mul", y, _scalar_const(ctx, factor, dt))  # type: ignore[no-any-return]


def _dft(ctx: SymbolicContext, x: str, axis: int, inverse: bool, onesided: bool, length: int | None = None) -> str:
    """One DFT node along ``axis`` (a signal axis of a (..., 1 or 2) tensor); the axis is an input from opset 20."""
    attrs: dict[str, Any] = {"inverse": int(inverse), "onesided": int(onesided)}
    dft_length = ctx.constant(np.asarray(length, dtype=np.int64)) if length is not None else ""
    if ctx.opset >= 20:
        return ctx.op("DFT", x, dft_length, ctx.constant(np.asarray(axis, dtype=np.int64)), **attrs)  # type: ignore[no-any-return]
    return ctx.op("DFT", x, dft_length, axis=axis, **attrs)  # type: ignore[no-any-return]


def _check_dft(ctx: SymbolicContext) -> None:
    if ctx.opset < 17:
        raise ctx.error("fft ops need opset 17 (DFT)")


@_register("fft_r2c")
def _fft_r2c(ctx: SymbolicContext) -> Any:
    """rfft/rfftn: a one-sided DFT of the real input along the last dim, full DFTs along the others."""
    _check_dft(ctx)
    dims, norm = ctx.params[0], ctx.params[1]
    onesided = ctx.params[2] if len(ctx.params) > 2 else True
    shape = ctx.input_shape(0)
    rank = len(shape)
    dt = ctx.input_dtype(0)
    dims = [int(d) % rank for d in dims]
    y = ctx.unsqueeze(ctx.input(0), [rank])  # real signal: a trailing axis of 1
    y = _dft(ctx, y, dims[-1], False, bool(onesided))
    for d in dims[:-1]:
        y = _dft(ctx, y, d, False, False)
    return _fft_scale(ctx, y, norm, int(np.prod([shape[d] for d in dims])), False, dt)


@_register("fft_c2c")
def _fft_c2c(ctx: SymbolicContext) -> Any:
    _check_dft(ctx)
    dims, norm, forward = ctx.params
    shape = ctx.input_shape(0)
    rank = len(shape)
    dims = [int(d) % rank for d in dims]
    y = ctx.input(0)
    for d in dims:
        y = _dft(ctx, y, d, not forward, False)
    n = int(np.prod([shape[d] for d in dims]))
    # ONNX's inverse already divides by n (PyTorch's "backward" norm)
    return _fft_scale(ctx, y, norm, n, not forward, _real_of(ctx.output_dtype()))


@_register("fft_c2r")
def _fft_c2r(ctx: SymbolicContext) -> Any:
    """irfft/irfftn: inverse full DFTs along the leading dims, then the last dim's spectrum is completed by
    Hermitian symmetry (``X[n - k] = conj(X[k])``) and inverse-transformed; the result is its real part."""
    _check_dft(ctx)
    dims, norm, last = ctx.params
    shape = ctx.input_shape(0)
    rank = len(shape)
    dt = ctx.output_dtype()
    dims = [int(d) % rank for d in dims]
    n = int(last)
    y = ctx.input(0)
    for d in dims[:-1]:
        y = _dft(ctx, y, d, True, False)
    axis = dims[-1]
    half = n // 2 + 1
    have = int(shape[axis])
    if have < half:  # zero-pad the one-sided spectrum to n // 2 + 1 bins
        pads = [0] * (2 * (rank + 1))
        pads[rank + 1 + axis] = half - have
        y = ctx.op("Pad", y, ctx.ints(pads))
    elif have > half:
        y = ctx.op("Slice", y, ctx.ints([0]), ctx.ints([half]), ctx.ints([axis]))
    mirrored_count = n - half  # bins half..n-1 are conj(X[n-k]) for k in half..n-1, i.e. X[n-half]..X[1] reversed
    if mirrored_count > 0:
        mirror = ctx.op("Slice", y, ctx.ints([mirrored_count]), ctx.ints([0]), ctx.ints([axis]), ctx.ints([-1]))
        conj = ctx.op("Mul", mirror, ctx.constant(np.asarray([1, -1], dtype=dt)))
        y = ctx.op("Concat", y, conj, axis=axis)
    y = _dft(ctx, y, axis, True, False)
    real = ctx.squeeze(ctx.op("Slice", y, ctx.ints([0]), ctx.ints([1]), ctx.ints([rank])), [rank])
    sizes = [int(shape[d]) for d in dims[:-1]] + [n]
    return _fft_scale(ctx, real, norm, int(np.prod(sizes)), True, dt)


def _complex_part(ctx: SymbolicContext, k: int) -> str:
    rank = len(ctx.input_shape(0))
    part = ctx.op("Slice", ctx.input(0), ctx.ints([k]), ctx.ints([k + 1]), ctx.ints([rank]))
    return ctx.squeeze(part, [rank])


@_register("real")
def _real(ctx: SymbolicContext) -> Any:
    if ctx.input_dtype(0).kind != "c":
        return ctx.op("Identity", ctx.input(0))
    return _complex_part(ctx, 0)


@_register("imag")
def _imag(ctx: SymbolicContext) -> Any:
    if ctx.input_dtype(0).kind != "c":
        raise ctx.error("imag of a real tensor")
    return _complex_part(ctx, 1)


@_register("abs")
def _abs(ctx: SymbolicContext) -> Any:
    if ctx.input_dtype(0).kind != "c":
        return ctx.op("Abs", ctx.input(0, ctx.output_dtype()))
    rank = len(ctx.input_shape(0))
    return ctx.op("Sqrt", ctx.reduce("ReduceSumSquare", ctx.input(0), [rank], False))


@_register("conj")
def _conj(ctx: SymbolicContext) -> Any:
    if ctx.input_dtype(0).kind != "c":
        return ctx.op("Identity", ctx.input(0))
    return ctx.op("Mul", ctx.input(0), ctx.constant(np.asarray([1, -1], dtype=_real_of(ctx.input_dtype(0)))))


@_register("view_as_real", "view_as_complex")
def _view_as_real(ctx: SymbolicContext) -> Any:
    return ctx.op("Identity", ctx.input(0))


@_register("to_dtype")
def _to_dtype_complex(ctx: SymbolicContext) -> Any:
    src, dst = ctx.input_dtype(0), ctx.output_dtype()
    if src.kind != "c" and dst.kind != "c":
        return ctx.cast(ctx.input(0), dst)
    if src.kind == "c" and dst.kind == "c":
        return ctx.cast(ctx.input(0), _real_of(dst))
    if dst.kind == "c":  # real -> complex: a zero imaginary part
        rank = len(ctx.input_shape(0))
        re = ctx.unsqueeze(ctx.cast(ctx.input(0), _real_of(dst)), [rank])
        pads = [0] * (2 * (rank + 1))
        pads[-1] = 1
        return ctx.op("Pad", re, ctx.ints(pads))
    raise ctx.error("casting a complex tensor to a real dtype (use .real or .abs())")


@_register("_fft_resize")
def _fft_resize(ctx: SymbolicContext) -> Any:
    """Zero-pad or crop an fft input along ``dims`` to ``sizes`` (a complex input keeps its trailing axis)."""
    dims, sizes = ctx.params
    shape = ctx.input_shape(0)
    rank = len(shape) + (1 if ctx.input_dtype(0).kind == "c" else 0)
    y = ctx.input(0)
    for d, size in zip(dims, sizes, strict=True):
        d, have, size = int(d) % len(shape), int(shape[int(d) % len(shape)]), int(size)
        if size < have:
            y = ctx.op("Slice", y, ctx.ints([0]), ctx.ints([size]), ctx.ints([d]))
        elif size > have:
            pads = [0] * (2 * rank)
            pads[rank + d] = size - have
            y = ctx.op("Pad", y, ctx.ints(pads))
    return y if y != ctx.input(0) else ctx.op("Identity", y)


# ------------------------------------------------------------------ data-dependent sizes: nonzero, unique
#
# NOTE [ Data-dependent sizes ]
# ``nonzero`` (and ``argwhere``, one-argument ``where``, boolean masks), ``unique`` and ``unique_consecutive``
# return as many elements as the data asks for. Their ONNX nodes (NonZero, Unique, Compress) have no static
# output size, so the exporter marks every value computed from them as data dependent and gives the graph
# outputs among them symbolic dims (``_data_dependent`` in ``_export.py``); the traced count is never baked in.


@_register("nonzero")
def _nonzero(ctx: SymbolicContext) -> Any:
    """ONNX NonZero gives ``(ndim, n)`` indices; PyTorch's nonzero is its transpose ``(n, ndim)``."""
    x = ctx.input(0)
    if not ctx.input_shape(0):  # 0-dim: an (n, 0) result, n in {0, 1}
        rows = ctx.op("NonZero", ctx.unsqueeze(x, [0]))
        return ctx.op("Transpose", ctx.op("Slice", rows, ctx.ints([1]), ctx.ints([2]), ctx.ints([0])), perm=[1, 0])
    return ctx.op("Transpose", ctx.op("NonZero", x), perm=[1, 0])


# element types onnxruntime's Unique kernel takes; others go through a lossless cast
_UNIQUE_TYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.int8)})


def _unique_consecutive(ctx: SymbolicContext, x: str, dim: int | None, rank: int) -> Any:
    """Runs of equal elements (rows along ``dim``): start flags, Compress, CumSum and NonZero."""
    if dim is None:
        x = ctx.op("Reshape", x, ctx.ints([-1]))
        dim, rank = 0, 1
    start, stop, axis = ctx.ints([1]), ctx.ints([_INT64_MAX]), ctx.ints([dim])
    later = ctx.op("Slice", x, start, stop, axis)
    earlier = ctx.op("Slice", x, ctx.ints([0]), ctx.ints([-1]), axis)
    changed = ctx.op("Not", ctx.op("Equal", later, earlier))  # NaNs are all distinct, as in PyTorch
    others = [a for a in range(rank) if a != dim]
    if others:  # a row starts a new group when any of its elements changed
        changed = ctx.cast(ctx.reduce("ReduceMax", ctx.cast(changed, np.int32), others, False), np.bool_)
    flags = ctx.op("Concat", ctx.constant(np.ones(1, dtype=np.bool_)), changed, axis=0)
    values = ctx.op("Compress", x, flags, axis=dim)
    one = ctx.constant(np.asarray(1, dtype=np.int64))
    inverse = ctx.op("Sub", ctx.op("CumSum", ctx.cast(flags, np.int64), ctx.constant(np.asarray(0))), one)
    starts = ctx.squeeze(ctx.op("NonZero", flags), [0])
    total = ctx.op("Gather", ctx.op("Shape", x), ctx.ints([dim]))
    ends = ctx.op("Concat", ctx.op("Slice", starts, start, stop, ctx.ints([0])), total, axis=0)
    return values, inverse, ctx.op("Sub", ends, starts)


@_register("unique")
def _unique(ctx: SymbolicContext) -> Any:
    """Sorted ``unique`` is ONNX Unique (``sorted=1``); ``unique_consecutive`` is decomposed."""
    dim, consecutive = ctx.params
    shape = ctx.input_shape(0)
    x = ctx.input(0)
    dt = ctx.input_dtype(0)
    if consecutive:
        values, inverse, counts = _unique_consecutive(ctx, x, None if dim is None else int(dim), len(shape))
    else:
        work = dt if dt in _UNIQUE_TYPES else np.dtype(np.float32) if dt.kind == "f" else np.dtype(np.int64)
        if work != dt:
            x = ctx.cast(x, work)
        axis = {} if dim is None else {"axis": int(dim)}
        values, _, inverse, counts = ctx.op("Unique", x, num_outputs=4, sorted=1, **axis)
        if work != dt:
            values = ctx.cast(values, dt)
    if dim is None:
        inverse = ctx.op("Reshape", inverse, ctx.op("Shape", ctx.input(0)))
    return values, inverse, counts


# ------------------------------------------------------------------ linalg and math that ONNX can express


@_register("linalg_slogdet")
def _linalg_slogdet(ctx: SymbolicContext) -> Any:
    """``(sign, log|det|)`` from ONNX Det (``logdet`` is ``log(sign) + log|det|`` on top of it)."""
    det = ctx.op("Det", ctx.input(0))
    return ctx.op("Sign", det), ctx.op("Log", ctx.op("Abs", det))


@_register("diag_embed")
def _diag_embed(ctx: SymbolicContext) -> Any:
    """One Gather from the last axis padded with a zero: position ``(r, c)`` reads element ``k`` or the zero."""
    offset, dim1, dim2 = (int(p) for p in ctx.params)
    shape = ctx.input_shape(0)
    rank, m = len(shape) + 1, int(shape[-1])
    n = m + abs(offset)
    index = np.full((n, n), m, dtype=np.int64)
    k = np.arange(m)
    index[k + max(-offset, 0), k + max(offset, 0)] = k
    pads = [0] * (2 * (rank - 1))
    pads[-1] = 1
    padded = ctx.op("Pad", ctx.input(0), ctx.ints(pads))  # (..., m + 1), the last element a zero
    y = ctx.op("Gather", padded, ctx.constant(index), axis=rank - 2)  # (..., n, n) in (dim1, dim2) order
    rest = iter(range(rank - 2))
    perm = [rank - 2 if a == dim1 else rank - 1 if a == dim2 else next(rest) for a in range(rank)]
    return y if perm == list(range(rank)) else ctx.op("Transpose", y, perm=perm)


@_register("kthvalue")
def _kthvalue(ctx: SymbolicContext) -> Any:
    """The k smallest by TopK (ascending), then element ``k - 1``."""
    dim, keepdim, k = ctx.params
    x = ctx.input(0)
    if not ctx.input_shape(0):
        return ctx.op("Identity", x), ctx.constant(np.asarray(0, dtype=np.int64))
    dim = int(dim)
    values, indices = ctx.op("TopK", x, ctx.ints([int(k)]), num_outputs=2, axis=dim, largest=0, sorted=1)
    pick = ctx.ints([int(k) - 1])
    values, indices = ctx.op("Gather", values, pick, axis=dim), ctx.op("Gather", indices, pick, axis=dim)
    if not keepdim:
        values, indices = ctx.squeeze(values, [dim]), ctx.squeeze(indices, [dim])
    return values, indices


@_register("searchsorted")
def _searchsorted(ctx: SymbolicContext) -> Any:
    """How many boundaries lie below each value: a broadcast comparison summed over the boundary axis."""
    right, out_dtype = ctx.params
    seq_rank = len(ctx.input_shape(0))
    seq, values = ctx.input(0), ctx.unsqueeze(ctx.input(1), [len(ctx.input_shape(1))])
    if seq_rank > 1:
        seq = ctx.unsqueeze(seq, [seq_rank - 1])
    below = ctx.op("LessOrEqual" if right else "Less", seq, values)
    if ctx.input_dtype(0).kind == "f":  # NaNs sort last, as in NumPy and PyTorch
        nan_value = ctx.op("IsNaN", values)
        extra = nan_value if right else ctx.op("And", ctx.op("Not", ctx.op("IsNaN", seq)), nan_value)
        below = ctx.op("Or", below, extra)
    return ctx.cast(ctx.reduce("ReduceSum", ctx.cast(below, np.int64), [-1], False), out_dtype)


def _signbit_of(ctx: SymbolicContext, x: str, dt: np.dtype[Any]) -> str:
    zero = _scalar_const(ctx, 0, dt)
    negative: str = ctx.op("Less", x, zero)
    if dt.kind == "f":  # -0.0: its reciprocal is -inf
        negative = ctx.op("Or", negative, ctx.op("Less", ctx.op("Reciprocal", x), zero))
    return negative


@_register("signbit")
def _signbit(ctx: SymbolicContext) -> Any:
    dt, x = ctx.input_dtype(0), ctx.input(0)
    if dt.kind == "b":  # never negative; ONNX Less takes no booleans
        dt, x = np.dtype(np.uint8), ctx.cast(x, np.uint8)
    return _signbit_of(ctx, x, dt)


@_register("copysign")
def _copysign(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    magnitude, sign = ctx.op("Abs", ctx.input(0, dt)), ctx.input(1, dt)
    return ctx.op("Where", _signbit_of(ctx, sign, dt), ctx.op("Neg", magnitude), magnitude)


@_register("heaviside")
def _heaviside(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    x, values = ctx.input(0, dt), ctx.input(1, dt)
    step = ctx.cast(ctx.op("Greater", x, _scalar_const(ctx, 0, dt)), dt)
    return ctx.op("Where", ctx.op("Equal", x, _scalar_const(ctx, 0, dt)), values, step)


@_register("sinc")
def _sinc(ctx: SymbolicContext) -> Any:
    dt = ctx.output_dtype()
    x = ctx.input(0, dt)
    scaled = ctx.op("Mul", x, _scalar_const(ctx, math.pi, dt))
    ratio = ctx.op("Div", ctx.op("Sin", scaled), scaled)
    return ctx.op("Where", ctx.op("Equal", x, _scalar_const(ctx, 0, dt)), _scalar_const(ctx, 1, dt), ratio)


# ------------------------------------------------------------------ refusals with a reason

_NO_COMPLEX = "it makes a complex tensor, and ONNX has no complex tensor type (see NOTE [ Complex values ])"
_NO_LINALG = "ONNX has no operator for {what}, and torch.onnx does not export it either"

# ops that ONNX cannot express, with the reason the exporter gives instead of "no symbolic function"
REFUSED: dict[str, str] = {
    "complex": _NO_COMPLEX,
    "polar": _NO_COMPLEX,
    "linalg_inv_ex": _NO_LINALG.format(what="a matrix inverse (inverse, linalg.inv, pinv)"),
    "linalg_solve_ex": _NO_LINALG.format(what="solving linear systems (linalg.solve)"),
    "linalg_solve_triangular": _NO_LINALG.format(what="triangular solves (linalg.solve_triangular)"),
    "linalg_cholesky_ex": _NO_LINALG.format(what="the Cholesky decomposition (linalg.cholesky)"),
    "linalg_qr": _NO_LINALG.format(what="the QR decomposition (linalg.qr)"),
    "linalg_eigh": _NO_LINALG.format(what="eigendecompositions (linalg.eigh, eigvalsh)"),
    "linalg_eig": _NO_LINALG.format(what="eigendecompositions (linalg.eig, eigvals)"),
    "linalg_svd": _NO_LINALG.format(
        what="the SVD (linalg.svd, svdvals, pinv, and matrix_norm / norm with ord=2, -2 or 'nuc')"
    ),
    "linalg_matrix_exp": _NO_LINALG.format(what="the matrix exponential (linalg.matrix_exp)"),
    "linalg_lu_factor_ex": _NO_LINALG.format(what="the LU decomposition (linalg.lu_factor, lu)"),
}
