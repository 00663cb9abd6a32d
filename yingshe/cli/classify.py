"""``yingshe train mlp|lenet5|...``, ``evaluate``, ``predict`` and ``datasets``: the image
classifiers (``yingshe.training.recipes.classification``).

    yingshe train lenet5 --dataset mnist --epochs 15 --out runs/lenet5-mnist
    yingshe evaluate runs/lenet5-mnist
    yingshe predict runs/lenet5-mnist/checkpoint.safetensors digit.png

A classifier's run folder holds config.json, history.csv and history.json (per-epoch metrics),
curves.png (loss and accuracy, train vs validation), checkpoint.safetensors (the training state
of the most accurate epoch on the validation images), last.safetensors (of the latest epoch,
for --resume) and metrics.json (final validation and test figures)."""
import argparse
import sys
import warnings

from ..datasets.catalog import file_states
from ..models import MODELS, WIDTH_SCALABLE
from ..training.recipes import classification as recipe
from .runs import add_image_options, add_run_options, at_least, train_parser, train_run

__all__ = ["descriptions", "train_parser_for", "train", "add_commands"]

DEFAULTS = recipe.DEFAULTS


def descriptions():
    """{model: one line} of the classifiers ``yingshe train`` knows."""
    return {name: description for name, (_, description) in MODELS.items()}


def train_parser_for(model):
    """The options of ``yingshe train MODEL`` for a classifier."""
    parser = train_parser(model, f"Train the classifier {model} ({descriptions()[model]}) on "
                                 f"an image dataset and write a run folder.")
    add_image_options(parser, DEFAULTS["lr"])
    parser.add_argument("--optimizer", default=None, choices=recipe.OPTIMIZERS,
                        help=f"default {DEFAULTS['optimizer']}")
    parser.add_argument("--weight-decay", type=at_least(0.0, float), default=None,
                        help="L2 penalty (default 0)")
    parser.add_argument("--dropout", type=float, default=None, help="default 0")
    if model in WIDTH_SCALABLE:
        parser.add_argument("--width-mult", type=float, default=None,
                            help="scale every convolution's channels (default 1: torchvision's "
                                 "widths; 0.25 fits a 2-core laptop)")
    else:
        parser.add_argument("--batch-norm", action="store_true", default=None)
    parser.add_argument("--augment", nargs="?", const="affine", default=None,
                        choices=("none", *recipe.AUGMENTATIONS),
                        help="augment the training images: affine (the default of a bare "
                             "--augment: random rotation/shift/scale) or crop-flip (random "
                             "crops of the 2-pixel-padded image, left-right mirroring)")
    parser.add_argument("--scheduler", default=None, choices=recipe.SCHEDULERS,
                        help="learning-rate schedule (default none)")
    parser.add_argument("--early-stopping", type=at_least(0), default=None, metavar="PATIENCE",
                        help="stop after PATIENCE epochs without a lower val_loss (0: off)")
    parser.add_argument("--val-size", type=at_least(0), default=None,
                        help=f"training images held out for validation (default "
                             f"{DEFAULTS['val_size']})")
    parser.add_argument("--workers", type=at_least(0), default=None,
                        help="DataLoader worker processes (default 0)")
    parser.add_argument("--classes", type=class_list, default=None, metavar="LIST",
                        help="train and test on these classes only, relabelled 0..k-1 in the "
                             "order given: '5-9' or '0,2,4'")
    parser.add_argument("--labels-per-class", type=at_least(1), default=None, metavar="N",
                        help="keep N training images of each class (few-label training)")
    parser.add_argument("--pretrained", default=None, metavar="RUN_OR_FILE",
                        help="start from these weights (a run folder, a checkpoint or a "
                             ".pth state_dict), all but the classifier head")
    parser.add_argument("--freeze-backbone", action="store_true", default=None,
                        help="with --pretrained: train only the classifier head")
    parser.add_argument("--backbone-lr-scale", type=at_least(0.0, float), default=None,
                        help="with --pretrained: the backbone's learning rate is --lr times "
                             "this (default 1)")
    add_run_options(parser, "run folder (default runs/MODEL-DATASET)",
                    f"epochs in all (default {DEFAULTS['epochs']})")
    parser.add_argument("--nproc", type=at_least(1), default=None, metavar="N",
                        help="train on N processes (MPI data parallelism; needs the "
                             "'distributed' extra); --batch-size stays the global batch")
    return parser


def class_list(text):
    """'5-9' or '0,2,4' -> [5, 6, 7, 8, 9] or [0, 2, 4]."""
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-"))
            return list(range(first, last + 1))
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a range like 5-9 or a list like 0,2,4, got "
                                         f"{text!r}") from None


def train(model, args, log=print):
    """Train (or with --resume continue) a classifier run; returns its metrics."""
    return train_run(model, args, recipe, f"runs/{model}-{args.dataset or DEFAULTS['dataset']}",
                     log)


def evaluate(args, log=print):
    result = recipe.evaluate(args.run, args.data, args.batch_size)
    log(f"{result['model']} on {result['dataset']} test set: accuracy "
        f"{100 * result['accuracy']:.2f}%, loss {result['loss']:.4f} ({result['images']} "
        f"images)")
    return result


def predict(args, log=print):
    """The ranked classes; an image with nothing to classify still gets them, the first marked
    unreliable, and a warning on stderr (the exit status stays 0)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", recipe.UnreliableImageWarning)
        ranked = recipe.predict(args.checkpoint, args.image, args.top)
    unreliable = False
    for warning in caught:
        if issubclass(warning.category, recipe.UnreliableImageWarning):
            unreliable = True
            print(f"warning: {args.image}: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    for rank, (name, p) in enumerate(ranked):
        mark = " (unreliable: the image holds no digit or object)" if unreliable and rank == 0 \
            else ""
        log(f"{'->' if rank == 0 else '  '} {name}: {100 * p:.1f}%{mark}")
    return ranked


def list_datasets(args, log=print):
    """Every data set the project reads, its folder and whether its files are there and
    intact."""
    states = file_states(args.data)
    for name, (line, folder, files) in states.items():
        kinds = set(files.values())
        summary = "ready" if kinds == {"ok"} else "missing" if kinds == {"missing"} else \
            "; ".join(f"{path.split('/', 1)[1]}: {state}" for path, state in files.items()
                      if state != "ok")
        log(f"{name:16s} {line}\n{'':16s} {folder}: {summary}")
    return states


def add_commands(commands):
    """``evaluate``, ``predict`` and ``datasets``."""
    evaluate_parser = commands.add_parser("evaluate", help="test accuracy of a run or checkpoint")
    evaluate_parser.add_argument("run", help="a run folder or its checkpoint file")
    evaluate_parser.add_argument("--data", default=None)
    evaluate_parser.add_argument("--batch-size", type=at_least(1), default=500)
    evaluate_parser.set_defaults(handler=evaluate)

    predict_parser = commands.add_parser("predict", help="classify an image file")
    predict_parser.add_argument("checkpoint", help="a run folder or its checkpoint file")
    predict_parser.add_argument("image", help="PNG/JPEG (needs Pillow) or .npy; any size")
    predict_parser.add_argument("--top", type=at_least(1), default=3)
    predict_parser.set_defaults(handler=predict)

    datasets = commands.add_parser("datasets", help="list the datasets and their files")
    datasets.add_argument("--data", default=None)
    datasets.set_defaults(handler=list_datasets)
