"""Object detectors, as ``torchvision.models.detection``: SSD (Liu et al. 2016), a YOLO-style
grid detector (Redmon et al. 2016; anchors as in YOLOv2/v3) and Faster R-CNN (Ren et al. 2015),
with torchvision's interface: ``model(images, targets)`` returns the losses in training mode,
``model(images)`` one dict of ``boxes``/``scores``/``labels`` per image in eval mode."""
from ._utils import BalancedPositiveNegativeSampler, BoxCoder, Matcher, SSDMatcher
from .anchor_utils import AnchorGenerator, DefaultBoxGenerator, ImageList
from .backbone_utils import DetectionBackbone, IntermediateLayerGetter, resnet_detection_backbone
from .faster_rcnn import FasterRCNN, FastRCNNPredictor, RoIHeads, TwoMLPHead
from .rpn import RegionProposalNetwork, RPNHead
from .ssd import SSD, SSDHead
from .transform import GeneralizedRCNNTransform
from .yolo import YOLO, YOLOHead

__all__ = ["BoxCoder", "Matcher", "SSDMatcher", "BalancedPositiveNegativeSampler",
           "AnchorGenerator", "DefaultBoxGenerator", "ImageList", "IntermediateLayerGetter",
           "DetectionBackbone", "resnet_detection_backbone", "GeneralizedRCNNTransform",
           "SSD", "SSDHead", "YOLO", "YOLOHead", "FasterRCNN", "RegionProposalNetwork", "RPNHead",
           "RoIHeads", "TwoMLPHead", "FastRCNNPredictor"]
