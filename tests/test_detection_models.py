"""The detectors' building blocks against torchvision's pure-Python ones (box coder, matchers,
anchor and default-box generators, the SSD and Fast R-CNN losses), and the models' interface:
losses in training mode, boxes/scores/labels in eval mode, images without objects, and clear
errors for bad targets."""
import types

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision
from yingshe.vision.models import resnet18
from yingshe.vision.models.detection import (
    SSD,
    YOLO,
    AnchorGenerator,
    BoxCoder,
    DefaultBoxGenerator,
    FasterRCNN,
    ImageList,
    Matcher,
    SSDMatcher,
    resnet_detection_backbone,
)
from yingshe.vision.models.detection.faster_rcnn import fastrcnn_loss
from yingshe.vision.models.detection.yolo import kmeans_anchors

tv_det = torchvision.models.detection


def _boxes(rng, n, size=64.0):
    corner = rng.uniform(0, size * 0.7, (n, 2))
    return np.concatenate([corner, corner + rng.uniform(4, size * 0.3, (n, 2))], 1).astype(
        np.float32)


def _t(array):
    return yingshe.from_numpy(np.ascontiguousarray(array))


def test_box_coder_matches_torchvision():
    rng = np.random.default_rng(0)
    gt, anchors = _boxes(rng, 20), _boxes(rng, 20)
    codes = rng.normal(0, 1, (20, 8)).astype(np.float32)
    ours, theirs = BoxCoder((10.0, 10.0, 5.0, 5.0)), tv_det._utils.BoxCoder((10.0, 10.0, 5.0, 5.0))
    np.testing.assert_allclose(ours.encode_single(_t(gt), _t(anchors)).numpy(),
                               theirs.encode_single(torch.tensor(gt), torch.tensor(anchors)),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.decode_single(_t(codes), _t(anchors)).numpy(),
                               theirs.decode_single(torch.tensor(codes), torch.tensor(anchors)),
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        ours.decode(_t(codes), [_t(anchors[:8]), _t(anchors[8:])]).numpy(),
        theirs.decode(torch.tensor(codes), [torch.tensor(anchors[:8]),
                                            torch.tensor(anchors[8:])]), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("low_quality", [False, True])
def test_matchers_match_torchvision(low_quality):
    rng = np.random.default_rng(1)
    quality = rng.uniform(0, 1, (5, 40)).astype(np.float32)
    ours = Matcher(0.7, 0.3, low_quality)(_t(quality)).numpy()
    theirs = tv_det._utils.Matcher(0.7, 0.3, low_quality)(torch.tensor(quality)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(SSDMatcher(0.5)(_t(quality)).numpy(),
                                  tv_det._utils.SSDMatcher(0.5)(torch.tensor(quality)).numpy())
    check_raises(lambda: Matcher(0.5, 0.4)(_t(quality[:0])), ValueError, "no ground-truth boxes")


def test_anchor_generators_match_torchvision():
    images = torch.zeros(2, 1, 64, 48)
    features = [torch.zeros(2, 4, 16, 12), torch.zeros(2, 4, 8, 6)]
    ours_list = ImageList(yingshe.zeros(2, 1, 64, 48), [(64, 48)] * 2)
    our_features = [yingshe.zeros(2, 4, 16, 12), yingshe.zeros(2, 4, 8, 6)]
    tv_list = tv_det.image_list.ImageList(images, [(64, 48)] * 2)
    sizes, ratios = ((8, 16), (24, 40)), ((0.5, 1.0, 2.0),) * 2
    ours = AnchorGenerator(sizes, ratios)(ours_list, our_features)
    theirs = tv_det.anchor_utils.AnchorGenerator(sizes, ratios)(tv_list, features)
    np.testing.assert_allclose(ours[1].numpy(), theirs[1].numpy())
    ours = DefaultBoxGenerator([[2], [2, 3]], 0.2, 0.8)(ours_list, our_features)
    theirs = tv_det.anchor_utils.DefaultBoxGenerator([[2], [2, 3]], 0.2, 0.8)(tv_list, features)
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), rtol=1e-5, atol=1e-4)


