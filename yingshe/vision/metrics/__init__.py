"""Detection metrics, as ``torchmetrics.detection``: COCO mean average precision."""
from .mean_ap import MeanAveragePrecision

__all__ = ["MeanAveragePrecision"]
