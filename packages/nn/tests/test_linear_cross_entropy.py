"""``F.linear_cross_entropy``, ``nn.LinearCrossEntropyLoss`` and ``nn.LinearCrossEntropyOptions``.

Both paths (reference: ``options=None``; chunked: an options instance) are checked against tocha's own
composition ``cross_entropy(linear(...))`` (values and gradients of input, weight and bias), against PyTorch
2.13 where it is installed, for peak memory (tracemalloc sees NumPy's allocations), for PyTorch's fallbacks,
warnings and errors, and on 'cuda' (``gpu``; ``PYTHONPATH=tools/fake_cupy`` runs it without a GPU).
"""

from __future__ import annotations

import pickle
import tracemalloc
import warnings
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F

Options = nn.LinearCrossEntropyOptions


def _data(
    n: int = 37,
    d: int = 8,
    c: int = 50,
    *,
    bias: bool = True,
    dtype: tocha.dtype = tocha.float64,
    ignored: bool = True,
    device: str = "cpu",
) -> tuple[tocha.Tensor, tocha.Tensor, tocha.Tensor | None, tocha.Tensor, tocha.Tensor]:
    gen = np.random.default_rng(n * 1000 + c)
    x = tocha.tensor(gen.standard_normal((n, d)), dtype=dtype, device=device, requires_grad=True)
    w = tocha.tensor(gen.standard_normal((c, d)) * 0.5, dtype=dtype, device=device, requires_grad=True)
    b = tocha.tensor(gen.standard_normal(c), dtype=dtype, device=device, requires_grad=True) if bias else None
    t_np = gen.integers(0, c, n)
    if ignored and n > 3:
        t_np[[1, 3]] = -100
    t = tocha.tensor(t_np, dtype=tocha.int64, device=device)
    cw = tocha.tensor(gen.uniform(0.5, 2.0, c), dtype=dtype, device=device)
    return x, w, b, t, cw


def _run(
    fn: Any, leaves: list[tocha.Tensor | None], grad: tocha.Tensor | None = None
) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """The value of ``fn()`` and the gradients of ``leaves`` after one backward (``grad`` or ones)."""
    for leaf in leaves:
        if leaf is not None:
            leaf.grad = None
    out = fn()
    out.backward(tocha.ones_like(out) if grad is None else grad)
    grads = [None if leaf is None or leaf.grad is None else leaf.grad.cpu().numpy() for leaf in leaves]
    return out.detach().cpu().numpy(), grads


