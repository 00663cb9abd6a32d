"""Translation pieces: the Tatoeba split, vocabularies and padded batches, BLEU,
the encoder-decoder (masks, teacher forcing, greedy = beam 1), a short training that lowers
the loss, and the translate command."""
import itertools
import json

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import optim
from yingshe.datasets.translation import BOS, EOS, PAD, TatoebaPairs, build_vocab, encode_batch
from yingshe.models.seq2seq import Seq2Seq
from yingshe.nn import functional as F
from yingshe.training.metrics import corpus_bleu


def test_tatoeba_split_is_fixed(data_root):
    a, b = TatoebaPairs(data_root), TatoebaPairs(data_root)
    assert len(a.test) == 2000 and a.test[:5] == b.test[:5]
    assert all(len(s) <= 10 and len(t) <= 10 for s, t in a.train[:1000])


def test_vocab_and_padded_batches():
    vocab = build_vocab([["a", "b", "a"], ["a", "c"]], min_freq=2)
    assert vocab.itos[:5] == ["<pad>", "<bos>", "<eos>", "<unk>", "a"]
    ids, lengths = encode_batch([["a", "b"], ["a"]], vocab, add_bos=True)
    assert ids.numpy().tolist() == [[BOS, 4, 3, EOS], [BOS, 4, EOS, PAD]]
    assert lengths.tolist() == [4, 3]


def test_bleu_known_values():
    """Papineni's BLEU on the given tokens (no tokeniser, no smoothing)."""
    def bleu(hypothesis, reference):
        return corpus_bleu([hypothesis], [reference], tokenize="none", smooth_method="none")

    reference = ["the", "cat", "is", "on", "the", "mat"]
    assert bleu(reference, reference) == pytest.approx(1.0)
    assert bleu(["the"] * 4, reference) == 0.0
    # p1 = 5/6, p2 = 3/5, p3 = 1/4, p4 = 0/3 -> 0 (no smoothing, as Papineni)
    assert bleu(["the", "cat", "sat", "on", "the", "mat"], reference) == 0.0
    longer = ["the", "cat", "is", "on", "the", "mat", "today"]
    expected = np.exp(np.mean(np.log([6 / 7, 5 / 6, 4 / 5, 3 / 4])))  # brevity penalty 1
    assert bleu(longer, reference) == pytest.approx(expected)
    expected = np.exp(1 - 6 / 4) * np.exp(np.mean(np.log([1, 1, 1, 1])))
    assert bleu(["the", "cat", "is", "on"], reference) == pytest.approx(expected)
    check_raises(lambda: corpus_bleu([reference], []), ValueError, "1 hypotheses")


def test_reported_bleu_is_sacrebleus_standard_score():
    """Token lists are joined into text and scored by sacrebleu's defaults (13a tokeniser,
    exponential smoothing), the figure papers report."""
    sacrebleu = pytest.importorskip("sacrebleu")
    hypotheses = [["il", "est", "tom", "."], ["je", "ne", "sais", "pas", "!"]]
    references = [["il", "est", "là", "."], ["je", "ne", "sais", "pas", "."]]
    expected = sacrebleu.corpus_bleu(["il est tom .", "je ne sais pas !"],
                                     [["il est là .", "je ne sais pas ."]]).score
    assert corpus_bleu(hypotheses, references) == pytest.approx(expected / 100)
    assert corpus_bleu(["il est tom."], ["il est tom ."]) == pytest.approx(1.0)


