"""What each model of the registry reads and what it is, without torch: the config
checks and the rules (which prepared data a run needs) read this table, and models.py
builds its registry from it, so the two cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelKind:
    input_kind: str  # "image", "char" or "word": which prepared data the model reads
    family: str  # "cifar" (CifarCNN), "cnn" (TextCNN) or "rnn" (TextRNN)


MODEL_KINDS: dict[str, ModelKind] = {
    "cifar_cnn": ModelKind("image", "cifar"),
    "char_cnn": ModelKind("char", "cnn"),
    "word_cnn": ModelKind("word", "cnn"),
    "char_rnn": ModelKind("char", "rnn"),
    "word_rnn": ModelKind("word", "rnn"),
}
# Where dropout may act, per text family (see models.TextCNN and models.TextRNN).
DROPOUT_SITES = {"cnn": ("features", "pool"), "rnn": ("state", "inputs")}


def model_kind(name: str) -> ModelKind:
    try:
        return MODEL_KINDS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(sorted(MODEL_KINDS))}") from None