def _assert_same(a: tuple[Any, list[Any]], b: tuple[Any, list[Any]], rtol: float = 1e-10, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(a[0], b[0], rtol=rtol, atol=atol)
    for ga, gb in zip(a[1], b[1], strict=True):
        assert (ga is None) == (gb is None)
        if ga is not None:
            np.testing.assert_allclose(ga, gb, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ against tocha's own composition


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("class_weight", [False, True])
@pytest.mark.parametrize("chunk", [1, 5, 16, 37, 100])
def test_chunked_equals_composition(reduction: str, bias: bool, class_weight: bool, chunk: int) -> None:
    x, w, b, t, cw = _data(bias=bias)
    weight = cw if class_weight else None
    g = tocha.tensor(np.linspace(-1.0, 2.0, 37)) if reduction == "none" else tocha.tensor(1.7, dtype=tocha.float64)

    def ref() -> tocha.Tensor:
        return F.cross_entropy(F.linear(x, w, b), t, weight=weight, reduction=reduction)

    def chunked() -> tocha.Tensor:
        opts = Options(batch_chunk_size=chunk)
        return F.linear_cross_entropy(x, w, t, linear_bias=b, weight=weight, reduction=reduction, options=opts)

    def reference_path() -> tocha.Tensor:
        return F.linear_cross_entropy(x, w, t, linear_bias=b, weight=weight, reduction=reduction)

    expected = _run(ref, [x, w, b], g)
    _assert_same(_run(reference_path, [x, w, b], g), expected)
    _assert_same(_run(chunked, [x, w, b], g), expected)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_chunked_unbatched_and_custom_ignore_index(reduction: str) -> None:
    x, w, b, t, cw = _data(ignored=False)
    t2 = t.clone()
    t2[0] = 7
    for args in [(x[4], t[4]), (x, t2)]:
        xi, ti = args
        ref = F.cross_entropy(F.linear(xi, w, b), ti, weight=cw, reduction=reduction, ignore_index=7)
        out = F.linear_cross_entropy(
            xi, w, ti, linear_bias=b, weight=cw, reduction=reduction, ignore_index=7, options=Options()
        )
        assert out.shape == ref.shape
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)


def test_chunked_float32_and_default_options() -> None:
    x, w, b, t, _ = _data(n=300, d=16, c=200, dtype=tocha.float32)
    ref = _run(lambda: F.cross_entropy(F.linear(x, w, b), t), [x, w, b])
    out = _run(lambda: F.linear_cross_entropy(x, w, t, linear_bias=b, options=Options()), [x, w, b])
    _assert_same(out, ref, rtol=1e-4, atol=1e-6)
    assert out[0].dtype == np.float32
    assert all(g is not None and g.dtype == np.float32 for g in out[1])


def test_chunked_half_precision_policies() -> None:
    x, w, b, t, _ = _data(n=64, d=16, c=40, dtype=tocha.float32)
    assert b is not None
    ref = F.cross_entropy(F.linear(x, w, b), t)
    xh, wh, bh = (p.detach().half().requires_grad_() for p in (x, w, b))
    for policy in ["auto", "accurate", "balanced", "compact"]:
        out = F.linear_cross_entropy(xh, wh, t, linear_bias=bh, options=Options(acc_policy=policy))  # type: ignore[arg-type]
        assert out.dtype == tocha.float16
        out.backward()
        assert wh.grad is not None
        assert wh.grad.dtype == tocha.float16
        np.testing.assert_allclose(float(out), float(ref), rtol=2e-3)
        wh.grad = xh.grad = bh.grad = None


def test_chunked_edge_cases_empty_all_ignored_non_contiguous() -> None:
    x, w, b, t, _ = _data(bias=True, ignored=False)
    # an empty batch: 'sum' is 0 with zero gradients, 'mean' is nan (0/0), without NumPy warnings
    for reduction in ["mean", "sum", "none"]:
        for opts in [None, Options()]:
            out = F.linear_cross_entropy(x[:0], w, t[:0], linear_bias=b, reduction=reduction, options=opts)
            ref = F.cross_entropy(F.linear(x[:0], w, b), t[:0], reduction=reduction)
            np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    # every target ignored: tocha's composition gives nan for 'mean' (so does PyTorch's chunked op)
    ignored = tocha.full((37,), -100)
    ref_run = _run(lambda: F.cross_entropy(F.linear(x, w, b), ignored), [x, w, b])
    out_run = _run(lambda: F.linear_cross_entropy(x, w, ignored, linear_bias=b, options=Options()), [x, w, b])
    _assert_same(out_run, ref_run)
    # non-contiguous input and weight
    xt = tocha.tensor(np.asfortranarray(x.detach().numpy()), requires_grad=True)
    wt = w.detach().t().contiguous().t().requires_grad_()
    assert not xt.is_contiguous() or not wt.is_contiguous()
    ref_run = _run(lambda: F.cross_entropy(F.linear(xt, wt), t), [xt, wt])
    out_run = _run(lambda: F.linear_cross_entropy(xt, wt, t, options=Options(batch_chunk_size=8)), [xt, wt])
    _assert_same(out_run, ref_run)


def test_chunked_bfloat16() -> None:
    x, w, _, t, _ = _data(n=20, d=8, c=30, bias=False, dtype=tocha.float32, ignored=False)
    ref = F.cross_entropy(F.linear(x, w), t)
    xb, wb = x.detach().bfloat16().requires_grad_(), w.detach().bfloat16().requires_grad_()
    out = F.linear_cross_entropy(xb, wb, t, options=Options(batch_chunk_size=6))
    assert out.dtype == tocha.bfloat16
    out.backward()
    assert wb.grad is not None
    assert wb.grad.dtype == tocha.bfloat16
    np.testing.assert_allclose(float(out), float(ref), rtol=2e-2)


def test_reference_path_k_dimensional_probabilities_and_smoothing() -> None:
    gen = np.random.default_rng(1)
    x = tocha.tensor(gen.standard_normal((5, 4)), requires_grad=True)
    w = tocha.tensor(gen.standard_normal((3, 2, 6, 4)), requires_grad=True)
    b = tocha.tensor(gen.standard_normal((3, 2, 6)), requires_grad=True)
    t = tocha.randint(0, 3, (5, 2, 6))
    logits = F.linear(x, w.reshape(36, 4), b.reshape(36)).reshape(5, 3, 2, 6)
    ref = F.cross_entropy(logits, t, label_smoothing=0.2)
    out = F.linear_cross_entropy(x, w, t, linear_bias=b, label_smoothing=0.2)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    probs = F.softmax(tocha.randn(5, 3, 2, 6, dtype=tocha.float64), 1)
    out = F.linear_cross_entropy(x, w, probs, linear_bias=b, reduction="none")
    ref = F.cross_entropy(logits, probs, reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)


# ------------------------------------------------------------------ autograd rules of the chunked path


def test_second_backward_raises_unless_allowed() -> None:
    x, w, b, t, _ = _data()
    loss = F.linear_cross_entropy(x, w, t, linear_bias=b, options=Options())
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="chunked backward called twice"):
        loss.backward()
    x.grad = None
    loss = F.linear_cross_entropy(x, w, t, linear_bias=b, options=Options(allow_retain_graph=True))
    loss.backward(retain_graph=True)
    first = x.grad
    assert first is not None
    first = first.clone()
    loss.backward()
    second = x.grad
    assert second is not None
    np.testing.assert_allclose(second.numpy(), 2 * first.numpy())
    x.grad = None
    loss = F.linear_cross_entropy(x, w, t, reduction="none", options=Options())
    loss.sum().backward(retain_graph=True)
    loss.sum().backward()  # 'none' recomputes from its saved inputs


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_higher_order_raises(reduction: str) -> None:
    x, w, _, t, _ = _data()
    loss = F.linear_cross_entropy(x, w, t, reduction=reduction, options=Options()).sum()
    with pytest.raises(RuntimeError, match="does not support higher-order gradients"):
        tocha.autograd.grad(loss, x, create_graph=True)
    # the reference path supports double backward
    loss = F.linear_cross_entropy(x, w, t, reduction=reduction).sum()
    (gx,) = tocha.autograd.grad(loss, x, create_graph=True)
    gx.sum().backward()
    assert w.grad is not None


