"""What the families of the ``yingshe`` command (and the example scripts) share: the options of
a run (``--out``, ``--seed``, ``--resume``, ...), argument types that refuse bad values before
anything is read or written, and turning parsed options into the config dict the recipes
take."""
import argparse
import contextlib
import difflib
from pathlib import Path

from ..autograd.anomaly_mode import AnomalyError, set_detect_anomaly
from ..datasets.prepare import DATASETS
from ..training.run_folder import RunFolder, RunFolderError
from ..training.state import load_training_state

__all__ = ["Parser", "at_least", "between", "one_of", "train_parser", "add_image_options",
           "add_run_options", "options_of", "config_for_run", "refuse_to_overwrite", "train_run",
           "parse_script_args", "resumed_progress"]


class Parser(argparse.ArgumentParser):
    """argparse's parser whose errors are one line: ``PROG: error: MESSAGE (see PROG --help)``,
    exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def at_least(low, kind=int):
    """An argparse type: a ``kind`` number >= ``low``."""
    def parse(text):
        value = kind(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


def between(low, high):
    """An argparse type: a float strictly between ``low`` and ``high``."""
    def parse(text):
        value = float(text)
        if not low < value < high:
            raise argparse.ArgumentTypeError(f"must lie strictly between {low} and {high} "
                                             f"(e.g. 0.999), got {text}")
        return value
    parse.__name__ = "float"
    return parse


def one_of(choices, what):
    """An argparse type: one of ``choices``, with a suggestion for a near miss."""
    def parse(text):
        if text in choices:
            return text
        close = difflib.get_close_matches(text, choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise argparse.ArgumentTypeError(f"unknown {what} {text!r} (choose from "
                                         f"{', '.join(choices)}){hint}")
    parse.__name__ = what
    return parse


def train_parser(model, description):
    """The parser of ``yingshe train MODEL``'s options."""
    return Parser(prog=f"yingshe train {model}", description=description)


def add_image_options(parser, lr, datasets=tuple(DATASETS)):
    """The options of a run on an image dataset: --dataset (one of ``datasets``),
    --batch-size, --lr (default ``lr``) and --train-subset."""
    parser.add_argument("--dataset", default=None, type=one_of(datasets, "dataset"),
                        help=f"{', '.join(datasets)} (default mnist)")
    parser.add_argument("--batch-size", type=at_least(1), default=None, help="default 64")
    parser.add_argument("--lr", type=float, default=None, help=f"learning rate (default {lr})")
    parser.add_argument("--train-subset", type=at_least(1), default=None, metavar="N",
                        help="train on only N images (smoke tests, overfitting studies)")


def add_run_options(parser, out_help, epochs_help=None, resume=True, download=True):
    """The options every run has: --epochs (unless ``epochs_help`` is None), --seed, --data,
    --out, --no-progress, and --resume and --download where they apply.  Options default to
    None: the recipe's defaults apply."""
    if epochs_help:
        parser.add_argument("--epochs", type=at_least(1), default=None, help=epochs_help)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    parser.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    if download:
        parser.add_argument("--download", action="store_true",
                            help="fetch missing dataset files from the canonical mirrors first")
    parser.add_argument("--out", default=None, help=out_help)
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    if resume:
        parser.add_argument("--resume", action="store_true",
                            help=f"continue the run in --out from its {RunFolder.LAST} with the "
                                 f"options it was started with (--epochs may raise the total)")
    parser.add_argument("--overwrite", action="store_true",
                        help="train into --out even if it holds a run already")
    parser.add_argument("--detect-anomaly", action="store_true",
                        help="record each op's forward line and stop at the first backward "
                             "that returns NaN, naming them (slower; for debugging)")


RUN_ONLY = ("out", "no_progress", "download", "resume", "overwrite", "detect_anomaly", "nproc")


def options_of(args):
    """The model options of parsed ``args``: everything but the run-only ones."""
    return {key: value for key, value in vars(args).items() if key not in RUN_ONLY}


def config_for_run(model, args, complete, out):
    """The config of the run: the one in ``out`` with ``--resume`` (a given ``--epochs``, or
    mf's ``--step``, replacing the saved one), else ``complete(model, **options)``."""
    if getattr(args, "resume", False):
        return RunFolder(out).resume_config(model, epochs=getattr(args, "epochs", None),
                                            step=getattr(args, "step", None))
    config = complete(model, **options_of(args))
    refuse_to_overwrite(out, args)
    return config


def refuse_to_overwrite(out, args):
    """A RunFolderError when ``out`` holds a run and neither --resume nor --overwrite was
    given: a new run must not silently replace the files of another."""
    if (Path(out) / RunFolder.CONFIG).is_file() and not args.overwrite:
        resume = " --resume continues it;" if hasattr(args, "resume") else ""
        raise RunFolderError(f"{out} holds a run already ({RunFolder.CONFIG});{resume} "
                             f"--overwrite trains a new one in its place")


def train_run(model, args, recipe, default_out, log):
    """Train (or with --resume continue) a run of ``model`` with the family's ``recipe``
    module; returns its metrics."""
    out = Path(args.out or default_out)
    config = config_for_run(model, args, recipe.complete_config, out)
    with set_detect_anomaly(args.detect_anomaly), anomaly_as_error():
        return recipe.train(out, config, resume=args.resume, download=args.download, log=log,
                            progress=not args.no_progress)


@contextlib.contextmanager
def anomaly_as_error():
    """An ``AnomalyError`` (--detect-anomaly found a NaN) as a one-line user error: the warning
    above it already printed the forward line that made it."""
    try:
        yield
    except AnomalyError as error:
        raise ValueError(f"{error} Its forward call is printed above.") from None


def parse_script_args(parser, keep=()):
    """For an example script that writes its run folder to ``--out``: add --resume and
    --no-progress, parse the command line and, with --resume, put back the options the run was
    started with (those named in ``keep`` win when given anew).  Returns (args, RunFolder)."""
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its last checkpoint, its options")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args()
    run = RunFolder(args.out)
    if args.resume:
        vars(args).update(run.resume_config(**{key: getattr(args, key) for key in keep}))
    return args, run


def resumed_progress(args, run, parts, log=print):
    """With --resume, restore the run's last training state into ``parts`` (modules,
    optimizers, schedulers, NumPy generators, as ``load_training_state`` takes them) and return
    its progress; without, {}."""
    if not args.resume:
        return {}
    progress = load_training_state(run.last_state(), *parts)
    shown = ", ".join(f"{key} {value}" for key, value in progress.items() if key != "history")
    log(f"resumed {run.last_state()} ({shown})")
    return progress
