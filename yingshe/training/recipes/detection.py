"""Object detectors on the detection sets: a config dict -> a complete run folder, and the
trained detector back from one.

    from yingshe.training.recipes import detection
    config = detection.complete_config("ssd", dataset="multi-mnist", epochs=8)
    metrics = detection.train("runs/ssd-multi-mnist", config)

The detectors (``yingshe.vision.models.detection``) share one backbone family: ResNet-18 with
its ImageNet stem (7x7 stride-2 convolution and max pooling: the maps have strides 4, 8, 16,
32, cheap on two cores) scaled by ``width_mult``.  ``pretrain_backbone`` trains that network as
a classifier of MNIST digits or BCCD cells (a run folder); ``pretrained=RUN_OR_FILE`` starts a
detector's backbone from it (``yingshe.training.transfer``).  The
anchors are fitted to the training boxes: SSD's default-box scales span their sizes, YOLO's
anchor shapes are k-means clusters of them (YOLOv2's dimension clusters), Faster R-CNN's
anchor sizes their 15th, 50th and 85th percentiles.

Every epoch the run measures COCO mAP on held-out validation images, keeps the best epoch
(checkpoint.safetensors) and the latest (last.safetensors, for ``resume``); at the end the test
images give mAP@0.5, COCO mAP, per-class AP@0.5, images per second, and predictions.png
(ground truth against predictions)."""
import time
from pathlib import Path

import numpy as np

from ... import optim
from ..._backend import manual_seed
from ...ops.creation import from_numpy
from ...vision.metrics import MeanAveragePrecision
from ...vision.models import resnet18
from ...vision.models.detection import (
    SSD,
    YOLO,
    DefaultBoxGenerator,
    FasterRCNN,
    resnet_detection_backbone,
)
from ...vision.models.detection.yolo import kmeans_anchors
from .. import detection_data, transfer
from ..plots import plot_panels
from ..progress import progress_bar
from ..run_folder import RunFolder, RunFolderError
from ..state import load_training_state, read_training_state, save_training_state
from ._options import per_model_config

__all__ = ["DETECTORS", "DEFAULTS", "complete_config", "train", "build_detector", "load_model",
           "evaluate", "detect", "measure", "pretrain_backbone"]

DETECTORS = {
    "ssd": "SSD single-shot multibox detector (Liu et al. 2016), ResNet-18 backbone",
    "yolo": "YOLO-style grid detector (Redmon et al. 2016; v2/v3 anchors), ResNet-18 backbone",
    "faster-rcnn": "Faster R-CNN: RPN + RoIAlign + box head (Ren et al. 2015), ResNet-18 backbone",
}
DEFAULTS = {"dataset": "multi-mnist", "epochs": 8, "batch_size": 16, "lr": 2e-3,
            "weight_decay": 1e-4, "width_mult": 0.25, "pretrained": None,
            "image_size": None, "train_subset": None, "augment": True, "seed": 0, "data": None}
MODEL_DEFAULTS = {"ssd": DEFAULTS, "faster-rcnn": DEFAULTS,
                  "yolo": {**DEFAULTS, "box_loss": "mse"}}  # runs without it: "mse"


def complete_config(model, **options):
    """The config of a new run of ``model``: ``DEFAULTS`` where ``options`` give None or
    nothing; a ValueError names an unknown detector, option or dataset."""
    config = per_model_config(model, options, MODEL_DEFAULTS, "detector")
    if config["dataset"] not in detection_data.DATASETS:
        raise ValueError(f"unknown detection dataset {config['dataset']!r}; available: "
                         f"{', '.join(detection_data.DATASETS)}")
    if config["width_mult"] <= 0:
        raise ValueError(f"width_mult must be positive, got {config['width_mult']}")
    if config["pretrained"]:
        config["pretrained"] = str(config["pretrained"])
    return config


# ---------------------------------------------------------------- the detectors

def _fit_anchors(model, spec, size, boxes, seed):
    """The anchor settings of ``model`` fitted to the training ``boxes`` [K, 4] (input
    pixels): SSD's min/max scale, YOLO's k-means shapes, Faster R-CNN's sizes."""
    wh = boxes[:, 2:] - boxes[:, :2]
    side = np.sqrt(wh.prod(axis=1)) / min(size)
    maps = len(spec["returned_layers"]) + spec["extra_blocks"]  # SSD's and YOLO's
    if model == "ssd":  # aspect ratios 1, 2, 1/2, 3, 1/3 on every map (Liu et al. 2016)
        return {"min_ratio": float(np.percentile(side, 5)),
                "max_ratio": float(np.percentile(side, 95)), "aspect_ratios": [[2, 3]] * maps}
    if model == "yolo":
        shapes = kmeans_anchors(wh, 3 * maps, seed)
        return {"anchors": [shapes[3 * k:3 * k + 3].tolist() for k in range(maps)]}
    sizes = np.percentile(np.sqrt(wh.prod(axis=1)), [15, 50, 85])
    return {"anchor_sizes": [float(round(s)) for s in sizes]}


