"""Sentence polarity: the checked dataset, Kim's cleaning, KimCNN against a PyTorch twin, the
max-norm constraint and a short real run of examples/sentiment.py."""
import json
import os
import shutil

import numpy as np
import pytest

import yingshe
from helpers import run_example
from yingshe.datasets.sentiment import RTPolarity, batches, k_folds, pad_batch
from yingshe.datasets.utils import DatasetIntegrityError, default_root
from yingshe.models.keyed_vectors import KeyedVectors
from yingshe.models.sentiment import (
    BiLSTMClassifier,
    KimCNN,
    MeanEmbeddingLogReg,
    max_norm_,
    pretrained_matrix,
)
from yingshe.nn import functional as F


@pytest.fixture(scope="module")
def mr_root():
    root = default_root()
    if not os.environ.get("YINGSHE_DATA") or not (root / "rt-polarity").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding rt-polarity/")
    return root


@pytest.fixture(scope="module")
def mr(mr_root):
    return RTPolarity(mr_root)


def test_counts_labels_and_vocabulary(mr):
    assert len(mr) == 10662
    assert int(mr.labels.sum()) == 5331 and mr.labels[:5331].all() and not mr.labels[5331:].any()
    assert mr.sentences[0][:4] == ["the", "rock", "is", "destined"]
    vocab = mr.build_vocab()
    assert vocab.itos[:2] == ["<pad>", "<unk>"] and 18000 < len(vocab) < 19000
    train, test = mr.split()
    assert (len(train), len(test)) == (9596, 1066) and not set(train) & set(test)


def test_damaged_file_is_refused(mr_root, tmp_path):
    shutil.copytree(mr_root / "rt-polarity", tmp_path / "rt-polarity")
    target = tmp_path / "rt-polarity" / "rt-polarity.neg"
    target.chmod(0o644)
    raw = bytearray(target.read_bytes())
    raw[100] ^= 1
    target.write_bytes(bytes(raw))
    with pytest.raises(DatasetIntegrityError, match="rt-polarity.neg.*MD5"):
        RTPolarity(tmp_path)
    target.unlink()
    with pytest.raises(DatasetIntegrityError, match="not found"):
        RTPolarity(tmp_path)


def test_folds_and_padding():
    folds = k_folds(23, 5, seed=1)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests) == list(range(23)) and all(len(tr) + len(te) == 23 for tr, te in folds)
    assert pad_batch([[3, 4], [5]], min_length=3).tolist() == [[3, 4, 0], [5, 0, 0]]
    ids, labels = [[1], [2, 3], [4, 5, 6]], np.array([0, 1, 0])
    (x, y), = batches(ids, labels, 3)
    assert x.shape == (3, 3) and y.tolist() == [0, 1, 0]


def _torch_twin(model):
    """The PyTorch module computing KimCNN's function from the same weights."""
    torch = pytest.importorskip("torch")

    def as_torch(param):
        return torch.tensor(param.detach().numpy(), dtype=torch.float64)

    class Twin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding.from_pretrained(
                as_torch(model.embedding.weight), freeze=False, padding_idx=0)
            self.convs = torch.nn.ModuleList()
            for conv in model.convs:
                twin = torch.nn.Conv1d(conv.in_channels, conv.out_channels, conv.kernel_size)
                twin.weight.data, twin.bias.data = as_torch(conv.weight), as_torch(conv.bias)
                self.convs.append(twin)
            self.fc = torch.nn.Linear(model.fc.in_features, model.fc.out_features)
            self.fc.weight.data = as_torch(model.fc.weight)
            self.fc.bias.data = as_torch(model.fc.bias)

        def forward(self, ids):
            x = self.embedding(ids).transpose(1, 2)
            x = torch.nn.functional.pad(x, (model.edge, model.edge))  # max(widths) - 1 zeros
            return self.fc(torch.cat([c(x).relu().amax(dim=2) for c in self.convs], dim=1))

    return torch, Twin()


