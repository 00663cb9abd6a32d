"""roi_align and roi_pool against torchvision: its pure-Python ``_roi_align`` (forward and
gradient, where it agrees with the compiled kernel: samples inside the map), and slow direct
transcriptions of torchvision's CPU kernels (``roi_align_kernel.cpp``, ``roi_pool_kernel.cpp``)
for boxes that cross the border; gradients also by float64 finite differences."""
import importlib
import math

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_op, check_raises
from torchvision_oracle import torchvision  # noqa: F401  (makes torchvision importable)
from yingshe.autograd import gradcheck
from yingshe.vision.ops import RoIAlign, RoIPool, roi_align, roi_pool

# The eager pure-Python RoIAlign (torchvision wraps it in torch.compile on first call).
torch_roi_align = importlib.import_module("torchvision.ops.roi_align")._roi_align.__wrapped__


def _rois(rng, count, batch, height, width, margin=0.0):
    """``count`` rows (batch index, x1, y1, x2, y2); corners within ``margin`` of the image."""
    x = np.sort(rng.uniform(-margin, width - 1 + margin, (count, 2)), axis=1)
    y = np.sort(rng.uniform(-margin, height - 1 + margin, (count, 2)), axis=1)
    index = rng.integers(0, batch, count)
    return np.stack([index, x[:, 0], y[:, 0], x[:, 1], y[:, 1]], 1)


def roi_align_kernel(x, rois, spatial_scale, ph, pw, sampling_ratio, aligned):
    """torchvision's ``roi_align_forward_kernel_impl``, loop by loop."""
    _, c, height, width = x.shape
    out = np.zeros((len(rois), c, ph, pw))
    for k, (b, *box) in enumerate(rois):
        offset = 0.5 if aligned else 0.0
        x1, y1, x2, y2 = (v * spatial_scale - offset for v in box)
        roi_w, roi_h = x2 - x1, y2 - y1
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / ph, roi_w / pw
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / ph)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / pw)
        count = max(grid_h * grid_w, 1)
        for p in range(ph):
            for q in range(pw):
                total = np.zeros(c)
                for iy in range(grid_h):
                    yy = y1 + p * bin_h + (iy + 0.5) * bin_h / grid_h
                    for ix in range(grid_w):
                        xx = x1 + q * bin_w + (ix + 0.5) * bin_w / grid_w
                        if yy < -1.0 or yy > height or xx < -1.0 or xx > width:
                            continue
                        yy_, xx_ = max(yy, 0.0), max(xx, 0.0)
                        y_low, x_low = int(yy_), int(xx_)
                        if y_low >= height - 1:
                            y_low = y_high = height - 1
                            yy_ = float(y_low)
                        else:
                            y_high = y_low + 1
                        if x_low >= width - 1:
                            x_low = x_high = width - 1
                            xx_ = float(x_low)
                        else:
                            x_high = x_low + 1
                        ly, lx = yy_ - y_low, xx_ - x_low
                        plane = x[int(b)]
                        total += ((1 - ly) * (1 - lx) * plane[:, y_low, x_low]
                                  + (1 - ly) * lx * plane[:, y_low, x_high]
                                  + ly * (1 - lx) * plane[:, y_high, x_low]
                                  + ly * lx * plane[:, y_high, x_high])
                out[k, :, p, q] = total / count
    return out


