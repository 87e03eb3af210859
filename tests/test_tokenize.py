import numpy as np

from cz4042 import tokenize


def test_char_ids_are_utf8_bytes_truncated_and_zero_padded():
    ids = tokenize.char_ids(["ab", "é", "abcdef"], max_len=4)
    assert ids.tolist() == [[97, 98, 0, 0], [0xC3, 0xA9, 0, 0], [97, 98, 99, 100]]
    assert ids.dtype == np.uint8


def test_tf1_tokenizer_on_hand_checked_sentences():
    # TF1 VocabularyProcessor's regex splits acronyms and CamelCase, keeps ' and -.
    assert tokenize.word_tokens("NASA launched McDonald's e-mail, in 1999.") == [
        "NASA", "launched", "Mc", "Donald's", "e-mail", "in", "1999"]
    assert tokenize.word_tokens("The USAToday café") == ["The", "USA", "Today", "café"]
    assert tokenize.word_tokens("  ") == []


def test_vocabulary_in_first_appearance_order_from_training_only():
    vocabulary = tokenize.build_vocabulary(["b a b", "c a"])
    assert vocabulary["token"].tolist() == ["b", "a", "c"] and vocabulary["id"].tolist() == [1, 2, 3]
    ids = tokenize.word_ids(["a c unseen b", "a"], vocabulary, max_len=3)
    assert ids.tolist() == [[2, 3, 0], [2, 0, 0]]


def test_vocabulary_counts_tokens_beyond_max_len():
    vocabulary = tokenize.build_vocabulary(["w1 w2 w3 w4 w5"])
    assert len(vocabulary) == 5


def test_ids_table_round_trip(tmp_path):
    import pyarrow.parquet as pq

    ids = np.arange(12, dtype=np.int32).reshape(3, 4)
    pq.write_table(tokenize.ids_table(np.array([1, 2, 3]), ids), tmp_path / "t.parquet")
    read, labels = tokenize.read_ids(tmp_path / "t.parquet")
    assert read.tolist() == ids.tolist() and labels.tolist() == [1, 2, 3]


def test_char_field_title_feeds_the_title_bytes(tmp_path):
    """char_field: title (the course starter's row[1]) gives the models the title's
    UTF-8 bytes, not the paragraph's."""
    import pandas as pd

    frame = pd.DataFrame({"label": [7, 8], "title": ["Park Dinor", "Émile"], "text": [" A park.", " A river."]})
    for split in ("train", "test"):
        frame.to_parquet(tmp_path / f"{split}.parquet")
    outputs = {field: (tmp_path / f"{field}_train.parquet", tmp_path / f"{field}_test.parquet")
               for field in ("title", "text")}
    for field, (train_out, test_out) in outputs.items():
        tokenize.write_char_ids(tmp_path / "train.parquet", tmp_path / "test.parquet", field, 12, train_out, test_out)
    ids, labels = tokenize.read_ids(outputs["title"][0])
    assert labels.tolist() == [7, 8]
    assert bytes(ids[0][:10].astype("uint8")).decode() == "Park Dinor" and ids[0][10:].tolist() == [0, 0]
    assert bytes(ids[1][:6].astype("uint8")).decode() == "Émile"
    text_ids, _ = tokenize.read_ids(outputs["text"][1])
    assert bytes(text_ids[0][:8].astype("uint8")).decode() == " A park."
