"""``yingshe train word2vec|glove``, ``similar``, ``analogy`` and ``evaluate-vectors``
(yingshe.cli.word_vectors): tiny real runs on PTB, queries on planted vectors, the error
messages."""
import contextlib
import hashlib
import io
import json
import math
import re
import sys

import numpy as np
import pytest

from helpers import run_example
from yingshe import cli
from yingshe.datasets.text import load_corpus
from yingshe.datasets.word_eval import WORD_EVAL
from yingshe.models.glove import cooccurrence_matrix
from yingshe.models.keyed_vectors import KeyedVectors, ppmi_svd_vectors
from yingshe.training.plots import pca_2d
from yingshe.training.recipes import word_vectors as wv


def _run(*argv):
    """(returned value, logged lines) of ``yingshe ARGV``."""
    lines = []
    return cli.run([str(a) for a in argv], log=lines.append), lines


def _finite(x):
    return isinstance(x, float) and math.isfinite(x)


TINY = ("--corpus", "ptb", "--max-tokens", "50000", "--dim", "16", "--epochs", "1",
        "--no-progress")


@pytest.mark.parametrize("model, architecture", [("word2vec", "skipgram"),
                                                 ("word2vec", "cbow"), ("glove", None)])
def test_tiny_ptb_run_writes_a_complete_run_folder(data_root, tmp_path, model, architecture):
    out = tmp_path / "run"
    extra = ("--model", architecture) if architecture else ()
    metrics, lines = _run("train", model, *TINY, *extra, "--data", data_root, "--out", out)
    config = json.loads((out / "config.json").read_text())
    assert (config["model"], config["dim"], config["epochs"], config["corpus"]) == (
        model, 16, 1, "ptb")
    assert config.get("architecture") == architecture
    kv = KeyedVectors.load_word2vec_format(out / "vectors.txt")
    assert kv.vectors.shape == (config["vocab_size"], 16) and kv.words[0] == "the"
    assert np.isfinite(kv.vectors).all()
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1] and _finite(history[0]["loss"])
    saved = json.loads((out / "metrics.json").read_text(),
                       parse_constant=lambda c: pytest.fail(f"metrics.json holds {c}"))
    assert saved == json.loads(json.dumps(wv._json_ready(metrics)))
    analogy = saved["analogy"]
    assert analogy["total"] == 19_544 and 0 < analogy["covered"] < analogy["total"]
    assert _finite(analogy["accuracy"]) and _finite(analogy["coverage"])
    for part in ("semantic", "syntactic"):
        assert _finite(analogy[part]["accuracy"]) and analogy[part]["covered"] > 0
    assert len(analogy["sections"]) == 14
    for name, total in (("wordsim353", 353), ("simlex999", 999)):
        assert saved[name]["total"] == total and saved[name]["covered"] > 1
        assert _finite(saved[name]["spearman"]) and abs(saved[name]["spearman"]) <= 1
    assert saved["tokens_per_s"] > 0 and saved["train_seconds"] > 0
    assert saved["corpus_tokens"] == config["corpus_tokens"] > 40_000
    assert any(line.startswith("WordSim-353 Spearman") for line in lines)
    assert any(line.startswith("SimLex-999 Spearman") for line in lines)
    assert lines[-1].startswith(f"run folder {out}")


def test_ppmi_svd_run_is_the_baseline_of_the_unweighted_counts(data_root, tmp_path):
    out = tmp_path / "ppmi"
    metrics, lines = _run("train", "ppmi-svd", "--corpus", "ptb", "--max-tokens", "20000",
                          "--dim", "8", "--window", "3", "--no-progress", "--data", data_root,
                          "--out", out)
    ids, vocab = load_corpus("ptb", "train", root=data_root, min_freq=5, lower=False,
                             max_tokens=20_000)
    expected = ppmi_svd_vectors(cooccurrence_matrix(ids, len(vocab), window=3,
                                                    distance_weighting=False), vocab, dim=8)
    saved = KeyedVectors.load_word2vec_format(out / "vectors.txt")
    assert saved.words == expected.words
    np.testing.assert_allclose(saved.vectors, expected.vectors, rtol=1e-5, atol=1e-5)
    assert json.loads((out / "history.json").read_text()) == []
    assert metrics["corpus_tokens"] == len(ids) and _finite(metrics["wordsim353"]["spearman"])
    assert lines[0].startswith("training ppmi-svd on ptb: ")


