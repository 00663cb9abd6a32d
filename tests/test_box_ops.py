"""Box operations, NMS and the detection losses of ``yingshe.vision.ops`` against torchvision's
pure-Python implementations (values and gradients) and float64 finite differences."""
import numpy as np
import pytest
import torch

import yingshe
from benchmarks.nms import random_boxes, reference_nms
from helpers import check_op, check_raises
from torchvision_oracle import torchvision
from yingshe.vision import ops

tv_ops = torchvision.ops
tv_boxes = torchvision.ops.boxes


def _boxes(rng, shape, fmt="xyxy"):
    """Random valid boxes of ``shape + (4,)`` in ``fmt`` (sides 1..6 in a 10 x 10 image)."""
    corner = rng.uniform(0, 10, shape + (2,))
    size = rng.uniform(1, 6, shape + (2,))
    if fmt == "xywh":
        return np.concatenate([corner, size], -1)
    if fmt == "cxcywh":
        return np.concatenate([corner + size / 2, size], -1)
    return np.concatenate([corner, corner + size], -1)


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
@pytest.mark.parametrize("shapes", [((5,), (3,)), ((2, 4), (2, 3)), ((0,), (3,))])
def test_box_iou_and_area(fmt, shapes):
    rng = np.random.default_rng(1)
    a, b = _boxes(rng, shapes[0], fmt), _boxes(rng, shapes[1], fmt)
    check_op(lambda x, y: ops.box_iou(x, y, fmt=fmt), lambda x, y: tv_ops.box_iou(x, y, fmt=fmt),
             [a, b])
    check_op(lambda x: ops.box_area(x, fmt=fmt), lambda x: tv_ops.box_area(x, fmt=fmt), [a])


@pytest.mark.parametrize("shapes", [((5,), (3,)), ((2, 4), (2, 3))])
def test_generalized_box_iou(shapes):
    rng = np.random.default_rng(2)
    a, b = _boxes(rng, shapes[0]), _boxes(rng, shapes[1])
    out = check_op(ops.generalized_box_iou, tv_ops.generalized_box_iou, [a, b])[0].detach().numpy()
    assert (out >= -1).all() and (out <= 1).all()


def test_box_iou_known_values():
    a = yingshe.tensor([[0., 0., 2., 2.]])
    b = yingshe.tensor([[1., 1., 3., 3.], [0., 0., 2., 2.], [4., 4., 5., 5.]])
    np.testing.assert_allclose(ops.box_iou(a, b).numpy(), [[1 / 7, 1, 0]], rtol=1e-6)
    # GIoU of disjoint boxes: 0 - (25 - 5) / 25
    np.testing.assert_allclose(ops.generalized_box_iou(a, b).numpy(),
                               [[1 / 7 - 2 / 9, 1, -0.8]], rtol=1e-6)


def test_integer_boxes_upcast_like_torchvision():
    boxes = np.array([[0, 0, 3, 4], [1, 1, 5, 5]], np.int16)
    area = ops.box_area(yingshe.from_numpy(boxes))
    expected = tv_ops.box_area(torch.from_numpy(boxes))
    assert area.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_array_equal(area.numpy(), expected.numpy())
    iou = ops.box_iou(yingshe.from_numpy(boxes), yingshe.from_numpy(boxes))
    np.testing.assert_allclose(iou.numpy(), tv_ops.box_iou(torch.from_numpy(boxes),
                                                            torch.from_numpy(boxes)).numpy())


@pytest.mark.parametrize("in_fmt", ["xyxy", "xywh", "cxcywh"])
@pytest.mark.parametrize("out_fmt", ["xyxy", "xywh", "cxcywh"])
def test_box_convert(in_fmt, out_fmt):
    boxes = _boxes(np.random.default_rng(3), (2, 3), in_fmt)
    check_op(lambda x: ops.box_convert(x, in_fmt, out_fmt),
             lambda x: tv_ops.box_convert(x, in_fmt, out_fmt), [boxes])


def test_clip_and_remove_small_boxes():
    rng = np.random.default_rng(4)
    boxes = rng.uniform(-5, 15, (2, 6, 4))
    check_op(lambda x: ops.clip_boxes_to_image(x, (8, 12)),
             lambda x: tv_ops.clip_boxes_to_image(x, (8, 12)), [boxes])
    flat = np.sort(rng.uniform(0, 10, (20, 2, 2)), axis=1).transpose(0, 2, 1).reshape(20, 4)
    flat = flat[:, [0, 2, 1, 3]]  # x1 y1 x2 y2 from sorted pairs
    for min_size in (0.5, 2.0, 5.0):
        ours = ops.remove_small_boxes(yingshe.from_numpy(flat), min_size)
        theirs = tv_ops.remove_small_boxes(torch.from_numpy(flat), min_size)
        assert ours.dtype == yingshe.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9])
