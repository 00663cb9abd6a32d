"""``Trainer``: the supervised training loop (forward, loss, backward, update; evaluate on
held-out data each epoch; Goodfellow, Bengio & Courville 2016, Deep Learning, §8.1) with
callbacks, schedulers, clipping and resumable state."""
import csv
import json
import math
import time

from ..autograd.grad_mode import no_grad
from ..nn.utils import clip_grad_norm_
from .metrics import RunningMean, accuracy
from .progress import progress_bar
from .state import load_training_state, save_training_state

__all__ = ["Trainer", "History", "NonFiniteLossError", "check_finite"]


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite; the loop stopped before updating the weights with
    that step.

    Examples:
        >>> from yingshe.training import NonFiniteLossError, check_finite
        >>> try:
        ...     check_finite(float("inf"), epoch=1, step=3)
        ... except NonFiniteLossError as error:
        ...     print(str(error).split(".")[0])
        Training stopped at epoch 1, step 3: the loss is inf
    """


def check_finite(value, what="loss", *, epoch=None, step=None, step_name="step", parts=None):
    """Return the float ``value`` of a loss if it is finite; otherwise raise
    ``NonFiniteLossError`` naming ``what``, the ``epoch`` and ``step`` (1-based, either may be
    None), the value and the ``parts`` ({name: Tensor or float}) it is the sum of.

    The training loops call it after ``backward`` and before ``optimizer.step()``, so the
    weights are never updated with a NaN/Inf loss, and under ``detect_anomaly`` the backward has
    already named the op.

    Examples:
        >>> import yingshe
        >>> from yingshe.training import check_finite
        >>> check_finite(yingshe.tensor(0.25))
        0.25
        >>> try:
        ...     check_finite(float("nan"), epoch=2, step=7,
        ...                  parts={"recon": 1.5, "kl": float("nan")})
        ... except FloatingPointError as error:              # NonFiniteLossError is one
        ...     print(str(error).split(". ")[0])
        Training stopped at epoch 2, step 7: the loss is nan (recon = 1.5, kl = nan)
    """
    value = float(value)
    if math.isfinite(value):
        return value
    where = ", ".join(f"{name} {number}" for name, number in (("epoch", epoch), (step_name, step))
                      if number is not None)
    detail = ""
    if parts:
        detail = " (" + ", ".join(
            f"{name} = {float(part.item() if hasattr(part, 'item') else part):.6g}"
            for name, part in parts.items()) + ")"
    raise NonFiniteLossError(
        f"Training stopped{' at ' + where if where else ''}: the {what} is {value}{detail}. The "
        "weights were not updated with this step, and the checkpoints written so far (at the end "
        "of earlier epochs) are the last good ones. To find the op that produced the NaN/Inf, run "
        "again with --detect-anomaly (or inside `with yingshe.autograd.detect_anomaly():`): the "
        "first backward that returns NaN then raises, naming its op and the forward line that "
        "made it.")


class History:
    """One dict per epoch (epoch, train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds).

    Examples:
        >>> from yingshe.training import History
        >>> history = History([{"epoch": 1, "val_loss": 0.9}, {"epoch": 2, "val_loss": 0.7}])
        >>> history.append({"epoch": 3, "val_loss": 0.8})
        >>> len(history), history["val_loss"]        # one column across the epochs
        (3, [0.9, 0.7, 0.8])
    """

    def __init__(self, rows=None):
        self.rows = list(rows or [])

    def append(self, row):
        """Add one epoch's row of figures."""
        self.rows.append(dict(row))

    def __getitem__(self, key):
        return [row.get(key) for row in self.rows]

    def __len__(self):
        return len(self.rows)

    def save_json(self, path):
        """Write the rows to ``path`` as a JSON list."""
        with open(path, "w") as f:
            json.dump(self.rows, f, indent=1)

    def save_csv(self, path):
        """Write the rows to ``path`` as CSV, one column per figure."""
        keys = list(dict.fromkeys(k for row in self.rows for k in row))
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.rows)

    def plot(self, path, title=None):
        """Loss and accuracy curves, train vs validation, as a PNG (needs matplotlib)."""
        from .plots import plot_history
        plot_history(self, path, title)


