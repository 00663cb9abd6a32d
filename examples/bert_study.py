"""BERT-style pretraining and fine-tuning (Devlin et al. 2019), small enough for one CPU core:
a 2-layer, d 128 Transformer encoder pretrained by masked language modelling (15% of tokens;
80% [MASK], 10% random, 10% kept) on WikiText-2, then fine-tuned on rt-polarity sentence
polarity, against the same encoder trained on rt-polarity from scratch; and a GPT-style causal
Transformer (Radford et al. 2018) of the same size beside an LSTM language model on the same
WikiText-2 text and vocabulary, with the same number of training tokens.

    python examples/bert_study.py --out runs/bert-study                     # every stage
    python examples/bert_study.py --stages finetune,scratch --out runs/bert-study

Text: WikiText-2 lower-cased (rt-polarity is lower-case), the 10,000 most frequent words
(others -> <unk>); ids 0, 1, 2 are <pad>, <unk>, <mask>.  rt-polarity uses the seeded 90/10
split of examples/sentiment.py (seed 0: the Kim CNN's 76.08% row) with 10% of the training
sentences held out to choose the epoch.  Writes ``<stage>.json`` per stage in ``--out`` and
``mlm_encoder.safetensors`` (the pretrained encoder, read by the finetune stage)."""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

import yingshe
from yingshe import optim
from yingshe.datasets.sentiment import RTPolarity, pad_batch
from yingshe.datasets.text import batchify, read_sentences
from yingshe.datasets.utils import train_val_split
from yingshe.models.language import RNNLanguageModel, TransformerLanguageModel
from yingshe.models.pretraining import (
    EncoderClassifier,
    MaskedLanguageModel,
    TransformerTextEncoder,
    mask_tokens,
)
from yingshe.nn import functional as F
from yingshe.nn.utils import clip_grad_norm_
from yingshe.text.vocab import Vocab
from yingshe.training.language import lm_evaluate, lm_train_epoch

SPECIALS = ("<pad>", "<unk>", "<mask>")
PAD, UNK, MASK = range(3)
STAGES = ("pretrain", "finetune", "scratch", "gpt", "lstm")


def wikitext(args, split, vocab=None, max_size=10000):
    """(ids, vocab): lower-cased WikiText-2 ``split`` as one int64 stream (its first
    ``args.max_tokens`` tokens when given), words outside the ``max_size`` most frequent
    training words mapped to <unk>."""
    tokens = [t for line in read_sentences("wikitext-2", split, args.data, lower=True)
              for t in line][:args.max_tokens]
    if vocab is None:
        vocab = Vocab.build([tokens], specials=SPECIALS, max_size=max_size)
    return vocab.encode(tokens, unknown="<unk>"), vocab


def build_encoder(args, vocab_size):
    return TransformerTextEncoder(vocab_size, args.d_model, args.heads, args.layers,
                                  4 * args.d_model, args.dropout, args.context, pad_id=PAD)


def warmup_linear(optimizer, steps, warmup=0.05):
    """BERT's schedule: linear warm-up over the first ``warmup`` of the steps, then linear decay
    to 0 (Devlin et al. 2019, Appendix A.2)."""
    ramp = max(1, int(steps * warmup))
    return optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / ramp, max(0.0, (steps - s) / max(1, steps - ramp))))


def windows(ids, length):
    """The stream cut into (N, length) non-overlapping windows (the tail is dropped)."""
    n = len(ids) // length
    return ids[:n * length].reshape(n, length)


def mlm_loss(model, data, rng, batch_size):
    """Mean MLM loss over ``data`` windows, masked with ``rng`` (no dropout, no gradients)."""
    model.eval()
    vocab_size = model.encoder.embedding.num_embeddings
    total, count = 0.0, 0
    with yingshe.no_grad():
        for start in range(0, len(data), batch_size):
            inputs, labels = mask_tokens(data[start:start + batch_size], MASK, vocab_size, rng,
                                         len(SPECIALS))
            n = int((labels != -100).sum())
            total += model(yingshe.from_numpy(inputs), yingshe.from_numpy(labels)).item() * n
            count += n
    return total / count


