"""Text processing: tokenisers, one vocabulary class, and word2vec's sampling steps.  The
corpora themselves are read by ``yingshe.datasets``."""
from .sampling import (
    UnigramTable,
    cbow_windows,
    keep_probabilities,
    reduced_windows,
    skipgram_pairs,
    subsample,
)
from .tokenize import clean_str, tokenize, tokenize_sentence
from .vocab import Vocab

__all__ = ["tokenize", "tokenize_sentence", "clean_str", "Vocab", "keep_probabilities",
           "subsample", "reduced_windows", "skipgram_pairs", "cbow_windows", "UnigramTable"]
