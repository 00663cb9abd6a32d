"""Skip-gram with negative sampling: yingshe's trainer against gensim's ``Word2Vec`` (Řehůřek &
Sojka 2010; the word2vec.c algorithm of Mikolov et al. 2013 in Cython) on the same corpus,
each library alone in a fresh process, rounds alternating, median (``benchmarks.peers``).

    pip install -e '.[bench]'                 # gensim and scikit-surprise
    python -m benchmarks.word2vec_peer        # PTB train, 5 epochs, 3 rounds, 2 threads
    python -m benchmarks.word2vec_peer --max-tokens 100000 --epochs 1 --rounds 1
    python -m benchmarks.word2vec_peer --kernel autograd     # yingshe's textbook path instead

Both train on the same token stream: the corpus split as ``yingshe.datasets.load_corpus``
gives it (words under ``--min-count`` dropped; WikiText-2 lower-cased, as the word-vector recipe
does), which gensim gets as the same words in chunks of
10,000 (gensim's longest sentence), so that both see one running text, as yingshe does.  The
settings are the same: skip-gram, ``--dim``, ``--window`` (word2vec's dynamic window, b drawn
in 1..window), ``--negatives`` noise words from the unigram^0.75 table, ``--subsample``
(word2vec.c's keep = sqrt(t/f) + t/f), ``--min-count``, ``--epochs``, learning rate 0.025
decaying linearly to 0.025e-4, seed.  gensim runs ``--threads`` workers; yingshe's compiled
kernel (``--kernel compiled``, the default: word2vec.c's per-example loop in numba) runs
``--threads`` workers too, and its autograd path (``--kernel autograd``) is one Python loop of
minibatches whose NumPy calls get ``--threads`` BLAS threads.  Speed is corpus tokens x epochs /
seconds of training (gensim: ``build_vocab`` and ``train``; yingshe: ``train_word2vec``, which
builds its tables itself), the corpus read and each library's compiled code loaded (gensim's
import, numba's cached kernel, ~0.5 s) before the clock starts.  Both sets of vectors are
scored by the same code: WordSim-353's Spearman rho of cosine against the human scores over the
covered pairs (``yingshe.models.keyed_vectors.evaluate_similarity``)."""
import argparse
import sys
import time

from . import peers

LIBRARIES = ("yingshe", "gensim")
CHUNK = 10_000  # gensim's MAX_WORDS_IN_BATCH: longer sentences are cut there
LR = 0.025


def _train_yingshe(ids, vocab, args):
    """(KeyedVectors, seconds) of yingshe's skip-gram trainer with ``args.kernel``."""
    from yingshe.training.word_vectors import train_word2vec
    workers = args.threads if args.kernel == "compiled" else 1
    if args.kernel == "compiled":  # load the compiled code, as gensim's import loads its own
        import yingshe.training._word2vec_compiled  # noqa: F401
    start = time.perf_counter()
    run = train_word2vec(ids, vocab, "skipgram", dim=args.dim, window=args.window,
                         negatives=args.negatives, epochs=args.epochs, lr=LR, seed=args.seed,
                         subsample_t=args.subsample, kernel=args.kernel, workers=workers)
    return run.vectors, time.perf_counter() - start


def _train_gensim(ids, vocab, args):
    """(KeyedVectors, seconds) of gensim's Word2Vec on the same words, same settings."""
    from gensim.models import Word2Vec

    from yingshe.models.keyed_vectors import KeyedVectors
    words = [vocab.itos[i] for i in ids.tolist()]
    sentences = [words[i:i + CHUNK] for i in range(0, len(words), CHUNK)]
    start = time.perf_counter()
    model = Word2Vec(vector_size=args.dim, window=args.window, negative=args.negatives, sg=1,
                     hs=0, min_count=args.min_count, sample=args.subsample, alpha=LR,
                     min_alpha=LR * 1e-4, workers=args.threads, seed=args.seed)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=model.corpus_count, epochs=args.epochs)
    seconds = time.perf_counter() - start
    return KeyedVectors(model.wv.index_to_key, model.wv.vectors), seconds


TRAINERS = {"yingshe": _train_yingshe, "gensim": _train_gensim}


def measure(library, args):
    """The figures of one training run of ``library`` in this process."""
    from yingshe.datasets.text import load_corpus
    from yingshe.datasets.word_eval import word_eval_files
    from yingshe.models.keyed_vectors import evaluate_similarity
    from yingshe.training.recipes.word_vectors import LOWER_CASE
    files = word_eval_files(args.data)
    ids, vocab = load_corpus(args.corpus, "train", root=args.data, min_freq=args.min_count,
                             lower=LOWER_CASE[args.corpus], max_tokens=args.max_tokens)
    vectors, seconds = TRAINERS[library](ids, vocab, args)
    wordsim = evaluate_similarity(vectors, files["wordsim353"])
    return {"library": library, "tokens_per_s": args.epochs * len(ids) / seconds,
            "seconds": seconds, "corpus_tokens": len(ids), "vocabulary": len(vectors),
            "wordsim353": wordsim["spearman"], "wordsim353_pairs": wordsim["covered"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ptb", choices=("ptb", "wikitext-2"))
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="train on the corpus's first tokens only (a quick check)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--subsample", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    parser.add_argument("--kernel", default="compiled", choices=("compiled", "autograd"),
                        help="yingshe's trainer: the compiled per-example kernel (default) or "
                             "the autograd minibatch path")
    peers.add_arguments(parser)
    args = parser.parse_args(argv)
    peers.compare(__spec__.name, args, sys.argv[1:] if argv is None else list(argv),
                  LIBRARIES, measure,
                  f"skip-gram on {args.corpus} ({args.max_tokens or 'all'} tokens, yingshe's "
                  f"{args.kernel} kernel), dim "
                  f"{args.dim}, window {args.window}, {args.negatives} negatives, min count "
                  f"{args.min_count}, subsample {args.subsample}, {args.epochs} epochs",
                  [("tokens/s", "tokens_per_s", ",.0f"), ("seconds", "seconds", ".1f"),
                   ("WordSim-353 rho", "wordsim353", ".3f")],
                  ("tokens_per_s", "speed ratio, target >= 1"))


if __name__ == "__main__":
    main()
