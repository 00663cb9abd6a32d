"""Depthwise convolution (yingshe/ops/depthwise.py): the output windows of each kernel offset,
the convolution and its three gradients against PyTorch, against the im2col path and against
float64 finite differences, each on the NumPy (polyphase) code and on the compiled (numba)
kernels; the two equal each other; and the dispatch from conv2d."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch.nn.functional as F

import yingshe
from helpers import check_op
from yingshe.autograd import gradcheck
from yingshe.ops import _compiled, conv, depthwise
from yingshe.ops.depthwise import Conv2dDepthwise

rng = np.random.default_rng(0)
F_ys = yingshe.nn.functional


both_paths = pytest.mark.usefixtures("kernel_path")  # NumPy and numba (tests/conftest.py)


@pytest.mark.parametrize("in_size,kernel,stride,padding,dilation", [
    (7, 3, 1, 1, 1), (8, 3, 2, 1, 1), (5, 3, 3, 4, 2), (4, 5, 1, 2, 1), (1, 3, 2, 3, 1),
    (0, 3, 1, 2, 1), (9, 2, 2, 0, 3)])
def test_windows_are_the_positions_inside_the_image(in_size, kernel, stride, padding, dilation):
    """For each kernel offset k, ``_windows`` gives exactly the outputs i whose input index
    i s + k d - pad lies inside the image, and the input index of the first of them."""
    out_size = (in_size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    windows = depthwise._windows(in_size, out_size, kernel, stride, padding, dilation)
    for k, (lo, hi, start) in enumerate(windows):
        inside = [i for i in range(out_size) if 0 <= i * stride + k * dilation - padding < in_size]
        assert list(range(lo, hi)) == inside, (k, lo, hi, inside)
        assert start == lo * stride + k * dilation - padding >= 0


CASES = [  # input shape, kernel, stride, padding, dilation: odd sizes, batch 1, one channel
    ((2, 3, 7, 8), (3, 3), 1, 1, 1),
    ((1, 4, 9, 6), (3, 3), 2, 1, 1),  # stride 2, as MobileNetV2's downsampling blocks
    ((3, 2, 7, 5), (3, 5), (2, 1), (1, 3), (2, 1)),
    ((2, 5, 5, 4), (3, 3), (3, 2), (3, 4), (1, 3)),  # padding larger than the kernel
    ((1, 1, 6, 6), (2, 2), 2, 0, 1),
    ((2, 3, 4, 4), (1, 1), (3, 2), (0, 1), 1),
    ((1, 2, 1, 7), (1, 3), (1, 3), (0, 1), (1, 2)),
]


def _conv(stride, padding, dilation, groups):
    """(yingshe, PyTorch) conv2d with these settings; yingshe's must dispatch to depthwise."""
    def ours(x, w, b=None):
        out = F_ys.conv2d(x, w, b, stride, padding, dilation, groups)
        assert out.grad_fn is None or type(out.grad_fn) is Conv2dDepthwise
        return out

    def theirs(x, w, b=None):
        return F.conv2d(x, w, b, stride, padding, dilation, groups)
    return ours, theirs


@both_paths
@pytest.mark.parametrize("x_shape,kernel,stride,padding,dilation", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_against_pytorch(x_shape, kernel, stride, padding, dilation, bias):
    """Output, input gradient, weight gradient (and bias gradient) of the public conv2d with
    groups = channels against F.conv2d, float64 and float32, contiguous and strided inputs;
    finite differences where the inputs are small."""
    channels = x_shape[1]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((channels, 1) + kernel)
    inputs = [x, w, rng.standard_normal(channels)] if bias else [x, w]
    ours, theirs = _conv(stride, padding, dilation, channels)
    check_op(ours, theirs, inputs, check_gradgrad=False)


@both_paths
@pytest.mark.parametrize("x_shape,kernel,stride,padding,dilation", [
    ((2, 3, 5, 4), (3, 3), 2, 1, 1), ((1, 2, 6, 5), (2, 3), (1, 2), (2, 0), (2, 1))])
def test_gradcheck(x_shape, kernel, stride, padding, dilation):
    """float64 finite differences of input, weight and bias together."""
    channels = x_shape[1]
    x, w, b = (yingshe.from_numpy(rng.standard_normal(shape)).requires_grad_(True)
               for shape in (x_shape, (channels, 1) + kernel, (channels,)))
    assert gradcheck(lambda x, w, b: Conv2dDepthwise.apply(x, w, b, _pair(stride),
                                                           _pair(padding), _pair(dilation)),
                     [x, w, b], eps=1e-6, atol=1e-6, rtol=1e-5)


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


def _conv_and_grads(op, x, w, b, upstream):
    xt, wt, bt = (yingshe.from_numpy(a.copy()).requires_grad_(True) for a in (x, w, b))
    out = op(xt, wt, bt)
    out.backward(yingshe.from_numpy(upstream))
    return [out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]


def _random_layer(x_shape, kernel, stride, padding, dilation, dtype):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal((x_shape[1], 1) + kernel) / 3).astype(dtype)
    b = rng.standard_normal(x_shape[1]).astype(dtype)
    out_hw = [(size + 2 * p - d * (k - 1) - 1) // s + 1 for size, k, s, p, d
              in zip(x_shape[2:], kernel, stride, padding, dilation)]
    upstream = rng.standard_normal(x_shape[:2] + tuple(out_hw)).astype(dtype)
    return x, w, b, upstream


