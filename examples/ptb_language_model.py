"""Word-level LSTM language model on Penn Treebank, Zaremba et al. 2014 "small": 2 x 200 LSTM,
35 steps, batch 20, SGD lr 1 (halved every epoch after epoch 4), gradient norm clipped at 5,
13 epochs, no dropout; the paper reports test perplexity 114.5.  As in the paper's code, the
loss minimised is the cross-entropy summed over the 35 steps and averaged over the batch.

    python examples/ptb_language_model.py --out runs/ptb-small            # ~115 test ppl
    python examples/ptb_language_model.py --config medium --out runs/ptb-medium

Writes config.json, history.json, curves.png, checkpoint.safetensors (every epoch; ``--resume``
continues from it), model.safetensors and metrics.json in ``--out``."""
import argparse
import json
import math
import time
from pathlib import Path

import yingshe
from yingshe import optim
from yingshe.datasets.text import PennTreebank, batchify
from yingshe.models.language import RNNLanguageModel
from yingshe.training.language import lm_evaluate, lm_train_epoch
from yingshe.training.resumable import (add_resume_options, load_training_state,
                                        restore_run_options, save_training_state)

RUN_OPTIONS = ("config", "epochs", "batch_size", "bptt", "lr", "clip", "seed", "max_tokens",
               "data")
CONFIGS = {  # Zaremba et al. 2014, Table 1
    "small": dict(hidden=200, layers=2, dropout=0.0, epochs=13, decay_after=4, decay=0.5,
                  init=0.1),
    "medium": dict(hidden=650, layers=2, dropout=0.5, epochs=39, decay_after=6, decay=0.8,
                   init=0.05),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="small", choices=CONFIGS)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--clip", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=None, help="truncate the training, "
                        "validation and test streams to N tokens each (smoke tests)")
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default="runs/ptb-small")
    add_resume_options(parser)
    args = parser.parse_args()
    restore_run_options(args, RUN_OPTIONS)
    out = Path(args.out)
    config = CONFIGS[args.config]
    epochs = args.epochs or config["epochs"]
    yingshe.manual_seed(args.seed)
    train = PennTreebank(args.data, "train")
    valid = PennTreebank(args.data, "valid", train.vocab)
    test = PennTreebank(args.data, "test", train.vocab)
    train_ids, valid_ids, test_ids = (split.ids[:args.max_tokens] for split in (train, valid, test))
    train_data = batchify(train_ids, args.batch_size)
    valid_data, test_data = batchify(valid_ids, 10), batchify(test_ids, 1)
    model = RNNLanguageModel(len(train.vocab), config["hidden"], config["hidden"],
                             config["layers"], config["dropout"], init_range=config["init"])
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps({k: getattr(args, k) for k in RUN_OPTIONS}))
    checkpoint = out / "checkpoint.safetensors"
    history, seconds_before = [], 0
    if args.resume:
        progress = load_training_state(checkpoint, model, optimizer)
        history, seconds_before = progress["history"], progress["seconds"]
        print(f"resumed {checkpoint} after epoch {len(history)}", flush=True)
    start = time.perf_counter()
    for epoch in range(len(history) + 1, epochs + 1):
        lr = args.lr * config["decay"] ** max(epoch - config["decay_after"], 0)
        for group in optimizer.param_groups:
            group["lr"] = lr
        train_loss, speed = lm_train_epoch(model, optimizer, train_data, args.bptt, args.clip,
                                           log_every=200, sum_over_time=True,
                                           progress=not args.no_progress)
        valid_loss = lm_evaluate(model, valid_data, args.bptt)
        history.append({"epoch": epoch, "lr": lr, "train_loss": train_loss,
                        "train_perplexity": math.exp(train_loss), "val_loss": valid_loss,
                        "val_perplexity": math.exp(valid_loss), "tokens_per_s": speed,
                        "seconds": seconds_before + round(time.perf_counter() - start)})
        print(f"epoch {epoch}: lr {lr:.4f} train ppl {math.exp(train_loss):.1f} valid ppl "
              f"{math.exp(valid_loss):.1f} ({speed:.0f} tokens/s)", flush=True)
        (out / "history.json").write_text(json.dumps(history, indent=1))
        save_training_state(checkpoint, model, optimizer, seconds=history[-1]["seconds"],
                            history=history)
    test_loss = lm_evaluate(model, test_data, args.bptt)
    yingshe.save(model.state_dict(), out / "model.safetensors")
    metrics = {"test_perplexity": math.exp(test_loss), "val_perplexity": history[-1][
        "val_perplexity"], "epochs": epochs, "train_seconds": history[-1]["seconds"]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    try:
        from yingshe.training.plots import plot_curves
        plot_curves({"train": [h["train_perplexity"] for h in history],
                     "validation": [h["val_perplexity"] for h in history]},
                    out / "curves.png", ylabel="perplexity", title=f"PTB {args.config}",
                    log_scale=True)
    except ImportError:
        pass
    print(f"test perplexity {metrics['test_perplexity']:.1f}; wrote {out}")


if __name__ == "__main__":
    main()
