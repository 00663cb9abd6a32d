"""SSD: Single Shot MultiBox Detector (Liu, Anguelov, Erhan, Szegedy, Reed, Fu & Berg 2016), as
``torchvision.models.detection.ssd``: one 3x3 convolution per feature map predicts, for each
default box of each cell, the class scores (background included) and four offsets.

Training (Section 2.2): default boxes are matched to ground truths by IoU >= 0.5 (and each
ground truth to its best default box); the loss is

    L = (L_conf + L_loc) / N,   N the number of matched default boxes,

L_loc the smooth-L1 loss of the offsets of the matched boxes, L_conf the softmax cross-entropy
over the matched boxes and the hardest unmatched ones, at most 3 negatives per positive
("hard negative mining")."""
from .... import nn
from ...._backend import get_array_module
from ....nn import functional as F
from ....ops.creation import from_numpy, full
from ....ops.shape import cat, stack
from ... import ops as box_ops
from ._base import DetectorBase, flatten_prediction, select_detections
from ._utils import BoxCoder, SSDMatcher
from .transform import GeneralizedRCNNTransform

__all__ = ["SSD", "SSDHead", "SSDClassificationHead", "SSDRegressionHead"]


class _ScoringHead(nn.Module):
    """One 3x3 convolution per feature map with ``num_anchors[k] * values`` outputs, the
    results of all maps flattened and concatenated: [N, sum_k H_k W_k A_k, values]."""

    def __init__(self, in_channels, num_anchors, values):
        super().__init__()
        self.module_list = nn.ModuleList(
            nn.Conv2d(c, a * values, kernel_size=3, padding=1)
            for c, a in zip(in_channels, num_anchors))
        for conv in self.module_list:
            nn.init.xavier_uniform_(conv.weight)
            nn.init.constant_(conv.bias, 0.0)
        self.values = values

    def forward(self, features):
        return cat([flatten_prediction(conv(x), self.values)
                    for conv, x in zip(self.module_list, features)], dim=1)


class SSDClassificationHead(_ScoringHead):
    def __init__(self, in_channels, num_anchors, num_classes):
        super().__init__(in_channels, num_anchors, num_classes)


class SSDRegressionHead(_ScoringHead):
    def __init__(self, in_channels, num_anchors):
        super().__init__(in_channels, num_anchors, 4)


class SSDHead(nn.Module):
    """SSD's two heads (Liu et al. 2016, Fig. 2): per feature map one 3x3 convolution giving 4
    offsets and one giving ``num_classes`` logits (background included) for each default box of
    each cell, flattened cell-major then box and concatenated over the maps.

    Shape:
        input a list of maps ``(N, in_channels[k], H_k, W_k)``; output
        ``{"bbox_regression": (N, B, 4), "cls_logits": (N, B, num_classes)}``,
        ``B = sum_k H_k W_k num_anchors[k]``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import SSDHead
        >>> head = SSDHead(in_channels=[16, 32], num_anchors=[4, 6], num_classes=3)
        >>> out = head([yingshe.randn(2, 16, 4, 4), yingshe.randn(2, 32, 2, 2)])
        >>> {name: x.shape for name, x in out.items()}  # 16 x 4 + 4 x 6 = 88 boxes
        {'bbox_regression': yingshe.Size([2, 88, 4]), 'cls_logits': yingshe.Size([2, 88, 3])}
    """

    def __init__(self, in_channels, num_anchors, num_classes):
        super().__init__()
        self.classification_head = SSDClassificationHead(in_channels, num_anchors, num_classes)
        self.regression_head = SSDRegressionHead(in_channels, num_anchors)

    def forward(self, features):
        return {"bbox_regression": self.regression_head(features),
                "cls_logits": self.classification_head(features)}