LARGER = [  # MobileNetV2-like layers (stride 1 and 2), several blocks of the NumPy code
    ((3, 40, 17, 16), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((2, 24, 15, 15), (3, 3), (2, 2), (1, 1), (1, 1)),
    ((4, 300, 4, 4), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((2, 8, 12, 13), (5, 3), (2, 1), (2, 2), (1, 2)),
]


@both_paths
@pytest.mark.parametrize("x_shape,kernel,stride,padding,dilation", LARGER)
def test_against_im2col_float32(x_shape, kernel, stride, padding, dilation, monkeypatch):
    """Output and gradients equal the im2col path's in float32 (up to rounding), with the
    NumPy code's blocks small enough that the batch and the channels are split."""
    monkeypatch.setattr(depthwise, "BLOCK_ELEMENTS", 500)
    x, w, b, upstream = _random_layer(x_shape, kernel, stride, padding, dilation, np.float32)
    ours = _conv_and_grads(
        lambda x, w, b: Conv2dDepthwise.apply(x, w, b, stride, padding, dilation),
        x, w, b, upstream)
    reference = _conv_and_grads(
        lambda x, w, b: conv.Conv2d.apply(x, w, b, stride, padding, dilation, x_shape[1]),
        x, w, b, upstream)
    for name, a, r in zip(("output", "input grad", "weight grad", "bias grad"), ours, reference):
        assert a.dtype == np.float32, name
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-5 * np.abs(r).max(), err_msg=name)


@pytest.mark.parametrize("x_shape,kernel,stride,padding,dilation", CASES[:4] + LARGER)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_and_numpy_twins_agree(x_shape, kernel, stride, padding, dilation, dtype):
    """The numba kernels and the NumPy code give the same output and gradients (they add the
    same products in a different order)."""
    pytest.importorskip("numba")
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    layer = _random_layer(x_shape, kernel, stride, padding, dilation, dtype)
    results = []
    for compiled in (True, False):
        old = _compiled.use_compiled(compiled)
        try:
            results.append(_conv_and_grads(
                lambda x, w, b: Conv2dDepthwise.apply(x, w, b, stride, padding, dilation),
                *layer))
        finally:
            _compiled.use_compiled(old)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for name, a, r in zip(("output", "input grad", "weight grad", "bias grad"), *results):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol * np.abs(r).max(), err_msg=name)


@both_paths
@pytest.mark.parametrize("stride,padding", [(1, 1), (2, 0)])
def test_empty_batch(stride, padding):
    """No images: PyTorch's output shape, a bias gradient of zeros and an empty input
    gradient."""
    ours, theirs = _conv(stride, padding, 1, 3)
    check_op(ours, theirs, [rng.standard_normal((0, 3, 6, 5)), rng.standard_normal((3, 1, 3, 3)),
                            rng.standard_normal(3)], check_gradgrad=False)


def _op_of(x_shape, w_shape, **kwargs):
    x = yingshe.zeros(*x_shape, requires_grad=True)
    return type(F_ys.conv2d(x, yingshe.zeros(*w_shape), **kwargs).grad_fn)


