"""Similarity and distance between vectors, PyTorch's ``cosine_similarity`` and
``pairwise_distance``: both broadcast their two inputs and reduce one dimension."""
from .._backend import get_array_module
from .._dtype import result_type
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op
from .broadcast import broadcast_tensors
from .elementwise import to_copy
from .reduce import norm

__all__ = ["cosine_similarity", "pairwise_distance"]


class FloorNorm(Op):
    """y = max(n, eps) with the gradient of n passed through unchanged, dx = dy: PyTorch clamps
    the norms of cosine_similarity in place without recording it, so the clamp is invisible to
    autograd."""

    @staticmethod
    def forward(ctx, n, eps):
        return get_array_module(n).maximum(n, n.dtype.type(eps))

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between vectors along ``dim``.

    cos(x1, x2) = sum_d (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps)) along ``dim`` of the
    broadcast inputs.  Each vector is divided by its own norm before the product (PyTorch 2's
    form), so |cos| <= 1 and x1 . x2 is never formed; the eps floor carries no gradient.

    Shape: x1 (*_1, D, *_2) with D at ``dim`` (default 1); x2 broadcastable to x1; output the
    broadcast shape without ``dim``.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x1 = yingshe.tensor([[1., 0.], [1., 1.]])
        >>> F.cosine_similarity(x1, yingshe.tensor([[0., 1.], [2., 2.]]))
        tensor([0.0000, 1.0000])
        >>> F.cosine_similarity(x1, yingshe.tensor([1., 0.]), dim=-1)
        tensor([1.0000, 0.7071])
    """
    for name, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"cosine_similarity: {name} must be a Tensor, got {type(t).__name__}")
    common = result_type(x1, x2)
    if common.kind != "f":
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet "
                           f"common dtype is {common} (x1 {x1.dtype}, x2 {x2.dtype})")
    x1, x2 = to_copy(x1, dtype=common), to_copy(x2, dtype=common)
    x1, x2 = broadcast_tensors(x1, x2)
    dim = _normalize_dim(dim, x1.ndim, "cosine_similarity")
    n1 = FloorNorm.apply(norm(x1, 2, dim, keepdim=True), eps)
    n2 = FloorNorm.apply(norm(x2, 2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The ``p``-norm distance between vectors along the last dimension.

    d = ||x1 - x2 + eps||_p = (sum_i |x1_i - x2_i + eps|^p)^(1/p) over the last dimension of
    the broadcast inputs (eps keeps the gradient of a p-norm finite when x1 = x2).

    Shape: x1 (*, D) and x2 (*, D), broadcastable; output (*), or (*, 1) with ``keepdim``.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x1, x2 = yingshe.tensor([[0., 0.], [1., 1.]]), yingshe.tensor([[3., 4.], [2., 1.]])
        >>> F.pairwise_distance(x1, x2)
        tensor([5.0000, 1.0000])
        >>> F.pairwise_distance(x1, x2, p=1)
        tensor([7.0000, 1.0000])
    """
    difference = x1 - x2 + eps
    if difference.ndim == 0:  # a scalar is its own vector
        return norm(difference, p, None, keepdim)
    return norm(difference, p, -1, keepdim)
