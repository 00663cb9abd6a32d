"""Optimizers (``yingshe.optim.SGD``, ``Adam``, ...), learning-rate schedules
(``yingshe.optim.lr_scheduler``), weight penalties (``yingshe.optim.regularization``), weight
averaging (``yingshe.optim.swa_utils``), row-sparse SGD for embedding tables
(``yingshe.optim.SparseRowSGD``) and Adam for sparse gradients (``yingshe.optim.SparseAdam``)."""
from . import lr_scheduler, regularization, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD
from .sparse import SparseRowSGD
from .sparse_adam import SparseAdam

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam",
           "RAdam", "LBFGS", "SparseRowSGD", "SparseAdam", "lr_scheduler", "regularization",
           "swa_utils"]
