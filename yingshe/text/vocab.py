"""One vocabulary class: a bijection between tokens and indices 0..n-1 with each token's corpus
count, which word2vec's subsampling and unigram^0.75 noise distribution need."""
from collections import Counter
from pathlib import Path

import numpy as np

__all__ = ["Vocab"]


class Vocab:
    """Tokens and their corpus counts: ``specials`` first (in the given order), then every token
    with ``count >= min_freq`` by decreasing count (ties in the counter's order), at most
    ``max_size`` of them.  ``itos``/``stoi`` map indices and tokens; ``counts`` is int64.

    ``Vocab.build`` counts token lists; ``Vocab.from_tokens`` keeps the order in which tokens
    first appear (a character set, or a vocabulary stored in a run's config.json).

    Examples:
        >>> from yingshe.text import Vocab
        >>> vocab = Vocab.build([["the", "cat", "sat"], ["the", "dog"]], specials=["<unk>"])
        >>> vocab, vocab.itos
        (Vocab(5 tokens, 5 counted), ['<unk>', 'the', 'cat', 'sat', 'dog'])
        >>> vocab["cat"], vocab.count("the")
        (2, 2)
        >>> vocab.encode(["the", "bird"], unknown="<unk>")
        array([1, 0])
        >>> vocab.decode([1, 2])
        ['the', 'cat']
        >>> Vocab.from_tokens("hello").itos            # a character set, in order of appearance
        ['h', 'e', 'l', 'o']
    """

    def __init__(self, counter=None, min_freq=1, specials=(), max_size=None):
        counter = Counter(counter or {})
        specials = list(dict.fromkeys(specials))
        kept = [(t, c) for t, c in counter.most_common() if c >= min_freq and t not in specials]
        kept = kept[:max_size] if max_size is not None else kept
        self._set([(t, counter.get(t, 0)) for t in specials] + kept, specials)

    def _set(self, entries, specials):
        self.itos = [token for token, _ in entries]
        self.counts = np.array([count for _, count in entries], np.int64)
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.specials = [t for t in specials if t in self.stoi]

    @classmethod
    def build(cls, sentences, min_freq=1, specials=(), max_size=None):
        """Count the tokens of an iterable of token lists, then keep them as ``__init__``."""
        counter = Counter()
        for sentence in sentences:
            counter.update(sentence)
        return cls(counter, min_freq, specials, max_size)

    @classmethod
    def from_tokens(cls, tokens, specials=()):
        """``specials``, then the distinct ``tokens`` in order of first appearance, each counted
        as often as it occurs in ``tokens``."""
        counter = Counter(tokens)
        order = list(dict.fromkeys(list(specials) + list(tokens)))
        vocab = cls()
        vocab._set([(t, counter.get(t, 0)) for t in order], specials)
        return vocab

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __getitem__(self, token):
        return self.stoi[token]

    def count(self, token):
        """How often ``token`` occurred in the counted text (0 for an unknown token)."""
        return int(self.counts[self.stoi[token]]) if token in self.stoi else 0

    def encode(self, tokens, unknown=None, drop_unknown=False):
        """int64 indices of ``tokens``.  A token out of the vocabulary maps to the token
        ``unknown`` when given, is left out with ``drop_unknown`` (as word2vec drops words under
        min_count), and otherwise raises ``KeyError`` naming it."""
        if unknown is not None:
            fallback = self.stoi[unknown]
            return np.array([self.stoi.get(t, fallback) for t in tokens], np.int64)
        if drop_unknown:
            return np.array([self.stoi[t] for t in tokens if t in self.stoi], np.int64)
        try:
            return np.array([self.stoi[t] for t in tokens], np.int64)
        except KeyError as error:
            raise KeyError(f"token {error.args[0]!r} is not in the vocabulary of {len(self)} "
                           f"tokens (pass unknown= or drop_unknown=True)") from None

    def decode(self, indices):
        """The tokens of a sequence of indices."""
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
        entries = []
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            token, sep, count = line.rpartition("\t")
            if not sep or not count.isdigit():
                raise ValueError(f"{path}:{number}: expected 'token<TAB>count', got {line!r}")
            entries.append((token, int(count)))
        vocab = cls()
        vocab._set(entries, specials)
        return vocab

    def __repr__(self):
        return f"Vocab({len(self)} tokens, {int(self.counts.sum())} counted)"
