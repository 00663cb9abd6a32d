"""What is torch.nn really? Part 2: the logistic regression refactored step by step with
nn.Module, nn.Parameter, nn.Linear, optim, TensorDataset, DataLoader, and fit()/get_data()."""
import gzip
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

PATH = os.path.join(os.environ.get("DATA_ROOT", "data"), "MNIST", "raw")


def read_idx(name):
    """An IDX file as a NumPy array (big-endian header: magic, then one int32 per dimension)."""
    with gzip.open(os.path.join(PATH, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


x_train = (read_idx("train-images-idx3-ubyte.gz")[:5000].reshape(-1, 784) / 255).astype(np.float32)
y_train = read_idx("train-labels-idx1-ubyte.gz")[:5000].astype(np.int64)
x_valid = (read_idx("t10k-images-idx3-ubyte.gz")[:2000].reshape(-1, 784) / 255).astype(np.float32)
y_valid = read_idx("t10k-labels-idx1-ubyte.gz")[:2000].astype(np.int64)
x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
n, c = x_train.shape

loss_func = F.cross_entropy
bs = 64
lr = 0.5
epochs = 1


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


# Step 1: an nn.Module holding its own Parameters.
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


torch.manual_seed(0)
model = Mnist_Logistic()
start = loss_func(model(x_valid), y_valid).item()
print(start)


def fit():
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
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()


fit()
step1 = loss_func(model(x_valid), y_valid).item()
print(step1)
assert step1 < start / 3, (start, step1)


# Step 2: nn.Linear instead of hand-made weights.
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


model = Mnist_Logistic()
fit()
step2 = loss_func(model(x_valid), y_valid).item()
print(step2)
assert step2 < 0.7, step2


# Step 3: optim does the update.
def get_model():
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()
step3 = loss_func(model(x_valid), y_valid).item()
assert step3 < 0.7, step3

# Step 4: TensorDataset indexes inputs and targets together; DataLoader batches them.
train_ds = TensorDataset(x_train, y_train)
assert len(train_ds) == n
xb, yb = train_ds[0:bs]
assert xb.shape == (bs, 784) and yb.shape == (bs,)

model, opt = get_model()
train_dl = DataLoader(train_ds, batch_size=bs)
for epoch in range(epochs):
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
step4 = loss_func(model(x_valid), y_valid).item()
print(step4)
assert abs(step4 - step3) < 0.05, (step3, step4)  # the same batches as step 3


# Step 5: validation, and the training code as fit(), loss_batch() and get_data().
def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    history = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
            )
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print(epoch, val_loss)
        history.append(val_loss)
    return history


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


valid_ds = TensorDataset(x_valid, y_valid)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
history = fit(2, model, loss_func, opt, train_dl, valid_dl)
assert len(history) == 2 and history[-1] < 1.0, history
with torch.no_grad():
    acc = accuracy(model(x_valid), y_valid).item()
print(acc)
assert acc > 0.7, acc  # chance is 0.1
print("OK")
