import pandas as pd
import pytest
from conftest import dbpedia_csv_bytes

from cz4042 import dbpedia
from cz4042.errors import PipelineError


def test_quoted_and_unquoted_rows_parse_alike():
    quoted = dbpedia.parse_csv(dbpedia_csv_bytes(2, quoted=True), "q")
    plain = dbpedia.parse_csv(dbpedia_csv_bytes(2, quoted=False), "p")
    pd.testing.assert_frame_equal(quoted, plain)
    assert len(quoted) == 28 and quoted["label"].tolist()[:3] == [1, 1, 2]


def test_crlf_gives_the_same_rows():
    raw = dbpedia_csv_bytes(3, quoted=False)
    pd.testing.assert_frame_equal(dbpedia.parse_csv(raw, "lf"), dbpedia.parse_csv(raw.replace(b"\n", b"\r\n"), "crlf"))


def test_text_keeps_its_leading_space_and_unicode():
    frame = dbpedia.parse_csv("3,Émile,  Un café à Paris\n".encode(), "f")
    assert frame.loc[0, "title"] == "Émile" and frame.loc[0, "text"] == "  Un café à Paris"


@pytest.mark.parametrize("line, message", [
    (b"3,title only", "2 fields, expected 3"),
    (b"3,a,b,c", "4 fields, expected 3"),
    (b"15,title,text", "label 15 outside 1..14"),
    (b"0,title,text", "label 0 outside 1..14"),
    (b"x,title,text", "label 'x' is not an integer"),
    (b"3,title, ", "empty text"),
    (b"3,title,caf\xe9", "bytes that are not UTF-8"),
])
def test_malformed_rows_name_file_and_line(line, message):
    raw = b"1,ok,fine text\n2,ok,more text\n" + line + b"\n"
    with pytest.raises(PipelineError) as error:
        dbpedia.parse_csv(raw, "train_medium.csv")
    assert str(error.value).startswith("train_medium.csv, line 3: ") and message in str(error.value)


def test_stratified_sample_counts_and_seed():
    frame = dbpedia.parse_csv(dbpedia_csv_bytes(10), "f")
    sample = dbpedia.stratified_sample(frame, 4, seed=7, source="f")
    assert sample["label"].value_counts().sort_index().tolist() == [4] * 14
    again = dbpedia.stratified_sample(frame, 4, seed=7, source="f")
    other = dbpedia.stratified_sample(frame, 4, seed=8, source="f")
    pd.testing.assert_frame_equal(sample, again)
    assert not sample.equals(other)
    with pytest.raises(PipelineError, match="class 1 has 10 rows, 11 requested"):
        dbpedia.stratified_sample(frame, 11, seed=7, source="f")


def test_structure_check_counts_rows_and_classes():
    frame = dbpedia.parse_csv(dbpedia_csv_bytes(2), "f")
    dbpedia.check_structure(frame, 28, "f", "dbpedia.archive_train_rows")
    with pytest.raises(PipelineError, match=r"28 rows, expected 560000 \(config key dbpedia.archive_train_rows: set it"):
        dbpedia.check_structure(frame, 560000, "f", "dbpedia.archive_train_rows")
    with pytest.raises(PipelineError, match="no rows of class 14"):
        dbpedia.check_structure(frame[frame["label"] != 14], None, "f", "dbpedia.archive_train_rows")


def test_quoted_fields_spanning_lines_stay_one_row():
    """RFC 4180, as spreadsheets and pandas write it: a quoted newline is part of the
    field, and an error after it names the line the bad row starts on."""
    raw = b'1,"Two\nline title","text with\r\na break, and a comma"\n2,ok,plain\n'
    frame = dbpedia.parse_csv(raw, "f")
    assert frame["title"].tolist() == ["Two\nline title", "ok"]
    assert frame["text"].tolist() == ["text with\r\na break, and a comma", "plain"]
    with pytest.raises(PipelineError, match="f, line 5: label 'x' is not an integer"):
        dbpedia.parse_csv(raw + b"x,a,b\n", "f")


def test_a_pandas_export_reads_back_as_written(tmp_path):
    frame = pd.DataFrame({"label": [3, 7], "title": ["A \"quoted\" name", "B"], "text": ["one\ntwo", " x, y"]})
    frame.to_csv(tmp_path / "export.csv", header=False, index=False)
    parsed = dbpedia.read_csv_file(tmp_path / "export.csv", "export.csv")
    assert parsed["title"].tolist() == frame["title"].tolist() and parsed["text"].tolist() == frame["text"].tolist()


@pytest.mark.parametrize("quoted", [False, True])
def test_a_utf8_bom_reads_as_the_same_data(tmp_path, quoted):
    """Spreadsheet programs start a UTF-8 CSV with a byte order mark."""
    raw = {"plain": dbpedia_csv_bytes(3, quoted=quoted)}
    raw["bom"] = b"\xef\xbb\xbf" + raw["plain"]
    for name, data in raw.items():
        for split in ("train", "test"):
            (tmp_path / f"{name}_{split}.csv").write_bytes(data)
        dbpedia.prepare(*({"file": str(tmp_path / f"{name}_{split}.csv"), "key": f"course_files.dbpedia_{split}"}
                          for split in ("train", "test")),
                        3, 3, 0, None, None, tmp_path / f"{name}_train.parquet", tmp_path / f"{name}_test.parquet")
    for split in ("train", "test"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"bom_{split}.parquet"),
                                      pd.read_parquet(tmp_path / f"plain_{split}.parquet"))
