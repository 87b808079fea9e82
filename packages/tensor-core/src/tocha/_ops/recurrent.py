r"""PyTorch's recurrent cells and layers on ``torch``: ``tocha.lstm_cell``, ``tocha.gru``...

NOTE [ Recurrent functions ]
``torch.lstm``, ``torch.gru``, ``torch.rnn_tanh``, ``torch.rnn_relu`` and their ``*_cell`` forms are what
``torch.nn.LSTM`` & co call with their flat weights. Here they are composites of tensor-core ops (matmul,
sigmoid, tanh, relu, stack, cat), so they run on any device without tocha-nn and autograd differentiates them
through every step (double backward included). Each direction of a layer projects the whole sequence by
``w_ih`` in one matmul, then steps through time with ``w_hh``.

Gate orders are PyTorch's: LSTM ``i, f, g, o`` (:math:`c' = f c + i g`, :math:`h' = o \tanh c'`, then
:math:`h' W_{hr}^\top` with projections); GRU ``r, z, n`` with the reset gate applied to :math:`W_{hn} h + b_{hn}`
(:math:`h' = (1 - z) n + z h`).

``params`` is the flat weights list of ``torch.nn.LSTM``'s ``_flat_weights``: per layer, per direction (forward
then reverse), ``w_ih, w_hh[, b_ih, b_hh][, w_hr]``. As in PyTorch, an LSTM has projections when its two hidden
states differ in their last dim (``h`` of ``proj_size``, ``c`` of ``hidden_size``); the params then carry a
``w_hr`` per direction. Dropout (when ``train`` and ``dropout > 0``) acts on each layer's output but the last.

The ATen layers check almost nothing (a hidden state of batch 1 broadcasts, surplus parameters are read as the
next layer's); tocha checks the hidden states' shapes, the parameter count and the sequence, with
``torch.nn.LSTM``'s messages where it has them. The cells check as PyTorch's (``lstm_cell`` and the others
need 2-D inputs: the unbatched 1-D form is ``torch.nn.LSTMCell``'s, not theirs). The ``PackedSequence`` form
(``data, batch_sizes``) is not provided.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from .._grad_mode import no_grad
from .._tensor_base import TensorBase
from ._common import tensor_arg, type_name
from .creation import empty
from .shape_join import cat, stack

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "gru",
    "gru_cell",
    "lstm",
    "lstm_cell",
    "rnn_relu",
    "rnn_relu_cell",
    "rnn_tanh",
    "rnn_tanh_cell",
]


def _tensors(op: str, name: str, position: int, value: Any) -> list[Tensor]:
    if isinstance(value, TensorBase) or not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be tuple of Tensors, not {type(value).__name__}"
        )
    for v in value:
        tensor_arg(op, v, name, position)
    return list(value)


def _flag(op: str, name: str, position: int, value: Any, kind: type) -> None:
    accepted = (bool,) if kind is bool else (int,) if kind is int else (int, float)
    if not isinstance(value, accepted) or (kind is not bool and isinstance(value, bool)):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be {kind.__name__}, not {type(value).__name__}"
        )


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x @ weight.T + bias``, with ``addmm``'s checks: the bias of the product's dtype, expandable to it."""
    y: Tensor = x @ weight.t()
    if bias is not None:
        if bias.dtype != y.dtype:
            raise RuntimeError(
                f"self and mat2 must have the same dtype, but got {type_name(bias.dtype)} and {type_name(weight.dtype)}"
            )
        y = y + bias.expand(*y.shape)
    return y


# ------------------------------------------------------------------ one step


def _lstm_step(
    gates_x: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None
) -> tuple[Tensor, Tensor]:
    gates = gates_x + _linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    hy = o.sigmoid() * cy.tanh()
    if w_hr is not None:
        hy = hy @ w_hr.t()
    return hy, cy


