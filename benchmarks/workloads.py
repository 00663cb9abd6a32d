"""Benchmark workloads written once against the PyTorch API and run on either framework: the
module passed as ``fw`` is ``yingshe`` or ``torch``, which is itself a check that code written
for PyTorch runs on yingshe with the import changed.

Each builder returns ``step()``, one unit of work (a train step, an inference call or an epoch),
``items``, how many samples (or tokens) one step processes, and the model (whose parameter count
shows that the two twins are the same network)."""
import importlib
import sys
from collections import OrderedDict
from pathlib import Path

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


def conv_bn(fw, cin, cout, kernel, stride=1, groups=1, eps=1e-5, activation="ReLU"):
    """Convolution (no bias, "same" padding), batch norm, then ``nn.<activation>`` unless None:
    torchvision's ``Conv2dNormActivation`` and GoogLeNet's ``BasicConv2d``."""
    nn = fw.nn
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout, eps=eps)]
    if activation is not None:
        layers.append(getattr(nn, activation)())
    return nn.Sequential(*layers)


def vgg11_bn_model(fw):
    """VGG-11 with batch norm (Simonyan & Zisserman 2015, configuration A), small-image variant:
    the network of yingshe.vision.models.vgg11_bn(num_classes=10, small_input=True) (no fifth
    max pool, 1 x 1 average pool, 512-unit hidden layers), written for both frameworks."""
    nn = fw.nn
    layers, cin = [], 3
    for v in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
            cin = v
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


def googlenet_model(fw):
    """GoogLeNet (Szegedy et al. 2015, Table 1 widths; torchvision's 3x3 in place of 5x5),
    small-image stem: the network of yingshe.vision.models.googlenet(num_classes=10,
    aux_logits=False, small_input=True) (3x3 stride-1 first convolution, no first max pool:
    32 -> 16 -> 8 -> 4), written for both frameworks."""
    nn = fw.nn

    def basic(cin, cout, kernel):
        return conv_bn(fw, cin, cout, kernel, eps=1e-3)

    class Inception(nn.Module):
        def __init__(self, cin, c1, c3r, c3, c5r, c5, pool):
            super().__init__()
            self.branch1 = basic(cin, c1, 1)
            self.branch2 = nn.Sequential(basic(cin, c3r, 1), basic(c3r, c3, 3))
            self.branch3 = nn.Sequential(basic(cin, c5r, 1), basic(c5r, c5, 3))
            self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                         basic(cin, pool, 1))

        def forward(self, x):
            return fw.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)],
                          1)

    def pool(kernel):
        return nn.MaxPool2d(kernel, 2, ceil_mode=True)

    return nn.Sequential(
        basic(3, 64, 3), basic(64, 64, 1), basic(64, 192, 3), pool(3),
        Inception(192, 64, 96, 128, 16, 32, 32), Inception(256, 128, 128, 192, 32, 96, 64),
        pool(3),
        Inception(480, 192, 96, 208, 16, 48, 64), Inception(512, 160, 112, 224, 24, 64, 64),
        Inception(512, 128, 128, 256, 24, 64, 64), Inception(512, 112, 144, 288, 32, 64, 64),
        Inception(528, 256, 160, 320, 32, 128, 128), pool(2),
        Inception(832, 256, 160, 320, 32, 128, 128), Inception(832, 384, 192, 384, 48, 128, 128),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1024, 10))


def mobilenet_v2_model(fw):
    """MobileNetV2 (Sandler et al. 2018, Table 2), small-image variant: the network of
    yingshe.vision.models.mobilenet_v2(num_classes=10, small_input=True) (stride-1 stem and first
    stride-2 stage: 32 -> 16 -> 8 -> 4), written for both frameworks.  Each inverted residual is
    a 1x1 expansion, a 3x3 depthwise convolution (groups = channels) and a linear 1x1
    projection, with the input added when the shape is kept."""
    nn = fw.nn

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, expand):
            super().__init__()
            hidden = cin * expand
            layers = [conv_bn(fw, cin, hidden, 1, activation="ReLU6")] if expand != 1 else []
            layers += [conv_bn(fw, hidden, hidden, 3, stride, groups=hidden, activation="ReLU6"),
                       conv_bn(fw, hidden, cout, 1, activation=None)]
            self.conv = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.conv(x) if self.residual else self.conv(x)

    layers, cin = [conv_bn(fw, 3, 32, 3, activation="ReLU6")], 32
    for expand, cout, repeats, stride in ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2),
                                          (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                                          (6, 320, 1, 1)):
        for i in range(repeats):
            layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expand))
            cin = cout
    layers += [conv_bn(fw, 320, 1280, 1, activation="ReLU6"), nn.AdaptiveAvgPool2d(1),
               nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 10)]
    return nn.Sequential(*layers)


MODELS = {"mlp": (mlp_model, (1, 28, 28)), "lenet": (lenet_model, (1, 28, 28)),
          "resnet18": (resnet18_model, (3, 32, 32)), "vgg11_bn": (vgg11_bn_model, (3, 32, 32)),
          "googlenet": (googlenet_model, (3, 32, 32)),
          "mobilenet_v2": (mobilenet_v2_model, (3, 32, 32))}


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
    return step, batch, model


