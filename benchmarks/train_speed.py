"""Training speed of the project's engine against a plain PyTorch reference.

    .venv/bin/python benchmarks/train_speed.py [--threads N] [--device cpu|cuda] [--out results/benchmarks]

For each model it measures, in this one run on this machine, the seconds per epoch of
(a) the project's engine (`cz4042.engine.train` on the registry's model) and (b) a
reference written the obvious way below (nn.Conv2d / nn.Conv1d over one-hot input,
nn.GRU / nn.LSTM, NCHW fp32, index batching, `loss.item()` every step). An epoch is
extrapolated from timed mini-batch steps (median of repeats) plus one timed pass over
the test set. It also measures this machine's fp32 matmul GFLOP/s, and for the CIFAR
models the achieved model GFLOP/s (forward + backward FLOPs counted analytically).
Writes results/benchmarks/train_speed.csv and .md and prints the table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]

from cases import BATCH, Case, speed_cases
from cz4042 import engine, runtime
from cz4042.atomic import write_csv, write_text


# ----------------------------------------------------------------------------- reference
def reference_cifar(c1: int, c2: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, c1, 9), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(c1, c2, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(c2 * 16, 300), nn.ReLU(), nn.Linear(300, 10),
    )


class ReferenceTextCNN(nn.Module):
    def __init__(self, kind: str, vocab: int):
        super().__init__()
        self.kind = kind
        self.embed = nn.Embedding(vocab, 20) if kind == "word" else None
        self.conv1 = nn.Conv1d(256 if kind == "char" else 20, 10, 20)
        self.conv2 = nn.Conv1d(10, 10, 20)
        self.dense = nn.Linear(10, 15)

    def forward(self, ids):
        x = F.one_hot(ids, 256).float().transpose(1, 2) if self.kind == "char" else self.embed(ids).transpose(1, 2)
        x = F.max_pool1d(F.pad(F.relu(self.conv1(x)), (1, 2), value=float("-inf")), 4, 2)
        x = F.max_pool1d(F.pad(F.relu(self.conv2(x)), (1, 1), value=float("-inf")), 4, 2)
        return self.dense(x.amax(2))


class ReferenceRNN(nn.Module):
    def __init__(self, kind: str, vocab: int, cell: str):
        super().__init__()
        self.kind = kind
        self.embed = nn.Embedding(vocab, 20) if kind == "word" else None
        self.rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell](256 if kind == "char" else 20, 20, batch_first=True)
        self.dense = nn.Linear(20, 15)

    def forward(self, ids):
        x = F.one_hot(ids, 256).float() if self.kind == "char" else self.embed(ids)
        out, _ = self.rnn(x)
        return self.dense(out[:, -1])


def reference_for(case: Case) -> nn.Module:
    """The obvious PyTorch network computing the same function as the case's model."""
    family = case.model.split("_", 1)[-1]
    if case.model == "cifar_cnn":
        return reference_cifar(case.args["c1"], case.args["c2"])
    vocab = case.args.get("vocab_size", 256)
    if family == "cnn":
        return ReferenceTextCNN(case.input_kind, vocab)
    return ReferenceRNN(case.input_kind, vocab, case.args.get("cell", "gru"))


def plain_optimizer(params, spec: dict) -> torch.optim.Optimizer:
    """torch.optim's defaults, as the obvious code would write them."""
    if spec["name"] == "adam":
        return torch.optim.Adam(params, lr=spec["lr"])
    return torch.optim.SGD(params, lr=spec["lr"])


def reference_steps(model, x, y, optimizer, steps: int) -> float:
    """Seconds for `steps` mini-batches of the obvious loop."""
    runtime.configure_precision(x.device, "fp32")  # TF32 flags are process-wide; the engine may have set them
    model.train()
    perm = torch.randperm(len(x), device=x.device)
    start = time.perf_counter()
    for step in range(steps):
        index = perm[step * BATCH:(step + 1) * BATCH]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        loss.item()
    return time.perf_counter() - start