def test_word_vector_table_reads_the_run_folders(data_root, tmp_path, capsys):
    runs = []
    for model in ("ppmi-svd", "glove"):
        runs.append(tmp_path / model)
        options = () if model == "ppmi-svd" else ("--epochs", "1")
        _run("train", model, "--corpus", "ptb", "--max-tokens", "20000", "--dim", "8",
             *options, "--no-progress", "--data", data_root, "--out", runs[-1])
    run_example("word_vector_table.py", [*map(str, runs), "--out", str(tmp_path / "t.md")])
    printed = capsys.readouterr().out
    assert (tmp_path / "t.md").read_text() == printed
    lines = printed.splitlines()
    assert lines[0].startswith("| vectors | dim | vocabulary | WordSim-353 rho |")
    for line, run in zip(lines[2:4], runs):
        metrics = json.loads((run / "metrics.json").read_text())
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] == {"ppmi-svd": "PPMI-SVD (window 5)",
                            "glove": "GloVe (window 10, 1 epoch)"}[run.name]
        assert cells[3] == f"{metrics['wordsim353']['spearman']:.3f}"
        assert cells[5] == f"{100 * metrics['analogy']['accuracy']:.1f}%"
    assert lines[-1].startswith("Coverage (same vocabulary for every row of one corpus): "
                                "WordSim-353 ")


