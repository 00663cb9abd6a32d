"""yingshe.text: the tokenisers and the one vocabulary class."""
import pytest

from yingshe.text import Vocab, clean_str, tokenize, tokenize_sentence


def test_tokenize_splits_on_white_space():
    assert tokenize(" The cat\tsat \n") == ["The", "cat", "sat"]
    assert tokenize("The Cat", lower=True) == ["the", "cat"]


def test_tokenize_sentence_splits_punctuation_and_lowercases():
    assert tokenize_sentence("Go away!") == ["go", "away", "!"]
    assert tokenize_sentence("J'ai faim\u202f!") == ["j'ai", "faim", "!"]


def test_clean_str():
    assert clean_str("It's not a bad film , isn't it? (Really!)") == \
        "it 's not a bad film , is n't it ? ( really ! )"
    assert clean_str("we've they're i'd you'll") == "we 've they 're i 'd you 'll"
    assert clean_str("caf\xe9 -- 2 hours\x85 `cool' ") == "caf 2 hours `cool'"


def test_vocab_counts_specials_and_round_trip(tmp_path):
    vocab = Vocab.build([["a", "b", "a"], ["c", "a", "b"]], min_freq=2, specials=["<pad>"])
    assert vocab.itos == ["<pad>", "a", "b"] and vocab.counts.tolist() == [0, 3, 2]
    assert vocab.encode(["a", "c", "b"], drop_unknown=True).tolist() == [1, 2]
    vocab.save(tmp_path / "vocab.txt")
    assert (tmp_path / "vocab.txt").read_text() == "<pad>\t0\na\t3\nb\t2\n"
    loaded = Vocab.load(tmp_path / "vocab.txt", specials=["<pad>"])
    assert loaded.itos == vocab.itos and loaded.counts.tolist() == vocab.counts.tolist()
    assert loaded.specials == ["<pad>"]


def test_vocab_in_order_of_first_appearance():
    vocab = Vocab.from_tokens(["a", "b", "a", "c"], specials=["<pad>", "<unk>"])
    assert vocab.itos == ["<pad>", "<unk>", "a", "b", "c"]
    assert vocab.counts.tolist() == [0, 0, 2, 1, 1] and vocab.count("a") == 2
    assert vocab.encode(["c", "zz"], unknown="<unk>").tolist() == [4, 1]
    with pytest.raises(KeyError, match="'zz' is not in the vocabulary of 5 tokens"):
        vocab.encode(["zz"])
    assert Vocab.from_tokens("hello").itos == ["h", "e", "l", "o"]


def test_vocab_ties_keep_the_counter_order():
    vocab = Vocab({"b": 2, "a": 2, "c": 3})
    assert vocab.itos == ["c", "b", "a"] and "a" in vocab and vocab["a"] == 2
    assert vocab.decode([0, 2]) == ["c", "a"]
