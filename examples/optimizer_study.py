"""Optimiser study (Goodfellow, Bengio & Courville 2016, Deep Learning, §8.3 and §8.5): the same
MLP on MNIST trained with SGD, momentum, AdaGrad, RMSProp and Adam from the same initial weights
and the same batches.

    python examples/optimizer_study.py --epochs 5 --out docs/results

Writes ``optimizers.png`` (training loss, averaged over every 50 steps) and ``optimizers.md``
(final test accuracy and wall time per optimiser)."""
import argparse
import time
from pathlib import Path

import yingshe
from yingshe.datasets.prepare import classification_splits
from yingshe.models import MLP
from yingshe.nn import functional as F
from yingshe.training import Trainer
from yingshe.training.plots import plot_curves
from yingshe.training.recipes.classification import make_optimizer
from yingshe.utils.data import DataLoader

# name -> (optimizer key of classification.make_optimizer, learning rate): the usual textbook rates
SETTINGS = {"SGD": ("sgd", 0.1), "Momentum (0.9)": ("momentum", 0.01),
            "AdaGrad": ("adagrad", 0.01), "RMSProp": ("rmsprop", 0.001), "Adam": ("adam", 0.001)}


def run(name, key, lr, data, epochs, seed, every=50):
    """Train one MLP; returns (smoothed loss curve, test accuracy, seconds)."""
    train_set, test_set = data
    yingshe.manual_seed(seed)  # same initial weights and same shuffles for every optimiser
    model = MLP(784, (512, 256), 10)
    optimizer = make_optimizer(key, model.parameters(), lr)
    loader = DataLoader(train_set, batch_size=64, shuffle=True)
    curve, window = [], []
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            window.append(loss.item())
            if len(window) == every:
                curve.append(sum(window) / every)
                window = []
    seconds = time.perf_counter() - start
    test = Trainer(model, optimizer, F.cross_entropy, progress=False).evaluate(
        DataLoader(test_set, batch_size=1000))
    print(f"{name:15s} lr={lr:<6} test accuracy {100 * test['accuracy']:.2f}%  "
          f"final loss {curve[-1]:.4f}  {seconds:.0f} s")
    return curve, test["accuracy"], seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args()
    train_set, _, test_set, _ = classification_splits("mnist", args.data, val_size=0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    curves, rows = {}, []
    for name, (key, lr) in SETTINGS.items():
        curve, accuracy, seconds = run(name, key, lr, (train_set, test_set), args.epochs,
                                       args.seed)
        curves[name] = curve
        rows.append(f"| {name} | {lr} | {curve[-1]:.4f} | {100 * accuracy:.2f}% | {seconds:.0f} |")
    plot_curves(curves, out / "optimizers.png", xlabel="steps / 50", ylabel="training loss",
                title=f"MLP 784-512-256-10 on MNIST, batch 64, {args.epochs} epochs",
                log_scale=True)
    table = ["| optimiser | lr | final training loss | test accuracy | seconds |",
             "|---|---|---|---|---|"] + rows
    (out / "optimizers.md").write_text(
        f"Command: `python examples/optimizer_study.py --epochs {args.epochs} --seed "
        f"{args.seed}`\n\n" + "\n".join(table) + "\n")
    print("\n".join(table))
    print(f"wrote {out / 'optimizers.png'} and {out / 'optimizers.md'}")


if __name__ == "__main__":
    main()