def roi_pool_kernel(x, rois, spatial_scale, ph, pw):
    """torchvision's ``roi_pool_forward_kernel_impl``, loop by loop: (output, argmax)."""
    _, c, height, width = x.shape
    out = np.zeros((len(rois), c, ph, pw))
    argmax = np.full((len(rois), c, ph, pw), -1)

    def c_round(v):  # C's round: halves away from zero
        return int(math.copysign(math.floor(abs(v) + 0.5), v))

    for k, (b, *box) in enumerate(rois):
        x1, y1, x2, y2 = (c_round(v * spatial_scale) for v in box)
        roi_w, roi_h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bin_h, bin_w = roi_h / ph, roi_w / pw
        for p in range(ph):
            h0 = min(max(math.floor(p * bin_h) + y1, 0), height)
            h1 = min(max(math.ceil((p + 1) * bin_h) + y1, 0), height)
            for q in range(pw):
                w0 = min(max(math.floor(q * bin_w) + x1, 0), width)
                w1 = min(max(math.ceil((q + 1) * bin_w) + x1, 0), width)
                for ch in range(c):
                    if h1 <= h0 or w1 <= w0:
                        continue
                    best, where = -np.inf, -1
                    for h in range(h0, h1):
                        for w in range(w0, w1):
                            if x[int(b), ch, h, w] > best:
                                best, where = x[int(b), ch, h, w], h * width + w
                    out[k, ch, p, q], argmax[k, ch, p, q] = best, where
    return out, argmax


@pytest.mark.parametrize("sampling_ratio", [-1, 2, 3])
@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5])
def test_roi_align_matches_torchvision_python(sampling_ratio, aligned, spatial_scale):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 11))
    rois = _rois(rng, 7, 2, 9 / spatial_scale, 11 / spatial_scale)
    rois[0, 1:] = [2.0, 3.0, 2.3, 3.2]  # smaller than a pixel (the 1-pixel floor when not aligned)
    check_op(lambda a, r: roi_align(a, r, (3, 4), spatial_scale, sampling_ratio, aligned),
             lambda a, r: torch_roi_align(a, r, spatial_scale, 3, 4, sampling_ratio, aligned),
             [x, rois], requires_grad=[True, False], check_gradcheck=False)


@pytest.mark.parametrize("sampling_ratio,aligned", [(-1, False), (2, True), (-1, True)])
def test_roi_align_outside_the_map_matches_kernel(sampling_ratio, aligned):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 7, 8))
    rois = _rois(rng, 9, 2, 7, 8, margin=6.0)
    rois[0, 1:] = [-9.0, -9.0, -3.0, -4.0]  # wholly outside: zeros
    ours = roi_align(yingshe.from_numpy(x), yingshe.from_numpy(rois), (2, 3), 1.0,
                     sampling_ratio, aligned).numpy()
    np.testing.assert_allclose(ours, roi_align_kernel(x, rois, 1.0, 2, 3, sampling_ratio, aligned),
                               rtol=1e-12, atol=1e-12)
    assert not ours[0].any()


@pytest.mark.parametrize("sampling_ratio,aligned", [(-1, False), (2, True)])
def test_roi_align_gradcheck(sampling_ratio, aligned):
    rng = np.random.default_rng(2)
    x = yingshe.from_numpy(rng.standard_normal((2, 2, 5, 6))).requires_grad_()
    rois = yingshe.from_numpy(_rois(rng, 4, 2, 5, 6, margin=2.0))
    assert gradcheck(lambda a: roi_align(a, rois, (2, 2), 1.0, sampling_ratio, aligned), [x],
                     eps=1e-6, atol=1e-6, rtol=1e-5)


def test_roi_align_box_list_and_module():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 16, 16)).astype(np.float32)
    first, second = _rois(rng, 3, 1, 32, 32)[:, 1:], _rois(rng, 2, 1, 32, 32)[:, 1:]
    boxes = [yingshe.from_numpy(first.astype(np.float32)), yingshe.from_numpy(second.astype(np.float32))]
    ours = roi_align(yingshe.from_numpy(x), boxes, 5, spatial_scale=0.5)
    as_rows = np.concatenate([np.c_[np.zeros(3), first], np.c_[np.ones(2), second]]).astype(np.float32)
    expected = torch_roi_align(torch.from_numpy(x), torch.from_numpy(as_rows), 0.5, 5, 5, -1, False)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    layer = RoIAlign((5, 5), 0.5, -1)
    np.testing.assert_array_equal(layer(yingshe.from_numpy(x), boxes).numpy(), ours.numpy())
    assert "sampling_ratio=-1" in repr(layer)
    assert roi_align(yingshe.from_numpy(x), [yingshe.zeros((0, 4))], 3).shape == (0, 4, 3, 3)