def pretrain(args, out):
    train_ids, vocab = wikitext(args, "train")
    valid_ids, _ = wikitext(args, "valid", vocab)
    train, valid = windows(train_ids, args.context), windows(valid_ids, args.context)
    yingshe.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    encoder = build_encoder(args, len(vocab))
    model = MaskedLanguageModel(encoder)
    optimizer = optim.AdamW(model.parameters(), lr=args.mlm_lr, weight_decay=0.01)
    scheduler = warmup_linear(optimizer, args.mlm_steps)
    start, curve, running = time.perf_counter(), [], []
    order = rng.permutation(len(train))
    for step in range(args.mlm_steps):
        if (step + 1) * args.batch_size > len(order):  # a new epoch: reshuffle the windows
            order = np.concatenate([order, rng.permutation(len(train))])
        chosen = order[step * args.batch_size:(step + 1) * args.batch_size]
        inputs, labels = mask_tokens(train[chosen], MASK, len(vocab), rng, len(SPECIALS))
        model.train()
        optimizer.zero_grad()
        loss = model(yingshe.from_numpy(inputs), yingshe.from_numpy(labels))
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        running.append(loss.item())
        if (step + 1) % args.log_every == 0 or step + 1 == args.mlm_steps:
            curve.append({"step": step + 1, "train_loss": float(np.mean(running)),
                          "seconds": round(time.perf_counter() - start, 1)})
            running = []
            print(f"mlm step {step + 1}: loss {curve[-1]['train_loss']:.3f} "
                  f"({curve[-1]['seconds']} s)", flush=True)
    valid_loss = mlm_loss(model, valid, np.random.default_rng(args.seed + 1), 64)
    yingshe.save(encoder.state_dict(), out / "mlm_encoder.safetensors")
    return {"valid_mlm_loss": valid_loss, "valid_mlm_perplexity": math.exp(valid_loss),
            "steps": args.mlm_steps, "tokens_seen": args.mlm_steps * args.batch_size
            * args.context, "vocab_size": len(vocab), "train_windows": len(train),
            "parameters": sum(p.numel() for p in model.parameters()),
            "seconds": round(time.perf_counter() - start, 1), "curve": curve}


def polarity_sets(args, vocab):
    """{"train", "val", "test"}: (ids list, labels) of the seeded split of examples/sentiment.py
    (``--train-subset``: only the first N training sentences), each sentence cut to the
    encoder's context."""
    data = RTPolarity(args.data)
    train_idx, test_idx = train_val_split(len(data), 0.1, args.seed)
    fit, val = train_val_split(len(train_idx), 0.1, args.seed)
    sets = {}
    fit = fit[:args.train_subset or None]
    for name, idx in (("train", train_idx[fit]), ("val", train_idx[val]), ("test", test_idx)):
        ids = [vocab.encode(data.sentences[i], unknown="<unk>")[:args.context] for i in idx]
        sets[name] = (ids, data.labels[idx])
    return sets


def accuracy(model, ids, labels):
    model.eval()
    correct = 0
    with yingshe.no_grad():
        for start in range(0, len(ids), 256):
            x = pad_batch(ids[start:start + 256], pad_id=PAD)
            predicted = model(yingshe.from_numpy(x)).numpy().argmax(1)
            correct += int((predicted == labels[start:start + 256]).sum())
    return correct / len(ids)


def classify(args, out, pretrained):
    """Fine-tune the pretrained encoder (or train a fresh one) on rt-polarity; the test accuracy
    at the epoch of best validation accuracy."""
    _, vocab = wikitext(args, "train")
    sets = polarity_sets(args, vocab)
    yingshe.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    encoder = build_encoder(args, len(vocab))
    if pretrained:
        encoder.load_state_dict(yingshe.load(out / "mlm_encoder.safetensors"))
    model = EncoderClassifier(encoder, 2, args.dropout)
    train_ids, train_labels = sets["train"]
    steps = args.cls_epochs * -(-len(train_ids) // args.batch_size)
    optimizer = optim.AdamW(model.parameters(), lr=args.cls_lr, weight_decay=0.01)
    scheduler = warmup_linear(optimizer, steps, warmup=0.1)
    history, start = [], time.perf_counter()
    for epoch in range(1, args.cls_epochs + 1):
        model.train()
        order, total = rng.permutation(len(train_ids)), 0.0
        for first in range(0, len(order), args.batch_size):
            chosen = order[first:first + args.batch_size]
            x = pad_batch([train_ids[i] for i in chosen], pad_id=PAD)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(yingshe.from_numpy(x)),
                                   yingshe.from_numpy(train_labels[chosen]))
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(chosen)
        history.append({"epoch": epoch, "train_loss": total / len(order),
                        "val_acc": accuracy(model, *sets["val"]),
                        "test_acc": accuracy(model, *sets["test"])})
        print(f"{'finetune' if pretrained else 'scratch'} epoch {epoch}: "
              + ", ".join(f"{k} {v:.4f}" for k, v in history[-1].items() if k != "epoch"),
              flush=True)
    best = max(history, key=lambda row: row["val_acc"])
    unknown = sum(int((np.asarray(s) == UNK).sum()) for s in sets["train"][0])
    return {"test_acc": best["test_acc"], "best_epoch": best["epoch"], "history": history,
            "unk_fraction": unknown / sum(len(s) for s in sets["train"][0]),
            "seconds": round(time.perf_counter() - start, 1)}


