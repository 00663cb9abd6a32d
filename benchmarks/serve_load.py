"""A bounded load test of `yingshe serve`: N concurrent clients on loopback post MNIST test
digits (PNG uploads) for a few seconds each; requests/s, p50/p99 latency and errors at 1, 8
and 32 clients, for the model run in yingshe and for its ONNX export run in onnxruntime, in the
same harness (the same app, server and clients; only ``--runtime`` differs).

    python -m benchmarks.serve_load RUN [--seconds 5] [--rounds 3] [--clients 1,8,32]

The whole run stays under a minute with the defaults (2 runtimes x 3 levels x 5 s, plus
start-up).  Each server is one uvicorn process (one worker, one thread for the math) on
127.0.0.1; the clients are one asyncio process (httpx).  Prints a Markdown table and saves it
to benchmarks/results/serve_load.json."""
import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pngs(count):
    """The first ``count`` MNIST test digits as PNG files (black ink on white, as drawn)."""
    from yingshe.datasets import default_root
    from yingshe.vision.datasets import MNIST
    test = MNIST(str(default_root()), train=False)
    files = []
    for i in range(count):
        buffer = io.BytesIO()
        Image.fromarray(255 - np.asarray(test[i][0], np.uint8)).save(buffer, "PNG")
        files.append(buffer.getvalue())
    return files


async def _client(http, url, files, stop, latencies, errors, offset):
    import httpx
    i = offset
    while time.perf_counter() < stop:
        start = time.perf_counter()
        try:
            answer = await http.post(url, files={"files": ("digit.png", files[i % len(files)],
                                                           "image/png")})
            ok = answer.status_code == 200
        except httpx.HTTPError:  # a refused or dropped connection counts as an error
            ok = False
        if ok:
            latencies.append(time.perf_counter() - start)
        else:
            errors.append(1)
        i += 1


async def _level(url, files, clients, seconds):
    """(latencies, errors, elapsed seconds) of ``clients`` clients posting for ``seconds``."""
    import httpx
    latencies, errors = [], []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as http:
        await http.post(url, files={"files": ("digit.png", files[0], "image/png")})  # warm up
        start = time.perf_counter()
        await asyncio.gather(*[_client(http, url, files, start + seconds, latencies, errors, k)
                               for k in range(clients)])
        return latencies, errors, time.perf_counter() - start


def _summary(runtime, clients, latencies, errors, elapsed):
    ms = np.asarray(latencies) * 1000
    return {"runtime": runtime, "clients": clients, "requests_per_s": len(ms) / elapsed,
            "p50_ms": float(np.percentile(ms, 50)) if ms.size else float("nan"),
            "p99_ms": float(np.percentile(ms, 99)) if ms.size else float("nan"),
            "requests": int(ms.size), "errors": len(errors)}


def _serve(run, runtime, port):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "yingshe", "serve", str(run), "--port",
                               str(port), "--runtime", runtime], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.stderr.read().decode()}")
    server.terminate()
    raise RuntimeError("the server did not start within 30 s")


def _model_only(run, runtimes):
    """Median milliseconds of the model alone on one prepared image, per runtime (what the
    server spends in the network; the rest is HTTP, the upload and the image preparation)."""
    from yingshe.serve import Classifier
    x = np.random.default_rng(0).random((1, 1, 28, 28), np.float32)
    medians = {}
    for runtime in runtimes:
        classifier = Classifier(run, runtime)
        times = []
        for _ in range(220):
            start = time.perf_counter()
            classifier.probabilities(x)
            times.append(time.perf_counter() - start)
        medians[runtime] = float(np.median(times[20:]) * 1000)
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a classifier run folder (e.g. from `yingshe train lenet5`)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="seconds of load per level and runtime")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--rounds", type=int, default=3, help="alternations per level")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    files = _pngs(100)
    runtimes = ("yingshe", "onnxruntime")
    ports = {runtime: _free_port() for runtime in runtimes}
    servers = {}
    rows = []
    try:
        for runtime in runtimes:
            servers[runtime] = _serve(args.run, runtime, ports[runtime])
        for clients in levels:
            totals = {runtime: ([], [], 0.0) for runtime in runtimes}
            for _ in range(args.rounds):  # short rounds, the runtimes alternating, so that both
                for runtime in runtimes:  # see the same load of the (shared) machine
                    latencies, errors, elapsed = asyncio.run(_level(
                        f"http://127.0.0.1:{ports[runtime]}/predict", files, clients,
                        args.seconds / args.rounds))
                    seen = totals[runtime]
                    totals[runtime] = (seen[0] + latencies, seen[1] + errors, seen[2] + elapsed)
            rows += [_summary(runtime, clients, *totals[runtime]) for runtime in runtimes]
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=10)
    model_ms = _model_only(args.run, runtimes)
    print("| runtime | clients | requests/s | p50 ms | p99 ms | requests | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['runtime']} | {r['clients']} | {r['requests_per_s']:.0f} | "
              f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['requests']} | {r['errors']} |")
    for runtime, ms in model_ms.items():
        print(f"model alone, one image: {runtime} {ms:.3f} ms (median of 200 calls)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serve_load.json").write_text(json.dumps({"levels": rows, "model_ms": model_ms},
                                                        indent=1))
    return rows


if __name__ == "__main__":
    main()
