"""Text corpora, BPTT batching and the recurrent language model on real PTB data."""
import math

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import optim
from yingshe.datasets import DatasetIntegrityError
from yingshe.datasets.text import PennTreebank, TinyShakespeare, batchify, bptt_windows
from yingshe.models.language import RNNLanguageModel
from yingshe.training.language import detach_state, lm_evaluate, lm_train_epoch


def test_ptb_standard_counts(data_root):
    train = PennTreebank(data_root, "train")
    valid = PennTreebank(data_root, "valid", train.vocab)
    assert (len(train), len(valid), len(train.vocab)) == (929589, 73760, 10000)
    assert train.tokens[:3] == ["aer", "banknote", "berlitz"]
    assert train.vocab.decode(train.ids.numpy()[:3]) == ["aer", "banknote", "berlitz"]


def test_tiny_shakespeare_split(data_root):
    train, valid = TinyShakespeare(data_root), TinyShakespeare(data_root, "valid")
    assert len(train) + len(valid) == 1115394 and len(train.vocab) == 65
    assert train.text.startswith("First Citizen:")


def test_damaged_text_is_refused(tmp_path):
    (tmp_path / "tinyshakespeare").mkdir()
    (tmp_path / "tinyshakespeare" / "input.txt").write_text("To be, or not to be")
    check_raises(lambda: TinyShakespeare(tmp_path), DatasetIntegrityError, "MD5",
                 "6fb458f1232090904fb40fe944165e91")


def test_batchify_and_windows():
    data = batchify(np.arange(23), 4)  # 5 steps x 4 columns, 3 tokens dropped
    assert data.shape == (5, 4) and data.numpy()[:, 1].tolist() == [5, 6, 7, 8, 9]
    windows = list(bptt_windows(data, 3))
    assert [tuple(x.shape) for x, _ in windows] == [(3, 4), (1, 4)]
    np.testing.assert_array_equal(windows[0][1].numpy(), data.numpy()[1:4])


def test_language_model_learns_ptb_text(data_root):
    yingshe.manual_seed(0)
    train = PennTreebank(data_root, "train")
    data = batchify(train.ids[:4000], 10)
    model = RNNLanguageModel(len(train.vocab), 32, 32, 2)
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    before = lm_evaluate(model, data, 20)
    assert abs(before - math.log(10000)) < 0.1  # uniform guess at initialisation
    for _ in range(3):
        lm_train_epoch(model, optimizer, data, 20, clip=5.0)
    assert lm_evaluate(model, data, 20) < before - 1.5


def test_detach_state_cuts_the_graph():
    h = yingshe.ones(2, requires_grad=True) * 2
    state = detach_state((h, h))
    assert all(s.grad_fn is None and not s.requires_grad for s in state)
    assert detach_state(None) is None


def test_transformer_language_model_is_causal():
    from yingshe.models.language import TransformerLanguageModel
    model = TransformerLanguageModel(11, 16, 2, 2, 32, dropout=0.0, max_len=12).eval()
    tokens = np.random.default_rng(0).integers(0, 11, (8, 2))
    changed = tokens.copy()
    changed[5:] = (changed[5:] + 1) % 11  # only the future changes
    a = model(yingshe.from_numpy(tokens))[0].detach().numpy()
    b = model(yingshe.from_numpy(changed))[0].detach().numpy()
    np.testing.assert_allclose(a[:5], b[:5], rtol=1e-5, atol=1e-6)
    assert not np.allclose(a[5:], b[5:])


def test_sample_is_seeded_and_respects_the_prompt():
    from yingshe.models.language import sample
    model = RNNLanguageModel(7, 8, 8, 1)
    first = sample(model, [1, 2], 10, 0.8, np.random.default_rng(3))
    again = sample(model, [1, 2], 10, 0.8, np.random.default_rng(3))
    assert first == again and first[:2] == [1, 2] and len(first) == 12
    greedyish = sample(model, [1, 2], 5, 1e-4, np.random.default_rng(0))
    assert greedyish == sample(model, [1, 2], 5, 1e-4, np.random.default_rng(99))


def test_generate_command(tmp_path):
    import json

    from yingshe import cli
    from yingshe.models.language import build_char_model
    config = {"model": "lstm", "hidden": 16, "dropout": 0.0, "context": 16, "vocab": "abc :"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    yingshe.save(build_char_model(config, 5).state_dict(), tmp_path / "model.safetensors")
    lines = []
    text = cli.run(["generate", str(tmp_path), "--prompt", "ab", "--length", "12"],
                   log=lines.append)
    assert text.startswith("ab") and len(text) == 14 and set(text) <= set("abc :")
    by_file = cli.run(["generate", str(tmp_path / "model.safetensors"), "--prompt", "ab",
                       "--length", "12"], log=lines.append)
    assert by_file == text  # a file in the run folder works too
    with pytest.raises(SystemExit, match="never saw"):
        cli.run(["generate", str(tmp_path), "--prompt", "xyz"], log=lines.append)
