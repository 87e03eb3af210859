"""CPU cost of a Part B report-protocol seed: this code against an earlier version.

    python benchmarks/partB_protocol.py [--baseline REV] [--epochs 3] [--out results/benchmarks]

For every main Part B variant of config.yaml, at 1 thread (as the pipeline runs them),
it times whole training epochs (the engine, evaluation included) on the prepared course
data in resources/dbpedia/, once with this checkout's package and once with the package
of git revision REV (default: the last commit before the CPU speed-up), in separate
processes, alternating between the two so both see the same machine load. It takes
the fastest epoch of each, projects it to the protocol's 500 epochs and sums the
job-seconds of one seed. Writes partB_protocol.csv and .md.

With --profile it instead profiles one epoch of each variant with this checkout's code
(torch.profiler, 1 thread) and writes partB_profile.csv and .md: the epoch's shares in
evaluation, backward and the optimizer step, and its top operators by self time.

Needs `snakemake data` (with the course files) first, and git.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "5e3aca7"  # the last commit before the Part B CPU speed-up (2026-11-27)


def prepare(variant: str, epochs: int, data: Path):
    """(seeded network, (train_x, train_y, test_x, test_y), RunSpec) of `variant` as the
    pipeline trains it, on the prepared ids in `data`, for `epochs` epochs."""
    import pyarrow.parquet as pq
    import torch
    import yaml

    from cz4042 import config as cfg
    from cz4042 import engine, models, tokenize

    run = cfg.text_run(yaml.safe_load((ROOT / "config.yaml").read_text()), variant)
    kind = models.model_entry(run["model"]).input_kind
    # char ids of the text field (char_ids_text_*; char_ids_* where data predate fields)
    field = "_text" if kind == "char" and (data / "char_ids_text_train.parquet").exists() else ""
    train_x, train_y = tokenize.read_ids(data / f"{kind}_ids{field}_train.parquet")
    test_x, test_y = tokenize.read_ids(data / f"{kind}_ids{field}_test.parquet")
    args = dict(run["model_args"])
    if kind == "word":
        args["vocab_size"] = pq.read_metadata(data / "vocab.parquet").num_rows + 1
    torch.manual_seed(1)
    network = models.build_model(run["model"], **args)
    protocol = {**run["protocol"], "epochs": epochs}
    try:
        from cz4042.spec import RunSpec
        spec = RunSpec(model=run["model"], model_args=args, protocol=protocol, seed=1)
    except ImportError:  # --baseline: a revision before the one spec type
        spec = engine.TrainSpec(epochs=epochs, batch_size=protocol["batch_size"], optimizer=protocol["optimizer"],
                                seed=1, drop_last=protocol["drop_last"], grad_clip=protocol["grad_clip"],
                                eval_batch_size=protocol["eval_batch_size"])
    tensors = tuple(torch.from_numpy(a) for a in (train_x, train_y, test_x, test_y))
    return network, tensors, spec


def worker(variant: str, epochs: int, data: Path) -> None:
    """Run in a child process whose PYTHONPATH picks the package version: train
    `variant` for `epochs` epochs and print the seconds of each as JSON."""
    import torch

    from cz4042 import engine, models

    torch.set_num_threads(1)  # as the pipeline runs Part B jobs (both code versions)
    network, tensors, spec = prepare(variant, epochs, data)
    result = engine.train(network, *tensors, spec, torch.device("cpu"), log=lambda m: None)
    print(json.dumps({"seconds": result.history["seconds"].tolist(), "version": models.__file__}))


def extract_package(revision: str, folder: Path) -> Path:
    """The package as it was at `revision`, unpacked into `folder`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "workflow/scripts/cz4042"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "workflow" / "scripts"


def run_worker(mode: str, variant: str, epochs: int, data: Path, package_path: Path) -> dict:
    """The JSON a `--{mode}` child prints, run with the package found at `package_path`."""
    env = {**os.environ, "PYTHONPATH": str(package_path), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, f"--{mode}", variant, "--epochs", str(epochs), "--data", str(data)],
                         capture_output=True, text=True, env=env, check=True).stdout
    record = json.loads(out.strip().splitlines()[-1])
    assert Path(record["version"]).resolve().is_relative_to(package_path.resolve()), record["version"]
    return record


