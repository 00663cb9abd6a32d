"""Winograd F(2 x 2, 3 x 3) convolution (yingshe/ops/winograd.py): the transforms against the
matrices of Lavin & Gray (2016), the convolution and both gradients against PyTorch, against
the im2col path and against float64 finite differences, each on the pure NumPy transforms and
on the compiled (numba) ones; and the dispatch from conv2d."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch.nn.functional as F

import yingshe
from helpers import check_op
from yingshe.autograd import gradcheck
from yingshe.ops import conv, winograd
from yingshe.ops.winograd import Conv2dWinograd

rng = np.random.default_rng(0)

B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)


both_paths = pytest.mark.usefixtures("kernel_path")  # NumPy and numba (tests/conftest.py)


@both_paths
def test_transforms_are_the_papers_matrices():
    """V = B^T d B, U = G g G^T and Y = A^T M A, tile by tile, for the 1-D steps as written."""
    d = rng.standard_normal((1, 1, 6, 4))  # two 4 x 4 tiles, overlapping by two rows
    tiles = winograd._tiles(d, (0, 0)).reshape(4, 4, 1, 1, 2, 1)  # (4, 4, C, N, th, tw)
    for i in range(2):
        expected = B_T @ d[0, 0, 2 * i:2 * i + 4] @ B_T.T
        np.testing.assert_allclose(tiles[:, :, 0, 0, i, 0], expected, atol=1e-12)
    g = rng.standard_normal((2, 3, 3, 3))
    u = winograd._transform_weight(g).reshape(4, 4, 2, 3)
    np.testing.assert_allclose(u[:, :, 1, 2], G @ g[1, 2] @ G.T, atol=1e-12)
    m = rng.standard_normal((16, 2, 1))  # one tile, two channels
    y = np.empty((1, 2, 2, 2))
    winograd._untile(m, y)
    np.testing.assert_allclose(y[0, 1], A_T @ m[:, 1, 0].reshape(4, 4) @ A_T.T, atol=1e-12)


@both_paths
def test_adjoint_transforms_are_adjoints():
    """<A^T M A, Y> = <M, A Y A^T> (odd output: cropped positions included) and
    <G g G^T, U> = <g, G^T U G>: the weight gradient's transforms are the exact adjoints."""
    m, y = rng.standard_normal((16, 3, 2 * 3 * 2)), rng.standard_normal((2, 3, 5, 3))
    untiled = np.empty_like(y)
    winograd._untile(m, untiled)
    np.testing.assert_allclose(np.sum(untiled * y), np.sum(m * winograd._untile_adjoint(y)),
                               rtol=1e-12)
    g, u = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((16, 3, 2))
    np.testing.assert_allclose(np.sum(winograd._transform_weight(g) * u),
                               np.sum(g * winograd._transform_weight_adjoint(u)), rtol=1e-12)