def test_kim_cnn_matches_pytorch():
    model = KimCNN(30, embed_dim=8, widths=(2, 3, 4), maps=5, dropout=0.0, num_classes=3)
    model.to(yingshe.float64)
    torch, twin = _torch_twin(model)
    ids = np.random.default_rng(0).integers(1, 30, (4, 9))
    ids[1, 6:] = 0                                       # padding
    labels = np.array([0, 2, 1, 2])
    logits = model(yingshe.from_numpy(ids))
    F.cross_entropy(logits, yingshe.from_numpy(labels)).backward()
    twin_logits = twin(torch.from_numpy(ids))
    torch.nn.functional.cross_entropy(twin_logits, torch.from_numpy(labels)).backward()
    np.testing.assert_allclose(logits.detach().numpy(), twin_logits.detach().numpy(), rtol=1e-10)
    ours = dict(model.named_parameters())
    for name, param in twin.named_parameters():
        np.testing.assert_allclose(ours[name].grad.numpy(), param.grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    assert not ours["embedding.weight"].grad.numpy()[0].any()


def test_max_norm_rescales_only_long_rows():
    model = KimCNN(10, embed_dim=4, widths=(2,), maps=3)
    model.fc.weight._data[:] = np.array([[3.0, 4.0, 0.0], [0.3, 0.4, 0.0]], np.float32)
    max_norm_(model.fc.weight, 3.0)
    np.testing.assert_allclose(model.fc.weight.detach().numpy(),
                               [[1.8, 2.4, 0.0], [0.3, 0.4, 0.0]], rtol=1e-6)


def test_pretrained_static_and_other_models(tmp_path, mr):
    vocab = mr.build_vocab(range(50))
    vectors = KeyedVectors(["the", "film", "zzz"], np.arange(12, dtype=np.float32).reshape(3, 4))
    vectors.save_word2vec_format(tmp_path / "v.txt")
    table, found = pretrained_matrix(vocab, KeyedVectors.load_word2vec_format(tmp_path / "v.txt"))
    assert found == 2 and not table[0].any()
    np.testing.assert_array_equal(table[vocab["film"]], [4, 5, 6, 7])
    assert np.abs(table[1]).max() <= 0.25
    x = yingshe.from_numpy(np.array([[vocab["the"], vocab["film"], 0, 0]]))
    for model in (KimCNN(len(vocab), pretrained=table, freeze=True, widths=(2,), maps=3),
                  BiLSTMClassifier(len(vocab), pretrained=table, freeze=True, hidden_size=3),
                  MeanEmbeddingLogReg(len(vocab), pretrained=table)):
        assert not model.embedding.weight.requires_grad and model(x).shape == (1, 2)
    mean = MeanEmbeddingLogReg(len(vocab), pretrained=table)
    expected = mean.fc(yingshe.from_numpy(np.array([[2.0, 3.0, 4.0, 5.0]], np.float32)))
    np.testing.assert_allclose(mean(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_bilstm_does_not_depend_on_padding():
    """Each direction reads only the real tokens, so extra padding leaves the logits alone."""
    model = BiLSTMClassifier(20, embed_dim=6, hidden_size=4, dropout=0.0)
    ids = np.array([[3, 4, 5, 0], [6, 7, 8, 9]])
    padded = np.concatenate([ids, np.zeros((2, 3), np.int64)], axis=1)
    logits = model(yingshe.from_numpy(ids))
    longer = model(yingshe.from_numpy(padded)).detach().numpy()
    np.testing.assert_allclose(logits.detach().numpy(), longer, rtol=1e-5, atol=1e-6)
    alone = model(yingshe.from_numpy(ids[:1, :3])).detach().numpy()
    np.testing.assert_allclose(logits.detach().numpy()[:1], alone, rtol=1e-5, atol=1e-6)
    logits.sum().backward()
    assert np.isfinite(model.backward_lstm.weight_ih_l0.grad.numpy()).all()


@pytest.mark.parametrize("model", [["cnn"], ["attention-pool", "--optimizer", "adam"]])
def test_short_run_lowers_the_loss(tmp_path, mr_root, model):
    out = tmp_path / "run"
    run_example("sentiment.py", ["--model", *model, "--subset", "1500", "--epochs", "4",
                                 "--embed-dim", "32", "--data", str(mr_root),
                                 "--no-progress", "--out", str(out)])
    history = json.loads((out / "history.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    assert history[-1]["train_loss"] < history[0]["train_loss"] - 0.03
    assert history[-1]["train_acc"] > 0.6 and 0.0 <= metrics["test_acc"] <= 1.0
    assert json.loads((out / "config.json").read_text())["test_size"] == 150
