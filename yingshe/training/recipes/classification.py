"""Image classifiers on MNIST and Fashion-MNIST: a config dict -> a complete run folder, and the
trained model back from one.

The run holds out ``val_size`` training images for validation, keeps the most accurate epoch on
them (checkpoint.safetensors) and the latest (last.safetensors, to resume from), and reports the
test set once, with the kept epoch's weights."""
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from ... import optim
from ..._backend import manual_seed
from ...autograd.grad_mode import no_grad
from ...datasets.prepare import AUGMENTATIONS, DATASETS, classification_splits
from ...models import MODELS, WIDTH_SCALABLE, create_model
from ...nn import functional as F
from ...ops.creation import from_numpy
from ...utils.data import DataLoader
from .. import distributed as data_parallel
from .. import transfer
from ..callbacks import EarlyStopping, ModelCheckpoint
from ..run_folder import RunFolder, RunFolderError
from ..trainer import Trainer

__all__ = ["OPTIMIZERS", "SCHEDULERS", "AUGMENTATIONS", "DEFAULTS", "make_optimizer", "make_scheduler",
           "complete_config", "train", "load_model", "evaluate", "UnreliableImageWarning",
           "PREPARATION", "read_image", "prepare_image", "load_image", "predict"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw")
SCHEDULERS = ("none", "cosine", "step")
DEFAULTS = {"dataset": "mnist", "epochs": 10, "batch_size": 64, "lr": 1e-3, "optimizer": "adam",
            "weight_decay": 0.0, "dropout": 0.0, "batch_norm": False, "augment": "none",
            "width_mult": 1.0, "classes": None, "labels_per_class": None, "pretrained": None,
            "freeze_backbone": False, "backbone_lr_scale": 1.0,
            "scheduler": "none", "early_stopping": 0, "val_size": 5000, "train_subset": None,
            "seed": 0, "workers": 0, "data": None}


def make_optimizer(name, parameters, lr, weight_decay=0.0):
    """One of ``OPTIMIZERS`` with the usual settings (momentum 0.9; Sutskever, Martens, Dahl &
    Hinton 2013)."""
    if name == "sgd":
        return optim.SGD(parameters, lr=lr, weight_decay=weight_decay)
    if name in ("momentum", "nesterov"):
        return optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=name == "nesterov",
                         weight_decay=weight_decay)
    classes = {"adagrad": optim.Adagrad, "rmsprop": optim.RMSprop, "adadelta": optim.Adadelta,
               "adam": optim.Adam, "adamw": optim.AdamW}
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; available: {', '.join(OPTIMIZERS)}")
    return classes[name](parameters, lr=lr, weight_decay=weight_decay)


def make_scheduler(name, optimizer, epochs):
    """None, cosine annealing over ``epochs``, or a step decay by 10 every third of them."""
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "step":
        return optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    if name != "none":
        raise ValueError(f"unknown scheduler {name!r}; available: {', '.join(SCHEDULERS)}")
    return None


def complete_config(model, **options):
    """The config of a new run of ``model``: ``DEFAULTS`` where ``options`` give None or
    nothing; a ValueError names an unknown model, dataset, optimizer or scheduler."""
    if model not in MODELS:
        raise ValueError(f"unknown classifier {model!r}; available: {', '.join(MODELS)}")
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown options for a classifier: {unknown}")
    config = {"model": model, **DEFAULTS,
              **{key: value for key, value in options.items() if value is not None}}
    if config["augment"] is True:
        config["augment"] = "affine"
    for key, choices in (("dataset", DATASETS), ("optimizer", OPTIMIZERS),
                         ("scheduler", SCHEDULERS), ("augment", ("none", *AUGMENTATIONS))):
        if config[key] not in choices:
            raise ValueError(f"unknown {key} {config[key]!r}; available: {', '.join(choices)}")
    if config["width_mult"] != 1.0 and model not in WIDTH_SCALABLE:
        raise ValueError(f"width_mult does not apply to {model}; models that take it: "
                         f"{', '.join(WIDTH_SCALABLE)}")
    if config["width_mult"] <= 0:
        raise ValueError(f"width_mult must be positive, got {config['width_mult']}")
    if (config["freeze_backbone"] or config["backbone_lr_scale"] != 1.0) and \
            not config["pretrained"]:
        raise ValueError("freeze_backbone and backbone_lr_scale need pretrained weights "
                         "(pretrained=RUN_OR_FILE)")
    if config["pretrained"]:
        config["pretrained"] = str(config["pretrained"])
    return config


