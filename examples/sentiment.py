"""Sentence polarity (Pang & Lee 2005, 10,662 snippets): Kim's (2014) CNN, a convolution pooled by
attention (learned score w^T h + b, or dot score h^T q), a BiLSTM or averaged word vectors +
logistic regression, embeddings random or from a word2vec text file, trained on a
seeded 90/10 split (or k-fold cross-validation) as Kim did: Adadelta (rho 0.95), mini-batches of
50, dropout 0.5, max-norm 3 on the softmax layer's weights, 10% of the training sentences held
out to choose the epoch whose test accuracy is reported.

    python examples/sentiment.py --model cnn --vectors none --out runs/mr-cnn-rand
    python examples/sentiment.py --model cnn --vectors vectors.txt --static --out runs/mr-static
    python examples/sentiment.py --model cnn --folds 10 --out runs/mr-cnn-rand-cv
    python examples/sentiment.py --model attention-pool --out runs/mr-attention-pool

Writes config.json, history.json (per epoch: train loss and accuracy, validation and test
accuracy) and metrics.json (test accuracy at the best validation epoch, per fold and mean)."""
import argparse
import time

import numpy as np

import yingshe
from yingshe import optim
from yingshe.datasets.sentiment import RTPolarity, batches, k_folds
from yingshe.datasets.utils import train_val_split
from yingshe.models.keyed_vectors import KeyedVectors
from yingshe.models.sentiment import (
    AttentionPoolClassifier,
    BiLSTMClassifier,
    KimCNN,
    MeanEmbeddingLogReg,
    max_norm_,
    pretrained_matrix,
)
from yingshe.nn import functional as F
from yingshe.training import RunFolder, progress_bar

MODELS = ("cnn", "attention-pool", "attention-pool-dot", "bilstm", "mean-logreg")


def build_model(args, vocab, table):
    freeze = args.static
    if args.model == "cnn":
        return KimCNN(len(vocab), args.embed_dim, dropout=args.dropout, pretrained=table,
                      freeze=freeze)
    if args.model.startswith("attention-pool"):
        return AttentionPoolClassifier(len(vocab), args.embed_dim, dropout=args.dropout,
                                       score="dot" if args.model.endswith("dot") else "linear",
                                       pretrained=table, freeze=freeze)
    if args.model == "bilstm":
        return BiLSTMClassifier(len(vocab), args.embed_dim, args.hidden, args.dropout,
                                pretrained=table, freeze=freeze)
    return MeanEmbeddingLogReg(len(vocab), args.embed_dim, pretrained=table, freeze=freeze)


def accuracy(model, ids, labels, min_length):
    """Fraction of ``ids`` classified as ``labels`` (evaluation mode, no gradients)."""
    model.eval()
    correct = 0
    with yingshe.no_grad():
        for x, y in batches(ids, labels, 500, min_length=min_length):
            correct += int((model(yingshe.from_numpy(x)).numpy().argmax(1) == y).sum())
    return correct / len(ids)


