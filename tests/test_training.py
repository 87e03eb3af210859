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


def test_run_spec_applies_the_best_cell_then_the_variants_own_overrides(tmp_path):
    """An on-best variant: the chosen cell's maps and protocol overrides, then the
    variant's own (which win); the rule's other inputs (code) are not the run's files."""
    import json

    best_cell = tmp_path / "best_cell.json"
    best_cell.write_text(json.dumps({"variant": "grid_32x64", "c1": 32, "c2": 64,
                                     "protocol_overrides": {"train_subset": 500, "epochs": 5}}))
    run = {"name": "adam", "model": "cifar_cnn", "model_args": {"c1": 50, "c2": 60, "f3": 300},
           "protocol": {"epochs": 8, "batch_size": 128, "optimizer": {"name": "sgd", "lr": 0.01}},
           "protocol_overrides": {"optimizer": {"name": "adam", "lr": 0.001}, "epochs": 3}, "seed": 2}
    files = {"train": "t", "test": "t", "history": "h", "metrics": "m", "weights": "w", "resume": "r",
             "best_cell": str(best_cell), "code": ["engine.py"]}
    spec = training.run_spec(run, files, threads=2)
    assert spec.model_args == {"c1": 32, "c2": 64, "f3": 300}
    assert spec.protocol == {"epochs": 3, "batch_size": 128, "optimizer": {"name": "adam", "lr": 0.001},
                             "train_subset": 500}
    assert (spec.name, spec.seed, spec.threads, spec.files.best_cell, spec.files.vocab) == (
        "adam", 2, 2, str(best_cell), None)
    assert run["protocol"]["epochs"] == 8  # the rule's params are left as they were


def test_a_word_models_vocabulary_size_counts_the_padding_id(tmp_path):
    import pandas as pd

    vocab = tmp_path / "vocab.parquet"
    pd.DataFrame({"word": ["a", "b", "c"], "id": [1, 2, 3]}).to_parquet(vocab)
    run = {"model": "word_rnn", "model_args": {"cell": "gru"}, "protocol": {"epochs": 1}, "seed": 1}
    files = {"train": "t", "test": "t", "history": "h", "metrics": "m", "weights": "w", "resume": "r",
             "vocab": str(vocab)}
    assert training.run_spec(run, files, threads=1).model_args == {"cell": "gru", "vocab_size": 4}
