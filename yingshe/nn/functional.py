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
from ..ops.elementwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.embedding_bag import embedding_bag  # noqa: F401
from ..ops.linear import bilinear, linear  # noqa: F401
from ..ops.loss import *
from ..ops.normalization import *
from ..ops.pool import *
from ..ops.pool import interpolate
from ..ops.shape import pad  # noqa: F401
from ..ops.softmax import one_hot  # noqa: F401


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``yingshe.softmax`` along ``dim``; without ``dim``, PyTorch's deprecated implicit choice
    (0 for 0-, 1- and 3-D inputs, else 1) with its warning."""
    if dim is None:
        dim = _implicit_softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``yingshe.log_softmax`` along ``dim``; without ``dim``, the implicit choice of
    ``softmax`` with its warning."""
    if dim is None:
        dim = _implicit_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _softmax.log_softmax(input, dim, dtype)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``, kept with PyTorch's warning."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)