def test_nms_matches_reference_loop(threshold):
    boxes, scores = random_boxes(300, seed=5, image=200.0)
    keep = ops.nms(yingshe.from_numpy(boxes), yingshe.from_numpy(scores), threshold)
    assert keep.dtype == yingshe.int64
    assert keep.tolist() == reference_nms(boxes.astype(np.float64).tolist(), scores.tolist(),
                                          threshold)


def test_nms_edge_cases():
    empty = ops.nms(yingshe.zeros((0, 4)), yingshe.zeros(0), 0.5)
    assert empty.shape == (0,) and empty.dtype == yingshe.int64
    boxes = yingshe.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.],
                            [5., 5., 5., 5.]])
    scores = yingshe.tensor([0.9, 0.8, 0.7, 0.95])
    # the degenerate box has zero area: IoU 0 with everything, so it never suppresses
    assert ops.nms(boxes, scores, 0.5).tolist() == [3, 0, 2]
    check_raises(lambda: ops.nms(boxes, scores[:3], 0.5), ValueError, "scores", "N = 4")
    check_raises(lambda: ops.nms(boxes[:, :3], scores, 0.5), ValueError, "[..., 4]")


@pytest.mark.parametrize("count", [0, 1, 200, 5000])
def test_batched_nms_matches_torchvision(count, monkeypatch):
    """torchvision's batched_nms (both of its strategies) with the reference loop as ``nms``."""
    def torch_nms(boxes, scores, threshold):
        keep = reference_nms(boxes.double().tolist(), scores.tolist(), threshold)
        return torch.tensor(keep, dtype=torch.int64)

    monkeypatch.setattr(tv_boxes, "nms", torch_nms)
    boxes, scores = random_boxes(count, seed=6, image=300.0)
    idxs = np.random.default_rng(6).integers(0, 4, count)
    ours = ops.batched_nms(yingshe.from_numpy(boxes), yingshe.from_numpy(scores),
                           yingshe.from_numpy(idxs), 0.4).numpy()
    args = (torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(idxs), 0.4)
    if count <= 200:
        np.testing.assert_array_equal(ours, tv_boxes._batched_nms_coordinate_trick(*args).numpy())
    np.testing.assert_array_equal(ours, tv_boxes._batched_nms_vanilla(*args).numpy())


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_generalized_box_iou_loss(reduction):
    rng = np.random.default_rng(7)
    a, b = _boxes(rng, (6,)), _boxes(rng, (6,))
    b[1] = a[1] + [20, 20, 20, 20]  # disjoint pair: loss > 1
    out = check_op(lambda x, y: ops.generalized_box_iou_loss(x, y, reduction),
                   lambda x, y: tv_ops.generalized_box_iou_loss(x, y, reduction), [a, b])[0]
    if reduction == "none":
        assert float(out[1]) > 1
    same = ops.generalized_box_iou_loss(yingshe.from_numpy(a), yingshe.from_numpy(a), reduction)
    assert np.abs(same.numpy()).max() < 1e-6
    empty = ops.generalized_box_iou_loss(yingshe.zeros((0, 4)), yingshe.zeros((0, 4)), "mean")
    assert float(empty) == 0.0


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2), (-1, 0), (0.5, 1.5)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sigmoid_focal_loss(alpha, gamma, reduction):
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((3, 5)) * 3
    targets = (rng.uniform(size=(3, 5)) < 0.3).astype(np.float64)
    check_op(lambda x, t: ops.sigmoid_focal_loss(x, t, alpha, gamma, reduction),
             lambda x, t: tv_ops.sigmoid_focal_loss(x, t, alpha, gamma, reduction),
             [logits, targets], requires_grad=[True, False])


def test_loss_bad_input():
    check_raises(lambda: ops.sigmoid_focal_loss(yingshe.zeros(3), yingshe.zeros(3), alpha=2),
                 ValueError, "alpha", "2")
    check_raises(lambda: ops.generalized_box_iou_loss(yingshe.zeros((2, 4)), yingshe.zeros((3, 4))),
                 ValueError, "(2, 4)", "(3, 4)")
    check_raises(lambda: ops.box_convert(yingshe.zeros((2, 4)), "xyxy", "yxyx"), ValueError,
                 "yxyx")
    check_raises(lambda: ops.box_iou(yingshe.zeros((2, 3)), yingshe.zeros((2, 4))), ValueError,
                 "boxes1", "(2, 3)")
