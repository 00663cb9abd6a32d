"""A YOLO-style detector: detection as regression on a grid (Redmon, Divvala, Girshick & Farhadi
2016, "You Only Look Once"), with the anchor boxes and parametrisation of YOLOv2 (Redmon &
Farhadi 2017, Section "Direct location prediction") and a grid per feature scale as in YOLOv3
(Redmon & Farhadi 2018, Section 2.3).

Each cell (c_x, c_y) of a map of stride s predicts, per anchor shape (p_w, p_h), the values
t_x, t_y, t_w, t_h, an objectness t_o and class logits:

    b_x = (sigmoid(t_x) + c_x) s     b_w = p_w exp(t_w)
    b_y = (sigmoid(t_y) + c_y) s     b_h = p_h exp(t_h)

An object is the responsibility of the cell holding its centre and of the anchor whose shape
fits it best (IoU of the widths and heights, the boxes centred together).  The loss, per image
(YOLO eq. 3, with v3's logistic objectness and v2's softmax classes):

    lambda_coord sum_resp [(sigmoid(t_x) - x)^2 + (sigmoid(t_y) - y)^2 + (t_w - w)^2 + (t_h - h)^2]
    + sum_resp BCE(t_o, 1) + lambda_noobj sum_others BCE(t_o, 0) + sum_resp CE(classes)

where predictions overlapping an object with IoU > ``ignore_thresh`` count as neither
(YOLOv3 Section 2.1), and lambda_coord = 5, lambda_noobj = 0.5 (YOLO Section 2.2).  With
``box_loss="giou"`` the coordinate term is lambda_coord sum_resp (1 - GIoU(b, b_true)) of the
decoded box instead (Rezatofighi et al. 2019; YOLOv4's IoU-based box losses, Bochkovskiy et
al. 2020, Section 3.4): an error of a pixel costs what it costs the IoU, so thin and small
boxes are not regressed worse than square ones."""
import math

import numpy as np

from .... import nn
from ....autograd.grad_mode import no_grad
from ....nn import functional as F
from ....ops.creation import from_numpy
from ....ops.shape import cat
from ... import ops as box_ops
from ...ops.giou_loss import generalized_box_iou_loss
from ._base import DetectorBase, flatten_prediction, select_detections
from ._utils import BBOX_XFORM_CLIP
from .transform import GeneralizedRCNNTransform

__all__ = ["YOLO", "YOLOHead", "kmeans_anchors", "BOX_LOSSES"]

BOX_LOSSES = ("mse", "giou")


def _shape_iou(wh, shapes):
    """IoU [K, A] of boxes of widths and heights ``wh`` [K, 2] and ``shapes`` [A, 2] placed on
    the same centre."""
    inter = (np.minimum(wh[:, None, 0], shapes[None, :, 0])
             * np.minimum(wh[:, None, 1], shapes[None, :, 1]))
    return inter / (wh.prod(axis=1)[:, None] + shapes.prod(axis=1)[None, :] - inter)


def kmeans_anchors(wh, k, seed=0, iterations=100):
    """YOLOv2's dimension clusters (Redmon & Farhadi 2017, Section "Dimension Clusters"):
    k-means on the (width, height) ``wh`` [K, 2] of the training boxes with the distance
    d(box, centroid) = 1 - IoU(box, centroid), the centroids the median shapes of their
    clusters; returns [k, 2] float32 shapes sorted by area (smallest first)."""
    wh = np.asarray(wh, np.float64)
    if len(wh) < k:
        raise ValueError(f"kmeans_anchors: {len(wh)} boxes cannot make {k} clusters")
    rng = np.random.default_rng(seed)
    centroids = wh[rng.choice(len(wh), k, replace=False)]
    assignment = None
    for _ in range(iterations):
        nearest = _shape_iou(wh, centroids).argmax(axis=1)
        if assignment is not None and (nearest == assignment).all():
            break
        assignment = nearest
        centroids = np.stack([np.median(wh[assignment == j], axis=0) if (assignment == j).any()
                              else centroids[j] for j in range(k)])
    return centroids[np.argsort(centroids.prod(axis=1))].astype(np.float32)


