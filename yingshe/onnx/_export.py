"""``yingshe.onnx.export``: record a model's forward pass and write it as an ONNX graph.

The recorder follows ``torch.onnx.export``'s tracing mode (the JIT tracer): the model runs once on
the example inputs while every op that reaches ``Function.apply`` (the one entry of the autograd
graph, ``yingshe.autograd.function``) is written down as ONNX nodes.  A few layers whose inside is
not a chain of graph ops (batch and layer norm with their statistics, the fused recurrent layers,
the piecewise-linear activations) are written as one ONNX op each at module level, as PyTorch's
exporter does for them (ONNX operator specification, https://onnx.ai/onnx/operators/).

Sizes that the ops receive as numbers (the target of ``reshape``) are constants of the trace.
With ``dynamic_axes`` the model is traced a second time with those axes doubled, and a reshape
target dimension that changed between the two traces becomes ONNX's 0 (copy the input's size) or
-1 (infer), so that the graph runs at any batch size.
"""
import contextlib
import io
import math

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad
from ..nn.modules import activation as _activation
from ..nn.modules import batchnorm as _batchnorm
from ..nn.modules import normalization as _normalization
from ..nn.modules import rnn as _rnn
from ..nn.modules.module import Module
from ..ops import activation as _act_ops
from ..ops import conv, elementwise, embedding, indexing, linear, matmul, pool, reduce, shape
from ..ops import inplace as _inplace_ops
from ..ops import softmax as _softmax_ops
from ..ops import winograd as _winograd_ops
from ._gates import to_onnx_gates

__all__ = ["export", "UnsupportedOperatorError", "DEFAULT_OPSET"]

DEFAULT_OPSET = 17
_INT64_MAX = np.iinfo(np.int64).max


class UnsupportedOperatorError(RuntimeError):
    """An op of the model has no ONNX translation (the message names the op and module path);
    ``load`` raises it too for a graph with ops yingshe cannot run.  A RuntimeError.

    Examples:
        >>> import io
        >>> import yingshe
        >>> import yingshe.onnx
        >>> class RunningTotal(yingshe.nn.Module):
        ...     def forward(self, x):
        ...         return x.cumsum(1)
        >>> try:
        ...     yingshe.onnx.export(RunningTotal(), yingshe.ones(2, 3), io.BytesIO())
        ... except yingshe.onnx.UnsupportedOperatorError as error:
        ...     print(error)
        export: Cumsum (in module RunningTotal) has no ONNX translation
    """


class _Unsupported:
    """A recorded op without translation: an error only if an output of the graph needs it."""

    def __init__(self, op, path, outputs):
        self.op, self.path, self.output = op, path, outputs
        self.input = []


