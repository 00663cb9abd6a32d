"""``yingshe train ssd|yolo|faster-rcnn`` and ``detect``: object detectors on the detection sets
(``yingshe.training.recipes.detection``, which describes their run folders).

    yingshe train ssd --dataset multi-mnist --out runs/ssd-multi-mnist
    yingshe train yolo --dataset bccd --pretrained runs/resnet18-bccd-cells --out runs/yolo-bccd
    yingshe train faster-rcnn --dataset raccoon --epochs 30 --out runs/frcnn-raccoon
    yingshe detect runs/ssd-multi-mnist image.png --out boxes.png
    yingshe pretrain-backbone --dataset bccd-cells --out runs/resnet18-bccd-cells"""
from ..training import detection_data
from ..training.recipes import detection as recipe
from ..vision.models.detection.yolo import BOX_LOSSES
from .runs import add_run_options, at_least, one_of, train_parser, train_run

__all__ = ["descriptions", "train_parser_for", "train", "add_commands"]

DEFAULTS = recipe.DEFAULTS


def descriptions():
    """{model: one line} of the detectors ``yingshe train`` knows."""
    return dict(recipe.DETECTORS)


def train_parser_for(model):
    """The options of ``yingshe train MODEL`` for a detector."""
    parser = train_parser(model, f"Train {model} ({descriptions()[model]}) and write a run "
                                 f"folder.")
    names = tuple(detection_data.DATASETS)
    parser.add_argument("--dataset", default=None, type=one_of(names, "dataset"),
                        help=f"{', '.join(names)} (default {DEFAULTS['dataset']})")
    parser.add_argument("--batch-size", type=at_least(1), default=None,
                        help=f"default {DEFAULTS['batch_size']}")
    parser.add_argument("--lr", type=at_least(0.0, float), default=None,
                        help=f"AdamW learning rate, cosine-annealed (default {DEFAULTS['lr']})")
    parser.add_argument("--weight-decay", type=at_least(0.0, float), default=None,
                        help=f"default {DEFAULTS['weight_decay']}")
    parser.add_argument("--width-mult", type=at_least(0.01, float), default=None,
                        help=f"ResNet-18 backbone width (default {DEFAULTS['width_mult']})")
    parser.add_argument("--pretrained", default=None, metavar="RUN_OR_FILE",
                        help="start the backbone from a classifier (a `yingshe train resnet18 "
                             "--width-mult W` run or a state_dict file)")
    parser.add_argument("--image-size", type=at_least(16), nargs=2, default=None,
                        metavar=("H", "W"), help="input size (default: the dataset's, "
                        "multi-mnist 64 64, bccd 192 256, raccoon/kangaroo 192 192)")
    parser.add_argument("--train-subset", type=at_least(1), default=None, metavar="N",
                        help="train on only the first N training images (smoke tests)")
    parser.add_argument("--no-augment", dest="augment", action="store_const", const=False,
                        default=None, help="no random flips")
    if model == "yolo":
        parser.add_argument("--box-loss", choices=BOX_LOSSES, default=None,
                            help="coordinate loss: squared errors of the offsets and "
                                 "log-scales (YOLO, the default) or 1 - GIoU of the boxes")
    add_run_options(parser, "run folder (default runs/MODEL-DATASET)",
                    f"epochs in all (default {DEFAULTS['epochs']})", download=False)
    return parser


def train(model, args, log=print):
    """Train (or with --resume continue) a detector run; returns its metrics."""
    args.download = False
    dataset = args.dataset or DEFAULTS["dataset"]
    return train_run(model, args, recipe, f"runs/{model}-{dataset}", log)


def detect(args, log=print):
    """Print the detections of a run on an image (and draw them with --out)."""
    found = recipe.detect(args.run, args.image, args.out, args.score)
    log(f"{len(found)} objects with score >= {args.score} in {args.image}:")
    for name, score, box in found:
        log(f"  {name:10s} {score:.3f}  box {box}")
    if args.out:
        log(f"boxes drawn in {args.out}")
    return found


def pretrain(args, log=print):
    """Train a detector backbone as a classifier (``recipe.pretrain_backbone``)."""
    return recipe.pretrain_backbone(args.out, args.dataset, args.width_mult, args.epochs,
                                    args.train_subset, seed=args.seed, data=args.data, log=log,
                                    progress=not args.no_progress)


def add_commands(commands):
    """``detect`` and ``pretrain-backbone``."""
    parser = commands.add_parser("pretrain-backbone",
                                 help="train a detector backbone (ResNet-18) as a classifier")
    parser.add_argument("--dataset", default="mnist", choices=tuple(recipe.BACKBONE_DATASETS),
                        help="mnist (for multi-mnist) or bccd-cells (for bccd)")
    parser.add_argument("--width-mult", type=at_least(0.01, float),
                        default=DEFAULTS["width_mult"], help="as the detector's --width-mult")
    parser.add_argument("--epochs", type=at_least(1), default=1)
    parser.add_argument("--train-subset", type=at_least(1), default=None, metavar="N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    parser.add_argument("--out", required=True, help="run folder; give it to --pretrained")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(handler=pretrain)

    parser = commands.add_parser("detect", help="find objects in an image with a detector run")
    parser.add_argument("run", help="a run folder of `yingshe train ssd|yolo|faster-rcnn`")
    parser.add_argument("image", help="an image file (PNG, JPEG, ...)")
    parser.add_argument("--out", default=None, help="write the image with the boxes drawn here")
    parser.add_argument("--score", type=float, default=0.5,
                        help="report detections scoring at least this (default 0.5)")
    parser.set_defaults(handler=detect)
