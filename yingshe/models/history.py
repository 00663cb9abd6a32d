"""Classic models from the history of neural networks, made runnable.

The timeline (Goodfellow, Bengio & Courville 2016, Deep Learning, §1.2): the McCulloch-Pitts
neuron (1943), Hebb's rule (1949), Rosenblatt's perceptron (1958) and its failure on XOR (Minsky
& Papert, 1969), the multilayer perceptron and error backpropagation (Rumelhart, Hinton &
Williams, 1986).  The rules that predate gradients are plain NumPy; the models trained by
gradient descent use yingshe tensors, autograd (``loss.backward()``) and ``yingshe.optim``.

Run ``python -m yingshe.models.history`` for a short walk-through.
"""
import numpy as np

from .. import nn, optim
from .._backend import manual_seed
from .._dtype import float32, float64
from ..autograd import no_grad
from ..nn import functional as F
from ..ops.creation import randn, tensor, zeros
from ..ops.elementwise import tanh

__all__ = ["McCullochPittsNeuron", "HebbianNeuron", "Perceptron", "XORNet",
           "linear_regression_normal_equation", "linear_regression_gradient_descent", "xor_mlp",
           "demo", "BINARY_INPUTS", "BIPOLAR_INPUTS", "XOR_TARGETS"]

BINARY_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
"""The four points of {0, 1}^2, in truth-table order."""
BIPOLAR_INPUTS = 2 * BINARY_INPUTS - 1
"""The same points in bipolar form, {-1, +1}^2."""
XOR_TARGETS = np.array([0, 1, 1, 0])
"""x1 XOR x2 on ``BINARY_INPUTS``."""


def _step(z):
    """Heaviside step H(z) = 1 if z > 0 else 0, the perceptron's activation."""
    return (np.asarray(z) > 0).astype(np.int64)


class McCullochPittsNeuron:
    """McCulloch & Pitts (1943): y = 1 if w·x >= theta else 0, for binary inputs x in {0, 1}^n.

    The weights and the threshold are fixed by hand, not learned (McCulloch & Pitts 1943, "A
    logical calculus of the ideas immanent in nervous activity": inputs are 0/1 and nothing is
    learned from data).  Logic gates follow from the choice of (w, theta): AND = ([1, 1], 2),
    OR = ([1, 1], 1), NOT = ([-1], 0).

    Shape:
        x ``(n_inputs,)`` or ``(batch, n_inputs)`` of 0/1; output ``()`` or ``(batch,)`` of 0/1.

    Examples:
        >>> import numpy as np
        >>> from yingshe.models.history import BINARY_INPUTS, McCullochPittsNeuron
        >>> McCullochPittsNeuron.AND()(BINARY_INPUTS), McCullochPittsNeuron.OR()(BINARY_INPUTS)
        (array([0, 0, 0, 1]), array([0, 1, 1, 1]))
        >>> McCullochPittsNeuron.NOT()(np.array([[0], [1]]))
        array([1, 0])
    """

    def __init__(self, weights, threshold):
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"weights must be a vector, got shape {self.weights.shape}")
        self.threshold = float(threshold)

    @classmethod
    def AND(cls, n_inputs=2):
        """Fires only when all n inputs fire: w = 1, theta = n."""
        return cls(np.ones(n_inputs), n_inputs)

    @classmethod
    def OR(cls, n_inputs=2):
        """Fires when at least one input fires: w = 1, theta = 1."""
        return cls(np.ones(n_inputs), 1)

    @classmethod
    def NOT(cls):
        """Inhibitory single input: w = -1, theta = 0, so y = 1 - x."""
        return cls([-1.0], 0)

    def __call__(self, x):
        """Output 0/1 for x of shape (n_inputs,) or (batch, n_inputs)."""
        x = np.asarray(x)
        if x.shape[-1:] != self.weights.shape or x.ndim > 2:
            raise ValueError(f"expected shape ({self.weights.size},) or (batch, "
                             f"{self.weights.size}), got {x.shape}")
        if not np.isin(x, (0, 1)).all():
            raise ValueError("McCulloch-Pitts inputs must be binary (0 or 1)")
        return (x @ self.weights >= self.threshold).astype(np.int64)


