"""torchvision's mirror: image datasets, transforms and utils (image grids, boxes drawn on
images) with torchvision's names, arguments and results (``import yingshe.vision as
torchvision`` runs tutorial code with the import changed).  ``import yingshe`` does not load it,
as ``import torch`` does not load torchvision."""
from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
