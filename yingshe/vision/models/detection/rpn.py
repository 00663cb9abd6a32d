"""The region proposal network of Faster R-CNN (Ren, He, Girshick & Sun 2015, Section 3.1), as
``torchvision.models.detection.rpn``: a 3x3 convolution slid over the feature map, then per
anchor an objectness logit and four box offsets.  The best boxes after non-maximum suppression
are the proposals of the second stage.

Loss (eq. 1), over ``batch_size_per_image`` anchors sampled per image, up to half positive
(IoU >= 0.7 with an object, or an object's best anchor) and the rest negative (IoU < 0.3):

    L = BCE(objectness) + smooth_L1(offsets of the positives) / sampled anchors"""
from .... import nn
from ....nn import functional as F
from ....ops.creation import full, zeros
from ....ops.shape import cat
from ... import ops as box_ops
from ._base import flatten_prediction
from ._utils import BalancedPositiveNegativeSampler, BoxCoder, Matcher

__all__ = ["RPNHead", "RegionProposalNetwork"]


class RPNHead(nn.Module):
    """The RPN's head (Ren et al. 2015, Section 3.1): a 3x3 convolution + ReLU slid over each map,
    then 1x1 convolutions to A objectness logits and 4 A box offsets per cell.

    Shape:
        input a list of maps ``(N, in_channels, H_k, W_k)``; output two lists, objectness
        ``(N, A, H_k, W_k)`` and offsets ``(N, 4 A, H_k, W_k)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import RPNHead
        >>> head = RPNHead(in_channels=16, num_anchors=3)
        >>> objectness, offsets = head([yingshe.randn(2, 16, 8, 8)])
        >>> objectness[0].shape, offsets[0].shape
        (yingshe.Size([2, 3, 8, 8]), yingshe.Size([2, 12, 8, 8]))
    """

    def __init__(self, in_channels, num_anchors):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, padding=1), nn.ReLU())
        self.cls_logits = nn.Conv2d(in_channels, num_anchors, kernel_size=1)
        self.bbox_pred = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=1)
        for layer in (self.conv[0], self.cls_logits, self.bbox_pred):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.constant_(layer.bias, 0.0)

    def forward(self, features):
        """Lists over the maps of objectness [N, A, H, W] and offsets [N, 4 A, H, W]."""
        hidden = [self.conv(x) for x in features]
        return [self.cls_logits(h) for h in hidden], [self.bbox_pred(h) for h in hidden]


