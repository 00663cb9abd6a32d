"""The ``yingshe`` command: train, evaluate and use the models from the shell.

    yingshe train lenet5 --dataset mnist --epochs 15 --out runs/lenet5-mnist
    yingshe evaluate runs/lenet5-mnist
    yingshe predict runs/lenet5-mnist/checkpoint.safetensors digit.png
    yingshe models
    yingshe datasets
    yingshe train vae --dataset mnist --out runs/vae-mnist      # and the other generative models
    yingshe sample runs/vae-mnist --n 64 --out grid.png
    yingshe interpolate runs/vae-mnist --steps 10 --out interp.png
    yingshe score runs/dcgan-mnist --classifier runs/lenet5-mnist   # Inception Score, FID
    yingshe train word2vec --corpus wikitext-2 --out runs/sgns-wikitext2   # or glove
    yingshe similar runs/sgns-wikitext2 king
    yingshe analogy runs/sgns-wikitext2 king man woman     # king - man + woman = ?

A run folder holds ``config.json`` (every option, so the run can be rebuilt), ``history.csv`` /
``history.json`` (per-epoch metrics), ``curves.png`` (loss and accuracy, train vs validation),
``checkpoint.safetensors`` (the whole training state of the best epoch) and ``metrics.json``
(final validation and test figures).  Generative runs are described in
``yingshe.generative_cli``."""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import _backend, generative_cli, word_vectors_cli
from .autograd.grad_mode import no_grad
from .nn import functional as F
from .ops.creation import from_numpy

