"""training.run's pieces that decide whether a saved state may be continued."""

import dataclasses

import torch

from cz4042 import resume, training


def spec(tmp_path, threads: int) -> training.RunSpec:
    run = {"name": "baseline", "model": "cifar_cnn", "model_args": {}, "protocol": {}, "seed": 1,
           "checkpoint_every": 5, "device": "cpu", "deterministic": False, "precision": "fp32"}
    files = {"train": "t", "test": "t", "history": "h", "metrics": "m", "weights": "w",
             "resume": str(tmp_path / "seed1.pt")}
    return training.run_spec(run, files, threads)


def test_a_state_saved_at_one_thread_count_is_not_continued_at_another(tmp_path):
    """Threads change float sums on a CPU, so a 1-thread state resumed at 2 threads
    would make a run neither is: it is set aside and the run starts afresh."""
    one, two = spec(tmp_path, 1), spec(tmp_path, 2)
    cpu = torch.device("cpu")
    saved_by = training.resume_policy(one, "run", cpu)
    assert training.resume_policy(dataclasses.replace(one), "run", cpu) == saved_by
    torch.save({"fingerprint": saved_by.fingerprint}, saved_by.path)
    assert resume.load_resume_state(saved_by, print) is not None
    messages = []
    assert resume.load_resume_state(training.resume_policy(two, "run", cpu), messages.append) is None
    assert not saved_by.path.exists() and any(p.name.startswith("seed1.pt.") for p in tmp_path.iterdir())
    assert "another run definition" in messages[0]


def test_the_unscaled_reading_tests_raw_pixels_of_image_runs_only(tmp_path):
    import numpy as np
    from cz4042 import cifar
    from cz4042.atomic import write_parquet

    pixels = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3072) % 256
    path = tmp_path / "test.parquet"
    write_parquet(str(path), cifar.to_table(pixels.astype(np.uint8), np.array([3, 5])))
    assert training.other_tests("image", str(path), {"unscaled_test_reading": False}) == {}
    assert training.other_tests("char", str(path), {"unscaled_test_reading": True}) == {}
    x, y = training.other_tests("image", str(path), {"unscaled_test_reading": True})["unscaled"]
    assert x.dtype == torch.float32 and float(x.max()) == 255.0 and y.tolist() == [3, 5]
