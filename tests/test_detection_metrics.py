"""MeanAveragePrecision against pycocotools' COCOeval on the same detections: random ones
(all area ranges, score ties, crowd boxes), realistic ones (jittered BCCD test boxes), empty
predictions, empty targets and classes missing from the predictions."""
import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

import yingshe
from helpers import check_raises
from yingshe.vision.datasets import parse_voc_annotation
from yingshe.vision.metrics import MeanAveragePrecision

KEYS = ["map", "map_50", "map_75", "map_small", "map_medium", "map_large", "mar_1", "mar_10",
        "mar_100", "mar_small", "mar_medium", "mar_large"]


def coco_reference(preds, targets):
    """pycocotools' 12 summary numbers and per-class (AP, AR@100) for the same detections."""
    labels = np.concatenate([np.asarray(d["labels"]) for d in preds + targets])
    classes = sorted(set(labels.tolist()))
    annotations = []
    for i, t in enumerate(targets):
        crowd = t.get("iscrowd", np.zeros(len(t["labels"]), int))
        for (x1, y1, x2, y2), label, is_crowd in zip(t["boxes"], t["labels"], crowd):
            annotations.append({"id": len(annotations) + 1, "image_id": i, "iscrowd": int(is_crowd),
                                "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1),
                                "category_id": int(label)})
    detections = [{"image_id": i, "bbox": [x1, y1, x2 - x1, y2 - y1], "score": float(s),
                   "category_id": int(label)}
                  for i, p in enumerate(preds)
                  for (x1, y1, x2, y2), s, label in zip(p["boxes"], p["scores"], p["labels"])]
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": [{"id": i} for i in range(len(targets))],
                         "annotations": annotations, "categories": [{"id": c} for c in classes]}
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(detections), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    precision, recall = evaluation.eval["precision"], evaluation.eval["recall"]

    def mean(values):
        return values[values > -1].mean() if (values > -1).any() else -1.0

    per_class = [(mean(precision[:, :, k, 0, -1]), mean(recall[:, k, 0, -1]))
                 for k in range(len(classes))]
    return dict(zip(KEYS, evaluation.stats)), per_class, classes


def ours(preds, targets, **kwargs):
    metric = MeanAveragePrecision(class_metrics=True, **kwargs)
    half = len(preds) // 2  # two updates: the state accumulates
    metric.update(preds[:half], targets[:half])
    metric.update(preds[half:], targets[half:])
    return metric.compute()