@pytest.mark.parametrize("attention", [True, False])
def test_padding_does_not_change_the_translation_logits(attention):
    yingshe.manual_seed(0)
    model = Seq2Seq(12, 9, 8, 8, 2, 0.0, attention).eval()
    source = yingshe.from_numpy(np.array([[4, 5, 6, EOS, PAD, PAD]]))
    trimmed = yingshe.from_numpy(np.array([[4, 5, 6, EOS]]))
    target = yingshe.from_numpy(np.array([[BOS, 4, 5]]))
    a = model(source, np.array([4]), target).detach().numpy()
    b = model(trimmed, np.array([4]), target).detach().numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_greedy_equals_beam_of_one_and_attention_rows_sum_to_one():
    yingshe.manual_seed(1)
    model = Seq2Seq(12, 9, 8, 8, 1, 0.0, True)
    source = yingshe.from_numpy(np.array([[4, 5, EOS], [6, EOS, PAD]]))
    lengths = np.array([3, 2])
    greedy, attention = model.greedy(source, lengths, max_len=6)
    assert greedy == model.beam_search(source, lengths, beam=1, max_len=6)
    np.testing.assert_allclose(attention.sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all(attention[1, :, 2] == 0)  # the padded source position gets no weight


@pytest.mark.parametrize("attention", [True, False])
def test_decoding_step_by_step_sees_what_teacher_forcing_sees(attention):
    """Greedy decoding feeds its own tokens back one step at a time; the logits it acts on must
    equal the teacher-forced logits of the same prefix (the training-time computation)."""
    yingshe.manual_seed(2)
    model = Seq2Seq(12, 9, 8, 8, 2, 0.0, attention).eval()
    source = yingshe.from_numpy(np.array([[4, 5, 6, EOS], [7, EOS, PAD, PAD]]))
    lengths = np.array([4, 2])
    tokens, _ = model.greedy(source, lengths, max_len=5)
    for row, sentence in enumerate(tokens):
        prefix = yingshe.from_numpy(np.array([[BOS] + sentence]))
        logits = model(source[row:row + 1], lengths[row:row + 1], prefix).detach().numpy()
        assert list(logits[0].argmax(axis=-1)[:len(sentence)]) == sentence


@pytest.mark.parametrize("attention", [True, False])
def test_a_wide_beam_finds_the_exhaustive_best_translation(attention):
    """With a beam as wide as every prefix, beam search must return the best of all sequences
    of up to ``max_len`` tokens under its own score (log-probability / length^0.75)."""
    yingshe.manual_seed(3)
    vocab, max_len, penalty = 6, 3, 0.75
    model = Seq2Seq(8, vocab, 8, 8, 1, 0.0, attention).eval()
    source = yingshe.from_numpy(np.array([[4, 5, EOS], [6, EOS, PAD]]))
    lengths = np.array([3, 2])
    found = model.beam_search(source, lengths, beam=vocab ** max_len, max_len=max_len,
                              length_penalty=penalty)
    for row in range(2):
        best, best_score = None, -np.inf
        for sequence in itertools.chain.from_iterable(
                itertools.product(range(vocab), repeat=k) for k in range(1, max_len + 1)):
            if EOS in sequence[:-1] or (len(sequence) < max_len and sequence[-1] != EOS):
                continue  # decoding stops at the first <eos>, or at max_len
            prefix = yingshe.from_numpy(np.array([[BOS] + list(sequence[:-1])]))
            logits = model(source[row:row + 1], lengths[row:row + 1], prefix).detach().numpy()
            z = logits[0].astype(np.float64)
            log_p = z - z.max(1, keepdims=True)
            log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
            score = log_p[np.arange(len(sequence)), sequence].sum() / len(sequence) ** penalty
            if score > best_score:
                best_score = score
                best = list(sequence[:-1]) if sequence[-1] == EOS else list(sequence)
        assert found[row] == best


def test_training_on_a_few_pairs_lowers_the_loss():
    yingshe.manual_seed(0)
    pairs = [(["i", "am", "tom", "."], ["je", "suis", "tom", "."]),
             (["he", "is", "tom", "."], ["il", "est", "tom", "."])] * 4
    source_vocab = build_vocab([s for s, _ in pairs], 1)
    target_vocab = build_vocab([t for _, t in pairs], 1)
    model = Seq2Seq(len(source_vocab), len(target_vocab), 16, 16, 1, 0.0, True)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    source, lengths = encode_batch([s for s, _ in pairs], source_vocab)
    target, _ = encode_batch([t for _, t in pairs], target_vocab, add_bos=True)
    losses = []
    for _ in range(60):
        model.train()
        optimizer.zero_grad()
        logits = model(source, lengths, target[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target[:, 1:].reshape(-1),
                               ignore_index=PAD)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    translations = [target_vocab.decode(t) for t in model.greedy(source[:2], lengths[:2])[0]]
    assert translations == [["je", "suis", "tom", "."], ["il", "est", "tom", "."]]


def test_translate_command(tmp_path):
    from yingshe import cli
    config = {"hidden": 8, "layers": 1, "dropout": 0.0, "attention": True,
              "source_vocab": ["<pad>", "<bos>", "<eos>", "<unk>", "he", "."],
              "target_vocab": ["<pad>", "<bos>", "<eos>", "<unk>", "il", "."]}
    (tmp_path / "config.json").write_text(json.dumps(config))
    yingshe.save(Seq2Seq(6, 6, 8, 8, 1, 0.0, True).state_dict(), tmp_path / "model.safetensors")
    lines = []
    text = cli.run(["translate", str(tmp_path), "He sleeps .", "--heatmap",
                    str(tmp_path / "a.png")], log=lines.append)
    assert isinstance(text, str) and lines[-1].startswith("attention heatmap")
    assert (tmp_path / "a.png").exists()