class Trainer:
    """Train ``model`` with ``optimizer`` on ``loss_fn(output, target)`` batches of (input, target).

    ``scheduler`` steps once per epoch (``ReduceLROnPlateau`` is given ``val_loss``) or per batch
    with ``scheduler_step='batch'`` (e.g. OneCycleLR); ``clip_grad_norm`` clips before each update.

    Each epoch is the textbook loop: for each batch ``zero_grad``, ``output = model(input)``,
    ``loss_fn(output, target).backward()``, ``optimizer.step()``; then ``evaluate`` on the
    validation loader.  ``metric(output, target)`` (default ``accuracy``) is averaged alongside
    the loss, weighted by batch size.

    Shape:
        each batch is ``(input, target)``, the shapes ``model`` and ``loss_fn`` take, e.g. input
        ``(N, *)`` and target ``(N,)`` for a classifier with ``CrossEntropyLoss``.

    Examples:
        >>> import yingshe
        >>> from yingshe.training import Trainer
        >>> from yingshe.utils.data import DataLoader, TensorDataset
        >>> _ = yingshe.manual_seed(0)
        >>> x = yingshe.randn(32, 4)
        >>> loader = DataLoader(TensorDataset(x, (x[:, 0] > 0).long()), batch_size=8)
        >>> model = yingshe.nn.Linear(4, 2)
        >>> trainer = Trainer(model, yingshe.optim.SGD(model.parameters(), lr=0.5),
        ...                   yingshe.nn.CrossEntropyLoss(), progress=False)
        >>> history = trainer.fit(loader, val_loader=loader, epochs=3, log=None)
        >>> history["epoch"], trainer.epoch
        ([1, 2, 3], 3)
        >>> list(history.rows[0])
        ['epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'lr', 'seconds']
    """

    def __init__(self, model, optimizer, loss_fn, *, scheduler=None, scheduler_step="epoch",
                 callbacks=(), clip_grad_norm=None, device="cpu", progress=True,
                 metric=accuracy):
        if scheduler_step not in ("epoch", "batch"):
            raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.scheduler, self.scheduler_step = scheduler, scheduler_step
        self.callbacks, self.clip_grad_norm = list(callbacks), clip_grad_norm
        self.device, self.progress, self.metric = device, progress, metric
        self.history, self.epoch, self.stop_training = History(), 0, False

    # ---- one pass ---------------------------------------------------------------------------
    def _to_device(self, batch):
        inputs, targets = batch
        return inputs.to(self.device), targets.to(self.device)

    def forward(self, inputs):
        """The training forward pass (``DistributedTrainer`` runs it through
        ``DistributedDataParallel``)."""
        return self.model(inputs)

    def train_epoch(self, loader):
        """One pass over ``loader`` updating the weights; returns mean loss and metric.

        A NaN or infinite loss raises ``NonFiniteLossError`` (naming the epoch and the step,
        counted from 1) before the weights are updated with it."""
        self.model.train()
        loss_mean, metric_mean = RunningMean(), RunningMean()
        bar = progress_bar(loader, f"epoch {self.epoch + 1}", self.progress)
        for step, batch in enumerate(bar, 1):
            inputs, targets = self._to_device(batch)
            self.optimizer.zero_grad()
            output = self.forward(inputs)
            loss = self.loss_fn(output, targets)
            loss.backward()
            value = check_finite(loss.item(), epoch=self.epoch + 1, step=step)
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler_step == "batch":
                self.scheduler.step()
            n = len(targets)
            loss_mean.update(value, n)
            if self.metric is not None:
                metric_mean.update(self.metric(output.detach(), targets), n)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss_mean.value:.4f}", acc=f"{metric_mean.value:.4f}")
        return {"loss": loss_mean.value, "accuracy": metric_mean.value}

    @no_grad()
    def evaluate(self, loader):
        """Mean loss and metric over ``loader`` in eval mode, without building a graph."""
        self.model.eval()
        loss_mean, metric_mean = RunningMean(), RunningMean()
        for batch in loader:
            inputs, targets = self._to_device(batch)
            output = self.model(inputs)
            n = len(targets)
            loss_mean.update(self.loss_fn(output, targets).item(), n)
            if self.metric is not None:
                metric_mean.update(self.metric(output, targets), n)
        return {"loss": loss_mean.value, "accuracy": metric_mean.value}

    # ---- the loop ---------------------------------------------------------------------------
    def fit(self, train_loader, val_loader=None, epochs=1, log=print):
        """Train until ``epochs`` epochs in total have run (a resumed trainer continues)."""
        self.stop_training = False
        for callback in self.callbacks:
            callback.on_train_begin(self)
        while self.epoch < epochs and not self.stop_training:
            start = time.perf_counter()
            train = self.train_epoch(train_loader)
            row = {"epoch": self.epoch + 1, "train_loss": train["loss"],
                   "train_accuracy": train["accuracy"]}
            if val_loader is not None:
                val = self.evaluate(val_loader)
                row.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
            row["lr"] = self.optimizer.param_groups[0]["lr"]
            if self.scheduler is not None and self.scheduler_step == "epoch":
                if type(self.scheduler).__name__ == "ReduceLROnPlateau":
                    self.scheduler.step(row.get("val_loss", row["train_loss"]))
                else:
                    self.scheduler.step()
            row["seconds"] = time.perf_counter() - start
            self.epoch += 1
            self.history.append(row)
            if log is not None:
                log(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in row.items()))
            for callback in self.callbacks:
                callback.on_epoch_end(self, row)
        for callback in self.callbacks:
            callback.on_train_end(self)
        return self.history

    # ---- resumable state --------------------------------------------------------------------
    def _parts(self):
        """(modules, optimizers, schedulers) by name, as the training state stores them."""
        schedulers = {"model": self.scheduler} if self.scheduler is not None else {}
        return {"model": self.model}, {"model": self.optimizer}, schedulers

    def save_checkpoint(self, path):
        """Write everything a resumed run needs to continue exactly (weights, optimiser,
        scheduler, random generators, epoch, history) in the one training-state format."""
        save_training_state(path, *self._parts(), epoch=self.epoch, history=self.history.rows)

    def resume(self, path):
        """Continue from a checkpoint that ``save_checkpoint`` wrote."""
        progress = load_training_state(path, *self._parts())
        self.epoch = int(progress["epoch"])
        self.history = History(progress["history"])
        return self
