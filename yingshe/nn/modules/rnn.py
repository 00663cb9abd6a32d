"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their cells (Goodfellow, Bengio & Courville,
Deep Learning, §10.2 and §10.10), with PyTorch's parameters ``weight_ih_l{k}[_reverse]``,
``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, gate orders (LSTM i, f, g, o; GRU r, z, n)
and initialisation U(-1/sqrt(H), 1/sqrt(H)).  Each layer and direction is one fused op
(``yingshe.ops.rnn``); layers, directions, dropout between layers and packed sequences are
composed here."""
import math

import numpy as np

from ...ops.creation import empty, zeros
from ...ops.dropout import dropout
from ...ops.rnn import GATES, rnn_layer
from ...ops.shape import cat, stack
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, padded_rows
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layers, the base of ``RNN``, ``LSTM``
    and ``GRU``; ``mode`` is PyTorch's: 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.  Layer k > 0
    reads the outputs of layer k - 1 (both directions concatenated), with ``dropout`` between
    layers in training mode.  ``forward(input, hx=None)`` returns (output, h_n), h_n an
    (h_n, c_n) pair for LSTM; ``hx`` defaults to zeros.

    Shape: input (L, N, H_in), (N, L, H_in) with ``batch_first``, (L, H_in) unbatched, or a
    ``PackedSequence`` (the output then one too); output (L, N, D * H_out), D = 2 if
    bidirectional else 1; h_n (D * num_layers, N, H_out).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.rnn import pack_sequence
        >>> gru = yingshe.nn.GRU(4, 3)
        >>> isinstance(gru, yingshe.nn.RNNBase), gru.mode
        (True, 'GRU')
        >>> [name for name, _ in gru.named_parameters()]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
        >>> packed = pack_sequence([yingshe.randn(5, 4), yingshe.randn(2, 4)])  # lengths 5 and 2
        >>> output, h_n = gru(packed)
        >>> output.data.shape, h_n.shape  # 5 + 2 steps; each sequence's own last state
        (yingshe.Size([7, 3]), yingshe.Size([1, 2, 3]))
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"hidden_size ({hidden_size}) and num_layers ({num_layers}) must be "
                             f"positive")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        directions = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (gate_size, layer_input),
                          "weight_hh": (gate_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                for name, shape in shapes.items():
                    setattr(self, name + suffix,
                            Parameter(empty(*shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias \
            else ("weight_ih", "weight_hh")
        weights = [getattr(self, name + suffix) for name in names]
        return weights + [None] * (4 - len(weights))

    def _initial_state(self, hx, n, x):
        directions = 2 if self.bidirectional else 1
        shape = (self.num_layers * directions, n, self.hidden_size)
        if hx is None:
            state = zeros(*shape, dtype=x.dtype, device=x.device)
            return (state, state) if self.mode == "LSTM" else (state,)
        states = hx if self.mode == "LSTM" else (hx,)
        for s in states:
            if tuple(s.shape) != shape:
                raise RuntimeError(f"{type(self).__name__}: expected hidden size {shape}, got "
                                   f"{tuple(s.shape)}")
        return tuple(states)

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        unbatched = not packed and input.ndim == 2
        batch_sizes = None
        if packed:
            data, sizes, sorted_indices, unsorted_indices = input
            batch_sizes = sizes.numpy()
            rows = padded_rows(batch_sizes)
            x = cat([data, zeros(1, data.shape[1], dtype=data.dtype)])[rows]
            if hx is not None and sorted_indices is not None:  # hx is in the original order
                order = sorted_indices.numpy()
                hx = tuple(h[:, order] for h in hx) if self.mode == "LSTM" else hx[:, order]
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{type(self).__name__}: expected a 2-D (unbatched) or 3-D "
                                 f"input, got shape {tuple(input.shape)}")
            x = input.unsqueeze(1) if unbatched else \
                input.transpose(0, 1) if self.batch_first else input
            if unbatched and hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if self.mode == "LSTM" \
                    else hx.unsqueeze(1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input.size(-1) must be equal to "
                               f"input_size. Expected {self.input_size}, got {x.shape[-1]}")
        if x.shape[0] == 0:  # PyTorch refuses an empty sequence (an empty batch is fine)
            raise RuntimeError(f"{type(self).__name__}: expected sequence length to be larger "
                               f"than 0, got input of shape {tuple(input.shape)}")
        output, finals = self._run_layers(x, self._initial_state(hx, x.shape[1], x),
                                          batch_sizes)
        if packed:
            flat_rows = rows.reshape(-1)
            valid = flat_rows < len(data)
            order = np.argsort(flat_rows[valid], kind="stable")
            positions = np.flatnonzero(valid)[order]  # padded positions in packed order
            out_data = output.reshape(-1, output.shape[-1])[positions]
            if unsorted_indices is not None:
                keep = unsorted_indices.numpy()
                finals = tuple(f[:, keep] for f in finals)
            output = PackedSequence(out_data, sizes, sorted_indices, unsorted_indices)
        elif unbatched:
            output = output.squeeze(1)
            finals = tuple(f.squeeze(1) for f in finals)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (finals if self.mode == "LSTM" else finals[0])

    def _run_layers(self, x, states, batch_sizes):
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                c0 = states[1][k] if self.mode == "LSTM" else None
                result = rnn_layer(self.mode, x, states[0][k], c0,
                                   *self._weights(layer, direction), reverse=bool(direction),
                                   batch_sizes=batch_sizes, **self._layer_options())
                outputs.append(result[0])
                for i, final in enumerate(result[1:]):
                    finals[i].append(final)
            x = outputs[0] if directions == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)
        return x, tuple(stack(f) for f in finals)

    def _layer_options(self):
        """Keyword arguments of ``rnn_layer`` beyond PyTorch's (the GRU's ``reset_after``)."""
        return {}

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """Elman recurrent network (Elman 1990; Goodfellow, Bengio & Courville, Deep Learning,
    §10.2), for each layer and step

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    (relu instead of tanh with ``nonlinearity='relu'``); returns (output, h_n), output the last
    layer's h_t for every t.  Layers, directions and inputs as ``RNNBase``.

    Shape: input (L, N, H_in) (or (N, L, H_in) with ``batch_first``, (L, H_in) unbatched); h_0
    (D * num_layers, N, H_out); output (L, N, D * H_out); h_n (D * num_layers, N, H_out),
    D = 2 if bidirectional else 1.

    Examples:
        >>> import yingshe
        >>> rnn = yingshe.nn.RNN(10, 20, num_layers=2)
        >>> output, h_n = rnn(yingshe.randn(5, 3, 10), yingshe.zeros(2, 3, 20))
        >>> output.shape, h_n.shape
        (yingshe.Size([5, 3, 20]), yingshe.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)

    def extra_repr(self):
        text = super().extra_repr()
        return text + (", nonlinearity=relu" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997): returns
    (output, (h_n, c_n)).

    Per layer and step: i, f, g, o = sigma, sigma, tanh, sigma(W_ih x_t + b_ih + W_hh h_{t-1}
    + b_hh), c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).
    Shape: input (L, N, H_in) (or (N, L, H_in) with ``batch_first``); output (L, N, D * H_out);
    h_n and c_n (D * num_layers, N, H_out), D = 2 if bidirectional else 1.

    Examples:
        >>> import yingshe
        >>> output, (h_n, c_n) = yingshe.nn.LSTM(10, 20, num_layers=2)(yingshe.randn(5, 3, 10))
        >>> output.shape, h_n.shape
        (yingshe.Size([5, 3, 20]), yingshe.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        if proj_size:
            raise NotImplementedError("LSTM: proj_size is not supported")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), for each layer and step:
    r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz),
    h_t = (1 - z) * n + z * h_{t-1}, with the candidate n in one of two forms:

    - ``reset_after=True`` (the default, PyTorch's and cuDNN's form):
      n = tanh(W_in x + b_in + r * (W_hn h + b_hn));
    - ``reset_after=False`` (Cho et al. 2014, eq. 8, as most textbooks write it):
      n = tanh(W_in x + b_in + W_hn (r * h) + b_hn).

    The option has Keras's name (``keras.layers.GRU(reset_after=...)``); PyTorch has none.
    Parameters are the same either way, so a state dict loads into both forms.  Returns
    (output, h_n); layers, directions and inputs as ``RNNBase``.

    Shape: input (L, N, H_in) (or (N, L, H_in) with ``batch_first``, (L, H_in) unbatched); output
    (L, N, D * H_out); h_n (D * num_layers, N, H_out), D = 2 if bidirectional else 1.

    Examples:
        >>> import yingshe
        >>> gru = yingshe.nn.GRU(10, 20, batch_first=True, bidirectional=True)
        >>> output, h_n = gru(yingshe.randn(3, 5, 10))
        >>> output.shape, h_n.shape  # both directions side by side in output
        (yingshe.Size([3, 5, 40]), yingshe.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, *, reset_after=True):
        self.reset_after = bool(reset_after)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _layer_options(self):
        return {"reset_after": self.reset_after}

    def extra_repr(self):
        text = super().extra_repr()
        return text + ("" if self.reset_after else ", reset_after=False")