def test_no_grad_and_partial_requires_grad() -> None:
    x, w, b, t, _ = _data()
    with tocha.no_grad():
        out = F.linear_cross_entropy(x, w, t, linear_bias=b, options=Options())
    assert not out.requires_grad
    ref = F.cross_entropy(F.linear(x, w, b), t)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
    xd = x.detach()
    out = F.linear_cross_entropy(xd, w, t, linear_bias=b, options=Options(batch_chunk_size=4))
    out.backward()
    assert w.grad is not None
    assert b is not None
    assert b.grad is not None


# ------------------------------------------------------------------ memory


def _peak(fn: Any) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_chunked_peak_memory_below_reference() -> None:
    n, d, c = 1024, 16, 4000  # logits: 1024 * 4000 * 8 bytes = 32 MiB
    x, w, b, t, _ = _data(n=n, d=d, c=c, ignored=False)

    def step(options: Any) -> None:
        loss = F.linear_cross_entropy(x, w, t, linear_bias=b, options=options)
        loss.backward()
        x.grad = w.grad = b.grad = None  # type: ignore[union-attr]

    step(None)  # warm-up (caches, op registration)
    step(Options())
    reference = _peak(lambda: step(None))
    chunked = _peak(lambda: step(Options()))
    logits_bytes = n * c * 8
    assert reference >= logits_bytes
    assert chunked < logits_bytes / 4
    assert chunked < reference / 8


