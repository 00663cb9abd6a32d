"""Sequence models from the run folders of the example scripts: text sampled from a character
language model (examples/char_language_model.py) and sentences translated by an encoder-decoder
(examples/translation.py).  Their config.json holds the options and the vocabularies."""
import numpy as np

from ...datasets.translation import encode_batch
from ...models.language import build_char_model
from ...models.language import sample as sample_tokens
from ...models.seq2seq import Seq2Seq
from ...text.tokenize import tokenize_sentence
from ...text.vocab import Vocab
from ..run_folder import RunFolder

__all__ = ["load_char_model", "generate", "load_translator", "translate"]


def load_char_model(path):
    """(character model in eval mode, its vocabulary, the run's config) of a run folder of
    examples/char_language_model.py, or of a file in it."""
    run = RunFolder.containing(path)
    config = run.read_config(written_by="python examples/char_language_model.py")
    vocab = Vocab.from_tokens(config["vocab"])
    model = run.load_into(lambda: {"model": build_char_model(config, len(vocab))})["model"]
    return model, vocab, config


def generate(path, prompt="ROMEO:", length=500, temperature=0.8, seed=0):
    """``prompt`` and the ``length`` characters a trained character model draws after it, each
    from softmax(logits / temperature)."""
    model, vocab, config = load_char_model(path)
    unknown = sorted(set(prompt) - set(vocab.itos))
    if unknown:
        raise ValueError(f"the prompt has characters the model never saw: {unknown}")
    ids = sample_tokens(model, vocab.encode(prompt), length, temperature,
                        np.random.default_rng(seed), context=config.get("context"))
    return "".join(vocab.decode(ids))


def load_translator(path):
    """(Seq2Seq in eval mode, source vocabulary, target vocabulary) of a run folder of
    examples/translation.py, or of a file in it."""
    run = RunFolder.containing(path)
    config = run.read_config(written_by="python examples/translation.py")
    source_vocab = Vocab.from_tokens(config["source_vocab"])
    target_vocab = Vocab.from_tokens(config["target_vocab"])
    model = run.load_into(lambda: {"model": Seq2Seq(
        len(source_vocab), len(target_vocab), config["hidden"], config["hidden"],
        config["layers"], config["dropout"], config["attention"])})["model"]
    return model, source_vocab, target_vocab


def translate(path, sentence, beam=0):
    """(translation, attention weights or None, source tokens, target tokens) of one sentence:
    greedy decoding, or beam search of width ``beam``; attention weights (target x source,
    rows summing to 1) come with greedy decoding of an attention model."""
    model, source_vocab, target_vocab = load_translator(path)
    words = tokenize_sentence(sentence)
    source, lengths = encode_batch([words], source_vocab)
    if beam:
        ids, attention = model.beam_search(source, lengths, beam)[0], None
    else:
        rows, attention = model.greedy(source, lengths)
        ids = rows[0]
    source_tokens = [w if w in source_vocab else "<unk>" for w in words] + ["<eos>"]
    target_tokens = target_vocab.decode(ids) + ["<eos>"]
    if attention is not None:
        attention = attention[0][:len(target_tokens), :len(source_tokens)]
    return " ".join(target_vocab.decode(ids)), attention, source_tokens, target_tokens
