"""What the three detectors share: torchvision's model interface and the last step of
inference.

    model.train(); losses = model(images, targets)   # {name: scalar Tensor}
    model.eval();  detections = model(images)        # [{"boxes", "scores", "labels"}] per image

``images`` is a list of [C, H, W] float Tensors in [0, 1] (or one [N, C, H, W] Tensor);
``targets`` one dict per image with ``boxes`` (float [K, 4], "xyxy" pixels) and ``labels``
(int64 [K], 1..num_classes - 1; 0 is the background)."""
from .... import _dtype, nn
from ....autograd.grad_mode import no_grad
from ....ops.creation import full
from ....ops.shape import cat
from ... import ops as box_ops
from .transform import check_targets

__all__ = ["DetectorBase", "flatten_prediction", "select_detections"]


class DetectorBase(nn.Module):
    """``transform`` (a GeneralizedRCNNTransform), ``backbone`` (returns an OrderedDict of
    feature maps, finest first) and the detector's own ``compute_losses(image_list,
    features, targets)`` and ``detect(image_list, features)``."""

    def __init__(self, backbone, num_classes, transform):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes counts the background too; need at least 2, got "
                             f"{num_classes}")
        self.backbone, self.num_classes, self.transform = backbone, num_classes, transform

    def forward(self, images, targets=None):
        images = list(images)
        if self.training:
            check_targets(images, targets, self.num_classes)
        original_sizes = [tuple(image.shape[-2:]) for image in images]
        image_list, targets = self.transform(images, targets)
        features = list(self.backbone(image_list.tensors).values())
        if self.training:
            return self.compute_losses(image_list, features, targets)
        with no_grad():
            detections = self.detect(image_list, features)
        return self.transform.postprocess(detections, image_list.image_sizes, original_sizes)


def flatten_prediction(prediction, values_per_anchor):
    """A head's output [N, A * K, H, W] as [N, H * W * A, K]: cell-major, then anchor, the
    order the anchor generators lay the anchors in."""
    n, _, height, width = prediction.shape
    prediction = prediction.reshape(n, -1, values_per_anchor, height, width)
    return prediction.permute(0, 3, 4, 1, 2).reshape(n, -1, values_per_anchor)


def select_detections(boxes, scores, image_size, score_thresh, nms_thresh, detections_per_img,
                      topk_candidates=None, first_label=1, min_size=None):
    """The detections of one image from per-candidate ``boxes`` ([N, 4], or [N, C, 4] with one
    box per class) and class ``scores`` [N, C] whose column c is label ``first_label + c``:
    boxes clipped to the image, per class the candidates scoring above ``score_thresh`` (at
    most ``topk_candidates`` best), boxes narrower than ``min_size`` dropped, then non-maximum
    suppression within each class and the ``detections_per_img`` best kept (Liu et al. 2016,
    Section 3; Ren et al. 2015, Section 3.3)."""
    boxes = box_ops.clip_boxes_to_image(boxes, image_size)
    kept_boxes, kept_scores, kept_labels = [], [], []
    for column in range(scores.shape[1]):
        score = scores[:, column]
        keep = (score > score_thresh).nonzero()[:, 0]
        score = score[keep]
        box = (boxes[:, column] if boxes.ndim == 3 else boxes)[keep]
        if topk_candidates is not None and score.shape[0] > topk_candidates:
            score, order = score.topk(topk_candidates)
            box = box[order]
        if min_size is not None:
            small = box_ops.remove_small_boxes(box, min_size)
            box, score = box[small], score[small]
        kept_boxes.append(box)
        kept_scores.append(score)
        kept_labels.append(full((score.shape[0],), column + first_label, dtype=_dtype.int64))
    boxes, scores, labels = cat(kept_boxes), cat(kept_scores), cat(kept_labels)
    keep = box_ops.batched_nms(boxes, scores, labels, nms_thresh)[:detections_per_img]
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]}
