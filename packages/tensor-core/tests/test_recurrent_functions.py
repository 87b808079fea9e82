"""tocha's recurrent cells and layers (``tocha.lstm_cell``, ``tocha.lstm``, ``tocha.gru``...): outputs and gradients
against PyTorch's with the same weights (``torch.nn.LSTM``'s flat weights), projections, inter-layer dropout,
errors as PyTorch's, and the shape checks PyTorch's kernels lack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import recurrent

RNG = np.random.default_rng(47)

MODES = ["lstm", "gru", "rnn_tanh", "rnn_relu"]
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def _randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _tensor(lib: Any, a: np.ndarray, requires_grad: bool = False) -> Any:
    t = lib.from_numpy(np.ascontiguousarray(a).copy())
    return t.requires_grad_(True) if requires_grad else t


def _assert_matches(ours: Any, theirs: Any, *, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    assert isinstance(ours, tocha.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _flatten(result: Any) -> list[Any]:
    return list(result) if isinstance(result, tuple) else [result]


# ------------------------------------------------------------------ cells


def _cell_arrays(mode: str, batch: int, inputs: int, hidden: int, biases: str) -> dict[str, Any]:
    g = GATES[mode.removesuffix("_cell")]
    arrays: dict[str, Any] = {
        "input": _randn(batch, inputs),
        "hx": [_randn(batch, hidden), _randn(batch, hidden)] if mode == "lstm_cell" else _randn(batch, hidden),
        "w_ih": _randn(g * hidden, inputs),
        "w_hh": _randn(g * hidden, hidden),
    }
    if biases in ("both", "ih"):
        arrays["b_ih"] = _randn(g * hidden)
    if biases in ("both", "hh"):
        arrays["b_hh"] = _randn(g * hidden)
    return arrays


def _run_cell(lib: Any, mode: str, arrays: dict[str, Any], grad: bool) -> tuple[list[Any], list[Any]]:
    """The cell's outputs and, with ``grad``, the gradients of a fixed weighting of them for every input."""
    leaves = []
    kwargs: dict[str, Any] = {}
    for name, value in arrays.items():
        if isinstance(value, list):
            kwargs[name] = tuple(_tensor(lib, v, grad) for v in value)
            leaves += list(kwargs[name])
        else:
            kwargs[name] = _tensor(lib, value, grad)
            leaves.append(kwargs[name])
    outputs = _flatten(getattr(lib, mode)(**kwargs))
    if not grad:
        return outputs, []
    loss = sum((o * lib.from_numpy(np.cos(np.arange(o.numel()).reshape(tuple(o.shape))))).sum() for o in outputs)
    loss.backward()
    return outputs, [leaf.grad for leaf in leaves]


CELL_CASES = [
    (mode, biases)
    for mode in ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell")
    for biases in ("both", "none", "ih", "hh")
]


@pytest.mark.parametrize(("mode", "biases"), CELL_CASES)
def test_cells_match_pytorch(torch: Any, mode: str, biases: str) -> None:
    arrays = _cell_arrays(mode, 3, 4, 5, biases)
    ours, _ = _run_cell(tocha, mode, arrays, grad=False)
    theirs, _ = _run_cell(torch, mode, arrays, grad=False)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t)


@pytest.mark.autograd
@pytest.mark.parametrize(("mode", "biases"), CELL_CASES)
def test_cell_gradients_match_pytorch(torch: Any, mode: str, biases: str) -> None:
    arrays = _cell_arrays(mode, 3, 4, 5, biases)
    _, ours = _run_cell(tocha, mode, arrays, grad=True)
    _, theirs = _run_cell(torch, mode, arrays, grad=True)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t)


