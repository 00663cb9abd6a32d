"""Word-level LSTM language model on Penn Treebank, Zaremba et al. 2014 "small": 2 x 200 LSTM,
35 steps, batch 20, SGD lr 1 (halved every epoch after epoch 4), gradient norm clipped at 5,
13 epochs, no dropout; the paper reports test perplexity 114.5.  As in the paper's code, the
loss minimised is the cross-entropy summed over the 35 steps and averaged over the batch.

    python examples/ptb_language_model.py --out runs/ptb-small            # ~115 test ppl
    python examples/ptb_language_model.py --config medium --out runs/ptb-medium

Writes a run folder (``yingshe.training.RunFolder``) in ``--out``: config.json, history.json,
curves.png, last.safetensors (every epoch; ``--resume`` continues from it), model.safetensors
and metrics.json."""
import argparse
import math
import time

import yingshe
from yingshe import optim
from yingshe.cli.runs import parse_script_args, resumed_progress
from yingshe.datasets.text import PennTreebank, batchify
from yingshe.models.language import RNNLanguageModel
from yingshe.training import RunFolder, save_training_state
from yingshe.training.language import lm_evaluate, lm_train_epoch

RUN_OPTIONS = ("config", "epochs", "batch_size", "bptt", "lr", "clip", "seed", "max_tokens",
               "data")
CONFIGS = {  # Zaremba et al. 2014, Table 1
    "small": {"hidden": 200, "layers": 2, "dropout": 0.0, "epochs": 13, "decay_after": 4,
              "decay": 0.5, "init": 0.1},
    "medium": {"hidden": 650, "layers": 2, "dropout": 0.5, "epochs": 39, "decay_after": 6,
               "decay": 0.8, "init": 0.05},
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
    args, run = parse_script_args(parser)
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
    run.write_config({k: getattr(args, k) for k in RUN_OPTIONS})
    parts = {"model": model}, {"model": optimizer}
    progress = resumed_progress(args, run, parts)
    history, seconds_before = progress.get("history", []), progress.get("seconds", 0)
    start = time.perf_counter()
    for epoch in range(len(history) + 1, epochs + 1):
        lr = args.lr * config["decay"] ** max(epoch - config["decay_after"], 0)
        for group in optimizer.param_groups:
            group["lr"] = lr
        train_loss, speed = lm_train_epoch(model, optimizer, train_data, args.bptt, args.clip,
                                           log_every=200, sum_over_time=True, epoch=epoch,
                                           progress=not args.no_progress)
        valid_loss = lm_evaluate(model, valid_data, args.bptt)
        history.append({"epoch": epoch, "lr": lr, "train_loss": train_loss,
                        "train_perplexity": math.exp(train_loss), "val_loss": valid_loss,
                        "val_perplexity": math.exp(valid_loss), "tokens_per_s": speed,
                        "seconds": seconds_before + round(time.perf_counter() - start)})
        print(f"epoch {epoch}: lr {lr:.4f} train ppl {math.exp(train_loss):.1f} valid ppl "
              f"{math.exp(valid_loss):.1f} ({speed:.0f} tokens/s)", flush=True)
        run.write_json(RunFolder.HISTORY, history)
        save_training_state(run / RunFolder.LAST, *parts, seconds=history[-1]["seconds"],
                            history=history)
    test_loss = lm_evaluate(model, test_data, args.bptt)
    run.save_weights({"model": model})
    metrics = {"test_perplexity": math.exp(test_loss), "val_perplexity": history[-1][
        "val_perplexity"], "epochs": epochs, "train_seconds": history[-1]["seconds"]}
    run.write_json(RunFolder.METRICS, metrics)
    try:
        from yingshe.training.plots import plot_curves
        plot_curves({"train": [h["train_perplexity"] for h in history],
                     "validation": [h["val_perplexity"] for h in history]},
                    run / "curves.png", ylabel="perplexity", title=f"PTB {args.config}",
                    log_scale=True)
    except ImportError:
        pass
    print(f"test perplexity {metrics['test_perplexity']:.1f}; wrote {run.path}")


if __name__ == "__main__":
    main()
