"""Optimizers (``yingshe.optim.SGD``, ``Adam``, ...), learning-rate schedules
(``yingshe.optim.lr_scheduler``), weight penalties (``yingshe.optim.regularization``) and
weight averaging (``yingshe.optim.swa_utils``)."""
from . import lr_scheduler, regularization, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW",
           "lr_scheduler", "regularization", "swa_utils"]