class YOLOHead(nn.Module):
    """YOLO's prediction head: per feature map a 3x3 convolution (batch norm, ReLU) and a 1x1
    convolution with ``A (5 + classes)`` outputs, ``(t_x, t_y, t_w, t_h, t_o, class logits)`` per
    anchor; the objectness bias starts at ``log(0.01 / 0.99)``, so the first steps are not
    swamped by the many empty cells (Lin et al. 2017, Section 4.1).

    Shape:
        input a list of maps ``(N, in_channels[k], H_k, W_k)``; output
        ``(N, sum_k H_k W_k num_anchors[k], 5 + num_object_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import YOLOHead
        >>> head = YOLOHead(in_channels=[16, 32], num_anchors=[2, 1], num_object_classes=2)
        >>> head([yingshe.randn(2, 16, 4, 4), yingshe.randn(2, 32, 2, 2)]).shape  # 16 x 2 + 4 x 1
        yingshe.Size([2, 36, 7])
        >>> round(head.outputs[0].bias[4].item(), 4)  # log(0.01 / 0.99): objectness 1% at first
        -4.5951
    """

    def __init__(self, in_channels, num_anchors, num_object_classes):
        super().__init__()
        self.values = 5 + num_object_classes
        self.convs = nn.ModuleList(box_ops.Conv2dNormActivation(c, c, kernel_size=3)
                                   for c in in_channels)
        self.outputs = nn.ModuleList(nn.Conv2d(c, a * self.values, kernel_size=1)
                                     for c, a in zip(in_channels, num_anchors))
        for conv, anchors in zip(self.outputs, num_anchors):
            nn.init.normal_(conv.weight, std=0.01)
            bias = np.zeros((anchors, self.values), np.float32)
            bias[:, 4] = math.log(0.01 / 0.99)
            with no_grad():
                conv.bias.copy_(from_numpy(bias.ravel()))

    def forward(self, features):
        """[N, sum_k H_k W_k A_k, 5 + classes]: t_x, t_y, t_w, t_h, t_o, class logits."""
        return cat([flatten_prediction(out(conv(x)), self.values)
                    for conv, out, x in zip(self.convs, self.outputs, features)], dim=1)


