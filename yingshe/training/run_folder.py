"""A run folder: everything one training run leaves behind, under fixed names.

    config.json             every option of the run, so that it can be rebuilt and resumed
    history.json            one row of figures per epoch (or per evaluation step)
    metrics.json            the final figures (test set, scores)
    last.safetensors        the whole training state after the latest epoch (``--resume``)
    checkpoint.safetensors  the whole training state of the best epoch (classifiers)
    model.safetensors       the final weights, {module name: state_dict}

plus pictures (curves.png, samples, ...).  Every file is written atomically (a temporary file
renamed into place), so a killed run leaves complete files.  ``RunFolder`` reads the folders
written before these names were fixed too: the example scripts kept their resume state in
checkpoint.safetensors and their weights as a bare state_dict."""
import json
from pathlib import Path

from .._tensor import Tensor
from ..serialization import load, save, write_atomically
from .state import read_training_state

__all__ = ["RunFolder", "RunFolderError"]


class RunFolderError(Exception):
    """A run folder is missing, incomplete, or of another kind than asked for; the message
    says which file and what to do.

    Examples:
        >>> import tempfile
        >>> from yingshe.training import RunFolder, RunFolderError
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     try:
        ...         RunFolder(folder).load_weights()
        ...     except RunFolderError as error:
        ...         print(str(error).replace(folder, "RUN"))
        RUN has no model.safetensors
    """


class RunFolder:
    """The folder ``path`` of one run (see the module docstring for its files).

    Examples:
        >>> import tempfile
        >>> from yingshe.training import RunFolder
        >>> folder = tempfile.TemporaryDirectory()
        >>> run = RunFolder(folder.name + "/mlp-seed0")
        >>> run.write_config({"model": "mlp", "epochs": 2, "seed": 0})
        >>> run.read_config(models=["mlp"])["epochs"]
        2
        >>> run.merge_metrics({"test_accuracy": 0.97})
        {'test_accuracy': 0.97}
        >>> sorted(p.name for p in run.path.iterdir())
        ['config.json', 'metrics.json']
        >>> folder.cleanup()
    """
    CONFIG, HISTORY, METRICS = "config.json", "history.json", "metrics.json"
    LAST, BEST, WEIGHTS = "last.safetensors", "checkpoint.safetensors", "model.safetensors"

    def __init__(self, path):
        self.path = Path(path)

    @classmethod
    def containing(cls, path):
        """The run folder ``path`` names, or the one holding the file ``path``."""
        path = Path(path)
        return cls(path.parent if path.is_file() else path)

    def __truediv__(self, name):
        return self.path / name

    def __repr__(self):
        return f"RunFolder({str(self.path)!r})"

    def create(self):
        """Make the folder (and its parents); returns self."""
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    # ---- JSON files --------------------------------------------------------------------------
    def read_json(self, name):
        """The contents of the JSON file ``name``; RunFolderError when it is missing."""
        path = self.path / name
        if not path.is_file():
            raise RunFolderError(f"{self.path} has no {name}")
        return json.loads(path.read_text())

    def write_json(self, name, value, indent=1):
        """Write ``value`` as JSON to the file ``name``, atomically."""
        self.create()
        write_atomically(self.path / name, [json.dumps(value, indent=indent).encode("utf-8")])

    def read_config(self, models=None, kind=None, written_by="yingshe train MODEL"):
        """The run's config.json; with ``models`` (names), a ``RunFolderError`` unless the run
        trained one of them (``kind`` names them in the message, e.g. "a classifier")."""
        if not (self.path / self.CONFIG).is_file():
            raise RunFolderError(f"{self.path} has no {self.CONFIG}; give a run folder written "
                                 f"by `{written_by} --out {self.path}`")
        config = self.read_json(self.CONFIG)
        if models is not None and config.get("model") not in models:
            names = ", ".join(models)
            what = f"{kind} ({names})" if kind else f"one of {names}"
            raise RunFolderError(f"{self.path} is a run of {config.get('model')!r}, not of "
                                 f"{what}")
        return config

    def write_config(self, config):
        """Write ``config`` to config.json (atomically)."""
        self.write_json(self.CONFIG, config)

    def merge_metrics(self, figures):
        """Add ``figures`` to metrics.json, keeping its other entries; returns the whole."""
        path = self.path / self.METRICS
        metrics = json.loads(path.read_text()) if path.is_file() else {}
        metrics.update(figures)
        self.write_json(self.METRICS, metrics)
        return metrics

    # ---- weights and training state ---------------------------------------------------------
    def save_weights(self, modules):
        """Write the final weights of ``modules`` ({name: Module}) to model.safetensors."""
        self.create()
        save({name: module.state_dict() for name, module in modules.items()},
             self.path / self.WEIGHTS)

    def load_weights(self, finish_hint=""):
        """{module name: state_dict} of model.safetensors (a bare state_dict, as the example
        scripts wrote it, comes back as {"model": state_dict})."""
        path = self.path / self.WEIGHTS
        if not path.is_file():
            raise RunFolderError(f"{self.path} has no {self.WEIGHTS}{finish_hint}")
        weights = load(path)
        if any(isinstance(value, Tensor) for value in weights.values()):
            return {"model": weights}
        return weights

    def load_into(self, build, finish_hint=""):
        """The modules ``build()`` returns ({name: Module}) with the final weights loaded, in
        eval mode (``build`` runs once the weights are found)."""
        weights = self.load_weights(finish_hint)
        modules = build()
        for name, module in modules.items():
            module.load_state_dict(weights[name])
            module.eval()
        return modules

    def last_state(self):
        """The path of the training state to resume from: last.safetensors, or the
        checkpoint.safetensors of an example run written before the names were fixed."""
        last, best = self.path / self.LAST, self.path / self.BEST
        if last.is_file():
            return last
        if best.is_file() and "progress" in _layout_keys(best):
            return best
        raise RunFolderError(f"cannot resume: {self.path} has no {self.LAST}")

    def best_state(self):
        """The training state of the best epoch (checkpoint.safetensors) as a dict of the
        one training-state format."""
        path = self.path / self.BEST
        if not path.is_file():
            raise RunFolderError(f"no checkpoint at {path}")
        return read_training_state(path)

    # ---- resuming ---------------------------------------------------------------------------
    def resume_config(self, model=None, **given):
        """The config of the run to resume, with the options in ``given`` that are not None
        put in place of the saved ones (e.g. a larger ``epochs``); with ``model``, a
        ``RunFolderError`` unless the run trained it."""
        if not (self.path / self.CONFIG).is_file():
            raise RunFolderError(f"cannot resume: {self.path} has no {self.CONFIG}")
        config = self.read_json(self.CONFIG)
        if model is not None and config.get("model") != model:
            raise RunFolderError(f"{self.path} is a run of {config.get('model')!r}, not "
                                 f"{model!r}")
        self.last_state()
        config.update({key: value for key, value in given.items() if value is not None})
        return config


def _layout_keys(path):
    """The top-level keys of the training state in ``path``."""
    return set(load(path))
