"""Layers and models' building blocks."""
from . import (
    activation,
    attention,
    batchnorm,
    conv,
    distance,
    dropout,
    embedding_bag,
    flatten,
    linear,
    loss,
    normalization,
    pooling,
    rnn,
    sparse,
    sync_batchnorm,
    transformer,
)
from .activation import *
from .attention import *
from .batchnorm import *
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import *
from .distance import *
from .dropout import *
from .embedding_bag import *
from .flatten import *
from .linear import *
from .loss import *
from .module import Module
from .normalization import *
from .pooling import *
from .rnn import *
from .sparse import *
from .sync_batchnorm import *
from .transformer import *

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
for _family in (activation, attention, batchnorm, conv, distance, dropout, embedding_bag, flatten,
                linear, loss, normalization, pooling, rnn, sparse, sync_batchnorm, transformer):
    __all__ += _family.__all__
