"""One Markdown table comparing word-vector runs of ``yingshe train word2vec|glove|ppmi-svd``
(issue 6): WordSim-353 and SimLex-999 Spearman rho, Google analogy accuracy overall, semantic
and syntactic (3CosAdd over the 30,000 most frequent words), each with its coverage, and the
training time, read from each run folder's config.json and metrics.json.

    python examples/word_vector_table.py runs/skipgram-wt2 runs/cbow-wt2 runs/glove-wt2 \\
        runs/ppmi-svd-wt2     # prints the table of docs/results/word_vectors.md"""
import argparse
from pathlib import Path

from yingshe.training import RunFolder


def epochs(config):
    return f"{config['epochs']} epoch{'s' if config['epochs'] != 1 else ''}"


def label(config):
    """skip-gram / CBOW / GloVe / PPMI-SVD with the settings that tell runs apart."""
    if config["model"] == "word2vec":
        name = {"skipgram": "skip-gram", "cbow": "CBOW"}[config["architecture"]]
        return (f"{name} (window {config['window']}, {config['negatives']} negatives, "
                f"subsample {config['subsample']:g}, {epochs(config)})")
    if config["model"] == "glove":
        return f"GloVe (window {config['window']}, {epochs(config)})"
    return f"PPMI-SVD (window {config['window']})"


def percent(summary):
    return "n/a" if not summary["covered"] else f"{100 * summary['accuracy']:.1f}%"


def rho(summary):
    return "n/a" if summary is None or summary["spearman"] is None else \
        f"{summary['spearman']:.3f}"


def table(runs):
    """The Markdown lines for the run folders ``runs``, one row each, then a coverage line."""
    lines = [("| vectors | dim | vocabulary | WordSim-353 rho | SimLex-999 rho | analogies "
              "(all) | semantic | syntactic | training |"),
             "|---|---|---|---|---|---|---|---|---|"]
    coverage = None
    for run in runs:
        config = RunFolder(run).read_config()
        metrics = RunFolder(run).read_json(RunFolder.METRICS)
        analogy = metrics["analogy"]
        lines.append(
            f"| {label(config)} | {config['dim']} | {metrics['vocab_size']:,} | "
            f"{rho(metrics['wordsim353'])} | {rho(metrics.get('simlex999'))} | "
            f"{percent(analogy)} | {percent(analogy['semantic'])} | "
            f"{percent(analogy['syntactic'])} | {metrics['train_seconds']:.0f} s |")
        coverage = coverage or (
            f"Coverage (same vocabulary for every row of one corpus): WordSim-353 "
            f"{100 * metrics['wordsim353']['coverage']:.1f}% of 353 pairs, SimLex-999 "
            f"{100 * metrics['simlex999']['coverage']:.1f}% of 999, analogies "
            f"{100 * analogy['coverage']:.1f}% of {analogy['total']:,} questions (semantic "
            f"{100 * analogy['semantic']['coverage']:.1f}%, syntactic "
            f"{100 * analogy['syntactic']['coverage']:.1f}%)."
            if "simlex999" in metrics else None)
    return lines + ([""] + [coverage] if coverage else [])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders of `yingshe train word2vec|glove|"
                                                "ppmi-svd`")
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    text = "\n".join(table(args.runs)) + "\n"
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)
    return text


if __name__ == "__main__":
    main()
