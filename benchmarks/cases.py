"""The models the benchmarks time and check, built from the pipeline's own registry:
config.yaml's variants (cz4042.config) and the model registry (cz4042.models), so a
benchmark always measures what the pipeline trains."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from cz4042 import config as cfg
from cz4042 import models
from cz4042.spec import RunSpec

ROOT = Path(__file__).resolve().parents[1]
VOCAB = 38_658  # the course files' 38,657 words + the pad id
BATCH = 128


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    args: dict
    protocol: dict
    n_train: int
    n_test: int

    @property
    def input_kind(self) -> str:
        return models.model_entry(self.model).input_kind

    @property
    def batches(self) -> int:
        full, rest = divmod(self.n_train, BATCH)
        return full if self.protocol["drop_last"] or not rest else full + 1

    def build(self) -> torch.nn.Module:
        return models.build_model(self.model, **self.args)

    def epoch_spec(self, seed: int = 0, precision: str = "fp32", grad_clip: dict | None = None) -> RunSpec:
        """One epoch of batches of BATCH (the last partial one dropped) under this case's
        optimizer: what the benchmarks time."""
        protocol = {"epochs": 1, "batch_size": BATCH, "drop_last": True, "optimizer": self.protocol["optimizer"],
                    "grad_clip": grad_clip, "eval_batch_size": 1000}
        return RunSpec(model=self.model, model_args=self.args, protocol=protocol, seed=seed, precision=precision)

    def data(self, n: int, generator: torch.Generator | None = None):
        """Random inputs of this case's kind and shape, with labels."""
        labels = torch.randint(0, 10 if self.input_kind == "image" else 15, (n,), generator=generator)
        if self.input_kind == "image":
            return torch.rand(n, 3, 32, 32, generator=generator), labels
        vocab = 256 if self.input_kind == "char" else VOCAB
        return torch.randint(0, vocab, (n, 100), generator=generator), labels

    def flops_per_image(self) -> float | None:
        """Forward + backward FLOPs per CIFAR image: forward 2*MACs; backward 2*MACs for
        the weight gradients plus 2*MACs for the input gradients of every layer but C1."""
        if self.model != "cifar_cnn":
            return None
        c1, c2, f3 = self.args["c1"], self.args["c2"], self.args.get("f3", 300)
        conv1 = 24 * 24 * c1 * 3 * 81
        rest = 8 * 8 * c2 * c1 * 25 + 16 * c2 * f3 + f3 * 10
        return 2 * (2 * conv1 + 3 * rest)


def load_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def partA_case(name: str, variant: str, config: dict) -> Case:
    run = cfg.cifar_run(config, variant)
    return Case(name, run["model"], run["model_args"], run["protocol"], 10_000, 2_000)


def partB_case(name: str, variant: str, config: dict) -> Case:
    run = cfg.text_run(config, variant)
    args = {**run["model_args"], **({"vocab_size": VOCAB} if run["model"].startswith("word") else {})}
    return Case(name, run["model"], args, run["protocol"], 5_600, 700)


def speed_cases(grid_cells: list[str], config: dict | None = None) -> list[Case]:
    """train_speed's models: the baseline, the given grid cells, the text models."""
    config = config or load_config()
    text = {"char CNN": "char_cnn", "word CNN": "word_cnn", "char GRU": "char_rnn", "word GRU": "word_rnn",
            "word LSTM": "word_lstm"}
    return [partA_case("cifar baseline (50,60)", "baseline", config),
            *(partA_case(f"cifar grid ({cell.replace('x', ',')})", f"grid_{cell}", config) for cell in grid_cells),
            *(partB_case(name, variant, config) for name, variant in text.items())]


def check_cases(config: dict | None = None) -> dict[str, Case]:
    """cuda_checks' models: one of each kind of layer, optimizer and clipping."""
    config = config or load_config()
    cases = [partA_case("cifar baseline (50,60)", "baseline", config),
             partB_case("char CNN", "char_cnn", config), partB_case("word CNN", "word_cnn", config),
             partB_case("char GRU", "char_rnn", config), partB_case("word GRU clipped", "word_gru_clipped", config),
             partB_case("word LSTM 2-layer", "word_lstm_2layer", config)]
    rmsprop = cfg.on_best_run(config, "rmsprop")
    cases.insert(1, Case("cifar rmsprop (32,64)", "cifar_cnn", {**rmsprop["model_args"], "c1": 32, "c2": 64},
                         {**rmsprop["protocol"], **rmsprop["protocol_overrides"]}, 10_000, 2_000))
    return {case.name: case for case in cases}