class SSD(DetectorBase):
    """SSD, the Single Shot MultiBox Detector (Liu et al. 2016), with torchvision's interface:
    ``backbone`` (maps with ``backbone.out_channels``), ``anchor_generator`` (a
    ``DefaultBoxGenerator`` with one entry per map), images resized to ``size`` (H, W),
    ``num_classes`` including the background.  The loss (module docstring) is
    ``L = (L_conf + L_loc) / N`` over the N matched default boxes, with hard negative mining at
    ``positive_fraction`` 0.25 (3 negatives per positive).

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
        >>> from yingshe.vision.models.detection import SSD, DefaultBoxGenerator
        >>> from yingshe.vision.models.detection import resnet_detection_backbone
        >>> backbone = resnet_detection_backbone(resnet18(small_input=True, width_mult=0.125),
        ...                                      returned_layers=(3, 4), extra_blocks=1)
        >>> model = SSD(backbone, DefaultBoxGenerator([[2], [2], [2]]), size=(32, 32),
        ...             num_classes=3)
        >>> images = [yingshe.rand(3, 40, 48), yingshe.rand(3, 32, 32)]
        >>> targets = [{"boxes": yingshe.tensor([[4., 4., 20., 24.]]),
        ...             "labels": yingshe.tensor([1])},
        ...            {"boxes": yingshe.tensor([[0., 0., 16., 16.], [10., 12., 30., 30.]]),
        ...             "labels": yingshe.tensor([2, 1])}]
        >>> losses = model(images, targets)
        >>> sorted(losses)
        ['bbox_regression', 'classification']
        >>> detections = model.eval()(images)
        >>> len(detections), sorted(detections[0]), detections[0]["boxes"].shape[-1]
        (2, ['boxes', 'labels', 'scores'], 4)
    """

    def __init__(self, backbone, anchor_generator, size, num_classes, image_mean=None,
                 image_std=None, head=None, score_thresh=0.01, nms_thresh=0.45,
                 detections_per_img=200, iou_thresh=0.5, topk_candidates=400,
                 positive_fraction=0.25):
        image_mean = image_mean or [0.485, 0.456, 0.406]
        image_std = image_std or [0.229, 0.224, 0.225]
        super().__init__(backbone, num_classes, GeneralizedRCNNTransform(
            min(size), max(size), image_mean, image_std, size_divisible=1, fixed_size=size))
        self.anchor_generator = anchor_generator
        self.head = head or SSDHead(backbone.out_channels,
                                    anchor_generator.num_anchors_per_location(), num_classes)
        self.box_coder = BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
        self.proposal_matcher = SSDMatcher(iou_thresh)
        self.score_thresh, self.nms_thresh = score_thresh, nms_thresh
        self.detections_per_img, self.topk_candidates = detections_per_img, topk_candidates
        self.neg_to_pos_ratio = (1.0 - positive_fraction) / positive_fraction

    def compute_losses(self, image_list, features, targets):
        """Match the default boxes to the objects, then ``compute_loss``."""
        outputs = self.head(features)
        anchors = self.anchor_generator(image_list, features)
        matched = []
        for anchors_per_image, target in zip(anchors, targets):
            if target["boxes"].shape[0] == 0:
                matched.append(full((anchors_per_image.shape[0],), -1, dtype=target["labels"].dtype))
            else:
                matched.append(self.proposal_matcher(box_ops.box_iou(target["boxes"],
                                                                     anchors_per_image)))
        return self.compute_loss(targets, outputs, anchors, matched)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
        """{"bbox_regression": L_loc / N, "classification": L_conf / N} (module docstring)."""
        bbox_losses, class_targets, num_foreground = [], [], 0
        for target, regression, anchors_per_image, matches in zip(
                targets, head_outputs["bbox_regression"], anchors, matched_idxs):
            foreground = (matches >= 0).nonzero()[:, 0]
            gt_index = matches[foreground]
            num_foreground += foreground.shape[0]
            encoded = self.box_coder.encode_single(target["boxes"][gt_index],
                                                   anchors_per_image[foreground])
            bbox_losses.append(F.smooth_l1_loss(regression[foreground], encoded,
                                                reduction="sum"))
            labels = full((regression.shape[0],), 0, dtype=target["labels"].dtype)
            labels[foreground] = target["labels"][gt_index]
            class_targets.append(labels)
        class_targets = stack(class_targets)
        logits = head_outputs["cls_logits"]
        class_loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                     class_targets.reshape(-1),
                                     reduction="none").reshape(class_targets.shape)
        foreground = class_targets._data > 0
        background = from_numpy(self._hardest_negatives(class_loss.detach()._data, foreground))
        normaliser = max(1, num_foreground)
        return {"bbox_regression": stack(bbox_losses).sum() / normaliser,
                "classification": (class_loss[from_numpy(foreground)].sum()
                                   + class_loss[background].sum()) / normaliser}

    def _hardest_negatives(self, loss, foreground):
        """Per image, the ``neg_to_pos_ratio * positives`` unmatched boxes of highest loss."""
        xp = get_array_module(loss)
        loss = xp.where(foreground, -xp.inf, loss)
        rank = xp.argsort(xp.argsort(-loss, axis=1, kind="stable"), axis=1, kind="stable")
        wanted = self.neg_to_pos_ratio * foreground.sum(axis=1, keepdims=True)
        return (rank < wanted) & ~foreground

    def detect(self, image_list, features):
        """Decode every default box, softmax the classes, keep the best per class, NMS."""
        outputs = self.head(features)
        anchors = self.anchor_generator(image_list, features)
        scores = F.softmax(outputs["cls_logits"], dim=-1)
        detections = []
        for regression, score, anchors_per_image, size in zip(
                outputs["bbox_regression"], scores, anchors, image_list.image_sizes):
            boxes = self.box_coder.decode_single(regression, anchors_per_image)
            detections.append(select_detections(
                boxes, score[:, 1:], size, self.score_thresh, self.nms_thresh,
                self.detections_per_img, self.topk_candidates))
        return detections
