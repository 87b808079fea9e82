"""Tests of the public test kit ``tocha.testing``: assert_close, make_tensor, the op database, check_vjp."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import tocha
from tocha.library import OpRecord, OpTest, VjpContext
from tocha.testing import (
    OpInfo,
    SampleInput,
    assert_close,
    check_forward,
    check_vjp,
    default_tolerances,
    make_tensor,
    op_db,
    op_info,
    register_sample_family,
    sample_families,
)

# ------------------------------------------------------------------ assert_close: passing cases


def t(values, dtype=None):
    return tocha.tensor(values, dtype=dtype)


def test_equal_inputs_pass():
    assert_close(t([1.0, 2.0]), t([1.0, 2.0]))
    assert_close(t([[1, 2]]), t([[1, 2]]))
    assert_close(np.ones(3), np.ones(3))
    assert_close(1.0, 1.0 + 1e-9)
    assert_close([t([1.0]), {"a": 2}], [t([1.0]), {"a": 2}])
    assert_close((t([1.0]),), [t([1.0])])
    assert_close(None, None)
    assert_close(True, True)
    assert_close(np.float64(2.0), 2.0)
    assert_close(t([]), t([]))


def test_within_default_tolerance_per_dtype():
    for dtype, (rtol, atol) in [
        (tocha.float16, (1e-3, 1e-5)),
        (tocha.bfloat16, (1.6e-2, 1e-5)),
        (tocha.float32, (1.3e-6, 1e-5)),
        (tocha.float64, (1e-7, 1e-7)),
        (tocha.complex64, (1.3e-6, 1e-5)),
        (tocha.complex128, (1e-7, 1e-7)),
        (tocha.int32, (0, 0)),
        (tocha.bool, (0, 0)),
    ]:
        assert default_tolerances(dtype) == (rtol, atol)


def test_nan_and_inf_handling():
    nan, inf = math.nan, math.inf
    assert_close(t([1.0, inf]), t([1.0, inf]))
    assert_close(t([nan]), t([nan]), equal_nan=True)
    assert_close(t([complex(1, nan)]), t([complex(1, nan)]), equal_nan=True)
    with pytest.raises(AssertionError):
        assert_close(t([nan]), t([nan]))
    with pytest.raises(AssertionError):
        assert_close(t([inf]), t([-inf]))


def test_check_dtype_false_promotes_and_uses_larger_tolerance():
    assert_close(t([1, 2], tocha.int32), t([1, 2], tocha.int64), check_dtype=False)
    assert_close(t([1.0], tocha.float16), t([1.0001], tocha.float32), check_dtype=False)


def test_noncontiguous_compares_values_unless_check_stride():
    x = tocha.ones(2, 3)
    assert_close(x.t(), tocha.ones(3, 2))
    with pytest.raises(
        AssertionError, match=re.escape("The values for attribute 'stride()' do not match: (1, 3) != (2, 1).")
    ):
        assert_close(x.t(), tocha.ones(3, 2), check_stride=True)


def test_explicit_tolerances():
    assert_close(t([1.0]), t([1.5]), rtol=0.0, atol=0.5)
    with pytest.raises(
        ValueError, match=re.escape("Both 'rtol' and 'atol' must be either specified or omitted, but got no atol.")
    ):
        assert_close(t([1.0]), t([1.0]), rtol=0.1)
    with pytest.raises(ValueError, match="but got no rtol"):
        assert_close(t([1.0]), t([1.0]), atol=0.1)


# ------------------------------------------------------------------ assert_close: messages

MESSAGE_CASES = [
    "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
    "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
    "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)",
]


def _message(fn, *args, **kwargs):
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_mismatch_message_float():
    msg = _message(assert_close, t([1.0, 2.0, 3.0]), t([1.0, 2.5, 3.0]))
    assert msg == MESSAGE_CASES[0]


def test_mismatch_message_int_is_not_equal():
    msg = _message(assert_close, t([[1, 2], [3, 4]]), t([[1, 2], [3, 5]]))
    assert msg == (
        "Tensor-likes are not equal!\n\nMismatched elements: 1 / 4 (25.0%)\n"
        "Greatest absolute difference: 1 at index (1, 1)\n"
        "Greatest relative difference: 0.20000000298023224 at index (1, 1)"
    )


def test_mismatch_message_scalars_and_paths():
    assert _message(assert_close, 1.0, 1.1) == (
        "Scalars are not close!\n\nExpected 1.1 but got 1.0.\n"
        "Absolute difference: 0.10000000000000009 (up to 1e-07 allowed)\n"
        "Relative difference: 0.09090909090909098 (up to 1e-07 allowed)"
    )
    assert _message(assert_close, [1, 2], [1, 3]) == (
        "Scalars are not equal!\n\nExpected 3 but got 2.\nAbsolute difference: 1\n"
        "Relative difference: 0.3333333333333333\n\nThe failure occurred for item [1]"
    )
    assert _message(assert_close, {"a": [t([1.0])]}, {"a": [t([0.0])]}).endswith(
        "The failure occurred for item ['a'][0]"
    )


def test_attribute_mismatch_messages():
    assert _message(assert_close, tocha.ones(2), tocha.ones(3)) == (
        "The values for attribute 'shape' do not match: tocha.Size([2]) != tocha.Size([3])."
    )
    assert _message(assert_close, tocha.ones(2), tocha.ones(2, dtype=tocha.float64)) == (
        "The values for attribute 'dtype' do not match: tocha.float32 != tocha.float64."
    )
    assert _message(assert_close, [1, 2], [1, 2, 3]) == "The length of the sequences mismatch: 2 != 3"
    assert _message(assert_close, {"a": 1}, {"b": 1}) == (
        "The keys of the mappings do not match:\nMissing keys in the actual mapping: ['b']\n"
        "Additional keys in the actual mapping: ['a']"
    )
    assert _message(assert_close, 1, 1.0) == "The (d)types do not match: <class 'int'> != <class 'float'>."
    assert _message(assert_close, 1, None) == "None mismatch: 1 is not None"
    assert _message(assert_close, True, False) == "Booleans mismatch: True is not False"


def test_custom_msg():
    assert _message(assert_close, [tocha.ones(2)], [tocha.zeros(2)], msg="custom") == "custom"
    assert _message(assert_close, tocha.ones(2), tocha.zeros(2), msg=lambda m: "X" + m).startswith("XTensor-likes")


def test_unsupported_pairs_raise_type_error():
    for a, b in [
        (tocha.ones(2), np.ones(2)),
        (tocha.tensor(1.0), 1.0),
        ("a", "a"),
        ({"a": 1}, [1]),
        (tocha.ones(2), (1.0, 1.0)),
    ]:
        with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type"):
            assert_close(a, b)


def _torch_message(torch, fn):
    try:
        fn()
    except AssertionError as e:
        return str(e).replace("torch.", "tocha.")
    return None


def test_messages_match_pytorch():
    torch = pytest.importorskip("torch")
    from torch.testing import assert_close as torch_close

    nan, inf = math.nan, math.inf
    cases = [
        ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], "float32", {}),
        ([[1, 2], [3, 4]], [[1, 2], [3, 5]], "int64", {}),
        ([1, 2], [-128, 127], "int8", {}),
        ([1, 2], [3, 0], "uint8", {}),
        ([True, False], [False, False], "bool", {}),
        ([1.0, 1.0], [1.01, 1.01], "float16", {}),
        ([1.0, 1.0], [1.1, 1.1], "bfloat16", {}),
        ([1.0, 1.0], [1j, 1j], "complex64", {}),
        ([1.0, nan], [1.0, 2.0], "float32", {}),
        ([1.0, inf], [1.0, -inf], "float32", {}),
        ([0.0, 0.0, 0.0], [0.0, 1.0, 2.0], "float64", {}),
        ([1.0, 1.0], [0.0, 0.0], "float32", {"atol": 0.5, "rtol": 0}),
        ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]], "float32", {"atol": 0, "rtol": 0}),
        (1.1, 2.0, "float32", {}),
        (2, 3, "int64", {}),
        (True, False, "bool", {}),
    ]
    for actual, expected, name, kwargs in cases:
        ours = _message(
            assert_close,
            tocha.tensor(actual, dtype=getattr(tocha, name)),
            tocha.tensor(expected, dtype=getattr(tocha, name)),
            **kwargs,
        )
        theirs = _torch_message(
            torch,
            lambda a=actual, e=expected, n=name, k=kwargs: torch_close(
                torch.tensor(a, dtype=getattr(torch, n)), torch.tensor(e, dtype=getattr(torch, n)), **k
            ),
        )
        assert ours == theirs, (name, actual, expected)
    for a, b in [(1.0, 1.1), (1 + 1j, 1 + 2j), ([1.0, [2.0, 3.0]], [1.0, [2.0, 4.0]])]:
        assert _message(assert_close, a, b) == _torch_message(torch, lambda a=a, b=b: torch_close(a, b))


# ------------------------------------------------------------------ make_tensor


@pytest.mark.parametrize(
    ("dtype", "low", "high"),
    [
        (tocha.float32, -9, 9),
        (tocha.float16, -9, 9),
        (tocha.bfloat16, -9, 9),
        (tocha.float64, -9, 9),
        (tocha.int64, -9, 9),
        (tocha.int8, -9, 9),
        (tocha.uint8, 0, 9),
    ],
)
def test_make_tensor_default_ranges(dtype, low, high):
    x = make_tensor(50, dtype=dtype, device="cpu")
    assert x.dtype is dtype
    assert tuple(x.shape) == (50,)
    values = np.asarray(x).astype(np.float64)
    assert values.min() >= low
    assert values.max() <= high


def test_make_tensor_complex_and_bool():
    z = make_tensor(3, 2, dtype=tocha.complex64, device="cpu")
    assert z.dtype is tocha.complex64
    assert np.all(np.abs(np.asarray(z).real) <= 9)
    assert np.any(np.asarray(z).imag != 0)
    b = make_tensor((4,), dtype=tocha.bool, device="cpu")
    assert b.dtype is tocha.bool
    assert tuple(b.shape) == (4,)


@pytest.mark.autograd
def test_make_tensor_options():
    x = make_tensor(2, 3, dtype=tocha.float32, device="cpu", noncontiguous=True)
    assert not x.is_contiguous()
    assert x.stride() == (6, 2)
    assert make_tensor(1, dtype=tocha.float32, device="cpu", noncontiguous=True).stride() == (1,)
    assert tuple(make_tensor([], dtype=tocha.int64, device="cpu").shape) == ()
    y = make_tensor(100, dtype=tocha.int64, device="cpu", low=-1, high=1, exclude_zero=True)
    assert set(np.asarray(y).tolist()) <= {-1, 1}
    r = make_tensor(100, dtype=tocha.float64, device="cpu", low=2, high=3)
    assert np.all((np.asarray(r) >= 2) & (np.asarray(r) < 3))
    assert make_tensor(3, dtype=tocha.float32, device="cpu", requires_grad=True).requires_grad
    assert np.all(np.asarray(make_tensor(4, dtype=tocha.float32, device="cpu", low=2, high=2)) == 2)
    big = make_tensor(20, dtype=tocha.int8, device="cpu", low=-1e30, high=1e30)
    assert big.dtype is tocha.int8


def test_make_tensor_errors():
    with pytest.raises(ValueError, match=re.escape("`low` must be less than `high`, but got 5 >= 3")):
        make_tensor(3, dtype=tocha.float32, device="cpu", low=5, high=3)
    with pytest.raises(ValueError, match=re.escape("`low` and `high` cannot be NaN, but got low=nan and high=9")):
        make_tensor(3, dtype=tocha.float32, device="cpu", low=math.nan)
    with pytest.raises(ValueError, match="must be less than"):
        make_tensor(3, dtype=tocha.int64, device="cpu", low=3, high=3)


# ------------------------------------------------------------------ the op database


def test_op_db_views_registered_ops():
    names = [info.name for info in op_db()]
    assert "add" in names
    assert names == sorted(names)
    info = op_info("add")
    assert isinstance(info, OpInfo)
    assert info.function is tocha.add
    assert info.reference is np.add
    assert info.supports_grad
    assert {"unary", "binary", "reduction"} <= set(sample_families())


def test_samples_cover_dtypes_and_kinds():
    info = op_info("add")
    names = [s.name for s in info.sample_inputs("cpu", tocha.float32)]
    assert {"broadcast", "0-dim", "empty", "noncontiguous", "scalar"} <= set(names)
    for s in info.sample_inputs("cpu", tocha.int16):
        assert all(x.dtype is tocha.int16 for x in s.tensors())
    scalar = next(s for s in info.sample_inputs("cpu", tocha.int16) if s.name == "scalar")
    assert type(scalar.args[0]) is int
    first = info.sample_inputs("cpu", tocha.float64)[0]
    again = info.sample_inputs("cpu", tocha.float64)[0]
    assert np.array_equal(np.asarray(first.input), np.asarray(again.input))


def test_skips_are_data():
    info = op_info("neg")
    assert info.skip_reason("forward", tocha.bool) == "PyTorch refuses bool negation"
    assert info.skip_reason("forward", tocha.float32) is None
    record = OpRecord(
        name="kit_demo",
        forward=lambda xp, a: a,
        test=OpTest(samples="unary", skips={"vjp:float16": "r1", "integral": "r2", "empty": "r3"}),
    )
    demo = OpInfo(record)
    assert demo.skip_reason("vjp", tocha.float16) == "r1"
    assert demo.skip_reason("forward", tocha.float16) is None
    assert demo.skip_reason("forward", tocha.int8) == "r2"
    assert demo.skip_reason("torch", tocha.float32, "empty") == "r3"


def test_unknown_family_fails_loudly_with_op_name():
    record = OpRecord(name="kit_unknown", forward=lambda xp, a: a, test=OpTest(samples="no_such_family"))
    with pytest.raises(LookupError, match="op 'kit_unknown': unknown sample family 'no_such_family'"):
        OpInfo(record).sample_inputs("cpu", tocha.float32)


def test_register_sample_family_and_callable_samples():
    def family(info, device, dtype):
        yield SampleInput(tocha.ones(2, dtype=dtype, device=device), name="ones")

    register_sample_family("kit_test_family", family)
    with pytest.raises(RuntimeError, match="already registered"):
        register_sample_family("kit_test_family", family)
    record = OpRecord(name="clone", forward=lambda xp, a: a, test=OpTest(samples="kit_test_family", reference=np.copy))
    samples = OpInfo(record).sample_inputs("cpu", tocha.float64)
    assert [s.name for s in samples] == ["ones"]
    check_forward(OpInfo(record), samples[0])
    by_callable = OpRecord(
        name="clone", forward=lambda xp, a: a, test=OpTest(samples=lambda device, dtype: [SampleInput(tocha.zeros(1))])
    )
    assert len(OpInfo(by_callable).sample_inputs("cpu", tocha.float32)) == 1


def test_check_forward_detects_a_wrong_op():
    record = OpRecord(name="add", forward=lambda xp, a, b: a + b, test=OpTest(samples="binary", reference=np.subtract))
    with pytest.raises(AssertionError, match="add on sample"):
        check_forward(OpInfo(record), SampleInput(tocha.ones(2), args=(tocha.ones(2),)))


def test_internal_op_runs_through_the_dispatcher():
    record = OpRecord(
        name="kit_scale",
        forward=lambda xp, a, factor: a * factor,
        test=OpTest(samples="unary", reference=lambda a, factor: a * factor),
    )
    info = OpInfo(record)
    assert info.function is None
    sample = SampleInput(tocha.ones(3), params=(2.0,))
    assert info.run(sample).tolist() == [2.0, 2.0, 2.0]
    check_forward(info, sample)


# ------------------------------------------------------------------ check_vjp


def f64(*values):
    return tocha.tensor(list(values), dtype=tocha.float64)


def test_check_vjp_passes_for_correct_vjps():
    check_vjp("mul", SampleInput(f64(1.0, -2.0, 3.0), args=(f64(0.5, 4.0, -1.0),)))
    check_vjp("neg", SampleInput(f64(1.0, 2.0)))
    check_vjp(op_info("sub"), SampleInput(f64(1.0, 2.0), args=(3.0,)))
    check_vjp(lambda a, b: a * b - a, SampleInput(f64(1.0, 2.0), args=(f64(3.0, 4.0),)))


def test_check_vjp_complex_uses_pytorch_convention():
    z = tocha.tensor([1 + 2j, -0.5 + 1j], dtype=tocha.complex128)
    w = tocha.tensor([0.3 - 1j, 2 + 0.5j], dtype=tocha.complex128)
    check_vjp("mul", SampleInput(z, args=(w,)))


def _wrong_vjp(ctx: VjpContext, grad):
    a, b = ctx.inputs
    return grad * b * 2, grad * a


def test_check_vjp_detects_a_wrong_vjp():
    mul = op_info("mul").record
    bad = OpRecord(name="kit_bad_mul", forward=mul.forward, vjp=_wrong_vjp, saves_inputs=(0, 1))
    sample = SampleInput(f64(1.0, 2.0), args=(f64(3.0, 4.0),), params=())
    with pytest.raises(AssertionError, match="vjp of kit_bad_mul for tensor 0"):
        check_vjp(bad, sample)


def test_check_vjp_detects_an_undeclared_saved_input():
    mul = op_info("mul").record
    bad = OpRecord(name="kit_unsaved_mul", forward=mul.forward, vjp=mul.vjp, saves_inputs=())
    with pytest.raises((AssertionError, TypeError, AttributeError)):
        check_vjp(bad, SampleInput(f64(1.0, 2.0), args=(f64(3.0, 4.0),), params=()))


def test_check_vjp_detects_wrong_gradient_shape():
    bad = OpRecord(
        name="kit_bad_shape", forward=lambda xp, a: a * 2, vjp=lambda ctx, grad: (tocha.ones(5, dtype=tocha.float64),)
    )
    with pytest.raises(AssertionError, match=r"gradient of shape \[5\] for input 0 of shape \[2\]"):
        check_vjp(bad, SampleInput(f64(1.0, 2.0), params=()))


def _split_forward(xp, a):
    return a * 2, (a > 0).astype(np.int64)


def _split_vjp(ctx, grads):
    grad_values, grad_indices = grads
    assert grad_indices is None
    return (grad_values * 2,)


def test_check_vjp_multi_output():
    op = OpRecord(name="kit_split", forward=_split_forward, vjp=_split_vjp, num_outputs=2, differentiable_outputs=(0,))
    check_vjp(op, SampleInput(f64(1.0, -2.0, 3.0), params=()))


def test_deprecated_assert_allclose() -> None:
    with pytest.warns(FutureWarning, match=r"assert_allclose\(\)` is deprecated"):
        tocha.testing.assert_allclose(tocha.ones(2), tocha.ones(2, dtype=tocha.float64))  # no dtype check
    with pytest.warns(FutureWarning), pytest.raises(AssertionError, match=r"up to 1e-05 allowed"):
        tocha.testing.assert_allclose(tocha.ones(2), tocha.zeros(2))  # the old float32 tolerances
    with pytest.warns(FutureWarning):
        tocha.testing.assert_allclose(tocha.tensor([float("nan")]), [float("nan")])  # NaNs equal by default
    assert tocha.random.default_generator is tocha.default_generator
