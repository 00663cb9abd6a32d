"""``yingshe.onnx.load``: run an ONNX graph with yingshe's ops.

The graph's nodes are already in topological order (ONNX requires it), so the module is an
interpreter: each node's op is looked up in ``_OPS`` and applied to the values of its inputs, in
the semantics of the ONNX operator specification (https://onnx.ai/onnx/operators/).  The graph's
initializers become the module's buffers.  The op set is the exporter's plus what PyTorch's
exporter writes for the same layers (Flatten, Shape, Gather, Constant, Dropout, ...)."""
import io
import math

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .. import _dtype
from .._tensor import Tensor
from ..nn import functional as F
from ..nn.modules.module import Module
from ..ops import broadcast, creation, elementwise, shape
from ..ops.indexing import index_select
from ..ops.reduce import mean
from ..ops.reduce import sum as reduce_sum
from ..ops.rnn import rnn_layer
from ._export import UnsupportedOperatorError
from ._gates import from_onnx_gates

__all__ = ["load", "ONNXModule"]


def _array(t):
    """A constant input (shape, axes, scales) as a NumPy array."""
    return np.asarray(t._data)


def _optional(inputs, i):
    return inputs[i] if len(inputs) > i else None


def _axes(attrs, inputs, i):
    """Axes from input ``i`` (opset 13/18 on) or the ``axes`` attribute (before)."""
    given = _optional(inputs, i)
    if given is not None:
        return [int(a) for a in _array(given)]
    return attrs.get("axes")


# ---- ops -------------------------------------------------------------------------------------------
def _gemm(attrs, a, b, c=None):
    a = a.t() if attrs.get("transA") else a
    b = b.t() if attrs.get("transB") else b
    y = a @ b
    if attrs.get("alpha", 1.0) != 1.0:
        y = y * attrs["alpha"]
    if c is not None:
        y = y + (c * attrs["beta"] if attrs.get("beta", 1.0) != 1.0 else c)
    return y


def _symmetric_pads(attrs, op):
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise UnsupportedOperatorError(f"ONNX {op}: auto_pad={attrs['auto_pad']} is not supported")
    pads = list(attrs.get("pads", [0] * 4))
    half = len(pads) // 2
    if pads[:half] != pads[half:]:
        raise UnsupportedOperatorError(f"ONNX {op}: asymmetric pads {pads} are not supported")
    return tuple(pads[:half])


def _spatial(x, fn2d):
    """Run a 2-D op on a 1-D (N, C, L) input as (N, C, 1, L)."""
    if x.ndim == 3:
        return fn2d(x.unsqueeze(2), True).squeeze(2)
    return fn2d(x, False)


def _widen(values, is_1d, fill):
    return ((fill,) + tuple(values)) if is_1d else tuple(values)


def _conv(attrs, x, w, b=None):
    pads = _symmetric_pads(attrs, "Conv")

    def conv(x4, is_1d):
        w4 = w.unsqueeze(2) if is_1d else w
        return F.conv2d(x4, w4, b, _widen(attrs.get("strides", [1]), is_1d, 1),
                        _widen(pads, is_1d, 0), _widen(attrs.get("dilations", [1]), is_1d, 1),
                        attrs.get("group", 1))
    return _spatial(x, conv)


def _conv_transpose(attrs, x, w, b=None):
    if "output_shape" in attrs:
        raise UnsupportedOperatorError("ONNX ConvTranspose: output_shape is not supported")
    pads = _symmetric_pads(attrs, "ConvTranspose")
    return F.conv_transpose2d(x, w, b, tuple(attrs.get("strides", [1, 1])), pads,
                              tuple(attrs.get("output_padding", [0, 0])), attrs.get("group", 1),
                              tuple(attrs.get("dilations", [1, 1])))


def _pool(op_type):
    """ONNX MaxPool / AveragePool over 1-D or 2-D windows (symmetric pads only)."""
    def run(attrs, x):
        pads = _symmetric_pads(attrs, op_type)
        kernel = attrs["kernel_shape"]
        ceil_mode = bool(attrs.get("ceil_mode", 0))

        def pool(x4, is_1d):
            window = (_widen(kernel, is_1d, 1), _widen(attrs.get("strides", kernel), is_1d, 1),
                      _widen(pads, is_1d, 0))
            if op_type == "MaxPool":
                dilations = attrs.get("dilations", [1] * len(kernel))
                return F.max_pool2d(x4, *window, _widen(dilations, is_1d, 1), ceil_mode)
            return F.avg_pool2d(x4, *window, ceil_mode, bool(attrs.get("count_include_pad", 0)))
        return _spatial(x, pool)
    return run


