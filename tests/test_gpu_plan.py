"""The GPU plan (benchmarks/gpu_plan.py), everything but the GPU, on tiny data: its order
of steps, its time limits, that a cut run leaves no record, and what comes back."""

from __future__ import annotations

import dataclasses
import tarfile
import time

import pandas as pd
import pytest

import gpu_plan  # benchmarks/ is on pytest's pythonpath (pyproject.toml)
from conftest import cifar_batch_bytes
from cz4042 import cifar, records, training


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """Prepared Parquet of 200 training / 100 test images, as the data rule writes them."""
    folder = tmp_path_factory.mktemp("cifar")
    for name, seed in (("train_batch", 1), ("test_batch", 2)):
        (folder / name).write_bytes(cifar_batch_bytes(200 if seed == 1 else 100, seed=seed))
    cifar.prepare({"file": str(folder / "train_batch"), "key": "cifar_train"},
                  {"file": str(folder / "test_batch"), "key": "cifar_test"}, None, None,
                  str(folder / "train.parquet"), str(folder / "test.parquet"))
    return ["--train", str(folder / "train.parquet"), "--test", str(folder / "test.parquet")]


def overlay(tmp_path, text: str) -> list[str]:
    path = tmp_path / "overlay.yaml"
    path.write_text(text)
    return ["--configfile", str(path)]


def archive_members(out) -> dict[str, int]:
    with tarfile.open(out / "runs.tar.gz") as archive:
        return {member.name: member.size for member in archive.getmembers() if member.isfile()}


def test_plan_puts_the_grid_first_then_on_best_then_more_seeds_then_hypotheses():
    config = gpu_plan.load_config([], tiny=False)
    steps = gpu_plan.plan(config, gpu_plan.STEPS)
    assert [name for name, _ in steps] == ["grid", "on_best", "seed2", "seed3", "hypotheses"]
    runs = dict(steps)
    assert [(r.family, r.variant, r.seed) for r in runs["grid"]] == [
        ("partA", f"grid_{c['c1']}x{c['c2']}", 1) for c in config["partA"]["grid"]["cells"]]
    assert len(runs["grid"]) == 9
    assert {(r.family, r.variant, r.seed) for r in runs["on_best"]} == {
        ("partA_best", v, 1) for v in ("momentum", "rmsprop", "adam", "dropout")}
    assert {r.seed for r in runs["seed2"]} == {2} and len(runs["seed2"]) == 13
    hypotheses = {r.variant for r in runs["hypotheses"]}
    assert {"baseline_full_batch", "baseline_fan_in"} <= hypotheses
    assert "grid_256x512_full_batch" not in hypotheses  # full_batch's plan stopped it at the baseline


def test_each_run_is_given_every_field_of_a_training_run(tmp_path):
    """The plan fills a training run as the rules do (params.run, named files, threads):
    a RunSpec field or a run file added there fails here."""
    from cz4042 import spec as run_specs

    config = gpu_plan.load_config([], tiny=True)
    data = {"train": "t.parquet", "test": "s.parquet"}
    for run in (gpu_plan.Run("partA", "grid_4x4", 1), gpu_plan.Run("partA_best", "adam", 2)):
        given = gpu_plan.run_spec(config, run, tmp_path, data, threads=1)
        filled = set(given["run"]) | {"files", "threads"}
        assert filled >= {f.name for f in dataclasses.fields(run_specs.RunSpec)} - {"protocol_overrides"}
        assert set(given["files"]) >= set(run_specs.RUN_FILES) - {"vocab", "best_cell"}  # Part B's, on-best's
    assert given["files"]["best_cell"] == str(tmp_path / "partA" / "best_cell.json")
    assert given["run"]["protocol_overrides"] == {"optimizer": config["partA"]["on_best"]["adam"]["optimizer"]}


def test_a_bad_setting_stops_before_anything_is_written(tmp_path, tiny_data, capsys):
    out = tmp_path / "out"
    assert gpu_plan.main(["--out", str(out), "--tiny", *tiny_data, "--limit", "grid=soon"]) == 1
    assert "--limit grid=soon: expected STEP=SECONDS" in capsys.readouterr().err
    assert gpu_plan.main(["--out", str(out), "--tiny", "--train", str(tmp_path / "none.parquet")]) == 1
    assert f"--train {tmp_path / 'none.parquet'}: no such file" in capsys.readouterr().err
    assert not out.exists()