def test_ssd_loss_matches_torchvision():
    """Matching, hard negative mining 3:1, smooth-L1 and cross-entropy: the same numbers as
    torchvision's SSD.compute_loss on the same head outputs."""
    rng = np.random.default_rng(2)
    anchors = _boxes(rng, 60)
    targets = [(_boxes(rng, 3), np.array([1, 2, 3])), (_boxes(rng, 1), np.array([2]))]
    regression = rng.normal(0, 1, (2, 60, 4)).astype(np.float32)
    logits = rng.normal(0, 1, (2, 60, 4)).astype(np.float32)
    ours_model = types.SimpleNamespace(box_coder=BoxCoder((10.0, 10.0, 5.0, 5.0)),
                                       neg_to_pos_ratio=3.0)
    theirs_model = types.SimpleNamespace(box_coder=tv_det._utils.BoxCoder((10.0, 10.0, 5.0, 5.0)),
                                         neg_to_pos_ratio=3.0)
    matched = [SSDMatcher(0.5)(yingshe.vision.ops.box_iou(_t(b), _t(anchors)))
               for b, _ in targets]
    ours = SSD.compute_loss(
        types.SimpleNamespace(**vars(ours_model), _hardest_negatives=lambda loss, fg:
                              SSD._hardest_negatives(ours_model, loss, fg)),
        [{"boxes": _t(b), "labels": _t(lab)} for b, lab in targets],
        {"bbox_regression": _t(regression), "cls_logits": _t(logits)}, [_t(anchors)] * 2,
        matched)
    theirs = tv_det.ssd.SSD.compute_loss(
        theirs_model, [{"boxes": torch.tensor(b), "labels": torch.tensor(lab)}
                       for b, lab in targets],
        {"bbox_regression": torch.tensor(regression), "cls_logits": torch.tensor(logits)},
        [torch.tensor(anchors)] * 2, [torch.tensor(m.numpy()) for m in matched])
    for key in theirs:
        np.testing.assert_allclose(ours[key].item(), theirs[key].item(), rtol=1e-5)


def test_fastrcnn_loss_matches_torchvision():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 1, (12, 4)).astype(np.float32)
    regression = rng.normal(0, 1, (12, 16)).astype(np.float32)
    labels = [np.array([0, 1, 2, 0, 3, 0], np.int64), np.array([1, 0, 0, 2, 0, 0], np.int64)]
    targets = [rng.normal(0, 1, (6, 4)).astype(np.float32) for _ in range(2)]
    ours = fastrcnn_loss(_t(logits), _t(regression), [_t(lab) for lab in labels],
                         [_t(t) for t in targets])
    theirs = tv_det.roi_heads.fastrcnn_loss(torch.tensor(logits), torch.tensor(regression),
                                            [torch.tensor(lab) for lab in labels],
                                            [torch.tensor(t) for t in targets])
    np.testing.assert_allclose(ours["loss_classifier"].item(), theirs[0].item(), rtol=1e-5)
    np.testing.assert_allclose(ours["loss_box_reg"].item(), theirs[1].item(), rtol=1e-5)


def test_yolo_coordinate_losses():
    """The box term of one responsible prediction with t = 0 (box centred in cell (1, 1) of
    stride 8, anchor 10 x 12: [7, 6, 17, 18]): YOLO's squared errors of offset and log-scale,
    or 1 - GIoU against torchvision's generalized_box_iou."""
    model = _detectors()["yolo-giou"]
    chosen = yingshe.zeros(1, 5 + 3, requires_grad=True)
    cells, strides = np.array([[1.0, 1.0]], np.float32), np.array([[8.0, 8.0]], np.float32)
    shapes = np.array([[10.0, 12.0]], np.float32)
    exact, shifted = [[7.0, 6.0, 17.0, 18.0]], [[9.0, 5.0, 21.0, 17.0]]
    loss = model._coordinate_loss(chosen, yingshe.tensor(exact), cells, strides, shapes)
    assert abs(loss.item()) < 1e-6
    loss = model._coordinate_loss(chosen, yingshe.tensor(shifted), cells, strides, shapes)
    giou = torchvision.ops.generalized_box_iou(torch.tensor(exact), torch.tensor(shifted))
    np.testing.assert_allclose(loss.item(), 1 - giou.item(), rtol=1e-5)
    loss.backward()
    assert np.abs(chosen.grad.numpy()[0, :4]).sum() > 0 and not chosen.grad.numpy()[0, 4:].any()
    model.box_loss = "mse"  # centre (15, 11): offsets (0.875, 0.375); size 12 x 12 on 10 x 12
    loss = model._coordinate_loss(chosen, yingshe.tensor(shifted), cells, strides, shapes)
    expected = (0.5 - 0.875) ** 2 + (0.5 - 0.375) ** 2 + np.log(12 / 10) ** 2
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-5)
    check_raises(lambda: YOLO(model.backbone, model.anchors, (32, 32), 4, box_loss="iou"),
                 ValueError, "box_loss must be one of ('mse', 'giou'), got 'iou'")