def _reshape(attrs, x, target):
    target = [int(s) for s in _array(target)]
    if not attrs.get("allowzero", 0):  # 0 copies the input's size at that position
        target = [x.shape[i] if s == 0 else s for i, s in enumerate(target)]
    return x.reshape(target)


def _flatten(attrs, x):
    axis = attrs.get("axis", 1) % max(x.ndim, 1) if x.ndim else 0
    return x.reshape(math.prod(x.shape[:axis]), -1)


def _slice(attrs, x, starts, ends, axes=None, steps=None):
    starts, ends = _array(starts), _array(ends)
    axes = range(len(starts)) if axes is None else _array(axes)
    steps = [1] * len(starts) if steps is None else _array(steps)
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        size = x.shape[int(axis)]
        index[int(axis)] = slice(*slice(int(start), int(min(max(end, -size - 1), size)),
                                        int(step)).indices(size))
    return x[tuple(index)]


def _squeeze(attrs, x, axes=None):
    axes = _axes(attrs, [x, axes], 1)
    if axes is None:
        return x.reshape([n for n in x.shape if n != 1])
    axes = {a % x.ndim for a in axes}
    return x.reshape([n for i, n in enumerate(x.shape) if i not in axes])


def _unsqueeze(attrs, x, axes=None):
    axes = _axes(attrs, [x, axes], 1)
    rank = x.ndim + len(axes)
    axes = sorted(a % rank for a in axes)
    sizes = list(x.shape)
    for a in axes:
        sizes.insert(a, 1)
    return x.reshape(sizes)


def _gather(attrs, data, indices):
    axis = attrs.get("axis", 0) % data.ndim
    index = _array(indices).astype(np.int64)
    index = np.where(index < 0, index + data.shape[axis], index)
    if index.ndim == 0:
        return data.select(axis, int(index))
    picked = index_select(data, axis, Tensor._make(index.reshape(-1)))
    return picked.reshape(data.shape[:axis] + index.shape + data.shape[axis + 1:])


def _reduce(fn):
    def run(attrs, x, axes=None):
        dims = _axes(attrs, [x, axes], 1)
        if not dims:
            if attrs.get("noop_with_empty_axes", 0):
                return x
            dims = list(range(x.ndim))
        return fn(x, tuple(dims), bool(attrs.get("keepdims", 1)))
    return run


def _cast(attrs, x):
    return x.to(_dtype.from_np(helper.tensor_dtype_to_np_dtype(attrs["to"])))


def _clip(attrs, x, low=None, high=None):
    low = float(_array(low)) if low is not None else attrs.get("min")
    high = float(_array(high)) if high is not None else attrs.get("max")
    return elementwise.clamp(x, low, high)


def _resize(attrs, x, roi=None, scales=None, sizes=None):
    if attrs.get("mode", "nearest") != "nearest" or attrs.get(
            "coordinate_transformation_mode", "half_pixel") != "asymmetric" or attrs.get(
            "nearest_mode", "round_prefer_floor") != "floor":
        raise UnsupportedOperatorError("ONNX Resize: only mode='nearest' with asymmetric "
                                       "coordinates and floor rounding is supported")
    if sizes is not None:
        return F.interpolate(x, size=tuple(int(s) for s in _array(sizes)[2:]))
    return F.interpolate(x, scale_factor=tuple(float(s) for s in _array(scales)[2:]))


def _expand(attrs, x, sizes):
    """ONNX Expand: broadcast x and the shape ``sizes`` against each other."""
    return broadcast.broadcast_to(x, broadcast.broadcast_shapes(
        x.shape, tuple(int(s) for s in _array(sizes))))


def _constant_of_shape(attrs, sizes):
    value = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
    return Tensor._make(np.full(tuple(int(s) for s in _array(sizes)), value.reshape(()),
                                value.dtype))


def _pow(attrs, x, y):
    if y.ndim == 0:
        return x ** float(_array(y))
    return elementwise.pow(x, y)


_RNN_MODES = {"LSTM": "LSTM", "GRU": "GRU"}