class HebbianNeuron:
    """Hebb (1949), "neurons that fire together, wire together": dw = eta x y, db = eta y.

    Hebb 1949, The Organization of Behavior.  Patterns are bipolar (x, y in {-1, +1}),
    so agreeing signs strengthen a weight and disagreeing ones weaken it; one pass over the
    bipolar AND table gives w = [2, 2], b = -2, which classifies it.  The output is
    y = sign(w·x + b), with sign(0) = +1.

    Shape:
        X ``(batch, n_inputs)`` and Y ``(batch,)`` in {-1, +1}; ``predict`` gives ``(batch,)``.

    Examples:
        >>> import numpy as np
        >>> from yingshe.models.history import BIPOLAR_INPUTS, HebbianNeuron
        >>> and_targets = np.array([-1, -1, -1, 1])
        >>> neuron = HebbianNeuron(2).train(BIPOLAR_INPUTS, and_targets)
        >>> neuron.weights, float(neuron.bias), neuron.predict(BIPOLAR_INPUTS)
        (array([2., 2.]), -2.0, array([-1, -1, -1,  1]))
    """

    def __init__(self, n_inputs, lr=1.0):
        self.lr = float(lr)
        self.weights = np.zeros(n_inputs)
        self.bias = 0.0

    def train(self, X, Y):
        """One Hebbian pass: w += eta x_k y_k, b += eta y_k for each pattern k; returns self."""
        for x, y in zip(np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)):
            self.weights += self.lr * x * y
            self.bias += self.lr * y
        return self

    def predict(self, X):
        """sign(w·x + b) in {-1, +1}, for X of shape (n_inputs,) or (batch, n_inputs)."""
        z = np.asarray(X, dtype=np.float64) @ self.weights + self.bias
        return np.where(z >= 0, 1, -1)


class Perceptron:
    """Rosenblatt (1958): y = H(w·x + b), learned by w <- w + eta (t - y) x, b <- b + eta (t - y).

    Rosenblatt 1958, "The perceptron: a probabilistic model for information storage and
    organization in the brain".  The rule only moves on mistakes; on linearly separable data it
    stops after finitely many (Novikoff's convergence theorem), while on XOR no line separates
    the classes, so some pattern is misclassified in every epoch (Minsky & Papert, 1969,
    Perceptrons).

    Shape:
        X ``(batch, n_inputs)``, targets ``(batch,)`` in {0, 1}; ``predict`` gives ``(batch,)``.

    Examples:
        >>> import numpy as np
        >>> from yingshe.models.history import BINARY_INPUTS, XOR_TARGETS, Perceptron
        >>> perceptron = Perceptron(2)
        >>> perceptron.fit(BINARY_INPUTS, np.array([0, 0, 0, 1]))    # AND: epochs to converge
        6
        >>> perceptron.errors, perceptron.predict(BINARY_INPUTS)
        ([1, 3, 3, 2, 1, 0], array([0, 0, 0, 1]))
        >>> xor = Perceptron(2, max_epochs=20)
        >>> xor.fit(BINARY_INPUTS, XOR_TARGETS), xor.converged, xor.errors[-1]
        (20, False, 4)
    """

    def __init__(self, n_inputs, lr=1.0, max_epochs=100):
        self.lr = float(lr)
        self.max_epochs = int(max_epochs)
        self.weights = np.zeros(n_inputs)
        self.bias = 0.0
        self.converged = False
        self.errors = []

    def predict(self, X):
        """H(w·x + b) in {0, 1}, for X of shape (n_inputs,) or (batch, n_inputs)."""
        return _step(np.asarray(X, dtype=np.float64) @ self.weights + self.bias)

    def fit(self, X, y):
        """Sweep the data until an epoch makes no mistake; return the number of epochs run.

        ``errors`` records the mistakes of each epoch; ``converged`` is False when
        ``max_epochs`` passed with mistakes left.
        """
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        self.errors = []
        for epoch in range(1, self.max_epochs + 1):
            mistakes = 0
            for x, t in zip(X, y):
                delta = self.lr * (t - self.predict(x))
                if delta:
                    self.weights += delta * x
                    self.bias += delta
                    mistakes += 1
            self.errors.append(mistakes)
            if mistakes == 0:
                self.converged = True
                return epoch
        self.converged = False
        return self.max_epochs