def inference(fw, model_name, batch):
    """One forward pass in eval mode without autograd (batch 1: the interactive case; batch 64:
    a served batch)."""
    build, shape = MODELS[model_name]
    fw.manual_seed(SEED)
    model = build(fw).eval()
    x = fw.from_numpy(_arrays(batch, shape)[0])

    def step():
        with fw.no_grad():
            model(x)
    return step, batch, model


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
    return step, n, model


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
    return step, batch * steps, model


def _language_model_targets(fw, batch, length, vocab):
    """A fixed (batch, length) window of random token ids and its next-token targets."""
    tokens = np.random.default_rng(SEED).integers(0, vocab, (batch, length + 1)).astype(np.int64)
    return fw.from_numpy(tokens[:, :-1].copy()), fw.from_numpy(tokens[:, 1:].reshape(-1))


def _adam_step(fw, model, inputs, targets, lr):
    """``step()``: an Adam step on the cross-entropy of ``model(*inputs)``, logits (..., V), and
    the token ids ``targets``, flattened."""
    optimizer = fw.optim.Adam(model.parameters(), lr=lr)
    loss_fn = fw.nn.functional.cross_entropy

    def step():
        optimizer.zero_grad()
        logits = model(*inputs)
        loss_fn(logits.reshape(-1, logits.shape[-1]), targets).backward()
        optimizer.step()
    return step


def transformer_lm_step(fw, batch=16, length=128, vocab=10000, d_model=256, heads=8, layers=4):
    """Causal Transformer language model (Vaswani et al. 2017): token embedding times
    sqrt(d_model) plus the sinusoidal positions of §3.5, ``nn.TransformerEncoder`` of 4 post-norm
    layers (8 heads, feed-forward 4 d_model, dropout 0.1) under the causal mask, and a linear
    decoder over 10,000 words; one Adam step on a (16, 128) window, loss on every next token."""
    nn = fw.nn
    angle = np.arange(length)[:, None] / 10000 ** (np.arange(0, d_model, 2) / d_model)
    table = np.empty((length, d_model), np.float32)
    table[:, 0::2], table[:, 1::2] = np.sin(angle), np.cos(angle)

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, d_model)
            layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout=0.1,
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.decoder = nn.Linear(d_model, vocab)

        def forward(self, x, mask):
            h = self.embedding(x) * d_model ** 0.5 + positions
            return self.decoder(self.encoder(h, mask=mask, is_causal=True))

    fw.manual_seed(SEED)
    model = LanguageModel()
    positions = fw.from_numpy(table)
    mask = nn.Transformer.generate_square_subsequent_mask(length)
    x, y = _language_model_targets(fw, batch, length, vocab)
    return _adam_step(fw, model, (x, mask), y, 1e-4), batch * length, model


def gru_seq2seq_step(fw, batch=32, length=20, vocab=8000, width=256, layers=2):
    """GRU encoder-decoder with additive attention (Cho et al. 2014; Bahdanau, Cho & Bengio 2015:
    e_tj = v^T tanh(W s_t + U h_j), alpha_t = softmax_j(e_tj), c_t = sum_j alpha_tj h_j): the
    network of yingshe.models.Seq2Seq (2-layer GRUs of 256 units, 256-wide embeddings, dropout
    0.1; the decoder reads [embedding, c_t] and predicts from [output, c_t]), with U h_j computed
    once per batch; one Adam step with teacher forcing on 32 pairs of 20-token sentences over
    8,000-word vocabularies."""
    nn = fw.nn

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.source_embedding = nn.Embedding(vocab, width)
            self.encoder = nn.GRU(width, width, layers, batch_first=True, dropout=0.1)
            self.target_embedding = nn.Embedding(vocab, width)
            self.decoder = nn.GRU(2 * width, width, layers, batch_first=True, dropout=0.1)
            self.query = nn.Linear(width, width, bias=False)
            self.key = nn.Linear(width, width, bias=False)
            self.score = nn.Linear(width, 1, bias=False)
            self.drop = nn.Dropout(0.1)
            self.out = nn.Linear(2 * width, vocab)

        def forward(self, source, target):
            memory, state = self.encoder(self.drop(self.source_embedding(source)))
            keys = self.key(memory)  # (N, S, H)
            embedded = self.drop(self.target_embedding(target))
            outputs, contexts = [], []
            for t in range(target.shape[1]):  # attention needs the previous step's state
                scores = self.score(fw.tanh(self.query(state[-1]).unsqueeze(1) + keys))
                alpha = scores.squeeze(2).softmax(1)  # (N, S)
                context = fw.bmm(alpha.unsqueeze(1), memory)  # (N, 1, H)
                output, state = self.decoder(fw.cat([embedded[:, t:t + 1], context], 2), state)
                outputs.append(output)
                contexts.append(context)
            hidden = fw.cat([fw.cat(outputs, 1), fw.cat(contexts, 1)], 2)
            return self.out(self.drop(hidden))

    fw.manual_seed(SEED)
    model = Seq2Seq()
    rng = np.random.default_rng(SEED)
    source = fw.from_numpy(rng.integers(0, vocab, (batch, length)).astype(np.int64))
    target_in, target_out = _language_model_targets(fw, batch, length, vocab)
    return _adam_step(fw, model, (source, target_in), target_out, 1e-3), batch * length, model