class _Trace:
    """The values, nodes and initializers of one recorded forward pass."""

    def __init__(self, model, opset):
        self.opset = opset
        self.values = {}  # id(tensor) -> (ONNX name, tensor, version when named)
        self.nodes = []
        self.initializers = {}
        self.named = {id(t): name for name, t in _named_tensors(model)}
        self.paths = {id(m): name or type(model).__name__ for name, m in model.named_modules()}
        self.stack = [type(model).__name__]
        self.created = []  # (ONNX name, shape, module path) of tensors made inside forward
        self.reshapes = []  # (node, input shape, target shape)
        self.quiet = 0
        self.count = 0

    # ---- names -----------------------------------------------------------------------------
    def fresh(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def bind(self, tensor, name):
        self.values[id(tensor)] = (name, tensor, tensor._version)

    def name_of(self, value, dtype=None):
        """The ONNX name of a Tensor (a parameter, buffer or constant becomes an initializer) or
        of a Python number / array (a constant of ``dtype``)."""
        if isinstance(value, Tensor):
            entry = self.values.get(id(value))
            if entry is not None:
                if value._version != entry[2]:
                    raise UnsupportedOperatorError(
                        f"a tensor was changed in place outside the graph in module "
                        f"{self.stack[-1]}; ONNX export needs an out-of-place op there")
                return entry[0]
            array = np.asarray(value._data)
            name = self.named.get(id(value))
            if name is None:
                name = self.fresh("constant")
                self.created.append((name, array.shape, self.stack[-1]))
            self.initializers[name] = array
            self.bind(value, name)
            return name
        return self.const(np.asarray(value, dtype=dtype))

    def const(self, array, hint="constant"):
        name = self.fresh(hint)
        self.initializers[name] = np.asarray(array)
        return name

    def ints(self, values):
        return self.const(np.asarray(values, dtype=np.int64))

    # ---- nodes -----------------------------------------------------------------------------
    def node(self, op_type, inputs, outputs=1, **attributes):
        """Add an ONNX node; returns its output name (or the list of names for several)."""
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names,
                                           name=f"{self.stack[-1]}/{op_type}_{self.count}",
                                           **attributes))
        return names[0] if outputs == 1 else names

    def reduce(self, op_type, x, axes, keepdims):
        """ReduceMean / ReduceSum with ``axes`` an attribute (opset < 18) or an input."""
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    def silently(self, fn, *args, **kwargs):
        """Run ``fn`` without recording the ops inside it (they are part of one recorded op)."""
        self.quiet += 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.quiet -= 1

    def emit(self, translate, args, out, op_name):
        """Run one translation and name its outputs; an op without one is kept as a marker."""
        outputs = out if isinstance(out, tuple) else (out,)
        if translate is None:
            names = [self.fresh("unsupported") for _ in outputs]
            self.nodes.append(_Unsupported(op_name, self.stack[-1], names))
        else:
            names = translate(self, *args)
            names = names if isinstance(names, (list, tuple)) else [names]
        for tensor, name in zip(outputs, names):
            self.bind(tensor, name)


def _named_tensors(model):
    yield from model.named_parameters()
    yield from model.named_buffers()


# ---- translations of the graph ops ------------------------------------------------------------
def _dtype_of(*values):
    for v in values:
        if isinstance(v, Tensor):
            return v._data.dtype
    return None


def _binary(op_type):
    def translate(tr, a, b):
        dtype = _dtype_of(a, b)
        return tr.node(op_type, [tr.name_of(a, dtype), tr.name_of(b, dtype)])
    return translate


def _unary(op_type):
    return lambda tr, x: tr.node(op_type, [tr.name_of(x)])


def _linear(tr, x, weight, bias):
    if x.ndim == 2:  # Gemm: y = x W^T + b in one node
        inputs = [tr.name_of(x), tr.name_of(weight)] + ([tr.name_of(bias)] if bias is not None
                                                         else [])
        return tr.node("Gemm", inputs, transB=1)
    y = tr.node("MatMul", [tr.name_of(x), tr.node("Transpose", [tr.name_of(weight)],
                                                   perm=[1, 0])])
    return y if bias is None else tr.node("Add", [y, tr.name_of(bias)])


def _conv_inputs(tr, x, weight, bias):
    return [tr.name_of(x), tr.name_of(weight)] + ([tr.name_of(bias)] if bias is not None else [])


def _conv2d(tr, x, weight, bias, stride, padding, dilation, groups):
    return tr.node("Conv", _conv_inputs(tr, x, weight, bias), kernel_shape=list(weight.shape[2:]),
                   strides=list(stride), pads=list(padding) * 2, dilations=list(dilation),
                   group=groups)


def _conv2d_winograd(tr, x, weight, bias, padding):
    """A 3x3 stride-1 convolution that conv2d computed by Winograd: the same ONNX Conv."""
    return _conv2d(tr, x, weight, bias, (1, 1), padding, (1, 1), 1)


def _conv_transpose2d(tr, x, weight, bias, stride, padding, output_padding, dilation, groups):
    return tr.node("ConvTranspose", _conv_inputs(tr, x, weight, bias),
                   kernel_shape=list(weight.shape[2:]), strides=list(stride),
                   pads=list(padding) * 2, output_padding=list(output_padding),
                   dilations=list(dilation), group=groups)


