"""The GPU plan: what one lent GPU session trains for Part A, in order of value, each
step under a time limit, and the finished runs' records brought back for publish.sh.

    python benchmarks/gpu_plan.py --out OUT [--budget 540] [--configfile OVERLAY ...] [--tiny]

Steps, in order (each waits for the one before; runs inside a step train side by side,
one process each, sharing the GPU), with the minutes expected on one H200 at fp32:

- grid: the 9 grid cells, seed 1, then the best cell (partA/best_cell.json): ~6 (5-9).
- on_best: momentum, rmsprop, adam, dropout on that cell: ~2 on a cell up to (128,256),
  ~6 on (256,256), ~10 on (256,512) (the report's best cell).
- seed2, seed3: the grid and the on-best variants, one seed each: ~7 to ~15 each.
- hypotheses: Part A's derived variants (baseline_starter_layout, and baseline_full_batch
  and baseline_fan_in, whose plans stopped them at their seed 1), seed 1: ~3.

Where the minutes come from (docs/performance.md, "Speed per epoch on one NVIDIA H200"
and "Run times on one NVIDIA H200", 2026-11-27): every cell alone takes 0.12-0.31 s an
epoch, 11-12 min for the nine one after another; side by side the small cells are
launch-bound and overlap, while the large ones are compute-bound ((256,512) at 96% of
the fp32 peak) and add up: the nine cells' arithmetic is 2.3x the largest cell's 0.29
s/epoch, 0.66 s/epoch, 5.5 min for 500 epochs, plus sharing. Four on-best runs on
(256,512) are 4 x 0.29 s/epoch: ~10 min.

What one 15-minute lease gets (start-up 1-2 min, a call at most 10 min): the grid in
the first call (`--budget 540`), and the on-best variants started with what is left;
a second call at once on the still-warm machine (same command, the budget that is
left) continues them: finished runs are skipped, cut ones resume from their saved
state. On a small best cell they finish; on (256,512) they need a later lease, which
starts bare: `--have DIR` (records of the grid) skips what is recorded and trains the
rest from the start. The later steps need further leases.

A run that is cut (its step's time limit, `timeout`) saves its resume state under
--work and leaves no record; only runs with both metrics.json and history.parquet go
into OUT/runs.tar.gz (runs/<family>/<variant>/seed<N>/, the layout publish.sh takes as
RUN_ROOT, with partA/best_cell.json and the run logs; no weights, no resume states),
rewritten after every step. OUT/timings.csv has one row per run; OUT/plan.log the log.
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "workflow" / "scripts"
sys.path.insert(0, str(PACKAGE_DIR))  # this checkout's cz4042, installed or not (the GPU machine's is not)

import yaml  # noqa: E402

from cz4042 import config as cfg  # noqa: E402
from cz4042 import records, selection  # noqa: E402
from cz4042.atomic import atomic_path, write_json  # noqa: E402
from cz4042.errors import PipelineError  # noqa: E402
from cz4042.rule import logger  # noqa: E402

STEPS = ["grid", "on_best", "seeds", "hypotheses"]
# A run is started only with at least this many seconds left in its step.
MIN_START_S = 10
# After its limit, a run has this long to save its resume state before SIGKILL.
GRACE_S = 20
# For CPU checks in seconds: a few images, 2 epochs, three small cells.
TINY = {
    "checkpoint_every": 1,
    "partA": {
        "protocol": {"epochs": 2, "batch_size": 32, "train_subset": 128},
        "resources": {"threads": 1},
        "grid": {"cells": [{"c1": 4, "c2": 4}, {"c1": 6, "c2": 8}, {"c1": 8, "c2": 8}]},
    },
}


@dataclass(frozen=True)
class Run:
    family: str  # partA (baseline, grid, derived) or partA_best (on the best cell)
    variant: str
    seed: int

    def folder(self, root: Path) -> Path:
        return root / "runs" / self.family / self.variant / f"seed{self.seed}"

    def finished(self, root: Path) -> bool:
        folder = self.folder(root)
        return (folder / "metrics.json").is_file() and (folder / "history.parquet").is_file()


# ----------------------------------------------------------------------------- config
def merge(base: dict, overlay: dict) -> dict:
    """Snakemake's --configfile semantics: mappings merge key by key, the rest replaces."""
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_config(overlays: list[str], tiny: bool) -> dict:
    """config.yaml, the tiny overlay if asked, then each overlay, checked as the
    Snakefile checks its config."""
    config = {}
    for path in [str(ROOT / "config.yaml"), *(["tiny"] if tiny else []), *overlays]:
        if path == "tiny":
            config = merge(config, TINY)
            continue
        if not Path(path).is_file():
            raise PipelineError(f"--configfile {path}: no such file")
        cfg.check_unique_keys(path)
        config = merge(config, yaml.safe_load(Path(path).read_text()) or {})
    cfg.validate(config, yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text()))
    return config


