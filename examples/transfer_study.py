"""Transfer learning, measured (issue 26 item 6; seed 004 §5): a VGG-11 (batch norm, quarter
width) trained on Fashion-MNIST classes 0-4 is reused on three new tasks and compared with the
same network trained from scratch on the same images, batches and epochs:

  (a) Fashion-MNIST classes 5-9 with 50 labelled images per class;
  (b) MNIST digits with 100 labelled images per class;
  (c) the BCCD blood cells (colour, 3 classes, official train/val/test lists).

Each task is trained three ways with the same images, batches, epochs and optimiser: from
scratch, fine-tuned (all layers, from the pretrained weights, with a new head) and as frozen
features with a new linear head.  Every run is a
``yingshe train`` command (printed, so each row can be rerun alone); the script prints the table
of docs/results/vision.md and draws the curves into docs/results/transfer.png.

    python examples/transfer_study.py            # about 45 minutes on 2 cores
"""
import argparse
import json
import shlex
import time
from pathlib import Path

from yingshe import cli

MODEL = ["vgg11_bn", "--width-mult", "0.25", "--weight-decay", "5e-4", "--scheduler", "cosine",
         "--seed", "0", "--no-progress"]
SOURCE = ["--dataset", "fashion-mnist", "--classes", "0-4", "--epochs", "5", "--batch-size",
          "128", "--optimizer", "nesterov", "--lr", "0.05", "--augment", "crop-flip"]
TASKS = {
    "(a) Fashion-MNIST 5-9, 50 labels/class": [
        "--dataset", "fashion-mnist", "--classes", "5-9", "--labels-per-class", "50",
        "--val-size", "0", "--epochs", "30", "--batch-size", "25", "--optimizer", "nesterov",
        "--lr", "0.01", "--augment", "crop-flip"],
    "(b) MNIST, 100 labels/class": [
        "--dataset", "mnist", "--labels-per-class", "100", "--val-size", "0", "--epochs", "30",
        "--batch-size", "50", "--optimizer", "nesterov", "--lr", "0.01", "--augment", "affine"],
    "(c) BCCD cells (colour)": [
        "--dataset", "bccd-cells", "--epochs", "15", "--batch-size", "64", "--optimizer", "adam",
        "--lr", "1e-3", "--augment", "crop-flip"],
}
WAYS = {"scratch": [], "fine-tuned": ["--pretrained", "{source}"],
        "frozen features + linear head": ["--pretrained", "{source}", "--freeze-backbone"]}


def train(argv, out, log):
    """Run ``yingshe train`` with ``argv`` into ``out`` (reusing a finished run) and return its
    metrics."""
    metrics = Path(out) / "metrics.json"
    command = ["train", *argv, "--out", str(out)]
    log("yingshe " + shlex.join(command))
    if not metrics.is_file():
        cli.run(command + ["--overwrite"], log=lambda line: None)
    return json.loads(metrics.read_text())


def plot(curves, path):
    from yingshe.training.plots import pyplot
    plt = pyplot()
    figure, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.4))
    for axis, (task, runs) in zip(axes, curves.items()):
        for way, rows in runs.items():
            axis.plot([row["epoch"] for row in rows], [row["train_loss"] for row in rows],
                      label=way)
        axis.set_title(task, fontsize=9)
        axis.set_xlabel("epoch")
        axis.set_yscale("log")
    axes[0].set_ylabel("training loss")
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", default="runs/transfer")
    parser.add_argument("--results", default="docs/results")
    args = parser.parse_args()
    runs = Path(args.runs)
    started = time.perf_counter()
    source = runs / "source-fashion-0-4"
    source_metrics = train(MODEL[:1] + SOURCE + MODEL[1:], source, print)
    rows = [(f"| source: Fashion-MNIST classes 0-4 (25,000 training images) | pretraining | "
             f"{100 * source_metrics['test_accuracy']:.2f}% | "
             f"{100 * source_metrics['final_train_accuracy']:.1f}% | "
             f"{source_metrics['train_seconds']:.0f} s |")]
    curves = {}
    for task, options in TASKS.items():
        curves[task] = {}
        for way, extra in WAYS.items():
            name = f"{task.split()[0].strip('()')}-{way.split()[0]}"
            argv = MODEL[:1] + options + [e.format(source=source) for e in extra] + MODEL[1:]
            metrics = train(argv, runs / name, print)
            curves[task][way] = json.loads((runs / name / "history.json").read_text())
            rows.append(f"| {task} | {way} | {100 * metrics['test_accuracy']:.2f}% | "
                        f"{100 * metrics['final_train_accuracy']:.1f}% | "
                        f"{metrics['train_seconds']:.0f} s |")
    header = "| task | training | test accuracy | final training accuracy | training time |"
    table = "\n".join([header, "|---|---|---|---|---|", *rows])
    plot(curves, Path(args.results) / "transfer.png")
    print(table)
    print(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
