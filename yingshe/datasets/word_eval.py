"""The word-vector benchmarks, byte-identical to their original files: the Google analogy set
(Mikolov et al. 2013), WordSim-353 (Finkelstein et al. 2002) and SimLex-999 (Hill, Reichart &
Korhonen 2015), under ``root/word-eval``."""
from pathlib import Path

from .utils import default_root, verify_file

__all__ = ["WORD_EVAL", "word_eval_files", "read_analogies", "read_similarity_pairs"]

# benchmark -> (path under word-eval/, SHA-256), from shared/data/README.md and SHA256SUMS
WORD_EVAL = {
    "analogy": ("questions-words.txt",
                "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36"),
    "wordsim353": ("wordsim353/combined.tab",
                   "1edf400ed472e796b3be562cf7970b10d749a07874a96ddc77e75fd1006b446c"),
    "simlex999": ("SimLex-999/SimLex-999.txt",
                  "ca00ff8515a36cde32d13c2b83def23f5a167b67db93ebfcfb7dae039ba22c0b"),
}
REQUIRED = ("analogy", "wordsim353")


def word_eval_files(root=None):
    """{benchmark: checked path} under ``root``/word-eval; the analogy set and WordSim-353 must
    be there, SimLex-999 is used when it is."""
    folder = Path(root if root is not None else default_root()) / "word-eval"
    files = {}
    for name, (relative, sha256) in WORD_EVAL.items():
        path = folder / relative
        if name in REQUIRED or path.is_file():
            files[name] = verify_file(path, sha256=sha256, hint=(
                "point --data (or $YINGSHE_DATA) at the folder that holds word-eval/"))
    return files



def read_analogies(path):
    """(section names, [(section index, [a, b, c, d])]) of a Google analogy file: ": name"
    header lines, then one question "a b c d" per line ("a is to b as c is to d")."""
    sections, questions = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            sections.append(line[1:].strip())
        elif line.strip():
            words = line.split()
            if len(words) != 4 or not sections:
                raise ValueError(f"{path}: bad question line {line!r}")
            questions.append((len(sections) - 1, words))
    return sections, questions


def read_similarity_pairs(path):
    """(word1, word2, score) rows of a WordSim-353 .csv/.tab or SimLex-999 .txt file: the
    header is skipped; the score is the ``SimLex999`` column if the header has one, else the
    third."""
    pairs, column = [], 2
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines()):
        fields = [f.strip() for f in line.split("\t" if "\t" in line else ",")]
        if not line.strip():
            continue
        if number == 0:
            if "SimLex999" in fields:
                column = fields.index("SimLex999")
            try:
                float(fields[column])
            except (IndexError, ValueError):
                continue
        pairs.append((fields[0], fields[1], float(fields[column])))
    return pairs
