"""First-layer filters (Hubel & Wiesel 1962 found simple cells in the cat's visual cortex that
answer to edges of one orientation; Krizhevsky, Sutskever & Hinton 2012, Fig. 3, and Zeiler &
Fergus 2014 showed that a trained CNN's first layer learns the same kind of oriented edge
detectors).  A small CNN with 7 x 7 first-layer filters is trained briefly on Fashion-MNIST and
its first-layer filters are drawn beside the same filters at initialisation.  The first layer
starts from N(0, 0.01^2) as in Krizhevsky et al. (2012, §5), so that what the picture shows was
learned: PyTorch's default U(-1/7, 1/7) for a 7 x 7 kernel is noise large enough to hide two
epochs of learning (``--init-std 0`` keeps it).

How oriented a filter is gets a number too: the coherence (l1 - l2) / (l1 + l2) of its
structure tensor, the eigenvalues l1 >= l2 of sum over pixels of grad w grad w^T (Bigun &
Granlund 1987): 1 for a pure edge (every gradient in one direction), near 0 for noise.

    python examples/first_layer_filters.py --out docs/results

Writes first_layer_filters.png in ``--out``."""
import argparse
from pathlib import Path

import numpy as np

import yingshe
from yingshe import nn, optim
from yingshe.nn import functional as F
from yingshe.training.plots import pyplot
from yingshe.vision.datasets import FashionMNIST


def edge_cnn(filters=32, kernel_size=7):
    """conv kernel_size x kernel_size (``filters``) -> ReLU -> max-pool 2 -> conv 5 x 5 (32) ->
    ReLU -> max-pool 2 -> linear to 10 classes, for 28 x 28 grey images."""
    return nn.Sequential(
        nn.Conv2d(1, filters, kernel_size, padding=kernel_size // 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(filters, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def coherence(filters):
    """(F,) structure-tensor coherence of each (F, k, k) filter, from its finite-difference
    gradients."""
    gy, gx = np.gradient(filters.astype(np.float64), axis=(1, 2))
    jxx, jyy, jxy = (gx * gx).sum((1, 2)), (gy * gy).sum((1, 2)), (gx * gy).sum((1, 2))
    spread = np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2)
    return spread / np.maximum(jxx + jyy, 1e-12)


def draw(ax, filters, title, columns=8):
    """The (F, k, k) filters as one grey mosaic, each scaled to its own [min, max]."""
    count, k = filters.shape[0], filters.shape[1]
    rows = -(-count // columns)
    mosaic = np.ones((rows * (k + 1) - 1, columns * (k + 1) - 1))
    for i, w in enumerate(filters):
        r, c = divmod(i, columns)
        mosaic[r * (k + 1):r * (k + 1) + k, c * (k + 1):c * (k + 1) + k] = \
            (w - w.min()) / max(w.max() - w.min(), 1e-12)
    ax.imshow(mosaic, cmap="gray", interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--kernel-size", type=int, default=7)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--init-std", type=float, default=0.01,
                        help="first-layer weights N(0, std^2); 0: PyTorch's default init")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args(argv)
    images, labels = FashionMNIST(args.data, train=True).arrays()
    x = (images[:args.train_size].astype(np.float32) / 255.0 - 0.286) / 0.353
    y = labels[:args.train_size]
    test_images, test_labels = FashionMNIST(args.data, train=False).arrays()
    test_x = (test_images.astype(np.float32) / 255.0 - 0.286) / 0.353
    yingshe.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = edge_cnn(args.filters, args.kernel_size)
    if args.init_std:
        nn.init.normal_(model[0].weight, 0.0, args.init_std)
    initial = model[0].weight.detach().numpy()[:, 0].copy()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = rng.permutation(len(y))
        for first in range(0, len(order), 64):
            chosen = order[first:first + 64]
            optimizer.zero_grad()
            F.cross_entropy(model(yingshe.from_numpy(x[chosen, None])),
                            yingshe.from_numpy(y[chosen])).backward()
            optimizer.step()
        model.eval()
        with yingshe.no_grad():
            predicted = np.concatenate([model(yingshe.from_numpy(test_x[i:i + 1000, None]))
                                        .numpy().argmax(1) for i in range(0, len(test_x), 1000)])
        print(f"epoch {epoch}: test accuracy {np.mean(predicted == test_labels):.4f}", flush=True)
    trained = model[0].weight.detach().numpy()[:, 0]
    before, after = coherence(initial), coherence(trained)
    print(f"structure-tensor coherence, mean over filters: {before.mean():.3f} at "
          f"initialisation, {after.mean():.3f} trained")
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    k = args.kernel_size
    draw(left, initial, f"{k}x{k} filters at initialisation (coherence {before.mean():.2f})")
    draw(right, trained, f"after {args.epochs} epochs on Fashion-MNIST (coherence "
         f"{after.mean():.2f})")
    figure.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figure.savefig(out / "first_layer_filters.png", dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    main()