def _build(config):
    info = config["data_info"]
    scaled = {"width_mult": config["width_mult"]} if config["model"] in WIDTH_SCALABLE else {}
    return create_model(config["model"], in_channels=info["image_shape"][0],
                        image_size=info["image_shape"][1], num_classes=len(info["classes"]),
                        dropout=config["dropout"], batch_norm=config["batch_norm"], **scaled)


def _splits(config):
    """(train, validation, test, info) of the run ``config`` describes."""
    return classification_splits(
        config["dataset"], config["data"], config["val_size"], config["train_subset"],
        config["augment"], config["seed"], config.get("classes"), config.get("labels_per_class"))


def train(out, config, resume=False, download=False, log=print, progress=True):
    """Train the classifier ``config`` describes (see ``complete_config``) into the run folder
    ``out``, or continue it from its last.safetensors with ``resume``; returns the metrics also
    written to metrics.json.

    Under ``mpiexec -n N`` with a process group initialised, the N ranks train one run
    together (``training.distributed``): ``batch_size`` is the global batch and rank 0 writes
    the run folder."""
    run = RunFolder(out)
    config = {**DEFAULTS, **config}  # a run begun before an option existed did without it
    parallel = data_parallel.active()
    log = data_parallel.main_process_log(log)
    progress = progress and data_parallel.is_main_process()
    manual_seed(config["seed"])
    if download:
        data_parallel.on_main_process(
            lambda: DATASETS[config["dataset"]](config["data"], download=True))
    train_set, val_set, test_set, info = _splits(config)
    config = {**config, "data_info": info}
    data_parallel.on_main_process(run.write_config, config)
    model = _build(config)
    if config["pretrained"] and not resume:
        transfer.load_backbone(model, transfer.read_weights(config["pretrained"]), log)
    if config["freeze_backbone"]:
        transfer.freeze_backbone(model)
    parameters = (transfer.parameter_groups(model, config["lr"], config["backbone_lr_scale"])
                  if config["pretrained"] else model.parameters())
    optimizer = make_optimizer(config["optimizer"], parameters, config["lr"],
                               config["weight_decay"])
    # Keep the most accurate epoch on the validation images; without them, the last epoch.
    monitor = "val_accuracy" if val_set is not None else None
    callbacks = [ModelCheckpoint(run / RunFolder.BEST, monitor=monitor, mode="max",
                                 save_best_only=monitor is not None),
                 ModelCheckpoint(run / RunFolder.LAST, save_best_only=False)]
    if config["early_stopping"]:
        callbacks.append(EarlyStopping("val_loss" if monitor else "train_loss",
                                       patience=config["early_stopping"]))
    trainer_class = data_parallel.DistributedTrainer if parallel else Trainer
    trainer = trainer_class(model, optimizer, F.cross_entropy, callbacks=callbacks,
                            progress=progress,
                            scheduler=make_scheduler(config["scheduler"], optimizer,
                                                     config["epochs"]))
    if resume:
        trainer.resume(run.last_state())
        log(f"resumed {run.last_state()} after epoch {trainer.epoch}")
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"training {config['model']} on {config['dataset']}: {info['train']} train / "
        f"{info['validation']} validation / {info['test']} test images, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters ({trained:,} trained)")
    if parallel:
        train_loader = data_parallel.train_loader(train_set, config["batch_size"],
                                                  config["seed"], config["workers"])
    else:
        train_loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True,
                                  num_workers=config["workers"])
    val_loader = _evaluation_loader(val_set, parallel) if val_set is not None else None
    trainer.fit(train_loader, val_loader, epochs=config["epochs"], log=log)
    return _finish(run, config, trainer, test_set, monitor, log)


def _evaluation_loader(dataset, parallel):
    """Batches of 500 of ``dataset``; in a data-parallel run, of this rank's shard."""
    return data_parallel.evaluation_loader(dataset, 500) if parallel else \
        DataLoader(dataset, batch_size=500)


