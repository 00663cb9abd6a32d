"""Convolution and pooling against torch.nn.functional (values and gradients) and gradcheck,
each test once with the pure NumPy kernels and once with the compiled (numba) ones."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import yingshe
from helpers import check_op, check_raises
from yingshe.ops import conv, pool

rng = np.random.default_rng(0)


pytestmark = pytest.mark.usefixtures("kernel_path")  # every test on both kernel paths
# (col2im, max pooling: NumPy and numba; tests/conftest.py)

CONV2D_CASES = [
    ((2, 3, 7, 8), (4, 3, 3, 3), {"stride": 1, "padding": 1}),
    ((2, 4, 9, 9), (6, 2, 3, 2), {"stride": 2, "padding": (1, 0), "dilation": (2, 1), "groups": 2}),
    ((1, 1, 5, 5), (2, 1, 2, 2), {}),
    ((1, 2, 6, 5), (3, 2, 3, 3), {"padding": "same"}),
    ((1, 2, 6, 5), (3, 2, 2, 4), {"padding": "same", "dilation": 1}),
    ((1, 2, 6, 5), (3, 2, 3, 3), {"padding": "valid", "stride": (2, 1)}),
    ((2, 4, 5, 3), (6, 2, 1, 1), {"groups": 2}),  # 1x1: the columns are the input itself
    ((2, 4, 5, 3), (6, 4, 1, 1), {"stride": 2}),
    ((2, 4, 5, 3), (6, 4, 1, 1), {"padding": 1, "dilation": 2}),
]


@pytest.mark.parametrize("x_shape,w_shape,kwargs", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(x_shape, w_shape, kwargs, bias):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    if bias:
        b = rng.standard_normal(w_shape[0])
        check_op(lambda x, w, b: conv.conv2d(x, w, b, **kwargs),
                 lambda x, w, b: F.conv2d(x, w, b, **kwargs), [x, w, b], check_gradgrad=False)
    else:
        check_op(lambda x, w: conv.conv2d(x, w, **kwargs),
                 lambda x, w: F.conv2d(x, w, **kwargs), [x, w], check_gradgrad=False)



@pytest.mark.parametrize("x_shape,w_shape,kwargs", CONV2D_CASES[:2])
def test_conv2d_rebuilds_large_columns_in_backward(x_shape, w_shape, kwargs, monkeypatch):
    """Columns over KEEP_COLUMNS_BYTES are not kept but rebuilt from the input for dW."""
    monkeypatch.setattr(conv, "KEEP_COLUMNS_BYTES", 0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    check_op(lambda x, w: conv.conv2d(x, w, **kwargs),
             lambda x, w: F.conv2d(x, w, **kwargs), [x, w], check_gradgrad=False)

@pytest.mark.parametrize("x_shape,w_shape,kwargs", [
    ((2, 3, 4, 5), (3, 4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 4, 3, 3), (4, 3, 2, 2), {"groups": 2, "dilation": 2}),
    ((2, 2, 4, 4), (2, 1, 4, 4), {"stride": 2, "padding": 1}),
    ((2, 4, 3, 5), (4, 3, 1, 1), {}),
])
def test_conv_transpose2d(x_shape, w_shape, kwargs):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1] * kwargs.get("groups", 1))
    check_op(lambda x, w, b: conv.conv_transpose2d(x, w, b, **kwargs),
             lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs), [x, w, b],
             check_gradgrad=False)


def test_conv1d_and_conv_transpose1d():
    x, w, b = rng.standard_normal((2, 3, 10)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    check_op(lambda x, w, b: conv.conv1d(x, w, b, stride=2, padding=1),
             lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [x, w, b], check_gradgrad=False)
    wt = rng.standard_normal((3, 2, 4))
    check_op(lambda x, w: conv.conv_transpose1d(x, w, stride=2),
             lambda x, w: F.conv_transpose1d(x, w, stride=2), [x, wt], check_gradgrad=False)


def test_conv_errors_name_the_shapes():
    x, w = yingshe.zeros(2, 3, 8, 8), yingshe.zeros(4, 2, 3, 3)
    check_raises(lambda: conv.conv2d(x, w), ValueError, "2 channels", "(4, 2, 3, 3)", "(2, 3, 8, 8)")
    check_raises(lambda: conv.conv2d(yingshe.zeros(3, 8, 8), w), ValueError, "4-D", "(3, 8, 8)")
    check_raises(lambda: conv.conv2d(yingshe.zeros(1, 2, 2, 2), w), ValueError, "smaller than")
    check_raises(lambda: conv.conv2d(x, yingshe.zeros(4, 3, 3, 3), padding="same", stride=2),
                 ValueError, "'same'")


MAX_POOL_CASES = [((2, 3, 8, 8), {"kernel_size": 2}),
                  ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
                  ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
                  ((2, 2, 9, 9), {"kernel_size": (3, 2), "stride": (1, 2), "dilation": 2}),
                  ((3, 6, 6), {"kernel_size": 2, "stride": 1})]


@pytest.mark.parametrize("x_shape,kwargs", MAX_POOL_CASES)
def test_max_pool2d(x_shape, kwargs):
    check_op(lambda x: pool.max_pool2d(x, **kwargs), lambda x: F.max_pool2d(x, **kwargs),
             [rng.standard_normal(x_shape)], check_gradgrad=False)


def test_max_pool_gradient_goes_to_the_first_maximum_only():
    x = np.ones((1, 1, 4, 4))
    check_op(lambda x: pool.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [x],
             check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1},
                                    {"kernel_size": 3, "stride": 2, "padding": 1}])
def test_max_pool_ties_and_nan_as_pytorch(kwargs):
    """Many ties (small integers) route the gradient as PyTorch does; a NaN reaches the output
    and takes its window's gradient (the last NaN of a window holding two)."""
    x = rng.integers(0, 3, (2, 3, 6, 8)).astype(np.float32)
    check_op(lambda x: pool.max_pool2d(x, **kwargs), lambda x: F.max_pool2d(x, **kwargs), [x],
             check_gradcheck=False, check_gradgrad=False)
    x[0, 1, 2, 3] = x[1, 2, 4, 4] = x[1, 2, 4, 5] = np.nan
    ours, theirs = yingshe.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = pool.max_pool2d(ours, **kwargs), F.max_pool2d(theirs, **kwargs)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    dy = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(yingshe.tensor(dy))
    expected.backward(torch.tensor(dy))  # overlapping windows add in another order: float32
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("x_shape,kwargs", [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ((1, 2, 6, 6), {"kernel_size": 2, "divisor_override": 3}),
])
def test_avg_pool2d(x_shape, kwargs):
    check_op(lambda x: pool.avg_pool2d(x, **kwargs), lambda x: F.avg_pool2d(x, **kwargs),
             [rng.standard_normal(x_shape)], check_gradgrad=False)