# Inference keeps, per class, the 100 best candidates scoring above 0.05 (torchvision's SSD
# keeps 400 above 0.01: near-zero scores barely move mAP but make NMS slow on a CPU)
SCORE_THRESH, TOPK_CANDIDATES = 0.05, 100


def build_detector(config, backbone_state=None, log=print):
    """The detector a run's ``config`` describes (its ``data_info`` filled in by ``train``);
    ``backbone_state``: a classifier's state_dict to start the backbone from."""
    info = config["data_info"]
    spec = detection_data.DATASETS[config["dataset"]]
    resnet = resnet18(in_channels=info["channels"], width_mult=config["width_mult"])
    if backbone_state is not None:
        transfer.load_backbone(resnet, backbone_state, log)
    size, classes = tuple(info["size"]), len(info["classes"]) + 1
    common = {"image_mean": info["mean"], "image_std": info["std"]}
    anchors = info["anchors"]
    if config["model"] == "faster-rcnn":
        backbone = resnet_detection_backbone(resnet, (spec["rpn_layer"],))
        return FasterRCNN(backbone, classes, size, anchor_sizes=anchors["anchor_sizes"],
                          rpn_post_nms_top_n_train=200, box_batch_size_per_image=64, **common)
    backbone = resnet_detection_backbone(resnet, spec["returned_layers"], spec["extra_blocks"])
    if config["model"] == "ssd":
        boxes = DefaultBoxGenerator(anchors["aspect_ratios"], anchors["min_ratio"],
                                    anchors["max_ratio"])
        return SSD(backbone, boxes, size, classes, score_thresh=SCORE_THRESH,
                   topk_candidates=TOPK_CANDIDATES, detections_per_img=100, **common)
    return YOLO(backbone, anchors["anchors"], size, classes, score_thresh=SCORE_THRESH,
                topk_candidates=TOPK_CANDIDATES, box_loss=config.get("box_loss", "mse"), **common)


# ---------------------------------------------------------------- training

def _load(config, data, log):
    return detection_data.load_splits(config["dataset"], data, config["seed"],
                                      config["train_subset"], log, config["image_size"])


def _batches(samples, batch_size, order=None):
    order = np.arange(len(samples)) if order is None else order
    for start in range(0, len(order), batch_size):
        yield [samples[i] for i in order[start:start + batch_size]]


def _tensors(batch):
    """(images, targets) of a batch of samples, as the detectors take them."""
    images = [from_numpy(s["image"]) for s in batch]
    targets = [{"boxes": from_numpy(s["boxes"]), "labels": from_numpy(s["labels"])}
               for s in batch]
    return images, targets


def measure(model, samples, batch_size=16, iou_thresholds=None):
    """(COCO summary of ``MeanAveragePrecision`` with per-class values, images per second) of
    ``model`` on ``samples``."""
    metric = MeanAveragePrecision(class_metrics=True, iou_thresholds=iou_thresholds)
    model.eval()
    seconds = 0.0
    for batch in _batches(samples, batch_size):
        images, targets = _tensors(batch)
        start = time.perf_counter()
        predictions = model(images)
        seconds += time.perf_counter() - start
        metric.update(predictions, targets)
    return metric.compute(), len(samples) / max(seconds, 1e-9)


def _epoch(model, optimizer, samples, config, rng, augment, progress):
    """One pass over the shuffled training samples; the mean of each loss."""
    model.train()
    totals, count = {}, 0
    order = rng.permutation(len(samples))
    batches = list(_batches(samples, config["batch_size"], order))
    for batch in progress_bar(batches, "train", progress):
        if augment is not None:
            batch = [augment(sample, rng) for sample in batch]
        images, targets = _tensors(batch)
        losses = model(images, targets)
        loss = sum(losses.values())
        if not np.isfinite(loss.item()):
            raise FloatingPointError(f"the detection loss became {loss.item()} "
                                     f"({ {k: v.item() for k, v in losses.items()} }); lower lr")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        for name, value in {"loss": loss, **losses}.items():
            totals[name] = totals.get(name, 0.0) + value.item() * len(batch)
        count += len(batch)
    return {f"train_{name}": total / count for name, total in totals.items()}


