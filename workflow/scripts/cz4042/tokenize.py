"""Character and word ids as the course's TF1 preprocessors produced them.

Characters: `ByteProcessor` - the UTF-8 bytes of the text (256 ids), truncated to the
maximum length and padded with byte 0 at the end.
Words: `VocabularyProcessor` - tokens by TF1's regex, ids in order of first appearance
in the training split starting at 1, id 0 for padding and unknown words.
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

# tensorflow/contrib/learn/python/learn/preprocessing/text.py, TOKENIZER_RE
TOKEN_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+(?=[A-Z])|[\'\w\-]+", re.UNICODE)
PAD_ID = 0


def char_ids(texts: Iterable[str], max_len: int) -> np.ndarray:
    """uint8 [N, max_len]: UTF-8 bytes, truncated, zero-padded at the end."""
    texts = list(texts)
    out = np.zeros((len(texts), max_len), dtype=np.uint8)
    for row, text in enumerate(texts):
        encoded = text.encode("utf-8")[:max_len]
        out[row, : len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)
    return out


def word_tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def build_vocabulary(texts: Iterable[str]) -> pd.DataFrame:
    """Every token of `texts` (all of each text, not only the first max_len) in order of
    first appearance; id 0 is reserved for padding and unknown words."""
    ids: dict[str, int] = {}
    for text in texts:
        for token in word_tokens(text):
            if token not in ids:
                ids[token] = len(ids) + 1
    return pd.DataFrame({"token": list(ids), "id": np.asarray(list(ids.values()), dtype=np.int32)})


def word_ids(texts: Iterable[str], vocabulary: pd.DataFrame, max_len: int) -> np.ndarray:
    """int32 [N, max_len]: vocabulary ids of the first max_len tokens, 0 for unknown/pad."""
    lookup = dict(zip(vocabulary["token"], vocabulary["id"].tolist()))
    texts = list(texts)
    out = np.zeros((len(texts), max_len), dtype=np.int32)
    for row, text in enumerate(texts):
        tokens = word_tokens(text)[:max_len]
        out[row, : len(tokens)] = [lookup.get(token, PAD_ID) for token in tokens]
    return out


def ids_table(labels: np.ndarray, ids: np.ndarray):
    """Parquet-ready table: label and a fixed-size list of ids per text."""
    import pyarrow as pa

    flat = pa.array(ids.reshape(-1))
    return pa.table(
        {
            "label": pa.array(np.asarray(labels, dtype=np.int8)),
            "ids": pa.FixedSizeListArray.from_arrays(flat, ids.shape[1]),
        }
    )


def read_ids(path) -> tuple[np.ndarray, np.ndarray]:
    """(ids [N, L] int64, labels [N] int64) from a table written by `ids_table`."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    column = table.column("ids").combine_chunks()
    ids = column.flatten().to_numpy(zero_copy_only=False).reshape(len(column), -1).astype(np.int64)
    return ids, table.column("label").to_numpy().astype(np.int64)


def write_char_ids(train_path, test_path, field: str, max_len: int, train_out, test_out) -> None:
    """Character ids of `field` (text or title) for both splits."""
    from .atomic import write_parquet

    for source, out in ((train_path, train_out), (test_path, test_out)):
        frame = pd.read_parquet(source, columns=["label", field])
        write_parquet(out, ids_table(frame["label"].to_numpy(), char_ids(frame[field], max_len)))


def write_word_ids(train_path, test_path, max_len: int, vocab_out, train_out, test_out) -> int:
    """Vocabulary from the training paragraphs, then word ids for both splits."""
    from .atomic import write_parquet

    train = pd.read_parquet(train_path, columns=["label", "text"])
    vocabulary = build_vocabulary(train["text"])
    write_parquet(vocab_out, vocabulary)
    for frame, out in ((train, train_out), (pd.read_parquet(test_path, columns=["label", "text"]), test_out)):
        write_parquet(out, ids_table(frame["label"].to_numpy(), word_ids(frame["text"], vocabulary, max_len)))
    return len(vocabulary)