def test_pool1d():
    x = rng.standard_normal((2, 3, 11))
    check_op(lambda x: pool.max_pool1d(x, 3, 2), lambda x: F.max_pool1d(x, 3, 2), [x],
             check_gradgrad=False)
    check_op(lambda x: pool.avg_pool1d(x, 2), lambda x: F.avg_pool1d(x, 2), [x],
             check_gradgrad=False)


@pytest.mark.parametrize("x_shape,size", [((2, 3, 8, 8), 3), ((1, 2, 7, 9), (2, 4)),
                                          ((1, 1, 5, 5), 1), ((1, 2, 6, 6), (None, 2))])
def test_adaptive_pools(x_shape, size):
    x = rng.standard_normal(x_shape)
    check_op(lambda x: pool.adaptive_avg_pool2d(x, size), lambda x: F.adaptive_avg_pool2d(x, size),
             [x])
    check_op(lambda x: pool.adaptive_max_pool2d(x, size), lambda x: F.adaptive_max_pool2d(x, size),
             [x], check_gradgrad=False)


@pytest.mark.parametrize("kwargs", [{"scale_factor": 2}, {"size": (5, 7)}, {"size": 3},
                                    {"scale_factor": (1.5, 2.0)}])
def test_interpolate_nearest(kwargs):
    check_op(lambda x: pool.interpolate(x, **kwargs), lambda x: F.interpolate(x, **kwargs),
             [rng.standard_normal((1, 2, 4, 4))], check_gradgrad=False)


def test_pool_errors():
    check_raises(lambda: pool.max_pool2d(yingshe.zeros(8, 8), 2), ValueError, "3-D or 4-D", "(8, 8)")
    check_raises(lambda: pool.max_pool2d(yingshe.zeros(1, 1, 4, 4), 2, padding=2), ValueError,
                 "half the kernel")
    check_raises(lambda: pool.interpolate(yingshe.zeros(1, 1, 2, 2), mode="bicubic"),
                 NotImplementedError, "bicubic")
