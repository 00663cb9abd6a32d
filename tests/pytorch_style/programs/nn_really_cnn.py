"""What is torch.nn really? Part 3: a CNN (Conv2d, avg_pool2d, view), the same as nn.Sequential
with a Lambda layer, then a WrappedDataLoader that reshapes and moves batches to the device."""
import gzip
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


x_train = (read_idx("train-images-idx3-ubyte.gz")[:8192].reshape(-1, 784) / 255).astype(np.float32)
y_train = read_idx("train-labels-idx1-ubyte.gz")[:8192].astype(np.int64)
x_valid = (read_idx("t10k-images-idx3-ubyte.gz")[:1000].reshape(-1, 784) / 255).astype(np.float32)
y_valid = read_idx("t10k-labels-idx1-ubyte.gz")[:1000].astype(np.int64)
x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))

bs = 64
lr = 0.1
loss_func = F.cross_entropy


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
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
    return val_loss


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def accuracy(model, dl):
    correct = total = 0
    with torch.no_grad():
        for xb, yb in dl:
            correct += (model(xb).argmax(dim=1) == yb).sum().item()
            total += len(yb)
    return correct / total


train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
torch.manual_seed(0)


# A CNN as an nn.Module: three stride-2 convolutions, then average pooling to 1x1.
class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


model = Mnist_CNN()
assert model(x_valid[:3]).shape == (3, 10)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
first = fit(1, model, loss_func, opt, train_dl, valid_dl)
assert first < 2.25, first  # log(10) = 2.30 before training


# The same network as nn.Sequential, with a Lambda layer for the reshapes.
class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AvgPool2d(4),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
second = fit(1, model, loss_func, opt, train_dl, valid_dl)
assert second < 2.25, second

# Batches reshaped and moved to the device by a wrapper; the model ends in adaptive pooling so
# any input size works.
dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def preprocess(x, y):
    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)
assert len(train_dl) == 128
xb, yb = next(iter(train_dl))
assert xb.shape == (bs, 1, 28, 28) and xb.device == dev

model = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
model.to(dev)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
third = fit(2, model, loss_func, opt, train_dl, valid_dl)
acc = accuracy(model, valid_dl)
print(first, second, third, acc)
assert third < 1.8, third
assert acc > 0.3, acc  # chance is 0.1
print("OK")
