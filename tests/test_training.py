"""Trainer: a killed-and-resumed run reaches exactly the weights of an uninterrupted one;
callbacks, history files and curves; damaged checkpoints raise clear errors."""
import json

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import nn, optim
from yingshe.nn import functional as F
from yingshe.optim import lr_scheduler
from yingshe.training import (
    EarlyStopping,
    ModelCheckpoint,
    RunFolder,
    RunFolderError,
    Trainer,
    load_training_state,
    save_training_state,
    topk_accuracy,
)
from yingshe.utils.data import DataLoader, TensorDataset


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8)).astype(np.float32)
    y = (x[:, :3].sum(axis=1) > 0).astype(np.int64) + 2 * (x[:, 3] > 0.5)
    return TensorDataset(yingshe.from_numpy(x), yingshe.from_numpy(y))


def _trainer(callbacks=()):
    """A model with dropout, a shuffling loader, momentum and a scheduler: every piece of state
    a resumed run must restore (weights, optimiser buffers, schedule, random generators)."""
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 4))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    trainer = Trainer(model, optimizer, F.cross_entropy, scheduler=scheduler,
                      callbacks=callbacks, progress=False)
    return trainer, DataLoader(_data(), batch_size=16, shuffle=True)


def _weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_resumed_run_reaches_the_same_weights_as_an_uninterrupted_one(tmp_path):
    yingshe.manual_seed(42)
    trainer, loader = _trainer()
    trainer.fit(loader, epochs=4, log=None)
    uninterrupted = _weights(trainer.model)

    yingshe.manual_seed(42)
    first, loader = _trainer()
    first.fit(loader, epochs=2, log=None)
    first.save_checkpoint(tmp_path / "ckpt.safetensors")
    del first  # "killed": a new process would rebuild everything from the file
    yingshe.manual_seed(123)  # whatever state the new process starts in
    resumed, loader = _trainer()
    resumed.resume(tmp_path / "ckpt.safetensors")
    assert resumed.epoch == 2 and len(resumed.history) == 2
    resumed.fit(loader, epochs=4, log=None)
    for name, value in _weights(resumed.model).items():
        np.testing.assert_array_equal(value, uninterrupted[name], err_msg=name)
    assert resumed.optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.7 ** 4)


