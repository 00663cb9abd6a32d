"""Why LSTM, GRU and ReLU exist: vanishing gradients measured.

(a) The adding problem (Hochreiter & Schmidhuber 1997, experiment 4; Le, Jaitly & Hinton 2015):
    T steps of (value in U[0, 1], marker), two markers (one in each half), target the sum of the
    two marked values.  ||dL/dh_t||, the gradient of the loss reaching the hidden state of step
    t (through every later step), for a plain tanh RNN, an LSTM and a GRU at T = 50, 100, 200,
    at initialisation and after training; and the accuracy each reaches (|error| < 0.04, the
    paper's criterion; always answering 1 scores 7.8% and has MSE 1/6).
(b) MNIST read row by row (28 steps of 28 pixels): a plain RNN beside an LSTM, each with and
    without gradient-norm clipping (Pascanu, Mikolov & Bengio 2013).
(c) Saturation (Glorot & Bengio 2010): per-layer gradient norms of a deep MLP with sigmoid, tanh
    or ReLU units at initialisation and after training, and the fraction of dead ReLUs (zero
    for every test image) after training with a sensible and with a too-large learning rate.

    python examples/vanishing_gradients.py --out docs/results           # all three parts

Writes vanishing_rnn.png, rnn_mnist_clipping.png and saturation.png in ``--out`` and prints the
tables of docs/results/fundamentals.md."""
import argparse
import time
from pathlib import Path

import numpy as np

import yingshe
from yingshe import nn, optim
from yingshe.autograd import grad
from yingshe.models.sequence import RowRNNClassifier
from yingshe.nn import functional as F
from yingshe.nn.utils import clip_grad_norm_
from yingshe.training.plots import pyplot
from yingshe.vision.datasets import MNIST

# name -> (cell, initial forget-gate bias); PyTorch's LSTM starts with forget gates near 0.5,
# Gers, Schmidhuber & Cummins (2000) and Jozefowicz et al. (2015) start them open (bias 1)
CELLS = {"RNN": ("RNN", 0.0), "LSTM": ("LSTM", 0.0), "LSTM, forget bias 1": ("LSTM", 1.0),
         "GRU": ("GRU", 0.0)}
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


# --- (a) the adding problem ----------------------------------------------------------------