def _ceil_mode(x, kernel, stride, padding, dilation, out_hw):
    floor = tuple(pool._pool_output_size(n, k, s, p, d, False) for n, k, s, p, d in
                  zip(x.shape[2:], kernel, stride, padding, dilation))
    return int(tuple(out_hw) != floor)


def _max_pool2d(tr, x, kernel, stride, padding, dilation, out_hw):
    return tr.node("MaxPool", [tr.name_of(x)], kernel_shape=list(kernel), strides=list(stride),
                   pads=list(padding) * 2, dilations=list(dilation),
                   ceil_mode=_ceil_mode(x, kernel, stride, padding, dilation, out_hw))


def _avg_pool2d(tr, x, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
    if divisor_override:
        raise UnsupportedOperatorError(f"avg_pool2d with divisor_override (module "
                                       f"{tr.stack[-1]}) has no ONNX AveragePool equivalent")
    return tr.node("AveragePool", [tr.name_of(x)], kernel_shape=list(kernel),
                   strides=list(stride), pads=list(padding) * 2,
                   count_include_pad=int(count_include_pad),
                   ceil_mode=_ceil_mode(x, kernel, stride, padding, (1, 1), out_hw))


def _adaptive(global_op, window_op):
    """Adaptive pooling: a global pool for a 1 x 1 output, else windows of size H/Ho x W/Wo
    when the sizes divide (the only case where the adaptive bins are a fixed window)."""
    def translate(tr, x, out_hw):
        if tuple(out_hw) == (1, 1):
            return tr.node(global_op, [tr.name_of(x)])
        h, w = x.shape[2:]
        if h % out_hw[0] or w % out_hw[1]:
            raise UnsupportedOperatorError(
                f"adaptive pooling from {(h, w)} to {tuple(out_hw)} (module {tr.stack[-1]}): "
                f"ONNX has no adaptive pooling and the sizes do not divide")
        kernel = [h // out_hw[0], w // out_hw[1]]
        return tr.node(window_op, [tr.name_of(x)], kernel_shape=kernel, strides=kernel)
    return translate


def _upsample_nearest(tr, x, out_hw, scales):
    factors = [1.0, 1.0] + [o / n for o, n in zip(out_hw, x.shape[2:])]
    if scales[0]:
        factors[2:] = [float(s) for s in scales]
    return tr.node("Resize", [tr.name_of(x), "", tr.const(np.asarray(factors, np.float32))],
                   mode="nearest", coordinate_transformation_mode="asymmetric",
                   nearest_mode="floor")


def _softmax(op_type):
    return lambda tr, x, axis: tr.node(op_type, [tr.name_of(x)], axis=axis)


def _reshape(tr, x, target):
    node = tr.node("Reshape", [tr.name_of(x), tr.ints(target)])
    tr.reshapes.append((tr.nodes[-1], tuple(x.shape), tuple(target)))
    return node


def _permute(tr, x, axes):
    return tr.node("Transpose", [tr.name_of(x)], perm=list(axes))


def _matrix_transpose(tr, x):
    perm = list(range(x.ndim))
    perm[-2:] = perm[-1], perm[-2]
    return tr.node("Transpose", [tr.name_of(x)], perm=perm)


def _cat(tr, dim, skipped, *tensors):
    return tr.node("Concat", [tr.name_of(t) for t, skip in zip(tensors, skipped) if not skip],
                   axis=dim)


def _basic_index(tr, x, index):
    """x[index] for ints, slices, None and Ellipsis: Slice, then Squeeze the int axes, then
    Unsqueeze the new ones."""
    index = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in index):
        at = index.index(Ellipsis)
        fill = x.ndim - (len(index) - 1 - sum(i is None for i in index))
        index = index[:at] + (slice(None),) * fill + index[at + 1:]
    starts, ends, axes, steps, squeezed, inserted = [], [], [], [], [], []
    axis = position = 0
    for item in index:
        if item is None:
            inserted.append(position)
            position += 1
            continue
        if isinstance(item, slice):
            if item != slice(None):
                start, stop, step = item.indices(x.shape[axis])
                if step < 0:
                    raise UnsupportedOperatorError(f"indexing with a negative step (module "
                                                   f"{tr.stack[-1]})")
                full = item.stop is None or item.stop >= x.shape[axis]
                starts.append(start)
                ends.append(_INT64_MAX if full else stop)
                axes.append(axis)
                steps.append(step)
            position += 1
        else:  # an int: a slice of one, squeezed afterwards
            i = int(item) % x.shape[axis]
            starts.append(i)
            ends.append(i + 1)
            axes.append(axis)
            steps.append(1)
            squeezed.append(axis)
        axis += 1
    y = tr.name_of(x)
    if axes:
        y = tr.node("Slice", [y, tr.ints(starts), tr.ints(ends), tr.ints(axes), tr.ints(steps)])
    if squeezed:
        y = tr.node("Squeeze", [y, tr.ints(squeezed)])
    if inserted:
        y = tr.node("Unsqueeze", [y, tr.ints(inserted)])
    return y if y != tr.name_of(x) else tr.node("Identity", [y])


def _reduction(op_type):
    def translate(tr, x, axes, keepdim, *dtype):
        return tr.reduce(op_type, tr.name_of(x), axes, keepdim)
    return translate


def _embedding(tr, indices, weight, padding_idx, sparse):
    return tr.node("Gather", [tr.name_of(weight), tr.name_of(indices)], axis=0)


def _rsqrt(tr, x):
    return tr.node("Reciprocal", [tr.node("Sqrt", [tr.name_of(x)])])


def _silu(tr, x):
    name = tr.name_of(x)
    return tr.node("Mul", [name, tr.node("Sigmoid", [name])])


def _gelu(tr, x, approximate):
    """gelu(x) = 0.5 x (1 + erf(x / sqrt 2)), or with tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
    x^3))) (Hendrycks & Gimpel 2016)."""
    name, dtype = tr.name_of(x), x._data.dtype
    if approximate == "tanh":
        cube = tr.node("Mul", [tr.node("Pow", [name, tr.const(np.asarray(3.0, dtype))]),
                               tr.const(np.asarray(0.044715, dtype))])
        inner = tr.node("Mul", [tr.node("Add", [name, cube]),
                                tr.const(np.asarray(math.sqrt(2 / math.pi), dtype))])
        curve = tr.node("Tanh", [inner])
    else:
        curve = tr.node("Erf", [tr.node("Div", [name, tr.const(np.asarray(math.sqrt(2), dtype))])])
    half = tr.node("Mul", [name, tr.const(np.asarray(0.5, dtype))])
    return tr.node("Mul", [half, tr.node("Add", [curve, tr.const(np.asarray(1.0, dtype))])])


def _pow_scalar(tr, x, exponent):
    return tr.node("Pow", [tr.name_of(x), tr.const(np.asarray(exponent, x._data.dtype))])


def _to_copy(tr, x, np_dtype, device):
    if np_dtype is None or np.dtype(np_dtype) == x._data.dtype:
        return tr.node("Identity", [tr.name_of(x)])
    return tr.node("Cast", [tr.name_of(x)],
                   to=helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype)))