def test_cells_take_a_list_of_hidden_states_and_keyword_biases(torch: Any) -> None:
    x, h, c = _randn(2, 3), _randn(2, 4), _randn(2, 4)
    w_ih, w_hh, b_hh = _randn(16, 3), _randn(16, 4), _randn(16)
    ours = tocha.lstm_cell(
        _tensor(tocha, x),
        [_tensor(tocha, h), _tensor(tocha, c)],
        _tensor(tocha, w_ih),
        _tensor(tocha, w_hh),
        b_hh=_tensor(tocha, b_hh),
    )
    theirs = torch.lstm_cell(
        _tensor(torch, x),
        [_tensor(torch, h), _tensor(torch, c)],
        _tensor(torch, w_ih),
        _tensor(torch, w_hh),
        b_hh=_tensor(torch, b_hh),
    )
    for o, t in zip(ours, theirs):
        _assert_matches(o, t)


def _cell_error_cases() -> list[Any]:
    x, h, c = _randn(2, 4), _randn(2, 3), _randn(2, 3)
    cases: list[Any] = []
    for mode in ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"):
        g = GATES[mode.removesuffix("_cell")]
        wi, wh, bi = _randn(g * 3, 4), _randn(g * 3, 3), _randn(g * 3)
        hx: Any = (h, c) if mode == "lstm_cell" else h
        bad_h: Any = (h[:, :2], c) if mode == "lstm_cell" else h[:, :2]
        short_batch: Any = (h[:1], c) if mode == "lstm_cell" else h[:1]
        cases += [
            pytest.param(mode, (x[:, :3], hx, wi, wh), id=f"{mode} input size"),
            pytest.param(mode, (x, bad_h, wi, wh), id=f"{mode} hidden size"),
            pytest.param(mode, (x, short_batch, wi, wh), id=f"{mode} hidden batch"),
            pytest.param(mode, (x, hx, wi[:2], wh), id=f"{mode} w_ih rows"),
            pytest.param(mode, (x, hx, wi, wh[:2]), id=f"{mode} w_hh rows"),
            pytest.param(mode, (x[:, :3], bad_h, wi[:2], wh), id=f"{mode} input, hidden and w_ih"),
            pytest.param(mode, (x, bad_h, wi, wh[:2]), id=f"{mode} hidden and w_hh"),
            pytest.param(mode, (x, hx, wi[:, :3], wh), id=f"{mode} w_ih columns"),
            pytest.param(mode, (x, hx, wi, wh, bi[:2]), id=f"{mode} bias size"),
            pytest.param(mode, (x, hx, wi, wh, None, _randn(3, g * 3)), id=f"{mode} bias rows"),
            pytest.param(mode, (x[0], (h[0], c[0]) if mode == "lstm_cell" else h[0], wi, wh), id=f"{mode} unbatched"),
            pytest.param(mode, (x, hx, wi, wh, bi.astype(np.float32)), id=f"{mode} bias dtype"),
        ]
    cases += [
        pytest.param("lstm_cell", (x, (h,), _randn(12, 4), _randn(12, 3)), id="lstm_cell one state"),
        pytest.param("lstm_cell", (x, (h, c, c), _randn(12, 4), _randn(12, 3)), id="lstm_cell three states"),
        pytest.param("lstm_cell", (x, h, _randn(12, 4), _randn(12, 3)), id="lstm_cell a tensor as hx"),
        pytest.param("gru_cell", (x, None, _randn(9, 4), _randn(9, 3)), id="gru_cell None hx"),
        pytest.param("rnn_tanh_cell", (x, (h,), _randn(3, 4), _randn(3, 3)), id="rnn_tanh_cell tuple hx"),
    ]
    return cases


def _args(lib: Any, args: tuple[Any, ...]) -> list[Any]:
    def convert(a: Any) -> Any:
        if isinstance(a, np.ndarray):
            return _tensor(lib, a)
        if isinstance(a, tuple):
            return tuple(convert(v) for v in a)
        return a

    return [convert(a) for a in args]