def train_one(args, data, vocab, table, train_idx, test_idx, log, fold=""):
    """Train on ``train_idx`` (less a held-out 10% for choosing the epoch); the history rows."""
    yingshe.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    fit, val = train_val_split(len(train_idx), args.val_fraction, args.seed)
    fit_idx, val_idx = train_idx[fit], train_idx[val]
    sets = {name: (data.encode(vocab, idx), data.labels[idx])
            for name, idx in (("train", fit_idx), ("val", val_idx), ("test", test_idx))}
    model = build_model(args, vocab, table)
    params = [p for p in model.parameters() if p.requires_grad]
    if args.optimizer == "adadelta":
        optimizer = optim.Adadelta(params, lr=args.lr or 1.0, rho=0.95, eps=1e-6)
    else:
        optimizer = optim.Adam(params, lr=args.lr or 1e-3)
    min_length = max(getattr(model, "widths", (1,)))
    history = []
    for epoch in range(1, args.epochs + 1):
        start, total, correct = time.perf_counter(), 0.0, 0
        train_ids, train_labels = sets["train"]
        bar = progress_bar(batches(train_ids, train_labels, args.batch_size, rng, min_length),
                           f"{fold}epoch {epoch}", not args.no_progress,
                           total=-(-len(train_ids) // args.batch_size))
        model.train()
        for x, y in bar:
            optimizer.zero_grad()
            logits = model(yingshe.from_numpy(x))
            loss = F.cross_entropy(logits, yingshe.from_numpy(y))
            loss.backward()
            optimizer.step()
            if args.max_norm > 0:
                max_norm_(model.fc.weight, args.max_norm)
            total += loss.item() * len(y)
            correct += int((logits.detach().numpy().argmax(1) == y).sum())
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.3f}")
        row = {"epoch": epoch, "train_loss": total / len(train_ids),
               "train_acc": correct / len(train_ids),
               "val_acc": accuracy(model, *sets["val"], min_length),
               "test_acc": accuracy(model, *sets["test"], min_length),
               "seconds": round(time.perf_counter() - start, 1)}
        history.append(row)
        log(f"{fold}epoch {epoch}: loss {row['train_loss']:.4f} train {row['train_acc']:.4f} "
            f"val {row['val_acc']:.4f} test {row['test_acc']:.4f} ({row['seconds']} s)")
    return history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cnn", choices=MODELS)
    parser.add_argument("--vectors", default="none",
                        help="word2vec text file for the embeddings, or 'none' (random)")
    static = parser.add_mutually_exclusive_group()
    static.add_argument("--static", dest="static", action="store_true",
                        help="freeze the embeddings")
    static.add_argument("--non-static", dest="static", action="store_false",
                        help="fine-tune the embeddings (the default)")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--optimizer", default="adadelta", choices=("adadelta", "adam"))
    parser.add_argument("--lr", type=float, default=None,
                        help="default 1.0 for Adadelta, 1e-3 for Adam")
    parser.add_argument("--max-norm", type=float, default=3.0,
                        help="l2 max-norm of each softmax weight row; 0 turns it off")
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--embed-dim", type=int, default=300,
                        help="for random embeddings (vectors fix their own size)")
    parser.add_argument("--hidden", type=int, default=150, help="BiLSTM units per direction")
    parser.add_argument("--folds", type=int, default=0,
                        help="k-fold cross-validation; 0: one seeded 90/10 split")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="fraction of the training sentences held out to choose the epoch")
    parser.add_argument("--subset", type=int, default=0,
                        help="use only this many sentences (a random sample; 0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="folder holding rt-polarity/")
    parser.add_argument("--out", default="runs/mr-cnn-rand")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)
    run = RunFolder(args.out)
    data = RTPolarity(args.data)
    pool = np.arange(len(data))
    if args.subset:
        pool = np.sort(np.random.default_rng(args.seed).permutation(len(data))[:args.subset])
    # Kim's vocabulary: every word of the corpus (no labels are used), padding 0, unknown 1
    vocab = data.build_vocab(pool)
    table, found = None, 0
    if args.vectors != "none":
        table, found = pretrained_matrix(vocab, KeyedVectors.load_word2vec_format(args.vectors),
                                         seed=args.seed)
        print(f"{found:,} of {len(vocab):,} words have vectors in {args.vectors}", flush=True)
    if args.folds:
        splits = [(pool[tr], pool[te]) for tr, te in k_folds(len(pool), args.folds, args.seed)]
    else:
        tr, te = train_val_split(len(pool), 0.1, args.seed)
        splits = [(pool[tr], pool[te])]
    config = dict(vars(args), vocab_size=len(vocab), words_with_vectors=found,
                  train_size=len(splits[0][0]), test_size=len(splits[0][1]))
    run.write_config(config)
    histories, results = [], []
    for k, (train_idx, test_idx) in enumerate(splits):
        fold = f"fold {k + 1}/{len(splits)} " if args.folds else ""
        history = train_one(args, data, vocab, table, train_idx, test_idx, print, fold)
        histories.append(history)
        run.write_json(RunFolder.HISTORY, histories if args.folds else history)
        best = max(history, key=lambda row: row["val_acc"])
        results.append({"best_epoch": best["epoch"], "val_acc": best["val_acc"],
                        "test_acc": best["test_acc"], "final_test_acc": history[-1]["test_acc"]})
    tests = [r["test_acc"] for r in results]
    metrics = {"test_acc": float(np.mean(tests)), "test_acc_std": float(np.std(tests)),
               "folds": results, "train_seconds": sum(r["seconds"] for h in histories
                                                      for r in h)}
    run.write_json(RunFolder.METRICS, metrics)
    print(f"test accuracy {metrics['test_acc']:.4f} (at the best validation epoch"
          f"{', mean over folds' if args.folds else ''}); wrote {run.path}")
    return metrics


if __name__ == "__main__":
    main()