def profile_worker(variant: str, epochs: int, data: Path) -> None:
    """Run in a child process: one epoch of `variant` under torch.profiler after `epochs`
    unprofiled ones (the fastest of which is the epoch time), and the evaluation alone;
    print shares of the profiled epoch as JSON."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    from cz4042 import engine, models

    torch.set_num_threads(1)
    network, tensors, spec = prepare(variant, epochs, data)
    cpu = torch.device("cpu")
    epoch = min(engine.train(network, *tensors, spec, cpu, log=lambda m: None).history["seconds"])
    evaluation = min(_seconds(lambda: engine.evaluate(network, tensors[2], tensors[3], spec.protocol["eval_batch_size"]))
                     for _ in range(3))
    one = dataclasses.replace(spec, protocol={**spec.protocol, "epochs": 1})
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        profiled = _seconds(lambda: engine.train(network, *tensors, one, cpu, log=lambda m: None))
    events = profiler.key_averages()
    busy = sum(e.self_cpu_time_total for e in events) / 1e6

    def share(prefix: str) -> float:  # inclusive time of top-level events named prefix*
        return sum(e.cpu_time_total for e in events if e.key.startswith(prefix)) / 1e6 / profiled

    top = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:5]
    aten = [e for e in events if e.key.startswith("aten::")]
    calls = sum(e.count for e in aten)
    print(json.dumps({
        "epoch s": epoch, "evaluation": evaluation / epoch,
        "backward": share("autograd::engine::evaluate_function"), "optimizer": share("Optimizer.step"),
        "outside ops": max(0.0, 1 - busy / profiled), "profiled epoch s": profiled,
        "aten calls": calls, "µs per aten call": sum(e.self_cpu_time_total for e in aten) / calls,
        "top ops (self)": ", ".join(f"{e.key} {e.self_cpu_time_total / 1e6 / busy:.0%}" for e in top),
        "version": models.__file__}))


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def compare(variants: list[str], args) -> "pd.DataFrame":
    """Seconds per epoch of each variant with REV's package and with this checkout's."""
    import pandas as pd

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        before, now = extract_package(args.baseline, Path(scratch)), ROOT / "workflow" / "scripts"
        for variant in variants:
            old, new = (min(run_worker("worker", variant, args.epochs, args.data, package)["seconds"])
                        for package in (before, now))
            rows.append({"variant": variant, "before s/epoch": old, "now s/epoch": new, "speed-up": old / new,
                         "before s/500 epochs": old * args.protocol_epochs, "now s/500 epochs": new * args.protocol_epochs})
            print(f"{variant:32s} {old:.3f} -> {new:.3f} s/epoch ({old / new:.2f}x)", flush=True)
    table = pd.DataFrame(rows)
    total = {"variant": "one seed (job-seconds)", "before s/500 epochs": table["before s/500 epochs"].sum(),
             "now s/500 epochs": table["now s/500 epochs"].sum()}
    total["speed-up"] = total["before s/500 epochs"] / total["now s/500 epochs"]
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table["baseline"] = args.baseline
    table["threads"] = 1
    return table


def profile_table(variants: list[str], args) -> "pd.DataFrame":
    """Where each variant's epoch goes, with this checkout's package."""
    import pandas as pd

    rows = []
    for variant in variants:
        record = run_worker("profile-worker", variant, args.epochs, args.data, ROOT / "workflow" / "scripts")
        record.pop("version")
        rows.append({"variant": variant, **record})
        print(f"{variant:32s} {record['epoch s']:.3f} s/epoch  {record['top ops (self)']}", flush=True)
    table = pd.DataFrame(rows)
    table["threads"] = 1
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the code to compare against")
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed per variant and version")
    parser.add_argument("--protocol-epochs", type=int, default=500)
    parser.add_argument("--only", nargs="*", help="variants (default: every main Part B variant)")
    parser.add_argument("--profile", action="store_true", help="write partB_profile.* (where an epoch goes) instead")
    parser.add_argument("--data", type=Path, default=ROOT / "resources" / "dbpedia", help="prepared ids")
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.epochs, args.data)
    if args.profile_worker:
        return profile_worker(args.profile_worker, args.epochs, args.data)

    import yaml

    from cz4042.atomic import write_csv, write_text

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    variants = args.only or list(config["partB"]["variants"])  # the main variants; ablations are derived
    started = time.time()
    if not args.profile:
        table, name = compare(variants, args), "partB_protocol"
        note = (f"Part B, 1 thread per job, fastest of {args.epochs} epochs per variant and version, x"
                f"{args.protocol_epochs} epochs; before = git {args.baseline}, now = this checkout")
        shown = table.drop(columns=["baseline", "threads"])
    else:
        table, name = profile_table(variants, args), "partB_profile"
        note = (f"Part B, 1 thread, this checkout: fastest of {args.epochs} epochs, then one epoch under "
                "torch.profiler; shares of that epoch (evaluation: the test-set pass timed alone; backward and "
                "optimizer: inclusive; outside ops: Python and the profiler itself); top ops by self time")
        shown = table.drop(columns=["threads", "profiled epoch s"])
    out = Path(args.out)
    write_csv(out / f"{name}.csv", table)
    note += f"; measured {time.strftime('%Y-%m-%d')} in {time.time() - started:.0f} s."
    write_text(out / f"{name}.md", note + "\n\n" + shown.to_markdown(index=False, floatfmt=".3g") + "\n")
    print(note)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