def train(out, config, resume=False, download=False, log=print, progress=True):
    """Train the detector ``config`` describes (see ``complete_config``) into the run folder
    ``out``, or continue it from its last.safetensors with ``resume``; returns the metrics
    also written to metrics.json."""
    del download  # the detection sets are read from the data root (see detection_data)
    run = RunFolder(out)
    config = {**MODEL_DEFAULTS[config["model"]], **config}
    manual_seed(config["seed"])
    splits = _load(config, config["data"], log)
    info = {**splits["info"], "anchors": _fit_anchors(
        config["model"], detection_data.DATASETS[config["dataset"]], splits["info"]["size"],
        np.concatenate([s["boxes"] for s in splits["train"]]), config["seed"])}
    config = {**config, "data_info": info}
    run.write_config(config)
    backbone = (transfer.read_weights(config["pretrained"])
                if config["pretrained"] and not resume else None)
    model = build_detector(config, backbone, log)
    optimizer = optim.AdamW(model.parameters(), lr=config["lr"],
                            weight_decay=config["weight_decay"])
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
    rng = np.random.default_rng(config["seed"])
    parts = ({"model": model}, {"model": optimizer}, {"model": scheduler}, [rng])
    state = {"epoch": 0, "history": [], "best": -1.0, "seconds": 0.0}
    if resume:
        state = load_training_state(run.last_state(), *parts)
        log(f"resumed {run.last_state()} after epoch {state['epoch']}")
    log(f"training {config['model']} on {config['dataset']}: {len(splits['train'])} train / "
        f"{len(splits['val'])} validation / {len(splits['test'])} test images, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters")
    augment = detection_data.augmentation(config["dataset"]) if config["augment"] else None
    for epoch in range(state["epoch"] + 1, config["epochs"] + 1):
        start = time.perf_counter()
        row = _epoch(model, optimizer, splits["train"], config, rng, augment, progress)
        scheduler.step()
        seconds = time.perf_counter() - start
        summary, _ = measure(model, splits["val"], config["batch_size"])
        row = {"epoch": epoch, **row, "val_map": float(summary["map"]),
               "val_map_50": float(summary["map_50"]), "seconds": round(seconds, 1)}
        state = {"epoch": epoch, "history": state["history"] + [row],
                 "best": max(state["best"], row["val_map"]),
                 "seconds": state["seconds"] + seconds}
        log(" ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                     for k, v in row.items()))
        if row["val_map"] >= state["best"]:
            save_training_state(run / RunFolder.BEST, *parts[:3], rng=parts[3], **state)
        save_training_state(run / RunFolder.LAST, *parts[:3], rng=parts[3], **state)
    return _finish(run, config, model, splits, state, log)


def _finish(run, config, model, splits, state, log):
    """history.json, curves.png, and the test figures of the best epoch's weights."""
    history = state["history"]
    run.write_json(RunFolder.HISTORY, history)
    losses = [key for key in history[0] if key.startswith("train_")]
    try:
        plot_panels(history, [("loss", losses), ("validation mAP", ["val_map", "val_map_50"])],
                    run / "curves.png", f"{config['model']} on {config['dataset']}")
    except ImportError as error:
        log(f"no curves.png: {error}")
    model.load_state_dict(read_training_state(run / RunFolder.BEST)["modules"]["model"])
    metrics = _test_metrics(model, splits, config, state)
    run.write_json(RunFolder.METRICS, metrics)
    detection_data.draw_predictions(model, splits["test"][:6], splits["info"]["classes"],
                                    run / "predictions.png")
    log(f"test mAP@0.5 {metrics['test_map_50']:.3f}, COCO mAP {metrics['test_map']:.3f} "
        f"(best epoch {metrics['best_epoch']}, {metrics['train_seconds']:.0f} s of training, "
        f"{metrics['images_per_second']:.1f} images/s)")
    log(f"run folder {run.path}: config.json, history.json, curves.png, predictions.png, "
        f"{RunFolder.BEST}, {RunFolder.LAST}, metrics.json")
    return metrics


def _test_metrics(model, splits, config, state):
    summary, speed = measure(model, splits["test"], config["batch_size"])
    at_50, _ = measure(model, splits["test"], config["batch_size"], iou_thresholds=[0.5])
    classes = splits["info"]["classes"]
    per_class = {classes[int(k) - 1]: round(float(v), 4)
                 for k, v in zip(at_50["classes"].tolist(), at_50["map_per_class"].tolist())}
    best = max(state["history"], key=lambda row: row["val_map"])
    return {"test_map": round(float(summary["map"]), 4),
            "test_map_50": round(float(summary["map_50"]), 4),
            "test_map_75": round(float(summary["map_75"]), 4),
            "test_ap_50_per_class": per_class, "test_images": len(splits["test"]),
            "images_per_second": round(speed, 1), "best_epoch": best["epoch"],
            "best_val_map": best["val_map"], "epochs_run": len(state["history"]),
            "train_seconds": round(state["seconds"], 1)}


# ---------------------------------------------------------------- the pretrained backbone

BACKBONE_DATASETS = {"mnist": "multi-mnist", "bccd-cells": "bccd"}


def pretrain_backbone(out, dataset="mnist", width_mult=DEFAULTS["width_mult"], epochs=2,
                      train_subset=None, lr=1e-3, seed=0, data=None, log=print, progress=True):
    """Train the detectors' backbone (ResNet-18, ImageNet stem, ``width_mult``) as a classifier
    of ``dataset`` ("mnist" digits for multi-mnist, "bccd-cells" for BCCD) into the run folder
    ``out``; its checkpoint (best validation accuracy) is what ``pretrained=out`` loads.
    Returns the test accuracy."""
    from ...datasets.prepare import classification_splits
    from ...nn import functional as F
    from ...utils.data import DataLoader
    from ..callbacks import ModelCheckpoint
    from ..trainer import Trainer
    if dataset not in BACKBONE_DATASETS:
        raise ValueError(f"pretrain_backbone: unknown dataset {dataset!r}; available: "
                         f"{', '.join(BACKBONE_DATASETS)}")
    run = RunFolder(out)
    manual_seed(seed)
    train_set, val_set, test_set, info = classification_splits(
        dataset, data, val_size=2000, train_subset=train_subset, seed=seed)
    run.write_config({"model": "resnet18", "dataset": dataset, "width_mult": width_mult,
                      "epochs": epochs, "train_subset": train_subset, "lr": lr, "seed": seed,
                      "small_input": False, "data_info": info, "for": BACKBONE_DATASETS[dataset]})
    model = resnet18(in_channels=info["image_shape"][0], width_mult=width_mult,
                     num_classes=len(info["classes"]))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=lr), F.cross_entropy,
                      callbacks=[ModelCheckpoint(run / RunFolder.BEST, monitor="val_accuracy",
                                                 mode="max")], progress=progress)
    trainer.fit(DataLoader(train_set, batch_size=64, shuffle=True),
                DataLoader(val_set, batch_size=500), epochs=epochs, log=log)
    model.load_state_dict(run.best_state()["modules"]["model"])
    test = trainer.evaluate(DataLoader(test_set, batch_size=500))
    run.write_json(RunFolder.METRICS, {"test_accuracy": test["accuracy"],
                                       "train_seconds": round(sum(
                                           r["seconds"] for r in trainer.history.rows), 1)})
    log(f"backbone classifier test accuracy {100 * test['accuracy']:.2f}% -> {run / RunFolder.BEST}")
    return test["accuracy"]


