"""Stateless neural-network functions, PyTorch's ``torch.nn.functional`` names."""
from ..ops.activation import *
from ..ops.attention import *
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.dropout import *
from ..ops.elementwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.linear import bilinear, linear  # noqa: F401
from ..ops.loss import *
from ..ops.normalization import *
from ..ops.pool import *
from ..ops.shape import pad  # noqa: F401
from ..ops.softmax import log_softmax, one_hot, softmax  # noqa: F401