def _gru_step(gates_x: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    x_r, x_z, x_n = gates_x.chunk(3, 1)
    h_r, h_z, h_n = _linear(h, w_hh, b_hh).chunk(3, 1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)


def _rnn_step(gates_x: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    pre = gates_x + _linear(h, w_hh, b_hh)
    result: Tensor = pre.relu() if relu else pre.tanh()
    return result


# ------------------------------------------------------------------ cells


def _size(t: Tensor, dim: int) -> int:
    """``t.size(dim)``, with the IndexError of PyTorch's kernels (no ``size():`` prefix)."""
    top = max(t.dim(), 1)
    if not -top <= dim < top:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-top}, {top - 1}], but got {dim})")
    return int(t.shape[dim]) if t.dim() else 1


def _check_input(input: Tensor, w_ih: Tensor) -> None:
    if _size(input, 1) != _size(w_ih, 1):
        raise RuntimeError(f"input has inconsistent input_size: got {_size(input, 1)} expected {_size(w_ih, 1)}")


def _check_weights(w_ih: Tensor, w_hh: Tensor, gates: int) -> None:
    hidden = _size(w_hh, 1)
    for name, w in (("weight_ih", w_ih), ("weight_hh", w_hh)):
        if _size(w, 0) != gates * hidden:
            raise RuntimeError(
                f"{name} first dim must be {gates} * hidden_size = {gates * hidden}, but got {_size(w, 0)}"
            )


def _check_hidden(input: Tensor, hx: Tensor, hidden_size: int, index: int) -> None:
    if _size(input, 0) != _size(hx, 0):
        raise RuntimeError(f"Input batch size {_size(input, 0)} doesn't match hidden{index} batch size {_size(hx, 0)}")
    if _size(hx, 1) != hidden_size:
        raise RuntimeError(f"hidden{index} has inconsistent hidden_size: got {_size(hx, 1)}, expected {hidden_size}")