def _recurrent(op_type):
    """ONNX LSTM / GRU / RNN (layout 0: X (T, N, I)) as one yingshe recurrent layer per
    direction, gates put back in PyTorch's order; Y is (T, directions, N, H)."""
    def run(attrs, x, w, r, b=None, sequence_lens=None, initial_h=None, initial_c=None, *rest):
        if sequence_lens is not None or attrs.get("layout", 0) or attrs.get("clip") is not None:
            raise UnsupportedOperatorError(f"ONNX {op_type}: sequence_lens, layout=1 and clip "
                                           f"are not supported")
        mode = _RNN_MODES.get(op_type)
        if mode is None:
            activations = attrs.get("activations", ["Tanh"])
            if activations[0] not in ("Tanh", "Relu"):
                raise UnsupportedOperatorError(f"ONNX RNN: activation {activations[0]} is not "
                                               f"supported")
            mode = "RNN_TANH" if activations[0] == "Tanh" else "RNN_RELU"
        hidden, n = attrs["hidden_size"], x.shape[1]
        directions = w.shape[0]
        ys, finals = [], []
        for d in range(directions):
            h0 = initial_h[d] if initial_h is not None else creation.zeros(n, hidden,
                                                                           dtype=x.dtype)
            c0 = None
            if mode == "LSTM":
                c0 = initial_c[d] if initial_c is not None else creation.zeros(n, hidden,
                                                                               dtype=x.dtype)
            biases = (None, None) if b is None else b[d].chunk(2)
            options = {"reset_after": bool(attrs.get("linear_before_reset", 0))} \
                if mode == "GRU" else {}
            reverse = attrs.get("direction", "forward") == "reverse" or d == 1
            result = rnn_layer(mode, x, h0, c0, from_onnx_gates(mode, w[d]),
                               from_onnx_gates(mode, r[d]),
                               *(None if t is None else from_onnx_gates(mode, t) for t in biases),
                               reverse=reverse, **options)
            ys.append(result[0])
            finals.append(result[1:])
        outputs = [shape.stack(ys, 1)] + [shape.stack(f) for f in zip(*finals)]
        return outputs
    return run


def _unary(fn):
    return lambda attrs, x: fn(x)


def _binary(fn):
    return lambda attrs, a, b: fn(a, b)


_OPS = {
    "Add": _binary(lambda a, b: a + b), "Sub": _binary(lambda a, b: a - b),
    "Mul": _binary(lambda a, b: a * b), "Div": _binary(lambda a, b: a / b),
    "MatMul": _binary(lambda a, b: a @ b), "Max": _binary(elementwise.maximum),
    "Min": _binary(elementwise.minimum), "Pow": _pow,
    "Neg": _unary(lambda x: -x), "Exp": _unary(elementwise.exp), "Log": _unary(elementwise.log),
    "Sqrt": _unary(elementwise.sqrt), "Abs": _unary(elementwise.abs),
    "Reciprocal": _unary(elementwise.reciprocal), "Sin": _unary(elementwise.sin),
    "Cos": _unary(elementwise.cos), "Tanh": _unary(elementwise.tanh),
    "Sigmoid": _unary(elementwise.sigmoid), "Relu": _unary(elementwise.relu),
    "Erf": _unary(F.erf), "Identity": _unary(lambda x: x),
    "Dropout": lambda attrs, x, *rest: x,
    "LeakyRelu": lambda attrs, x: F.leaky_relu(x, attrs.get("alpha", 0.01)),
    "Elu": lambda attrs, x: F.elu(x, attrs.get("alpha", 1.0)),
    "Clip": _clip, "Gemm": _gemm, "Conv": _conv, "ConvTranspose": _conv_transpose,
    "MaxPool": _pool("MaxPool"), "AveragePool": _pool("AveragePool"),
    "GlobalAveragePool": lambda attrs, x: F.adaptive_avg_pool2d(x, 1),
    "GlobalMaxPool": lambda attrs, x: F.adaptive_max_pool2d(x, 1),
    "BatchNormalization": lambda attrs, x, scale, bias, mean_, var: F.batch_norm(
        x, mean_, var, scale, bias, False, 0.0, attrs.get("epsilon", 1e-5)),
    "LayerNormalization": lambda attrs, x, scale, bias=None: F.layer_norm(
        x, x.shape[attrs.get("axis", -1) % x.ndim:], scale, bias, attrs.get("epsilon", 1e-5)),
    "Softmax": lambda attrs, x: F.softmax(x, attrs.get("axis", -1)),
    "LogSoftmax": lambda attrs, x: F.log_softmax(x, attrs.get("axis", -1)),
    "Reshape": _reshape, "Flatten": _flatten,
    "Transpose": lambda attrs, x: x.permute(*attrs.get("perm", range(x.ndim)[::-1])),
    "Concat": lambda attrs, *xs: shape.cat(list(xs), attrs["axis"]),
    "Slice": _slice, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze, "Gather": _gather,
    "Shape": lambda attrs, x: Tensor._make(np.asarray(x.shape, np.int64)),
    "ReduceMean": _reduce(mean), "ReduceSum": _reduce(reduce_sum),
    "Cast": _cast, "Resize": _resize, "Expand": _expand, "ConstantOfShape": _constant_of_shape,
    "LSTM": _recurrent("LSTM"), "GRU": _recurrent("GRU"), "RNN": _recurrent("RNN"),
}


