"""Training: the ``Trainer`` loop and its callbacks, metrics, the one training-state format,
run folders, progress bars, plots, the loops of the other model families, and ``recipes``
(a config dict -> a complete run folder, for each family of the ``yingshe`` command)."""
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .metrics import RunningMean, accuracy, topk_accuracy
from .progress import progress_bar
from .run_folder import RunFolder, RunFolderError
from .state import load_training_state, read_training_state, save_training_state
from .trainer import History, NonFiniteLossError, Trainer, check_finite

__all__ = ["Trainer", "History", "Callback", "EarlyStopping", "ModelCheckpoint", "accuracy",
           "topk_accuracy", "RunningMean", "save_training_state", "load_training_state",
           "read_training_state", "RunFolder", "RunFolderError", "progress_bar",
           "NonFiniteLossError", "check_finite"]