def test_kmeans_anchors_cluster_box_shapes():
    rng = np.random.default_rng(4)
    wh = np.concatenate([rng.normal(10, 0.5, (50, 2)), rng.normal(30, 1, (50, 2))])
    shapes = kmeans_anchors(wh, 2)
    np.testing.assert_allclose(shapes, [[10, 10], [30, 30]], atol=1.0)
    check_raises(lambda: kmeans_anchors(wh[:2], 3), ValueError, "cannot make 3 clusters")


def _detectors():
    def backbone(layers, extra=0):
        return resnet_detection_backbone(resnet18(in_channels=1, small_input=True,
                                                  width_mult=0.125), layers, extra)
    common = {"image_mean": [0.1], "image_std": [0.3]}
    return {
        "ssd": SSD(backbone((3, 4), 1), DefaultBoxGenerator([[2]] * 3, 0.2, 0.6), (32, 32), 4,
                   **common),
        "yolo": YOLO(backbone((3, 4)), [[(6, 6), (10, 12)], [(14, 14), (20, 20)]], (32, 32), 4,
                     **common),
        "yolo-giou": YOLO(backbone((3, 4)), [[(6, 6), (10, 12)], [(14, 14), (20, 20)]],
                          (32, 32), 4, box_loss="giou", **common),
        "faster-rcnn": FasterRCNN(backbone((3,)), 4, (32, 32), anchor_sizes=(6, 10, 16),
                                  **common),
    }


@pytest.mark.parametrize("name", ["ssd", "yolo", "yolo-giou", "faster-rcnn"])
def test_interface_and_images_without_objects(name):
    """Training mode gives finite losses that backpropagate, also for an image without
    objects; eval mode gives torchvision's dicts with boxes inside the image."""
    yingshe.manual_seed(0)
    model = _detectors()[name]
    images = [yingshe.rand(1, 32, 32), yingshe.rand(1, 40, 36)]  # resized to (32, 32)
    targets = [{"boxes": yingshe.tensor([[4.0, 5.0, 14.0, 17.0]]), "labels": yingshe.tensor([2])},
               {"boxes": yingshe.zeros((0, 4)), "labels": yingshe.zeros(0, dtype=yingshe.int64)}]
    losses = model(images, targets)
    loss = sum(losses.values())
    assert np.isfinite(loss.item()) and all(v.ndim == 0 for v in losses.values())
    loss.backward()
    assert any(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0
               for p in model.parameters())
    model.eval()
    detections = model(images)
    assert len(detections) == 2
    for found, image in zip(detections, images):
        assert set(found) == {"boxes", "scores", "labels"}
        boxes = found["boxes"].numpy()
        assert boxes.shape[1:] == (4,) and len(boxes) == len(found["labels"])
        assert (boxes[:, 2] <= image.shape[2] + 1e-4).all() and (boxes >= 0).all()
        assert ((found["labels"].numpy() >= 1) & (found["labels"].numpy() <= 3)).all()


@pytest.mark.parametrize("target, message", [
    ({"boxes": yingshe.tensor([[4.0, 5.0, 4.0, 17.0]]), "labels": yingshe.tensor([1])},
     "target 0: box 0 [4.0, 5.0, 4.0, 17.0] is not finite with x1 < x2 and y1 < y2"),
    ({"boxes": yingshe.tensor([[4.0, 5.0, 10.0, 17.0]]), "labels": yingshe.tensor([7])},
     "target 0: box 0 [4.0, 5.0, 10.0, 17.0] has label 7, outside 1..3"),
    ({"boxes": yingshe.tensor([4.0, 5.0, 10.0, 17.0]), "labels": yingshe.tensor([1])},
     "boxes must be [N, 4] and labels [N], got (4,)"),
    ({"boxes": yingshe.tensor([[4, 5, 10, 17]]), "labels": yingshe.tensor([1])},
     "boxes must be a float Tensor"),
    ({"boxes": yingshe.tensor([[4.0, 5.0, 10.0, 17.0]])}, "a dict with 'boxes' and 'labels'"),
])
def test_bad_targets_are_named(target, message):
    model = _detectors()["ssd"]
    check_raises(lambda: model([yingshe.rand(1, 32, 32)], [target]), ValueError, message)


def test_wrong_image_shape_is_named():
    model = _detectors()["yolo"]
    target = {"boxes": yingshe.tensor([[1.0, 1.0, 9.0, 9.0]]), "labels": yingshe.tensor([1])}
    check_raises(lambda: model([yingshe.rand(3, 32, 32)], [target]), ValueError,
                 "image 0 has shape (3, 32, 32)")
