"""End to end through Snakemake: downloads from a local HTTP server, course-file mode,
and every bad-input case, each naming what is wrong and leaving no partial output."""

import hashlib

import pandas as pd
import pytest
from conftest import cifar_archive, dbpedia_archive, dbpedia_csv_bytes, cifar_batch_bytes, run_snakemake

pytestmark = pytest.mark.slow  # end-to-end Snakemake runs

TRAIN_PER_CLASS, TEST_PER_CLASS = 30, 8


def download_config(base, cifar_md5, dbpedia_md5):
    return {
        "downloads": {
            "cifar10": {"url": f"{base}/cifar-10-python.tar.gz", "checksum": f"md5:{cifar_md5}"},
            "dbpedia": {"url": f"{base}/dbpedia_csv.tgz", "checksum": f"md5:{dbpedia_md5}"},
        },
        "cifar10": {"n_train": 300, "n_test": 100},
        "dbpedia": {"train_per_class": 20, "test_per_class": 5, "sample_seed": 3,
                    "archive_train_rows": 14 * TRAIN_PER_CLASS, "archive_test_rows": 14 * TEST_PER_CLASS},
    }


@pytest.fixture
def served(http_root):
    root, base = http_root
    cifar, dbpedia = cifar_archive(300, 120), dbpedia_archive(TRAIN_PER_CLASS, TEST_PER_CLASS)
    (root / "cifar-10-python.tar.gz").write_bytes(cifar)
    (root / "dbpedia_csv.tgz").write_bytes(dbpedia)
    return root, base, hashlib.md5(cifar).hexdigest(), hashlib.md5(dbpedia).hexdigest()