def assert_matches_coco(preds, targets):
    result = ours(preds, targets)
    expected, per_class, classes = coco_reference(preds, targets)
    for key in KEYS:
        assert result[key].dtype == yingshe.float32
        np.testing.assert_allclose(float(result[key]), expected[key], rtol=1e-6, atol=1e-7,
                                   err_msg=key)
    np.testing.assert_array_equal(result["classes"].numpy(), classes)
    np.testing.assert_allclose(result["map_per_class"].numpy(), [p for p, _ in per_class],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(result["mar_100_per_class"].numpy(), [r for _, r in per_class],
                               rtol=1e-6, atol=1e-7)
    return result


def random_scene(rng, n_images=24, n_classes=4, score_decimals=None, crowd=False):
    """Ground truth at every COCO area scale, detections that jitter, miss, mislabel and invent
    boxes; some images without ground truth or without detections."""
    preds, targets = [], []
    for i in range(n_images):
        n_gt = 0 if i % 7 == 3 else int(rng.integers(1, 9))
        corner = rng.uniform(0, 300, (n_gt, 2))
        side = np.exp(rng.uniform(np.log(4), np.log(200), (n_gt, 2)))
        boxes = np.concatenate([corner, corner + side], 1)
        labels = rng.integers(0, n_classes, n_gt)
        target = {"boxes": boxes, "labels": labels}
        if crowd:
            target["iscrowd"] = (rng.uniform(size=n_gt) < 0.2).astype(int)
        targets.append(target)
        if i % 5 == 2:
            preds.append({"boxes": np.zeros((0, 4)), "scores": np.zeros(0),
                          "labels": np.zeros(0, int)})
            continue
        found = rng.uniform(size=n_gt) < 0.8
        jitter = rng.normal(0, 0.08, (n_gt, 4)) * np.tile(side, 2)
        det = (boxes + jitter)[found]
        det_labels = np.where(rng.uniform(size=n_gt) < 0.1, rng.integers(0, n_classes, n_gt),
                              labels)[found]
        n_fp = int(rng.integers(0, 6))
        fp_corner = rng.uniform(0, 300, (n_fp, 2))
        fp = np.concatenate([fp_corner, fp_corner + rng.uniform(5, 150, (n_fp, 2))], 1)
        det = np.concatenate([det, fp, det[:2] + 3])  # duplicates of found boxes
        det_labels = np.concatenate([det_labels, rng.integers(0, n_classes, n_fp), det_labels[:2]])
        scores = rng.uniform(size=len(det))
        if score_decimals is not None:
            scores = np.round(scores, score_decimals)
        preds.append({"boxes": det, "scores": scores, "labels": det_labels})
    return preds, targets


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_detections_match_pycocotools(seed):
    assert_matches_coco(*random_scene(np.random.default_rng(seed)))


def test_score_ties_and_crowd_boxes_match_pycocotools():
    preds, targets = random_scene(np.random.default_rng(3), score_decimals=1, crowd=True)
    assert_matches_coco(preds, targets)


def test_many_detections_per_image_are_capped_like_pycocotools():
    rng = np.random.default_rng(4)
    preds, targets = random_scene(rng, n_images=6, n_classes=2)
    for p in preds:  # 150 detections of one class in an image: maxDets 100 applies
        extra = rng.uniform(0, 300, (150, 2))
        p["boxes"] = np.concatenate([p["boxes"], np.concatenate([extra, extra + 40], 1)])
        p["scores"] = np.concatenate([p["scores"], rng.uniform(size=150)])
        p["labels"] = np.concatenate([p["labels"], np.zeros(150, int)])
    assert_matches_coco(preds, targets)


def test_class_missing_in_preds_and_class_only_in_preds():
    preds, targets = random_scene(np.random.default_rng(5), n_classes=3)
    for p in preds:
        p["labels"] = np.where(p["labels"] == 2, 7, p["labels"])  # class 2 never predicted
    result = assert_matches_coco(preds, targets)
    classes = result["classes"].numpy().tolist()
    assert classes == [0, 1, 2, 7]
    assert float(result["map_per_class"][2]) == 0.0  # ground truth, no detections
    assert float(result["map_per_class"][3]) == -1.0  # detections, no ground truth


def test_realistic_bccd_detections_match_pycocotools():
    folder = Path(os.environ.get("YINGSHE_DATA", "data")) / "bccd" / "BCCD"
    names = (folder / "ImageSets" / "Main" / "test.txt").read_text().split()[:30]
    classes = ("RBC", "WBC", "Platelets")
    rng = np.random.default_rng(6)
    preds, targets = [], []
    for name in names:
        _, objects = parse_voc_annotation(folder / "Annotations" / f"{name}.xml")
        boxes = np.array([box for _, box in objects], np.float64)
        labels = np.array([classes.index(label) for label, _ in objects])
        targets.append({"boxes": boxes, "labels": labels})
        size = np.tile(boxes[:, 2:] - boxes[:, :2], 2)
        det = boxes + rng.normal(0, 0.07, boxes.shape) * size
        scores = np.clip(0.9 - 0.3 * rng.uniform(size=len(det)) + 0.1 * (labels == 1), 0, 1)
        keep = rng.uniform(size=len(det)) < 0.85
        preds.append({"boxes": det[keep], "scores": scores[keep], "labels": labels[keep]})
    result = assert_matches_coco(preds, targets)
    assert 0.3 < float(result["map"]) < float(result["map_50"]) <= 1


def test_perfect_empty_and_missing_cases():
    boxes = np.array([[10.0, 10, 50, 60], [100, 100, 300, 250]])
    target = [{"boxes": boxes, "labels": np.array([0, 1])}]
    perfect = ours([{"boxes": boxes, "scores": np.array([0.9, 0.8]), "labels": np.array([0, 1])}],
                   target)
    assert float(perfect["map"]) == pytest.approx(1.0) and float(perfect["map_small"]) == -1.0
    no_preds = ours([{"boxes": np.zeros((0, 4)), "scores": np.zeros(0),
                      "labels": np.zeros(0, int)}] * 2, target * 2)
    assert float(no_preds["map"]) == 0.0 and float(no_preds["mar_100"]) == 0.0
    no_targets = ours([{"boxes": boxes, "scores": np.array([0.9, 0.8]), "labels": np.array([0, 1])}],
                      [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0, int)}])
    assert float(no_targets["map"]) == -1.0 and float(no_targets["mar_100"]) == -1.0
    metric = MeanAveragePrecision()
    assert float(metric.compute()["map"]) == -1.0
    assert float(metric.compute()["map_per_class"]) == -1.0


def test_box_formats_and_tensor_inputs():
    preds, targets = random_scene(np.random.default_rng(7), n_images=6)
    expected = ours(preds, targets)

    def as_tensors(items, convert):
        return [{k: yingshe.tensor(convert(v) if k == "boxes" else v) for k, v in d.items()}
                for d in items]

    def to_cxcywh(b):
        return np.concatenate([(b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]], 1)

    got = ours(as_tensors(preds, to_cxcywh), as_tensors(targets, to_cxcywh), box_format="cxcywh")
    for key in KEYS:
        np.testing.assert_allclose(float(got[key]), float(expected[key]), rtol=1e-5, err_msg=key)


def test_bad_input():
    metric = MeanAveragePrecision()
    check_raises(lambda: metric.update([{"boxes": np.zeros((1, 4)), "labels": [0]}],
                                       [{"boxes": np.zeros((1, 4)), "labels": [0]}]),
                 ValueError, "preds[0]", "scores")
    check_raises(lambda: metric.update([], [{"boxes": np.zeros((1, 4)), "labels": [0]}]),
                 ValueError, "0 predictions for 1 targets")
    check_raises(lambda: metric.update([{"boxes": np.zeros((2, 4)), "scores": [1.0],
                                         "labels": [0, 0]}], [{"boxes": np.zeros((0, 4)),
                                                               "labels": []}]),
                 ValueError, "2 boxes", "1 scores")
    check_raises(lambda: MeanAveragePrecision(box_format="yxyx"), ValueError, "yxyx")
