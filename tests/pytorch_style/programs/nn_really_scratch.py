"""What is torch.nn really? Part 1: MNIST logistic regression from scratch with tensor ops only
(hand-written log_softmax, negative log-likelihood and accuracy), then with F.cross_entropy."""
import gzip
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

PATH = os.path.join(os.environ.get("DATA_ROOT", "data"), "MNIST", "raw")


def read_idx(name):
    """An IDX file as a NumPy array (big-endian header: magic, then one int32 per dimension)."""
    with gzip.open(os.path.join(PATH, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


# 10,000 training and 2,000 validation images, flattened to 784 floats in [0, 1].
x_train = (read_idx("train-images-idx3-ubyte.gz")[:10000].reshape(-1, 784) / 255).astype(np.float32)
y_train = read_idx("train-labels-idx1-ubyte.gz")[:10000].astype(np.int64)
x_valid = (read_idx("t10k-images-idx3-ubyte.gz")[:2000].reshape(-1, 784) / 255).astype(np.float32)
y_valid = read_idx("t10k-labels-idx1-ubyte.gz")[:2000].astype(np.int64)

x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
n, c = x_train.shape
print(x_train, y_train)
print(x_train.shape)
print(y_train.min(), y_train.max())
assert (n, c) == (10000, 784) and x_train.dtype == torch.float32 and y_train.dtype == torch.int64
assert y_train.min().item() == 0 and y_train.max().item() == 9

torch.manual_seed(0)
# Xavier initialisation: scale by 1/sqrt(n_in); requires_grad_ after, so the division is not
# recorded in the graph.
weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)
assert weights.is_leaf and weights.requires_grad


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


bs = 64
xb = x_train[0:bs]
preds = model(xb)
print(preds[0], preds.shape)
assert preds.shape == (bs, 10)
assert torch.allclose(preds.exp().sum(-1), torch.ones(bs), atol=1e-5)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll

yb = y_train[0:bs]
print(loss_func(preds, yb))
assert abs(loss_func(preds, yb).item() - math.log(10)) < 0.5  # about log 10 before training


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


print(accuracy(preds, yb))
start_loss = loss_func(model(x_valid), y_valid).item()

lr = 0.5
epochs = 1

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

valid_loss = loss_func(model(x_valid), y_valid).item()
valid_acc = accuracy(model(x_valid), y_valid).item()
print(start_loss, valid_loss, valid_acc)
assert valid_loss < start_loss / 3, (start_loss, valid_loss)
assert valid_acc > 0.8, valid_acc

# The same model with torch.nn.functional: cross_entropy = log_softmax + nll_loss.
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias


print(loss_func(model(xb), yb), accuracy(model(xb), yb))
assert torch.allclose(loss_func(model(x_valid), y_valid), torch.tensor(valid_loss), atol=1e-4)
assert torch.allclose(F.log_softmax(model(xb), dim=-1), log_softmax(model(xb)), atol=1e-5)
print("OK")