class RegionProposalNetwork(nn.Module):
    """Faster R-CNN's region proposal network (Ren et al. 2015, Section 3.1): ``head`` scores and
    refines the anchors of ``anchor_generator``; per image the ``pre_nms_top_n`` best anchors of
    each map are decoded, clipped, suppressed by NMS at ``nms_thresh`` and the
    ``post_nms_top_n`` best kept as proposals (both dicts with "training" and "testing").  In
    training it also returns ``loss_objectness`` (BCE over ``batch_size_per_image`` sampled
    anchors, positive at IoU ``>= fg_iou_thresh``, negative under ``bg_iou_thresh``) and
    ``loss_rpn_box_reg`` (smooth L1 of the positives' offsets).

    Shape:
        ``forward(images: ImageList, features: list of (N, C, H_k, W_k), targets=None)`` gives
        (a list of N proposal tensors ``(P_i, 4)``, a dict of losses, empty in eval mode).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import (AnchorGenerator, ImageList,
        ...                                              RegionProposalNetwork, RPNHead)
        >>> anchors = AnchorGenerator(sizes=((8, 16),), aspect_ratios=((0.5, 1.0, 2.0),))
        >>> rpn = RegionProposalNetwork(anchors, RPNHead(16, num_anchors=6),
        ...                             post_nms_top_n={"training": 50, "testing": 20})
        >>> images = ImageList(yingshe.zeros(2, 3, 32, 32), [(32, 32)] * 2)
        >>> targets = [{"boxes": yingshe.tensor([[4., 4., 20., 24.]])}] * 2
        >>> proposals, losses = rpn(images, [yingshe.randn(2, 16, 8, 8)], targets)
        >>> len(proposals), proposals[0].shape[-1], sorted(losses)
        (2, 4, ['loss_objectness', 'loss_rpn_box_reg'])
    """

    def __init__(self, anchor_generator, head, fg_iou_thresh=0.7, bg_iou_thresh=0.3,
                 batch_size_per_image=256, positive_fraction=0.5, pre_nms_top_n=None,
                 post_nms_top_n=None, nms_thresh=0.7, score_thresh=0.0):
        super().__init__()
        self.anchor_generator, self.head = anchor_generator, head
        self.box_coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self.proposal_matcher = Matcher(fg_iou_thresh, bg_iou_thresh,
                                        allow_low_quality_matches=True)
        self.fg_bg_sampler = BalancedPositiveNegativeSampler(batch_size_per_image,
                                                             positive_fraction)
        self._pre_nms_top_n = pre_nms_top_n or {"training": 2000, "testing": 1000}
        self._post_nms_top_n = post_nms_top_n or {"training": 2000, "testing": 1000}
        self.nms_thresh, self.score_thresh, self.min_size = nms_thresh, score_thresh, 1e-3

    def _mode(self):
        return "training" if self.training else "testing"

    def forward(self, images, features, targets=None):
        """(proposals: one [P, 4] Tensor per image, losses: {} in eval mode)."""
        objectness, deltas = self.head(features)
        anchors = self.anchor_generator(images, features)
        per_level = [o.shape[1] * o.shape[2] * o.shape[3] for o in objectness]
        objectness = cat([flatten_prediction(o, 1) for o in objectness], dim=1).flatten(0, -2)
        deltas = cat([flatten_prediction(d, 4) for d in deltas], dim=1).flatten(0, -2)
        proposals = self.box_coder.decode(deltas.detach(), anchors).reshape(len(anchors), -1, 4)
        boxes = self.filter_proposals(proposals, objectness.detach(), images.image_sizes,
                                      per_level)
        if not self.training:
            return boxes, {}
        labels, matched_boxes = self.assign_targets_to_anchors(anchors, targets)
        loss_objectness, loss_box = self.compute_loss(objectness, deltas, labels,
                                                      matched_boxes, anchors)
        return boxes, {"loss_objectness": loss_objectness, "loss_rpn_box_reg": loss_box}

    def filter_proposals(self, proposals, objectness, image_sizes, per_level):
        """Per image: the ``pre_nms_top_n`` best anchors of each map, clipped, tiny and
        low-scoring boxes dropped, NMS within each map, the ``post_nms_top_n`` best kept."""
        scores = objectness.reshape(len(image_sizes), -1)
        level_ids = cat([full((n,), k, dtype=proposals.dtype) for k, n in enumerate(per_level)])
        kept = []
        for boxes, score, size in zip(proposals, scores, image_sizes):
            chosen, start = [], 0
            for count in per_level:
                top = min(count, self._pre_nms_top_n[self._mode()])
                chosen.append(score[start:start + count].topk(top)[1] + start)
                start += count
            chosen = cat(chosen)
            boxes = box_ops.clip_boxes_to_image(boxes[chosen], size)
            score, levels = score[chosen].sigmoid(), level_ids[chosen]
            keep = box_ops.remove_small_boxes(boxes, self.min_size)
            boxes, score, levels = boxes[keep], score[keep], levels[keep]
            keep = (score >= self.score_thresh).nonzero()[:, 0]
            boxes, score, levels = boxes[keep], score[keep], levels[keep]
            keep = box_ops.batched_nms(boxes, score, levels, self.nms_thresh)
            kept.append(boxes[keep[:self._post_nms_top_n[self._mode()]]])
        return kept

    def assign_targets_to_anchors(self, anchors, targets):
        """Per image: anchor labels (1 object, 0 background, -1 ignored) and the box each
        anchor regresses to."""
        labels, matched_boxes = [], []
        for anchors_per_image, target in zip(anchors, targets):
            gt = target["boxes"]
            if gt.shape[0] == 0:
                matched_boxes.append(zeros(tuple(anchors_per_image.shape), dtype=gt.dtype))
                labels.append(zeros((anchors_per_image.shape[0],), dtype=gt.dtype))
                continue
            matches = self.proposal_matcher(box_ops.box_iou(gt, anchors_per_image))
            matched_boxes.append(gt[matches.clamp(min=0)])
            label = (matches >= 0).to(gt.dtype)
            label[matches == Matcher.BETWEEN_THRESHOLDS] = -1.0
            labels.append(label)
        return labels, matched_boxes

    def compute_loss(self, objectness, deltas, labels, matched_boxes, anchors):
        """(objectness loss, box loss); the offsets are encoded for the sampled positive
        anchors only."""
        positive, negative = self.fg_bg_sampler(labels)
        positive = cat(positive).nonzero()[:, 0]
        sampled = cat([positive, cat(negative).nonzero()[:, 0]])
        targets = self.box_coder.encode_single(cat(matched_boxes)[positive], cat(anchors)[positive])
        box_loss = F.smooth_l1_loss(deltas[positive], targets, beta=1 / 9,
                                    reduction="sum") / max(1, sampled.shape[0])
        objectness_loss = F.binary_cross_entropy_with_logits(objectness.flatten()[sampled],
                                                             cat(labels)[sampled])
        return objectness_loss, box_loss