# ----------------------------------------------------------------------------- the plan
def plan(config: dict, steps: list[str]) -> list[tuple[str, list[Run]]]:
    """(step name, runs) in order of value: the seed-1 grid, the on-best variants on its
    best cell, the further seeds of both, then the hypotheses' Part A variants."""
    names = cfg.cifar_variant_names(config)
    first, *more = config["seeds"]

    def grid_and_best(seed):
        return [Run("partA", v, seed) for v in names["grid"]], [Run("partA_best", v, seed) for v in names["on_best"]]

    grid, on_best = grid_and_best(first)
    chosen = {"grid": [("grid", grid)], "on_best": [("on_best", on_best)],
              "seeds": [(f"seed{seed}", sum(grid_and_best(seed), [])) for seed in more],
              "hypotheses": [("hypotheses", [Run("partA", v, first) for v in names["derived"]])]}
    return [entry for step in steps for entry in chosen[step]]


def run_spec(config: dict, run: Run, work: Path, data: dict, threads: int) -> dict:
    """What the rules train_partA / train_partA_best give training.run_spec for one run,
    from the same config: params.run (`run`), its named files and its threads."""
    if run.family == "partA":
        entry, best_cell = cfg.cifar_run(config, run.variant), None
    else:
        entry, best_cell = cfg.on_best_run(config, run.variant), str(work / "partA" / "best_cell.json")
    folder = run.folder(work)
    params = {
        **entry, "name": run.variant, "seed": run.seed, "precision": config["precision"], "device": config["device"],
        "deterministic": config["deterministic"], "checkpoint_every": config["checkpoint_every"],
        "configured_threads": config["partA"]["resources"]["threads"],
    }
    files = {"train": data["train"], "test": data["test"], "history": str(folder / "history.parquet"),
             "metrics": str(folder / "metrics.json"), "weights": str(folder / "model.pt"),
             "resume": str(work / "resume" / run.family / run.variant / f"seed{run.seed}.pt")}
    if best_cell:
        files["best_cell"] = best_cell
    return {"run": params, "files": files, "threads": threads}


def train_one(spec_path: str) -> None:
    """One run in its own process (what --train-one runs): exit 143 when cut."""
    from cz4042 import training
    from cz4042.resume import Interrupted

    spec = json.loads(Path(spec_path).read_text())
    log = logger(spec.pop("log"))
    try:
        metrics = training.run(training.run_spec(spec["run"], spec["files"], spec["threads"]), log)
    except Interrupted:
        raise SystemExit(143)
    except PipelineError as error:
        log(f"error: {error}")
        raise SystemExit(1)
    log(f"done: final test accuracy {metrics['final_test_accuracy']:.4f} in {metrics['total_seconds']:.1f} s")


# ----------------------------------------------------------------------------- running
@dataclass
class Session:
    config: dict
    work: Path  # where runs train (kept between calls while the machine is warm)
    out: Path
    data: dict
    threads: int
    jobs: int
    have: list[Path]  # record folders whose runs count as done (runs/<family>/<variant>/seed<N>/)
    deadline: float  # time.monotonic() by which every run has stopped
    log: object
    timings: list

    def recorded(self, run: Run) -> Path | None:
        """The folder holding the run's finished record, here or in a --have folder."""
        return next((run.folder(root) for root in [self.work, *self.have] if run.finished(root)), None)