# ------------------------------------------------------------------ fallbacks, errors, options


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"label_smoothing": 0.1}, "label_smoothing=0.1"),
        ({"target": "probs"}, "target.dtype=tocha.float64"),
        ({"k_dim": True}, "out_features=(2,)"),
    ],
)
def test_unsupported_configurations_fall_back_with_a_warning(kwargs: dict[str, Any], what: str) -> None:
    x, w, b, t, _ = _data(ignored=False)
    target: Any = t
    if kwargs.pop("target", None) == "probs":
        target = F.softmax(tocha.randn(37, 50, dtype=tocha.float64), 1)
    if kwargs.pop("k_dim", False):
        w = tocha.randn(25, 2, 8, dtype=tocha.float64)
        target = tocha.randint(0, 25, (37, 2))
        b = None
    with pytest.warns(UserWarning, match=r"``options`` ignored; chunked path needs") as record:
        out = F.linear_cross_entropy(x, w, target, linear_bias=b, options=Options(), **kwargs)
    assert what in str(record[0].message)
    ref = F.linear_cross_entropy(x, w, target, linear_bias=b, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())


def test_int32_target_falls_back_then_raises_the_reference_error() -> None:
    x, w, _, t, _ = _data(ignored=False)
    with (
        pytest.warns(UserWarning, match=r"target\.dtype=tocha\.int32"),
        pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Int"),
    ):
        F.linear_cross_entropy(x, w, t.int(), options=Options())


@pytest.mark.parametrize("options", [None, Options()])
def test_errors(options: Any) -> None:
    x, w, _, t, cw = _data()
    with pytest.raises(RuntimeError, match="expected input with dimensionality 1 or 2, got 3"):
        F.linear_cross_entropy(x.reshape(37, 2, 4), w, t, options=options)
    with pytest.raises(RuntimeError, match="expected linear_weight with dimensionality at least 2, got 1"):
        F.linear_cross_entropy(x, w[0], t, options=options)
    with pytest.raises(RuntimeError, match=r"last dimensions \(in_features\), got 8 and 7, respectively"):
        F.linear_cross_entropy(x, w[:, :7], t, options=options)
    with pytest.raises(RuntimeError, match=r"expected linear_bias shape \(50,\), got \(3,\)"):
        F.linear_cross_entropy(x, w, t, linear_bias=tocha.zeros(3, dtype=tocha.float64), options=options)
    with pytest.raises(RuntimeError, match=r"requires batched input, \(N, 8\), got unbatched input with shape \(8,\)"):
        F.linear_cross_entropy(x[0], w.reshape(25, 2, 8), t[0], options=options)
    probs = F.softmax(tocha.randn(37, 50, dtype=tocha.float64), 1)
    with pytest.raises(RuntimeError, match="ignore_index cannot be specified when target contains probabilities"):
        F.linear_cross_entropy(x, w, probs, ignore_index=-100, options=options)
    with pytest.raises(ValueError, match=r"Expected input batch_size \(37\) to match target batch_size \(5\)"):
        F.linear_cross_entropy(x, w, t[:5], options=options)
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 50 classes"):
        F.linear_cross_entropy(x, w, t, weight=cw[:3], options=options)
    with pytest.raises(IndexError, match="Target 60 is out of bounds"):
        F.linear_cross_entropy(x, w, tocha.full((37,), 60), options=options)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        F.linear_cross_entropy(x.float(), w, t, options=options)
    if options is None:
        with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
            F.linear_cross_entropy(x, w, t, reduction="foo")
        with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0\.0 and 1\.0"):
            F.linear_cross_entropy(x, w, t, label_smoothing=2.0)