_FUNCTIONS = {
    elementwise.Add: _binary("Add"), elementwise.Sub: _binary("Sub"),
    elementwise.Mul: _binary("Mul"), elementwise.Div: _binary("Div"),
    elementwise.Maximum: _binary("Max"), elementwise.Minimum: _binary("Min"),
    elementwise.Neg: _unary("Neg"), elementwise.Exp: _unary("Exp"), elementwise.Log: _unary("Log"),
    elementwise.Sqrt: _unary("Sqrt"), elementwise.Abs: _unary("Abs"),
    elementwise.Reciprocal: _unary("Reciprocal"), elementwise.Sin: _unary("Sin"),
    elementwise.Cos: _unary("Cos"), elementwise.Tanh: _unary("Tanh"),
    elementwise.Sigmoid: _unary("Sigmoid"), elementwise.Relu: _unary("Relu"),
    elementwise.Clone: _unary("Identity"), _act_ops.Erf: _unary("Erf"),
    elementwise.Rsqrt: _rsqrt, elementwise.PowScalar: _pow_scalar,
    elementwise.ToCopy: _to_copy, _act_ops.Silu: _silu, _act_ops.Gelu: _gelu,
    linear.Linear: _linear, conv.Conv2d: _conv2d, conv.ConvTranspose2d: _conv_transpose2d,
    _winograd_ops.Conv2dWinograd: _conv2d_winograd,
    pool.MaxPool2d: _max_pool2d, pool.AvgPool2d: _avg_pool2d,
    pool.AdaptiveAvgPool2d: _adaptive("GlobalAveragePool", "AveragePool"),
    pool.AdaptiveMaxPool2d: _adaptive("GlobalMaxPool", "MaxPool"),
    pool.UpsampleNearest: _upsample_nearest,
    _softmax_ops.Softmax: _softmax("Softmax"), _softmax_ops.LogSoftmax: _softmax("LogSoftmax"),
    shape.Reshape: _reshape, shape.ReshapeView: _reshape, shape.Permute: _permute,
    shape.Cat: _cat, matmul.MatrixTranspose: _matrix_transpose,
    matmul.MatMul: _binary("MatMul"), indexing.BasicIndex: _basic_index,
    reduce.Sum: _reduction("ReduceSum"), reduce.Mean: _reduction("ReduceMean"),
    embedding.Embedding: _embedding,
}


