"""torchvision.ops' mirror: the layers and box operations detection networks are built from."""
from .misc import Conv2dNormActivation

__all__ = ["Conv2dNormActivation"]
