"""The yingshe command: train, evaluate and use the models from the shell.

    yingshe train lenet5 --dataset mnist --epochs 15 --out runs/lenet5-mnist
    yingshe train lenet5 --help        # a model's own options
    yingshe evaluate runs/lenet5-mnist
    yingshe models

``train MODEL`` goes to the family that owns MODEL (``FAMILIES``): each family module parses
and checks only its own options and hands plain values to its recipe in
``yingshe.training.recipes``; the other commands belong to one family each."""
import argparse
import difflib
import sys

from .._version import __version__
from ..datasets.utils import DatasetIntegrityError
from ..training.run_folder import RunFolderError
from . import (
    classify,
    deploy,
    detection,
    generative,
    launch,
    recommender,
    sequence,
    speech,
    word_vectors,
)
from .runs import Parser

__all__ = ["FAMILIES", "build_parser", "run", "main"]

FAMILIES = {"classifiers": classify, "generative models": generative,
            "word vectors": word_vectors, "sequence models": sequence, "speech": speech,
            "recommenders": recommender, "deployment": deploy, "detectors": detection}


def trainable():
    """{model: (family name, family module)} of every model ``yingshe train`` knows."""
    return {model: (name, family) for name, family in FAMILIES.items()
            for model in family.descriptions()}


def build_parser():
    parser = Parser(prog="yingshe", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"yingshe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = "\n".join(f"  {name}: {', '.join(family.descriptions())}"
                        for name, family in FAMILIES.items() if family.descriptions())
    train = commands.add_parser(
        "train", help="train a model and write a run folder",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="yingshe train MODEL [options]",
        description=f"Train a model and write a run folder.  Models:\n{listing}\n"
                    f"`yingshe train MODEL --help` lists a model's options.")
    train.add_argument("model", help="a name from `yingshe models`")
    for family in FAMILIES.values():
        family.add_commands(commands)
    commands.add_parser("models", help="list the models").set_defaults(handler=list_models)
    return parser


def _train(model, options, log):
    """``yingshe train MODEL [options]``: the family that owns MODEL parses ``options``."""
    owners = trainable()
    if model not in owners:
        known = "; ".join(f"{name}: {', '.join(family.descriptions())}"
                          for name, family in FAMILIES.items() if family.descriptions())
        close = difflib.get_close_matches(model, owners, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SystemExit(f"error: unknown model {model!r}; {hint}{known}")
    _, family = owners[model]
    parser = family.train_parser_for(model)
    parsed, unknown = parser.parse_known_args(options)
    if unknown:
        _refuse(model, unknown, parser)
    if hasattr(parsed, "nproc"):  # a family that trains across processes (cli/launch.py)
        status = launch.start(parsed.nproc, ["train", model, *options], log)
        if status is not None:
            return status
    return family.train(model, parsed, log)


def _flags(parser):
    return {flag for action in parser._actions for flag in action.option_strings}


def _refuse(model, unknown, parser):
    """Exit naming the first option ``model`` does not take and the models that take it."""
    flag = next((word.split("=")[0] for word in unknown if word.startswith("--")), None)
    takers = [other for other, (_, family) in trainable().items()
              if flag and flag in _flags(family.train_parser_for(other))]
    if not takers:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    raise SystemExit(f"error: {flag} does not apply to {model}; models that take it: "
                     f"{', '.join(takers)}")


def list_models(args, log=print):
    for family in FAMILIES.values():
        for model, description in family.descriptions().items():
            log(f"{model:16s} {description}")


def run(argv=None, log=print):
    """Run the command ``argv`` (default: the process's arguments), writing its report
    through ``log``; returns what the command computed.  Problems with the user's files and
    values end the command with ``error: ...`` (SystemExit), not a traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if len(argv) >= 2 and argv[0] == "train" and not argv[1].startswith("-"):
            return _train(argv[1], argv[2:], log)
        args = build_parser().parse_args(argv)
        return args.handler(args, log)
    except (RunFolderError, DatasetIntegrityError, ValueError, ImportError, OSError,
            FloatingPointError) as error:
        raise SystemExit(f"error: {error}") from None


def main(argv=None):
    """The console entry point: 0 on success; a user error prints one line ``error: ...`` and
    returns 2, as argparse does for bad options."""
    try:
        run(argv)
    except SystemExit as stop:
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
