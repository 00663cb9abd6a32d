"""Text utilities for word vectors (seed 001 §自然语言中词向量生成): tokenisation, a counted
vocabulary, corpus readers and word2vec's sampling steps."""
from .corpus import (CORPORA, UnigramTable, cbow_windows, keep_probabilities, load_corpus,
                     read_sentences, skipgram_pairs, subsample)
from .vocab import Vocab, tokenize

__all__ = ["tokenize", "Vocab", "CORPORA", "read_sentences", "load_corpus", "keep_probabilities",
           "subsample", "skipgram_pairs", "cbow_windows", "UnigramTable"]
