"""Training loops, callbacks, metrics and plots."""
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .metrics import RunningMean, accuracy, topk_accuracy
from .resumable import load_training_state, progress_bar, save_training_state
from .trainer import History, Trainer

__all__ = ["Trainer", "History", "Callback", "EarlyStopping", "ModelCheckpoint", "accuracy",
           "topk_accuracy", "RunningMean", "save_training_state", "load_training_state",
           "progress_bar"]