def test_download_and_preprocess_from_http(workflow_copy, served):
    root, base, cifar_md5, dbpedia_md5 = served
    config = download_config(base, cifar_md5, dbpedia_md5)
    run_snakemake(workflow_copy, "--cores", "2", "data", config=config)
    train = pd.read_parquet(workflow_copy / "resources/cifar10/train.parquet")
    test = pd.read_parquet(workflow_copy / "resources/cifar10/test.parquet")
    assert len(train) == 300 and len(test) == 100
    text_train = pd.read_parquet(workflow_copy / "resources/dbpedia/train.parquet")
    assert text_train["label"].value_counts().tolist() == [20] * 14
    assert len(pd.read_parquet(workflow_copy / "resources/dbpedia/test.parquet")) == 70
    chars = pd.read_parquet(workflow_copy / "resources/dbpedia/char_ids_text_train.parquet")
    assert len(chars["ids"].iloc[0]) == 100
    # A second run fetches nothing and rebuilds nothing.
    again = run_snakemake(workflow_copy, "--cores", "2", "data", config=config)
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.parametrize("case", ["checksum", "truncated", "http_404"])
def test_bad_download_fails_naming_url_and_leaves_nothing(workflow_copy, served, case):
    root, base, cifar_md5, dbpedia_md5 = served
    data = (root / "cifar-10-python.tar.gz").read_bytes()
    if case == "checksum":
        cifar_md5 = "f" * 32
    elif case == "truncated":
        (root / "cifar-10-python.tar.gz").write_bytes(data[:1000])
    else:
        (root / "cifar-10-python.tar.gz").unlink()
    config = download_config(base, cifar_md5, dbpedia_md5)
    result = run_snakemake(workflow_copy, "--cores", "1", "resources/cifar10/train.parquet", config=config, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    url = f"{base}/cifar-10-python.tar.gz"
    expected = {
        "checksum": f"error: {url}: md5 mismatch, expected {'f' * 32}, got {hashlib.md5(data).hexdigest()}",
        "truncated": f"error: {url}: md5 mismatch, expected {hashlib.md5(data).hexdigest()}, got {hashlib.md5(data[:1000]).hexdigest()}",
        "http_404": f"error: {url}: HTTP 404",
    }[case]
    assert expected in output
    downloads = workflow_copy / "resources/downloads"
    assert not downloads.exists() or list(downloads.iterdir()) == []
    assert not (workflow_copy / "resources/cifar10").exists()


def course_config(tmp_path, train_csv: bytes, test_csv: bytes = None):
    cifar_train, cifar_test = tmp_path / "data_batch_1", tmp_path / "test_batch_trim"
    cifar_train.write_bytes(cifar_batch_bytes(50))
    cifar_test.write_bytes(cifar_batch_bytes(20))
    train, test = tmp_path / "train_medium.csv", tmp_path / "test_medium.csv"
    train.write_bytes(train_csv)
    test.write_bytes(test_csv if test_csv is not None else dbpedia_csv_bytes(2, quoted=False))
    return {"course_files": {"cifar_train": str(cifar_train), "cifar_test": str(cifar_test),
                             "dbpedia_train": str(train), "dbpedia_test": str(test)},
            "cifar10": {"n_train": None, "n_test": None}}


@pytest.mark.parametrize("line, message", [
    (b"3,only two", "line 4: 2 fields, expected 3"),
    (b"3,t,caf\xe9 au lait", "line 4: bytes that are not UTF-8"),
    (b"21,t,text", "line 4: label 21 outside 1..14"),
])
def test_malformed_course_csv_names_file_and_line(workflow_copy, tmp_path, line, message):
    good = dbpedia_csv_bytes(1, quoted=False).split(b"\n")
    csv = b"\n".join(good[:3] + [line] + good[3:])
    config = course_config(tmp_path, csv)
    result = run_snakemake(workflow_copy, "--cores", "1", "data", config=config, check=False)
    assert result.returncode != 0
    assert f"error: config key course_files.dbpedia_train ({tmp_path}/train_medium.csv), {message}" in result.stderr
    assert not (workflow_copy / "resources/dbpedia/train.parquet").exists()
    assert not (workflow_copy / "resources/dbpedia/test.parquet").exists()


def test_missing_course_file_names_the_key_before_any_job(workflow_copy, tmp_path):
    config = course_config(tmp_path, dbpedia_csv_bytes(1))
    config["course_files"]["cifar_test"] = str(tmp_path / "nope" / "test_batch_trim")
    result = run_snakemake(workflow_copy, "--cores", "1", "data", config=config, check=False)
    assert result.returncode != 0
    assert f"config key course_files.cifar_test: no such file {tmp_path}/nope/test_batch_trim" in result.stdout + result.stderr
    assert not (workflow_copy / "resources").exists()


def test_course_file_of_the_wrong_kind_names_the_key(workflow_copy, tmp_path):
    config = course_config(tmp_path, dbpedia_csv_bytes(1))
    config["course_files"]["cifar_train"] = config["course_files"]["dbpedia_train"]
    result = run_snakemake(workflow_copy, "--cores", "1", "resources/cifar10/train.parquet", config=config, check=False)
    assert result.returncode != 0
    assert f"error: config key course_files.cifar_train ({tmp_path}/train_medium.csv): not a CIFAR-10 python batch" in result.stderr
    assert not (workflow_copy / "resources/cifar10/train.parquet").exists()


def test_bad_config_value_names_the_key(workflow_copy):
    result = run_snakemake(workflow_copy, "-n", "all", config={"partA": {"protocol": {"epochs": -1}}}, check=False)
    assert result.returncode != 0
    assert "config key partA.protocol.epochs: -1 is less than the minimum of 1" in result.stdout + result.stderr


def test_archives_are_not_fetched_again_when_code_or_other_config_changes(workflow_copy, served):
    root, base, cifar_md5, dbpedia_md5 = served
    config = download_config(base, cifar_md5, dbpedia_md5)
    run_snakemake(workflow_copy, "--cores", "2", "data", config=config)
    for archive in root.iterdir():
        archive.unlink()  # a refetch would now fail
    package = workflow_copy / "workflow/scripts/cz4042"
    for module in ("cifar.py", "dbpedia.py", "download.py"):
        (package / module).write_text((package / module).read_text() + "\n# edited\n")
    config["cifar10"] = {"n_train": 200, "n_test": 50, "train_batches": ["data_batch_1", "data_batch_2"]}
    config["dbpedia"]["train_per_class"] = 10
    result = run_snakemake(workflow_copy, "--cores", "2", "data", config=config)
    text = result.stdout + result.stderr
    assert "rule download_" not in text and "prepare_cifar10" in text and "prepare_dbpedia" in text
    assert len(pd.read_parquet(workflow_copy / "resources/cifar10/train.parquet")) == 200
