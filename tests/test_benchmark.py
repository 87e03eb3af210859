"""The speed benchmark runs and writes its table (what it measures is not asserted:
timings belong in its output files, not in tests)."""

import pandas as pd
import pytest
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


def tiny_prepared_ids(folder, texts=64, length=100, vocabulary=50):
    """Prepared char and word ids in the layout of resources/dbpedia/ (random ids)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cz4042.tokenize import ids_table

    rng = np.random.default_rng(0)
    folder.mkdir()
    for kind, high in (("char_ids_text", 256), ("word_ids", vocabulary + 1)):
        for split in ("train", "test"):
            table = ids_table(rng.integers(0, 15, texts), rng.integers(0, high, (texts, length)))
            pq.write_table(table, folder / f"{kind}_{split}.parquet")
    pq.write_table(pa.table({"word": [f"w{i}" for i in range(vocabulary)]}), folder / "vocab.parquet")
    return folder


@pytest.mark.slow  # six child processes each importing torch: 43-57 s, most of the fast loop's time
def test_partB_protocol_compares_and_profiles(tmp_path):
    """Both modes of the Part B protocol benchmark run on prepared ids and write their
    tables: the comparison sums a seed's job-seconds; the profile's shares are shares."""
    import partB_protocol

    data = tiny_prepared_ids(tmp_path / "dbpedia")
    variants = ["char_cnn", "word_gru_clipped"]
    partB_protocol.main(["--baseline", "HEAD", "--only", *variants, "--epochs", "1", "--data", str(data),
                         "--out", str(tmp_path)])
    compared = pd.read_csv(tmp_path / "partB_protocol.csv")
    assert compared["variant"].tolist() == [*variants, "one seed (job-seconds)"]
    seed = compared.iloc[-1]
    assert seed["now s/500 epochs"] == compared["now s/500 epochs"].iloc[:2].sum() > 0
    partB_protocol.main(["--profile", "--only", *variants, "--epochs", "1", "--data", str(data),
                         "--out", str(tmp_path)])
    profiled = pd.read_csv(tmp_path / "partB_profile.csv")
    assert profiled["variant"].tolist() == variants
    for column in ("evaluation", "backward", "optimizer", "outside ops"):
        assert profiled[column].between(0, 1).all(), column
    assert (profiled["aten calls"] > 0).all() and profiled["top ops (self)"].str.contains("aten::").all()
    assert (tmp_path / "partB_profile.md").read_text().startswith("Part B, 1 thread")