__all__ = ["main", "build_parser"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw")
CHECKPOINT = "checkpoint.safetensors"  # the best epoch
LAST_CHECKPOINT = "last.safetensors"  # the latest epoch, for --resume
RUN_ONLY_OPTIONS = ("command", "no_progress", "download", "resume")


def make_optimizer(name, parameters, lr, weight_decay=0.0):
    """One of ``OPTIMIZERS`` with the seeds' usual settings (momentum 0.9)."""
    from . import optim
    if name == "sgd":
        return optim.SGD(parameters, lr=lr, weight_decay=weight_decay)
    if name in ("momentum", "nesterov"):
        return optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=name == "nesterov",
                         weight_decay=weight_decay)
    if name == "adagrad":
        return optim.Adagrad(parameters, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(parameters, lr=lr, weight_decay=weight_decay)
    if name == "adadelta":
        return optim.Adadelta(parameters, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; available: {', '.join(OPTIMIZERS)}")


def build_parser():
    parser = argparse.ArgumentParser(prog="yingshe", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and write a run folder")
    train.add_argument("model", help="a name from `yingshe models`")
    train.add_argument("--dataset", default="mnist", help="mnist or fashion-mnist")
    train.add_argument("--epochs", type=int, default=None,
                       help="epochs in all (default 10; vae, conv-vae 20; gan 50)")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=None,
                       help="learning rate (default 1e-3; GANs 2e-4)")
    train.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    train.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty")
    train.add_argument("--dropout", type=float, default=0.0)
    train.add_argument("--batch-norm", action="store_true")
    train.add_argument("--augment", action="store_true",
                       help="random rotation/shift/scale of the training images")
    train.add_argument("--scheduler", default="none", choices=("none", "cosine", "step"))
    train.add_argument("--early-stopping", type=int, default=0, metavar="PATIENCE",
                       help="stop after PATIENCE epochs without a lower val_loss (0: off)")
    train.add_argument("--val-size", type=int, default=5000,
                       help="training images held out for validation")
    train.add_argument("--train-subset", type=int, default=None, metavar="N",
                       help="train on only N images (smoke tests, overfitting studies)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    train.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    train.add_argument("--download", action="store_true",
                       help="fetch missing dataset files from the canonical mirrors first")
    train.add_argument("--out", default=None, help="run folder (default runs/MODEL-DATASET)")
    train.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    train.add_argument("--resume", action="store_true",
                       help=f"continue the run in --out from its {LAST_CHECKPOINT} with the "
                            f"options it was started with (--epochs may raise the total; a cosine "
                            f"or step schedule keeps the length it was built with)")
    generative_cli.add_train_options(train)
    word_vectors_cli.add_word_vector_train_options(train)

    evaluate = commands.add_parser("evaluate", help="test accuracy of a run or checkpoint")
    evaluate.add_argument("run", help="a run folder or its checkpoint file")
    evaluate.add_argument("--data", default=None)
    evaluate.add_argument("--batch-size", type=int, default=500)

    predict = commands.add_parser("predict", help="classify an image file")
    predict.add_argument("checkpoint", help="a run folder or its checkpoint file")
    predict.add_argument("image", help="PNG/JPEG (needs Pillow) or .npy; any size")
    predict.add_argument("--top", type=int, default=3)

    generate = commands.add_parser("generate", help="sample text from a character LM run")
    generate.add_argument("run", help="a run folder of examples/char_language_model.py, or a "
                                      "checkpoint in it")
    generate.add_argument("--prompt", default="ROMEO:")
    generate.add_argument("--length", type=int, default=500)
    generate.add_argument("--temperature", type=float, default=0.8)
    generate.add_argument("--seed", type=int, default=0)

    translate = commands.add_parser("translate", help="translate English to French")
    translate.add_argument("run", help="a run folder of examples/translation.py, or a "
                                       "checkpoint in it")
    translate.add_argument("sentence")
    translate.add_argument("--beam", type=int, default=0, help="beam width (0: greedy)")
    translate.add_argument("--heatmap", default=None, help="save the attention weights as PNG")

    generative_cli.add_commands(commands)
    word_vectors_cli.add_word_vector_commands(commands)
    commands.add_parser("models", help="list the models")
    datasets = commands.add_parser("datasets", help="list the datasets and their files")
    datasets.add_argument("--data", default=None)
    return parser


# ---- train ---------------------------------------------------------------------------------
def train(args, log=print):
    """Train as ``args`` say; returns the metrics dict also written to metrics.json."""
    from .datasets.prepare import classification_splits
    from .models import MODELS, create_model
    from .optim import lr_scheduler
    from .serialization import load
    from .training import EarlyStopping, ModelCheckpoint, Trainer
    from .utils.data import DataLoader

    if args.model in word_vectors_cli.WORD_VECTOR_MODELS:
        generative_cli.check_options(args)
        return word_vectors_cli.train_word_vectors(args, log)
    word_vectors_cli.check_options(args)
    if args.model in generative_cli.GENERATIVE_MODELS:
        return generative_cli.train_generative(args, log)
    if args.model not in MODELS:
        raise SystemExit(f"error: unknown model {args.model!r}; classifiers: "
                         f"{', '.join(MODELS)}; generative models: "
                         f"{', '.join(generative_cli.GENERATIVE_MODELS)}; word vectors: "
                         f"{', '.join(word_vectors_cli.WORD_VECTOR_MODELS)}")
    generative_cli.check_options(args)
    out = Path(args.out or f"runs/{args.model}-{args.dataset}")
    if args.resume:
        _restore_options(args, out)
    args.epochs = args.epochs or 10
    args.lr = 1e-3 if args.lr is None else args.lr
    _backend.manual_seed(args.seed)
    if args.download:
        from .datasets.prepare import DATASETS
        DATASETS[args.dataset](args.data, download=True)
    out.mkdir(parents=True, exist_ok=True)
    config = {k: v for k, v in vars(args).items()
              if k not in RUN_ONLY_OPTIONS + generative_cli.OPTIONS + word_vectors_cli.OPTIONS}
    train_set, val_set, test_set, info = classification_splits(
        args.dataset, args.data, args.val_size, args.train_subset, args.augment, args.seed)
    config["data_info"] = info
    (out / "config.json").write_text(json.dumps(config, indent=1))
    model = create_model(args.model, in_channels=info["image_shape"][0],
                         image_size=info["image_shape"][1], num_classes=len(info["classes"]),
                         dropout=args.dropout, batch_norm=args.batch_norm)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr, args.weight_decay)
    scheduler = None
    if args.scheduler == "cosine":
        scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    elif args.scheduler == "step":
        scheduler = lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 3), gamma=0.1)
    split = "val" if val_set is not None else "train"
    monitor = f"{split}_accuracy"  # the checkpoint keeps the most accurate epoch
    callbacks = [ModelCheckpoint(out / CHECKPOINT, monitor=monitor, mode="max"),
                 ModelCheckpoint(out / LAST_CHECKPOINT, save_best_only=False)]
    if args.early_stopping:
        callbacks.append(EarlyStopping(f"{split}_loss", patience=args.early_stopping))
    trainer = Trainer(model, optimizer, F.cross_entropy, scheduler=scheduler, callbacks=callbacks,
                      progress=not args.no_progress)
    if args.resume:
        trainer.resume(out / LAST_CHECKPOINT)
        log(f"resumed {out / LAST_CHECKPOINT} after epoch {trainer.epoch}")
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers)
    val_loader = DataLoader(val_set, batch_size=500) if val_set is not None else None
    log(f"training {args.model} on {args.dataset}: {info['train']} train / "
        f"{info['validation']} validation / {info['test']} test images, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters")
    history = trainer.fit(train_loader, val_loader, epochs=args.epochs, log=log)
    seconds = sum(row["seconds"] for row in history.rows)
    history.save_csv(out / "history.csv")
    history.save_json(out / "history.json")
    plotted = _plot(history, out / "curves.png", f"{args.model} on {args.dataset}", log)
    model.load_state_dict(load(out / CHECKPOINT)["model"])  # the best epoch's weights
    test = trainer.evaluate(DataLoader(test_set, batch_size=500))
    best = max(history.rows, key=lambda row: row[monitor])
    metrics = {"test_accuracy": test["accuracy"], "test_loss": test["loss"],
               "best_epoch": best["epoch"], "best_val_accuracy": best.get("val_accuracy"),
               "epochs_run": len(history), "train_seconds": round(seconds, 1),
               "final_train_accuracy": history.rows[-1]["train_accuracy"]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    log(f"test accuracy {100 * test['accuracy']:.2f}% (best epoch {best['epoch']}, "
        f"{seconds:.0f} s of training)")
    log(f"run folder {out}: config.json, history.csv, history.json, "
        f"{'curves.png, ' if plotted else ''}{CHECKPOINT}, metrics.json")
    return metrics


def _restore_options(args, out):
    """Put back the options a run in ``out`` was started with (all but ``--epochs``)."""
    config_path, last = out / "config.json", out / LAST_CHECKPOINT
    if not config_path.exists() or not last.exists():
        raise SystemExit(f"error: cannot resume: {out} has no config.json and {LAST_CHECKPOINT}")
    saved = json.loads(config_path.read_text())
    if saved["model"] != args.model:
        raise SystemExit(f"error: {out} is a run of {saved['model']!r}, not {args.model!r}")
    epochs = args.epochs
    vars(args).update({k: v for k, v in saved.items() if k != "data_info"})
    args.epochs = epochs or saved["epochs"]


def _plot(history, path, title, log):
    try:
        history.plot(path, title)
    except ImportError as error:
        log(f"no curves.png: {error}")
        return False
    return True


# ---- evaluate / predict --------------------------------------------------------------------
def _run_files(path):
    """(config dict, checkpoint path) of a run folder or of a checkpoint inside one."""
    path = Path(path)
    checkpoint = path / CHECKPOINT if path.is_dir() else path
    config_path = checkpoint.parent / "config.json"
    if not checkpoint.exists():
        raise SystemExit(f"error: no checkpoint at {checkpoint}")
    if not config_path.exists():
        raise SystemExit(f"error: {config_path} not found; a checkpoint needs the config.json "
                         f"that `yingshe train` writes beside it")
    return json.loads(config_path.read_text()), checkpoint


def load_model(path):
    """The trained model of a run folder or checkpoint, in eval mode, and its config."""
    from .models import create_model
    from .serialization import load
    config, checkpoint = _run_files(path)
    info = config["data_info"]
    model = create_model(config["model"], in_channels=info["image_shape"][0],
                         image_size=info["image_shape"][1], num_classes=len(info["classes"]),
                         dropout=config["dropout"], batch_norm=config["batch_norm"])
    model.load_state_dict(load(checkpoint)["model"])
    return model.eval(), config


def evaluate(args, log=print):
    from .datasets.prepare import classification_splits
    from .training import Trainer
    from .utils.data import DataLoader
    model, config = load_model(args.run)
    _, _, test_set, _ = classification_splits(config["dataset"], args.data or config["data"],
                                              val_size=0)
    trainer = Trainer(model, None, F.cross_entropy, progress=False)
    result = trainer.evaluate(DataLoader(test_set, batch_size=args.batch_size))
    log(f"{config['model']} on {config['dataset']} test set: accuracy "
        f"{100 * result['accuracy']:.2f}%, loss {result['loss']:.4f} ({len(test_set)} images)")
    return result


def load_image(path, size, invert="auto"):
    """An image file as a float array (H, W) in [0, 1], grey, resized to ``size`` x ``size``
    like the training data: MNIST-style digits are light on dark, so a light-background photo
    of a digit is inverted (``invert='auto'``)."""
    from .transforms import Resize
    path = Path(path)
    if path.suffix == ".npy":
        image = np.load(path, allow_pickle=False).astype(np.float32)
        if image.ndim == 3:
            image = image.mean(axis=-1 if image.shape[-1] in (3, 4) else 0)
        if image.max() > 1.0:
            image /= 255.0
    else:
        try:
            from PIL import Image
        except ImportError:
            raise SystemExit("error: reading PNG/JPEG needs Pillow (pip install pillow); "
                             ".npy arrays work without it") from None
        with Image.open(path) as opened:
            image = np.asarray(opened.convert("L"), np.float32) / 255.0
    if image.ndim != 2:
        raise SystemExit(f"error: {path}: expected a 2-D (grey) or colour image, got shape "
                         f"{image.shape}")
    image = Resize((size, size))(image)
    if invert == "auto" and np.median(image) > 0.5:
        image = 1.0 - image
    return image


def predict(args, log=print):
    model, config = load_model(args.checkpoint)
    info = config["data_info"]
    image = load_image(args.image, info["image_shape"][1])
    x = (image - info["mean"]) / info["std"]
    with no_grad():
        probabilities = F.softmax(model(from_numpy(x[None, None].astype(np.float32))), dim=1)
    p = probabilities.numpy()[0]
    order = np.argsort(-p)[:args.top]
    for rank, k in enumerate(order):
        log(f"{'->' if rank == 0 else '  '} {info['classes'][k]}: {100 * p[k]:.1f}%")
    return [(info["classes"][k], float(p[k])) for k in order]


def _example_run(path, script):
    """(config dict, weights path) of a run folder that ``script`` wrote, or of a file in it."""
    run = Path(path)
    run = run.parent if run.is_file() else run
    config_path, weights = run / "config.json", run / "model.safetensors"
    if not config_path.exists() or not weights.exists():
        raise SystemExit(f"error: {run} has no config.json and model.safetensors (a run folder "
                         f"of {script})")
    return json.loads(config_path.read_text()), weights


def generate(args, log=print):
    """Sample ``--length`` characters after ``--prompt`` from a trained character model."""
    from .datasets.text import Vocabulary
    from .models.language import build_char_model, sample
    from .serialization import load
    config, weights = _example_run(args.run, "examples/char_language_model.py")
    vocab = Vocabulary(config["vocab"])
    model = build_char_model(config, len(vocab))
    model.load_state_dict(load(weights))
    unknown = sorted(set(args.prompt) - set(config["vocab"]))
    if unknown:
        raise SystemExit(f"error: the prompt has characters the model never saw: {unknown}")
    ids = sample(model, vocab.encode(args.prompt), args.length, args.temperature,
                 np.random.default_rng(args.seed), context=config.get("context"))
    text = "".join(vocab.decode(ids))
    log(text)
    return text


def translate(args, log=print):
    """Translate one sentence with a trained encoder-decoder; optionally plot its attention."""
    from .datasets.text import Vocabulary
    from .datasets.translation import encode_batch, tokenize
    from .models.seq2seq import Seq2Seq
    from .serialization import load
    config, weights = _example_run(args.run, "examples/translation.py")
    source_vocab, target_vocab = (Vocabulary(config["source_vocab"]),
                                  Vocabulary(config["target_vocab"]))
    model = Seq2Seq(len(source_vocab), len(target_vocab), config["hidden"], config["hidden"],
                    config["layers"], config["dropout"], config["attention"])
    model.load_state_dict(load(weights))
    words = tokenize(args.sentence)
    source, lengths = encode_batch([words], source_vocab)
    if args.beam:
        ids, attention = model.beam_search(source, lengths, args.beam)[0], None
    else:
        rows, attention = model.greedy(source, lengths)
        ids = rows[0]
    translation = " ".join(target_vocab.decode(ids))
    log(translation)
    if args.heatmap:
        if attention is None:
            raise SystemExit("error: --heatmap needs an attention model and greedy decoding")
        from .training.plots import plot_attention
        source_tokens = [w if w in source_vocab else "<unk>" for w in words] + ["<eos>"]
        target_tokens = target_vocab.decode(ids) + ["<eos>"]
        plot_attention(attention[0][:len(target_tokens), :len(source_tokens)], source_tokens,
                       target_tokens, args.heatmap)
        log(f"attention heatmap: {args.heatmap}")
    return translation


# ---- listings --------------------------------------------------------------------------------
def list_models(args, log=print):
    from .models import MODELS
    for name, (_, description) in MODELS.items():
        log(f"{name:16s} {description}")
    for name, spec in generative_cli.GENERATIVE_MODELS.items():
        log(f"{name:16s} {spec.description}")
    for name, description in word_vectors_cli.WORD_VECTOR_MODELS.items():
        log(f"{name:16s} {description}")


def list_datasets(args, log=print):
    from .datasets import default_root
    from .datasets.prepare import DATASETS
    from .datasets.utils import md5sum
    root = Path(args.data) if args.data else default_root()
    for name, cls in DATASETS.items():
        folder = root / cls.folder
        states = []
        for filename, md5 in cls.resources.items():
            path = folder / filename
            states.append("missing" if not path.exists() else
                          "ok" if md5sum(path) == md5 else "MD5 MISMATCH")
        summary = "ready" if all(s == "ok" for s in states) else ", ".join(
            f"{f}: {s}" for f, s in zip(cls.resources, states) if s != "ok")
        log(f"{name:14s} {cls.__doc__.splitlines()[0]}\n{'':14s} {folder}: {summary}")


COMMANDS = {"train": train, "evaluate": evaluate, "predict": predict, "generate": generate,
            "translate": translate, "sample": generative_cli.sample,
            "interpolate": generative_cli.interpolate, "score": generative_cli.score,
            **word_vectors_cli.WORD_VECTOR_COMMANDS,
            "models": list_models, "datasets": list_datasets}


def main(argv=None):
    args = build_parser().parse_args(argv)
    COMMANDS[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