def test_options_validation_and_resolution() -> None:
    opts = Options()
    assert (opts.allow_retain_graph, opts.batch_chunk_size, opts.chunking_method, opts.acc_policy, opts.acc_dtype) == (
        False,
        None,
        "auto",
        "auto",
        None,
    )
    assert repr(opts) == (
        "LinearCrossEntropyOptions(allow_retain_graph=False, batch_chunk_size=None, chunking_method='auto', "
        "acc_policy='auto', acc_dtype=None)"
    )
    assert Options(batch_chunk_size=4) == Options(batch_chunk_size=4)
    assert hash(Options()) == hash(Options())
    assert pickle.loads(pickle.dumps(Options(batch_chunk_size=3))) == Options(batch_chunk_size=3)
    with pytest.raises(AttributeError):
        opts.batch_chunk_size = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="invalid acc_policy: 'x'"):
        Options(acc_policy="x")  # type: ignore[arg-type]
    for bad in ["aspect_ratio:0", "aspect", "aspect_ratio:x"]:
        with pytest.raises(ValueError, match="invalid chunking_method"):
            Options(chunking_method=bad)
    with pytest.raises(ValueError, match="batch_chunk_size must be positive int or None, got 0"):
        Options(batch_chunk_size=0)
    with pytest.raises(ValueError, match="acc_dtype must be one of"):
        Options(acc_dtype=tocha.int32)
    # chunk sizes: 'aspect_ratio' = next_pow2(ceil(N / ceil(C / D))), divided by the factor
    assert Options(chunking_method="aspect_ratio")._resolve(4096, 512, 32000, tocha.float32, "cpu")[0] == 128
    assert Options()._resolve(4096, 512, 32000, tocha.float32, "cpu") == (64, "compact", tocha.float32)
    assert Options()._resolve(4096, 512, 32000, tocha.float16, "cpu") == (128, "accurate", tocha.float32)
    assert Options(chunking_method=None)._resolve(100, 8, 50, tocha.float64, "cpu")[0] == 100
    assert Options(batch_chunk_size=7)._resolve(100, 8, 50, tocha.float64, "cpu")[0] == 7
    x, w, _, t, _ = _data(n=6, d=4, c=7, bias=False)
    with pytest.raises(ValueError, match=r"batch_chunk_size \(=3\) and chunking_method \('aspect_ratio'\) give"):
        F.linear_cross_entropy(x, w, t, options=Options(batch_chunk_size=3, chunking_method="aspect_ratio"))
    with pytest.raises(RuntimeError, match="supports float32 acc_dtype with float16/bfloat16 inputs"):
        F.linear_cross_entropy(x, w, t, options=Options(acc_dtype=tocha.float32))


# ------------------------------------------------------------------ the module