@torch.no_grad()
def reference_eval(model, x, y) -> float:
    runtime.configure_precision(x.device, "fp32")
    model.eval()
    start = time.perf_counter()
    for i in range(0, len(x), 1000):
        (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- engine
def engine_steps(model, x, y, spec, steps: int, device) -> float:
    subset = steps * BATCH
    start = time.perf_counter()
    engine.train(model, x[:subset], y[:subset], x[:1], y[:1], spec, device, log=lambda m: None)
    return time.perf_counter() - start


def engine_eval(model, x, y, precision: str = "fp32") -> float:
    start = time.perf_counter()
    engine.evaluate(model, x, y, 1000, precision)
    return time.perf_counter() - start


def matmul_gflops(device, size: int = 4096, repeats: int = 5) -> float:
    a, b = torch.rand(size, size, device=device), torch.rand(size, size, device=device)
    best = float("inf")
    for _ in range(repeats + 1):
        start = time.perf_counter()
        (a @ b).sum().item()
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9


def measure(case: Case, device, steps: int, repeats: int, precision: str = "fp32") -> dict:
    x, y = case.data(max(case.n_train, steps * BATCH))
    tx, ty = case.data(case.n_test)
    x, y, tx, ty = x.to(device), y.to(device), tx.to(device), ty.to(device)
    batches = case.batches
    optimizer_spec = case.protocol["optimizer"]

    engine_model = case.build()
    reference_model = reference_for(case).to(device)
    reference_optimizer = plain_optimizer(reference_model.parameters(), optimizer_spec)
    spec = case.epoch_spec(precision=precision)
    engine_steps(engine_model, x, y, spec, 1, device)  # warm-ups
    reference_steps(reference_model, x, y, reference_optimizer, 1)

    def engine_step():  # the difference cancels engine.train's fixed set-up and wrap-up
        one = engine_steps(engine_model, x, y, spec, 1, device)
        more = engine_steps(engine_model, x, y, spec, steps + 1, device)
        # On a loaded machine a short difference can come out <= 0: then only the whole
        # run's mean step (an upper bound, set-up included) is a number worth keeping.
        return (more - one) / steps if more > one else more / (steps + 1)

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    # Interleaved, so that both see the same machine load (this one is shared and noisy).
    engine_times, reference_times, engine_evals, reference_evals = [], [], [], []
    for _ in range(repeats):
        engine_times.append(engine_step())
        reference_times.append(reference_steps(reference_model, x, y, reference_optimizer, steps) / steps)
        engine_evals.append(engine_eval(engine_model, tx, ty, precision))
        reference_evals.append(reference_eval(reference_model, tx, ty))
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    engine_step_s = statistics.median(engine_times)
    engine_s = engine_step_s * batches + min(engine_evals)
    reference_s = statistics.median(reference_times) * batches + min(reference_evals)
    row = {"model": case.name, "engine s/epoch": engine_s, "reference s/epoch": reference_s,
           "speed-up": reference_s / engine_s, "achieved GFLOP/s": None, "peak GPU MiB": peak}
    if case.flops_per_image():
        row["achieved GFLOP/s"] = case.flops_per_image() * BATCH / engine_step_s / 1e9
    return row


def one_cifar_job(threads: int, images: int) -> None:
    """One baseline training epoch on random images: what --parallel-jobs runs twice."""
    runtime.configure_threads(threads)
    torch.manual_seed(0)
    case = speed_cases([])[0]
    x, y = case.data(images)
    spec = case.epoch_spec()
    engine.train(case.build(), x, y, x[:1000], y[:1000], spec, torch.device("cpu"), log=lambda m: None)


def parallel_jobs(cores: int, images: int = 128 * 30) -> pd.DataFrame:
    """Two training jobs as `snakemake --cores N` runs them: side by side with N/2
    threads each, against one after the other with N threads each. With each job held
    to its threads, side by side must take no longer."""
    import subprocess

    def job(threads):
        return subprocess.Popen([sys.executable, __file__, "--one-job", str(threads), str(images)])

    def wall(parallel: bool) -> float:
        start = time.perf_counter()
        if parallel:
            for process in [job(max(1, cores // 2)) for _ in range(2)]:
                process.wait()
        else:
            for _ in range(2):
                job(cores).wait()
        return time.perf_counter() - start

    side_by_side = statistics.median(wall(True) for _ in range(3))
    one_after_other = statistics.median(wall(False) for _ in range(3))
    return pd.DataFrame([{
        "jobs": 2, "cores": cores, "side by side s": side_by_side,
        "threads each side by side": max(1, cores // 2), "one after the other s": one_after_other,
        "threads each one after the other": cores, "ratio": side_by_side / one_after_other,
    }])


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks"))
    parser.add_argument("--steps", type=int, default=8, help="timed mini-batches per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="model names, as in the table")
    parser.add_argument("--precision", default="fp32", choices=runtime.PRECISIONS,
                        help="the engine's arithmetic (the reference always runs plain fp32)")
    parser.add_argument("--grid-cells", nargs="*", default=["256x512"],
                        help="CIFAR grid cells C1xC2 measured besides the baseline")
    parser.add_argument("--name", default="train_speed", help="file name of the table, without extension")
    parser.add_argument("--matmul-size", type=int, default=4096, help="side of the square matmul timed for the peak")
    parser.add_argument("--one-job", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--parallel-jobs", action="store_true",
                        help="instead: two CIFAR training jobs side by side vs one after the other")
    args = parser.parse_args(argv)
    if args.one_job:
        return one_cifar_job(*args.one_job)
    out = Path(args.out)
    if args.parallel_jobs:
        table = parallel_jobs(args.threads)
        write_csv(out / "parallel_jobs.csv", table)
        write_text(out / "parallel_jobs.md", table.to_markdown(index=False, floatfmt=".3g") + "\n")
        print(table.to_markdown(index=False, floatfmt=".3g"))
        return table

    runtime.configure_threads(args.threads)
    device = runtime.resolve_device(args.device)
    if device.type == "cuda":
        runtime.configure_cuda(deterministic=False)
    torch.manual_seed(0)
    peak = matmul_gflops(device, args.matmul_size)
    rows = []
    for case in speed_cases(args.grid_cells):
        if args.only and case.name not in args.only:
            continue
        # a cell of a GFLOP per image or more takes seconds per step on a CPU: 2 steps
        heavy = (case.flops_per_image() or 0) >= 1e9 and device.type == "cpu"
        row = measure(case, device=device, steps=2 if heavy else args.steps, repeats=args.repeats,
                      precision=args.precision)
        row.update({"device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                    "threads": args.threads, "precision": args.precision, "matmul GFLOP/s": peak})
        if row["achieved GFLOP/s"]:
            row["share of matmul peak"] = row["achieved GFLOP/s"] / peak
        rows.append(row)
        print(f"{row['model']}: engine {row['engine s/epoch']:.2f} s/epoch, reference {row['reference s/epoch']:.2f}"
              f" ({row['speed-up']:.2f}x)", flush=True)
    table = pd.DataFrame(rows)
    write_csv(out / f"{args.name}.csv", table)
    write_text(out / f"{args.name}.md", table.to_markdown(index=False, floatfmt=".3g") + "\n")
    print(table.to_markdown(index=False, floatfmt=".3g"))
    return table


if __name__ == "__main__":
    main()