def choose_best_cell(session: Session) -> bool:
    """partA/best_cell.json from the first seed's grid, as the rule partA_best_cell
    chooses it; False while a cell of that grid has no record."""
    config = session.config
    grid = [Run("partA", v, config["seeds"][0]) for v in cfg.cifar_variant_names(config)["grid"]]
    folders = [session.recorded(run) for run in grid]
    if None in folders:
        session.log(f"no best cell: {', '.join(r.variant for r, f in zip(grid, folders) if f is None)} not finished")
        return False
    runs = records.read_runs([folder / "metrics.json" for folder in folders])
    best = selection.select_best_cell(runs, cfg.grid_cells(config), config["partA"]["grid"]["select_by"])
    write_json(session.work / "partA" / "best_cell.json", best)
    session.log(f"best cell {best['variant']}: test accuracy {best['test_accuracy']:.4f} (by {best['select_by']})")
    return True


def launch(session: Session, run: Run, seconds: float) -> subprocess.Popen:
    """One run in its own process under `timeout`: SIGTERM at the limit (the run saves its
    resume state and exits), SIGKILL GRACE_S later."""
    name = Path(run.family) / run.variant / f"seed{run.seed}"
    spec = {**run_spec(session.config, run, session.work, session.data, session.threads), "log": None}
    spec_path, log_path = session.work / "specs" / f"{name}.json", session.work / "logs" / f"{name}.log"
    write_json(spec_path, spec)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_DIR), os.environ.get("PYTHONPATH")]))}
    command = ["timeout", "--kill-after", str(GRACE_S), str(max(1, int(seconds))),
               sys.executable, __file__, "--train-one", str(spec_path)]
    with open(log_path, "a", encoding="utf-8") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)


def timing_row(step: str, run: Run, status: str, seconds: float | None, folder: Path | None = None) -> dict:
    metrics = json.loads((folder / "metrics.json").read_text()) if folder else {}
    return {"step": step, "family": run.family, "variant": run.variant, "seed": run.seed, "status": status,
            "seconds": None if seconds is None else round(seconds, 1), "epochs": metrics.get("epochs_run"),
            "final_test_accuracy": metrics.get("final_test_accuracy"),
            "device": metrics.get("environment", {}).get("device_name")}


def finished_status(code: int) -> str:
    return {0: "done", 124: "cut", 137: "killed"}.get(code, f"failed (exit {code})")


def run_step(session: Session, step: str, runs: list[Run], limit: float | None) -> None:
    """Train the step's runs side by side (at most session.jobs at a time) until they
    finish or the step's limit (or the session's deadline) passes."""
    started = time.monotonic()
    deadline = min(session.deadline, started + limit) if limit else session.deadline
    best_cell = session.work / "partA" / "best_cell.json"
    todo, running = [], {}
    for run in runs:
        if session.recorded(run):
            session.timings.append(timing_row(step, run, "recorded before", None, session.recorded(run)))
        elif run.family == "partA_best" and not best_cell.is_file():
            session.timings.append(timing_row(step, run, "no best cell", None))
        else:
            todo.append(run)
    while todo or running:
        while todo and len(running) < session.jobs:
            left = deadline - time.monotonic()
            if left < MIN_START_S:
                session.timings += [timing_row(step, run, "not started", None) for run in todo]
                todo = []
                break
            run = todo.pop(0)
            running[run] = (launch(session, run, left), time.monotonic())
        for run, (process, begun) in list(running.items()):
            if process.poll() is not None:
                status = finished_status(process.returncode)
                folder = run.folder(session.work) if status == "done" and run.finished(session.work) else None
                session.timings.append(timing_row(step, run, status, time.monotonic() - begun, folder))
                del running[run]
        time.sleep(0.2)
    rows = [r for r in session.timings if r["step"] == step]
    counts = {s: sum(r["status"] == s for r in rows) for s in sorted({r["status"] for r in rows})}
    session.log(f"step {step}: {counts} in {time.monotonic() - started:.0f} s")


