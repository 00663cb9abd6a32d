"""Gate layouts of the recurrent layers: PyTorch stacks LSTM gates as (i, f, g, o) and GRU gates
as (r, z, n); ONNX's LSTM as (i, o, f, c) and GRU as (z, r, h) (ONNX operator specification,
LSTM and GRU)."""
import numpy as np

from ..ops.shape import cat

__all__ = ["to_onnx_gates", "from_onnx_gates"]

# position in PyTorch's stack of each ONNX gate, in ONNX's order
_TORCH_OF_ONNX = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _reorder(array, order):
    blocks = np.split(np.asarray(array), len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def to_onnx_gates(mode, array):
    """A PyTorch weight or bias (gates stacked on axis 0) in ONNX's gate order."""
    return _reorder(array, _TORCH_OF_ONNX[mode])


def from_onnx_gates(mode, tensor):
    """An ONNX weight or bias Tensor (gates stacked on axis 0) in PyTorch's gate order (built
    with Tensor ops, so gradients reach the ONNX initializer)."""
    order = _TORCH_OF_ONNX[mode]
    blocks = tensor.chunk(len(order), 0)
    return cat([blocks[order.index(i)] for i in range(len(order))])
