"""Stateless neural-network functions, PyTorch's ``torch.nn.functional`` names."""
from ..ops.activation import *  # noqa: F401,F403
from ..ops.attention import *  # noqa: F401,F403
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.elementwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.linear import bilinear, linear  # noqa: F401
from ..ops.loss import *  # noqa: F401,F403
from ..ops.normalization import *  # noqa: F401,F403
from ..ops.pool import *  # noqa: F401,F403
from ..ops.shape import pad  # noqa: F401
from ..ops.softmax import log_softmax, one_hot, softmax  # noqa: F401
