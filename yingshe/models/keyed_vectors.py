"""Trained word vectors and their standard evaluations: nearest
neighbours by cosine, analogies by 3CosAdd (Mikolov et al. 2013; Levy & Goldberg 2014), the
word2vec text format, the Google analogy set, WordSim-353 / SimLex-999 Spearman correlation,
the count-based PPMI + SVD baseline (Levy, Goldberg & Dagan 2015) and the word groups of the
2-D PCA maps (``yingshe.training.plots.plot_word_map``; Mikolov et al. 2013b, figure 2:
countries and their capitals)."""

import numpy as np
from scipy.stats import spearmanr

from ..datasets.word_eval import read_analogies, read_similarity_pairs

__all__ = ["KeyedVectors", "load_word2vec_format", "spearman", "evaluate_analogies",
           "evaluate_similarity", "ppmi_svd_vectors", "WORD_MAP_GROUPS"]

SEMANTIC_SECTIONS = 5  # questions-words.txt: the first five sections are semantic


def _unit(matrix):
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


class KeyedVectors:
    """Words and one vector per word (rows of ``vectors``, float32), looked up by word."""

    def __init__(self, words, vectors):
        self.words = list(words)
        self.vectors = np.asarray(vectors, np.float32)
        if self.vectors.ndim != 2 or len(self.words) != len(self.vectors):
            raise ValueError(f"KeyedVectors: {len(self.words)} words but vectors of shape "
                             f"{self.vectors.shape}")
        self.index = {w: i for i, w in enumerate(self.words)}
        self.unit = _unit(self.vectors)

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        return self.vectors[self._row(word)]

    @property
    def dim(self):
        return self.vectors.shape[1]

    def _row(self, word):
        if word not in self.index:
            raise KeyError(f"word {word!r} not in the vocabulary ({len(self)} words)")
        return self.index[word]

    def similarity(self, a, b):
        """cos(v_a, v_b)."""
        return float(self.unit[self._row(a)] @ self.unit[self._row(b)])

    def most_similar(self, positive, topn=10, negative=()):
        """The ``topn`` (word, cosine) nearest to sum(unit(positive)) - sum(unit(negative)),
        leaving out the query words; ``positive`` is a word, a vector or a list of them."""
        if isinstance(positive, (str, np.ndarray)):
            positive = [positive]
        query, exclude = np.zeros(self.dim, np.float32), set()
        for sign, items in ((1.0, positive), (-1.0, negative)):
            for item in items:
                if isinstance(item, str):
                    query += sign * self.unit[self._row(item)]
                    exclude.add(self.index[item])
                else:
                    query += sign * _unit(np.asarray(item, np.float32))
        scores = self.unit @ _unit(query)
        scores[list(exclude)] = -np.inf
        top = np.argsort(-scores, kind="stable")[:topn]
        return [(self.words[i], float(scores[i])) for i in top]

    def analogy(self, a, b, c):
        """"a is to b as c is to ?" by 3CosAdd: argmax_d cos(d, b) - cos(d, a) + cos(d, c) over
        d not in {a, b, c}; e.g. ``analogy("man", "king", "woman")`` -> "queen"."""
        return self.most_similar([b, c], topn=1, negative=[a])[0][0]

    def save_word2vec_format(self, path):
        """word2vec's text format: "count dim", then "word v_1 ... v_dim" per line."""
        bad = [w for w in self.words if not w or len(w.split()) != 1]
        if bad:
            raise ValueError(f"save_word2vec_format: words {bad[:3]!r} are empty or hold "
                             f"whitespace")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{len(self)} {self.dim}\n")
            f.writelines(word + " " + " ".join(f"{x:.9g}" for x in row) + "\n"
                         for word, row in zip(self.words, self.vectors.tolist()))

    @classmethod
    def load_word2vec_format(cls, path):
        """The ``KeyedVectors`` of a word2vec text file (as ``save_word2vec_format`` writes);
        a ``ValueError`` names the file (and line) of anything else, word2vec's binary format
        included."""
        try:
            with open(path, encoding="utf-8") as f:
                return cls(*_read_word2vec_text(f, path))
        except UnicodeDecodeError:
            raise ValueError(f"{path}: not a UTF-8 text file (word2vec's binary format is not "
                             f"supported; write the vectors as text)") from None