def _cell_args(op: str, input: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> None:
    tensor_arg(op, input, "input", 1)
    tensor_arg(op, w_ih, "w_ih", 3)
    tensor_arg(op, w_hh, "w_hh", 4)
    tensor_arg(op, b_ih, "b_ih", 5, optional=True)
    tensor_arg(op, b_hh, "b_hh", 6, optional=True)


def lstm_cell(
    input: Tensor,
    hx: Sequence[Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    r"""One LSTM step of a batch: ``input`` ``(B, I)``, ``hx = (h, c)`` each ``(B, H)``, ``w_ih`` ``(4H, I)``,
    ``w_hh`` ``(4H, H)``, biases ``(4H,)``.

    With the gates :math:`(i, f, g, o) = x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh}` (in that order):
    :math:`c' = \sigma(f) c + \sigma(i) \tanh(g)`, :math:`h' = \sigma(o) \tanh(c')`.

    Returns:
        ``(h', c')``.

    Raises:
        RuntimeError: ``hx`` not of two tensors; inconsistent input, hidden or gate sizes.
        IndexError: an input or hidden state of fewer than 2 dims (PyTorch's cells take batches only).

    Example:
        >>> import tocha
        >>> h, c = tocha.lstm_cell(tocha.ones(1, 2), (tocha.zeros(1, 1), tocha.zeros(1, 1)),
        ...                        tocha.ones(4, 2), tocha.ones(4, 1))
        >>> h, c
        (tensor([[0.6083]]), tensor([[0.8491]]))
    """
    op = "lstm_cell"
    hidden = _tensors(op, "hx", 2, hx)
    _cell_args(op, input, w_ih, w_hh, b_ih, b_hh)
    if len(hidden) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    _check_input(input, w_ih)
    _check_weights(w_ih, w_hh, 4)
    for i, state in enumerate(hidden):
        _check_hidden(input, state, _size(w_hh, 1), i)
    return _lstm_step(_linear(input, w_ih, b_ih), hidden[0], hidden[1], w_hh, b_hh, None)


def gru_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    r"""One GRU step of a batch: ``input`` ``(B, I)``, ``hx`` ``(B, H)``, ``w_ih`` ``(3H, I)``, ``w_hh``
    ``(3H, H)``, biases ``(3H,)``; gates in the order ``r, z, n``.

    :math:`r = \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr})`, :math:`z = \sigma(W_{iz} x + b_{iz} + W_{hz} h +
    b_{hz})`, :math:`n = \tanh(W_{in} x + b_{in} + r (W_{hn} h + b_{hn}))`, :math:`h' = (1 - z) n + z h`.

    Raises:
        RuntimeError: inconsistent input, hidden or gate sizes.
        IndexError: an input or hidden state of fewer than 2 dims.

    Example:
        >>> import tocha
        >>> tocha.gru_cell(tocha.ones(1, 2), tocha.zeros(1, 1), tocha.ones(3, 2), tocha.ones(3, 1))
        tensor([[0.1149]])
    """
    op = "gru_cell"
    tensor_arg(op, hx, "hx", 2)
    _cell_args(op, input, w_ih, w_hh, b_ih, b_hh)
    _check_input(input, w_ih)
    _check_hidden(input, hx, _size(w_hh, 1), 0)
    _check_weights(w_ih, w_hh, 3)
    return _gru_step(_linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def _rnn_cell(
    op: str, input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
) -> Tensor:
    tensor_arg(op, hx, "hx", 2)
    _cell_args(op, input, w_ih, w_hh, b_ih, b_hh)
    _check_weights(w_ih, w_hh, 1)
    _check_input(input, w_ih)
    _check_hidden(input, hx, _size(w_hh, 1), 0)
    return _rnn_step(_linear(input, w_ih, b_ih), hx, w_hh, b_hh, relu=op == "rnn_relu_cell")


def rnn_tanh_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    r"""One Elman RNN step: :math:`h' = \tanh(x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh})`, for ``input``
    ``(B, I)`` and ``hx`` ``(B, H)``.

    Raises:
        RuntimeError: inconsistent input, hidden or weight sizes.

    Example:
        >>> import tocha
        >>> tocha.rnn_tanh_cell(tocha.ones(1, 2), tocha.zeros(1, 1), tocha.ones(1, 2), tocha.ones(1, 1))
        tensor([[0.9640]])
    """
    return _rnn_cell("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    r"""One Elman RNN step with ReLU: :math:`h' = \max(0, x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh})`.

    Raises:
        RuntimeError: inconsistent input, hidden or weight sizes.

    Example:
        >>> import tocha
        >>> tocha.rnn_relu_cell(tocha.ones(1, 2), tocha.ones(1, 1), tocha.ones(1, 2), -tocha.ones(1, 1))
        tensor([[1.]])
    """
    return _rnn_cell("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


# ------------------------------------------------------------------ layers


def _dropout(x: Tensor, p: float) -> Tensor:
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 1:
        return x * 0
    with no_grad():
        noise = empty(x.shape, dtype=x.dtype, device=x.device).bernoulli_(1 - p).div_(1 - p)
    return x * noise


def _direction(
    mode: str, x: Tensor, h: Tensor, c: Tensor | None, weights: list[Tensor], has_biases: bool, reverse: bool
) -> tuple[Tensor, Tensor, Tensor | None]:
    """One direction of one layer over ``x`` ``(T, B, F)``: ``(outputs (T, B, H_out), h_T, c_T)``."""
    w_ih, w_hh = weights[0], weights[1]
    b_ih, b_hh = (weights[2], weights[3]) if has_biases else (None, None)
    w_hr = weights[-1] if mode == "lstm" and len(weights) % 2 else None
    steps = _linear(x, w_ih, b_ih).unbind(0)
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    outputs: list[Tensor | None] = [None] * len(steps)
    for t in order:
        if mode == "lstm":
            assert c is not None
            h, c = _lstm_step(steps[t], h, c, w_hh, b_hh, w_hr)
        elif mode == "gru":
            h = _gru_step(steps[t], h, w_hh, b_hh)
        else:
            h = _rnn_step(steps[t], h, w_hh, b_hh, relu=mode == "rnn_relu")
        outputs[t] = h
    return stack([o for o in outputs if o is not None]), h, c


def _check_state(state: Tensor, expected: tuple[int, int, int], label: str) -> None:
    if tuple(state.shape) != expected:
        if state.dim() == 3 and state.shape[0] != expected[0]:
            raise RuntimeError("Expected more hidden states in stacked_rnn")
        raise RuntimeError(f"Expected {label} size {expected}, got {list(state.shape)}")


def _layers(
    op: str,
    input: Tensor,
    hx: Any,
    params: Any,
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, list[Tensor]]:
    """The stacked layers of ``torch.lstm``/``gru``/``rnn_*``: ``(output, [h_n(, c_n)])``."""
    mode = op
    tensor_arg(op, input, "input", 1)
    if mode == "lstm":
        states = _tensors(op, "hx", 2, hx)
    else:
        if not isinstance(hx, TensorBase):
            raise TypeError(f"{op}(): argument 'hx' (position 2) must be Tensor, not {type(hx).__name__}")
        states = [cast("Tensor", hx)]
    weights = _tensors(op, "params", 3, params)
    for name, position, value, kind in (
        ("has_biases", 4, has_biases, bool),
        ("num_layers", 5, num_layers, int),
        ("dropout", 6, dropout, float),
        ("train", 7, train, bool),
        ("bidirectional", 8, bidirectional, bool),
        ("batch_first", 9, batch_first, bool),
    ):
        _flag(op, name, position, value, kind)
    if mode == "lstm" and len(states) != 2:
        raise RuntimeError("lstm expects two hidden states")
    for state in states:
        _size(state, 2)  # an IndexError for fewer dims, as PyTorch's kernel
    projections = mode == "lstm" and states[0].shape[-1] != states[1].shape[-1]
    stride = (4 if has_biases else 2) + int(projections)
    if len(weights) % stride:
        if mode == "lstm":
            raise RuntimeError(f"MatrixRef: ArrayRef size {len(weights)} not divisible by stride {stride}")
        raise RuntimeError("got an incorrect number of RNN parameters")
    if num_layers <= 0:
        raise RuntimeError(f"{op}(): num_layers must be positive, got {num_layers}")
    directions = 2 if bidirectional else 1
    if len(weights) < stride * num_layers * directions:
        raise RuntimeError("Expected more weights in stacked_rnn")
    if input.dim() != 3:
        _size(input, 2)  # an IndexError for fewer dims, as PyTorch's kernel
        raise RuntimeError(f"{op}(): expected a 3-D input (sequence, batch, features), got {input.dim()} dims")
    x = input.transpose(0, 1) if batch_first else input
    if x.shape[0] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    batch, count = int(x.shape[1]), num_layers * directions
    for i, state in enumerate(states):
        # the first layer's w_hh takes h (its second dim); an LSTM's c has w_hh's rows / 4 features
        size = _size(weights[1], 1) if i == 0 else _size(weights[1], 0) // 4
        label = f"hidden[{i}]" if mode == "lstm" else "hidden"
        _check_state(state, (count, batch, size), label)
    hidden = [s.unbind(0) for s in states]
    finals: list[list[Tensor]] = [[] for _ in states]
    for layer in range(num_layers):
        outputs = []
        for d in range(directions):
            index = layer * directions + d
            out, h, c = _direction(
                mode,
                x,
                hidden[0][index],
                hidden[1][index] if mode == "lstm" else None,
                weights[index * stride : (index + 1) * stride],
                has_biases,
                reverse=d == 1,
            )
            outputs.append(out)
            finals[0].append(h)
            if c is not None:
                finals[1].append(c)
        x = cat(outputs, 2) if directions == 2 else outputs[0]
        if dropout != 0 and train and layer < num_layers - 1:
            x = _dropout(x, dropout)
    output = x.transpose(0, 1) if batch_first else x
    return output, [stack(f) for f in finals]


def lstm(
    input: Tensor,
    hx: Sequence[Tensor],
    params: Sequence[Tensor],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """A stacked (bidirectional) LSTM over a sequence, with ``torch.nn.LSTM``'s flat weights.

    ``input`` is ``(T, B, I)`` (``(B, T, I)`` if ``batch_first``), ``hx = (h_0, c_0)`` of shapes
    ``(L * D, B, H_out)`` and ``(L * D, B, H)`` (``D`` 2 if ``bidirectional``; ``H_out`` is ``proj_size``
    with projections, else ``H``). ``params`` per layer and direction: ``w_ih, w_hh[, b_ih, b_hh][, w_hr]``
    (NOTE [ Recurrent functions ]).

    Returns:
        ``(output, h_n, c_n)``: ``output`` ``(T, B, D * H_out)`` (batch first if ``batch_first``), the last
        layer's hidden state at every step, the directions concatenated; ``h_n``, ``c_n`` every layer's and
        direction's final states.

    Raises:
        RuntimeError: ``hx`` not of two tensors; a parameter count that does not fit; hidden states of the
            wrong shape; an empty sequence; ``dropout`` outside ``[0, 1]`` (when applied).

    Example:
        >>> import tocha
        >>> params = [tocha.ones(4, 1), tocha.ones(4, 1)]  # w_ih, w_hh of one layer, no biases
        >>> h0 = c0 = tocha.zeros(1, 1, 1)
        >>> out, h, c = tocha.lstm(tocha.ones(2, 1, 1), (h0, c0), params, False, 1, 0.0, False, False, False)
        >>> out
        tensor([[[0.3696]],
        <BLANKLINE>
                [[0.6505]]])
    """
    output, (h, c) = _layers(
        "lstm", input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, h, c


def gru(
    input: Tensor,
    hx: Tensor,
    params: Sequence[Tensor],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """A stacked (bidirectional) GRU over a sequence, with ``torch.nn.GRU``'s flat weights.

    ``input`` is ``(T, B, I)`` (``(B, T, I)`` if ``batch_first``), ``hx`` ``(L * D, B, H)``; ``params`` per
    layer and direction: ``w_ih, w_hh[, b_ih, b_hh]``.

    Returns:
        ``(output, h_n)``: ``output`` ``(T, B, D * H)``, ``h_n`` ``(L * D, B, H)``.

    Raises:
        RuntimeError: a parameter count that does not fit; a hidden state of the wrong shape; an empty sequence.

    Example:
        >>> import tocha
        >>> params = [tocha.ones(3, 1), tocha.ones(3, 1)]
        >>> out, h = tocha.gru(tocha.ones(1, 1, 1), tocha.zeros(1, 1, 1), params, False, 1, 0.0, False, False, False)
        >>> h
        tensor([[[0.2048]]])
    """
    output, (h,) = _layers("gru", input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
    return output, h


def rnn_tanh(
    input: Tensor,
    hx: Tensor,
    params: Sequence[Tensor],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """A stacked (bidirectional) Elman RNN with tanh, with ``torch.nn.RNN``'s flat weights; arguments and
    results as :func:`gru`'s (``w_ih`` ``(H, I)``, ``w_hh`` ``(H, H)``).

    Example:
        >>> import tocha
        >>> params = [tocha.ones(1, 1), tocha.ones(1, 1)]
        >>> out, h = tocha.rnn_tanh(tocha.ones(2, 1, 1), tocha.zeros(1, 1, 1), params, False, 1, 0.0, False,
        ...                         False, False)
        >>> out.flatten()
        tensor([0.7616, 0.9427])
    """
    output, (h,) = _layers(
        "rnn_tanh", input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, h


def rnn_relu(
    input: Tensor,
    hx: Tensor,
    params: Sequence[Tensor],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """A stacked (bidirectional) Elman RNN with ReLU, with ``torch.nn.RNN``'s flat weights; arguments and
    results as :func:`gru`'s.

    Example:
        >>> import tocha
        >>> params = [tocha.ones(1, 1), tocha.ones(1, 1)]
        >>> out, h = tocha.rnn_relu(tocha.ones(3, 1, 1), tocha.zeros(1, 1, 1), params, False, 1, 0.0, False,
        ...                         False, False)
        >>> out.flatten()
        tensor([1., 2., 3.])
    """
    output, (h,) = _layers(
        "rnn_relu", input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, h