# ---- layers written at module level ------------------------------------------------------------
def _check_eval(tr, module):
    if module.training:
        raise UnsupportedOperatorError(f"{type(module).__name__} at {tr.stack[-1]} is in training "
                                       f"mode; call model.eval() before export")


def _affine(tr, module, size, dtype):
    """The scale and shift of a norm layer (ones and zeros without ``affine``)."""
    weight, bias = module.weight, getattr(module, "bias", None)
    scale = tr.name_of(weight) if weight is not None else tr.const(np.ones(size, dtype))
    shift = tr.name_of(bias) if bias is not None else tr.const(np.zeros(size, dtype))
    return scale, shift


def _batch_norm(tr, module, x):
    """BatchNormalization with the running statistics (inference form, Ioffe & Szegedy 2015)."""
    _check_eval(tr, module)
    if module.running_mean is None:
        raise UnsupportedOperatorError(f"{type(module).__name__} at {tr.stack[-1]} keeps no "
                                       f"running statistics (track_running_stats=False)")
    scale, shift = _affine(tr, module, module.num_features, x._data.dtype)
    return tr.node("BatchNormalization", [tr.name_of(x), scale, shift,
                                          tr.name_of(module.running_mean),
                                          tr.name_of(module.running_var)],
                   epsilon=float(module.eps))


def _layer_norm(tr, module, x):
    size = tuple(module.normalized_shape)
    scale, shift = _affine(tr, module, size, x._data.dtype)
    return tr.node("LayerNormalization", [tr.name_of(x), scale, shift], axis=-len(size),
                   epsilon=float(module.eps))


def _clip(tr, x, low, high):
    dtype = x._data.dtype
    return tr.node("Clip", [tr.name_of(x), tr.const(np.asarray(low, dtype)),
                            tr.const(np.asarray(high, dtype))])