# ---------------------------------------------------------------- using a run

def load_model(path):
    """(the trained detector in eval mode, its run config) of a detection run folder or of
    its checkpoint file: the weights of the best epoch."""
    run = RunFolder.containing(path)
    config = run.read_config(DETECTORS, "a detector", "yingshe train ssd")
    checkpoint = Path(path) if Path(path).is_file() else run / RunFolder.BEST
    if not checkpoint.is_file():
        raise RunFolderError(f"no checkpoint at {checkpoint}: the run has not finished an epoch")
    model = build_detector(config, log=lambda *_: None)
    model.load_state_dict(read_training_state(checkpoint)["modules"]["model"])
    return model.eval(), config


def evaluate(path, data=None):
    """Test figures of a detection run (its best epoch) on its dataset's held-out images."""
    model, config = load_model(path)
    splits = _load(config, data or config["data"], lambda *_: None)
    summary, speed = measure(model, splits["test"], config["batch_size"])
    return {"map": float(summary["map"]), "map_50": float(summary["map_50"]),
            "images": len(splits["test"]), "images_per_second": speed,
            "model": config["model"], "dataset": config["dataset"]}


def detect(path, image_path, out=None, score_thresh=0.5):
    """The detections (label name, score, box in the image's pixels) of a detection run on an
    image file, best first; with ``out``, the image with the boxes drawn, as PNG."""
    model, config = load_model(path)
    info = config["data_info"]
    image = detection_data.read_image(image_path, info["channels"])
    prediction = model([from_numpy(image)])[0]
    keep = (prediction["scores"] >= score_thresh).nonzero()[:, 0]
    found = {key: value[keep] for key, value in prediction.items()}
    names = [info["classes"][int(k) - 1] for k in found["labels"].tolist()]
    if out is not None:
        detection_data.save_with_boxes(image, found["boxes"], names, out)
    return [(name, float(score), [round(float(v), 1) for v in box])
            for name, score, box in zip(names, found["scores"].tolist(),
                                        found["boxes"].tolist())]