def adding_problem(steps, n, rng):
    """(inputs (steps, n, 2) float32, targets (n, 1) float32): channel 0 holds U[0, 1] values,
    channel 1 marks one step in the first half and one in the second; the target is the sum of
    the two marked values."""
    values = rng.random((steps, n))
    first = rng.integers(0, steps // 2, n)
    second = rng.integers(steps // 2, steps, n)
    marks = np.zeros((steps, n))
    marks[first, np.arange(n)] = marks[second, np.arange(n)] = 1.0
    inputs = np.stack([values, marks], axis=-1).astype(np.float32)
    targets = (values[first, np.arange(n)] + values[second, np.arange(n)])[:, None]
    return inputs, targets.astype(np.float32)


class AddingModel(nn.Module):
    """A one-layer ``cell`` network (nn.RNN, nn.LSTM or nn.GRU) read by a linear layer at the
    last step."""

    def __init__(self, cell, hidden_size=64, forget_bias=0.0):
        super().__init__()
        self.cell = cell
        self.rnn = getattr(nn, cell)(2, hidden_size)
        self.fc = nn.Linear(hidden_size, 1)
        if forget_bias:  # gates in i, f, g, o order: rows H..2H are the forget gate's
            with yingshe.no_grad():
                self.rnn.bias_ih_l0[hidden_size:2 * hidden_size] = forget_bias
                self.rnn.bias_hh_l0[hidden_size:2 * hidden_size] = 0.0

    def forward(self, inputs):
        output, _ = self.rnn(inputs)
        return self.fc(output[-1])

    def hidden_gradients(self, inputs, targets):
        """||dL/dh_t|| for t = 1..T (L the batch-mean squared error): the same weights run step
        by step through the matching cell (nn.RNNCell, nn.LSTMCell, nn.GRUCell) so that every
        h_t is a node of the graph, in float64 so that gradients below float32's 1e-38 do not
        underflow to 0."""
        cell = getattr(nn, self.cell + "Cell")(2, self.rnn.hidden_size, dtype=yingshe.float64)
        cell.load_state_dict({name: getattr(self.rnn, name + "_l0").double()
                              for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
        x = yingshe.from_numpy(inputs.astype(np.float64))
        h = yingshe.zeros(x.shape[1], self.rnn.hidden_size, dtype=yingshe.float64)
        state = (h, yingshe.zeros_like(h)) if self.cell == "LSTM" else h
        hidden = []
        for t in range(x.shape[0]):
            state = cell(x[t], state)
            hidden.append(state[0] if self.cell == "LSTM" else state)
        output = F.linear(hidden[-1], self.fc.weight.double(), self.fc.bias.double())
        loss = F.mse_loss(output, yingshe.from_numpy(targets.astype(np.float64)))
        return np.array([float(np.linalg.norm(g.numpy())) for g in grad(loss, hidden)])


def evaluate_adding(model, inputs, targets):
    """(mean squared error, fraction with |error| < 0.04)."""
    model.eval()
    with yingshe.no_grad():
        error = model(yingshe.from_numpy(inputs)).numpy() - targets
    return float(np.mean(error ** 2)), float(np.mean(np.abs(error) < 0.04))


def part_a(args, out):
    rows, norms = [], {}
    for steps in args.lengths:
        rng = np.random.default_rng(args.seed)
        test = adding_problem(steps, 1000, rng)
        probe = adding_problem(steps, 256, rng)
        for cell, (kind, forget_bias) in CELLS.items():
            yingshe.manual_seed(args.seed)
            model = AddingModel(kind, args.hidden, forget_bias)
            at_init = model.hidden_gradients(*probe)
            optimizer = optim.Adam(model.parameters(), lr=args.lr)
            data_rng = np.random.default_rng(args.seed + 1)
            start = time.perf_counter()
            for _ in range(args.adding_steps):
                model.train()
                x, y = adding_problem(steps, args.batch_size, data_rng)
                optimizer.zero_grad()
                loss = F.mse_loss(model(yingshe.from_numpy(x)), yingshe.from_numpy(y))
                loss.backward()
                clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
            mse, accuracy = evaluate_adding(model, *test)
            norms[steps, cell] = at_init, model.hidden_gradients(*probe)
            rows.append((steps, cell, mse, accuracy, at_init[0] / at_init[-1],
                         time.perf_counter() - start))
            print(f"adding T={steps} {cell}: test MSE {mse:.4f}, accuracy {accuracy:.3f}",
                  flush=True)
    plt = pyplot()
    figure, axes = plt.subplots(2, len(args.lengths), figsize=(4 * len(args.lengths), 6.5),
                                squeeze=False)
    for col, steps in enumerate(args.lengths):
        for row, when in enumerate(("at initialisation", "after training")):
            ax = axes[row, col]
            for cell in CELLS:
                ax.semilogy(np.arange(1, steps + 1), norms[steps, cell][row], label=cell)
            ax.set_title(f"T = {steps}, {when}", fontsize=10)
            ax.set_xlabel("time step t")
            ax.set_ylabel("||dL/dh_t||")
    axes[0, 0].legend()
    figure.tight_layout()
    figure.savefig(out / "vanishing_rnn.png", dpi=110)
    plt.close(figure)
    print("\n| T | cell | test MSE | accuracy (abs err < 0.04) | ||dL/dh_1|| / ||dL/dh_T|| at init "
          "| seconds |\n|---|---|---|---|---|---|")
    for steps, cell, mse, accuracy, ratio, seconds in rows:
        print(f"| {steps} | {cell} | {mse:.4f} | {accuracy:.1%} | {ratio:.1e} | {seconds:.0f} |")


# --- (b) a plain RNN on MNIST rows ---------------------------------------------------------

def mnist_arrays(root, train, limit=None):
    """(images (N, 1, 28, 28) float32 in [0, 1], labels int64) of MNIST, the first ``limit``."""
    images, labels = MNIST(root, train=train).arrays()
    images = (images[:limit].astype(np.float32) / 255.0)[:, None]
    return images, labels[:limit]


def classify_accuracy(model, images, labels, batch_size=1000):
    model.eval()
    with yingshe.no_grad():
        predicted = np.concatenate([model(yingshe.from_numpy(images[i:i + batch_size])).numpy()
                                    .argmax(1) for i in range(0, len(images), batch_size)])
    return float(np.mean(predicted == labels))


def part_b(args, out):
    train = mnist_arrays(args.data, True, args.rows_train_size)
    test = mnist_arrays(args.data, False, args.test_size)
    curves, rows = {}, []
    for cell in ("RNN", "LSTM"):
        for clip in (None, args.clip):
            yingshe.manual_seed(args.seed)
            rng = np.random.default_rng(args.seed)
            model = RowRNNClassifier(28, 128, 1, 10, cell)
            optimizer = optim.Adam(model.parameters(), lr=args.rows_lr)
            losses, norms, start = [], [], time.perf_counter()
            for _ in range(args.rows_epochs):
                order = rng.permutation(len(train[1]))
                for first in range(0, len(order), 64):
                    chosen = order[first:first + 64]
                    model.train()
                    optimizer.zero_grad()
                    loss = F.cross_entropy(model(yingshe.from_numpy(train[0][chosen])),
                                           yingshe.from_numpy(train[1][chosen]))
                    loss.backward()
                    norm = clip_grad_norm_(model.parameters(), clip if clip else float("inf"))
                    optimizer.step()
                    losses.append(loss.item())
                    norms.append(norm.item())
            name = f"{cell}, " + (f"clip {clip:g}" if clip else "no clipping")
            curves[name] = losses, norms
            accuracy = classify_accuracy(model, *test)
            rows.append((name, accuracy, float(np.mean(losses[-50:])), max(norms),
                         time.perf_counter() - start))
            print(f"rows {name}: test accuracy {accuracy:.4f}", flush=True)
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, (losses, norms) in curves.items():
        window = min(25, len(losses))
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        left.plot(np.arange(window, len(losses) + 1), smooth, label=name)
        right.semilogy(np.convolve(norms, np.ones(window) / window, mode="valid"), label=name)
    left.set(xlabel="step (batch of 64)", ylabel="training loss (25-step mean)",
             title="MNIST row by row")
    right.set(xlabel="step", ylabel="gradient norm before clipping (25-step mean)")
    left.legend()
    figure.tight_layout()
    figure.savefig(out / "rnn_mnist_clipping.png", dpi=110)
    plt.close(figure)
    print("\n| model | test accuracy | final training loss | largest gradient norm | seconds |"
          "\n|---|---|---|---|---|")
    for name, accuracy, loss, largest, seconds in rows:
        print(f"| {name} | {accuracy:.2%} | {loss:.3f} | {largest:.1f} | {seconds:.0f} |")


# --- (c) saturation and dead ReLUs ---------------------------------------------------------

def deep_mlp(activation, depth=8, width=128):
    """784 -> ``depth`` hidden layers of ``width`` units -> 10, each activation with the
    initialisation made for it (zero biases): Glorot & Bengio's (2010) uniform for sigmoid and
    tanh (with ``calculate_gain``), He et al.'s (2015) normal for ReLU.  PyTorch's default
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) would shrink the ReLU signal by sqrt(6) per layer."""
    layers, size = [nn.Flatten()], 784
    for _ in range(depth):
        layers += [nn.Linear(size, width), ACTIVATIONS[activation]()]
        size = width
    model = nn.Sequential(*layers, nn.Linear(size, 10))
    for layer in model:
        if isinstance(layer, nn.Linear):
            if activation == "relu":
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            else:
                nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain(activation))
            nn.init.zeros_(layer.bias)
    return model


def layer_gradient_norms(model, images, labels):
    """||dL/dW|| of each Linear layer's weight, first layer first."""
    model.zero_grad()
    F.cross_entropy(model(yingshe.from_numpy(images)), yingshe.from_numpy(labels)).backward()
    return [float(np.linalg.norm(m.weight.grad.numpy())) for m in model
            if isinstance(m, nn.Linear)]


def dead_fraction(model, images):
    """Per hidden layer, the fraction of ReLU units that output 0 for every image.  A model
    whose weights are no longer finite (training diverged) has no dead units to count: that
    raises ``ValueError``."""
    if not all(np.isfinite(p.detach().numpy()).all() for p in model.parameters()):
        raise ValueError("dead_fraction: the model's weights are not finite (training diverged)")
    fractions, x = [], yingshe.from_numpy(images)
    with yingshe.no_grad():
        for module in model:
            x = module(x)
            if isinstance(module, nn.ReLU):
                fractions.append(float(np.mean((x.numpy() > 0).sum(0) == 0)))
    return fractions


def train_mlp(model, train, lr, epochs, seed):
    rng = np.random.default_rng(seed)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(epochs):
        order = rng.permutation(len(train[1]))
        for first in range(0, len(order), 64):
            chosen = order[first:first + 64]
            model.train()
            optimizer.zero_grad()
            F.cross_entropy(model(yingshe.from_numpy(train[0][chosen])),
                            yingshe.from_numpy(train[1][chosen])).backward()
            optimizer.step()


def part_c(args, out):
    train = mnist_arrays(args.data, True, args.train_size)
    test = mnist_arrays(args.data, False, args.test_size)
    probe = train[0][:1000], train[1][:1000]
    norms, rows, dead = {}, [], {}
    for activation in ACTIVATIONS:
        yingshe.manual_seed(args.seed)
        model = deep_mlp(activation, args.depth)
        at_init = layer_gradient_norms(model, *probe)
        train_mlp(model, train, args.mlp_lr, args.mlp_epochs, args.seed)
        norms[activation] = at_init, layer_gradient_norms(model, *probe)
        rows.append((activation, args.mlp_lr, classify_accuracy(model, *test),
                     at_init[0] / at_init[-1]))
        if activation == "relu":
            dead[args.mlp_lr] = dead_fraction(model, test[0][:2000]), rows[-1][2]
    for lr in (lr for lr in args.relu_lrs if lr not in dead):
        yingshe.manual_seed(args.seed)
        model = deep_mlp("relu", args.depth)
        train_mlp(model, train, lr, args.mlp_epochs, args.seed)
        try:
            dead[lr] = dead_fraction(model, test[0][:2000]), classify_accuracy(model, *test)
        except ValueError:
            print(f"ReLU MLP with SGD lr {lr:g}: diverged (weights not finite)", flush=True)
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for (activation, (init, trained)), colour in zip(norms.items(), ("C0", "C1", "C2")):
        layers = np.arange(1, len(init) + 1)
        left.semilogy(layers, init, "o-", color=colour, label=f"{activation}, initialisation")
        left.semilogy(layers, trained, "s--", color=colour, label=f"{activation}, trained")
    left.set(xlabel="layer (1 = next to the input)", ylabel="||dL/dW||",
             title=f"{args.depth}-hidden-layer MLP on MNIST")
    left.legend(fontsize=8)
    for lr, (fractions, _) in dead.items():
        right.plot(np.arange(1, len(fractions) + 1), fractions, "o-", label=f"SGD lr {lr:g}")
    right.set(xlabel="hidden layer", ylabel="fraction of dead ReLUs", ylim=(-0.02, 1.02),
              title="ReLU units silent on every test image")
    right.legend()
    figure.tight_layout()
    figure.savefig(out / "saturation.png", dpi=110)
    plt.close(figure)
    print("\n| activation | SGD lr | test accuracy | ||dL/dW_1|| / ||dL/dW_out|| at init |"
          "\n|---|---|---|---|")
    for activation, lr, accuracy, ratio in rows:
        print(f"| {activation} | {lr:g} | {accuracy:.2%} | {ratio:.1e} |")
    print("\n| ReLU MLP, SGD lr | test accuracy | dead ReLUs per hidden layer | all layers |"
          "\n|---|---|---|---|")
    for lr, (fractions, accuracy) in dead.items():
        print(f"| {lr:g} | {accuracy:.2%} | {' '.join(f'{f:.0%}' for f in fractions)} | "
              f"{np.mean(fractions):.1%} |")
    for activation, (init, trained) in norms.items():
        print(f"{activation} layer norms at init {np.round(init, 5).tolist()}, trained "
              f"{np.round(trained, 5).tolist()}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="a,b,c", help="comma-separated: a, b, c")
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--adding-steps", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--train-size", type=int, default=10000, help="MNIST images of (c)")
    parser.add_argument("--test-size", type=int, default=10000)
    parser.add_argument("--rows-train-size", type=int, default=60000)
    parser.add_argument("--rows-epochs", type=int, default=3)
    parser.add_argument("--rows-lr", type=float, default=1e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--mlp-epochs", type=int, default=3)
    parser.add_argument("--mlp-lr", type=float, default=0.05)
    parser.add_argument("--relu-lrs", type=float, nargs="+", default=[0.1, 0.15, 0.2],
                        help="larger learning rates for the dead-ReLU count")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    parts = {"a": part_a, "b": part_b, "c": part_c}
    for part in args.parts.split(","):
        if part not in parts:
            parser.error(f"unknown part {part!r}; choose from a, b, c")
        parts[part](args, out)


if __name__ == "__main__":
    main()
