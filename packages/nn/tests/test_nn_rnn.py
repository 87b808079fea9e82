"""RNN, LSTM, GRU and their cells: against PyTorch (same weights), finite differences and NumPy references."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, copy_weights_from_torch, gradcheck_function, to_torch

import tocha
import tocha.nn as nn
from tocha.autograd import gradcheck, gradgradcheck
from tocha.nn.functional import _rnn
from tocha.nn.utils.rnn import pack_padded_sequence

MODES = ["RNN", "LSTM", "GRU"]


def _configs() -> list[tuple[str, int, bool, bool, int]]:
    out = []
    for mode, layers, bidirectional, batch_first, proj in itertools.product(
        MODES, [1, 2], [False, True], [False, True], [0, 2]
    ):
        if proj and mode != "LSTM":
            continue
        out.append((mode, layers, bidirectional, batch_first, proj))
    return out


def _make(mode: str, lib: Any, *args: Any, proj: int = 0, **kwargs: Any) -> Any:
    if proj:
        kwargs["proj_size"] = proj
    return getattr(lib, mode)(*args, **kwargs)


def _randn(*shape: int, dtype: Any = tocha.float64, seed: int = 0) -> tocha.Tensor:
    rng = np.random.default_rng(seed)
    return tocha.from_numpy(rng.standard_normal(shape)).to(dtype)


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize(("mode", "layers", "bidirectional", "batch_first", "proj"), _configs())
def test_layers_match_torch(mode: str, layers: int, bidirectional: bool, batch_first: bool, proj: int) -> None:
    torch = pytest.importorskip("torch")
    kwargs = {"num_layers": layers, "bidirectional": bidirectional, "batch_first": batch_first}
    theirs = _make(mode, torch.nn, 3, 5, proj=proj, **kwargs).double()
    ours = _make(mode, nn, 3, 5, proj=proj, **kwargs).double()
    x = _randn(2, 4, 3) if batch_first else _randn(4, 2, 3)
    compare_with_torch(ours, theirs, x)


@pytest.mark.parametrize(("mode", "layers", "bidirectional", "batch_first", "proj"), _configs())
def test_layers_with_initial_state_match_torch(
    mode: str, layers: int, bidirectional: bool, batch_first: bool, proj: int
) -> None:
    pytest.importorskip("torch")
    kwargs = {"num_layers": layers, "bidirectional": bidirectional, "batch_first": batch_first}
    import torch

    theirs = _make(mode, torch.nn, 3, 5, proj=proj, **kwargs).double()
    ours = _make(mode, nn, 3, 5, proj=proj, **kwargs).double()
    copy_weights_from_torch(ours, theirs)
    d = 2 if bidirectional else 1
    x = (_randn(2, 4, 3) if batch_first else _randn(4, 2, 3)).requires_grad_()
    h0 = _randn(layers * d, 2, proj or 5, seed=1).requires_grad_()
    c0 = _randn(layers * d, 2, 5, seed=2).requires_grad_()
    hx: Any = (h0, c0) if mode == "LSTM" else h0
    t_x, t_h0, t_c0 = to_torch(x), to_torch(h0), to_torch(c0)
    t_hx: Any = (t_h0, t_c0) if mode == "LSTM" else t_h0
    out, state = ours(x, hx)
    t_out, t_state = theirs(t_x, t_hx)
    assert_close_to_torch((out, state), (t_out, t_state), what="forward")
    flat = [out, *state] if mode == "LSTM" else [out, state]
    t_flat = [t_out, *t_state] if mode == "LSTM" else [t_out, t_state]
    loss = sum((o * _randn(*o.shape, seed=10 + i)).sum() for i, o in enumerate(flat))
    t_loss = sum((o * to_torch(_randn(*o.shape, seed=10 + i))).sum() for i, o in enumerate(t_flat))
    loss.backward()  # type: ignore[union-attr]
    t_loss.backward()
    inputs = [(x, t_x), (h0, t_h0)] + ([(c0, t_c0)] if mode == "LSTM" else [])
    for a, b in inputs:
        assert_close_to_torch(a.grad, b.grad, what="input grad")
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, t_params[name].grad, what=name)


@pytest.mark.parametrize(
    ("mode", "layers", "bidirectional", "proj", "enforce_sorted", "with_state"),
    [
        (mode, layers, bi, proj, sorted_, state)
        for mode, layers, bi, proj, sorted_, state in itertools.product(
            MODES, [1, 2], [False, True], [0, 2], [True, False], [False, True]
        )
        if not (proj and mode != "LSTM")
    ],
)
def test_packed_input_matches_torch(
    mode: str, layers: int, bidirectional: bool, proj: int, enforce_sorted: bool, with_state: bool
) -> None:
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence as t_pack

    kwargs = {"num_layers": layers, "bidirectional": bidirectional}
    theirs = _make(mode, torch.nn, 3, 4, proj=proj, **kwargs).double()
    ours = _make(mode, nn, 3, 4, proj=proj, **kwargs).double()
    copy_weights_from_torch(ours, theirs)
    lengths = [5, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4]
    x = _randn(5, 4, 3).requires_grad_()
    t_x = to_torch(x)
    packed = pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    t_packed = t_pack(t_x, lengths, enforce_sorted=enforce_sorted)
    d = 2 if bidirectional else 1
    args: list[Any] = []
    t_args: list[Any] = []
    leaves: list[tuple[Any, Any]] = []
    if with_state:
        h0 = _randn(layers * d, 4, proj or 4, seed=3).requires_grad_()
        c0 = _randn(layers * d, 4, 4, seed=4).requires_grad_()
        leaves = [(h0, to_torch(h0))] + ([(c0, to_torch(c0))] if mode == "LSTM" else [])
        args = [(h0, c0) if mode == "LSTM" else h0]
        t_args = [(leaves[0][1], leaves[1][1]) if mode == "LSTM" else leaves[0][1]]
    out, state = ours(packed, *args)
    t_out, t_state = theirs(t_packed, *t_args)
    assert type(out).__name__ == "PackedSequence"
    assert_close_to_torch(out.data, t_out.data, what="packed output")
    assert_close_to_torch(out.batch_sizes, t_out.batch_sizes, what="batch_sizes")
    assert_close_to_torch(state, t_state, what="final state")
    flat = [out.data, *state] if mode == "LSTM" else [out.data, state]
    t_flat = [t_out.data, *t_state] if mode == "LSTM" else [t_out.data, t_state]
    loss = sum((o * _randn(*o.shape, seed=20 + i)).sum() for i, o in enumerate(flat))
    t_loss = sum((o * to_torch(_randn(*o.shape, seed=20 + i))).sum() for i, o in enumerate(t_flat))
    loss.backward()  # type: ignore[union-attr]
    t_loss.backward()
    for a, b in [(x, t_x), *leaves]:
        assert_close_to_torch(a.grad, b.grad, what="input grad")
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, t_params[name].grad, what=name)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_input_matches_torch(mode: str, with_state: bool) -> None:
    torch = pytest.importorskip("torch")
    theirs = _make(mode, torch.nn, 3, 4, num_layers=2, bidirectional=True).double()
    ours = _make(mode, nn, 3, 4, num_layers=2, bidirectional=True).double()
    inputs: list[Any] = [_randn(5, 3)]
    if with_state:
        h0 = _randn(4, 4, seed=1)
        inputs.append((h0, _randn(4, 4, seed=2)) if mode == "LSTM" else h0)
    if with_state and mode == "LSTM":
        copy_weights_from_torch(ours, theirs)
        out, (h, c) = ours(*inputs)
        t_out, (t_h, t_c) = theirs(*to_torch(inputs))
        assert_close_to_torch((out, h, c), (t_out, t_h, t_c))
    else:
        compare_with_torch(ours, theirs, *inputs)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_lstm_float32_and_bias_false_match_torch() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LSTM(6, 8, num_layers=2, bias=False, proj_size=3)
    ours = nn.LSTM(6, 8, num_layers=2, bias=False, proj_size=3)
    compare_with_torch(ours, theirs, _randn(7, 3, 6, dtype=tocha.float32), atol=1e-5, rtol=1e-4)
    theirs_gru = torch.nn.GRU(6, 8, bias=False, batch_first=True)
    compare_with_torch(nn.GRU(6, 8, bias=False, batch_first=True), theirs_gru, _randn(3, 7, 6, dtype=tocha.float32),
                       atol=1e-5, rtol=1e-4)  # fmt: skip


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_nonlinearity_matches_torch(nonlinearity: str) -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.RNN(3, 4, num_layers=2, nonlinearity=nonlinearity).double()
    ours = nn.RNN(3, 4, num_layers=2, nonlinearity=nonlinearity).double()
    compare_with_torch(ours, theirs, _randn(6, 2, 3))


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell", "RNNCell-relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("state", ["none", "given", "unbatched"])
def test_cells_match_torch(cell: str, bias: bool, state: str) -> None:
    torch = pytest.importorskip("torch")
    name, _, nl = cell.partition("-")
    kwargs: dict[str, Any] = {"bias": bias}
    if nl:
        kwargs["nonlinearity"] = nl
    theirs = getattr(torch.nn, name)(3, 4, **kwargs).double()
    ours = getattr(nn, name)(3, 4, **kwargs).double()
    batch: tuple[int, ...] = () if state == "unbatched" else (2,)
    inputs: list[Any] = [_randn(*batch, 3)]
    if state != "none":
        h = _randn(*batch, 4, seed=1)
        inputs.append((h, _randn(*batch, 4, seed=2)) if name == "LSTMCell" else h)
    if name == "LSTMCell" and state != "none":
        copy_weights_from_torch(ours, theirs)
        h, c = inputs[1]
        h.requires_grad_()
        c.requires_grad_()
        x = inputs[0].requires_grad_()
        t_x, t_h, t_c = to_torch(x), to_torch(h), to_torch(c)
        out = ours(x, (h, c))
        t_out = theirs(t_x, (t_h, t_c))
        assert_close_to_torch(out, t_out)
        (out[0] * 2 + out[1] * 3).sum().backward()
        (t_out[0] * 2 + t_out[1] * 3).sum().backward()
        for a, b in [(x, t_x), (h, t_h), (c, t_c)]:
            assert_close_to_torch(a.grad, b.grad)
        t_params = dict(theirs.named_parameters())
        for pname, p in ours.named_parameters():
            assert_close_to_torch(p.grad, t_params[pname].grad, what=pname)
    else:
        compare_with_torch(ours, theirs, *inputs)


def test_state_dict_keys_and_shapes_match_torch() -> None:
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.LSTM(3, 6, 2, bidirectional=True, proj_size=2), torch.nn.LSTM(3, 6, 2, bidirectional=True, proj_size=2)),
        (nn.GRU(3, 6, 3, bias=False), torch.nn.GRU(3, 6, 3, bias=False)),
        (nn.RNN(3, 6, bidirectional=True), torch.nn.RNN(3, 6, bidirectional=True)),
        (nn.LSTMCell(3, 6), torch.nn.LSTMCell(3, 6)),
        (nn.GRUCell(3, 6, bias=False), torch.nn.GRUCell(3, 6, bias=False)),
    ]
    for ours, theirs in pairs:
        sd, tsd = ours.state_dict(), theirs.state_dict()
        assert list(sd) == list(tsd)
        assert [tuple(v.shape) for v in sd.values()] == [tuple(v.shape) for v in tsd.values()]
    lstm, t_lstm = pairs[0]
    assert [[tuple(w.shape) for w in ws] for ws in lstm.all_weights] == [  # type: ignore[attr-defined]
        [tuple(w.shape) for w in ws] for ws in t_lstm.all_weights
    ]


def test_reprs_match_torch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        ("LSTM", (10, 20), {}),
        (
            "LSTM",
            (10, 20, 2),
            {"bias": False, "batch_first": True, "dropout": 0.5, "bidirectional": True, "proj_size": 5},
        ),
        ("GRU", (3, 4), {"num_layers": 3}),
        ("RNN", (3, 4), {"nonlinearity": "relu", "bidirectional": True}),
        ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}),
        ("RNNCell", (3, 4), {}),
        ("LSTMCell", (3, 4), {"bias": False}),
        ("GRUCell", (3, 4), {}),
    ]
    for name, args, kwargs in cases:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


# ------------------------------------------------------------------ without PyTorch


def test_parameter_names_order_and_init() -> None:
    lstm = nn.LSTM(3, 16, 2, bidirectional=True, proj_size=4)
    names = [name for name, _ in lstm.named_parameters()]
    per = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"]
    expected = [f"{p}_l{k}{s}" for k in range(2) for s in ("", "_reverse") for p in per]
    assert names == expected
    assert lstm._flat_weights_names == expected  # type: ignore[attr-defined]
    assert tuple(lstm.weight_ih_l1.shape) == (64, 8)
    assert tuple(lstm.weight_hh_l0.shape) == (64, 4)
    assert tuple(lstm.weight_hr_l0.shape) == (4, 16)
    bound = 1 / 4
    for _, p in lstm.named_parameters():
        values = p.detach().numpy()
        assert values.min() >= -bound
        assert values.max() <= bound
        assert values.std() > bound / 4  # really drawn, not constant
    gru = nn.GRUCell(3, 9, bias=False)
    assert [name for name, _ in gru.named_parameters()] == ["weight_ih", "weight_hh"]
    assert gru.bias_ih is None
    assert len(lstm.all_weights) == 4
    assert len(lstm.all_weights[0]) == 5
    lstm.flatten_parameters()


def test_factory_kwargs() -> None:
    lstm = nn.LSTM(3, 4, dtype=tocha.float64)
    assert all(p.dtype == tocha.float64 for p in lstm.parameters())
    cell = nn.GRUCell(3, 4, device="cpu", dtype=tocha.float64)
    assert cell.weight_ih.dtype == tocha.float64


def _numpy_lstm(x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    hidden = w_hh.shape[1]
    h = np.zeros((x.shape[1], hidden))
    c = np.zeros((x.shape[1], hidden))
    outs = []

    def sig(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-v))

    for t in range(x.shape[0]):
        g = x[t] @ w_ih.T + h @ w_hh.T + b
        i, f, gg, o = np.split(g, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(gg)
        h = sig(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs)


def test_lstm_matches_numpy_reference() -> None:
    lstm = nn.LSTM(3, 4).double()
    x = _randn(6, 2, 3)
    out, (h, _c) = lstm(x)
    p = {name: v.detach().numpy() for name, v in lstm.named_parameters()}
    expected = _numpy_lstm(x.numpy(), p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"] + p["bias_hh_l0"])
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(h.detach().numpy(), expected[-1:], atol=1e-12)


def test_gru_matches_numpy_reference() -> None:
    gru = nn.GRU(3, 4).double()
    x = _randn(5, 2, 3)
    out, _ = gru(x)
    p = {name: v.detach().numpy() for name, v in gru.named_parameters()}
    h = np.zeros((2, 4))
    for t in range(5):
        gi = x.numpy()[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"]
        gh = h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        r = 1 / (1 + np.exp(-(gi[:, :4] + gh[:, :4])))
        z = 1 / (1 + np.exp(-(gi[:, 4:8] + gh[:, 4:8])))
        n = np.tanh(gi[:, 8:] + r * gh[:, 8:])
        h = (1 - z) * n + z * h
        np.testing.assert_allclose(out.detach().numpy()[t], h, atol=1e-12)


PACKED_SIZES = (3, 3, 2, 1)


def _layer_cases() -> list[tuple[str, bool, bool]]:
    return [(kind, rev, proj) for kind in ("lstm", "gru", "rnn_tanh", "rnn_relu") for rev in (False, True)
            for proj in (False, True) if not (proj and kind != "lstm")]  # fmt: skip


def _layer_fn(kind: str, reverse: bool, proj: bool) -> tuple[Any, Any, list[tocha.Tensor]]:
    total = sum(PACKED_SIZES)
    hidden = 2
    if kind == "lstm":
        out_size = 1 if proj else hidden
        inputs = [_randn(total, 3), _randn(3, out_size, seed=1), _randn(3, hidden, seed=2),
                  _randn(4 * hidden, 3, seed=3), _randn(4 * hidden, out_size, seed=4), _randn(4 * hidden, seed=5),
                  _randn(4 * hidden, seed=6)]  # fmt: skip
        if proj:
            inputs.append(_randn(out_size, hidden, seed=7))

        def fused(*args: Any) -> Any:
            return _rnn.lstm_layer(*args[:7], args[7] if proj else None, PACKED_SIZES, reverse)

        def ref(*args: Any) -> Any:
            return _rnn.lstm_layer_reference(*args[:7], args[7] if proj else None, PACKED_SIZES, reverse)

        return fused, ref, inputs
    if kind == "gru":
        inputs = [_randn(total, 3 * hidden), _randn(3, hidden, seed=1), _randn(3 * hidden, hidden, seed=2),
                  _randn(3 * hidden, seed=3)]  # fmt: skip

        def fused_gru(gx: Any, h0: Any, w: Any, b: Any) -> Any:
            return _rnn.gru_layer(gx, h0, w, b, PACKED_SIZES, reverse)

        def ref_gru(gx: Any, h0: Any, w: Any, b: Any) -> Any:
            return _rnn.gru_layer_reference(gx, h0, w, b, PACKED_SIZES, reverse)

        return fused_gru, ref_gru, inputs
    nonlinearity = kind.split("_")[1]
    inputs = [_randn(total, hidden), _randn(3, hidden, seed=1), _randn(hidden, hidden, seed=2)]

    def fused_rnn(gx: Any, h0: Any, w: Any) -> Any:
        return _rnn.rnn_layer(gx, h0, w, PACKED_SIZES, reverse, nonlinearity)

    def ref_rnn(gx: Any, h0: Any, w: Any) -> Any:
        return _rnn.rnn_layer_reference(gx, h0, w, PACKED_SIZES, reverse, nonlinearity)

    return fused_rnn, ref_rnn, inputs


@pytest.mark.parametrize(("kind", "reverse", "proj"), _layer_cases())
def test_fused_layer_matches_reference_composition(kind: str, reverse: bool, proj: bool) -> None:
    fused, ref, inputs = _layer_fn(kind, reverse, proj)
    leaves = [x.requires_grad_() for x in inputs]
    ours = fused(*leaves)
    expected = ref(*leaves)
    for a, b in zip(ours, expected, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)
    cotangents = [_randn(*o.shape, seed=30 + i) for i, o in enumerate(ours)]
    g1 = tocha.autograd.grad(list(ours), leaves, cotangents)
    g2 = tocha.autograd.grad(list(expected), leaves, cotangents)
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)


@pytest.mark.parametrize(("kind", "reverse", "proj"), _layer_cases())
def test_fused_layer_gradcheck_and_gradgradcheck(kind: str, reverse: bool, proj: bool) -> None:
    fused, _, inputs = _layer_fn(kind, reverse, proj)
    gradcheck_function(fused, *inputs)
    assert gradgradcheck(fused, tuple(x.requires_grad_() for x in inputs))


@pytest.mark.parametrize("mode", MODES)
def test_module_gradcheck(mode: str) -> None:
    module = _make(mode, nn, 2, 3, num_layers=2, bidirectional=True, batch_first=True).double()
    params = list(module.parameters())

    def fn(x: Any, h: Any, *weights: Any) -> Any:  # the weights are the module's own parameters
        state: Any = (h, h * 0.5) if mode == "LSTM" else h
        out, final = module(x, state)
        return out, *(final if mode == "LSTM" else (final,))

    x = _randn(3, 2, 2).requires_grad_()
    h0 = _randn(4, 3, 3, seed=1).requires_grad_()
    assert gradcheck(fn, (x, h0, *params))


def test_lstm_double_backward_through_module() -> None:
    lstm = nn.LSTM(2, 3, proj_size=2).double()
    x = _randn(3, 2, 2).requires_grad_()
    out, (_h, c) = lstm(x)
    (gx,) = tocha.autograd.grad((out.sum() + c.sum(),), (x,), create_graph=True)
    penalty = (gx * gx).sum()
    penalty.backward()
    assert lstm.weight_hh_l0.grad is not None
    assert x.grad is not None
    # against the per-step composition, differentiated twice
    weights = dict(lstm.named_parameters())
    x2 = x.detach().requires_grad_()
    zeros_h = tocha.zeros((2, 2), dtype=tocha.float64)
    zeros_c = tocha.zeros((2, 3), dtype=tocha.float64)
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0")
    args = [weights[n] for n in names]
    out2, _, c2 = _rnn.lstm_layer_reference(x2.reshape(6, 2), zeros_h, zeros_c, *args, (2, 2, 2), False)
    (gx2,) = tocha.autograd.grad((out2.sum() + c2.sum(),), (x2,), create_graph=True)
    np.testing.assert_allclose(gx.detach().numpy(), gx2.detach().numpy(), atol=1e-12)
    (gw,) = tocha.autograd.grad(((gx2 * gx2).sum(),), (weights["weight_hh_l0"],))
    np.testing.assert_allclose(lstm.weight_hh_l0.grad.numpy(), gw.numpy(), atol=1e-10)


def test_dropout_between_layers() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = _randn(5, 2, 3)
    lstm.eval()
    a, _ = lstm(x)
    b, _ = lstm(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    lstm.train()
    c, _ = lstm(x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    lstm.dropout = 0.0
    d, _ = lstm(x)
    np.testing.assert_allclose(a.detach().numpy(), d.detach().numpy(), atol=1e-12)


def test_dropout_warning_with_one_layer() -> None:
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got dropout=0.5"):
        nn.GRU(3, 4, dropout=0.5)


def test_constructor_errors() -> None:
    msg = "dropout should be a number in range"
    with pytest.raises(ValueError, match=msg):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match=msg):
        nn.LSTM(3, 4, dropout=True)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(3, 0)
    with pytest.raises(TypeError, match="hidden_size should be of type int, got: float"):
        nn.LSTM(3, 4.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        nn.LSTM(3, 4, num_layers=0)
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
        nn.LSTM(3, 4, proj_size=-1)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match=r"Unknown nonlinearity 'foo'\. Select from 'tanh' or 'relu'\."):
        nn.RNN(3, 4, nonlinearity="foo")
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: foo"):
        nn.RNNCell(3, 4, nonlinearity="foo")(tocha.randn(2, 3))


def test_forward_errors() -> None:
    lstm = nn.LSTM(10, 20)
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 10, got 5"):
        lstm(tocha.randn(5, 3, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 3, 20\), got \[2, 3, 20\]"):
        lstm(tocha.randn(5, 3, 10), (tocha.randn(2, 3, 20), tocha.randn(1, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 3, 20\), got \[2, 3, 20\]"):
        lstm(tocha.randn(5, 3, 10), (tocha.randn(1, 3, 20), tocha.randn(2, 3, 20)))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        lstm(tocha.randn(5, 3, 10, 2))
    with pytest.raises(
        RuntimeError, match=r"For unbatched 2-D input, hx and cx should also be 2-D but got \(3-D, 3-D\)"
    ):
        lstm(tocha.randn(5, 10), (tocha.randn(1, 3, 20), tocha.randn(1, 3, 20)))
    with pytest.raises(RuntimeError, match=r"For batched 3-D input, hx and cx should also be 3-D but got \(2-D, 2-D\)"):
        lstm(tocha.randn(5, 3, 10), (tocha.randn(3, 20), tocha.randn(3, 20)))
    gru = nn.GRU(10, 20)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 20\), got \[2, 3, 20\]"):
        gru(tocha.randn(5, 3, 10), tocha.randn(2, 3, 20))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        gru(tocha.randn(5, 10), tocha.randn(1, 3, 20))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got 2-D tensor"):
        gru(tocha.randn(5, 3, 10), tocha.randn(3, 20))
    with pytest.raises(ValueError, match=r"RNN input dtype \(tocha.float64\) does not match weight dtype"):
        gru(tocha.randn(5, 3, 10, dtype=tocha.float64))


def test_cell_errors() -> None:
    cell = nn.LSTMCell(10, 20)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 5 expected 10"):
        cell(tocha.randn(3, 5))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 2"):
        cell(tocha.randn(3, 10), (tocha.randn(2, 20), tocha.randn(3, 20)))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        cell(tocha.randn(3, 10, 1))
    with pytest.raises(RuntimeError, match="lstm_cell expects two hidden states"):
        cell(tocha.randn(3, 10), (tocha.randn(3, 20),))  # type: ignore[arg-type]
    gru = nn.GRUCell(10, 20)
    with pytest.raises(RuntimeError, match="hidden0 has inconsistent hidden_size: got 3, expected 20"):
        gru(tocha.randn(2, 10), tocha.randn(2, 3))
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D instead"):
        gru(tocha.randn(3, 10, 2))


def test_no_grad_path_and_packed_output_type() -> None:
    lstm = nn.LSTM(3, 4)
    with tocha.no_grad():
        out, (h, c) = lstm(tocha.randn(6, 2, 3))
    assert not out.requires_grad
    assert tuple(h.shape) == (1, 2, 4)
    assert tuple(c.shape) == (1, 2, 4)
    packed = pack_padded_sequence(tocha.randn(4, 3, 3), [4, 2, 1])
    out_packed, _ = lstm(packed)
    assert tuple(out_packed.data.shape) == (7, 4)
    assert out_packed.batch_sizes.tolist() == [3, 2, 1, 1]
