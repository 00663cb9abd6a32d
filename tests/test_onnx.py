"""yingshe.onnx: export checked by onnx.checker and onnxruntime, import checked against
onnxruntime on the same files and on a file written by torch.onnx.export."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import yingshe
import yingshe.onnx
from yingshe import nn
from yingshe.models.generative import DCGANGenerator
from yingshe.models.language import RNNLanguageModel
from yingshe.models.mlp import MLP
from yingshe.vision.models import resnet18

ATOL = 1e-4


class BatchNormCNN(nn.Module):
    """Conv + batch norm + pooling, with the grouped/dilated convolutions and pools of the zoo."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4), nn.LeakyReLU(0.2),
            nn.MaxPool2d(2, ceil_mode=True), nn.Conv2d(8, 16, 3), nn.BatchNorm2d(16), nn.ReLU6(),
            nn.AvgPool2d(2), nn.Upsample(scale_factor=2), nn.AdaptiveAvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(64, 10),
                                        nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x))


class BiGRUClassifier(nn.Module):
    """Embedding -> bidirectional GRU (batch first) -> both final states -> linear."""

    def __init__(self, vocab=50, embed=16, hidden=12, classes=3, reset_after=True):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, num_layers=2, batch_first=True, bidirectional=True,
                          reset_after=reset_after)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, ids):
        output, h_n = self.gru(self.embedding(ids))
        return self.fc(yingshe.cat([h_n[-2], h_n[-1]], dim=1)).softmax(-1), output[:, -1]


class EncoderClassifier(nn.Module):
    """TransformerEncoderLayer (GELU, batch first) then mean over time, layer norm and a head."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1,
                                                  activation="gelu", batch_first=True)
        self.norm = nn.LayerNorm(16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.norm(self.encoder(x).mean(dim=1)))


class RNNTagger(nn.Module):
    """An Elman RNN (relu, seq first) and a slice/permute/cat tail."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(6, 5, nonlinearity="relu", bidirectional=True)
        self.out = nn.Linear(10, 2)

    def forward(self, x):
        y, _ = self.rnn(x)
        y = self.out(y).permute(1, 0, 2)  # (N, T, 2)
        return yingshe.cat([y[:, :2], y[:, 2:] * 2.0], dim=1).sigmoid()