def test_damaged_checkpoint_raises_a_clear_error(tmp_path):
    trainer, loader = _trainer()
    trainer.fit(loader, epochs=1, log=None)
    path = tmp_path / "ckpt.safetensors"
    trainer.save_checkpoint(path)
    blob = path.read_bytes()
    path.write_bytes(blob[:len(blob) // 2])
    check_raises(lambda: trainer.resume(path), RuntimeError, "truncated", str(path))


def test_history_files_and_curves(tmp_path):
    trainer, loader = _trainer()
    history = trainer.fit(loader, DataLoader(_data(32, seed=1), batch_size=32), epochs=3,
                          log=None)
    history.save_csv(tmp_path / "h.csv")
    history.save_json(tmp_path / "h.json")
    rows = json.loads((tmp_path / "h.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"} <= set(rows[0])
    assert (tmp_path / "h.csv").read_text().splitlines()[0].startswith("epoch,train_loss")
    pytest.importorskip("matplotlib")
    history.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_early_stopping_stops_and_restores_the_best_weights():
    class Scripted:
        """Plays a fixed sequence of val_loss values."""
        def __init__(self, values):
            self.values = iter(values)

        def on_train_begin(self, trainer):
            pass

        def on_epoch_end(self, trainer, logs):
            logs["val_loss"] = next(self.values)
            logs["weights"] = _weights(trainer.model)
            snapshots.append(logs["weights"])

        def on_train_end(self, trainer):
            pass

    snapshots = []
    stopper = EarlyStopping("val_loss", patience=2)
    trainer, loader = _trainer([Scripted([1.0, 0.5, 0.7, 0.6, 0.4]), stopper])
    trainer.fit(loader, epochs=10, log=None)
    assert trainer.epoch == 4 and stopper.best_epoch == 2
    for name, value in _weights(trainer.model).items():
        np.testing.assert_array_equal(value, snapshots[1][name])


def test_model_checkpoint_keeps_the_best_epoch(tmp_path):
    path = tmp_path / "best.safetensors"
    trainer, loader = _trainer([ModelCheckpoint(path, monitor="train_loss")])
    trainer.fit(loader, epochs=2, log=None)
    saved = yingshe.load(path)
    assert set(saved) == {"modules", "optimizers", "schedulers", "rng", "generators", "progress"}
    assert saved["progress"]["epoch"] in (1, 2) and set(saved["modules"]) == {"model"}


def test_gradient_clipping_is_applied():
    trainer, loader = _trainer()
    trainer.clip_grad_norm = 1e-3
    before = _weights(trainer.model)
    trainer.optimizer.param_groups[0]["momentum"] = 0.0
    trainer.scheduler = None
    x, y = next(iter(loader))
    trainer.train_epoch([(x, y)])
    step = np.sqrt(sum(((v - before[k]) ** 2).sum() for k, v in _weights(trainer.model).items()))
    assert step <= 0.1 * 1e-3 * 1.0001  # lr * max norm


def test_topk_accuracy():
    logits = yingshe.tensor([[0.1, 0.5, 0.4], [0.9, 0.04, 0.06]])
    assert topk_accuracy(logits, yingshe.tensor([2, 1]), k=2) == 0.5


def test_training_state_names_what_does_not_match(tmp_path):
    path = tmp_path / "state.safetensors"
    model = yingshe.nn.Linear(2, 2)
    optimizer = yingshe.optim.SGD(model.parameters(), lr=0.1)
    save_training_state(path, {"model": model}, {"model": optimizer},
                        rng=[np.random.default_rng(0)], step=3)
    check_raises(lambda: load_training_state(path, {"model": model}, {"model": optimizer}),
                 ValueError, "1 random generator states", "has 0")
    schedule = yingshe.optim.lr_scheduler.StepLR(optimizer, 1)
    check_raises(lambda: load_training_state(path, {"model": model}, {"model": optimizer},
                                             {"model": schedule}, [np.random.default_rng(0)]),
                 ValueError, "learning-rate schedulers [] but", "['model']")
    check_raises(lambda: load_training_state(path, {"net": model}, {"model": optimizer},
                                             rng=[np.random.default_rng(0)]),
                 ValueError, "modules ['model']", "['net']")
    average = yingshe.nn.Linear(2, 2)
    rng = np.random.default_rng(5)
    progress = load_training_state(path, {"model": model, "average": average},
                                   {"model": optimizer}, rng=[rng], allow_missing=["average"])
    assert progress == {"step": 3}
    assert rng.integers(1 << 30) == np.random.default_rng(0).integers(1 << 30)


def test_run_folder_files_and_errors(tmp_path):
    run = RunFolder(tmp_path / "run")
    check_raises(lambda: run.read_config(), RunFolderError, "has no config.json",
                 "yingshe train MODEL --out")
    run.write_config({"model": "mlp", "epochs": 3})
    assert run.read_config(["mlp"]) == {"model": "mlp", "epochs": 3}
    check_raises(lambda: run.read_config(["vae"], "a generative model"), RunFolderError,
                 "is a run of 'mlp', not of a generative model (vae)")
    assert run.merge_metrics({"a": 1}) == {"a": 1}
    assert run.merge_metrics({"b": 2}) == {"a": 1, "b": 2} == run.read_json("metrics.json")
    check_raises(lambda: run.resume_config("mlp"), RunFolderError,
                 "cannot resume", "has no last.safetensors")
    model = yingshe.nn.Linear(2, 1)
    save_training_state(run / RunFolder.LAST, {"model": model})
    assert run.resume_config("mlp", epochs=5, lr=None) == {"model": "mlp", "epochs": 5}
    check_raises(lambda: run.resume_config("lenet5"), RunFolderError,
                 "is a run of 'mlp', not 'lenet5'")
    check_raises(lambda: run.load_weights(" (finish it)"), RunFolderError,
                 "has no model.safetensors (finish it)")
    run.save_weights({"model": model})
    loaded = run.load_into(lambda: {"model": yingshe.nn.Linear(2, 1)})["model"]
    assert not loaded.training
    np.testing.assert_array_equal(loaded.weight.detach().numpy(), model.weight.detach().numpy())
    yingshe.save(model.state_dict(), run / RunFolder.WEIGHTS)  # a bare state_dict, as before
    assert set(run.load_weights()) == {"model"}
    assert RunFolder.containing(run / RunFolder.WEIGHTS).path == run.path


def test_an_example_run_resumes_from_its_earlier_checkpoint_name(tmp_path):
    """The example scripts once kept their resume state in checkpoint.safetensors; a
    classifier's checkpoint.safetensors (its best epoch) is no resume state."""
    run = RunFolder(tmp_path)
    model = yingshe.nn.Linear(2, 1)
    yingshe.save({"model": model.state_dict(), "progress": {"step": 1}},
                 run / RunFolder.BEST)
    assert run.last_state() == run / RunFolder.BEST
    yingshe.save({"model": model.state_dict(), "epoch": 1}, run / RunFolder.BEST)
    check_raises(run.last_state, RunFolderError, "cannot resume")
