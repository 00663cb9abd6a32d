"""Resumable loops outside ``Trainer`` (language models, translation): one safetensors file with
the weights, the optimiser and scheduler state, every random generator and the loop's own
progress, written atomically, so that a run stopped at any point continues from its last
checkpoint and draws the same random numbers it would have drawn uninterrupted."""
import json
import os
from pathlib import Path

from .. import _backend
from ..serialization import load, save

__all__ = ["save_training_state", "load_training_state", "progress_bar", "add_resume_options",
           "restore_run_options"]


def save_training_state(path, model, optimizer, scheduler=None, generators=(), **progress):
    """Write the state of a loop to ``path``; ``generators`` are NumPy ``Generator`` objects the
    loop draws from (batch order, windows), ``progress`` is plain data (step, epoch, history)."""
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "rng": _backend.get_rng_state(),
             "generators": [g.bit_generator.state for g in generators], "progress": progress}
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save(state, path)


def load_training_state(path, model, optimizer, scheduler=None, generators=()):
    """Restore into the given objects what ``save_training_state`` wrote; returns ``progress``."""
    state = load(path)
    if len(state["generators"]) != len(generators):
        raise ValueError(f"{path} holds {len(state['generators'])} random generator states but "
                         f"the loop resuming from it has {len(generators)}")
    if (scheduler is None) != ("scheduler" not in state):
        raise ValueError(f"{path}: the saved run {'had' if 'scheduler' in state else 'had no'} "
                         f"learning-rate scheduler, the resuming loop "
                         f"{'has none' if scheduler is None else 'has one'}")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(state["scheduler"])
    _backend.set_rng_state(state["rng"])
    for generator, saved in zip(generators, state["generators"]):
        generator.bit_generator.state = saved
    return state["progress"]


def progress_bar(iterable, description, enabled=True, total=None):
    """A tqdm bar over ``iterable`` when tqdm is installed and ``enabled``, else the iterable.
    Log through ``getattr(bar, "write", print)`` so that lines do not break the bar."""
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=description, total=total, leave=False, dynamic_ncols=True)


def add_resume_options(parser):
    """``--resume`` and ``--no-progress`` for a script that writes its run folder to ``--out``."""
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its checkpoint, with its options")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")


def restore_run_options(args, options, keep=()):
    """With ``--resume``, put back the ``options`` the run in ``args.out`` was started with
    (its config.json), except those of ``keep`` given anew on the command line."""
    if not args.resume:
        return
    config = Path(args.out) / "config.json"
    if not config.exists():
        raise SystemExit(f"error: cannot resume: {config} not found")
    given = {k: getattr(args, k) for k in keep if getattr(args, k) is not None}
    saved = json.loads(config.read_text())
    vars(args).update({k: v for k, v in saved.items() if k in options}, **given)
