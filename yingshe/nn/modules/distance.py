"""Layers that compare two inputs: ``CosineSimilarity`` and ``PairwiseDistance``."""
from ...ops.distance import cosine_similarity, pairwise_distance
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (default 1):

        out = sum(x1 * x2) / (max(||x1||_2, eps) max(||x2||_2, eps)),

    each norm floored at ``eps`` (1e-8) so that a zero vector gives 0, not NaN.

    Shape: x1 (*1, D, *2) and x2 broadcastable to it, D at ``dim``; output (*1, *2).

    Examples:
        >>> import yingshe
        >>> cos = yingshe.nn.CosineSimilarity(dim=1)
        >>> cos(yingshe.tensor([[1.0, 0.0], [1.0, 1.0]]), yingshe.tensor([[0.0, 1.0], [2.0, 2.0]]))
        tensor([0.0000, 1.0000])
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """p-norm distance between the rows of ``x1`` and ``x2``, over the last dim:

        out = ||x1 - x2 + eps||_p = (sum_d |x1_d - x2_d + eps|^p)^(1 / p),

    ``eps`` (1e-6) keeping the gradient finite where x1 = x2; the order p (default 2) is kept as
    ``norm``, as PyTorch names it.

    Shape: x1 (N, D) or (D), x2 broadcastable to it; output (N) or (), with ``keepdim=True``
    (N, 1) or (1).

    Examples:
        >>> import yingshe
        >>> distance = yingshe.nn.PairwiseDistance()
        >>> x1 = yingshe.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> distance(x1, yingshe.tensor([[3.0, 4.0], [1.0, 1.0]]))  # eps shows where x1 = x2
        tensor([5.0000e+00, 1.4142e-06])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