class YOLO(DetectorBase):
    """A YOLO-style grid detector (Redmon et al. 2016; anchors and ``b_x = (sigmoid(t_x) + c_x) s``,
    ``b_w = p_w exp(t_w)`` as YOLOv2; a grid per feature map as YOLOv3).  ``anchors``: per
    feature map of ``backbone``, the (width, height) anchor shapes in pixels of the resized image
    (``size``, (H, W)); ``num_classes`` counts the background (label 0), which YOLO does not
    predict: its class logits are for labels 1..C-1.  Each object is learned by the cell of its
    centre and the anchor that fits it best; the loss weights are ``lambda_coord`` 5 and
    ``lambda_noobj`` 0.5, and ``box_loss`` ("mse" or "giou") chooses the coordinate term (module
    docstring).

    ``model(images, targets)`` returns the dict of losses in training mode, ``model(images)`` one
    dict of ``boxes`` (float ``(D, 4)`` "xyxy" in the input image's pixels), ``scores`` ``(D,)``
    and ``labels`` (int64 ``(D,)``) per image in eval mode.

    Shape:
        images a list of N float ``(C, H_i, W_i)`` in [0, 1]; targets N dicts with ``boxes``
        ``(K_i, 4)`` and ``labels`` ``(K_i,)`` in 1..num_classes - 1; losses scalars; detections
        N dicts with ``boxes`` ``(D_i, 4)``, ``scores`` ``(D_i,)``, ``labels`` ``(D_i,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet18
        >>> from yingshe.vision.models.detection import YOLO, resnet_detection_backbone
        >>> backbone = resnet_detection_backbone(resnet18(small_input=True, width_mult=0.125),
        ...                                      returned_layers=(3, 4))
        >>> model = YOLO(backbone, anchors=[[(8, 8), (16, 16)], [(24, 24)]], size=(32, 32),
        ...              num_classes=3)
        >>> images = [yingshe.rand(3, 40, 48), yingshe.rand(3, 32, 32)]
        >>> targets = [{"boxes": yingshe.tensor([[4., 4., 20., 24.]]),
        ...             "labels": yingshe.tensor([1])},
        ...            {"boxes": yingshe.tensor([[0., 0., 16., 16.], [10., 12., 30., 30.]]),
        ...             "labels": yingshe.tensor([2, 1])}]
        >>> sorted(model(images, targets))
        ['loss_box', 'loss_classifier', 'loss_objectness']
        >>> detections = model.eval()(images)
        >>> len(detections), sorted(detections[0])
        (2, ['boxes', 'labels', 'scores'])
    """

    def __init__(self, backbone, anchors, size, num_classes, image_mean=None, image_std=None,
                 score_thresh=0.01, nms_thresh=0.45, detections_per_img=100, ignore_thresh=0.5,
                 lambda_coord=5.0, lambda_noobj=0.5, topk_candidates=400, box_loss="mse"):
        image_mean = image_mean or [0.485, 0.456, 0.406]
        image_std = image_std or [0.229, 0.224, 0.225]
        super().__init__(backbone, num_classes, GeneralizedRCNNTransform(
            min(size), max(size), image_mean, image_std, size_divisible=1, fixed_size=size))
        if box_loss not in BOX_LOSSES:
            raise ValueError(f"YOLO: box_loss must be one of {BOX_LOSSES}, got {box_loss!r}")
        if len(anchors) != len(backbone.out_channels):
            raise ValueError(f"YOLO: anchors for {len(anchors)} feature maps but the backbone "
                             f"returns {len(backbone.out_channels)}")
        self.anchors = [[tuple(float(v) for v in shape) for shape in level] for level in anchors]
        self.head = YOLOHead(backbone.out_channels, [len(a) for a in self.anchors],
                             num_classes - 1)
        self.score_thresh, self.nms_thresh = score_thresh, nms_thresh
        self.detections_per_img, self.ignore_thresh = detections_per_img, ignore_thresh
        self.lambda_coord, self.lambda_noobj = lambda_coord, lambda_noobj
        self.topk_candidates, self.box_loss = topk_candidates, box_loss

    def _grid(self, image_list, features):
        """Per prediction: its cell (c_x, c_y), stride (s_x, s_y) and anchor (p_w, p_h), as
        [T, 2] arrays in the head's order; and each map's first index, rows and columns."""
        height, width = image_list.tensors.shape[-2:]
        cells, strides, shapes, levels = [], [], [], []
        for feature, level in zip(features, self.anchors):
            rows, cols = feature.shape[-2:]
            ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
            grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
            levels.append((sum(len(c) for c in cells), rows, cols))
            cells.append(np.repeat(grid, len(level), axis=0))
            strides.append(np.tile([[width / cols, height / rows]], (rows * cols * len(level), 1)))
            shapes.append(np.tile(np.asarray(level, np.float32), (rows * cols, 1)))
        return (np.concatenate(cells), np.concatenate(strides).astype(np.float32),
                np.concatenate(shapes), levels)

    def _decode(self, prediction, cells, strides, shapes):
        """"xyxy" boxes [N, T, 4] of the predictions (module docstring)."""
        cells, strides, shapes = from_numpy(cells), from_numpy(strides), from_numpy(shapes)
        centres = (prediction[..., 0:2].sigmoid() + cells) * strides
        sizes = prediction[..., 2:4].clamp(max=BBOX_XFORM_CLIP).exp() * shapes
        return cat([centres - 0.5 * sizes, centres + 0.5 * sizes], dim=-1)

    def _assign(self, boxes, strides, levels):
        """(responsible prediction index, object index) pairs of one image: each object goes
        to the cell of its centre on the map of the anchor shape that fits it best."""
        anchor_shapes = np.asarray([s for level in self.anchors for s in level], np.float32)
        level_of = np.repeat(np.arange(len(self.anchors)), [len(a) for a in self.anchors])
        index_in_level = np.concatenate([np.arange(len(a)) for a in self.anchors])
        best = _shape_iou(boxes[:, 2:] - boxes[:, :2], anchor_shapes).argmax(axis=1)
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        predictions = []
        for obj, shape in enumerate(best):
            start, rows, cols = levels[level_of[shape]]
            per_cell = len(self.anchors[level_of[shape]])
            stride_x, stride_y = strides[start]
            col = min(int(centres[obj, 0] // stride_x), cols - 1)
            row = min(int(centres[obj, 1] // stride_y), rows - 1)
            predictions.append(start + (row * cols + col) * per_cell + index_in_level[shape])
        return np.asarray(predictions, np.int64)

    def _coordinate_loss(self, chosen, gt_boxes, cells, strides, shapes):
        """The box term of the responsible predictions ``chosen`` (module docstring): squared
        errors of the offsets and log-scales, or 1 - GIoU of the decoded boxes."""
        if self.box_loss == "giou":
            boxes = self._decode(chosen[None], cells, strides, shapes)[0]
            return generalized_box_iou_loss(boxes, gt_boxes, reduction="sum")
        centre = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
        size = gt_boxes[:, 2:] - gt_boxes[:, :2]
        offset = centre / from_numpy(strides) - from_numpy(cells)
        log_scale = (size / from_numpy(shapes)).log()
        return (((chosen[:, 0:2].sigmoid() - offset) ** 2).sum()
                + ((chosen[:, 2:4] - log_scale) ** 2).sum())

    def compute_losses(self, image_list, features, targets):
        """{"loss_box", "loss_objectness", "loss_classifier"}, each summed per image and
        averaged over the batch (module docstring)."""
        prediction = self.head(features)
        cells, strides, shapes, levels = self._grid(image_list, features)
        decoded = self._decode(prediction.detach(), cells, strides, shapes)
        coord_terms, object_terms, class_terms = [], [], []
        for pred, boxes_now, target in zip(prediction, decoded, targets):
            responsible = np.zeros(pred.shape[0], bool)
            ignored = np.zeros(pred.shape[0], bool)
            if target["boxes"].shape[0]:
                gt = target["boxes"].detach().cpu().numpy()
                index = self._assign(gt, strides, levels)
                # one object per prediction: a later object in the same cell and anchor wins
                index, objects = np.unique(index[::-1], return_index=True)
                objects = len(gt) - 1 - objects
                responsible[index] = True
                overlap = box_ops.box_iou(boxes_now, target["boxes"]).max(dim=1)[0]
                ignored = overlap.cpu().numpy() > self.ignore_thresh
                chosen = pred[from_numpy(index)]
                gt_boxes = target["boxes"][from_numpy(objects)]
                coord_terms.append(self._coordinate_loss(chosen, gt_boxes, cells[index],
                                                         strides[index], shapes[index]))
                class_terms.append(F.cross_entropy(chosen[:, 5:],
                                                   target["labels"][from_numpy(objects)] - 1,
                                                   reduction="sum"))
                object_terms.append(F.binary_cross_entropy_with_logits(
                    chosen[:, 4], chosen.new_ones(chosen.shape[0]), reduction="sum"))
            negative = from_numpy(~responsible & ~ignored)
            object_terms.append(self.lambda_noobj * F.binary_cross_entropy_with_logits(
                pred[:, 4][negative], pred.new_zeros(int(negative.sum().item())),
                reduction="sum"))
        images = len(targets)
        zero = prediction.sum() * 0
        return {"loss_box": self.lambda_coord * sum(coord_terms, zero) / images,
                "loss_objectness": sum(object_terms, zero) / images,
                "loss_classifier": sum(class_terms, zero) / images}

    def detect(self, image_list, features):
        """Scores sigmoid(t_o) * softmax(classes) per prediction, best per class, NMS."""
        prediction = self.head(features)
        cells, strides, shapes, _ = self._grid(image_list, features)
        boxes = self._decode(prediction, cells, strides, shapes)
        scores = prediction[..., 4:5].sigmoid() * F.softmax(prediction[..., 5:], dim=-1)
        return [select_detections(b, s, size, self.score_thresh, self.nms_thresh,
                                  self.detections_per_img, self.topk_candidates)
                for b, s, size in zip(boxes, scores, image_list.image_sizes)]

