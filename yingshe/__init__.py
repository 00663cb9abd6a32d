"""yingshe (映射, "mapping"): a deep learning framework written to be read, with PyTorch's API."""
from ._allocator import ALLOCATOR_TUNED
from ._dtype import (bool, double, dtype, float, float16, float32, float64, get_default_dtype,
                     half, int, int8, int16, int32, int64, long, set_default_dtype, short, uint8)
from ._backend import (device, get_array_module, get_rng_state, initial_seed, manual_seed, seed,
                       set_rng_state)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ._tensor import Tensor
from . import ops
from .ops.creation import *  # noqa: F401,F403 (tensor, zeros, randn, ...)
from .ops.broadcast import *  # noqa: F401,F403
from .ops.elementwise import *  # noqa: F401,F403
from .ops.reduce import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.inplace import *  # noqa: F401,F403
from .ops.matmul import *  # noqa: F401,F403
from .ops.softmax import *  # noqa: F401,F403
from .ops.activation import erf  # noqa: F401
from .serialization import load, save
from . import nn, optim, utils

__version__ = "0.1.0"