def test_evaluate_vectors_on_a_run_folder_and_its_pca_plot(data_root, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    metrics, _ = _run("train", "word2vec", "--max-tokens", "30000", "--dim", "8", "--epochs",
                      "1", "--no-progress", "--data", data_root, "--out", out)
    png = tmp_path / "words.png"
    evaluated, lines = _run("evaluate-vectors", out, "--data", data_root, "--plot", png)
    for name in ("analogy", "wordsim353", "simlex999"):  # NaN where a section is not covered
        assert json.dumps(evaluated[name]) == json.dumps(metrics[name])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert lines[-1].startswith(f"word map {png}:") and "numbers" in lines[-1]
    assert any(line.strip().startswith("gram7-past-tense") for line in lines)


def _planted(path):
    """A vectors.txt where king - man + woman = queen exactly: with r, m, f, h orthonormal,
    king = r + m, queen = r + f, man = h + m, woman = h + f, all of norm sqrt(2)."""
    r, m, f, h, e4, e5 = np.eye(6)
    words = {"king": r + m, "queen": r + f, "man": h + m, "woman": h + f,
             "prince": r + m + 0.5 * e4, "princess": r + f + 0.5 * e4, "apple": e5,
             "pear": e5 + 0.3 * e4}
    KeyedVectors(list(words), np.array(list(words.values()))).save_word2vec_format(path)
    return path


def test_analogy_reads_x_minus_y_plus_z(tmp_path):
    vectors = _planted(tmp_path / "vectors.txt")
    result, lines = _run("analogy", vectors, "king", "man", "woman")
    assert result[0][0] == "queen" and result[0][1] == pytest.approx(1.0)
    assert lines[0] == "king - man + woman = queen (1.00)"
    assert len(result) == 5 and lines[1] == "  2. princess (0.94)"
    kv = KeyedVectors.load_word2vec_format(vectors)
    assert kv.analogy("man", "king", "woman") == "queen"  # "man is to king as woman is to ?"
    result, lines = _run("analogy", tmp_path, "queen", "woman", "man", "--topn", "1")
    assert lines == ["queen - woman + man = king (1.00)"] and len(result) == 1


def test_similar_prints_nearest_words_by_cosine(tmp_path):
    _planted(tmp_path / "vectors.txt")
    result, lines = _run("similar", tmp_path, "king", "--topn", "3")
    assert lines[0] == "nearest to 'king' by cosine similarity:"
    assert next(word for word, _ in result) == "prince" and len(result) == 3
    assert result[0][1] == pytest.approx(2 / (np.sqrt(2) * 1.5), abs=1e-6)
    assert "king" not in [word for word, _ in result]
    assert lines[1].split() == ["prince", f"{result[0][1]:.4f}"]
    scores = [score for _, score in result]
    assert scores == sorted(scores, reverse=True)


@pytest.fixture
def planted_word_eval(monkeypatch):
    """make(root): a small word-eval folder (six analogy sections, the first five semantic,
    WordSim-353 and no SimLex-999) whose SHA-256s the checked reads are told to expect."""
    def make(root):
        _word_eval(root)
        for name, (relative, _) in WORD_EVAL.items():
            path = root / "word-eval" / relative
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                monkeypatch.setitem(WORD_EVAL, name, (relative, digest))
        return root
    return make


def _word_eval(root):
    """The files of ``planted_word_eval``."""
    folder = root / "word-eval"
    (folder / "wordsim353").mkdir(parents=True)
    sections = ["capital-common-countries", "capital-world", "currency", "city-in-state",
                "family", "gram1-adjective-to-adverb"]
    lines = []
    for name in sections:
        lines += [f": {name}", "man king woman queen", "Woman Man Queen King",
                  "man king woman unseen"]
    lines[-2] = "king man queen prince"  # wrong: the answer is woman
    (folder / "questions-words.txt").write_text("\n".join(lines) + "\n")
    (folder / "wordsim353" / "combined.tab").write_text(
        "Word 1\tWord 2\tHuman (mean)\r\nking\tprince\t9\r\nking\tapple\t1\r\n"
        "apple\tpear\t9.5\r\nking\tunseen\t5\r\n")
    return root


def test_evaluate_vectors_prints_the_table_with_coverage(tmp_path, planted_word_eval):
    vectors = _planted(tmp_path / "vectors.txt")
    root = planted_word_eval(tmp_path / "data")
    metrics, lines = _run("evaluate-vectors", vectors, "--data", root)
    analogy = metrics["analogy"]
    assert (analogy["total"], analogy["covered"], analogy["correct"]) == (18, 12, 11)
    assert analogy["semantic"]["accuracy"] == 1.0 and analogy["syntactic"]["accuracy"] == 0.5
    assert metrics["wordsim353"]["spearman"] == pytest.approx(1.0)
    assert "simlex999" not in metrics
    assert lines[0] == f"{vectors}: 8 words, dim 6"
    table = {line[:36].strip(): line[36:].split() for line in lines[2:]}
    assert table["Google analogies (top 30,000 words)"] == ["91.67%", "66.7%", "of", "18"]
    assert table["gram1-adjective-to-adverb"] == ["50.00%", "66.7%", "of", "3"]
    assert table["WordSim-353 Spearman"] == ["1.000", "75.0%", "of", "4"]
    assert not any("SimLex" in line for line in lines)


def _fails(match, *argv):
    """``yingshe ARGV`` ends with an error (ours, or argparse's on stderr) matching ``match``."""
    printed = io.StringIO()
    with pytest.raises(SystemExit) as raised, contextlib.redirect_stderr(printed):
        _run(*argv)
    said = f"{raised.value.code}\n{printed.getvalue()}"
    assert re.search(match, said, re.MULTILINE), said


def test_query_errors_name_the_problem(tmp_path, planted_word_eval):
    vectors = _planted(tmp_path / "vectors.txt")
    _fails(r"'queenz' is not in the vocabulary of 8 words of .*vectors\.txt$",
           "analogy", vectors, "king", "man", "queenz")
    _fails(r"'King' is not in the vocabulary of 8 words .*did you mean 'king'\?",
           "similar", vectors, "King")
    _fails("--topn: must be at least 1", "similar", vectors, "king", "--topn", "0")
    _fails(r"no vectors file at .*missing\.txt", "similar", tmp_path / "missing.txt", "king")
    (tmp_path / "empty-run").mkdir()
    _fails(r"no vectors file at .*empty-run.vectors\.txt; give a vectors\.txt",
           "similar", tmp_path / "empty-run", "king")
    bad = tmp_path / "bad.txt"
    bad.write_text("king 1 2\n")
    _fails(r"bad\.txt: the first line must be 'count dim'", "similar", bad, "king")
    bad.write_text("2 2\nking 1 2\nqueen 1 two\n")
    _fails(r"bad\.txt:3: the 2 fields after the word must be numbers", "similar", bad, "king")
    bad.write_text("2 3\nking 1 2\n")
    _fails(r"bad\.txt:2: expected a word and 3 numbers", "similar", bad, "king")
    bad.write_bytes(b"2 2\n\x8b\xff\x00binary")
    _fails(r"bad\.txt: not a UTF-8 text file \(word2vec's binary format",
           "similar", bad, "king")
    root = planted_word_eval(tmp_path / "data")
    _fails("--plot: plot_word_map: no group has two words in the vocabulary \\(8 words\\)",
           "evaluate-vectors", vectors, "--data", root, "--plot", tmp_path / "w.png")


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path, monkeypatch, planted_word_eval):
    kv = KeyedVectors(["one", "two", "three"], np.eye(3))
    kv.save_word2vec_format(tmp_path / "vectors.txt")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    _fails(r"--plot: plots need matplotlib: pip install 'yingshe\[train\]'", "evaluate-vectors",
           tmp_path, "--data", planted_word_eval(tmp_path / "data"), "--plot",
           tmp_path / "w.png")