@both_paths
def test_dispatch_chooses_depthwise():
    """groups = input channels = output channels goes to the depthwise path, whatever the
    kernel, stride, padding or dilation, and conv1d's too; grouped convolutions with more
    channels per group or a channel multiplier, float16 and the switched-off path go to
    im2col."""
    for kwargs in ({"padding": 1}, {"stride": 2, "padding": 1}, {"padding": "same"},
                   {"dilation": 2}, {"padding": (0, 2), "stride": (1, 3)}):
        assert _op_of((2, 16, 9, 9), (16, 1, 3, 3), groups=16, **kwargs) is Conv2dDepthwise
    assert _op_of((2, 8, 9, 9), (8, 1, 5, 5), groups=8) is Conv2dDepthwise
    x = yingshe.zeros(2, 8, 9, 9, requires_grad=True)
    assert F_ys.conv2d(x, yingshe.zeros(8, 1, 3, 3), groups=8).grad_fn.name() == \
        "ConvolutionBackward0"  # PyTorch's node name
    assert _op_of((2, 1, 9, 9), (1, 1, 3, 3)) is Conv2dDepthwise  # one channel, groups 1
    x = yingshe.zeros(2, 6, 20, requires_grad=True)
    out = F_ys.conv1d(x, yingshe.zeros(6, 1, 3), groups=6)
    assert type(out.grad_fn.next_functions[0][0]) is Conv2dDepthwise
    im2col = [((2, 16, 9, 9), (16, 2, 3, 3), {"groups": 8}),
              ((2, 16, 9, 9), (32, 1, 3, 3), {"groups": 16}),  # channel multiplier 2
              ((2, 1, 9, 9), (4, 1, 3, 3), {})]
    for x_shape, w_shape, kwargs in im2col:
        assert _op_of(x_shape, w_shape, **kwargs) is conv.Conv2d, (x_shape, w_shape, kwargs)
    half = yingshe.zeros(1, 4, 5, 5, dtype=yingshe.float16, requires_grad=True)
    out = F_ys.conv2d(half, yingshe.zeros(4, 1, 3, 3, dtype=yingshe.float16), groups=4)
    assert type(out.grad_fn) is conv.Conv2d
    old = depthwise.use_depthwise(False)
    try:
        assert _op_of((2, 16, 9, 9), (16, 1, 3, 3), groups=16) is conv.Conv2d
    finally:
        depthwise.use_depthwise(old)


def test_environment_switch_turns_it_off():
    """YINGSHE_DEPTHWISE=0 sends depthwise convolutions to im2col."""
    code = ("import yingshe; x = yingshe.zeros(2, 8, 6, 6, requires_grad=True); "
            "print(type(yingshe.nn.functional.conv2d(x, yingshe.zeros(8, 1, 3, 3), "
            "groups=8).grad_fn).__name__)")
    env = dict(os.environ, YINGSHE_DEPTHWISE="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "Conv2d"


@both_paths
def test_mobilenet_block_matches_pytorch():
    """An inverted residual's 3x3 depthwise layer (stride 2, 96 channels of 16 x 16, batch 2)
    through nn.Conv2d, float32, against PyTorch's with the same weights."""
    import torch

    x = rng.standard_normal((2, 96, 16, 16)).astype(np.float32)
    layers = [framework.nn.Conv2d(96, 96, 3, stride=2, padding=1, groups=96, bias=False)
              for framework in (yingshe, torch)]
    layers[1].weight.data.copy_(torch.from_numpy(layers[0].weight.detach().numpy()))
    outputs = []
    for framework, layer in zip((yingshe, torch), layers):
        xt = framework.from_numpy(x.copy()).requires_grad_(True)
        out = layer(xt)
        (out * out).sum().backward()
        outputs.append([out.detach().numpy(), xt.grad.numpy(), layer.weight.grad.numpy()])
    for name, a, r in zip(("output", "input grad", "weight grad"), *outputs):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4 * np.abs(r).max(), err_msg=name)


@pytest.mark.skipif(not yingshe.cuda.is_available(), reason="needs CuPy and a GPU")
def test_cuda_matches_cpu():
    """The NumPy code on CuPy arrays (called directly: the dispatch keeps CUDA on im2col until
    this path is timed there)."""
    x, w, b, upstream = _random_layer((2, 6, 9, 8), (3, 3), (2, 2), (1, 1), (1, 1), np.float32)
    results = []
    for device in ("cpu", "cuda"):
        xt, wt, bt = (yingshe.tensor(a, device=device, requires_grad=True) for a in (x, w, b))
        out = Conv2dDepthwise.apply(xt, wt, bt, (2, 2), (1, 1), (1, 1))
        out.backward(yingshe.tensor(upstream, device=device))
        results.append([t.cpu().numpy() for t in (out, xt.grad, wt.grad, bt.grad)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
