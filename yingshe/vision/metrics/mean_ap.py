"""COCO mean average precision of box detections (Lin et al. 2014, "Microsoft COCO: Common
Objects in Context", §5 and the COCO detection evaluation; the procedure of pycocotools'
``COCOeval``), with torchmetrics' ``MeanAveragePrecision`` interface.

For each class, image and IoU threshold t in 0.50, 0.55, ..., 0.95, detections are visited by
decreasing score (at most ``max_det`` per image and class) and each is matched to the unmatched
ground-truth box of highest IoU >= t (crowd boxes may match many detections and, like boxes
outside the area range being evaluated, are "ignored": matching one neither helps nor hurts).
Over all images, the running precision and recall of the score-sorted detections give the
precision envelope p(r) = max_{r' >= r} precision(r'), read at the 101 recall points
r = 0, 0.01, ..., 1:

    AP_t = 1/101 sum_r p(r),      mAP = mean over classes and thresholds of AP_t

and the recall AR = mean over classes and thresholds of the final recall.  Classes without
ground truth are left out of the means (-1 when nothing is left)."""
import numpy as np

from ... import _dtype
from ..._tensor import Tensor
from ...ops.creation import tensor

__all__ = ["MeanAveragePrecision"]

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
REC_THRESHOLDS = np.linspace(0.0, 1.00, 101)
AREA_RANGES = {"all": (0.0, 1e10), "small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2),
               "large": (96.0 ** 2, 1e10)}


def _numpy(value, dtype):
    data = value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
    return data.astype(dtype, copy=False)


def _to_xyxy(boxes, box_format):
    if box_format == "xywh":
        return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], 1)
    if box_format == "cxcywh":
        return np.concatenate([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], 1)
    return boxes


def _coco_iou(dt, gt, crowd):
    """pycocotools' ``bbIou`` on ``xywh`` boxes: inter / union, union = the detection's own
    area against a crowd box.  ``[D, G]``."""
    dx, dy, dw, dh = (dt[:, None, j] for j in range(4))
    gx, gy, gw, gh = (gt[None, :, j] for j in range(4))
    w = np.minimum(dx + dw, gx + gw) - np.maximum(dx, gx)
    h = np.minimum(dy + dh, gy + gh) - np.maximum(dy, gy)
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    union = np.where(crowd[None, :], dw * dh, dw * dh + gw * gh - inter)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _match(ious, gt_ignore, crowd, thresholds):
    """COCOeval's greedy matching for all IoU thresholds at once.  ``ious`` ``[D, G]`` (detections
    by decreasing score, ground truth with the ignored boxes last).  Each detection takes the
    available ground truth of highest IoU >= t (the last one on ties, as pycocotools' loop),
    looking at ignored boxes only when no regular one qualifies.  Returns (matched, matched to
    an ignored box), ``[T, D]`` each."""
    n_dt, n_gt = ious.shape
    limit = np.minimum(thresholds, 1 - 1e-10)[:, None]
    taken = np.zeros((len(thresholds), n_gt), bool)
    matched = np.zeros((len(thresholds), n_dt), bool)
    ignored = np.zeros((len(thresholds), n_dt), bool)
    rows = np.arange(len(thresholds))
    for d in range(n_dt if n_gt else 0):
        eligible = (~taken | crowd) & (ious[d] >= limit)
        choice = np.full(len(thresholds), -1)
        for group in (~gt_ignore, gt_ignore):
            candidates = eligible & group & (choice < 0)[:, None]
            scores = np.where(candidates, ious[d], -1.0)[:, ::-1]
            best = n_gt - 1 - scores.argmax(axis=1)
            choice = np.where(candidates.any(axis=1), best, choice)
        found = choice >= 0
        taken[rows[found], choice[found]] = True
        matched[found, d] = True
        ignored[found, d] = gt_ignore[choice[found]]
    return matched, ignored


