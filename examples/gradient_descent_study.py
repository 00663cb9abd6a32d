"""Batch gradient descent vs stochastic vs mini-batch (Bottou, Curtis & Nocedal 2018,
"Optimization methods for large-scale machine learning", §3; Goodfellow et al. 2016, §8.1.3):
the same softmax regression on the same MNIST images, trained by SGD with the same learning rate
and the same budget of examples, one example per step, 32, 256, or the whole set per step (batch
gradient descent).  The training loss over the whole set is logged against the examples seen
(statistical efficiency: small batches make more updates per pass) and against wall time
(hardware efficiency: a large batch is one matrix product instead of many small ones).

    python examples/gradient_descent_study.py --out docs/results

Writes gradient_descent.png in ``--out`` and prints the table of docs/results/fundamentals.md.
The wall times are of the training steps only (the loss checkpoints are not counted)."""
import argparse
import time
from pathlib import Path

import numpy as np

import yingshe
from yingshe import nn, optim
from yingshe.nn import functional as F
from yingshe.training.plots import pyplot
from yingshe.vision.datasets import MNIST


def mnist_vectors(root, train, limit):
    """(images (N, 784) float32 in [0, 1], labels int64) of the first ``limit`` MNIST images."""
    images, labels = MNIST(root, train=train).arrays()
    return images[:limit].reshape(-1, 784).astype(np.float32) / 255.0, labels[:limit]


def full_loss(model, x, y):
    with yingshe.no_grad():
        return F.cross_entropy(model(x), y).item()


def descend(x, y, batch_size, lr, epochs, checkpoints, seed):
    """Train nn.Linear(784, 10) by SGD on mini-batches of ``batch_size`` drawn without
    replacement each epoch; returns [(examples seen, seconds, loss on all of x)] at ``checkpoints``
    (examples seen) and the model."""
    yingshe.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = nn.Linear(784, 10)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    features, targets = yingshe.from_numpy(x), yingshe.from_numpy(y)
    log, seen, seconds, pending = [(0, 0.0, full_loss(model, features, targets))], 0, 0.0, 0
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for first in range(0, len(order), batch_size):
            chosen = order[first:first + batch_size]
            start = time.perf_counter()
            optimizer.zero_grad()
            F.cross_entropy(model(yingshe.from_numpy(x[chosen])),
                            yingshe.from_numpy(y[chosen])).backward()
            optimizer.step()
            seconds += time.perf_counter() - start
            seen += len(chosen)
            while pending < len(checkpoints) and seen >= checkpoints[pending]:
                pending += 1
                log.append((seen, seconds, full_loss(model, features, targets)))
    return log, model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 256, 0],
                        help="0 means the whole training set (batch gradient descent)")
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args(argv)
    x, y = mnist_vectors(args.data, True, args.train_size)
    test_x, test_y = mnist_vectors(args.data, False, 10000)
    budget = args.epochs * len(y)
    checkpoints = np.unique(np.geomspace(1, budget, 40).astype(int))
    runs = {}
    for batch_size in args.batch_sizes:
        size = batch_size or len(y)
        name = f"batch GD (all {len(y)})" if size == len(y) else \
            ("SGD (1)" if size == 1 else f"mini-batch {size}")
        log, model = descend(x, y, size, args.lr, args.epochs, checkpoints, args.seed)
        with yingshe.no_grad():
            predicted = model(yingshe.from_numpy(test_x)).numpy().argmax(1)
        runs[name] = log, size, float(np.mean(predicted == test_y))
        print(f"{name}: loss {log[-1][2]:.4f} after {log[-1][0]} examples, {log[-1][1]:.1f} s",
              flush=True)
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, (log, _, _) in runs.items():
        seen, seconds, loss = map(np.array, zip(*log))
        left.semilogx(np.maximum(seen, 1), loss, "o-", markersize=3, label=name)
        right.semilogx(seconds[1:], loss[1:], "o-", markersize=3, label=name)
    left.set(xlabel="examples seen", ylabel="training loss (all images)",
             title=f"softmax regression, {len(y):,} MNIST images, SGD lr {args.lr:g}")
    right.set(xlabel="wall seconds of training steps", ylabel="training loss (all images)")
    left.legend()
    figure.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figure.savefig(out / "gradient_descent.png", dpi=110)
    plt.close(figure)
    print(f"\n| method (examples per step) | updates | training loss after {args.epochs} epochs "
          "| test accuracy | seconds | examples / s |\n|---|---|---|---|---|---|")
    for name, (log, size, accuracy) in runs.items():
        seen, seconds, loss = log[-1]
        print(f"| {name} | {-(-len(y) // size) * args.epochs:,} | {loss:.4f} | {accuracy:.2%} "
              f"| {seconds:.2f} | {seen / seconds:,.0f} |")


if __name__ == "__main__":
    main()