def test_module_parameters_state_dict_repr_and_forward() -> None:
    tocha.manual_seed(0)
    cw = tocha.rand(10)
    m = nn.LinearCrossEntropyLoss(4, 10, out_features=(2,), bias=True, weight=cw, label_smoothing=0.1)
    assert list(m.state_dict()) == ["weight", "linear.weight", "linear.bias"]
    assert m.linear.weight.shape == (20, 4)
    assert m.linear.bias is not None
    assert m.linear.bias.shape == (20,)
    bound = 1 / 2  # Linear's default init: U(-1/sqrt(in_features), 1/sqrt(in_features))
    assert float(m.linear.weight.abs().max()) <= bound
    assert float(m.linear.bias.abs().max()) <= bound
    assert repr(m) == (
        "LinearCrossEntropyLoss(\n"
        "  in_features=4, num_classes=10, out_features=(2,), bias=True, reduction=mean, ignore_index=None, "
        "label_smoothing=0.1, options=None\n"
        "  (linear): Linear(in_features=4, out_features=20, bias=True)\n)"
    )
    plain = nn.LinearCrossEntropyLoss(4, 10)
    assert list(plain.state_dict()) == ["linear.weight"]
    assert plain.linear.bias is None
    x, t = tocha.randn(3, 4), tocha.randint(0, 10, (3, 2))
    out = m(x, t)
    ref = F.cross_entropy(m.linear(x).reshape(3, 10, 2), t, weight=cw, label_smoothing=0.1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    out.backward()
    assert m.linear.weight.grad is not None
    chunked = nn.LinearCrossEntropyLoss(4, 10, bias=True, reduction="sum", options=Options(batch_chunk_size=2))
    t1 = tocha.randint(0, 10, (3,))
    np.testing.assert_allclose(
        chunked(x, t1).detach().numpy(), F.cross_entropy(chunked.linear(x), t1, reduction="sum").detach().numpy(), 1e-6
    )


def test_module_errors() -> None:
    with pytest.raises(RuntimeError, match=r"expected weight shape to be \(10,\), got \(3,\)"):
        nn.LinearCrossEntropyLoss(4, 10, weight=tocha.ones(3))
    with pytest.raises(RuntimeError, match=r"expected label_smoothing to be in range \[0, 1\], got 1.5"):
        nn.LinearCrossEntropyLoss(4, 10, label_smoothing=1.5)


# ------------------------------------------------------------------ against PyTorch


def _to_torch(torch: Any, t: tocha.Tensor | None) -> Any:
    if t is None:
        return None
    out = torch.from_numpy(np.array(t.detach().numpy(), copy=True))
    return out.requires_grad_(t.requires_grad) if out.is_floating_point() else out


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("class_weight", [False, True])
def test_matches_torch(chunked: bool, reduction: str, bias: bool, class_weight: bool) -> None:
    torch = pytest.importorskip("torch")
    x, w, b, t, cw = _data(bias=bias)
    weight = cw if class_weight else None
    g = tocha.tensor(np.linspace(-1.0, 2.0, 37)) if reduction == "none" else tocha.tensor(0.7, dtype=tocha.float64)
    ours = _run(
        lambda: F.linear_cross_entropy(
            x,
            w,
            t,
            linear_bias=b,
            weight=weight,
            reduction=reduction,
            options=Options(batch_chunk_size=6) if chunked else None,
        ),
        [x, w, b],
        g,
    )
    tx, tw, tb, tt, tcw, tg = (_to_torch(torch, v) for v in (x, w, b, t, weight, g))
    options = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=6) if chunked else None
    out = torch.nn.functional.linear_cross_entropy(
        tx, tw, tt, linear_bias=tb, weight=tcw, reduction=reduction, options=options
    )
    out.backward(tg)
    theirs = (out.detach().numpy(), [tx.grad.numpy(), tw.grad.numpy(), None if tb is None else tb.grad.numpy()])
    _assert_same(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "case", ["unbatched", "k_dim", "probs", "probs_unbatched", "smoothing", "ignore_index", "k_dim_probs"]
)
def test_reference_cases_match_torch(case: str) -> None:
    torch = pytest.importorskip("torch")
    gen = np.random.default_rng(3)
    x = tocha.tensor(gen.standard_normal((6, 5)), requires_grad=True)
    w_shape: tuple[int, ...] = (7, 5)
    kwargs: dict[str, Any] = {}
    if case == "unbatched":
        x = tocha.tensor(gen.standard_normal(5), requires_grad=True)
        t = tocha.tensor(3)
    elif case in ("k_dim", "k_dim_probs"):
        w_shape = (7, 2, 3, 5)
        t = tocha.tensor(gen.integers(0, 7, (6, 2, 3)))
        if case == "k_dim_probs":
            t = F.softmax(tocha.tensor(gen.standard_normal((6, 7, 2, 3))), 1)
    elif case == "probs":
        t = F.softmax(tocha.tensor(gen.standard_normal((6, 7))), 1)
        kwargs["label_smoothing"] = 0.3
    elif case == "probs_unbatched":
        x = tocha.tensor(gen.standard_normal(5), requires_grad=True)
        t = F.softmax(tocha.tensor(gen.standard_normal(7)), 0)
    else:
        t = tocha.tensor(gen.integers(0, 7, 6))
        if case == "smoothing":
            kwargs["label_smoothing"] = 0.25
        else:
            kwargs["ignore_index"] = 2
    w = tocha.tensor(gen.standard_normal(w_shape), requires_grad=True)
    b = tocha.tensor(gen.standard_normal(w_shape[:-1]), requires_grad=True)
    cw = tocha.tensor(gen.uniform(0.5, 2.0, 7))
    for reduction in ["mean", "sum", "none"]:
        ours = _run(
            lambda: F.linear_cross_entropy(x, w, t, linear_bias=b, weight=cw, reduction=reduction, **kwargs),
            [x, w, b],
        )
        tx, tw, tb, tt, tcw = (_to_torch(torch, v) for v in (x, w, b, t, cw))
        out = torch.nn.functional.linear_cross_entropy(
            tx, tw, tt, linear_bias=tb, weight=tcw, reduction=reduction, **kwargs
        )
        out.backward(torch.ones_like(out))
        _assert_same(ours, (out.detach().numpy(), [tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()]), 1e-9)