class MeanAveragePrecision:
    """COCO mean average precision of box detections (torchmetrics' ``MeanAveragePrecision``,
    computed as pycocotools' ``COCOeval``; Lin et al. 2014, "Microsoft COCO", §5):

        AP_t = 1/101 sum_{r in 0, 0.01, ..., 1} max_{r' >= r} precision(r'),
        mAP = mean over classes and IoU thresholds t in 0.50, 0.55, ..., 0.95 of AP_t

    (the module docstring describes the matching).  ``update(preds, target)``: lists (one item
    per image) of dicts; ``preds`` with ``boxes`` ``[N, 4]``, ``scores`` ``[N]``, ``labels``
    ``[N]``; ``target`` with ``boxes``, ``labels`` and optionally ``iscrowd`` and ``area``
    (default: the box area).  ``compute()`` returns a dict of float32 scalar Tensors ``map``,
    ``map_50``, ``map_75``, ``map_small``, ``map_medium``, ``map_large``, ``mar_1``, ``mar_10``,
    ``mar_100``, ``mar_small``, ``mar_medium``, ``mar_large`` (the last max_detection_threshold
    names the mar keys), ``map_per_class`` and ``mar_100_per_class`` (per class with
    ``class_metrics=True``, else -1) and ``classes`` (int32, the classes seen in preds or
    targets); -1 marks a value without ground truth.

    Shape:
        per image: preds boxes ``(N, 4)`` in ``box_format``, scores ``(N,)``, labels ``(N,)``;
        target boxes ``(M, 4)``, labels ``(M,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.metrics import MeanAveragePrecision
        >>> metric = MeanAveragePrecision()
        >>> preds = [{"boxes": yingshe.tensor([[0., 0., 10., 10.], [20., 20., 30., 30.]]),
        ...           "scores": yingshe.tensor([0.9, 0.6]), "labels": yingshe.tensor([1, 1])}]
        >>> target = [{"boxes": yingshe.tensor([[0., 0., 10., 9.]]), "labels": yingshe.tensor([1])}]
        >>> metric.update(preds, target)
        >>> result = metric.compute()
        >>> result["map_50"], result["map"]  # IoU 0.9: a hit at 9 of the 10 thresholds
        (tensor(1.), tensor(0.9000))
    """

    def __init__(self, box_format="xyxy", iou_type="bbox", iou_thresholds=None,
                 rec_thresholds=None, max_detection_thresholds=None, class_metrics=False):
        if box_format not in ("xyxy", "xywh", "cxcywh"):
            raise ValueError(f"MeanAveragePrecision: box_format must be 'xyxy', 'xywh' or "
                             f"'cxcywh', got {box_format!r}")
        if iou_type != "bbox":
            raise ValueError(f"MeanAveragePrecision: only iou_type='bbox' is supported, got "
                             f"{iou_type!r}")
        self.box_format, self.iou_type, self.class_metrics = box_format, iou_type, class_metrics
        self.iou_thresholds = np.asarray(IOU_THRESHOLDS if iou_thresholds is None
                                         else iou_thresholds, np.float64)
        self.rec_thresholds = np.asarray(REC_THRESHOLDS if rec_thresholds is None
                                         else rec_thresholds, np.float64)
        self.max_detection_thresholds = sorted(max_detection_thresholds or [1, 10, 100])
        self.reset()

    def reset(self):
        """Forget every image seen so far."""
        self.detections, self.groundtruths = [], []

    def update(self, preds, target):
        """Add one batch: ``preds`` and ``target`` are lists of dicts, one per image."""
        if not isinstance(preds, (list, tuple)) or not isinstance(target, (list, tuple)):
            raise ValueError("MeanAveragePrecision.update: preds and target must be lists of "
                             "dicts (one per image)")
        if len(preds) != len(target):
            raise ValueError(f"MeanAveragePrecision.update: {len(preds)} predictions for "
                             f"{len(target)} targets")
        for index, (pred, truth) in enumerate(zip(preds, target)):
            self.detections.append(self._read(pred, "preds", index, ("boxes", "scores", "labels")))
            self.groundtruths.append(self._read(truth, "target", index, ("boxes", "labels")))

    def _read(self, item, name, index, keys):
        missing = [k for k in keys if k not in item]
        if missing:
            raise ValueError(f"MeanAveragePrecision.update: {name}[{index}] lacks {missing}")
        boxes = _numpy(item["boxes"], np.float64)
        boxes = boxes.reshape(-1, 4) if boxes.size == 0 else boxes
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(f"MeanAveragePrecision.update: {name}[{index}]['boxes'] must be "
                             f"[N, 4], got {boxes.shape}")
        boxes = _to_xyxy(boxes, self.box_format)
        labels = _numpy(item["labels"], np.int64)
        record = {"xywh": np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], 1),
                  "labels": labels.reshape(-1)}
        count = len(boxes)
        if "scores" in keys:
            record["scores"] = _numpy(item["scores"], np.float64).reshape(-1)
        else:
            crowd = item.get("iscrowd")
            record["crowd"] = (np.zeros(count, bool) if crowd is None
                               else _numpy(crowd, bool).reshape(-1))
            area = item.get("area")
            record["area"] = (record["xywh"][:, 2] * record["xywh"][:, 3] if area is None
                              else _numpy(area, np.float64).reshape(-1))
        for key, value in record.items():
            if len(value) != count:
                raise ValueError(f"MeanAveragePrecision.update: {name}[{index}] has {count} boxes "
                                 f"but {len(value)} {key}")
        return record

    def _evaluate_image(self, det, gt, label):
        """Per area range: (scores, matched [T, D], ignored [T, D], gt ignored [G]) of one
        image and class, or None when it has neither detections nor ground truth."""
        d_sel, g_sel = det["labels"] == label, gt["labels"] == label
        if not d_sel.any() and not g_sel.any():
            return None
        order = np.argsort(-det["scores"][d_sel], kind="mergesort")
        order = order[:self.max_detection_thresholds[-1]]
        d_boxes, scores = det["xywh"][d_sel][order], det["scores"][d_sel][order]
        g_boxes, crowd, g_area = gt["xywh"][g_sel], gt["crowd"][g_sel], gt["area"][g_sel]
        ious = _coco_iou(d_boxes, g_boxes, crowd)
        d_area = d_boxes[:, 2] * d_boxes[:, 3]
        results = {}
        for name, (low, high) in AREA_RANGES.items():
            g_ignore = crowd | (g_area < low) | (g_area > high)
            g_order = np.argsort(g_ignore, kind="mergesort")
            matched, ignored = _match(ious[:, g_order], g_ignore[g_order], crowd[g_order],
                                      self.iou_thresholds)
            ignored |= ~matched & ((d_area < low) | (d_area > high))[None, :]
            results[name] = (scores, matched, ignored, g_ignore)
        return results

    def _accumulate(self, evaluations, max_det):
        """(precision [T, R], recall [T]) of one class and area range, or None without
        ground truth that counts."""
        if not evaluations:
            return None
        scores = np.concatenate([e[0][:max_det] for e in evaluations])
        order = np.argsort(-scores, kind="mergesort")
        matched = np.concatenate([e[1][:, :max_det] for e in evaluations], axis=1)[:, order]
        ignored = np.concatenate([e[2][:, :max_det] for e in evaluations], axis=1)[:, order]
        n_positive = int(np.count_nonzero(~np.concatenate([e[3] for e in evaluations])))
        if n_positive == 0:
            return None
        tp = np.cumsum(matched & ~ignored, axis=1, dtype=np.float64)
        fp = np.cumsum(~matched & ~ignored, axis=1, dtype=np.float64)
        n_thresholds, n_dt = tp.shape
        precision = np.zeros((n_thresholds, len(self.rec_thresholds)))
        if n_dt == 0:
            return precision, np.zeros(n_thresholds)
        recall_curve = tp / n_positive
        precision_curve = tp / (fp + tp + np.spacing(1))
        envelope = np.maximum.accumulate(precision_curve[:, ::-1], axis=1)[:, ::-1]
        for t in range(n_thresholds):
            at = np.searchsorted(recall_curve[t], self.rec_thresholds, side="left")
            inside = at < n_dt
            precision[t, inside] = envelope[t, at[inside]]
        return precision, recall_curve[:, -1]

    def compute(self):
        """The COCO summary (see the class docstring) over every image seen since ``reset``."""
        labels = np.concatenate([r["labels"] for r in self.detections + self.groundtruths]
                                or [np.zeros(0, np.int64)])
        classes = np.unique(labels)
        n_t, n_r = len(self.iou_thresholds), len(self.rec_thresholds)
        n_k, n_a, n_m = len(classes), len(AREA_RANGES), len(self.max_detection_thresholds)
        precision = -np.ones((n_t, n_r, n_k, n_a, n_m))
        recall = -np.ones((n_t, n_k, n_a, n_m))
        for k, label in enumerate(classes):
            per_image = [self._evaluate_image(det, gt, label)
                         for det, gt in zip(self.detections, self.groundtruths)]
            per_image = [e for e in per_image if e is not None]
            for a, area in enumerate(AREA_RANGES):
                for m, max_det in enumerate(self.max_detection_thresholds):
                    result = self._accumulate([e[area] for e in per_image], max_det)
                    if result is not None:
                        precision[:, :, k, a, m], recall[:, k, a, m] = result
        return self._summary(precision, recall, classes)

    def _summary(self, precision, recall, classes):
        def mean(values):
            valid = values[values > -1]
            return float(valid.mean()) if valid.size else -1.0

        def at(threshold):
            return np.flatnonzero(np.isclose(self.iou_thresholds, threshold))

        areas = list(AREA_RANGES)
        last = self.max_detection_thresholds[-1]
        out = {"map": mean(precision[:, :, :, 0, -1]),
               "map_50": mean(precision[at(0.5)][:, :, :, 0, -1]),
               "map_75": mean(precision[at(0.75)][:, :, :, 0, -1])}
        for name in ("small", "medium", "large"):
            out[f"map_{name}"] = mean(precision[:, :, :, areas.index(name), -1])
        for m, max_det in enumerate(self.max_detection_thresholds):
            out[f"mar_{max_det}"] = mean(recall[:, :, 0, m])
        for name in ("small", "medium", "large"):
            out[f"mar_{name}"] = mean(recall[:, :, areas.index(name), -1])
        result = {key: tensor(value, dtype=_dtype.float32) for key, value in out.items()}
        if self.class_metrics:
            result["map_per_class"] = tensor([mean(precision[:, :, k, 0, -1])
                                              for k in range(len(classes))], dtype=_dtype.float32)
            result[f"mar_{last}_per_class"] = tensor([mean(recall[:, k, 0, -1])
                                                      for k in range(len(classes))],
                                                     dtype=_dtype.float32)
        else:
            result["map_per_class"] = tensor(-1.0, dtype=_dtype.float32)
            result[f"mar_{last}_per_class"] = tensor(-1.0, dtype=_dtype.float32)
        result["classes"] = tensor(classes.astype(np.int32))
        return result