@pytest.mark.parametrize(("mode", "args"), _cell_error_cases())
def test_cell_errors_as_in_pytorch(torch: Any, mode: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(Exception) as theirs:  # PyTorch's type and text, required of tocha below
        getattr(torch, mode)(*_args(torch, args))
    with pytest.raises(theirs.type) as ours:
        getattr(tocha, mode)(*_args(tocha, args))
    assert str(ours.value) == str(theirs.value).replace("torch.", "tocha.")


# ------------------------------------------------------------------ layers


def _module(torch: Any, mode: str, inputs: int, hidden: int, **kwargs: Any) -> Any:
    torch.manual_seed(int(RNG.integers(1 << 30)))
    if mode == "lstm":
        return torch.nn.LSTM(inputs, hidden, dtype=torch.float64, **kwargs)
    if mode == "gru":
        return torch.nn.GRU(inputs, hidden, dtype=torch.float64, **kwargs)
    nonlinearity = mode.removeprefix("rnn_")
    return torch.nn.RNN(inputs, hidden, nonlinearity=nonlinearity, dtype=torch.float64, **kwargs)


def _layer_arrays(torch: Any, mode: str, config: dict[str, Any], proj_size: int = 0) -> dict[str, Any]:
    layers, bidirectional, batch_first, has_biases = (
        config[k] for k in ("layers", "bidirectional", "batch_first", "has_biases")
    )
    kwargs: dict[str, Any] = {"num_layers": layers, "bias": has_biases, "bidirectional": bidirectional}
    if proj_size:
        kwargs["proj_size"] = proj_size
    module = _module(torch, mode, 4, 5, **kwargs)
    count, steps, batch = layers * (2 if bidirectional else 1), 6, 3
    h_size = proj_size or 5
    x = _randn(batch, steps, 4) if batch_first else _randn(steps, batch, 4)
    hx = [_randn(count, batch, h_size), _randn(count, batch, 5)] if mode == "lstm" else _randn(count, batch, 5)
    return {"input": x, "hx": hx, "params": [p.detach().numpy().copy() for p in module._flat_weights]}


def _run_layers(
    lib: Any,
    mode: str,
    arrays: dict[str, Any],
    config: dict[str, Any],
    grad: bool,
    dropout: float = 0.0,
    train: bool = False,
) -> tuple[list[Any], list[Any]]:
    x = _tensor(lib, arrays["input"], grad)
    hx: Any
    if mode == "lstm":
        hx = tuple(_tensor(lib, h, grad) for h in arrays["hx"])
        leaves = [x, *hx]
    else:
        hx = _tensor(lib, arrays["hx"], grad)
        leaves = [x, hx]
    params = [_tensor(lib, p, grad) for p in arrays["params"]]
    outputs = _flatten(
        getattr(lib, mode)(
            x,
            hx,
            params,
            config["has_biases"],
            config["layers"],
            dropout,
            train,
            config["bidirectional"],
            config["batch_first"],
        )
    )
    if not grad:
        return outputs, []
    loss = sum((o * lib.from_numpy(np.sin(np.arange(o.numel()).reshape(tuple(o.shape))))).sum() for o in outputs)
    loss.backward()
    return outputs, [leaf.grad for leaf in leaves + params]


CONFIGS = [
    {"layers": 1, "bidirectional": False, "batch_first": False, "has_biases": True},
    {"layers": 2, "bidirectional": False, "batch_first": False, "has_biases": True},
    {"layers": 1, "bidirectional": True, "batch_first": False, "has_biases": False},
    {"layers": 2, "bidirectional": True, "batch_first": True, "has_biases": True},
    {"layers": 3, "bidirectional": False, "batch_first": True, "has_biases": False},
    {"layers": 2, "bidirectional": True, "batch_first": False, "has_biases": False},
]
CONFIG_IDS = ["1", "2", "1 bi no-bias", "2 bi batch-first", "3 batch-first no-bias", "2 bi no-bias"]
LAYER_CASES = [
    pytest.param(mode, config, proj, id=f"{mode}{' proj' if proj else ''} {cid}")
    for mode in MODES
    for config, cid in zip(CONFIGS, CONFIG_IDS)
    for proj in ((0, 3) if mode == "lstm" else (0,))
]


@pytest.mark.parametrize(("mode", "config", "proj_size"), LAYER_CASES)
def test_layers_match_pytorch(torch: Any, mode: str, config: dict[str, Any], proj_size: int) -> None:
    arrays = _layer_arrays(torch, mode, config, proj_size)
    ours, _ = _run_layers(tocha, mode, arrays, config, grad=False)
    theirs, _ = _run_layers(torch, mode, arrays, config, grad=False)
    assert len(ours) == len(theirs) == (3 if mode == "lstm" else 2)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t)


