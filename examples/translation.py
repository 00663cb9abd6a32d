"""English -> French translation on Tatoeba pairs of at most 10 tokens: a GRU encoder-decoder
without attention and with Bahdanau attention, corpus BLEU-4 (sacreBLEU's standard score: 13a
tokeniser, exponential smoothing, on the lower-cased tokens joined by spaces) on a fixed
held-out set of 2,000 pairs, greedy and beam-search decoding.

    python examples/translation.py --attention --out runs/translate-attention
    python examples/translation.py --no-attention --out runs/translate-plain
    yingshe translate runs/translate-attention "he is a good person ." --heatmap attention.png

Writes a run folder (``yingshe.training.RunFolder``) in ``--out``: config.json (options and
vocabularies), history.json, curves.png, last.safetensors (every epoch; ``--resume`` continues
from it), model.safetensors and metrics.json (BLEU greedy and beam)."""
import argparse
import time

import numpy as np

import yingshe
from yingshe import optim
from yingshe.cli.runs import parse_script_args, resumed_progress
from yingshe.datasets.translation import PAD, TatoebaPairs, build_vocab, encode_batch
from yingshe.models.seq2seq import Seq2Seq
from yingshe.nn import functional as F
from yingshe.nn.utils import clip_grad_norm_
from yingshe.training import RunFolder, progress_bar, save_training_state
from yingshe.training.metrics import corpus_bleu

RUN_OPTIONS = ("attention", "epochs", "batch_size", "hidden", "layers", "dropout", "lr",
               "train_pairs", "min_freq", "beam", "seed", "data")


def translate_all(model, pairs, source_vocab, target_vocab, beam=0, batch=256):
    """BLEU-4 of the model's translations of ``pairs`` (greedy, or beam search with beam>0)."""
    hypotheses = []
    for start in range(0, len(pairs), batch):
        chunk = pairs[start:start + batch]
        source, lengths = encode_batch([s for s, _ in chunk], source_vocab)
        ids = model.beam_search(source, lengths, beam) if beam else \
            model.greedy(source, lengths)[0]
        hypotheses += [target_vocab.decode(row) for row in ids]
    return corpus_bleu(hypotheses, [t for _, t in pairs]), hypotheses


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attention", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs in all (default 2; with --resume it may raise or lower the "
                             "total: no schedule depends on it)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-pairs", type=int, default=None, help="use only N pairs")
    parser.add_argument("--min-freq", type=int, default=5,
                        help="rarer training tokens become <unk> (sets the output layer's width)")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="runs/translate-attention")
    args, run = parse_script_args(parser, keep=("epochs",))
    args.epochs = args.epochs or 2
    yingshe.manual_seed(args.seed)
    data = TatoebaPairs(args.data, seed=args.seed)
    train = data.train[:args.train_pairs] if args.train_pairs else data.train
    source_vocab = build_vocab([s for s, _ in train], args.min_freq)
    target_vocab = build_vocab([t for _, t in train], args.min_freq)
    run.write_config(dict({k: getattr(args, k) for k in RUN_OPTIONS},
                          source_vocab=source_vocab.itos, target_vocab=target_vocab.itos))
    model = Seq2Seq(len(source_vocab), len(target_vocab), args.hidden, args.hidden, args.layers,
                    args.dropout, args.attention)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    parts = {"model": model}, {"model": optimizer}, {}, [rng]
    progress = resumed_progress(args, run, parts)
    history, seconds_before = progress.get("history", []), progress.get("seconds", 0)
    start = time.perf_counter()
    for epoch in range(len(history) + 1, args.epochs + 1):
        model.train()
        order = rng.permutation(len(train))
        total = tokens = 0
        bar = progress_bar(range(0, len(order), args.batch_size), f"epoch {epoch}",
                           not args.no_progress)
        for i in bar:
            chunk = [train[j] for j in order[i:i + args.batch_size]]
            source, lengths = encode_batch([s for s, _ in chunk], source_vocab)
            target, _ = encode_batch([t for _, t in chunk], target_vocab, add_bos=True)
            optimizer.zero_grad()
            logits = model(source, lengths, target[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   target[:, 1:].reshape(-1), ignore_index=PAD)
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            count = int((target[:, 1:].numpy() != PAD).sum())
            total, tokens = total + loss.item() * count, tokens + count
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{total / tokens:.3f}")
        bleu, _ = translate_all(model, data.test[:500], source_vocab, target_vocab)
        history.append({"epoch": epoch, "train_loss": total / tokens, "bleu_greedy_500": bleu,
                        "seconds": seconds_before + round(time.perf_counter() - start)})
        print(f"epoch {epoch}: loss {total / tokens:.3f}, greedy BLEU on 500 test pairs "
              f"{100 * bleu:.1f}", flush=True)
        run.write_json(RunFolder.HISTORY, history)
        save_training_state(run / RunFolder.LAST, *parts, seconds=history[-1]["seconds"],
                            history=history)
    run.save_weights({"model": model})
    greedy, _ = translate_all(model, data.test, source_vocab, target_vocab)
    beam, _ = translate_all(model, data.test, source_vocab, target_vocab, args.beam)
    metrics = {"bleu_greedy": greedy, "bleu_beam": beam, "beam": args.beam,
               "bleu": "sacrebleu corpus BLEU-4, tokenize 13a, smooth exp, lower-cased",
               "test_pairs": len(data.test), "train_pairs": len(train),
               "train_seconds": history[-1]["seconds"]}
    run.write_json(RunFolder.METRICS, metrics)
    try:
        from yingshe.training.plots import plot_curves
        plot_curves({"train loss (nats/token)": [h["train_loss"] for h in history],
                     "greedy BLEU-4 on 500 test pairs": [h["bleu_greedy_500"] for h in history]},
                    run / "curves.png", ylabel="loss / BLEU",
                    title=f"en-fr, GRU {'with' if args.attention else 'without'} attention")
    except ImportError:
        pass
    print(f"test BLEU-4: greedy {100 * greedy:.1f}, beam {args.beam} {100 * beam:.1f}; "
          f"wrote {run.path}")


if __name__ == "__main__":
    main()