def linear_regression_normal_equation(X, y):
    """Least squares in closed form: [w; b] = (A^T A)^-1 A^T y with A = [X, 1].

    Goodfellow, Bengio & Courville 2016, Deep Learning, §5.1.4 (minimise ||Xw + b - y||^2).
    Solved with ``np.linalg.lstsq`` rather than an explicit inverse, which is more accurate and
    also handles a rank-deficient A.

    Shape:
        X ``(n, d)``, y ``(n,)``; returns w ``(d,)`` and the float b.

    Examples:
        >>> import numpy as np
        >>> from yingshe.models.history import linear_regression_normal_equation
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
        >>> w, b = linear_regression_normal_equation(X, 2 * X[:, 0] + 1)
        >>> w.round(6), round(b, 6)
        (array([2.]), 1.0)
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    return theta[:-1], float(theta[-1])


def linear_regression_gradient_descent(X, y, lr=0.1, steps=500, seed=0):
    """The same least squares by gradient descent on L = mean((Xw + b - y)^2).

    Gradient descent (Deep Learning, §4.3): theta <- theta - eta dL/dtheta, with the gradient
    from yingshe autograd and the step from ``optim.SGD``.  Float64 throughout, so on
    well-conditioned (e.g. standardised) X it reaches the normal-equation answer to 1e-4.

    Shape:
        X ``(n, d)``, y ``(n,)``; returns w ``(d,)`` (NumPy) and the float b.

    Examples:
        >>> import numpy as np
        >>> from yingshe.models.history import linear_regression_gradient_descent
        >>> X = np.array([[-1.0], [0.0], [1.0]])
        >>> w, b = linear_regression_gradient_descent(X, 2 * X[:, 0] + 1, lr=0.2, steps=50)
        >>> w.round(4), round(b, 4)
        (array([2.]), 1.0)
    """
    manual_seed(seed)
    inputs = tensor(np.asarray(X), dtype=float64)
    targets = tensor(np.asarray(y), dtype=float64)
    w = nn.Parameter(randn(inputs.shape[1], dtype=float64) * 0.01)
    b = nn.Parameter(zeros(1, dtype=float64))
    optimizer = optim.SGD([w, b], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(inputs @ w + b, targets)
        loss.backward()
        optimizer.step()
    return w.detach().numpy().copy(), b.item()


class XORNet(nn.Module):
    """A 2-h-1 multilayer perceptron: logit = tanh(x W1 + b1) W2 + b2 (Deep Learning, §6.1).

    The hidden layer bends the input space so that XOR becomes linearly separable for the
    output unit, which a single perceptron cannot do.

    Shape:
        x ``(batch, 2)``; logits ``(batch,)``; ``predict`` takes a NumPy ``(batch, 2)`` and gives
        ``(batch,)`` classes.

    Examples:
        >>> import yingshe
        >>> from yingshe.models.history import BINARY_INPUTS, XORNet
        >>> net = XORNet(hidden=4)
        >>> net(yingshe.tensor(BINARY_INPUTS, dtype=yingshe.float32)).shape
        yingshe.Size([4])
        >>> net.predict(BINARY_INPUTS).shape                 # untrained: see xor_mlp
        (4,)
    """

    def __init__(self, hidden=4):
        super().__init__()
        self.W1 = nn.Parameter(randn(2, hidden))
        self.b1 = nn.Parameter(zeros(hidden))
        self.W2 = nn.Parameter(randn(hidden, 1) * hidden ** -0.5)
        self.b2 = nn.Parameter(zeros(1))

    def forward(self, x):
        """Logits of shape (batch,) for x of shape (batch, 2)."""
        return (tanh(x @ self.W1 + self.b1) @ self.W2 + self.b2).reshape(-1)

    def predict(self, x):
        """Class 0/1 per row: sigmoid(logit) >= 0.5, i.e. logit >= 0."""
        with no_grad():
            logits = self(tensor(np.asarray(x), dtype=float32))
        return (logits.numpy() >= 0).astype(np.int64)


def xor_mlp(hidden=4, steps=300, lr=0.1, seed=0):
    """Train ``XORNet`` on XOR by backpropagation (Rumelhart, Hinton & Williams, 1986).

    Goodfellow, Bengio & Courville 2016, Deep Learning, §6.1 and §6.5: forward pass, binary
    cross-entropy on the logits, gradients by the chain rule (``loss.backward()``), then an Adam
    step.
    Returns (model, final_loss).

    Examples:
        >>> from yingshe.models.history import BINARY_INPUTS, xor_mlp
        >>> model, loss = xor_mlp(steps=100)
        >>> model.predict(BINARY_INPUTS), loss < 0.05        # what no perceptron can do
        (array([0, 1, 1, 0]), True)
    """
    manual_seed(seed)
    inputs = tensor(BINARY_INPUTS, dtype=float32)
    targets = tensor(XOR_TARGETS, dtype=float32)
    model = XORNet(hidden)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(inputs), targets)
        loss.backward()
        optimizer.step()
    with no_grad():
        final_loss = F.binary_cross_entropy_with_logits(model(inputs), targets).item()
    return model, final_loss


def _truth_table(name, neuron, inputs):
    rows = ", ".join(f"{tuple(int(v) for v in x)}->{y}" for x, y in zip(inputs, neuron(inputs)))
    print(f"  {name:<4}{rows}")


def demo():
    """Print a short walk-through of the history, from 1943 to 1986.

    Examples:
        It trains the least-squares and XOR models in full (about 0.3 s):

        >>> from yingshe.models.history import demo
        >>> demo()                                           # doctest: +SKIP
        1943 McCulloch-Pitts: fixed weights and threshold give logic gates
          AND (0, 0)->0, (0, 1)->0, (1, 0)->0, (1, 1)->1
        ...
        1986 backpropagation: a 2-4-1 MLP solves XOR, predictions [0 1 1 0] (targets [0 1 1 0]), ...
    """
    print("1943 McCulloch-Pitts: fixed weights and threshold give logic gates")
    _truth_table("AND", McCullochPittsNeuron.AND(), BINARY_INPUTS)
    _truth_table("OR", McCullochPittsNeuron.OR(), BINARY_INPUTS)
    _truth_table("NOT", McCullochPittsNeuron.NOT(), np.array([[0], [1]]))

    and_bipolar = np.where(BINARY_INPUTS.all(axis=1), 1, -1)
    hebb = HebbianNeuron(2).train(BIPOLAR_INPUTS, and_bipolar)
    print(f"1949 Hebb: one pass on bipolar AND gives w={hebb.weights}, b={hebb.bias}, "
          f"predictions {hebb.predict(BIPOLAR_INPUTS)} (targets {and_bipolar})")

    perceptron = Perceptron(2)
    epochs = perceptron.fit(BINARY_INPUTS, BINARY_INPUTS.all(axis=1).astype(int))
    print(f"1958 Rosenblatt: the perceptron learns AND in {epochs} epochs "
          f"(w={perceptron.weights}, b={perceptron.bias})")
    perceptron = Perceptron(2, max_epochs=50)
    perceptron.fit(BINARY_INPUTS, XOR_TARGETS)
    print(f"1969 Minsky-Papert: on XOR converged={perceptron.converged} after 50 epochs, "
          f"mistakes per epoch still {perceptron.errors[-1]}")

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 3.0 + 0.1 * rng.standard_normal(100)
    w_ne, b_ne = linear_regression_normal_equation(X, y)
    w_gd, b_gd = linear_regression_gradient_descent(X, y)
    print(f"Least squares: normal equation w={np.round(w_ne, 4)}, b={b_ne:.4f}; "
          f"gradient descent w={np.round(w_gd, 4)}, b={b_gd:.4f}")

    model, loss = xor_mlp()
    print(f"1986 backpropagation: a 2-4-1 MLP solves XOR, predictions "
          f"{model.predict(BINARY_INPUTS)} (targets {XOR_TARGETS}), loss {loss:.4f}")


if __name__ == "__main__":
    demo()
