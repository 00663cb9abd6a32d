"""Faster R-CNN (Ren, He, Girshick & Sun 2015), as ``torchvision.models.detection.faster_rcnn``
and ``roi_heads``: the region proposal network (``rpn.py``) proposes boxes on the backbone's
feature map; each proposal's features are resampled to a fixed grid by RoIAlign (He et al.
2017, "Mask R-CNN", Section 3, in place of the paper's RoI pooling), a two-layer MLP (the
"box head") turns them into a vector, and the predictor gives class scores and one set of box
offsets per class (Fast R-CNN, Girshick 2015, Section 2.3).

Second-stage loss (Fast R-CNN eq. 1), over ``batch_size_per_image`` proposals per image (the
ground truths included), up to ``positive_fraction`` of them with IoU >= 0.5:

    L = CE(class scores) + smooth_L1(offsets of the true class, positives only) / sampled"""
from .... import nn
from ....nn import functional as F
from ....ops.creation import zeros
from ....ops.shape import cat
from ... import ops as box_ops
from ._base import DetectorBase, select_detections
from ._utils import BalancedPositiveNegativeSampler, BoxCoder, Matcher
from .anchor_utils import AnchorGenerator
from .rpn import RegionProposalNetwork, RPNHead
from .transform import GeneralizedRCNNTransform

__all__ = ["FasterRCNN", "RoIHeads", "TwoMLPHead", "FastRCNNPredictor", "SingleScaleRoIAlign"]


class SingleScaleRoIAlign(nn.Module):
    """``roi_align`` of the proposals on the last feature map, its scale read from the map's
    size against the image's (torchvision's ``MultiScaleRoIAlign`` with one level)."""

    def __init__(self, output_size=7, sampling_ratio=2):
        super().__init__()
        self.output_size, self.sampling_ratio = output_size, sampling_ratio

    def forward(self, features, proposals, image_size):
        feature = features[-1]
        scale = feature.shape[-1] / image_size[-1]
        return box_ops.roi_align(feature, proposals, self.output_size, spatial_scale=scale,
                                 sampling_ratio=self.sampling_ratio, aligned=False)


class TwoMLPHead(nn.Module):
    """Faster R-CNN's box head: flatten, then two fully connected layers with ReLU (the fc6, fc7 of
    VGG in Fast R-CNN, Girshick 2015): ``y = relu(fc7(relu(fc6(x))))``.

    Shape:
        input ``(R, C, h, w)`` with ``C h w = in_channels``; output ``(R, representation_size)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import TwoMLPHead
        >>> TwoMLPHead(16 * 3 * 3, representation_size=32)(yingshe.randn(5, 16, 3, 3)).shape
        yingshe.Size([5, 32])
    """

    def __init__(self, in_channels, representation_size):
        super().__init__()
        self.fc6 = nn.Linear(in_channels, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x):
        return F.relu(self.fc7(F.relu(self.fc6(x.flatten(1)))))


class FastRCNNPredictor(nn.Module):
    """Fast R-CNN's output layers (Girshick 2015, Section 2.3): class logits (background
    included) and 4 box offsets per class, two linear maps of the box head's vector.

    Shape:
        input ``(R, in_channels)``; output ``((R, num_classes), (R, 4 num_classes))``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import FastRCNNPredictor
        >>> scores, offsets = FastRCNNPredictor(32, num_classes=3)(yingshe.randn(5, 32))
        >>> scores.shape, offsets.shape
        (yingshe.Size([5, 3]), yingshe.Size([5, 12]))
    """

    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.cls_score = nn.Linear(in_channels, num_classes)
        self.bbox_pred = nn.Linear(in_channels, num_classes * 4)

    def forward(self, x):
        return self.cls_score(x), self.bbox_pred(x)