@pytest.mark.autograd
@pytest.mark.parametrize(("mode", "config", "proj_size"), LAYER_CASES)
def test_layer_gradients_match_pytorch(torch: Any, mode: str, config: dict[str, Any], proj_size: int) -> None:
    arrays = _layer_arrays(torch, mode, config, proj_size)
    _, ours = _run_layers(tocha, mode, arrays, config, grad=True)
    _, theirs = _run_layers(torch, mode, arrays, config, grad=True)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t, rtol=1e-9, atol=1e-11)


def test_layers_match_the_pytorch_module(torch: Any) -> None:
    """The flat weights order is the modules': tocha.lstm with them gives nn.LSTM's result."""
    module = _module(torch, "lstm", 4, 5, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
    x = _randn(3, 6, 4)
    with torch.no_grad():
        expected, (h, c) = module(torch.from_numpy(x))
    params = [tocha.from_numpy(p.detach().numpy().copy()) for p in module._flat_weights]
    zeros_h, zeros_c = tocha.zeros(4, 3, 2, dtype=tocha.float64), tocha.zeros(4, 3, 5, dtype=tocha.float64)
    ours = tocha.lstm(tocha.from_numpy(x), [zeros_h, zeros_c], tuple(params), True, 2, 0.0, False, True, True)
    for o, t in zip(ours, (expected, h, c)):
        _assert_matches(o, t)


# ------------------------------------------------------------------ dropout between layers


@pytest.mark.parametrize("mode", MODES)
def test_dropout_off_matches_pytorch(torch: Any, mode: str) -> None:
    config = CONFIGS[3]
    arrays = _layer_arrays(torch, mode, config)
    for dropout, train in ((0.0, True), (0.5, False)):
        ours, _ = _run_layers(tocha, mode, arrays, config, grad=False, dropout=dropout, train=train)
        theirs, _ = _run_layers(torch, mode, arrays, config, grad=False, dropout=dropout, train=train)
        for o, t in zip(ours, theirs):
            _assert_matches(o, t)


def test_no_dropout_after_the_last_layer(torch: Any) -> None:
    config = {"layers": 1, "bidirectional": True, "batch_first": False, "has_biases": True}
    arrays = _layer_arrays(torch, "gru", config)
    ours, _ = _run_layers(tocha, "gru", arrays, config, grad=False, dropout=0.9, train=True)
    theirs, _ = _run_layers(torch, "gru", arrays, config, grad=False)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_dropout_between_layers_zeros_and_scales(bidirectional: bool) -> None:
    """Layer 0 outputs ones (its bias through ReLU); layer 1 passes its input through (identity ``w_ih``), so the
    output is the dropout mask of layer 0's output, scaled, and layer 1 adds no dropout of its own."""
    hidden, p = 8, 0.3
    directions = 2 if bidirectional else 1
    first = [tocha.zeros(hidden, 2), tocha.zeros(hidden, hidden), tocha.ones(hidden), tocha.zeros(hidden)]
    eye = tocha.eye(hidden, hidden * directions)
    second = [eye, tocha.zeros(hidden, hidden), tocha.zeros(hidden), tocha.zeros(hidden)]
    params = first * directions + second * directions
    x, h0 = tocha.randn(60, 50, 2), tocha.zeros(2 * directions, 50, hidden)
    out, h_n = tocha.rnn_relu(x, h0, params, True, 2, p, True, bidirectional, False)
    values = out.numpy()
    assert set(np.unique(values).tolist()) == {0.0, np.float32(1 / (1 - p))}
    assert abs((values == 0).mean() - p) < 0.02
    assert bool((h_n[:directions] == 1).all())  # layer 0's own states are not dropped


@pytest.mark.parametrize("mode", MODES)
def test_dropout_probability_checked_where_applied(torch: Any, mode: str) -> None:
    for layers, raises in ((2, True), (1, False)):
        config = {"layers": layers, "bidirectional": False, "batch_first": False, "has_biases": True}
        arrays = _layer_arrays(torch, mode, config)
        for lib in (torch, tocha):
            if raises:
                with pytest.raises(RuntimeError, match=r"dropout probability has to be between 0 and 1, but got 1\.5"):
                    _run_layers(lib, mode, arrays, config, grad=False, dropout=1.5, train=True)
            else:
                _run_layers(lib, mode, arrays, config, grad=False, dropout=1.5, train=True)
            _run_layers(lib, mode, arrays, config, grad=False, dropout=1.5, train=False)


# ------------------------------------------------------------------ layer errors


def _gru_params(layers: int = 2, bidirectional: bool = True) -> list[np.ndarray]:
    params = []
    for layer in range(layers):
        for _ in range(2 if bidirectional else 1):
            inputs = 4 if layer == 0 else 3 * (2 if bidirectional else 1)
            params += [_randn(9, inputs), _randn(9, 3), _randn(9), _randn(9)]
    return params


def _lstm_params() -> list[np.ndarray]:
    return [_randn(12, 4), _randn(12, 3), _randn(12), _randn(12)]


LAYER_ERROR_CASES: list[tuple[str, str, Callable[[], tuple[Any, ...]]]] = [
    (
        "lstm one state",
        "lstm",
        lambda: (_randn(5, 2, 4), (_randn(1, 2, 3),), _lstm_params(), True, 1, 0.0, False, False, False),
    ),
    (
        "lstm params count",
        "lstm",
        lambda: (
            _randn(5, 2, 4),
            (_randn(1, 2, 3), _randn(1, 2, 3)),
            _lstm_params()[:3],
            True,
            1,
            0.0,
            False,
            False,
            False,
        ),
    ),
    (
        "gru params count",
        "gru",
        lambda: (_randn(5, 2, 4), _randn(4, 2, 3), _gru_params()[:14], True, 2, 0.0, False, True, False),
    ),
    (
        "gru too few params",
        "gru",
        lambda: (_randn(5, 2, 4), _randn(4, 2, 3), _gru_params()[:8], True, 2, 0.0, False, True, False),
    ),
    (
        "gru too few states",
        "gru",
        lambda: (_randn(5, 2, 4), _randn(2, 2, 3), _gru_params(), True, 2, 0.0, False, True, False),
    ),
    (
        "gru too many states",
        "gru",
        lambda: (_randn(5, 2, 4), _randn(6, 2, 3), _gru_params(), True, 2, 0.0, False, True, False),
    ),
    (
        "gru empty sequence",
        "gru",
        lambda: (_randn(0, 2, 4), _randn(4, 2, 3), _gru_params(), True, 2, 0.0, False, True, False),
    ),
    ("gru 2-d input", "gru", lambda: (_randn(5, 4), _randn(4, 2, 3), _gru_params(), True, 2, 0.0, False, True, False)),
    ("gru 2-d state", "gru", lambda: (_randn(5, 2, 4), _randn(4, 3), _gru_params(), True, 2, 0.0, False, True, False)),
    (
        "gru tuple hx",
        "gru",
        lambda: (_randn(5, 2, 4), (_randn(4, 2, 3),), _gru_params(), True, 2, 0.0, False, True, False),
    ),
    (
        "rnn input features",
        "rnn_tanh",
        lambda: (_randn(5, 2, 3), _randn(1, 2, 3), [_randn(3, 4), _randn(3, 3)], False, 1, 0.0, False, False, False),
    ),
]


@pytest.mark.parametrize(("name", "make"), [pytest.param(c[1], c[2], id=c[0]) for c in LAYER_ERROR_CASES])
def test_layer_errors_as_in_pytorch(torch: Any, name: str, make: Callable[[], tuple[Any, ...]]) -> None:
    args = make()
    with pytest.raises(Exception) as theirs:  # PyTorch's type, required of tocha below
        getattr(torch, name)(*_args(torch, args))
    with pytest.raises(theirs.type) as ours:
        getattr(tocha, name)(*_args(tocha, args))
    if theirs.type is not TypeError:  # PyTorch's TypeError lists its overloads
        assert str(ours.value) == str(theirs.value).replace("torch.", "tocha.").replace("size(): ", "")


def test_hidden_states_of_the_wrong_shape_are_refused() -> None:
    """PyTorch's kernels broadcast a hidden state of batch 1, or read an LSTM's cell state of another length;
    tocha refuses them with torch.nn.LSTM's messages."""
    x = tocha.randn(5, 2, 4)
    gru = [tocha.randn(9, 4), tocha.randn(9, 3)]
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 3\), got \[1, 1, 3\]"):
        tocha.gru(x, tocha.zeros(1, 1, 3), gru, False, 1, 0.0, False, False, False)
    lstm = [tocha.randn(12, 4), tocha.randn(12, 3)]
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 3\), got \[1, 1, 3\]"):
        tocha.lstm(x, (tocha.zeros(1, 2, 3), tocha.zeros(1, 1, 3)), lstm, False, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="num_layers must be positive"):
        tocha.gru(x, tocha.zeros(0, 2, 3), gru, False, 0, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="3-D input"):
        tocha.gru(x[None], tocha.zeros(1, 2, 3), gru, False, 1, 0.0, False, False, False)
    with pytest.raises(TypeError, match="'has_biases' \\(position 4\\) must be bool"):
        tocha.gru(x, tocha.zeros(1, 2, 3), gru, 0, 1, 0.0, False, False, False)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the namespace


