"""Stateless neural-network functions, PyTorch's ``torch.nn.functional`` names."""
import warnings

from ..ops import softmax as _softmax
from ..ops.activation import *
from ..ops.activation import _implicit_softmax_dim
from ..ops.attention import *
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.ctc import ctc_loss  # noqa: F401
from ..ops.distance import *
from ..ops.dropout import *
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import sigmoid, tanh  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.embedding_bag import embedding_bag  # noqa: F401
from ..ops.linear import bilinear, linear  # noqa: F401
from ..ops.loss import *
from ..ops.normalization import *
from ..ops.pool import *
from ..ops.pool import interpolate
from ..ops.shape import pad  # noqa: F401
from ..ops.softmax import one_hot  # noqa: F401


def relu(input, inplace=False):
    """The rectified linear unit ``yingshe.relu``, max(x, 0) elementwise, with PyTorch's
    ``inplace`` flag (accepted and ignored: the result is a new tensor, as for every activation
    here).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.relu(yingshe.tensor([-1.0, 0.0, 2.0]), inplace=True)
        tensor([0., 0., 2.])
    """
    return _relu(input)

def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """The softmax along ``dim``, ``yingshe.softmax``: probabilities that sum to 1 along ``dim``.

    out_i = exp(x_i) / sum_j exp(x_j), computed with the maximum subtracted; without ``dim``,
    PyTorch's deprecated implicit choice (0 for 0-, 1- and 3-D inputs, else 1) with its
    warning. ``dtype`` casts the input first.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> logits = yingshe.tensor([[1., 2., 3.], [1., 1., 1.]])
        >>> F.softmax(logits, dim=-1)
        tensor([[0.0900, 0.2447, 0.6652],
                [0.3333, 0.3333, 0.3333]])
    """
    if dim is None:
        dim = _implicit_softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """The log-softmax along ``dim``, ``yingshe.log_softmax``: log probabilities, stably.

    out_i = x_i - log sum_j exp(x_j) (log-sum-exp with the maximum subtracted); without
    ``dim``, the implicit choice of ``softmax`` with its warning. Followed by ``nll_loss`` it
    is ``cross_entropy``.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.log_softmax(yingshe.tensor([1., 2., 3.]), dim=0)
        tensor([-2.4076, -1.4076, -0.4076])
    """
    if dim is None:
        dim = _implicit_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _softmax.log_softmax(input, dim, dtype)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize ``input`` (deprecated alias of ``interpolate``, kept with PyTorch's warning).

    The same arguments and result as ``interpolate``.

    Shape: input (N, C, H, W); output (N, C, H_out, W_out).

    Examples:
        >>> import warnings
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample(yingshe.ones(1, 1, 2, 2), scale_factor=2).shape
        yingshe.Size([1, 1, 4, 4])
    """
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)
