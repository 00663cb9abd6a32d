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
    """Dropout (Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov 2014): in
    training each element is zeroed with probability ``p`` (0.5) and the rest scaled by
    1 / (1 - p), so the expected output equals the input, out = x m / (1 - p), m ~ Bernoulli(1 - p);
    in eval mode it is the identity.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> dropout = yingshe.nn.Dropout(p=0.5)
        >>> sorted(set(dropout(yingshe.ones(1000)).tolist()))  # zeroed or scaled by 1 / (1 - p)
        [0.0, 2.0]
        >>> dropout.eval()(yingshe.ones(3))
        tensor([1., 1., 1.])
    """

    def forward(self, input):
        return D.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Channel dropout for (N, C, L) input: in training each whole channel x[n, c] is
    zeroed with probability ``p`` and the kept ones scaled by 1 / (1 - p) (neighbouring positions
    are correlated, so zeroing single elements regularises little: Tompson et al. 2015); the
    identity in eval mode.

    Shape: input (N, C, L) or (C, L); output the same shape.

    Examples:
        >>> import yingshe
        >>> y = yingshe.nn.Dropout1d(p=0.5)(yingshe.ones(2, 8, 5))
        >>> bool((y.amax(dim=2) == y.amin(dim=2)).all())  # each channel all 0 or all 2
        True
    """

    def forward(self, input):
        return D.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Channel dropout for (N, C, H, W) input: in training each whole feature map
    x[n, c] is zeroed with probability ``p`` and the kept ones scaled by 1 / (1 - p) (Tompson,
    Goroshin, Jain, LeCun & Bregler 2015, "SpatialDropout"); the identity in eval mode.  A 3-D
    input is read as (N, C, L), with a warning, as PyTorch.

    Shape: input (N, C, H, W) or (N, C, L); output the same shape.

    Examples:
        >>> import yingshe
        >>> y = yingshe.nn.Dropout2d(p=0.5)(yingshe.ones(2, 8, 3, 3))
        >>> bool((y.amax(dim=(2, 3)) == y.amin(dim=(2, 3))).all())  # whole maps 0 or 2
        True
    """

    def forward(self, input):
        return D.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Channel dropout for (N, C, D, H, W) input: in training each whole volume x[n, c]
    is zeroed with probability ``p`` and the kept ones scaled by 1 / (1 - p) (Tompson et al.
    2015); the identity in eval mode.

    Shape: input (N, C, D, H, W) or (C, D, H, W); output the same shape.

    Examples:
        >>> import yingshe
        >>> y = yingshe.nn.Dropout3d(p=0.5)(yingshe.ones(2, 8, 2, 3, 3))
        >>> bool((y.amax(dim=(2, 3, 4)) == y.amin(dim=(2, 3, 4))).all())
        True
    """

    def forward(self, input):
        return D.dropout3d(input, self.p, self.training)