# ----------------------------------------------------------------------------- what comes back
def write_archive(work: Path, out: Path) -> int:
    """OUT/runs.tar.gz: metrics.json + history.parquet of every finished run (a history
    without its metrics is a run cut while writing: left out), best_cell.json, the logs.
    Returns its size in bytes."""
    target = out / "runs.tar.gz"
    with atomic_path(target) as tmp, tarfile.open(tmp, "w:gz") as archive:
        for metrics in sorted(work.glob("runs/*/*/seed*/metrics.json")):
            history = metrics.with_name("history.parquet")
            if history.is_file():
                folder = metrics.parent.relative_to(work)
                archive.add(metrics, str(folder / "metrics.json"))
                archive.add(history, str(folder / "history.parquet"))
        for extra in [work / "partA" / "best_cell.json", *sorted(work.glob("logs/*/*/seed*.log"))]:
            if extra.is_file():
                archive.add(extra, str(extra.relative_to(work)))
    return target.stat().st_size


def write_timings(session: Session) -> None:
    fields = ["step", "family", "variant", "seed", "status", "seconds", "epochs", "final_test_accuracy", "device"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(session.timings)
    with atomic_path(session.out / "timings.csv") as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")


# ----------------------------------------------------------------------------- main
def parse_limits(items: list[str]) -> dict[str, float]:
    limits = {}
    for item in items:
        step, _, seconds = item.partition("=")
        if not seconds.replace(".", "", 1).isdigit():
            raise PipelineError(f"--limit {item}: expected STEP=SECONDS (steps: grid, on_best, seed<N>, hypotheses)")
        limits[step] = float(seconds)
    return limits


def data_files(args) -> dict:
    for key in ("train", "test"):
        if not Path(getattr(args, key)).is_file():
            raise PipelineError(f"--{key} {getattr(args, key)}: no such file (build it with `bash "
                                "benchmarks/gpu_plan.sh --prepare` and carry resources/cifar10)")
    return {"train": str(Path(args.train).resolve()), "test": str(Path(args.test).resolve())}


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="what comes back: runs.tar.gz, timings.csv, plan.log")
    parser.add_argument("--work", default=str(ROOT / "results" / "gpu_plan"), help="where the runs train")
    parser.add_argument("--configfile", nargs="*", default=[], help="config overlays over config.yaml")
    parser.add_argument("--tiny", action="store_true", help="overlay for a CPU check in seconds (2 epochs, 128 images)")
    parser.add_argument("--budget", type=float, default=540, help="seconds for all steps together")
    parser.add_argument("--limit", nargs="*", default=[], help="STEP=SECONDS: a step's own limit (default: the budget)")
    parser.add_argument("--steps", nargs="*", default=STEPS, choices=STEPS)
    parser.add_argument("--jobs", type=int, default=13, help="runs side by side on the one GPU")
    parser.add_argument("--threads", type=int, help="CPU threads per run (default partA.resources.threads)")
    parser.add_argument("--have", nargs="*", default=[], help="record folders whose finished runs are not trained again")
    parser.add_argument("--train", default=str(ROOT / "resources" / "cifar10" / "train.parquet"))
    parser.add_argument("--test", default=str(ROOT / "resources" / "cifar10" / "test.parquet"))
    parser.add_argument("--train-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.train_one and not args.out:
        parser.error("--out is required")
    return args


def main(argv=None) -> int:
    args = arguments(argv)
    if args.train_one:
        train_one(args.train_one)
        return 0
    begun = time.monotonic()
    try:  # a bad setting stops everything before OUT holds anything
        config = load_config(args.configfile, args.tiny)
        limits, data = parse_limits(args.limit), data_files(args)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = logger(str(out / "plan.log"))
    threads = args.threads or config["partA"]["resources"]["threads"]
    session = Session(config, Path(args.work).resolve(), out, data, threads, args.jobs,
                      [Path(p).resolve() for p in args.have], begun + args.budget, log, [])
    log(f"plan: steps {' '.join(args.steps)}, budget {args.budget:.0f} s, {args.jobs} runs side by side, "
        f"{threads} threads each, device {config['device']}, precision {config['precision']}")
    for step, runs in plan(config, args.steps):
        if any(run.family == "partA_best" for run in runs):
            choose_best_cell(session)
        run_step(session, step, runs, limits.get(step, limits.get("seeds") if step.startswith("seed") else None))
        write_timings(session)
        log(f"archive: {write_archive(session.work, out) / 1e6:.2f} MB after step {step}")
    failed = [r for r in session.timings if r["status"].startswith("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
