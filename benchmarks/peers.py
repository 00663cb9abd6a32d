"""The protocol of the peer-library benchmarks (issue 29): yingshe against the library people use
for the job (gensim's word2vec, Surprise's SVD, torchvision's transforms with torch's
DataLoader), each library alone in a fresh process, rounds alternating, median.

A peer script (``benchmarks.word2vec_peer``, ``benchmarks.recommender_peer``,
``benchmarks.data_pipeline``) measures one library in its own process when called with
``--one LIBRARY`` and prints its figures as one JSON line; without ``--one`` it runs itself
``--rounds`` times per library through ``alternate``, yingshe first in odd rounds and the peer
first in even ones (as ``python -m benchmarks`` does for PyTorch), and reports the median of
every figure.  Every process gets ``OPENBLAS_NUM_THREADS`` and ``OMP_NUM_THREADS`` set to
``--threads``, which the script also hands to the library (gensim's ``workers``,
``torch.set_num_threads``) where it takes one."""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def add_arguments(parser):
    """The options every peer script shares: --rounds, --threads, --json and --one."""
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh processes per library (default 3)")
    parser.add_argument("--threads", type=int, choices=(1, 2), default=2,
                        help="threads of every library (BLAS, OpenMP, gensim's workers)")
    parser.add_argument("--json", default=None, help="also write every round's figures here")
    parser.add_argument("--one", default=None, metavar="LIBRARY",
                        help="measure LIBRARY once in this process and print its figures as "
                             "JSON (what each round runs)")


def run_json(command, threads):
    """The JSON of the last stdout line of ``command`` (``[python, "-m", module, ...]``) run in
    a fresh process with ``threads`` BLAS and OpenMP threads, from the repository's root; a
    failing run stops the benchmark with its error output."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env,
                          cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[1:])} failed (exit {done.returncode}):\n"
                         f"{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_once(module, library, argv, threads):
    """Figures of ``python -m module *argv --one library`` in a fresh process."""
    return run_json([sys.executable, "-m", module, *argv, "--one", library], threads)


def alternate(module, libraries, argv, rounds, threads):
    """{library: [figures of each round]}: ``rounds`` rounds of one fresh process per library,
    in the order ``libraries`` in odd rounds and reversed in even ones."""
    runs = {library: [] for library in libraries}
    for round_index in range(rounds):
        order = libraries if round_index % 2 == 0 else libraries[::-1]
        for library in order:
            runs[library].append(run_once(module, library, argv, threads))
    return runs


def medians(results):
    """The median over rounds of every numeric figure of one library's ``results``; other
    values (names, settings) from the first round."""
    first = results[0]
    return {key: statistics.median(r[key] for r in results)
            if isinstance(value, (int, float)) and not isinstance(value, bool) else value
            for key, value in first.items()}


def write_json(path, settings, runs):
    """Settings, the load average now, every round's figures ``runs`` ({name: [figures of
    each round]}) and their medians, to ``path`` (nothing when it is None)."""
    if path:
        Path(path).write_text(json.dumps(
            {"settings": settings, "load_average_end": os.getloadavg(), "rounds": runs,
             "median": {name: medians(results) for name, results in runs.items()}},
            indent=1))


def compare(module, args, argv, libraries, measure, title, columns, ratio):
    """A peer script's ``main`` after parsing: with ``--one`` print ``measure(library, args)``
    as JSON; otherwise print ``title``, run ``alternate`` (yingshe is ``libraries[0]``), print
    one row per library of the medians of ``columns`` ((header, key, format) triples) and the
    rounds of the first column's figure, then the ratio of the medians of the figure
    ``ratio`` = (key, what the ratio means), yingshe over the peer, and write ``--json``."""
    if args.one:
        print(json.dumps(measure(args.one, args)))
        return
    print(f"{title}; {args.threads} threads, median of {args.rounds} rounds, each library in "
          f"its own process", flush=True)
    runs = alternate(module, libraries, argv, args.rounds, args.threads)
    widths = [max(len(header), len(format(0.0, spec))) for header, _, spec in columns]
    print(f"{'library':10s} " + " ".join(f"{header:>{width}s}" for (header, _, _), width
                                         in zip(columns, widths)) + f"  rounds ({columns[0][0]})")
    median = {library: medians(results) for library, results in runs.items()}
    for library, results in runs.items():
        print(f"{library:10s} " + " ".join(
            f"{format(median[library][key], spec):>{width}s}"
            for (_, key, spec), width in zip(columns, widths)) + "  " + ", ".join(
            format(r[columns[0][1]], columns[0][2]) for r in results))
    key, meaning = ratio
    header = next(header for header, column, _ in columns if column == key)
    print(f"{header} yingshe / {libraries[1]}: "
          f"{median[libraries[0]][key] / median[libraries[1]][key]:.3f} ({meaning})")
    write_json(args.json, vars(args), runs)
