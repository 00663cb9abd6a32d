"""The kernels that use a second thread (issue 29), each against its simple path: the compiled
batch norm (yingshe/ops/batch_norm_compiled.py) against ``Normalize`` (NumPy) and PyTorch, and
the GEMMs split between yingshe's threads (``_parallel.over_gemms``: Winograd's 16 products,
im2col's products) against one thread; float32 and float64, odd shapes, 1 and 2 threads (the
threshold for splitting lowered so that small tensors split too)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import yingshe
import yingshe.nn.functional as F
from yingshe import _parallel
from yingshe.ops import _compiled, batch_norm_compiled, conv, winograd

pytest.importorskip("numba")
rng = np.random.default_rng(0)
TOLERANCE = {np.float32: {"rtol": 2e-5, "atol": 2e-5}, np.float64: {"rtol": 1e-11, "atol": 1e-11}}


@pytest.fixture(params=[1, 2])
def threads(request, monkeypatch):
    """1 or 2 yingshe threads, splitting even the smallest arrays."""
    monkeypatch.setattr(_parallel, "THREADS", request.param)
    monkeypatch.setattr(_parallel, "MIN_ELEMENTS_PER_THREAD", 1)
    return request.param


def _batch_norm_run(x, weight, bias, grad, compiled):
    """Output, input/weight/bias gradients and running statistics of a training-mode batch
    norm on the compiled or the NumPy path."""
    old = _compiled.use_compiled(compiled)
    try:
        xt = yingshe.from_numpy(x).requires_grad_()
        params = [None if p is None else yingshe.from_numpy(p.copy()).requires_grad_()
                  for p in (weight, bias)]
        channels = x.shape[1]
        mean = yingshe.zeros(channels, dtype=xt.dtype)
        var = yingshe.ones(channels, dtype=xt.dtype)
        y = F.batch_norm(xt, mean, var, params[0], params[1], training=True, momentum=0.3)
        assert (type(y.grad_fn) is batch_norm_compiled.BatchNormCompiled) == compiled
        y.backward(yingshe.from_numpy(grad))
        return [y.detach().numpy(), xt.grad.numpy()] + \
            [p.grad.numpy() for p in params if p is not None] + [mean.numpy(), var.numpy()]
    finally:
        _compiled.use_compiled(old)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 7), (5, 7, 3, 4), (1, 4, 1, 3), (3, 2, 2, 3, 5)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_compiled_batch_norm_equals_the_numpy_path(threads, dtype, shape, affine):
    x = (rng.standard_normal(shape) * 3 + 5).astype(dtype)
    channels = shape[1]
    weight = rng.standard_normal(channels).astype(dtype) if affine != "none" else None
    bias = rng.standard_normal(channels).astype(dtype) if affine == "both" else None
    grad = rng.standard_normal(shape).astype(dtype)
    compiled = _batch_norm_run(x, weight, bias, grad, True)
    simple = _batch_norm_run(x, weight, bias, grad, False)
    assert len(compiled) == len(simple)
    for ours, reference in zip(compiled, simple):
        assert ours.dtype == reference.dtype and ours.shape == reference.shape
        scale = max(1.0, np.abs(reference).max())
        np.testing.assert_allclose(ours / scale, reference / scale, **TOLERANCE[dtype])


def test_compiled_batch_norm_matches_torch_in_float32(threads):
    x = rng.standard_normal((6, 16, 5, 7)).astype(np.float32) * 2 - 1
    w, b = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    ys = [yingshe.from_numpy(a.copy()).requires_grad_() for a in (x, w, b)]
    th = [torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b)]
    y_ys = F.batch_norm(ys[0], None, None, ys[1], ys[2], training=True)
    y_th = TF.batch_norm(th[0], None, None, th[1], th[2], training=True)
    y_ys.backward(yingshe.from_numpy(g))
    y_th.backward(torch.from_numpy(g))
    assert type(y_ys.grad_fn) is batch_norm_compiled.BatchNormCompiled
    np.testing.assert_allclose(y_ys.detach().numpy(), y_th.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    for ours, theirs in zip(ys, th):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_compiled_batch_norm_gradcheck_in_float64():
    x = rng.standard_normal((3, 2, 2, 3))
    inputs = [yingshe.from_numpy(a).requires_grad_() for a in (x, rng.standard_normal(2),
                                                                rng.standard_normal(2))]
    assert yingshe.autograd.gradcheck(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), inputs)


def test_compiled_batch_norm_takes_strided_inputs_and_keeps_its_input_checked():
    x = rng.standard_normal((4, 5, 6, 3)).transpose(0, 3, 1, 2)  # (4, 3, 5, 6), not contiguous
    g = rng.standard_normal(x.shape)
    compiled = _batch_norm_run(x, None, None, g, True)
    simple = _batch_norm_run(x, None, None, g, False)
    for ours, reference in zip(compiled, simple):
        np.testing.assert_allclose(ours, reference, rtol=1e-11, atol=1e-11)
    xt = yingshe.from_numpy(x.copy()).requires_grad_()
    y = F.batch_norm(xt * 1.0, None, None, training=True)
    assert type(y.grad_fn) is batch_norm_compiled.BatchNormCompiled
    y.grad_fn.saved_tensors[0].add_(1.0)  # the saved input modified in place: backward refuses
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_batch_norm_with_another_weight_dtype_keeps_the_numpy_path():
    x = yingshe.randn(4, 3, 2, 2)
    y = F.batch_norm(x, None, None, yingshe.ones(3, dtype=yingshe.float64), None, training=True)
    assert not isinstance(y.grad_fn, batch_norm_compiled.BatchNormCompiled)
    assert y.dtype == yingshe.float64  # as before: NumPy's promotion


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,out_channels,padding", [((3, 32, 9, 7), 33, (1, 1)),
                                                        ((2, 40, 6, 5), 32, (0, 2))])
def test_winograd_products_in_threads_equal_one_thread(monkeypatch, dtype, shape, out_channels,
                                                       padding):
    x = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((out_channels, shape[1], 3, 3)).astype(dtype) / 10
    monkeypatch.setattr(_compiled, "_state", dict(_compiled._state, enabled=False))  # the
    # NumPy transforms: the products are the same on both paths, and numba compiles the
    # Winograd kernels anew in each process (~20 s)
    results = []
    for count in (1, 2):
        monkeypatch.setattr(_parallel, "THREADS", count)
        monkeypatch.setattr(_parallel, "MIN_ELEMENTS_PER_THREAD", 1)
        out, u, tiles = winograd.winograd_conv2d(x, weight, None, padding, keep=True)
        grad = np.cos(out)
        results.append((out,) + winograd._backward(grad, x, weight, u, tiles, padding, True,
                                                    True))
    for ours, reference in zip(*results):
        np.testing.assert_allclose(ours, reference, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_products_in_threads_equal_one_product(threads, dtype):
    w = rng.standard_normal((1, 7, 27)).astype(dtype)
    cols = rng.standard_normal((27, 101)).astype(dtype)
    grad = rng.standard_normal((7, 101)).astype(dtype)
    np.testing.assert_allclose(conv._grouped_matmul(w, cols, 1), w[0] @ cols, **TOLERANCE[dtype])
    np.testing.assert_allclose(conv._grouped_weight_grad(grad, cols, 1), (grad @ cols.T)[None],
                               **TOLERANCE[dtype])


def test_conv2d_in_threads_matches_torch(threads):
    x = rng.standard_normal((3, 4, 9, 8)).astype(np.float32)
    w = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    ys = [yingshe.from_numpy(a).requires_grad_() for a in (x, w)]
    th = [torch.from_numpy(a).requires_grad_() for a in (x, w)]
    y_ys, y_th = F.conv2d(ys[0], ys[1], stride=2, padding=1), TF.conv2d(th[0], th[1], stride=2,
                                                                        padding=1)
    np.testing.assert_allclose(y_ys.detach().numpy(), y_th.detach().numpy(), rtol=1e-4,
                               atol=1e-4)
    y_ys.square().sum().backward()
    y_th.square().sum().backward()
    for ours, theirs in zip(ys, th):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_over_gemms_holds_blas_to_one_thread_while_splitting(threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [library["num_threads"] for library in threadpoolctl.threadpool_info()
                if library["user_api"] == "blas"]

    seen, parts = [], []

    def kernel(start, stop):
        seen.append(blas_threads())
        parts.append((start, stop))

    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        assert 2 in before
        _parallel.over_gemms(kernel, 10, 10)
        assert blas_threads() == before
    assert sorted(parts) == ([(0, 10)] if threads == 1 else [(0, 5), (5, 10)])
    assert seen == ([before] if threads == 1 else [[1] * len(before)] * 2)


def test_over_gemms_without_threadpoolctl_leaves_the_products_to_blas(threads, monkeypatch):
    monkeypatch.setattr(_parallel, "_blas", [False])
    parts = []
    _parallel.over_gemms(lambda start, stop: parts.append((start, stop)), 10, 10)
    assert parts == [(0, 10)]