class RoIHeads(nn.Module):
    """Fast R-CNN's second stage (Girshick 2015): in training, sample ``batch_size_per_image``
    proposals (the ground truths added; positives at IoU ``>= fg_iou_thresh``, at most
    ``positive_fraction``), pool their features with ``box_roi_pool``, run ``box_head`` and
    ``box_predictor`` and return ``loss_classifier`` (cross-entropy) and ``loss_box_reg`` (smooth
    L1 of the true class's offsets, positives only); in eval mode decode every class's box,
    softmax the scores and keep per class those above ``score_thresh`` after NMS.

    Shape:
        ``forward(features, proposals (list of (P_i, 4)), image_size, image_sizes, targets=None)``
        gives (detections per image, losses).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import FastRCNNPredictor, RoIHeads, TwoMLPHead
        >>> from yingshe.vision.models.detection.faster_rcnn import SingleScaleRoIAlign
        >>> heads = RoIHeads(SingleScaleRoIAlign(output_size=3), TwoMLPHead(16 * 3 * 3, 32),
        ...                  FastRCNNPredictor(32, num_classes=3), batch_size_per_image=16)
        >>> proposals = [yingshe.tensor([[0., 0., 16., 16.], [8., 8., 30., 30.]]),
        ...              yingshe.tensor([[2., 2., 20., 12.]])]
        >>> target = {"boxes": yingshe.tensor([[4., 4., 20., 24.]]), "labels": yingshe.tensor([1])}
        >>> targets = [target, target]
        >>> features = [yingshe.randn(2, 16, 8, 8)]  # stride 4 on 32 x 32 images
        >>> _, losses = heads(features, proposals, (2, 3, 32, 32), [(32, 32)] * 2, targets)
        >>> sorted(losses)
        ['loss_box_reg', 'loss_classifier']
    """

    def __init__(self, box_roi_pool, box_head, box_predictor, fg_iou_thresh=0.5,
                 bg_iou_thresh=0.5, batch_size_per_image=512, positive_fraction=0.25,
                 bbox_reg_weights=None, score_thresh=0.05, nms_thresh=0.5,
                 detections_per_img=100):
        super().__init__()
        self.box_roi_pool, self.box_head, self.box_predictor = box_roi_pool, box_head, box_predictor
        self.proposal_matcher = Matcher(fg_iou_thresh, bg_iou_thresh, False)
        self.fg_bg_sampler = BalancedPositiveNegativeSampler(batch_size_per_image,
                                                             positive_fraction)
        self.box_coder = BoxCoder(bbox_reg_weights or (10.0, 10.0, 5.0, 5.0))
        self.score_thresh, self.nms_thresh = score_thresh, nms_thresh
        self.detections_per_img = detections_per_img

    def select_training_samples(self, proposals, targets):
        """Sampled proposals (ground truths added), their labels and regression targets."""
        sampled, labels, regression = [], [], []
        for proposal, target in zip(proposals, targets):
            gt, gt_labels = target["boxes"], target["labels"]
            proposal = cat([proposal, gt])
            if gt.shape[0] == 0:
                label = zeros((proposal.shape[0],), dtype=gt_labels.dtype)
                matched = proposal  # all background: their (unused) offsets are zero
            else:
                matches = self.proposal_matcher(box_ops.box_iou(gt, proposal))
                label = gt_labels[matches.clamp(min=0)]
                label[matches == Matcher.BELOW_LOW_THRESHOLD] = 0
                label[matches == Matcher.BETWEEN_THRESHOLDS] = -1
                matched = gt[matches.clamp(min=0)]
            positive, negative = self.fg_bg_sampler([label])
            keep = (positive[0] | negative[0]).nonzero()[:, 0]
            sampled.append(proposal[keep])
            labels.append(label[keep])
            regression.append(self.box_coder.encode_single(matched[keep], proposal[keep]))
        return sampled, labels, regression

    def forward(self, features, proposals, image_size, image_sizes, targets=None):
        """(detections per image, losses)."""
        if self.training:
            proposals, labels, regression_targets = self.select_training_samples(proposals,
                                                                                 targets)
        features = self.box_head(self.box_roi_pool(features, proposals, image_size))
        class_logits, box_regression = self.box_predictor(features)
        if self.training:
            return [], fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
        return self.postprocess_detections(class_logits, box_regression, proposals,
                                           image_sizes), {}

    def postprocess_detections(self, class_logits, box_regression, proposals, image_sizes):
        """Per image: each proposal's box for each class, softmax scores, NMS per class."""
        boxes = self.box_coder.decode(box_regression, proposals)
        scores = F.softmax(class_logits, -1)
        detections, start = [], 0
        for proposal, size in zip(proposals, image_sizes):
            stop = start + proposal.shape[0]
            detections.append(select_detections(
                boxes[start:stop, 1:], scores[start:stop, 1:], size, self.score_thresh,
                self.nms_thresh, self.detections_per_img, min_size=1e-2))
            start = stop
        return detections


def fastrcnn_loss(class_logits, box_regression, labels, regression_targets):
    """{"loss_classifier", "loss_box_reg"} of the sampled proposals (module docstring)."""
    labels, regression_targets = cat(labels), cat(regression_targets)
    classification = F.cross_entropy(class_logits, labels)
    positive = (labels > 0).nonzero()[:, 0]
    per_class = box_regression.reshape(box_regression.shape[0], -1, 4)
    box_loss = F.smooth_l1_loss(per_class[positive, labels[positive]], regression_targets[positive],
                                beta=1 / 9, reduction="sum") / max(1, labels.shape[0])
    return {"loss_classifier": classification, "loss_box_reg": box_loss}


