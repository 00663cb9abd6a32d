"""Benchmark workloads written once against the PyTorch API and run on either framework: the
module passed as ``fw`` is ``yingshe`` or ``torch``, which is itself a check that code written
for PyTorch runs on yingshe with the import changed.

Each builder returns ``step()``, one unit of work (a train step, an inference call or an epoch),
and ``items``, how many samples (or tokens) one step processes."""
import numpy as np

SEED = 0


def _arrays(batch, shape, classes=10):
    rng = np.random.default_rng(SEED)
    return (rng.standard_normal((batch,) + shape).astype(np.float32),
            rng.integers(0, classes, batch).astype(np.int64))


def mlp_model(fw):
    nn = fw.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                         nn.ReLU(), nn.Linear(128, 10))


def lenet_model(fw):
    nn = fw.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def resnet18_model(fw):
    """ResNet-18, CIFAR variant (3x3 stem, no max pool): the network of
    yingshe.vision.models.resnet18(num_classes=10, small_input=True), written for both
    frameworks."""
    nn = fw.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = nn.functional.relu(self.bn1(self.conv1(x)))
            return nn.functional.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


MODELS = {"mlp": (mlp_model, (1, 28, 28)), "lenet": (lenet_model, (1, 28, 28)),
          "resnet18": (resnet18_model, (3, 32, 32))}


def train_step(fw, model_name, batch):
    """Forward, cross-entropy, backward, SGD with momentum 0.9 on one fixed batch."""
    build, shape = MODELS[model_name]
    fw.manual_seed(SEED)
    model = build(fw)
    optimizer = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = _arrays(batch, shape)
    x, y = fw.from_numpy(x), fw.from_numpy(y)
    loss_fn = fw.nn.functional.cross_entropy

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return step, batch


def inference(fw, model_name, batch):
    """One forward pass in eval mode without autograd (the interactive, batch-1 case)."""
    build, shape = MODELS[model_name]
    fw.manual_seed(SEED)
    model = build(fw).eval()
    x = fw.from_numpy(_arrays(batch, shape)[0])

    def step():
        with fw.no_grad():
            model(x)
    return step, batch


def lenet_epoch(fw, batch=64, n=60000):
    """One epoch of LeNet-5 on real MNIST (from $YINGSHE_DATA), data loading included."""
    from yingshe.datasets.prepare import preprocess_images
    from yingshe.vision.datasets import MNIST
    images, labels = MNIST(train=True).arrays()
    x = fw.from_numpy(preprocess_images(images[:n], MNIST.mean, MNIST.std))
    y = fw.from_numpy(labels[:n].copy())
    data = fw.utils.data
    fw.manual_seed(SEED)
    model = lenet_model(fw)
    optimizer = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=batch, shuffle=True)
    loss_fn = fw.nn.functional.cross_entropy

    def step():
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
    return step, n


def lstm_lm_step(fw, batch=20, steps=35, vocab=10000, hidden=200):
    """PTB "small" language model (Zaremba et al. 2014): embedding, 2 x 200 LSTM, decoder over
    10,000 words; one truncated-BPTT train step (SGD, clip 5) on a (35, 20) window."""
    nn = fw.nn

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, hidden)
            self.rnn = nn.LSTM(hidden, hidden, 2)
            self.decoder = nn.Linear(hidden, vocab)

        def forward(self, x, state=None):
            output, state = self.rnn(self.embedding(x), state)
            return self.decoder(output), state

    fw.manual_seed(SEED)
    model = LanguageModel()
    optimizer = fw.optim.SGD(model.parameters(), lr=1.0)
    rng = np.random.default_rng(SEED)
    tokens = fw.from_numpy(rng.integers(0, vocab, (steps + 1, batch)).astype(np.int64))
    x, y = tokens[:-1], tokens[1:].reshape(-1)
    loss_fn = fw.nn.functional.cross_entropy
    clip = fw.nn.utils.clip_grad_norm_
    state = [None]

    def step():
        if state[0] is not None:
            state[0] = tuple(s.detach() for s in state[0])
        optimizer.zero_grad()
        logits, state[0] = model(x, state[0])
        loss_fn(logits.reshape(-1, vocab), y).backward()
        clip(model.parameters(), 5.0)
        optimizer.step()
    return step, batch * steps


WORKLOADS = {  # name -> (builder, arguments, timed steps per run: about 2-4 s of work each)
    "mlp_b64": (train_step, ("mlp", 64), 1500),
    "mlp_b512": (train_step, ("mlp", 512), 300),
    "mlp_b8": (train_step, ("mlp", 8), 3000),
    "lenet_b64": (train_step, ("lenet", 64), 200),
    "lenet_b256": (train_step, ("lenet", 256), 60),
    "resnet18_b32": (train_step, ("resnet18", 32), 5),
    "ptb_lstm_b20": (lstm_lm_step, (), 15),
    "mlp_infer_b1": (inference, ("mlp", 1), 30000),
    "lenet_infer_b1": (inference, ("lenet", 1), 10000),
    "lenet_mnist_epoch": (lenet_epoch, (64,), 3),
}
