"""BERT-style masked language modelling (yingshe.models.pretraining): the masking rates and the
80/10/10 split on real WikiText-2 tokens, the MLM loss against the full-vocabulary
cross-entropy written out in NumPy, padding that changes nothing, and a short real run of
examples/bert_study.py (pretraining then fine-tuning on rt-polarity)."""
import json
import math

import numpy as np
import pytest

import yingshe
from helpers import check_raises, run_example
from yingshe.datasets.text import read_sentences
from yingshe.models.pretraining import (
    EncoderClassifier,
    MaskedLanguageModel,
    TransformerTextEncoder,
    mask_tokens,
)
from yingshe.text.vocab import Vocab

SPECIALS = ("<pad>", "<unk>", "<mask>")


@pytest.fixture(scope="module")
def wikitext_ids():
    """The first 200,000 tokens of WikiText-2's validation text, lower-cased, with a 5,000-word
    vocabulary (ids 0-2 special, so <unk> = 1 occurs in the stream)."""
    lines = []
    for line in read_sentences("wikitext-2", "valid", lower=True):
        lines.append(line)
        if sum(map(len, lines)) > 200_000:
            break
    vocab = Vocab.build(lines, specials=SPECIALS, max_size=5000)
    ids = vocab.encode([t for line in lines for t in line], unknown="<unk>")[:200_000]
    return ids.reshape(-1, 100), len(vocab)


def binomial_ok(count, n, p, sigmas=5):
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p))


def test_masking_rates_and_split_on_real_tokens(wikitext_ids):
    ids, vocab_size = wikitext_ids
    ids = ids.copy()
    ids[:, -10:] = 0  # padding at the end of every row: never chosen
    inputs, labels = mask_tokens(ids, 2, vocab_size, np.random.default_rng(0), num_special=3)
    eligible = ids >= 3
    chosen = labels != -100
    assert inputs.dtype == labels.dtype == np.int64 and inputs.shape == ids.shape
    assert not (chosen & ~eligible).any()  # padding and <unk> are never prediction targets
    assert binomial_ok(chosen.sum(), eligible.sum(), 0.15)
    np.testing.assert_array_equal(labels[chosen], ids[chosen])
    np.testing.assert_array_equal(inputs[~chosen], ids[~chosen])  # the rest is untouched
    masked = chosen & (inputs == 2)
    changed = chosen & (inputs != 2) & (inputs != ids)
    kept = chosen & (inputs == ids)
    n = int(chosen.sum())
    assert masked.sum() + changed.sum() + kept.sum() == n
    assert binomial_ok(masked.sum(), n, 0.8)
    # a random replacement equals the original with probability ~1/vocab: counted as kept
    assert binomial_ok(changed.sum(), n, 0.1, sigmas=6)
    assert binomial_ok(kept.sum(), n, 0.1, sigmas=6)
    assert inputs[changed].min() >= 3 and inputs[changed].max() < vocab_size


def test_masking_is_seeded_and_honours_other_rates(wikitext_ids):
    ids, vocab_size = wikitext_ids
    a = mask_tokens(ids, 2, vocab_size, np.random.default_rng(5), 3)
    b = mask_tokens(ids, 2, vocab_size, np.random.default_rng(5), 3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    inputs, labels = mask_tokens(ids, 2, vocab_size, np.random.default_rng(1), 3, rate=0.5,
                                 mask_fraction=1.0, random_fraction=0.0)
    chosen = labels != -100
    assert binomial_ok(chosen.sum(), (ids >= 3).sum(), 0.5)
    assert (inputs[chosen] == 2).all()


def test_masking_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    ones = np.ones((2, 3), np.int64)
    check_raises(lambda: mask_tokens(np.zeros((2, 3)), 2, 10, rng, 3), TypeError, "float64")
    check_raises(lambda: mask_tokens(ones, 2, 10, rng, 3, mask_fraction=0.8, random_fraction=0.3),
                 ValueError, "mask_fraction 0.8")
    check_raises(lambda: mask_tokens(ones, 5, 10, rng, 3), ValueError, "mask_id 5")


def test_mlm_loss_is_cross_entropy_over_the_masked_positions():
    yingshe.manual_seed(0)
    vocab_size = 50
    encoder = TransformerTextEncoder(vocab_size, 16, 2, 1, 32, dropout=0.0, max_len=12)
    model = MaskedLanguageModel(encoder).eval()
    rng = np.random.default_rng(0)
    inputs, labels = mask_tokens(rng.integers(3, vocab_size, (4, 12)), 2, vocab_size, rng, 3,
                                 rate=0.3)
    loss = model(yingshe.from_numpy(inputs), yingshe.from_numpy(labels)).item()
    with yingshe.no_grad():  # the head over every position, then NumPy cross-entropy
        h = encoder(yingshe.from_numpy(inputs))
        h = model.norm(yingshe.nn.functional.gelu(model.transform(h))).numpy()
    logits = h @ encoder.embedding.weight.detach().numpy().T + model.bias.detach().numpy()
    chosen = labels != -100
    z = logits[chosen].astype(np.float64)
    log_p = z - z.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    expected = -log_p[np.arange(len(z)), labels[chosen]].mean()
    assert loss == pytest.approx(expected, rel=1e-5)
    check_raises(lambda: model(yingshe.from_numpy(inputs),
                               yingshe.from_numpy(np.full_like(labels, -100))),
                 ValueError, "no position is masked")


def test_padding_changes_no_classification():
    yingshe.manual_seed(0)
    encoder = TransformerTextEncoder(30, 16, 2, 2, 32, dropout=0.0, max_len=10)
    model = EncoderClassifier(encoder, 3).eval()
    ids = np.array([[5, 6, 7, 8], [9, 10, 11, 12]], np.int64)
    padded = np.concatenate([ids, np.zeros((2, 5), np.int64)], axis=1)
    with yingshe.no_grad():
        short = model(yingshe.from_numpy(ids)).numpy()
        long = model(yingshe.from_numpy(padded)).numpy()
    np.testing.assert_allclose(short, long, rtol=1e-5, atol=1e-6)
    check_raises(lambda: model(yingshe.from_numpy(np.ones((1, 11), np.int64))), ValueError,
                 "exceed max_len 10")


def test_bert_study_pretrains_then_fine_tunes_on_real_data(tmp_path):
    run_example("bert_study.py", ["--stages", "pretrain,finetune", "--mlm-steps", "3",
                                  "--log-every", "1", "--cls-epochs", "1", "--train-subset",
                                  "200", "--layers", "1", "--max-tokens", "50000", "--out", str(tmp_path)])
    pretrain = json.loads((tmp_path / "pretrain.json").read_text())
    vocab_size = pretrain["vocab_size"]
    assert 3000 < vocab_size <= 10003 and len(pretrain["curve"]) == 3
    assert math.isfinite(pretrain["valid_mlm_loss"])
    assert pretrain["valid_mlm_loss"] < math.log(vocab_size) + 1  # about uniform, not diverged
    finetune = json.loads((tmp_path / "finetune.json").read_text())
    assert 0.3 < finetune["test_acc"] < 0.9 and finetune["best_epoch"] == 1
    assert (tmp_path / "mlm_encoder.safetensors").exists()
