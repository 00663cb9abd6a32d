"""torchvision.ops' mirror: the layers and box operations detection networks are built from."""
from .boxes import (
    batched_nms,
    box_area,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    generalized_box_iou,
    nms,
    remove_small_boxes,
)
from .focal_loss import sigmoid_focal_loss
from .giou_loss import generalized_box_iou_loss
from .misc import Conv2dNormActivation
from .roi_align import RoIAlign, roi_align
from .roi_pool import RoIPool, roi_pool

__all__ = ["Conv2dNormActivation", "box_area", "box_convert", "box_iou", "generalized_box_iou",
           "clip_boxes_to_image", "remove_small_boxes", "nms", "batched_nms", "roi_align",
           "RoIAlign", "roi_pool", "RoIPool", "generalized_box_iou_loss", "sigmoid_focal_loss"]
