"""``yingshe.backends``: PyTorch's backend switches, so code that sets them runs unchanged.
yingshe computes with NumPy and CuPy only: there is no MPS device, no cuDNN, and the TF32
switches are accepted but change nothing."""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
