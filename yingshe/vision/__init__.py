"""torchvision's mirror: image datasets and transforms with torchvision's names, arguments and
results (``import yingshe.vision as torchvision`` runs tutorial code with the import changed).
``import yingshe`` does not load it, as ``import torch`` does not load torchvision."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