_ONNX_RNN = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _recurrent(tr, module, x, hx=None):
    """One ONNX LSTM/GRU/RNN node per layer (both directions in one node), gates reordered
    from PyTorch's layout to ONNX's; Y (T, directions, N, H) becomes (T, N, directions * H)."""
    if module.dropout and module.num_layers > 1:
        _check_eval(tr, module)
    if not isinstance(x, Tensor) or x.ndim != 3:
        raise UnsupportedOperatorError(f"{type(module).__name__} at {tr.stack[-1]}: only batched "
                                       f"3-D inputs export (no packed or unbatched sequences)")
    mode, directions = module.mode, 2 if module.bidirectional else 1
    hidden = module.hidden_size
    y = tr.name_of(x)
    if module.batch_first:
        y = tr.node("Transpose", [y], perm=[1, 0, 2])
    states = [] if hx is None else [tr.name_of(h) for h in (hx if mode == "LSTM" else (hx,))]
    attributes = {"hidden_size": hidden, "direction": "bidirectional" if directions == 2
                  else "forward"}
    if mode == "GRU":
        attributes["linear_before_reset"] = int(module.reset_after)
    elif mode != "LSTM":
        attributes["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * directions
    finals = [[] for _ in range(2 if mode == "LSTM" else 1)]
    for layer in range(module.num_layers):
        ws, rs, bs = [], [], []
        for direction in range(directions):
            w_ih, w_hh, b_ih, b_hh = (None if t is None else np.asarray(t._data)
                                      for t in module._weights(layer, direction))
            ws.append(to_onnx_gates(mode, w_ih))
            rs.append(to_onnx_gates(mode, w_hh))
            if b_ih is None:
                b_ih = b_hh = np.zeros(w_ih.shape[0], w_ih.dtype)
            bs.append(np.concatenate([to_onnx_gates(mode, b_ih), to_onnx_gates(mode, b_hh)]))
        prefix = f"{tr.paths[id(module)]}.l{layer}"
        inputs = [y, tr.const(np.stack(ws), prefix + ".W"), tr.const(np.stack(rs), prefix + ".R"),
                  tr.const(np.stack(bs), prefix + ".B")]
        if states:
            rows = [tr.ints([layer * directions]), tr.ints([(layer + 1) * directions])]
            inputs += [""] + [tr.node("Slice", [s] + rows) for s in states]
        outputs = tr.node(_ONNX_RNN[mode], inputs, 3 if mode == "LSTM" else 2, **attributes)
        y = tr.node("Reshape", [tr.node("Transpose", [outputs[0]], perm=[0, 2, 1, 3]),
                                tr.ints([0, 0, -1])])
        for final, name in zip(finals, outputs[1:]):
            final.append(name)
    if module.batch_first:
        y = tr.node("Transpose", [y], perm=[1, 0, 2])
    stacked = [f[0] if len(f) == 1 else tr.node("Concat", f, axis=0) for f in finals]
    return [y] + stacked


def _module_translations():
    a = _activation
    return {
        _batchnorm.BatchNorm1d: _batch_norm, _batchnorm.BatchNorm2d: _batch_norm,
        _normalization.LayerNorm: _layer_norm,
        a.LeakyReLU: lambda tr, m, x: tr.node("LeakyRelu", [tr.name_of(x)],
                                             alpha=float(m.negative_slope)),
        a.ReLU6: lambda tr, m, x: _clip(tr, x, 0.0, 6.0),
        a.Hardtanh: lambda tr, m, x: _clip(tr, x, m.min_val, m.max_val),
        a.ELU: lambda tr, m, x: tr.node("Elu", [tr.name_of(x)], alpha=float(m.alpha)),
        _rnn.LSTM: _recurrent, _rnn.GRU: _recurrent, _rnn.RNN: _recurrent,
    }


# ---- the recording -------------------------------------------------------------------------------
@contextlib.contextmanager
def _recording(tr, modules):
    """Route Function.apply, Module.__call__ and the in-place mechanism through the trace."""
    apply, call, inplace = Function.__dict__["apply"].__func__, Module.__call__, \
        _inplace_ops._inplace

    def recorded_apply(cls, *args, **kwargs):
        if tr.quiet:
            return apply(cls, *args, **kwargs)
        out = tr.silently(apply, cls, *args, **kwargs)
        tr.emit(_FUNCTIONS.get(cls), args, out, cls.__name__)
        return out

    def recorded_call(module, *args, **kwargs):
        translate = modules.get(type(module))
        tr.stack.append(tr.paths.get(id(module), type(module).__name__))
        try:
            if translate is None or tr.quiet:
                return call(module, *args, **kwargs)
            out = tr.silently(call, module, *args, **kwargs)
            outputs = _flatten(out)
            names = translate(tr, module, *args, **kwargs)
            for tensor, name in zip(outputs, names if isinstance(names, list) else [names]):
                tr.bind(tensor, name)
            return out
        finally:
            tr.stack.pop()

    def recorded_inplace(self, *args, **kwargs):
        count = len(tr.nodes)
        result = inplace(self, *args, **kwargs)
        if not tr.quiet and len(tr.nodes) > count:  # recorded out of place: self is its output
            tr.bind(self, tr.nodes[-1].output[0])
        return result

    Function.apply = classmethod(recorded_apply)
    Module.__call__ = recorded_call
    _inplace_ops._inplace = recorded_inplace
    try:
        yield
    finally:
        Function.apply = classmethod(apply)
        Module.__call__ = call
        _inplace_ops._inplace = inplace


def _flatten(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flatten(item)]
    if out is None:
        return []
    raise UnsupportedOperatorError(f"export: the model returned a {type(out).__name__}; outputs "
                                   f"must be Tensors or (nested) tuples of Tensors")


def _trace(model, inputs, input_names, opset):
    tr = _Trace(model, opset)
    for tensor, name in zip(inputs, input_names):
        tr.bind(tensor, name)
    with _recording(tr, _module_translations()), enable_grad():
        outputs = _flatten(model(*inputs))
    return tr, outputs


# ---- dynamic axes ----------------------------------------------------------------------------------
def _dynamic_axes(dynamic_axes, name):
    axes = (dynamic_axes or {}).get(name, {})
    if isinstance(axes, dict):
        return {int(k): str(v) for k, v in axes.items()}
    return {int(k): f"{name}_dynamic_axes_{int(k) + 1}" for k in axes}


def _grown(tensor, axes):
    """The example input repeated twice along each dynamic axis (for the second trace)."""
    array = tensor._data
    for axis in axes:
        array = np.concatenate([array, array], axis=axis)
    return Tensor._make(np.ascontiguousarray(array))


def _generalise(first, second):
    """Rewrite each reshape target so that it holds at both traces' sizes: a dimension that
    changed becomes 0 (the input's size at that position, when it follows it) or -1."""
    if len(first.reshapes) != len(second.reshapes) or len(first.nodes) != len(second.nodes):
        raise UnsupportedOperatorError("export: the model records a different graph when the "
                                       "dynamic axes change size (data-dependent control flow)")
    for name, size, path in first.created:
        other = next((s for n, s, _ in second.created if n == name), size)
        if other != size:
            raise UnsupportedOperatorError(
                f"export: a tensor of shape {size} created inside forward (module {path}) "
                f"depends on a dynamic axis; it cannot be a constant of the graph")
    for (node, in_a, out_a), (_, in_b, out_b) in zip(first.reshapes, second.reshapes):
        target, inferred = [], 0
        for i, (a, b) in enumerate(zip(out_a, out_b)):
            if a == b:
                target.append(a)
            elif i < len(in_a) and in_a[i] == a and in_b[i] == b:
                target.append(0)
            else:
                target.append(-1)
                inferred += 1
        if inferred > 1:
            raise UnsupportedOperatorError(f"export: reshape {in_a} -> {out_a} ({node.name}) "
                                           f"has more than one size that follows a dynamic axis")
        first.initializers[node.input[1]] = np.asarray(target, np.int64)


# ---- the graph -------------------------------------------------------------------------------------
def _prune(nodes, outputs):
    """The nodes that the outputs depend on, in order; an unsupported op among them raises."""
    needed, kept = set(outputs), []
    for node in reversed(nodes):
        if needed.intersection(node.output):
            if isinstance(node, _Unsupported):
                raise UnsupportedOperatorError(f"export: {node.op} (in module {node.path}) has no "
                                               f"ONNX translation")
            kept.append(node)
            needed.update(node.input)
    return kept[::-1], needed


def _value_info(name, tensor, dims):
    shape = [dims.get(i, n) for i, n in enumerate(tensor.shape)]
    return helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(tensor._data.dtype), shape)