def test_names_are_pytorchs(torch: Any) -> None:
    assert recurrent.__all__ == sorted(recurrent.__all__)
    for name in recurrent.__all__:
        assert name in tocha.__all__
        assert getattr(tocha, name) is getattr(recurrent, name)
        assert hasattr(torch, name), name
        assert "Example:" in (getattr(tocha, name).__doc__ or "")


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
def test_layers_on_cuda_match_the_cpu() -> None:
    x = tocha.randn(6, 3, 4, dtype=tocha.float64)
    states = (tocha.randn(4, 3, 2, dtype=tocha.float64), tocha.randn(4, 3, 5, dtype=tocha.float64))
    params = []
    for _ in range(4):  # 2 layers, 2 directions: every layer's input has 4 features (2 directions of proj_size 2)
        params += [
            tocha.randn(20, 4, dtype=tocha.float64),
            tocha.randn(20, 2, dtype=tocha.float64),
            tocha.randn(20, dtype=tocha.float64),
            tocha.randn(20, dtype=tocha.float64),
            tocha.randn(2, 5, dtype=tocha.float64),
        ]
    cpu = tocha.lstm(x, states, params, True, 2, 0.0, False, True, False)
    gpu = tocha.lstm(
        x.cuda(), tuple(s.cuda() for s in states), [p.cuda() for p in params], True, 2, 0.0, False, True, False
    )
    for c, g in zip(cpu, gpu):
        assert g.device.type == "cuda"
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=1e-10, atol=1e-12)
    dropped, _ = tocha.gru(
        x.cuda(),
        tocha.zeros(2, 3, 4, dtype=tocha.float64, device="cuda"),
        [p.cuda() for p in (tocha.randn(12, 4, dtype=tocha.float64), tocha.randn(12, 4, dtype=tocha.float64))] * 2,
        False,
        2,
        0.5,
        True,
        False,
        False,
    )
    assert dropped.device.type == "cuda"
