"""RNN, LSTM, GRU and their cells.

The layers run on the fused whole-sequence ops of ``tocha.nn.functional._rnn`` (see NOTE [ Recurrent layers ]
there): one input projection over every time step, then one op per layer and direction. A cell is the same
op over a single time step.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import tocha

from .. import functional, init
from ..functional._rnn import gru_layer, lstm_layer, rnn_layer
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

Tensor = tocha.Tensor

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _project(x: Tensor, w_ih: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
    """``x @ w_ih^T + b_ih (+ b_hh)`` over all rows at once (``b_hh`` joins in for LSTM and Elman RNN)."""
    if b_ih is None:
        return x.matmul(w_ih.t())
    bias = b_ih if b_hh is None else b_ih + b_hh
    return tocha.addmm(bias, x, w_ih.t())


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU` (``torch.nn.RNNBase``).

    ``mode`` is ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``. Parameters are named as PyTorch's
    (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, ``weight_hr_l{k}`` with
    projections, ``_reverse`` for the second direction), registered in that order, and initialised from
    ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    Example:
        >>> import tocha
        >>> rnn = tocha.nn.RNNBase("GRU", 4, 3)
        >>> [name for name, _ in rnn.named_parameters()]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    mode: str
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Real) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                UserWarning,
                stacklevel=2,
            )
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")

        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, layer_input)),
                    ("weight_hh", (gate_size, real_hidden)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(tocha.empty(shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op: there is no cuDNN weight buffer to compact (kept for PyTorch compatibility)."""

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, in registration order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        """PyTorch's summary of the non-default arguments."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------ forward helpers

    def _check_input(self, data: Tensor, is_packed: bool) -> None:
        if not is_packed and data.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {data.dim()}D instead")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {data.shape[-1]}"
            )
        weight = self.weight_ih_l0
        if data.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({data.dtype}) does not match weight dtype ({weight.dtype}). Convert input: "
                f"input.to({weight.dtype}), or convert model: model.to({data.dtype})"
            )

    def _check_hidden(self, hx: Tensor, expected: tuple[int, ...], message: str) -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(message.format(expected, list(hx.shape)))

    def _run(
        self, data: Tensor, batch_sizes: tuple[int, ...], h0: Tensor, c0: Tensor | None
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """Every layer and direction over packed rows; returns the output rows and the stacked final states."""
        directions = 2 if self.bidirectional else 1
        weights = self._flat_weights
        per = len(weights) // (self.num_layers * directions)
        hs: list[Tensor] = []
        cs: list[Tensor] = []
        x = data
        for layer in range(self.num_layers):
            outs: list[Tensor] = []
            for direction in range(directions):
                k = layer * directions + direction
                w = weights[k * per : (k + 1) * per]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                reverse = direction == 1
                if self.mode == "LSTM":
                    w_hr = w[-1] if self.proj_size > 0 else None
                    assert c0 is not None
                    out, h, c = lstm_layer(x, h0[k], c0[k], w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse)
                    cs.append(c)
                elif self.mode == "GRU":
                    out, h = gru_layer(_project(x, w_ih, b_ih, None), h0[k], w_hh, b_hh, batch_sizes, reverse)
                else:
                    nonlinearity = "tanh" if self.mode == "RNN_TANH" else "relu"
                    gx = _project(x, w_ih, b_ih, b_hh)
                    out, h = rnn_layer(gx, h0[k], w_hh, batch_sizes, reverse, nonlinearity)
                outs.append(out)
                hs.append(h)
            x = outs[0] if directions == 1 else tocha.cat(outs, 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = functional.dropout(x, self.dropout, True)
        return x, tocha.stack(hs, 0), (tocha.stack(cs, 0) if c0 is not None else None)

    def _forward(self, input: Any, hx: Any) -> tuple[Any, Any]:
        is_lstm = self.mode == "LSTM"
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            self._check_input(data, True)
            batch_sizes = tuple(int(b) for b in batch_sizes_t.tolist())
            batch = batch_sizes[0] if batch_sizes else 0
            is_batched = True
        else:
            data = input
            self._check_input(data, False)
            sorted_indices = unsorted_indices = None
            is_batched = data.dim() == 3
            if not is_batched:
                data = data.unsqueeze(1)
            elif self.batch_first:
                data = data.transpose(0, 1)
            steps, batch = data.shape[0], data.shape[1]
            batch_sizes = (batch,) * steps
            data = data.reshape(steps * batch, self.input_size)

        h_shape = (self.num_layers * directions, batch, real_hidden)
        c_shape = (self.num_layers * directions, batch, self.hidden_size)
        h0: Tensor
        c0: Tensor | None = None
        if hx is None:
            h0 = tocha.zeros(h_shape, dtype=data.dtype, device=data.device)
            if is_lstm:
                c0 = tocha.zeros(c_shape, dtype=data.dtype, device=data.device)
        else:
            if is_lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0) of two tensors")
                h0, c0 = hx
                if not packed and is_batched and (h0.dim() != 3 or c0.dim() != 3):
                    raise RuntimeError(
                        "For batched 3-D input, hx and cx should also be 3-D but got "
                        f"({h0.dim()}-D, {c0.dim()}-D) tensors"
                    )
                if not packed and not is_batched and (h0.dim() != 2 or c0.dim() != 2):
                    raise RuntimeError(
                        "For unbatched 2-D input, hx and cx should also be 2-D but got "
                        f"({h0.dim()}-D, {c0.dim()}-D) tensors"
                    )
            else:
                if not isinstance(hx, Tensor):
                    raise TypeError(f"{type(self).__name__}: hx must be a Tensor, got {type(hx).__name__}")
                h0 = hx
                if not packed and is_batched and h0.dim() != 3:
                    raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {h0.dim()}-D tensor")
                if not packed and not is_batched and h0.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {h0.dim()}-D tensor")
            if not is_batched:
                h0 = h0.unsqueeze(1)
                c0 = None if c0 is None else c0.unsqueeze(1)
            if sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                c0 = None if c0 is None else c0.index_select(1, sorted_indices)
            if is_lstm:
                assert c0 is not None
                self._check_hidden(h0, h_shape, "Expected hidden[0] size {}, got {}")
                self._check_hidden(c0, c_shape, "Expected hidden[1] size {}, got {}")
            else:
                self._check_hidden(h0, h_shape, "Expected hidden size {}, got {}")

        out, h_n, c_n = self._run(data, batch_sizes, h0, c0)

        if packed:
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = None if c_n is None else c_n.index_select(1, unsorted_indices)
            output: Any = PackedSequence(out, batch_sizes_t, sorted_indices, unsorted_indices)
        else:
            output = out.reshape(len(batch_sizes), batch, out.shape[-1])
            if not is_batched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = None if c_n is None else c_n.squeeze(1)
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((h_n, c_n) if is_lstm else h_n)


class RNN(RNNBase):
    r"""A multi-layer Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`.

    ``nonlinearity="relu"`` uses ReLU instead of tanh. Input ``(L, N, H_in)`` (``(N, L, H_in)`` with
    ``batch_first``), ``(L, H_in)`` unbatched, or a :class:`~tocha.nn.utils.rnn.PackedSequence`; returns
    ``(output, h_n)``.

    Example:
        >>> import tocha
        >>> rnn = tocha.nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(tocha.randn(5, 3, 10))
        >>> tuple(output.shape), tuple(h_n.shape)
        ((5, 3, 20), (2, 3, 20))
    """

    nonlinearity: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        """Run the sequence; returns ``(output, h_n)``."""
        return self._forward(input, hx)


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory RNN (gates i, f, g, o, in that order in the weights).

    .. math::
        i, f, o = \sigma(\cdot),\ g = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}),\
        c_t = f c_{t-1} + i g,\ h_t = o \tanh(c_t)

    With ``proj_size > 0``, :math:`h_t = W_{hr}(o \tanh(c_t))`. Returns ``(output, (h_n, c_n))``.

    Example:
        >>> import tocha
        >>> lstm = tocha.nn.LSTM(10, 20, 2, batch_first=True)
        >>> output, (h_n, c_n) = lstm(tocha.randn(3, 5, 10))
        >>> tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)
        ((3, 5, 20), (2, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def forward(self, input: Any, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Any, tuple[Tensor, Tensor]]:
        """Run the sequence; returns ``(output, (h_n, c_n))``."""
        return self._forward(input, hx)


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit RNN (gates r, z, n, in that order in the weights).

    .. math::
        r, z = \sigma(x_t W_{i\cdot}^T + b_{i\cdot} + h_{t-1} W_{h\cdot}^T + b_{h\cdot}),\
        n = \tanh(x_t W_{in}^T + b_{in} + r (h_{t-1} W_{hn}^T + b_{hn})),\ h_t = (1 - z) n + z h_{t-1}

    Returns ``(output, h_n)``.

    Example:
        >>> import tocha
        >>> gru = tocha.nn.GRU(10, 20, bidirectional=True)
        >>> output, h_n = gru(tocha.randn(5, 3, 10))
        >>> tuple(output.shape), tuple(h_n.shape)
        ((5, 3, 40), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        """Run the sequence; returns ``(output, h_n)``."""
        return self._forward(input, hx)


# ------------------------------------------------------------------ cells


class RNNCellBase(Module):
    """The shared parameters of the single-step cells (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``).

    Example:
        >>> import tocha
        >>> cell = tocha.nn.RNNCellBase(3, 4, True, num_chunks=4)
        >>> tuple(cell.weight_ih.shape)
        (16, 3)
    """

    input_size: int
    hidden_size: int
    bias: bool

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(tocha.empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(tocha.empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(tocha.empty((num_chunks * hidden_size,), **factory))
            self.bias_hh = Parameter(tocha.empty((num_chunks * hidden_size,), **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        """PyTorch's summary of the non-default arguments."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx: Tensor | None, name: str) -> tuple[Tensor, Tensor | None, bool]:
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
            hx = None if hx is None else hx.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        return input, hx, is_batched

    def _check_state(self, input: Tensor, hx: Tensor, which: str) -> None:
        if input.shape[0] != hx.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match {which} batch size {hx.shape[0]}")
        if hx.shape[1] != self.hidden_size:
            raise RuntimeError(f"{which} has inconsistent hidden_size: got {hx.shape[1]}, expected {self.hidden_size}")

    def _zeros(self, input: Tensor) -> Tensor:
        return tocha.zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    r"""An Elman RNN cell: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Example:
        >>> import tocha
        >>> cell = tocha.nn.RNNCell(10, 20)
        >>> tuple(cell(tocha.randn(3, 10)).shape)
        (3, 20)
    """

    nonlinearity: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns ``h'``."""
        x, h, is_batched = self._prepare(input, hx, "hx")
        if h is None:
            h = self._zeros(x)
        self._check_state(x, h, "hidden0")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        gx = _project(x, self.weight_ih, self.bias_ih, self.bias_hh)
        _, h_new = rnn_layer(gx, h, self.weight_hh, (x.shape[0],), False, self.nonlinearity)
        return h_new if is_batched else h_new.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell (gates i, f, g, o); returns ``(h', c')``.

    Example:
        >>> import tocha
        >>> cell = tocha.nn.LSTMCell(10, 20)
        >>> h, c = cell(tocha.randn(3, 10))
        >>> tuple(h.shape), tuple(c.shape)
        ((3, 20), (3, 20))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """One step; returns ``(h', c')``."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("lstm_cell expects two hidden states")
        x, h, is_batched = self._prepare(input, None if hx is None else hx[0], "hx")
        if hx is None:
            h = c = self._zeros(x)
        else:
            c = hx[1] if is_batched else hx[1].unsqueeze(0)
        assert h is not None
        self._check_state(x, h, "hidden0")
        self._check_state(x, c, "hidden1")
        weights = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        _, h_new, c_new = lstm_layer(x, h, c, *weights, None, (x.shape[0],), False)
        if not is_batched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell (gates r, z, n); returns ``h'``.

    Example:
        >>> import tocha
        >>> cell = tocha.nn.GRUCell(10, 20)
        >>> tuple(cell(tocha.randn(3, 10)).shape)
        (3, 20)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns ``h'``."""
        x, h, is_batched = self._prepare(input, hx, "hx")
        if h is None:
            h = self._zeros(x)
        self._check_state(x, h, "hidden0")
        gx = _project(x, self.weight_ih, self.bias_ih, None)
        _, h_new = gru_layer(gx, h, self.weight_hh, self.bias_hh, (x.shape[0],), False)
        return h_new if is_batched else h_new.squeeze(0)