def _finish(run, config, trainer, test_set, monitor, log):
    """history.csv/json, curves.png, and the test figures of the best epoch's weights (in a
    data-parallel run every rank evaluates its shard; rank 0 writes)."""
    history = trainer.history
    main = data_parallel.is_main_process()
    if main:
        history.save_csv(run / "history.csv")
        history.save_json(run / RunFolder.HISTORY)
    plotted = main and _plot(history, run / "curves.png",
                             f"{config['model']} on {config['dataset']}", log)
    trainer.model.load_state_dict(run.best_state()["modules"]["model"])
    test = trainer.evaluate(_evaluation_loader(test_set, data_parallel.active()))
    best = max(history.rows, key=lambda row: row[monitor]) if monitor else history.rows[-1]
    seconds = sum(row["seconds"] for row in history.rows)
    metrics = {"test_accuracy": test["accuracy"], "test_loss": test["loss"],
               "best_epoch": best["epoch"], "best_val_accuracy": best.get("val_accuracy"),
               "epochs_run": len(history), "train_seconds": round(seconds, 1),
               "final_train_accuracy": history.rows[-1]["train_accuracy"]}
    data_parallel.on_main_process(run.write_json, RunFolder.METRICS, metrics)
    log(f"test accuracy {100 * test['accuracy']:.2f}% (best epoch {best['epoch']}, "
        f"{seconds:.0f} s of training)")
    log(f"run folder {run.path}: config.json, history.csv, history.json, "
        f"{'curves.png, ' if plotted else ''}{RunFolder.BEST}, {RunFolder.LAST}, metrics.json")
    return metrics


def _plot(history, path, title, log):
    try:
        history.plot(path, title)
    except ImportError as error:
        log(f"no curves.png: {error}")
        return False
    return True


def load_model(path):
    """(the trained model in eval mode, its run config) of a classifier run folder or of its
    checkpoint file: the weights of the best epoch."""
    path = Path(path)
    run = RunFolder.containing(path)
    checkpoint = path if path.is_file() else run / RunFolder.BEST
    if not checkpoint.is_file():
        raise RunFolderError(f"no checkpoint at {checkpoint}")
    config = run.read_config(MODELS, "a classifier", "yingshe train lenet5")
    model = _build(config)
    from ..state import read_training_state
    model.load_state_dict(read_training_state(checkpoint)["modules"]["model"])
    return model.eval(), config


def evaluate(path, data=None, batch_size=500):
    """Test loss and accuracy of a classifier run (its best epoch) on its dataset's test split;
    returns {"loss", "accuracy", "images", "model", "dataset"}."""
    model, config = load_model(path)
    _, _, test_set, _ = _splits({**config, "data": data or config["data"], "val_size": 0})
    result = Trainer(model, None, F.cross_entropy, progress=False).evaluate(
        DataLoader(test_set, batch_size=batch_size))
    return {**result, "images": len(test_set), "model": config["model"],
            "dataset": config["dataset"]}


class UnreliableImageWarning(UserWarning):
    """The image holds nothing to classify (it is blank or flat): the answer means little."""


# How each dataset's images were made, which a user's image must copy to be read correctly:
# (the side of the box the object is scaled to fit, out of 28; how it is centred in 28 x 28).
# MNIST (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to document
# recognition", §III.A): the NIST digits were size-normalised to fit a 20 x 20 box keeping
# their aspect ratio, anti-aliased, and centred in the 28 x 28 field by their centre of mass.
# Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, §2): each product photo was trimmed, its longer
# side resized to 28 and the shorter extended to 28 around the centre, then negated.
PREPARATION = {"mnist": (20, "mass"), "fashion-mnist": (28, "box")}
MIN_CONTRAST = 0.1  # ink this close to the paper (about 25 grey levels) is no ink at all
INK = 0.05  # a pixel is part of the object this far above the paper (share of the strongest)


def read_image(path):
    """An image file (PNG/JPEG/... through Pillow, or .npy) as a float32 grey array (H, W) in
    [0, 1]; transparent pixels count as white paper."""
    path = Path(path)
    if path.suffix == ".npy":
        image = np.load(path, allow_pickle=False).astype(np.float32)
        if image.ndim == 3:
            image = image.mean(axis=-1 if image.shape[-1] in (3, 4) else 0)
        if image.max() > 1.0:
            image /= 255.0
    else:
        with Image.open(path) as opened:
            if opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info:
                rgba = opened.convert("RGBA")
                opened = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
            image = np.asarray(opened.convert("L"), np.float32) / 255.0
    if image.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D (grey) or colour image, got shape "
                         f"{image.shape}")
    return image


