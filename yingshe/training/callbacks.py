"""Callbacks run by ``Trainer`` at the end of each epoch: early stopping (Prechelt
1998, "Early stopping - but when?": stop when validation stops improving) and checkpointing."""
import copy
import math

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint"]


class Callback:
    """Override ``on_train_begin``, ``on_epoch_end`` or ``on_train_end``; set
    ``trainer.stop_training = True`` to stop after this epoch.

    Examples:
        >>> import yingshe
        >>> from yingshe.training import Callback, Trainer
        >>> from yingshe.utils.data import DataLoader, TensorDataset
        >>> class StopAtLowLoss(Callback):
        ...     def on_epoch_end(self, trainer, logs):
        ...         print("epoch", logs["epoch"])
        ...         if logs["train_loss"] < 10.0:              # always, here: stop after one
        ...             trainer.stop_training = True
        >>> loader = DataLoader(TensorDataset(yingshe.ones(4, 2), yingshe.tensor([0, 1, 0, 1])),
        ...                     batch_size=2)
        >>> model = yingshe.nn.Linear(2, 2)
        >>> trainer = Trainer(model, yingshe.optim.SGD(model.parameters(), lr=0.1),
        ...                   yingshe.nn.CrossEntropyLoss(), callbacks=[StopAtLowLoss()],
        ...                   progress=False)
        >>> len(trainer.fit(loader, epochs=5, log=None))
        epoch 1
        1
    """

    def on_train_begin(self, trainer):
        """Called by ``Trainer.fit`` before the first epoch."""

    def on_epoch_end(self, trainer, logs):
        """Called after each epoch with its row of figures (``logs``)."""

    def on_train_end(self, trainer):
        """Called when ``fit`` returns."""


class _Monitor:
    def __init__(self, monitor, mode, min_delta):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)
        self.best = math.inf if mode == "min" else -math.inf

    def value(self, logs):
        if self.monitor not in logs:
            raise KeyError(f"{type(self).__name__}: metric '{self.monitor}' is not logged; "
                           f"available: {sorted(logs)}")
        return logs[self.monitor]

    def improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(Callback, _Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs; optionally
    put back the weights of the best epoch.

    Examples:
        The callback on its own, fed the validation losses of four epochs:

        >>> from types import SimpleNamespace
        >>> from yingshe.training import EarlyStopping
        >>> stopper = EarlyStopping(patience=2, restore_best_weights=False)
        >>> trainer = SimpleNamespace(stop_training=False)
        >>> for epoch, val_loss in enumerate([1.0, 0.8, 0.85, 0.9], 1):
        ...     stopper.on_epoch_end(trainer, {"epoch": epoch, "val_loss": val_loss})
        >>> trainer.stop_training, stopper.best, stopper.best_epoch, stopper.stopped_epoch
        (True, 0.8, 2, 4)

        In a run: ``Trainer(..., callbacks=[EarlyStopping(patience=5)])``.
    """

    def __init__(self, monitor="val_loss", patience=5, mode="min", min_delta=0.0,
                 restore_best_weights=True):
        _Monitor.__init__(self, monitor, mode, min_delta)
        self.patience, self.restore_best_weights = patience, restore_best_weights
        self.wait, self.best_epoch, self.best_state, self.stopped_epoch = 0, None, None, None

    def on_train_begin(self, trainer):
        """A resumed trainer's history says how long the metric has not improved."""
        for row in trainer.history.rows:
            if self.improved(self.value(row)):
                self.best, self.best_epoch, self.wait = self.value(row), row["epoch"], 0
            else:
                self.wait += 1

    def on_epoch_end(self, trainer, logs):
        """Remember an improved epoch (and its weights); stop training after ``patience``
        epochs without one.
        """
        value = self.value(logs)
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, logs["epoch"], 0
            if self.restore_best_weights:
                self.best_state = {k: v.clone() for k, v in trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = logs["epoch"]
            trainer.stop_training = True

    def on_train_end(self, trainer):
        """Put back the best epoch's weights if training stopped early."""
        if self.restore_best_weights and self.best_state is not None and \
                self.stopped_epoch is not None:
            trainer.model.load_state_dict(self.best_state)

    def state_dict(self):
        """The callback's progress (best value and epoch, epochs waited), for resuming."""
        return {k: copy.deepcopy(v) for k, v in vars(self).items() if k != "best_state"}


class ModelCheckpoint(Callback, _Monitor):
    """Save the whole training state to ``path`` every epoch, or only when ``monitor`` improves.

    Examples:
        >>> import os
        >>> import tempfile
        >>> import yingshe
        >>> from yingshe.training import ModelCheckpoint, Trainer, read_training_state
        >>> from yingshe.utils.data import DataLoader, TensorDataset
        >>> loader = DataLoader(TensorDataset(yingshe.ones(4, 2), yingshe.tensor([0, 1, 0, 1])),
        ...                     batch_size=2)
        >>> model = yingshe.nn.Linear(2, 2)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "checkpoint.safetensors")
        ...     trainer = Trainer(model, yingshe.optim.SGD(model.parameters(), lr=0.1),
        ...                       yingshe.nn.CrossEntropyLoss(), progress=False,
        ...                       callbacks=[ModelCheckpoint(path, save_best_only=False)])
        ...     _ = trainer.fit(loader, loader, epochs=2, log=None)
        ...     read_training_state(path)["progress"]["epoch"]
        2
    """

    def __init__(self, path, monitor="val_loss", mode="min", save_best_only=True):
        _Monitor.__init__(self, monitor, mode, 0.0)
        self.path, self.save_best_only = path, save_best_only

    def on_train_begin(self, trainer):
        """A resumed trainer's history holds the best value saved so far."""
        for row in trainer.history.rows:
            if self.monitor in row and self.improved(row[self.monitor]):
                self.best = row[self.monitor]

    def on_epoch_end(self, trainer, logs):
        """Save the training state to ``path`` (only on improvement with ``save_best_only``)."""
        if self.save_best_only:
            value = self.value(logs)
            if not self.improved(value):
                return
            self.best = value
        trainer.save_checkpoint(self.path)