def test_flipped_weights_transform_by_permutation():
    """The input gradient's U' of the flipped, channel-swapped kernel is a permutation of U."""
    g = rng.standard_normal((4, 3, 3, 3))
    flipped = np.ascontiguousarray(g[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    np.testing.assert_allclose(np.stack(winograd._transform_flipped(winograd._transform_weight(g))),
                               winograd._transform_weight(flipped), atol=1e-12)


CASES = [  # input shape, out channels, padding: odd sizes, C = 1, batch 1, padding 0 to 2
    ((2, 3, 7, 8), 4, (1, 1)),
    ((1, 1, 5, 5), 1, (0, 0)),
    ((3, 2, 6, 5), 3, (0, 1)),
    ((1, 4, 3, 3), 2, (0, 0)),  # one output pixel
    ((2, 2, 4, 6), 5, (2, 2)),
    ((1, 3, 9, 4), 2, (2, 0)),
]


@both_paths
@pytest.mark.parametrize("x_shape,out_channels,padding", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_against_pytorch(x_shape, out_channels, padding, bias):
    """Output, input gradient, weight gradient (and bias gradient) against F.conv2d, float64
    and float32, contiguous and strided inputs; gradcheck where the inputs are small."""
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((out_channels, x_shape[1], 3, 3))
    inputs = [x, w, rng.standard_normal(out_channels)] if bias else [x, w]

    def ours(x, w, b=None):
        return Conv2dWinograd.apply(x, w, b, padding)

    def theirs(x, w, b=None):
        return F.conv2d(x, w, b, padding=padding)
    check_op(ours, theirs, inputs, check_gradgrad=False)


@both_paths
@pytest.mark.parametrize("x_shape,out_channels,padding", [((1, 2, 5, 3), 2, (1, 1)),
                                                          ((2, 1, 4, 5), 3, (0, 2))])
def test_gradcheck(x_shape, out_channels, padding):
    """float64 finite differences of input, weight and bias together."""
    x = yingshe.from_numpy(rng.standard_normal(x_shape)).requires_grad_(True)
    w = yingshe.from_numpy(rng.standard_normal((out_channels, x_shape[1], 3, 3)))
    b = yingshe.from_numpy(rng.standard_normal(out_channels))
    assert gradcheck(lambda x, w, b: Conv2dWinograd.apply(x, w, b, padding),
                     [x, w.requires_grad_(True), b.requires_grad_(True)], eps=1e-6, atol=1e-6,
                     rtol=1e-5)


@both_paths
def test_empty_batch():
    """No images: an empty output and a zero weight gradient, as in PyTorch."""
    check_op(lambda x, w: Conv2dWinograd.apply(x, w, None, (1, 1)),
             lambda x, w: F.conv2d(x, w, padding=1),
             [np.zeros((0, 3, 5, 5)), rng.standard_normal((2, 3, 3, 3))], check_gradcheck=False,
             check_gradgrad=False)


def _conv_and_grads(op, x, w, b, upstream):
    xt, wt, bt = (yingshe.from_numpy(a.copy()).requires_grad_(True) for a in (x, w, b))
    out = op(xt, wt, bt)
    out.backward(yingshe.from_numpy(upstream))
    return [out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]


@both_paths
@pytest.mark.parametrize("x_shape,out_channels,padding", [((4, 16, 11, 10), 24, (1, 1)),
                                                          ((2, 40, 8, 9), 8, (0, 0))])
@pytest.mark.parametrize("memory", ["kept", "remade", "chunked"])
def test_against_im2col_float32(x_shape, out_channels, padding, memory, monkeypatch):
    """Output and gradients equal the im2col path's in float32 (up to rounding), whether U and
    V are kept from the forward or remade in backward, and when the batch is split into
    chunks of one image."""
    if memory != "kept":
        monkeypatch.setattr(winograd, "KEEP_BYTES", 0)
    if memory == "chunked":
        monkeypatch.setattr(winograd, "CHUNK_BYTES", 1)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = (rng.standard_normal((out_channels, x_shape[1], 3, 3)) / 3).astype(np.float32)
    b = rng.standard_normal(out_channels).astype(np.float32)
    ho, wo = (size + 2 * p - 2 for size, p in zip(x_shape[2:], padding))
    upstream = rng.standard_normal((x_shape[0], out_channels, ho, wo)).astype(np.float32)
    ours = _conv_and_grads(lambda x, w, b: Conv2dWinograd.apply(x, w, b, padding),
                           x, w, b, upstream)
    reference = _conv_and_grads(
        lambda x, w, b: conv.Conv2d.apply(x, w, b, (1, 1), padding, (1, 1), 1), x, w, b, upstream)
    for name, a, r in zip(("output", "input grad", "weight grad", "bias grad"), ours, reference):
        assert a.dtype == np.float32, name
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4 * np.abs(r).max(), err_msg=name)


F_ys = yingshe.nn.functional
ELIGIBLE = ((2, 128, 32, 32), (128, 128, 3, 3))  # 512 tiles of 128 channels: Winograd on both paths


def _op_of(x_shape, w_shape, **kwargs):
    x = yingshe.zeros(*x_shape, requires_grad=True)
    return type(F_ys.conv2d(x, yingshe.zeros(*w_shape), **kwargs).grad_fn)


@both_paths
def test_dispatch_chooses_winograd_for_eligible_layers(kernel_path):
    """3 x 3 / stride 1 layers with enough channels and tiles go to Winograd; everything else
    to im2col (the rule of ``winograd.applies``)."""
    assert _op_of(*ELIGIBLE, padding=1) is Conv2dWinograd
    assert _op_of(*ELIGIBLE, padding="same") is Conv2dWinograd
    assert _op_of((2, 128, 34, 34), ELIGIBLE[1]) is Conv2dWinograd  # padding 0
    x_shape, w_shape = ELIGIBLE
    im2col = [(x_shape, w_shape, {"padding": 1, "stride": 2}),
              (x_shape, w_shape, {"padding": 2, "dilation": 2}),
              (x_shape, (128, 64, 3, 3), {"padding": 1, "groups": 2}),
              (x_shape, (128, 128, 5, 5), {"padding": 2}),
              (x_shape, w_shape, {"padding": 3}),
              ((2, 3, 32, 32), (128, 3, 3, 3), {"padding": 1}),  # too few input channels
              ((2, 128, 8, 8), w_shape, {"padding": 1})]  # too few tiles (32)
    for x_shape_, w_shape_, kwargs in im2col:
        assert _op_of(x_shape_, w_shape_, **kwargs) is conv.Conv2d, (x_shape_, w_shape_, kwargs)
    # 256 tiles of 64 channels: faster with the compiled transforms only
    expected = Conv2dWinograd if kernel_path == "numba" else conv.Conv2d
    assert _op_of((1, 64, 32, 32), (64, 64, 3, 3), padding=1) is expected
    # widening 32 -> 64 channels: im2col; 128 -> 256 channels: Winograd with numba
    assert _op_of((2, 32, 32, 32), (64, 32, 3, 3), padding=1) is conv.Conv2d
    assert _op_of((2, 128, 32, 32), (256, 128, 3, 3), padding=1) is expected
    old = winograd.use_winograd(False)
    try:
        assert _op_of(*ELIGIBLE, padding=1) is conv.Conv2d
    finally:
        winograd.use_winograd(old)


@both_paths
def test_dispatched_layer_matches_pytorch():
    """A dispatched layer (odd size, 529 tiles) through the public conv2d, float32, against
    F.conv2d (the weight gradient's entries are sums of 2025 products, about 45 in size,
    hence the absolute tolerance)."""
    x = rng.standard_normal((1, 128, 45, 45))
    w = rng.standard_normal((128, 128, 3, 3)) / 30
    assert _op_of(x.shape, w.shape, padding=1) is Conv2dWinograd
    check_op(lambda x, w: F_ys.conv2d(x, w, padding=1), lambda x, w: F.conv2d(x, w, padding=1),
             [x, w], dtypes=("float32",), noncontiguous_inputs=False, check_gradcheck=False,
             check_gradgrad=False, tol={"float32": {"rtol": 1e-4, "atol": 1e-3}})


def test_dispatched_layer_looks_like_any_convolution(tmp_path):
    """Its graph node has PyTorch's name, and it exports to ONNX as the same Conv node (run by
    onnxruntime) as an im2col layer."""
    layer = yingshe.nn.Conv2d(128, 128, 3, padding=1)
    x = yingshe.randn(*ELIGIBLE[0])
    out = layer(x)
    assert type(out.grad_fn) is Conv2dWinograd
    assert out.grad_fn.name() == "ConvolutionBackward0"
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    yingshe_onnx = pytest.importorskip("yingshe.onnx")
    path, reference = tmp_path / "conv.onnx", tmp_path / "im2col.onnx"
    yingshe_onnx.export(layer, (x,), str(path))
    old = winograd.use_winograd(False)
    try:
        yingshe_onnx.export(layer, (x,), str(reference))
    finally:
        winograd.use_winograd(old)
    nodes = onnx.load(str(path)).graph.node
    assert "Conv" in [node.op_type for node in nodes]
    assert nodes == onnx.load(str(reference)).graph.node
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (result,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    np.testing.assert_allclose(result, out.detach().numpy(), rtol=1e-4, atol=1e-4)


def test_environment_switch_turns_it_off():
    """YINGSHE_WINOGRAD=0 sends every convolution to im2col, the eligible layer above too."""
    code = (f"import yingshe; x = yingshe.zeros(*{ELIGIBLE[0]}, requires_grad=True); "
            f"print(type(yingshe.nn.functional.conv2d(x, yingshe.zeros(*{ELIGIBLE[1]}), "
            f"padding=1).grad_fn).__name__)")
    env = dict(os.environ, YINGSHE_WINOGRAD="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "Conv2d"


@pytest.mark.skipif(not yingshe.cuda.is_available(), reason="needs CuPy and a GPU")
def test_cuda_matches_cpu():
    """The same NumPy-style code on CuPy arrays (called directly: the dispatch keeps CUDA on
    im2col until Winograd is measured there)."""
    x = rng.standard_normal((2, 8, 7, 6)).astype(np.float32)
    w = rng.standard_normal((5, 8, 3, 3)).astype(np.float32)
    upstream = rng.standard_normal((2, 5, 7, 6)).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        xt, wt = (yingshe.tensor(a, device=device, requires_grad=True) for a in (x, w))
        out = Conv2dWinograd.apply(xt, wt, None, (1, 1))
        out.backward(yingshe.tensor(upstream, device=device))
        results.append([t.cpu().numpy() for t in (out, xt.grad, wt.grad)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
