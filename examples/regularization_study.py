"""Regularisation study (Goodfellow, Bengio & Courville 2016, Deep Learning, ch. 7: L1/L2,
dropout, batch norm, early stopping, data augmentation): an MLP that overfits 2,000 MNIST
training images, with each technique switched on alone, then all together.  Train and test
accuracy show how much of the gap each one closes.

    python examples/regularization_study.py --epochs 60 --out docs/results

Writes ``regularization.md`` (the table) and ``regularization.png`` (test accuracy per epoch)."""
import argparse
import time
from pathlib import Path

import yingshe
from yingshe import optim
from yingshe.datasets.prepare import classification_splits
from yingshe.models import MLP
from yingshe.nn import functional as F
from yingshe.optim.regularization import l2_penalty
from yingshe.training import EarlyStopping, Trainer
from yingshe.training.plots import plot_curves
from yingshe.utils.data import DataLoader

SETTINGS = {  # name -> options
    "none (baseline)": {},
    "dropout 0.5": {"dropout": 0.5},
    "L2 penalty 5e-4": {"l2": 5e-4},
    "batch norm": {"batch_norm": True},
    "augmentation": {"augment": True},
    "early stopping (patience 5)": {"early_stopping": 5},
    "all of the above": {"dropout": 0.5, "l2": 5e-4, "batch_norm": True, "augment": True,
                         "early_stopping": 5},
}


class PenalisedLoss:
    """cross-entropy + lambda * sum(w^2) / 2 over the weight matrices (Deep Learning, §7.1.1)."""

    def __init__(self, model, strength):
        self.weights = [p for name, p in model.named_parameters() if name.endswith("weight")
                        and p.ndim > 1]
        self.strength = strength

    def __call__(self, output, target):
        loss = F.cross_entropy(output, target)
        if self.strength and yingshe.is_grad_enabled():
            loss = loss + self.strength * l2_penalty(self.weights)
        return loss


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
    trainer = Trainer(model, optimizer, PenalisedLoss(model, options.get("l2", 0.0)),
                      callbacks=callbacks, progress=False)
    start = time.perf_counter()
    history = trainer.fit(DataLoader(train_set, batch_size=64, shuffle=True),
                          DataLoader(val_set, batch_size=1000), epochs=args.epochs, log=None)
    seconds = time.perf_counter() - start
    clean_train = classification_splits("mnist", args.data, val_size=5000,
                                        train_subset=args.train_size, seed=args.seed)[0]
    train = trainer.evaluate(DataLoader(clean_train, batch_size=1000))
    test = trainer.evaluate(DataLoader(test_set, batch_size=1000))
    return {"train": train["accuracy"], "test": test["accuracy"], "epochs": len(history),
            "seconds": seconds, "val_curve": history["val_accuracy"]}


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
    rows, curves = [], {}
    for name, options in SETTINGS.items():
        r = run(options, args)
        curves[name] = r["val_curve"]
        rows.append(f"| {name} | {100 * r['train']:.2f}% | {100 * r['test']:.2f}% | "
                    f"{100 * (r['train'] - r['test']):.2f} | {r['epochs']} | {r['seconds']:.0f} |")
        print(rows[-1], flush=True)
    table = ["| regulariser | train accuracy | test accuracy | gap (points) | epochs | seconds |",
             "|---|---|---|---|---|---|"] + rows
    (out / "regularization.md").write_text(
        f"MLP 784-512-256-10, Adam 1e-3, batch 64, {args.train_size} training images, "
        f"up to {args.epochs} epochs, seed {args.seed}.\nCommand: `python "
        f"examples/regularization_study.py --epochs {args.epochs} --train-size "
        f"{args.train_size} --seed {args.seed}`\n\n" + "\n".join(table) + "\n")
    plot_curves(curves, out / "regularization.png", ylabel="validation accuracy",
                title=f"{args.train_size} MNIST training images")
    print("\n".join(table))


if __name__ == "__main__":
    main()