class FasterRCNN(DetectorBase):
    """Faster R-CNN (Ren et al. 2015) with torchvision's interface: ``backbone`` (its last map feeds
    both stages), images resized to ``size`` (H, W), ``num_classes`` counting the background.
    The ``RegionProposalNetwork`` proposes boxes from anchors of ``anchor_sizes`` and
    ``aspect_ratios`` on that map; ``RoIHeads`` pools each proposal with RoIAlign to
    ``roi_output_size``, runs a ``TwoMLPHead`` of ``representation_size`` and a
    ``FastRCNNPredictor``.  The other keywords are torchvision's, scaled down by default for
    small images (fewer proposals and sampled RoIs).  Training losses: ``loss_objectness``,
    ``loss_rpn_box_reg``, ``loss_classifier``, ``loss_box_reg``.

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
        >>> from yingshe.vision.models.detection import FasterRCNN, resnet_detection_backbone
        >>> backbone = resnet_detection_backbone(resnet18(small_input=True, width_mult=0.125),
        ...                                      returned_layers=(4,))
        >>> model = FasterRCNN(backbone, num_classes=3, size=(32, 32), anchor_sizes=(8, 16),
        ...                    representation_size=32, roi_output_size=3)
        >>> images = [yingshe.rand(3, 40, 48), yingshe.rand(3, 32, 32)]
        >>> targets = [{"boxes": yingshe.tensor([[4., 4., 20., 24.]]),
        ...             "labels": yingshe.tensor([1])},
        ...            {"boxes": yingshe.tensor([[0., 0., 16., 16.], [10., 12., 30., 30.]]),
        ...             "labels": yingshe.tensor([2, 1])}]
        >>> sorted(model(images, targets))
        ['loss_box_reg', 'loss_classifier', 'loss_objectness', 'loss_rpn_box_reg']
        >>> detections = model.eval()(images)
        >>> len(detections), sorted(detections[0])
        (2, ['boxes', 'labels', 'scores'])
    """

    def __init__(self, backbone, num_classes, size, image_mean=None, image_std=None,
                 anchor_sizes=(32, 64, 128), aspect_ratios=(0.5, 1.0, 2.0),
                 rpn_pre_nms_top_n_train=600, rpn_pre_nms_top_n_test=300,
                 rpn_post_nms_top_n_train=300, rpn_post_nms_top_n_test=100,
                 rpn_nms_thresh=0.7, rpn_batch_size_per_image=128, box_batch_size_per_image=128,
                 box_positive_fraction=0.25, representation_size=256, roi_output_size=7,
                 box_score_thresh=0.05, box_nms_thresh=0.5, box_detections_per_img=100):
        image_mean = image_mean or [0.485, 0.456, 0.406]
        image_std = image_std or [0.229, 0.224, 0.225]
        super().__init__(backbone, num_classes, GeneralizedRCNNTransform(
            min(size), max(size), image_mean, image_std, size_divisible=1, fixed_size=size))
        channels = backbone.out_channels[-1]
        anchors = AnchorGenerator((tuple(anchor_sizes),), (tuple(aspect_ratios),))
        self.rpn = RegionProposalNetwork(
            anchors, RPNHead(channels, anchors.num_anchors_per_location()[0]),
            batch_size_per_image=rpn_batch_size_per_image,
            pre_nms_top_n={"training": rpn_pre_nms_top_n_train, "testing": rpn_pre_nms_top_n_test},
            post_nms_top_n={"training": rpn_post_nms_top_n_train,
                            "testing": rpn_post_nms_top_n_test},
            nms_thresh=rpn_nms_thresh)
        self.roi_heads = RoIHeads(
            SingleScaleRoIAlign(roi_output_size),
            TwoMLPHead(channels * roi_output_size ** 2, representation_size),
            FastRCNNPredictor(representation_size, num_classes),
            batch_size_per_image=box_batch_size_per_image,
            positive_fraction=box_positive_fraction, score_thresh=box_score_thresh,
            nms_thresh=box_nms_thresh, detections_per_img=box_detections_per_img)

    def _stages(self, image_list, features, targets):
        last = features[-1:]
        proposals, rpn_losses = self.rpn(image_list, last, targets)
        detections, box_losses = self.roi_heads(last, proposals, tuple(image_list.tensors.shape),
                                                image_list.image_sizes, targets)
        return detections, {**box_losses, **rpn_losses}

    def compute_losses(self, image_list, features, targets):
        """The RPN's and the box head's losses."""
        return self._stages(image_list, features, targets)[1]

    def detect(self, image_list, features):
        """Proposals, then the box head's per-class detections."""
        return self._stages(image_list, features, None)[0]