class ONNXModule(Module):
    """An ONNX graph (an ``onnx.ModelProto``) as a yingshe module: ``forward(*inputs)`` takes
    the graph's inputs in order and returns its output (a tuple for several).  Each node runs
    as the yingshe op of the ONNX operator specification's semantics, in the graph's order.
    Initializers are buffers named after the graph's initializers (``.`` replaced by ``_``).

    Shape:
        the inputs and outputs of the graph, in its order (``input_names``,
        ``output_names``).

    Examples:
        A graph written by hand with ``onnx.helper``:

        >>> import yingshe
        >>> from onnx import TensorProto, helper
        >>> from yingshe.onnx import ONNXModule
        >>> graph = helper.make_graph(
        ...     [helper.make_node("Relu", ["x"], ["y"])], "relu",
        ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        >>> module = ONNXModule(helper.make_model(graph))
        >>> module.input_names, module.output_names
        (['x'], ['y'])
        >>> module(yingshe.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, model):
        super().__init__()
        graph = model.graph
        unknown = sorted({n.op_type for n in graph.node
                          if n.op_type not in _OPS and n.op_type != "Constant"}
                         | {f"{n.domain}.{n.op_type}" for n in graph.node
                            if n.domain not in ("", "ai.onnx")})
        if unknown:
            raise UnsupportedOperatorError(
                f"yingshe.onnx.load: the graph {graph.name!r} uses ONNX ops that yingshe cannot "
                f"run: {', '.join(unknown)} (supported: {', '.join(sorted(_OPS))})")
        self._buffer_of = {}
        for init in graph.initializer:
            key = f"init_{len(self._buffer_of)}_" + "".join(
                c if c.isalnum() else "_" for c in init.name)
            self.register_buffer(key, Tensor._make(numpy_helper.to_array(init).copy()))
            self._buffer_of[init.name] = key
        self.input_names = [i.name for i in graph.input if i.name not in self._buffer_of]
        self.output_names = [o.name for o in graph.output]
        self._nodes = [(n.op_type, list(n.input), list(n.output),
                        {a.name: helper.get_attribute_value(a) for a in n.attribute}, n.name)
                       for n in graph.node]
        for _, _, _, attrs, _ in self._nodes:  # strings arrive as bytes
            for key, value in attrs.items():
                if isinstance(value, bytes):
                    attrs[key] = value.decode()
                elif isinstance(value, list) and value and isinstance(value[0], bytes):
                    attrs[key] = [v.decode() for v in value]

    def forward(self, *inputs):
        if len(inputs) != len(self.input_names):
            raise TypeError(f"ONNXModule: the graph takes {len(self.input_names)} inputs "
                            f"({', '.join(self.input_names)}), got {len(inputs)}")
        values = {name: getattr(self, key) for name, key in self._buffer_of.items()}
        values.update(zip(self.input_names, inputs))
        values[""] = None
        for op_type, names, outputs, attrs, node_name in self._nodes:
            if op_type == "Constant":
                result = [Tensor._make(numpy_helper.to_array(attrs["value"]).copy())]
            else:
                try:
                    result = _OPS[op_type](attrs, *[values[n] for n in names])
                except (ValueError, RuntimeError, TypeError) as error:
                    raise type(error)(f"ONNX node {node_name or op_type} ({op_type}): "
                                      f"{error}") from error
            result = result if isinstance(result, (list, tuple)) else [result]
            values.update(zip(outputs, result))
        out = tuple(values[name] for name in self.output_names)
        return out[0] if len(out) == 1 else out


def load(f):
    """An ``nn.Module`` that runs the ONNX model in the file (path or binary file object) ``f``
    with yingshe's ops; an op outside the supported set raises ``UnsupportedOperatorError``
    naming it.  The model is checked with ``onnx.checker`` first.  Files that
    ``yingshe.onnx.export`` writes load back, and so do PyTorch's exports of the same layers.

    Shape:
        ``module(*inputs)``: the graph's inputs in order, of any size along its dynamic axes.

    Examples:
        Export, load, and run the graph at another batch size:

        >>> import io
        >>> import yingshe
        >>> import yingshe.onnx
        >>> model = yingshe.nn.Sequential(yingshe.nn.Linear(4, 3), yingshe.nn.Tanh())
        >>> buffer = io.BytesIO()
        >>> yingshe.onnx.export(model, yingshe.zeros(1, 4), buffer,
        ...                     dynamic_axes={"input_0": [0], "output_0": [0]})
        >>> _ = buffer.seek(0)
        >>> module = yingshe.onnx.load(buffer)           # or a path such as "model.onnx"
        >>> x = yingshe.randn(5, 4)
        >>> module(x).shape
        yingshe.Size([5, 3])
        >>> yingshe.allclose(module(x), model(x), atol=1e-6)
        True
    """
    model = onnx.load_model(f) if not isinstance(f, io.IOBase) else onnx.load_model_from_string(
        f.read())
    onnx.checker.check_model(model)
    return ONNXModule(model)
