"""torchvision's mirror: image datasets, models (with pretrained weights), transforms, image
file reading and writing (``io``), detection ops (``ops``) and metrics (``metrics``: COCO
mAP) and utils (image grids, boxes drawn on images) with
torchvision's names, arguments and results (``import yingshe.vision as torchvision`` runs
tutorial code with the import changed).  ``import yingshe`` does not load it, as ``import
torch`` does not load torchvision."""
from . import datasets, io, metrics, models, ops, transforms, utils

__all__ = ["datasets", "io", "metrics", "models", "ops", "transforms", "utils"]
