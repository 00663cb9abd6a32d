"""Regularisation study (Goodfellow, Bengio & Courville 2016, Deep Learning, ch. 7: L1/L2,
dropout, batch norm, early stopping, data augmentation): an MLP that overfits 2,000 MNIST
training images, with each technique switched on alone, then all together.  Train and test
accuracy show how much of the gap each one closes.

The penalties are added to the mean cross-entropy: L1 as lambda * sum |w| (the same in every
text), L2 as lambda * sum w^2 / 2 (``l2_penalty``, whose gradient lambda * w is SGD's
``weight_decay``); the textbook form lambda' * sum w^2 is the same with lambda' = lambda / 2.
Both cover the weight matrices, not the biases.  With L1 the gradient lambda * sign(w) does not
shrink with w, so weights the data do not need are driven to zero; with L2 it is lambda * w,
so every weight shrinks in proportion and few reach zero (Deep Learning, §7.1.1-7.1.2).

    python examples/regularization_study.py --epochs 60 --out docs/results

Writes ``regularization.md`` (the table), ``regularization.png`` (validation accuracy per epoch)
and ``regularization_weights.png`` (histograms of the first layer's weights without a penalty,
with L2 and with L1)."""
import argparse
import time
from pathlib import Path

import numpy as np

import yingshe
from yingshe import optim
from yingshe.datasets.prepare import classification_splits
from yingshe.models import MLP
from yingshe.nn import functional as F
from yingshe.optim.regularization import l1_penalty, l2_penalty
from yingshe.training import EarlyStopping, Trainer
from yingshe.training.plots import plot_curves, pyplot
from yingshe.utils.data import DataLoader

SETTINGS = {  # name -> options
    "none (baseline)": {},
    "dropout 0.5": {"dropout": 0.5},
    "L2 penalty 5e-4": {"l2": 5e-4},
    "L1 penalty 1e-4": {"l1": 1e-4},
    "batch norm": {"batch_norm": True},
    "augmentation": {"augment": True},
    "early stopping (patience 5)": {"early_stopping": 5},
    "all of the above": {"dropout": 0.5, "l2": 5e-4, "batch_norm": True, "augment": True,
                         "early_stopping": 5},
}


HISTOGRAMS = ("none (baseline)", "L2 penalty 5e-4", "L1 penalty 1e-4")
NEAR_ZERO = 1e-3  # |w| below this counts as (nearly) zero


class PenalisedLoss:
    """cross-entropy + l1 * sum |w| + l2 * sum w^2 / 2 over the weight matrices (Deep Learning,
    §7.1.1-7.1.2)."""

    def __init__(self, model, l1=0.0, l2=0.0):
        self.weights = [p for name, p in model.named_parameters() if name.endswith("weight")
                        and p.ndim > 1]
        self.l1, self.l2 = l1, l2

    def __call__(self, output, target):
        loss = F.cross_entropy(output, target)
        if yingshe.is_grad_enabled():
            if self.l1:
                loss = loss + self.l1 * l1_penalty(self.weights)
            if self.l2:
                loss = loss + self.l2 * l2_penalty(self.weights)
        return loss


def plot_weight_histograms(weights, path):
    """Histograms of the first-layer weights of each run (log count), and the fraction of them
    that is (nearly) zero."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(7, 4.5))
    limit = max(float(abs(w).max()) for w in weights.values())
    bins = list(np.linspace(-limit, limit, 121))
    for name, w in weights.items():
        near_zero = float((abs(w) < NEAR_ZERO).mean())
        ax.hist(w.ravel(), bins=bins, histtype="step", linewidth=1.5,
                label=f"{name}: {100 * near_zero:.1f}% with |w| < {NEAR_ZERO:g}")
    ax.set_yscale("log")
    ax.set_xlabel("first-layer weight (784 x 512)")
    ax.set_ylabel("count")
    ax.legend()
    figure.tight_layout()
    figure.savefig(str(path), dpi=100)
    plt.close(figure)


def run(options, args):
    yingshe.manual_seed(args.seed)
    train_set, val_set, test_set, _ = classification_splits(
        "mnist", args.data, val_size=5000, train_subset=args.train_size,
        augment=options.get("augment", False), seed=args.seed)
    model = MLP(784, (512, 256), 10, dropout=options.get("dropout", 0.0),
                batch_norm=options.get("batch_norm", False))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    callbacks = [EarlyStopping("val_loss", patience=options["early_stopping"])] \
        if "early_stopping" in options else []
    trainer = Trainer(model, optimizer, PenalisedLoss(model, options.get("l1", 0.0),
                                                      options.get("l2", 0.0)),
                      callbacks=callbacks, progress=False)
    start = time.perf_counter()
    history = trainer.fit(DataLoader(train_set, batch_size=64, shuffle=True),
                          DataLoader(val_set, batch_size=1000), epochs=args.epochs, log=None)
    seconds = time.perf_counter() - start
    clean_train = classification_splits("mnist", args.data, val_size=5000,
                                        train_subset=args.train_size, seed=args.seed)[0]
    train = trainer.evaluate(DataLoader(clean_train, batch_size=1000))
    test = trainer.evaluate(DataLoader(test_set, batch_size=1000))
    first = model.layers[1].weight.detach().numpy().copy()
    return {"train": train["accuracy"], "test": test["accuracy"], "epochs": len(history),
            "seconds": seconds, "val_curve": history["val_accuracy"], "first_layer": first,
            "near_zero": float((abs(first) < NEAR_ZERO).mean())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--train-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, curves, weights = [], {}, {}
    for name, options in SETTINGS.items():
        r = run(options, args)
        curves[name] = r["val_curve"]
        if name in HISTOGRAMS:
            weights[name] = r["first_layer"]
        rows.append(f"| {name} | {100 * r['train']:.2f}% | {100 * r['test']:.2f}% | "
                    f"{100 * (r['train'] - r['test']):.2f} | {100 * r['near_zero']:.1f}% | "
                    f"{r['epochs']} | {r['seconds']:.0f} |")
        print(rows[-1], flush=True)
    header = (f"| regulariser | train accuracy | test accuracy | gap (points) | first-layer "
              f"weights with abs(w) < {NEAR_ZERO:g} | epochs | seconds |")
    table = [header, "|---|---|---|---|---|---|---|", *rows]
    (out / "regularization.md").write_text(
        f"MLP 784-512-256-10, Adam 1e-3, batch 64, {args.train_size} training images, "
        f"up to {args.epochs} epochs, seed {args.seed}.\nCommand: `python "
        f"examples/regularization_study.py --epochs {args.epochs} --train-size "
        f"{args.train_size} --seed {args.seed}`\nPenalties: L2 adds lambda * sum w^2 / 2 "
        f"(`l2_penalty`; the seed's lambda' * sum w^2 with lambda' = lambda / 2), L1 adds "
        f"lambda * sum abs(w); weight matrices only.\n\n" + "\n".join(table) + "\n")
    plot_curves(curves, out / "regularization.png", ylabel="validation accuracy",
                title=f"{args.train_size} MNIST training images")
    plot_weight_histograms(weights, out / "regularization_weights.png")
    print("\n".join(table))


if __name__ == "__main__":
    main()
