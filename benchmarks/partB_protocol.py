"""CPU cost of a Part B report-protocol seed: this code against an earlier version.

    python benchmarks/partB_protocol.py [--baseline REV] [--epochs 3] [--out results/benchmarks]

For every main Part B variant of config.yaml, at 1 thread (as the pipeline runs them),
it times whole training epochs (the engine, evaluation included) on the prepared course
data in resources/dbpedia/, once with this checkout's package and once with the package
of git revision REV (default: the last commit before the CPU speed-up), in separate
processes, alternating between the two so both see the same machine load. It takes
the fastest epoch of each, projects it to the protocol's 500 epochs and sums the
job-seconds of one seed. Writes partB_protocol.csv and .md.

Needs `snakemake data` (with the course files) first, and git.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "5e3aca7"  # the last commit before the Part B CPU speed-up (2026-11-27)


def worker(variant: str, epochs: int) -> None:
    """Run in a child process whose PYTHONPATH picks the package version: train
    `variant` for `epochs` epochs and print the seconds of each as JSON."""
    import pyarrow.parquet as pq
    import torch
    import yaml

    from cz4042 import config as cfg
    from cz4042 import engine, models, tokenize

    torch.set_num_threads(1)  # as the pipeline runs Part B jobs (both code versions)
    run = cfg.text_run(yaml.safe_load((ROOT / "config.yaml").read_text()), variant)
    kind = models.model_entry(run["model"]).input_kind
    data = ROOT / "resources" / "dbpedia"
    # char ids of the text field (char_ids_text_*; char_ids_* where data predate fields)
    field = "_text" if kind == "char" and (data / "char_ids_text_train.parquet").exists() else ""
    train_x, train_y = tokenize.read_ids(data / f"{kind}_ids{field}_train.parquet")
    test_x, test_y = tokenize.read_ids(data / f"{kind}_ids{field}_test.parquet")
    args = dict(run["model_args"])
    if kind == "word":
        args["vocab_size"] = pq.read_metadata(data / "vocab.parquet").num_rows + 1
    torch.manual_seed(1)
    network = models.build_model(run["model"], **args)
    protocol = run["protocol"]
    spec = engine.TrainSpec(epochs=epochs, batch_size=protocol["batch_size"], optimizer=protocol["optimizer"], seed=1,
                            drop_last=protocol["drop_last"], grad_clip=protocol["grad_clip"],
                            eval_batch_size=protocol["eval_batch_size"])
    result = engine.train(network, torch.from_numpy(train_x), torch.from_numpy(train_y), torch.from_numpy(test_x),
                          torch.from_numpy(test_y), spec, torch.device("cpu"), log=lambda m: None)
    print(json.dumps({"seconds": result.history["seconds"].tolist(), "version": models.__file__}))


def extract_package(revision: str, folder: Path) -> Path:
    """The package as it was at `revision`, unpacked into `folder`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "workflow/scripts/cz4042"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "workflow" / "scripts"


def time_variant(variant: str, epochs: int, package_path: Path) -> float:
    """Fastest epoch of `variant` with the package found at `package_path`."""
    env = {**os.environ, "PYTHONPATH": str(package_path), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--worker", variant, "--epochs", str(epochs)],
                         capture_output=True, text=True, env=env, check=True).stdout
    record = json.loads(out.strip().splitlines()[-1])
    assert Path(record["version"]).resolve().is_relative_to(package_path.resolve()), record["version"]
    return min(record["seconds"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the code to compare against")
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed per variant and version")
    parser.add_argument("--protocol-epochs", type=int, default=500)
    parser.add_argument("--only", nargs="*", help="variants (default: every main Part B variant)")
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.epochs)

    import pandas as pd
    import yaml

    from cz4042.atomic import write_csv, write_text

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    ablations = set(config["ablations"]["variants"])
    variants = args.only or [v for v in config["partB"]["variants"] if v not in ablations]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        before = extract_package(args.baseline, Path(scratch))
        now = ROOT / "workflow" / "scripts"
        started = time.time()
        for variant in variants:
            old, new = time_variant(variant, args.epochs, before), time_variant(variant, args.epochs, now)
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
    out = Path(args.out)
    write_csv(out / "partB_protocol.csv", table)
    note = (f"Part B, 1 thread per job, fastest of {args.epochs} epochs per variant and version, x"
            f"{args.protocol_epochs} epochs; before = git {args.baseline}, now = this checkout; "
            f"measured {time.strftime('%Y-%m-%d')} in {time.time() - started:.0f} s.")
    write_text(out / "partB_protocol.md", note + "\n\n" + table.drop(columns=["baseline", "threads"]).to_markdown(
        index=False, floatfmt=".3g") + "\n")
    print(note)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