class AttentionConv1d(nn.Module):
    """Conv1d + BatchNorm1d over (N, C, L), then MultiheadAttention (sequence first) returning
    its averaged weights too, and a grouped, dilated ConvTranspose2d on the weights."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, padding=1)
        self.norm = nn.BatchNorm1d(8)
        self.attention = nn.MultiheadAttention(8, 2)
        self.up = nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                                     dilation=2)

    def forward(self, x):
        h = self.norm(self.conv(x)).permute(2, 0, 1)  # (L, N, 8)
        out, weights = self.attention(h, h, h)
        maps = yingshe.cat([weights.unsqueeze(1), weights.unsqueeze(1).exp()], dim=1)
        return out.tanh(), self.up(maps)


def _images(shape):
    return lambda n, rng: yingshe.tensor(rng.standard_normal((n, *shape)).astype(np.float32))


def _sequences(length, features):
    return lambda n, rng: yingshe.tensor(
        rng.standard_normal((length, n, features)).astype(np.float32))


def _tokens(vocab, length, batch_axis):
    def make(n, rng):
        shape = (n, length) if batch_axis == 0 else (length, n)
        return yingshe.tensor(rng.integers(0, vocab, shape).astype(np.int64))
    return make


# name: (model builder, input maker, batch axis of the input)
MODELS = {
    "mlp": (lambda: MLP(784, (64, 32), batch_norm=True, dropout=0.1), _images((1, 28, 28)), 0),
    "cnn_batchnorm": (BatchNormCNN, _images((1, 28, 28)), 0),
    "dcgan_generator": (lambda: DCGANGenerator(latent=16, features=8), _images((16,)), 0),
    "resnet18": (lambda: resnet18(num_classes=10), _images((3, 32, 32)), 0),
    "lstm_language_model": (lambda: RNNLanguageModel(40, 16, 24, num_layers=2),
                            _tokens(40, 7, 1), 1),
    "bigru_classifier": (BiGRUClassifier, _tokens(50, 9, 0), 0),
    "transformer_encoder_layer": (EncoderClassifier, _images((5, 16)), 0),
    "rnn_relu_tagger": (RNNTagger, _sequences(4, 6), 1),
    "attention_conv1d": (AttentionConv1d, _images((4, 6)), 0),
}


def _randomised(model, seed):
    """Non-trivial batch-norm statistics, so that eval mode is really exercised."""
    rng = np.random.default_rng(seed)
    for name, buffer in model.named_buffers():
        if name.endswith("running_mean"):
            buffer._data[...] = rng.standard_normal(buffer.shape) * 0.1
        elif name.endswith("running_var"):
            buffer._data[...] = rng.uniform(0.5, 1.5, buffer.shape)
    return model.eval()


def _export(name, tmp_path):
    build, make_input, axis = MODELS[name]
    yingshe.manual_seed(0)
    model = _randomised(build(), 0)
    example = make_input(2, np.random.default_rng(1))
    path = tmp_path / f"{name}.onnx"
    with yingshe.no_grad():
        reference = model(example)
    outputs = [f"out{i}" for i in range(len(reference) if isinstance(reference, tuple) else 1)]
    dynamic = {"input": {axis: "batch"}}
    yingshe.onnx.export(model, (example,), str(path), input_names=["input"],
                        output_names=outputs, dynamic_axes=dynamic)
    return model, make_input, path


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in _flat(o)]
    return [out.numpy()]


@pytest.mark.parametrize("name", list(MODELS))
def test_export_matches_onnxruntime_and_import(name, tmp_path):
    model, make_input, path = _export(name, tmp_path)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    # the batch axis is symbolic in the first output too (found by the second trace)
    assert any(d.dim_param for d in proto.graph.output[0].type.tensor_type.shape.dim)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    imported = yingshe.onnx.load(str(path))
    for batch in (1, 3):
        x = make_input(batch, np.random.default_rng(batch + 10))
        with yingshe.no_grad():
            expected = _flat(model(x))
            loaded = _flat(imported(x))
        got = session.run(None, {"input": x.numpy()})
        for e, g, i in zip(expected, got, loaded):
            # the graph's outputs are the model's first outputs (the rest, e.g. LSTM state, too)
            assert g.shape == e.shape, (name, batch, g.shape, e.shape)
            np.testing.assert_allclose(g, e, atol=ATOL, rtol=1e-4)
            np.testing.assert_allclose(i, g, atol=ATOL, rtol=1e-4)


def test_gru_with_reset_before_exports(tmp_path):
    yingshe.manual_seed(0)
    model = BiGRUClassifier(reset_after=False).eval()
    x = yingshe.tensor(np.random.default_rng(0).integers(0, 50, (3, 6)))
    buffer = io.BytesIO()
    yingshe.onnx.export(model, x, buffer, input_names=["ids"])
    proto = onnx.load_model_from_string(buffer.getvalue())
    assert {a.name: a.i for n in proto.graph.node if n.op_type == "GRU"
            for a in n.attribute}["linear_before_reset"] == 0
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    with yingshe.no_grad():
        expected = model(x)
    for e, g in zip(_flat(expected), session.run(None, {"ids": x.numpy()})):
        np.testing.assert_allclose(g, e, atol=ATOL)


def test_without_dynamic_axes_batch_is_fixed(tmp_path):
    model = MLP(784, (16,))
    path = tmp_path / "fixed.onnx"
    yingshe.onnx.export(model, yingshe.randn(2, 1, 28, 28), str(path))
    dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [2, 1, 28, 28]


class _Cumulative(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x).cumsum(1)


def test_unsupported_op_names_op_and_module(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), _Cumulative())
    with pytest.raises(yingshe.onnx.UnsupportedOperatorError, match=r"Cumsum.*module 1"):
        yingshe.onnx.export(model, yingshe.randn(2, 4), str(tmp_path / "x.onnx"))


def test_batch_dependent_constant_is_refused(tmp_path):
    class Noise(nn.Module):
        def forward(self, x):
            return x + yingshe.ones(x.shape[0], 3)

    with pytest.raises(yingshe.onnx.UnsupportedOperatorError, match="dynamic axis"):
        yingshe.onnx.export(Noise(), yingshe.randn(2, 3), str(tmp_path / "x.onnx"),
                            input_names=["x"], dynamic_axes={"x": [0]})


def test_import_unknown_op_is_named(tmp_path):
    from onnx import TensorProto, helper
    node = helper.make_node("Hardmax", ["x"], ["y"])
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    path = tmp_path / "hardmax.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(yingshe.onnx.UnsupportedOperatorError, match="Hardmax"):
        yingshe.onnx.load(str(path))


def test_torch_export_runs_in_yingshe(tmp_path):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    torch.manual_seed(0)
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.BatchNorm2d(6), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.AvgPool2d(2), tnn.Flatten(),
        tnn.Linear(16 * 5 * 5, 32), tnn.GELU(), tnn.Linear(32, 10), tnn.Softmax(dim=1)).eval()
    path = tmp_path / "torch_lenet.onnx"
    torch.onnx.export(model, (torch.randn(2, 1, 28, 28),), str(path), input_names=["x"],
                      output_names=["p"], dynamic_axes={"x": {0: "n"}, "p": {0: "n"}},
                      opset_version=17, dynamo=False)
    imported = yingshe.onnx.load(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 1, 28, 28)).astype(np.float32)
        with yingshe.no_grad():
            got = imported(yingshe.tensor(x)).numpy()
        np.testing.assert_allclose(got, session.run(None, {"x": x})[0], atol=ATOL)
        np.testing.assert_allclose(got, model(torch.from_numpy(x)).detach().numpy(), atol=ATOL)


def test_torch_lstm_export_runs_in_yingshe(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True).eval()
    path = tmp_path / "torch_lstm.onnx"
    torch.onnx.export(lstm, (torch.randn(4, 2, 5),), str(path), input_names=["x"],
                      output_names=["y", "h", "c"], opset_version=17, dynamo=False)
    imported = yingshe.onnx.load(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((4, 2, 5)).astype(np.float32)
    with yingshe.no_grad():
        got = _flat(imported(yingshe.tensor(x)))
    for g, e in zip(got, session.run(None, {"x": x})):
        np.testing.assert_allclose(g, e, atol=ATOL)


def test_lstm_with_initial_state_inputs(tmp_path):
    yingshe.manual_seed(0)
    lstm = nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True).eval()
    rng = np.random.default_rng(0)
    x, h0, c0 = (yingshe.tensor(rng.standard_normal(s).astype(np.float32))
                 for s in ((3, 4, 5), (4, 3, 7), (4, 3, 7)))

    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lstm

        def forward(self, x, h0, c0):
            return self.lstm(x, (h0, c0))

    path = tmp_path / "lstm_state.onnx"
    yingshe.onnx.export(WithState(), (x, h0, c0), str(path), input_names=["x", "h0", "c0"])
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {"x": x.numpy(), "h0": h0.numpy(), "c0": c0.numpy()}
    with yingshe.no_grad():
        expected = _flat(lstm(x, (h0, c0)))
        loaded = _flat(yingshe.onnx.load(str(path))(x, h0, c0))
    for e, g, i in zip(expected, session.run(None, feed), loaded):
        np.testing.assert_allclose(g, e, atol=ATOL)
        np.testing.assert_allclose(i, g, atol=ATOL)
