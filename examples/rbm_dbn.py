"""RBMs and a deep belief network on MNIST (Hinton 2002; Hinton, Osindero & Teh 2006; Hinton &
Salakhutdinov 2006; settings from Hinton 2010, "A Practical Guide to Training RBMs"):

1. greedy layer-wise pretraining of a 784-500-500 DBN, each layer a Bernoulli RBM trained by
   CD-1 on the 55,000 training images (grey levels used as probabilities);
2. pictures: the first RBM's filters (rows of W as 28 x 28 images) and Gibbs chains started
   at test digits, beside the chains of an RBM of the same size trained by persistent CD
   (Tieleman 2008);
3. the DBN's weights initialise a sigmoid MLP 784-500-500-10 that is fine-tuned by
   backpropagation, against the same MLP from PyTorch's default random initialisation, with
   the same optimiser, batches and epochs, on 1,000 labelled images and on all 55,000.

    python examples/rbm_dbn.py --out docs/results      # about 5 minutes on one core

Writes rbm_filters.png, rbm_samples.png, rbm_samples_pcd.png and dbn_finetune.png (validation
accuracy per epoch) into --out and prints the table of docs/results/fundamentals.md."""
import argparse
import time
from pathlib import Path

import numpy as np

import yingshe
from yingshe import nn, optim
from yingshe.datasets.prepare import DATASETS
from yingshe.datasets.utils import train_val_split
from yingshe.models import MLP
from yingshe.models.rbm import BernoulliRBM, dbn_mlp
from yingshe.training import Trainer
from yingshe.training.images import save_grid
from yingshe.training.plots import plot_curves
from yingshe.training.rbm import pretrain_dbn, train_rbm
from yingshe.utils.data import DataLoader, TensorDataset

SAMPLE_STEPS = (0, 1, 10, 100, 1000)  # Gibbs steps after which the chains are drawn


def mnist_pixels(root, seed):
    """(train, validation, test) as ((N, 784) float32 pixels in [0, 1], labels)."""
    images, labels = DATASETS["mnist"](root, train=True).arrays()
    test_images, test_labels = DATASETS["mnist"](root, train=False).arrays()
    train_idx, val_idx = train_val_split(len(labels), 5000 / len(labels), seed)

    def flat(x):
        return x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0)
    return ((flat(images[train_idx]), labels[train_idx]), (flat(images[val_idx]), labels[val_idx]),
            (flat(test_images), test_labels))


def draw_filters(rbm, path):
    """The first 100 filters (rows of W), each scaled to its own range."""
    weights = rbm.weight.detach().numpy()[:100].reshape(-1, 1, 28, 28)
    low = weights.min(axis=(1, 2, 3), keepdims=True)
    high = weights.max(axis=(1, 2, 3), keepdims=True)
    save_grid((weights - low) / (high - low), path, nrow=10)


def draw_chains(rbm, test_images, path, seed):
    """10 Gibbs chains from test digits: the digit, then p(v | h) after each number of steps
    of ``SAMPLE_STEPS``."""
    yingshe.manual_seed(seed)
    v = yingshe.from_numpy(test_images[:10])
    grids, done = [test_images[:10].reshape(10, 1, 28, 28)], 0
    for steps in SAMPLE_STEPS[1:]:
        probs, v = rbm.gibbs(v, steps - done)
        done = steps
        grids.append(probs.numpy().reshape(10, 1, 28, 28))
    # one row per chain, one column per entry of SAMPLE_STEPS
    save_grid(np.stack(grids, axis=1).reshape(-1, 1, 28, 28), path, nrow=len(SAMPLE_STEPS))


def finetune(model, train, val, test, epochs, args):
    """SGD with momentum on the cross-entropy; (test accuracy, validation curve, seconds)."""
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=args.finetune_lr, momentum=0.9),
                      nn.CrossEntropyLoss(), progress=False)

    def loader(split, shuffle):
        images, labels = split
        return DataLoader(TensorDataset(yingshe.from_numpy(images), yingshe.from_numpy(labels)),
                          batch_size=100, shuffle=shuffle)
    start = time.perf_counter()
    history = trainer.fit(loader(train, True), loader(val, False), epochs=epochs, log=None)
    test_accuracy = trainer.evaluate(loader(test, False))["accuracy"]
    return test_accuracy, history["val_accuracy"], time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pretrain-epochs", type=int, default=5, help="CD-1 epochs per RBM")
    parser.add_argument("--hidden", type=int, nargs="+", default=[500, 500])
    parser.add_argument("--k", type=int, default=1, help="Gibbs steps of CD-k")
    parser.add_argument("--pcd-epochs", type=int, default=5,
                        help="epochs of the persistent-CD RBM drawn for comparison (0: none)")
    parser.add_argument("--pcd-lr", type=float, default=0.01)
    parser.add_argument("--finetune-epochs", type=int, default=5, help="with all labels")
    parser.add_argument("--few-labels", type=int, default=1000)
    parser.add_argument("--few-label-epochs", type=int, default=50)
    parser.add_argument("--finetune-lr", type=float, default=0.1)
    parser.add_argument("--train-subset", type=int, default=0,
                        help="use only this many training images (0: all 55,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train, val, test = mnist_pixels(args.data, args.seed)
    if args.train_subset:
        train = (train[0][:args.train_subset], train[1][:args.train_subset])
    yingshe.manual_seed(args.seed)
    start = time.perf_counter()
    rbms, _ = pretrain_dbn(train[0], args.hidden, held_out=val[0], epochs=args.pretrain_epochs,
                           k=args.k, seed=args.seed)
    print(f"pretraining took {time.perf_counter() - start:.0f} s", flush=True)
    draw_filters(rbms[0], out / "rbm_filters.png")
    draw_chains(rbms[0], test[0], out / "rbm_samples.png", args.seed)
    rows, curves = [], {}
    for labels, epochs in ((args.few_labels, args.few_label_epochs),
                           (len(train[0]), args.finetune_epochs)):
        subset = (train[0][:labels], train[1][:labels])
        for init in ("random", "DBN"):
            yingshe.manual_seed(args.seed)
            model = dbn_mlp(rbms) if init == "DBN" else \
                MLP(784, tuple(args.hidden), 10, activation="sigmoid")
            accuracy, curve, seconds = finetune(model, subset, val, test, epochs, args)
            curves[f"{labels} labels, {init} init"] = curve
            rows.append(f"| {labels:,} | {init} | {epochs} | {100 * curve[-1]:.2f}% | "
                        f"{100 * accuracy:.2f}% | {seconds:.0f} |")
            print(rows[-1], flush=True)
    plot_curves(curves, out / "dbn_finetune.png", ylabel="validation accuracy",
                title="sigmoid MLP 784-" + "-".join(map(str, args.hidden)) + "-10, fine-tuning")
    if args.pcd_epochs:  # smaller steps and momentum 0.5: the chains must follow the weights
        yingshe.manual_seed(args.seed)
        rbm = BernoulliRBM(784, args.hidden[0]).init_visible_bias(train[0])
        train_rbm(rbm, train[0], epochs=args.pcd_epochs, lr=args.pcd_lr, momentum=(0.5, 0.5),
                  persistent=True, k=args.k, held_out=val[0], seed=args.seed)
        draw_chains(rbm, test[0], out / "rbm_samples_pcd.png", args.seed)
    header = ("| labelled images | initialisation | epochs | validation accuracy | "
              "test accuracy | seconds |")
    print("\n".join([header, "|---|---|---|---|---|---|", *rows]))


if __name__ == "__main__":
    main()