class RNNCellBase(Module):
    """One step of a recurrent layer, the base of ``RNNCell``, ``LSTMCell`` and
    ``GRUCell``: the same fused op as the layers on a sequence of length 1.  Parameters
    ``weight_ih`` (G H, I), ``weight_hh`` (G H, H), ``bias_ih`` and ``bias_hh`` (G H), with
    G = 1, 4 or 3 gates (RNN, LSTM i f g o, GRU r z n), all ~ U(-1/sqrt(H), 1/sqrt(H)).  Unlike
    PyTorch's, its first argument is the ``mode`` ('RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU').

    Shape: input (N, I) or (I); hidden states (N, H) or (H).

    Examples:
        >>> import yingshe
        >>> cell = yingshe.nn.LSTMCell(4, 3)
        >>> isinstance(cell, yingshe.nn.RNNCellBase), cell.weight_ih.shape, cell.weight_hh.shape
        (True, yingshe.Size([12, 4]), yingshe.Size([12, 3]))
    """

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = (mode, input_size, hidden_size,
                                                                   bias)
        gate_size = GATES[mode] * hidden_size
        self.weight_ih = Parameter(empty(gate_size, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(gate_size, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gate_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(gate_size, device=device, dtype=dtype))
        else:
            self.bias_ih = self.bias_hh = None
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters
    _layer_options = RNNBase._layer_options

    def _step(self, input, states):
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
            states = tuple(None if s is None else s.unsqueeze(0) for s in states)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        states = tuple(zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
                       if s is None else s for s in states)
        c0 = states[1] if self.mode == "LSTM" else None
        result = rnn_layer(self.mode, input.unsqueeze(0), states[0], c0, self.weight_ih,
                           self.weight_hh, self.bias_ih, self.bias_hh, **self._layer_options())
        finals = result[1:]
        return tuple(f.squeeze(0) for f in finals) if unbatched else finals

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        return text + (", bias=False" if not self.bias else "")


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (relu with
    ``nonlinearity='relu'``); ``hx`` defaults to zeros.

    Shape: input (N, H_in) or (H_in); hx (N, H_out) or (H_out); output h' of hx's shape.

    Examples:
        >>> import yingshe
        >>> cell = yingshe.nn.RNNCell(10, 20)
        >>> h = yingshe.zeros(3, 20)
        >>> for x in yingshe.randn(6, 3, 10):  # 6 steps of a batch of 3
        ...     h = cell(x, h)
        >>> h.shape
        yingshe.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, (hx,))[0]

    def extra_repr(self):
        text = super().extra_repr()
        return text + (", nonlinearity=relu" if self.nonlinearity == "relu" else "")


class LSTMCell(RNNCellBase):
    """One LSTM step (Hochreiter & Schmidhuber 1997), (h, c) -> (h', c'):

        i, f, g, o = sigma, sigma, tanh, sigma (W_ih x + b_ih + W_hh h + b_hh), split in four,
        c' = f * c + i * g,   h' = o * tanh(c');

    ``hx`` = (h, c) defaults to zeros.

    Shape: input (N, H_in) or (H_in); h and c (N, H_out) or (H_out); output (h', c'), each
    (N, H_out) or (H_out).

    Examples:
        >>> import yingshe
        >>> cell = yingshe.nn.LSTMCell(10, 20)
        >>> h, c = cell(yingshe.randn(3, 10))
        >>> h, c = cell(yingshe.randn(3, 10), (h, c))
        >>> h.shape, c.shape
        (yingshe.Size([3, 20]), yingshe.Size([3, 20]))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, (None, None) if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    """One GRU step (Cho et al. 2014), h -> h' = (1 - z) * n + z * h with
    r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + b_iz + W_hz h + b_hz) and
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) (``reset_after=True``, PyTorch's) or
    tanh(W_in x + b_in + W_hn (r * h) + b_hn) (``reset_after=False``; see ``GRU``).

    Shape: input (N, H_in) or (H_in); hx (N, H_out) or (H_out), zeros by default; output h' of
    hx's shape.

    Examples:
        >>> import yingshe
        >>> cell = yingshe.nn.GRUCell(10, 20)
        >>> cell(yingshe.randn(3, 10)).shape
        yingshe.Size([3, 20])
        >>> cell(yingshe.randn(10)).shape  # unbatched
        yingshe.Size([20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, *,
                 reset_after=True):
        self.reset_after = bool(reset_after)
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    _layer_options = GRU._layer_options

    def forward(self, input, hx=None):
        return self._step(input, (hx,))[0]

    def extra_repr(self):
        text = super().extra_repr()
        return text + ("" if self.reset_after else ", reset_after=False")