def test_the_archive_holds_finished_records_only(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    done = work / "runs" / "partA" / "grid_4x4" / "seed1"
    cut = work / "runs" / "partA" / "grid_6x8" / "seed1"  # cut between writing its history and its metrics
    for folder in (done, cut, work / "resume" / "partA" / "grid_8x8"):
        folder.mkdir(parents=True)
    (done / "metrics.json").write_text("{}")
    for path in (done / "history.parquet", done / "model.pt", cut / "history.parquet", cut / "model.pt",
                 work / "resume" / "partA" / "grid_8x8" / "seed1.pt"):
        path.write_bytes(b"x")
    gpu_plan.write_archive(work, out)
    assert set(archive_members(out)) == {"runs/partA/grid_4x4/seed1/metrics.json",
                                         "runs/partA/grid_4x4/seed1/history.parquet"}


@pytest.mark.slow
def test_the_plan_trains_in_order_and_brings_back_records_only(tmp_path, tiny_data):
    out, work = tmp_path / "out", tmp_path / "work"
    args = ["--out", str(out), "--work", str(work), "--tiny", *tiny_data, "--steps", "grid", "on_best",
            "--budget", "300"]
    assert gpu_plan.main(args) == 0
    timings = pd.read_csv(out / "timings.csv")
    assert list(dict.fromkeys(timings["step"])) == ["grid", "on_best"]
    assert (timings["status"] == "done").all() and len(timings) == 3 + 4
    members = archive_members(out)
    runs = {name.rsplit("/", 1)[0] for name in members if name.startswith("runs/")}
    assert len(runs) == 7 and "runs/partA_best/adam/seed1" in runs
    for run in runs:  # the layout publish.sh copies: runs/<family>/<variant>/seed<N>/{metrics.json,history.parquet}
        assert {f"{run}/metrics.json", f"{run}/history.parquet"} <= set(members)
    assert not [name for name in members if name.endswith(".pt")]
    assert sum(members.values()) < 7 * 60_000  # a 500-epoch run's record is ~50 kB; weights would be MBs
    with tarfile.open(out / "runs.tar.gz") as archive:
        archive.extractall(tmp_path / "back", filter="data")
    back = tmp_path / "back"
    table = records.read_runs(sorted(back.glob("runs/*/*/seed*/metrics.json")))
    assert len(table) == 7
    best = records.read_best_cell(back / "partA" / "best_cell.json")
    adam = records.read_metrics(back / "runs/partA_best/adam/seed1/metrics.json")
    assert (adam["model_args"]["c1"], adam["model_args"]["c2"]) == (best["c1"], best["c2"])

    # The same command again (a second call on the warm machine): nothing is retrained.
    started = time.monotonic()
    assert gpu_plan.main(args) == 0
    assert (pd.read_csv(out / "timings.csv")["status"] == "recorded before").all()
    assert time.monotonic() - started < 20


@pytest.mark.slow
def test_a_step_is_cut_at_its_limit_and_a_cut_run_leaves_no_record(tmp_path, tiny_data, monkeypatch):
    monkeypatch.setattr(gpu_plan, "MIN_START_S", 1)
    out, work = tmp_path / "out", tmp_path / "work"
    started = time.monotonic()
    code = gpu_plan.main(["--out", str(out), "--work", str(work), "--tiny", *tiny_data, "--steps", "grid", "on_best",
                          *overlay(tmp_path, "partA: {protocol: {epochs: 100000}}\n"), "--limit", "grid=40"])
    elapsed = time.monotonic() - started
    assert code == 0
    assert elapsed < 40 + gpu_plan.GRACE_S + 5
    timings = pd.read_csv(out / "timings.csv")
    assert set(timings.loc[timings["step"] == "grid", "status"]) == {"cut"}
    assert set(timings.loc[timings["step"] == "on_best", "status"]) == {"no best cell"}
    # cut while training: each saved its state (the next call resumes it) and wrote no record
    logs = [path.read_text() for path in work.glob("logs/partA/*/seed1.log")]
    assert len(logs) == 3 and all("epoch 1/100000" in text and "SIGTERM: state saved" in text for text in logs)
    assert len(list(work.glob("resume/partA/*/seed1.pt"))) == 3
    assert not list(work.glob("runs/*/*/seed1/metrics.json"))
    assert not [name for name in archive_members(out) if name.startswith("runs/")]