def test_module_loads_torch_state_dict() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LinearCrossEntropyLoss(6, 9, bias=True, dtype=torch.float64)
    ours = nn.LinearCrossEntropyLoss(6, 9, bias=True, dtype=tocha.float64, options=Options(batch_chunk_size=3))
    ours.load_state_dict({k: tocha.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((10, 6))
    t = np.random.default_rng(1).integers(0, 9, 10)
    a = ours(tocha.tensor(x), tocha.tensor(t))
    b = theirs(torch.from_numpy(x), torch.from_numpy(t))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    theirs.options = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=3)
    assert repr(ours) == repr(theirs)


def test_options_resolution_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    cases: list[tuple[dict[str, Any], tuple[int, int, int]]] = [
        ({}, (4096, 512, 32000)),
        ({"chunking_method": "aspect_ratio"}, (4096, 512, 32000)),
        ({"chunking_method": "aspect_ratio:4"}, (1000, 64, 5000)),
        ({"chunking_method": None}, (37, 8, 50)),
        ({"batch_chunk_size": 5}, (37, 8, 50)),
        ({"batch_chunk_size": 500}, (37, 8, 50)),
        ({}, (3, 100, 10)),
        ({}, (1, 8, 50)),
    ]
    for kwargs, (n, d, c) in cases:
        theirs = torch.nn.LinearCrossEntropyOptions(**kwargs)._adjust(n, d, c, torch.float32, torch.device("cpu"))
        ours = Options(**kwargs)._resolve(n, d, c, tocha.float32, "cpu")
        assert ours == (theirs.batch_chunk_size, theirs.acc_policy, tocha.float32), (kwargs, n, d, c)


def test_fallback_and_second_backward_messages_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x, w, _, t, _ = _data(bias=False)
    tx, tw, tt = (_to_torch(torch, v) for v in (x, w, t))
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.nn.functional.linear_cross_entropy(
            tx, tw, tt, label_smoothing=0.1, options=torch.nn.LinearCrossEntropyOptions()
        )
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        F.linear_cross_entropy(x, w, t, label_smoothing=0.1, options=Options())
    assert [str(m.message) for m in ours] == [
        str(m.message).replace("torch.", "tocha.").replace(", tracing=False", "") for m in theirs
    ]


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_chunked_on_cuda_matches_cpu_without_host_sync(reduction: str) -> None:
    cpu = _data(n=40, d=8, c=30)
    gpu = _data(n=40, d=8, c=30, device="cuda")
    g = np.linspace(-1.0, 2.0, 40) if reduction == "none" else np.array(1.3)
    results = []
    for (x, w, b, t, cw), dev in [(cpu, "cpu"), (gpu, "cuda")]:
        grad = tocha.tensor(g, device=dev)
        tocha.cuda.set_sync_debug_mode("error")
        try:
            out = F.linear_cross_entropy(
                x, w, t, linear_bias=b, weight=cw, reduction=reduction, options=Options(batch_chunk_size=7)
            )
            out.backward(grad)
        finally:
            tocha.cuda.set_sync_debug_mode("default")
        assert out.device.type == dev
        assert x.grad is not None
        assert x.grad.device.type == dev
        results.append((out.detach().cpu().numpy(), [p.grad.cpu().numpy() for p in (x, w, b)]))  # type: ignore[union-attr]
    _assert_same(results[1], results[0], rtol=1e-10)
