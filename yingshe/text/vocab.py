"""Tokenisation and a frequency-ordered vocabulary for word vectors (seed 001
§自然语言中词向量生成): words seen at least ``min_freq`` times, most frequent first, with their
counts, which the subsampling and the unigram^0.75 noise distribution need."""
from collections import Counter
from pathlib import Path

import numpy as np

__all__ = ["tokenize", "Vocab"]


def tokenize(line, lower=False):
    """Whitespace tokenisation (PTB, WikiText-2 and the word-eval sets come tokenised)."""
    return (line.lower() if lower else line).split()


class Vocab:
    """Tokens and their corpus counts: ``specials`` first (in the given order), then every token
    with ``count >= min_freq`` by decreasing count (ties by first appearance), at most
    ``max_size`` of them.  ``itos``/``stoi`` map indices and tokens; ``counts`` is int64."""

    def __init__(self, counter=None, min_freq=1, specials=(), max_size=None):
        counter = Counter(counter or {})
        specials = list(dict.fromkeys(specials))
        kept = [(t, c) for t, c in counter.most_common() if c >= min_freq and t not in specials]
        kept = kept[:max_size] if max_size is not None else kept
        self.specials = specials
        self.itos = specials + [t for t, _ in kept]
        self.counts = np.array([counter.get(t, 0) for t in specials] + [c for _, c in kept],
                               np.int64)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(cls, sentences, min_freq=1, specials=(), max_size=None):
        """Count the tokens of an iterable of token lists, then keep them as ``__init__``."""
        counter = Counter()
        for sentence in sentences:
            counter.update(sentence)
        return cls(counter, min_freq, specials, max_size)

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __getitem__(self, token):
        return self.stoi[token]

    def count(self, token):
        return int(self.counts[self.stoi[token]]) if token in self.stoi else 0

    def encode(self, tokens, unknown=None):
        """int64 indices of ``tokens``; out-of-vocabulary tokens map to the token ``unknown`` or,
        when it is None, are dropped (as word2vec drops words under min_count)."""
        if unknown is None:
            return np.array([self.stoi[t] for t in tokens if t in self.stoi], np.int64)
        fallback = self.stoi[unknown]
        return np.array([self.stoi.get(t, fallback) for t in tokens], np.int64)

    def decode(self, indices):
        return [self.itos[int(i)] for i in indices]

    def save(self, path):
        """Plain text, one ``token<TAB>count`` line per entry, in index order."""
        bad = [t for t in self.itos if not t or any(ch in t for ch in "\t\n\r")]
        if bad:
            raise ValueError(f"Vocab.save: tokens {bad[:3]!r} hold a tab or newline (or are "
                             f"empty) and cannot be written one per line")
        lines = [f"{t}\t{c}\n" for t, c in zip(self.itos, self.counts.tolist())]
        Path(path).write_text("".join(lines), encoding="utf-8")

    @classmethod
    def load(cls, path, specials=()):
        """The vocabulary ``save`` wrote, same order and counts; ``specials`` only marks which
        entries are special."""
        vocab = cls(specials=())
        tokens, counts = [], []
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            token, sep, count = line.rpartition("\t")
            if not sep or not count.isdigit():
                raise ValueError(f"{path}:{number}: expected 'token<TAB>count', got {line!r}")
            tokens.append(token)
            counts.append(int(count))
        vocab.specials = [t for t in specials if t in tokens]
        vocab.itos, vocab.counts = tokens, np.array(counts, np.int64)
        vocab.stoi = {t: i for i, t in enumerate(tokens)}
        return vocab

    def __repr__(self):
        return f"Vocab({len(self)} tokens, {int(self.counts.sum())} counted)"