@pytest.mark.parametrize("spatial_scale", [1.0, 0.5, 0.25])
def test_roi_pool_matches_kernel(spatial_scale):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 9))
    rois = _rois(rng, 8, 2, 8 / spatial_scale, 9 / spatial_scale, margin=3.0 / spatial_scale)
    rois[0, 1:] = [2.5, 1.5, 2.5, 1.5]  # rounds half away from zero to one cell
    expected, argmax = roi_pool_kernel(x, rois, spatial_scale, 3, 2)
    xt = yingshe.from_numpy(x).requires_grad_()
    out = roi_pool(xt, yingshe.from_numpy(rois), (3, 2), spatial_scale)
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    upstream = rng.standard_normal(out.shape)
    out.backward(yingshe.from_numpy(upstream))
    grad = np.zeros(x.shape)  # the kernel's backward: upstream to each bin's argmax
    for k, ch, p, q in np.ndindex(argmax.shape):
        if argmax[k, ch, p, q] >= 0:
            h, w = divmod(argmax[k, ch, p, q], x.shape[3])
            grad[int(rois[k, 0]), ch, h, w] += upstream[k, ch, p, q]
    np.testing.assert_allclose(xt.grad.numpy(), grad, rtol=1e-12, atol=1e-12)


def test_roi_pool_gradcheck_and_module():
    rng = np.random.default_rng(5)
    x = yingshe.from_numpy(rng.standard_normal((1, 2, 6, 7))).requires_grad_()
    rois = yingshe.from_numpy(_rois(rng, 3, 1, 6, 7, margin=1.0))
    assert gradcheck(lambda a: roi_pool(a, rois, (2, 3)), [x], eps=1e-6, atol=1e-6, rtol=1e-5)
    layer = RoIPool(2, 1.0)
    assert layer(x, rois).shape == (3, 2, 2, 2)
    assert "output_size=2" in repr(layer)


def test_float32_matches_float64():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 3, 10, 10))
    rois = _rois(rng, 5, 1, 10, 10, margin=2.0)
    for op in (lambda a, r: roi_align(a, r, 3, 1.0, 2, True), lambda a, r: roi_pool(a, r, 3)):
        single = op(yingshe.from_numpy(x.astype(np.float32)),
                    yingshe.from_numpy(rois.astype(np.float32)))
        double = op(yingshe.from_numpy(x), yingshe.from_numpy(rois))
        assert single.dtype == yingshe.float32
        np.testing.assert_allclose(single.numpy(), double.numpy(), rtol=1e-4, atol=1e-5)


def test_roi_bad_input():
    x = yingshe.zeros((2, 3, 8, 8))
    check_raises(lambda: roi_align(x, yingshe.zeros((4, 4)), 2), ValueError, "[K, 5]", "(4, 4)")
    check_raises(lambda: roi_align(x, [yingshe.zeros((4, 5))], 2), ValueError, "boxes[0]",
                 "(4, 5)")
    check_raises(lambda: roi_pool(x, yingshe.tensor([[2., 0, 0, 1, 1]]), 2), ValueError,
                 "batch indices", "[0, 1]")
    check_raises(lambda: roi_pool(x, yingshe.zeros((1, 5), dtype=yingshe.float64), 2), TypeError,
                 "float64", "float32")
    check_raises(lambda: roi_align(x[0], yingshe.zeros((1, 5)), 2), ValueError, "[N, C, H, W]")
    check_raises(lambda: roi_align(x, yingshe.zeros((1, 5)), (0, 2)), ValueError, "output_size")
