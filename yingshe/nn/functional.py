"""Stateless neural-network functions, PyTorch's ``torch.nn.functional`` names."""
from ..ops.shape import *  # noqa: F401,F403  (pad)
from ..ops.softmax import *  # noqa: F401,F403  (softmax, log_softmax, one_hot)
