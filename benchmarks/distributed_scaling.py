"""Data-parallel scaling on this machine: step time of a model with N processes x T threads,
and the all-reduce bandwidth between processes (docs/results/distributed.md).

    mpiexec -n 2 python -m benchmarks.distributed_scaling allreduce
    OMP_NUM_THREADS=1 mpiexec -n 2 python -m benchmarks.distributed_scaling steps lenet5
    OMP_NUM_THREADS=2 python -m benchmarks.distributed_scaling steps lenet5

``steps``: ``--steps`` training steps (after ``--warmup``) of the model on a global batch of
``--batch-size`` random MNIST-shaped images, each rank on batch / N through
DistributedDataParallel; reports the median step time, the median step time under
``no_sync()`` (the same compute without communication), and the epoch time they imply for
MNIST's 55,000 training images.  ``allreduce``: the median time of ``all_reduce`` of float32
buffers from 4 KiB to 64 MiB and the bus bandwidth 2 (N - 1) / N * bytes / time (the bytes each
rank sends and receives in a ring all-reduce; Patarasuk & Yuan 2009).  One JSON line is
printed by rank 0.  ``estimate``: the paper estimate for more machines from a measured step
time and the gradient size (``ring_allreduce_seconds``), optionally plotted."""
import argparse
import contextlib
import json
import statistics
import time

import numpy as np

import yingshe
from yingshe import distributed as dist
from yingshe.models import create_model
from yingshe.nn import functional as F
from yingshe.nn.parallel import DistributedDataParallel

MNIST_TRAIN = 55000
MODELS = {"lenet5": {}, "resnet18": {"width_mult": 0.25}}  # ResNet-18-small: quarter width


def _world():
    if dist.launched_by_mpi() > 1:
        dist.init_process_group("mpi")
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def steps(model_name, batch_size, count, warmup):
    rank, world = _world()
    yingshe.manual_seed(0)
    model = create_model(model_name, in_channels=1, image_size=28, num_classes=10, dropout=0.0,
                         batch_norm=False, **MODELS[model_name])
    forward = DistributedDataParallel(model) if world > 1 else model
    optimizer = yingshe.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    local = batch_size // world
    x = yingshe.from_numpy(rng.standard_normal((local, 1, 28, 28)).astype(np.float32))
    y = yingshe.from_numpy(rng.integers(0, 10, local))

    def step(sync):
        optimizer.zero_grad()
        context = contextlib.nullcontext() if sync or world == 1 else forward.no_sync()
        with context:
            F.cross_entropy(forward(x), y).backward()
        optimizer.step()

    timings = {}
    for sync in (True, False):
        for _ in range(warmup):
            step(sync)
        times = []
        for _ in range(count):
            if world > 1:
                dist.barrier()
            start = time.perf_counter()
            step(sync)
            times.append(time.perf_counter() - start)
        timings[sync] = statistics.median(times)
    steps_per_epoch = -(-MNIST_TRAIN // batch_size)
    return rank, {"model": model_name, "processes": world, "batch_size": batch_size,
                  "parameters": sum(p.numel() for p in model.parameters()),
                  "step_s": timings[True], "compute_only_step_s": timings[False],
                  "epoch_s_estimate": timings[True] * steps_per_epoch, "steps": count}


def allreduce(repeats):
    rank, world = _world()
    rows = []
    for exponent in range(10, 25, 2):  # 1 Ki .. 16 Mi float32 values: 4 KiB .. 64 MiB
        buffer = yingshe.ones(2 ** exponent)
        times = []
        for _ in range(repeats):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(buffer)
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        nbytes = buffer.numel() * 4
        rows.append({"bytes": nbytes, "seconds": seconds,
                     "bus_gb_per_s": 2 * (world - 1) / world * nbytes / seconds / 1e9})
    return rank, {"processes": world, "allreduce": rows}


def ring_allreduce_seconds(nbytes, nodes, latency, bandwidth):
    """Time of a ring all-reduce of ``nbytes`` over ``nodes`` (Patarasuk & Yuan 2009; Thakur,
    Rabenseifner & Gropp 2005): 2 (p - 1) steps, each paying the latency and moving nbytes / p,
    i.e. 2 (p - 1) alpha + 2 (p - 1) / p * nbytes / bandwidth."""
    if nodes == 1:
        return 0.0
    return 2 * (nodes - 1) * latency + 2 * (nodes - 1) / nodes * nbytes / bandwidth


def estimate(step_seconds, parameters, nodes, latency, bandwidth):
    """Predicted step time and speedup on ``nodes`` machines for a model whose step on one
    machine takes ``step_seconds`` at the global batch: strong scaling (the global batch split,
    compute / p) and weak scaling (each node keeps the whole batch), plus the all-reduce of the
    float32 gradients; communication is not overlapped (yingshe's DDP does not hide it)."""
    reduce = ring_allreduce_seconds(4 * parameters, nodes, latency, bandwidth)
    strong = step_seconds / nodes + reduce
    weak = step_seconds + reduce
    return {"nodes": nodes, "allreduce_s": reduce, "strong_step_s": strong,
            "strong_speedup": step_seconds / strong, "weak_efficiency": step_seconds / weak}


def plot_estimates(rows_by_model, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for model, rows in rows_by_model.items():
        nodes = [row["nodes"] for row in rows]
        left.plot(nodes, [row["strong_speedup"] for row in rows], marker="o", label=model)
        right.plot(nodes, [row["weak_efficiency"] for row in rows], marker="o", label=model)
    left.plot(nodes, nodes, "k:", label="linear")
    left.set(xscale="log", yscale="log", xlabel="nodes", ylabel="speedup",
             title="strong scaling (global batch fixed)")
    right.set(xscale="log", xlabel="nodes", ylabel="efficiency", ylim=(0, 1.05),
              title="weak scaling (batch per node fixed)")
    for axes in (left, right):
        axes.legend()
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    timed = commands.add_parser("steps")
    timed.add_argument("model", choices=tuple(MODELS))
    timed.add_argument("--batch-size", type=int, default=64)
    timed.add_argument("--steps", type=int, default=20)
    timed.add_argument("--warmup", type=int, default=3)
    reduce = commands.add_parser("allreduce")
    reduce.add_argument("--repeats", type=int, default=20)
    paper = commands.add_parser("estimate", help="ring all-reduce cost vs step compute")
    paper.add_argument("--model", nargs=3, action="append", required=True,
                       metavar=("NAME", "STEP_SECONDS", "PARAMETERS"))
    paper.add_argument("--latency", type=float, default=50e-6, help="seconds per message")
    paper.add_argument("--bandwidth", type=float, default=1.25e9, help="bytes per second")
    paper.add_argument("--plot", default=None, help="write the curves to this PNG")
    args = parser.parse_args()
    if args.command == "estimate":
        rows = {name: [estimate(float(step), int(parameters), p, args.latency, args.bandwidth)
                       for p in (1, 2, 4, 8, 16, 32, 64)]
                for name, step, parameters in args.model}
        if args.plot:
            plot_estimates(rows, args.plot)
        print(json.dumps(rows))
        return
    if args.command == "steps":
        rank, result = steps(args.model, args.batch_size, args.steps, args.warmup)
    else:
        rank, result = allreduce(args.repeats)
    if rank == 0:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