def language_model(args, kind):
    """A causal Transformer (``gpt``) or an LSTM trained on the first ``--lm-tokens`` WikiText-2
    training tokens for one pass; test perplexity (windows of ``--context`` tokens; the LSTM
    carries its state between windows, the Transformer sees only its window)."""
    train_ids, vocab = wikitext(args, "train")
    test_ids, _ = wikitext(args, "test", vocab)
    yingshe.manual_seed(args.seed)
    if kind == "gpt":
        model = TransformerLanguageModel(len(vocab), args.d_model, args.heads, args.layers,
                                         4 * args.d_model, args.dropout, max_len=args.context)
        optimizer = optim.AdamW(model.parameters(), lr=args.mlm_lr, weight_decay=0.01)
    else:
        model = RNNLanguageModel(len(vocab), args.d_model, args.lstm_hidden, 2, args.dropout,
                                 init_range=0.1)
        optimizer = optim.Adam(model.parameters(), lr=args.lstm_lr)
    data = batchify(train_ids[:args.lm_tokens], args.lm_batch)
    start = time.perf_counter()
    train_loss, _ = lm_train_epoch(model, optimizer, data, args.context, clip=1.0,
                                   log_every=args.log_every, log=lambda s: print(s, flush=True))
    test_loss = lm_evaluate(model, batchify(test_ids, 10), args.context)
    return {"train_loss": train_loss, "test_loss": test_loss, "test_perplexity":
            math.exp(test_loss), "train_tokens": int(data.numel()),
            "parameters": sum(p.numel() for p in model.parameters()),
            "seconds": round(time.perf_counter() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stages", default=",".join(STAGES),
                        help=f"comma-separated, from {', '.join(STAGES)}")
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--context", type=int, default=64, help="tokens per window")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--mlm-steps", type=int, default=3000)
    parser.add_argument("--mlm-lr", type=float, default=5e-4)
    parser.add_argument("--cls-epochs", type=int, default=5)
    parser.add_argument("--cls-lr", type=float, default=2e-4)
    parser.add_argument("--train-subset", type=int, default=0,
                        help="fine-tune on only the first N training sentences (0: all)")
    parser.add_argument("--lm-tokens", type=int, default=300000,
                        help="training tokens of each language model (one pass)")
    parser.add_argument("--lm-batch", type=int, default=20)
    parser.add_argument("--lstm-hidden", type=int, default=256)
    parser.add_argument("--lstm-lr", type=float, default=2e-3)
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=None, help="read only the first N "
                        "tokens of each WikiText-2 split (smoke tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="runs/bert-study")
    args = parser.parse_args(argv)
    stages = args.stages.split(",")
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        parser.error(f"unknown stages {unknown}; choose from {', '.join(STAGES)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(vars(args), indent=1))
    run = {"pretrain": lambda: pretrain(args, out),
           "finetune": lambda: classify(args, out, pretrained=True),
           "scratch": lambda: classify(args, out, pretrained=False),
           "gpt": lambda: language_model(args, "gpt"),
           "lstm": lambda: language_model(args, "lstm")}
    for stage in stages:
        result = run[stage]()
        (out / f"{stage}.json").write_text(json.dumps(result, indent=1))
        print(f"{stage}: " + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                       for k, v in result.items()
                                       if not isinstance(v, list)), flush=True)


if __name__ == "__main__":
    main()