def _resize(image, height, width):
    """A float image resized with Pillow's Lanczos filter (antialiased when shrinking)."""
    if image.shape == (height, width):
        return image
    resized = Image.fromarray(np.ascontiguousarray(image, np.float32)).resize(
        (width, height), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, np.float32), 0.0, 1.0)


def prepare_image(image, size=28, invert="auto", dataset="mnist"):
    """A grey image (H, W) in [0, 1] -> float32 (size, size) made as ``dataset``'s images were
    (``PREPARATION``): light ink on a dark ground (inverted when ``invert`` is True, or 'auto'
    and the border is mostly light), the paper level subtracted and the strongest ink scaled to
    1, cropped to the ink's bounding box, scaled (Lanczos) so its longer side fits the box, and
    pasted into size x size with its centre of mass (MNIST) or its middle (Fashion-MNIST) at the
    centre, shifted by whole pixels: pixel (14, 14) for 28 x 28, where MNIST's centres of mass
    lie on average (13.99, 14.01 over the test set, counting rows and columns from 0).

    An image without ink (blank: less than ``MIN_CONTRAST`` above the paper, or flat) warns
    ``UnreliableImageWarning`` and comes back only resized."""
    if invert not in ("auto", True, False):
        raise ValueError(f"prepare_image: invert must be 'auto', True or False, got {invert!r}")
    if dataset not in PREPARATION:
        raise ValueError(f"prepare_image: unknown dataset {dataset!r}; available: "
                         f"{', '.join(PREPARATION)}")
    image = np.asarray(image, np.float32)
    if image.ndim != 2:
        raise ValueError(f"prepare_image: expected a grey image (H, W), got shape {image.shape}")
    if image.max() == image.min():
        warnings.warn(f"the image is flat (every pixel is {image.flat[0]:.3f}); there is "
                      f"nothing to classify", UnreliableImageWarning, stacklevel=2)
        return _resize(np.clip(image, 0.0, 1.0), size, size)
    border = np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])
    if invert is True or (invert == "auto" and np.median(border) > 0.5):
        image, border = 1.0 - image, 1.0 - border
    paper = float(np.median(border))
    contrast = float(image.max()) - paper
    if contrast < MIN_CONTRAST:
        warnings.warn(f"the image has no ink: its strongest mark is {contrast:.3f} from the "
                      f"paper ({paper:.3f} after inverting light paper), under {MIN_CONTRAST}; "
                      f"there is nothing to classify", UnreliableImageWarning, stacklevel=2)
        return _resize(np.clip(image, 0.0, 1.0), size, size)
    ink = np.clip((image - paper) / contrast, 0.0, 1.0)
    rows = np.flatnonzero((ink >= INK).any(axis=1))
    cols = np.flatnonzero((ink >= INK).any(axis=0))
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    box, centring = PREPARATION[dataset]
    box = max(1, round(box * size / 28))
    scale = box / max(ink.shape)
    ink = _resize(ink, max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale)))
    height, width = ink.shape
    if centring == "mass":
        total = float(ink.sum())
        top = round(size / 2 - float(ink.sum(axis=1) @ np.arange(height)) / total)
        left = round(size / 2 - float(ink.sum(axis=0) @ np.arange(width)) / total)
    else:
        # an odd margin leaves the extra pixel above and to the left, as in the data set
        top, left = (size - height + 1) // 2, (size - width + 1) // 2
    canvas = np.zeros((size, size), np.float32)
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + height, size), min(left + width, size)
    canvas[y0:y1, x0:x1] = ink[y0 - top:y1 - top, x0 - left:x1 - left]
    return canvas


def load_image(path, size=28, invert="auto", dataset="mnist"):
    """``prepare_image(read_image(path), ...)``: an image file ready for a classifier."""
    return prepare_image(read_image(path), size, invert, dataset)


def predict(path, image_path, top=3):
    """The ``top`` (class name, probability) pairs of a classifier run for an image file,
    prepared as its dataset's images were (``prepare_image``; a blank image warns
    ``UnreliableImageWarning``)."""
    model, config = load_model(path)
    info = config["data_info"]
    image = load_image(image_path, info["image_shape"][1], dataset=config["dataset"])
    x = (image - info["mean"]) / info["std"]
    with no_grad():
        probabilities = F.softmax(model(from_numpy(x[None, None].astype(np.float32))), dim=1)
    p = probabilities.numpy()[0]
    return [(info["classes"][k], float(p[k])) for k in np.argsort(-p)[:top]]