def load_torchvision():
    """torchvision, loaded through tests/torchvision_oracle.py: its compiled operators
    (``nms``, ``roi_align``) do not load against the CPU wheel of torch; its models, transforms
    and datasets do."""
    if "torchvision_oracle" not in sys.modules:
        path = Path(__file__).parent.parent / "tests" / "torchvision_oracle.py"
        spec = importlib.util.spec_from_file_location("torchvision_oracle", path)
        sys.modules["torchvision_oracle"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["torchvision_oracle"])
    return sys.modules["torchvision_oracle"].torchvision


def _detection_models(fw):
    """``yingshe.vision.models.detection``, or torchvision's for torch (``load_torchvision``:
    training an SSD calls none of the compiled operators)."""
    if fw.__name__ != "torch":
        return importlib.import_module(f"{fw.__name__}.vision.models.detection")
    return load_torchvision().models.detection


def ssd_step(fw, batch=16, size=128, classes=10, boxes=4):
    """One training step of a small SSD (Liu et al. 2016) through the detection API,
    ``SSD(backbone, DefaultBoxGenerator, size, num_classes)`` of yingshe.vision or torchvision:
    a 7-convolution backbone (conv-BN-ReLU, strides 2, 2, 1, 2, 1, 2, 2) giving 64-, 128-, 256-
    and 256-channel maps at 1/4 to 1/32 of 128 x 128 images, default boxes of aspect ratios
    1, 2 and 1/2 on each (5,440 per image), 10 classes and the background.  The step resizes
    and normalises the images, matches the default boxes to up to 4 random ground-truth boxes
    per image, computes the smooth-L1 and hard-negative-mined cross-entropy losses and takes an
    SGD step; no NMS (that is inference only)."""
    nn, detection = fw.nn, _detection_models(fw)

    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.out_channels = [64, 128, 256, 256]
            self.stages = nn.ModuleList([
                nn.Sequential(conv_bn(fw, 3, 32, 3, 2), conv_bn(fw, 32, 64, 3, 2),
                              conv_bn(fw, 64, 64, 3)),
                nn.Sequential(conv_bn(fw, 64, 128, 3, 2), conv_bn(fw, 128, 128, 3)),
                conv_bn(fw, 128, 256, 3, 2), conv_bn(fw, 256, 256, 3, 2)])

        def forward(self, x):
            features = OrderedDict()
            for index, stage in enumerate(self.stages):
                x = features[str(index)] = stage(x)
            return features

    fw.manual_seed(SEED)
    model = detection.ssd.SSD(Backbone(), detection.anchor_utils.DefaultBoxGenerator([[2]] * 4),
                              (size, size), classes + 1, image_mean=[0.5] * 3,
                              image_std=[0.25] * 3)
    optimizer = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(SEED)
    images = [fw.from_numpy(rng.random((3, size, size), np.float32)) for _ in range(batch)]
    targets = []
    for count in rng.integers(1, boxes + 1, batch):
        corner = rng.uniform(0, size * 0.6, (count, 2))
        side = rng.uniform(size * 0.1, size * 0.4, (count, 2))
        targets.append({"boxes": fw.from_numpy(np.hstack([corner, corner + side]).astype(
            np.float32)), "labels": fw.from_numpy(rng.integers(1, classes + 1, count))})

    def step():
        optimizer.zero_grad()
        losses = model(images, targets)
        (losses["bbox_regression"] + losses["classification"]).backward()
        optimizer.step()
    return step, batch, model


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
    "vgg11_bn_b32": (train_step, ("vgg11_bn", 32), 6),
    "googlenet_b32": (train_step, ("googlenet", 32), 3),
    "mobilenet_v2_b32": (train_step, ("mobilenet_v2", 32), 3),
    "transformer_lm_b16": (transformer_lm_step, (), 3),
    "gru_seq2seq_b32": (gru_seq2seq_step, (), 6),
    "mlp_infer_b64": (inference, ("mlp", 64), 5000),
    "lenet_infer_b64": (inference, ("lenet", 64), 500),
    "resnet18_infer_b64": (inference, ("resnet18", 64), 3),
    "resnet18_infer_b1": (inference, ("resnet18", 1), 100),
    "ssd_b16": (ssd_step, (), 6),
}

# The convolutional workloads, whose two-thread speed-up ``python -m benchmarks --scaling`` reports.
CONVOLUTION = ("lenet_b64", "lenet_b256", "resnet18_b32", "vgg11_bn_b32", "googlenet_b32",
               "mobilenet_v2_b32", "ssd_b16", "lenet_infer_b64", "resnet18_infer_b64")
