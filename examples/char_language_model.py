"""Character-level language models on Tiny Shakespeare (first 90% train, last 10% validation):
an LSTM and a small causal Transformer of similar size, both trained with Adam on random
windows; loss in nats per character.

    python examples/char_language_model.py --model lstm --out runs/shakespeare-lstm
    python examples/char_language_model.py --model transformer --out runs/shakespeare-tf
    yingshe generate runs/shakespeare-lstm --prompt "ROMEO:" --length 500 --temperature 0.8

Writes a run folder (``yingshe.training.RunFolder``): config.json, history.json, curves.png,
last.safetensors (every --eval-every steps; ``--resume`` continues from it), model.safetensors
and metrics.json."""
import argparse
import math
import time

import numpy as np

import yingshe
from yingshe import optim
from yingshe.cli.runs import parse_script_args, resumed_progress
from yingshe.datasets.text import TinyShakespeare
from yingshe.models.language import CHAR_MODELS, build_char_model
from yingshe.nn import functional as F
from yingshe.nn.utils import clip_grad_norm_
from yingshe.training import RunFolder, progress_bar, save_training_state

RUN_OPTIONS = ("model", "steps", "batch_size", "context", "hidden", "dropout", "lr", "eval_every",
               "seed", "data")

def windows(ids, context, batch, rng):
    """A (context + 1, batch) block of random windows: inputs are rows :-1, targets rows 1:."""
    starts = rng.integers(0, len(ids) - context - 1, batch)
    return np.stack([ids[s:s + context + 1] for s in starts], axis=1)


def evaluate(model, ids, context, batch=64, windows_count=40, seed=1):
    rng = np.random.default_rng(seed)
    model.eval()
    total = 0.0
    with yingshe.no_grad():
        for _ in range(windows_count):
            block = yingshe.from_numpy(windows(ids, context, batch, rng))
            logits, _ = model(block[:-1])
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                     block[1:].reshape(-1)).item()
    return total / windows_count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="lstm", choices=CHAR_MODELS)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--context", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--eval-every", type=int, default=250,
                        help="validate and write the checkpoint every N steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="runs/shakespeare-lstm")
    args, run = parse_script_args(parser)
    yingshe.manual_seed(args.seed)
    train = TinyShakespeare(args.data)
    valid = TinyShakespeare(args.data, "valid", train.vocab)
    train_ids, valid_ids = train.ids.numpy(), valid.ids.numpy()
    config = dict({k: getattr(args, k) for k in RUN_OPTIONS}, vocab="".join(train.vocab.itos))
    run.write_config(config)
    model = build_char_model(config, len(train.vocab))
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    rng = np.random.default_rng(args.seed)
    parts = {"model": model}, {"model": optimizer}, {"model": schedule}, [rng]
    progress = resumed_progress(args, run, parts)
    history, done = progress.get("history", []), progress.get("step", 0)
    seconds_before = progress.get("seconds", 0)
    print(f"{args.model}: {sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    running, start = 0.0, time.perf_counter()
    bar = progress_bar(range(done + 1, args.steps + 1), "steps", not args.no_progress,
                       total=args.steps - done)
    log = getattr(bar, "write", print)
    for step in bar:
        model.train()
        block = yingshe.from_numpy(windows(train_ids, args.context, args.batch_size, rng))
        optimizer.zero_grad()
        logits, _ = model(block[:-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), block[1:].reshape(-1))
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running += loss.item()
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % args.eval_every == 0 or step == args.steps:
            val = evaluate(model, valid_ids, args.context)
            seconds = seconds_before + round(time.perf_counter() - start)
            train_loss = running / (step - (history[-1]["step"] if history else 0))
            history.append({"step": step, "train_loss": train_loss, "val_loss": val,
                            "seconds": seconds})
            log(f"step {step}: train {train_loss:.3f} val {val:.3f} nats/char ({seconds} s)")
            running = 0.0
            run.write_json(RunFolder.HISTORY, history)
            save_training_state(run / RunFolder.LAST, *parts, step=step, seconds=seconds,
                                history=history)
    run.save_weights({"model": model})
    best = min(h["val_loss"] for h in history)
    run.write_json(RunFolder.METRICS, {
        "val_loss": history[-1]["val_loss"], "best_val_loss": best,
        "val_bits_per_char": history[-1]["val_loss"] / math.log(2),
        "train_seconds": history[-1]["seconds"]})
    try:
        from yingshe.training.plots import plot_curves
        plot_curves({"train": [h["train_loss"] for h in history],
                     "validation": [h["val_loss"] for h in history]}, run / "curves.png",
                    xlabel=f"steps / {args.eval_every}", ylabel="nats per character",
                    title=f"Tiny Shakespeare, {args.model}")
    except ImportError:
        pass
    print(f"validation loss {history[-1]['val_loss']:.3f} nats/char; wrote {run.path}")


if __name__ == "__main__":
    main()
