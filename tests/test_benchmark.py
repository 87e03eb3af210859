"""The speed benchmark runs and writes its table (what it measures is not asserted:
timings belong in its output files, not in tests)."""

import pandas as pd
import train_speed  # benchmarks/ is on pytest's pythonpath (pyproject.toml)


def test_benchmark_writes_its_table(tmp_path):
    train_speed.main(["--only", "char CNN", "word GRU", "--steps", "1", "--repeats", "1",
                      "--threads", "1", "--matmul-size", "256", "--out", str(tmp_path)])
    table = pd.read_csv(tmp_path / "train_speed.csv")
    assert table["model"].tolist() == ["char CNN", "word GRU"]
    for column in ("engine s/epoch", "reference s/epoch", "speed-up", "matmul GFLOP/s", "threads", "device"):
        assert column in table.columns
    assert (table["engine s/epoch"] > 0).all() and (table["reference s/epoch"] > 0).all()
    assert (tmp_path / "train_speed.md").read_text().startswith("| model")


def test_cuda_checks_helpers_run_on_cpu():
    """The GPU-only script's helpers stay in step with the package (a GPU session is too
    scarce to find out there): every checked model trains, and the checks' comparisons
    hold between CPU runs."""
    import torch

    import cuda_checks

    cpu = torch.device("cpu")
    assert cuda_checks.one_hot_conv_check(cpu) < 1e-5
    for name in cuda_checks.MODELS:
        history, _ = cuda_checks.train(name, cpu, batches=1)
        assert len(history) == 1 and history["train_loss"].notna().all()
        loss, gradients = cuda_checks.loss_and_gradients(name, cpu)
        again, same = cuda_checks.loss_and_gradients(name, cpu)
        assert loss == again and cuda_checks.relative_difference(same, gradients) == 0.0