def test_train_option_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("YINGSHE_DATA", str(tmp_path))
    _fails("--negatives does not apply to glove; models that take it: word2vec",
           "train", "glove", "--negatives", "3")
    _fails("--model does not apply to glove", "train", "glove", "--model", "cbow")
    _fails("--dim: must be at least 1, got 0", "train", "word2vec", "--dim", "0")
    _fails("--subsample: must be at least 0.0, got -1", "train", "word2vec", "--subsample",
           "-1")
    _fails("--resume does not apply to word2vec", "train", "word2vec", "--resume")
    _fails("--epochs does not apply to ppmi-svd; models that take it: mlp, .*word2vec, glove(, |$)",
           "train", "ppmi-svd", "--epochs", "3")
    _fails("--lr does not apply to ppmi-svd", "train", "ppmi-svd", "--lr", "0.1")
    _fails(r"word-eval.questions-words\.txt not found; point --data",
           "train", "word2vec", "--out", tmp_path / "run")
    assert not (tmp_path / "run").exists()  # nothing trained or written
    _fails("--corpus does not apply to lenet5; models that take it: word2vec, glove, ppmi-svd",
           "train", "lenet5", "--corpus", "ptb")


def test_train_names_a_missing_corpus(tmp_path, planted_word_eval):
    planted_word_eval(tmp_path)
    _fails(r"ptb\.train\.txt\.gz not found", "train", "word2vec", "--data", tmp_path)


def test_pca_2d_keeps_planar_distances():
    rng = np.random.default_rng(0)
    plane = np.linalg.qr(rng.standard_normal((5, 2)))[0]  # two orthonormal columns
    points = rng.standard_normal((7, 2)) @ plane.T + rng.standard_normal(5)
    xy = pca_2d(points)

    def distances(a):
        return np.linalg.norm(a[:, None] - a[None], axis=-1)

    np.testing.assert_allclose(distances(xy), distances(points), atol=1e-10)
    np.testing.assert_allclose(xy.mean(0), 0, atol=1e-12)
    two = pca_2d(np.array([[0.0, 0, 3], [0, 4, 0]]))
    np.testing.assert_allclose(np.abs(two), [[2.5, 0], [2.5, 0]], atol=1e-12)
