"""The one training-state format: everything a stopped loop needs to continue exactly, in one
safetensors file written atomically (``yingshe.save``; no pickle).

    {"modules": {name: state_dict}, "optimizers": {name: state_dict},
     "schedulers": {name: state_dict}, "rng": the framework's generators,
     "generators": [NumPy bit-generator states], "progress": {epoch, step, history, ...}}

Optimisers and schedulers are named after the module they train ("model", "generator", ...).
A run resumed from it draws the same random numbers it would have drawn uninterrupted, so it
ends with the same weights (tested for every loop).  Files written before this format (the
Trainer's, the generative runs' and the example scripts' layouts) are read too."""
import os

from .. import _backend
from ..serialization import load, save

__all__ = ["save_training_state", "load_training_state", "read_training_state"]


def save_training_state(path, modules, optimizers=None, schedulers=None, rng=(), **progress):
    """Write the state of a loop to ``path``: ``modules``, ``optimizers`` and ``schedulers``
    are {name: object with state_dict()}; ``rng`` lists the NumPy ``Generator`` objects the
    loop draws from besides the framework's own (batch order, windows); ``progress`` is plain
    data (epoch, step, history, seconds).

    Examples:
        >>> import os
        >>> import tempfile
        >>> import yingshe
        >>> from yingshe.training import load_training_state, save_training_state
        >>> model = yingshe.nn.Linear(2, 1)
        >>> optimizer = yingshe.optim.Adam(model.parameters())
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = os.path.join(folder.name, "last.safetensors")
        >>> save_training_state(path, {"model": model}, {"model": optimizer}, epoch=3,
        ...                     history=[{"epoch": 3, "loss": 0.5}])
        >>> resumed = yingshe.nn.Linear(2, 1)
        >>> progress = load_training_state(path, {"model": resumed},
        ...                                {"model": yingshe.optim.Adam(resumed.parameters())})
        >>> progress["epoch"], yingshe.equal(resumed.weight, model.weight)
        (3, True)
        >>> folder.cleanup()
    """
    state = {"modules": {name: m.state_dict() for name, m in modules.items()},
             "optimizers": {name: o.state_dict() for name, o in (optimizers or {}).items()},
             "schedulers": {name: s.state_dict() for name, s in (schedulers or {}).items()},
             "rng": _backend.get_rng_state(),
             "generators": [g.bit_generator.state for g in rng], "progress": progress}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save(state, path)


def _from_earlier_layout(state):
    """A state dict of one of the layouts written before this format, in this format."""
    if "modules" in state:
        return state
    if "networks" in state:  # generative runs: networks and optimisers by name
        return {"modules": state["networks"], "optimizers": state["optimizers"],
                "schedulers": {}, "rng": state["rng"], "generators": [],
                "progress": {"epoch": state["epoch"], "history": state["history"]}}
    converted = {"modules": {"model": state["model"]},
                 "optimizers": {"model": state["optimizer"]},
                 "schedulers": {"model": state["scheduler"]} if "scheduler" in state else {},
                 "rng": state["rng"]}
    if "progress" in state:  # the example scripts' loops
        return {**converted, "generators": state["generators"], "progress": state["progress"]}
    return {**converted, "generators": [],  # Trainer
            "progress": {"epoch": state["epoch"], "history": state["history"]}}


def read_training_state(path):
    """The training state in ``path`` as a dict of this format (earlier layouts converted).

    Examples:
        >>> import os
        >>> import tempfile
        >>> import yingshe
        >>> from yingshe.training import read_training_state, save_training_state
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = os.path.join(folder.name, "last.safetensors")
        >>> save_training_state(path, {"model": yingshe.nn.Linear(2, 1)}, epoch=3)
        >>> state = read_training_state(path)
        >>> sorted(state)
        ['generators', 'modules', 'optimizers', 'progress', 'rng', 'schedulers']
        >>> list(state["modules"]["model"]), state["progress"]
        (['weight', 'bias'], {'epoch': 3})
        >>> folder.cleanup()
    """
    return _from_earlier_layout(load(path))


def _check_names(path, kind, saved, given, allow_missing=()):
    missing = sorted(set(given) - set(saved) - set(allow_missing))
    extra = sorted(set(saved) - set(given))
    if missing or extra:
        raise ValueError(f"{path} holds the {kind} {sorted(saved)} but the loop resuming from "
                         f"it has {sorted(given)}")


def load_training_state(path, modules, optimizers=None, schedulers=None, rng=(),
                        allow_missing=()):
    """Restore into the given objects what ``save_training_state`` wrote and return its
    ``progress``.  The names must match; a module named in ``allow_missing`` that the file
    lacks (one added to a run since, such as a generator average) keeps its state.

    Examples:
        >>> import os
        >>> import tempfile
        >>> import yingshe
        >>> from yingshe.training import load_training_state, save_training_state
        >>> model = yingshe.nn.Linear(2, 1)
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = os.path.join(folder.name, "last.safetensors")
        >>> save_training_state(path, {"model": model}, epoch=3)
        >>> resumed = yingshe.nn.Linear(2, 1)
        >>> load_training_state(path, {"model": resumed})    # the progress saved with it
        {'epoch': 3}
        >>> yingshe.equal(resumed.bias, model.bias)
        True
        >>> folder.cleanup()
    """
    state = read_training_state(path)
    optimizers, schedulers = optimizers or {}, schedulers or {}
    _check_names(path, "modules", state["modules"], modules, allow_missing)
    _check_names(path, "optimizers", state["optimizers"], optimizers)
    _check_names(path, "learning-rate schedulers", state["schedulers"], schedulers)
    if len(state["generators"]) != len(rng):
        raise ValueError(f"{path} holds {len(state['generators'])} random generator states but "
                         f"the loop resuming from it has {len(rng)}")
    for name, module in modules.items():
        if name in state["modules"]:
            module.load_state_dict(state["modules"][name])
    for name, optimizer in optimizers.items():
        optimizer.load_state_dict(state["optimizers"][name])
    for name, scheduler in schedulers.items():
        scheduler.load_state_dict(state["schedulers"][name])
    _backend.set_rng_state(state["rng"])
    for generator, saved in zip(rng, state["generators"]):
        generator.bit_generator.state = saved
    return state["progress"]