def export(model, args, f, *, kwargs=None, export_params=True, verbose=False, input_names=None,
           output_names=None, opset_version=None, dynamic_axes=None):
    """Export ``model`` run on ``args`` to the ONNX file (or binary file object) ``f``, as
    ``torch.onnx.export`` in its tracing mode: ``input_names``/``output_names`` name the graph's
    inputs and outputs, ``dynamic_axes`` maps a name to the axes that may change size (a list,
    or a dict axis -> symbolic name), ``opset_version`` (17 or above; default 17).  The model
    runs in eval mode.  An op that has no ONNX translation raises ``UnsupportedOperatorError``
    naming the op and the module path.  The weights are stored in the file as initializers
    (ONNX operator specification, https://onnx.ai/onnx/operators/).

    Shape:
        ``args``: the model's example inputs; the graph's inputs and outputs have their
        shapes, with the axes named in ``dynamic_axes`` left symbolic (any size).

    Examples:
        >>> import io
        >>> import onnx
        >>> import yingshe
        >>> import yingshe.onnx
        >>> model = yingshe.nn.Sequential(yingshe.nn.Linear(4, 8), yingshe.nn.ReLU(),
        ...                               yingshe.nn.Linear(8, 3))
        >>> buffer = io.BytesIO()          # or a path such as "model.onnx"
        >>> yingshe.onnx.export(model, yingshe.randn(1, 4), buffer, input_names=["input"],
        ...                     output_names=["logits"],
        ...                     dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        >>> graph = onnx.load_from_string(buffer.getvalue()).graph
        >>> [node.op_type for node in graph.node]
        ['Gemm', 'Relu', 'Gemm', 'Identity']
        >>> [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
        ['batch', 3]
    """
    if kwargs:
        raise ValueError("export: keyword inputs are not supported; pass every input in args")
    if not export_params:
        raise ValueError("export: export_params=False is not supported (the weights are "
                         "always stored as initializers)")
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < DEFAULT_OPSET:
        raise ValueError(f"export: opset_version must be at least {DEFAULT_OPSET} (for "
                         f"LayerNormalization), got {opset}")
    inputs = (args,) if isinstance(args, Tensor) else tuple(args)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"export: input {i} is a {type(x).__name__}, expected a Tensor")
    input_names = list(input_names or [])
    input_names += [f"input_{i}" for i in range(len(input_names), len(inputs))]
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        tr, outputs = _trace(model, inputs, input_names, opset)
        grown_outputs = outputs
        if dynamic_axes:
            grown = [_grown(x, _dynamic_axes(dynamic_axes, n)) for x, n in zip(inputs, input_names)]
            second, grown_outputs = _trace(model, grown, input_names, opset)
            _generalise(tr, second)
    finally:
        for m, training in modes.items():
            m.training = training
    output_names = list(output_names or [])
    output_names += [f"output_{i}" for i in range(len(output_names), len(outputs))]
    output_axes = []  # the named dynamic axes of each output, and those that followed an input's
    for name, a, b in zip(output_names, outputs, grown_outputs):
        axes = _dynamic_axes(dynamic_axes, name)
        for i, (m, n) in enumerate(zip(a.shape, b.shape)):
            if m != n:
                axes.setdefault(i, f"{name}_dynamic_axes_{i + 1}")
        output_axes.append(axes)
    produced = [tr.name_of(t) for t in outputs]
    nodes = list(tr.nodes)
    for name, source in zip(output_names, produced):  # give each output its requested name
        nodes.append(helper.make_node("Identity", [source], [name], name=f"output/{name}"))
    nodes, needed = _prune(nodes, output_names)
    initializers = [numpy_helper.from_array(np.asarray(array, order="C"), name)
                    for name, array in tr.initializers.items() if name in needed]
    graph = helper.make_graph(
        nodes, type(model).__name__,
        [_value_info(n, x, _dynamic_axes(dynamic_axes, n)) for n, x in zip(input_names, inputs)],
        [_value_info(n, t, axes) for n, t, axes in zip(output_names, outputs, output_axes)],
        initializers)
    proto = helper.make_model(graph, producer_name="yingshe",
                              opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = min(proto.ir_version, 10)  # readable by onnxruntime releases of 2024 on
    onnx.checker.check_model(proto)
    if verbose:
        print(helper.printable_graph(graph))
    if isinstance(f, io.IOBase):
        f.write(proto.SerializeToString())
    else:
        onnx.save(proto, f)