def _read_word2vec_text(f, path):
    """(words, vectors) of an open word2vec text file: "count dim", then "word v_1 ... v_dim"."""
    header = f.readline().split()
    if len(header) != 2 or not all(h.isdigit() for h in header):
        raise ValueError(f"{path}: the first line must be 'count dim', got {header!r}")
    count, dim = map(int, header)
    words, vectors = [], np.empty((count, dim), np.float32)
    for number, line in enumerate(f, 2):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != dim + 1 or len(words) == count:
            raise ValueError(f"{path}:{number}: expected a word and {dim} numbers "
                             f"({count} rows), got {len(parts)} fields")
        try:
            vectors[len(words)] = np.asarray(parts[1:], np.float32)
        except ValueError:
            raise ValueError(f"{path}:{number}: the {dim} fields after the word must be "
                             f"numbers, got {' '.join(parts[1:4])} ...") from None
        words.append(parts[0])
    if len(words) != count:
        raise ValueError(f"{path}: header says {count} words, file has {len(words)}")
    return words, vectors


load_word2vec_format = KeyedVectors.load_word2vec_format


def spearman(x, y):
    """Spearman's rho, the Pearson correlation of the tie-averaged ranks
    (``scipy.stats.spearmanr``); NaN when either side is constant or has fewer than two
    values."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def _summary(correct, covered, total):
    return {"accuracy": correct / covered if covered else float("nan"),
            "coverage": covered / total if total else float("nan"),
            "correct": correct, "covered": covered, "total": total}


def evaluate_analogies(kv, questions_path, lower=True, restrict_vocab=None, chunk=512):
    """Google analogy questions ("a b c d" lines under ": section" headers): the answer to
    "a is to b as c is to ?" is the 3CosAdd argmax over the vocabulary minus {a, b, c}.
    Accuracy counts only questions whose four words are among the first ``restrict_vocab``
    words of ``kv`` (all when None), lower-cased when ``lower``; coverage is covered / total.
    Returns the overall summary plus ``sections``, ``semantic`` (first five sections) and
    ``syntactic``."""
    limit = len(kv) if restrict_vocab is None else min(restrict_vocab, len(kv))
    index = {w: i for w, i in kv.index.items() if i < limit}
    unit = kv.unit[:limit]
    sections, read = read_analogies(questions_path)
    questions = [(section, [index.get(w.lower() if lower else w, -1) for w in words])
                 for section, words in read]
    section_of = np.array([s for s, _ in questions], np.int64)
    ids = np.array([q for _, q in questions], np.int64).reshape(-1, 4)
    covered = (ids >= 0).all(1)
    hit = np.zeros(len(ids), bool)
    rows = np.flatnonzero(covered)
    for start in range(0, len(rows), chunk):
        batch = ids[rows[start:start + chunk]]
        query = unit[batch[:, 1]] - unit[batch[:, 0]] + unit[batch[:, 2]]
        scores = query @ unit.T
        np.put_along_axis(scores, batch[:, :3], -np.inf, axis=1)
        hit[rows[start:start + chunk]] = scores.argmax(1) == batch[:, 3]

    def summary(mask):
        return _summary(int(hit[mask].sum()), int(covered[mask].sum()), int(mask.sum()))

    result = summary(np.ones(len(ids), bool))
    result["sections"] = {name: summary(section_of == s) for s, name in enumerate(sections)}
    result["semantic"] = summary(section_of < SEMANTIC_SECTIONS)
    result["syntactic"] = summary(section_of >= SEMANTIC_SECTIONS)
    return result


def evaluate_similarity(kv, pairs_path, lower=True):
    """Spearman correlation between human scores and cosine similarities over the pairs whose
    two words are in ``kv`` (lower-cased when ``lower``), with coverage = covered / total."""
    human, model = [], []
    pairs = read_similarity_pairs(pairs_path)
    for a, b, score in pairs:
        a, b = (a.lower(), b.lower()) if lower else (a, b)
        if a in kv and b in kv:
            human.append(score)
            model.append(kv.similarity(a, b))
    rho = spearman(human, model) if len(human) > 1 else float("nan")
    return {"spearman": rho, "coverage": len(human) / len(pairs) if pairs else float("nan"),
            "covered": len(human), "total": len(pairs)}


def _coo(cooccurrence):
    """(rows, cols, values, n) of a dense square array or of a ``glove.Cooccurrence``."""
    if isinstance(cooccurrence, np.ndarray):
        rows, cols = np.nonzero(cooccurrence)
        return rows, cols, cooccurrence[rows, cols].astype(np.float64), len(cooccurrence)
    return (cooccurrence.rows, cooccurrence.cols, cooccurrence.values.astype(np.float64),
            cooccurrence.size)


class _SparseMatrix:
    """A COO matrix kept sorted by row, for products with dense matrices (no SciPy)."""

    def __init__(self, rows, cols, values, shape):
        order = np.lexsort((cols, rows))
        self.rows, self.cols, self.values = rows[order], cols[order], values[order]
        self.shape = shape

    @property
    def T(self):
        return _SparseMatrix(self.cols, self.rows, self.values, self.shape[::-1])

    def __matmul__(self, dense, chunk=1 << 18):
        out = np.zeros((self.shape[0], dense.shape[1]))
        for start in range(0, len(self.rows), chunk):
            rows = self.rows[start:start + chunk]
            products = self.values[start:start + chunk, None] * dense[self.cols[start:start
                                                                                 + chunk]]
            starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
            out[rows[starts]] += np.add.reduceat(products, starts, axis=0)
        return out


def ppmi_svd_vectors(cooccurrence, vocab, dim=100, context_power=0.75, eig=0.5, seed=0,
                     power_iterations=3):
    """Count-based baseline: PPMI_ij = max(0, log(X_ij sum_k c_k / (X_i* c_j))), c_j = X_*j^a
    (context-distribution smoothing, a = ``context_power``; a = 1 is plain PPMI), then a
    rank-``dim`` SVD, vectors U_d S_d^eig (Levy, Goldberg & Dagan 2015: a = 0.75, eig = 0.5).
    Small matrices use an exact SVD, large ones a randomized SVD (Halko et al. 2011).
    ``vocab`` is a ``Vocab`` or a list of words, one per row."""
    rows, cols, values, n = _coo(cooccurrence)
    row_sum = np.bincount(rows, values, n)
    context = np.bincount(cols, values, n) ** context_power
    with np.errstate(divide="ignore"):
        pmi = (np.log(values) - np.log(row_sum[rows]) + np.log(context.sum())
               - np.log(context[cols]))
    keep = pmi > 0
    matrix = _SparseMatrix(rows[keep], cols[keep], pmi[keep], (n, n))
    if n <= max(2000, 4 * dim):
        dense = np.zeros((n, n))
        dense[matrix.rows, matrix.cols] = matrix.values
        u, s, _ = np.linalg.svd(dense)
    else:
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(matrix @ rng.standard_normal((n, dim + 10)))
        for _ in range(power_iterations):
            q, _ = np.linalg.qr(matrix.T @ q)
            q, _ = np.linalg.qr(matrix @ q)
        small_u, s, _ = np.linalg.svd((matrix.T @ q).T, full_matrices=False)
        u = q @ small_u
    words = vocab.itos if hasattr(vocab, "itos") else list(vocab)
    return KeyedVectors(words, u[:, :dim] * s[:dim] ** eig)


# The words of ``plot_word_map``: pairs are joined by a line (country - capital, present - past).
WORD_MAP_GROUPS = {
    "countries and capitals": [
        ("china", "beijing"), ("japan", "tokyo"), ("france", "paris"), ("germany", "berlin"),
        ("britain", "london"), ("russia", "moscow"), ("italy", "rome"), ("spain", "madrid"),
        ("egypt", "cairo"), ("greece", "athens"), ("canada", "ottawa"), ("korea", "seoul")],
    "numbers": [("one",), ("two",), ("three",), ("four",), ("five",), ("six",), ("seven",),
                ("eight",), ("nine",), ("ten",), ("hundred",), ("thousand",), ("million",),
                ("billion",)],
    "verbs (present - past)": [
        ("buy", "bought"), ("sell", "sold"), ("rise", "rose"), ("fall", "fell"), ("go", "went"),
        ("take", "took"), ("make", "made"), ("say", "said"), ("pay", "paid"), ("give", "gave"),
        ("come", "came"), ("see", "saw")],
}
