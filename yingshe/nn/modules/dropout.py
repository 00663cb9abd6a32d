"""Dropout layers (Srivastava et al. 2014): active in ``train()`` mode, the identity in
``eval()``."""
from ...ops import dropout as D
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training, scaling the rest by 1 / (1 - p)."""

    def forward(self, input):
        return D.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) input with probability p in training."""

    def forward(self, input):
        return D.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole feature maps of (N, C, H, W) input with probability p in training (a 3-D
    input is read as (N, C, L), with a warning, as PyTorch)."""

    def forward(self, input):
        return D.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole volumes of (N, C, D, H, W) or (C, D, H, W) input with probability p in
    training."""

    def forward(self, input):
        return D.dropout3d(input, self.p, self.training)
