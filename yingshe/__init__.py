"""yingshe (映射, "mapping"): a deep learning framework written to be read, with PyTorch's API."""
# The order below is the core's import order: autograd and _tensor first, then ops, then nn.
from ._allocator import ALLOCATOR_TUNED
from ._version import __version__
from ._dtype import (bool, can_cast, double, dtype, float, float16, float32, float64,
                     get_default_dtype, half, int, int8, int16, int32, int64, long, promote_types,
                     set_default_dtype, short, uint8)
from ._backend import (device, get_array_module, get_default_device, initial_seed, seed,
                       set_default_device)
from . import accelerator, backends, cuda
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ._tensor import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
                      IntTensor, LongTensor, ShortTensor, Size, Tensor)
from . import ops
from .ops.creation import *  # tensor, zeros, randn, ... (yingshe.X for each __all__ below)
from .ops.broadcast import *
from .ops.elementwise import *
from .ops.reduce import *
from .ops.shape import *
from .ops.indexing import *
from .ops.inplace import *
from .ops.matmul import *
from .ops.softmax import *
from .ops.linalg import *  # det, logdet, slogdet, inverse, pinverse, svd, qr, cholesky, ...
from .ops.spectral import *  # stft, istft, hann_window, hamming_window, ...
from .ops.activation import erf
from .ops.sparse import sparse_coo_tensor  # the layout of sparse gradients
from .serialization import load, save
from . import functional, nn, optim, utils
from . import distributions, linalg  # torch.distributions, torch.linalg
from . import multiprocessing  # torch.multiprocessing: shared tensors (binds share_memory_)
from . import distributed  # torch.distributed over MPI (mpi4py imported on first use)
from . import hub  # torch.hub: load_state_dict_from_url and the pretrained-weights cache

