import hashlib

import pytest
from conftest import cifar_archive

from cz4042.download import download
from cz4042.errors import PipelineError

MEMBERS = ["cifar-10-batches-py/data_batch_1", "cifar-10-batches-py/test_batch"]


def test_download_verifies_and_keeps_the_archive(http_root, tmp_path):
    root, base = http_root
    data = cifar_archive(20, 10)
    (root / "c.tar.gz").write_bytes(data)
    out = tmp_path / "dl" / "c.tar.gz"
    download(f"{base}/c.tar.gz", out, "md5:" + hashlib.md5(data).hexdigest(), MEMBERS)
    assert out.read_bytes() == data


@pytest.mark.parametrize("case", ["mismatch", "truncated", "not_archive", "missing_member", "http_404"])
def test_bad_downloads_fail_in_one_line_and_leave_nothing(http_root, tmp_path, case):
    root, base = http_root
    data = cifar_archive(20, 10)
    checksum = "md5:" + hashlib.md5(data).hexdigest()
    if case == "mismatch":
        (root / "c.tar.gz").write_bytes(data)
        checksum = "md5:" + "0" * 32
    elif case == "truncated":
        (root / "c.tar.gz").write_bytes(data[: len(data) // 2])
        checksum = "md5:" + hashlib.md5(data[: len(data) // 2]).hexdigest()
    elif case == "not_archive":
        (root / "c.tar.gz").write_bytes(b"<html>not found</html>")
        checksum = "md5:" + hashlib.md5(b"<html>not found</html>").hexdigest()
    elif case == "missing_member":
        (root / "c.tar.gz").write_bytes(data)
    out = tmp_path / "dl" / "c.tar.gz"
    members = MEMBERS + (["cifar-10-batches-py/data_batch_6"] if case == "missing_member" else [])
    with pytest.raises(PipelineError) as error:
        download(f"{base}/c.tar.gz", out, checksum, members)
    message = str(error.value)
    assert "\n" not in message and f"{base}/c.tar.gz" in message
    expected = {
        "mismatch": f"md5 mismatch, expected {'0' * 32}, got {hashlib.md5(data).hexdigest()}",
        "truncated": "not a readable tar archive",
        "not_archive": "not a readable tar archive",
        "missing_member": "archive lacks cifar-10-batches-py/data_batch_6",
        "http_404": "HTTP 404",
    }[case]
    assert expected in message
    assert not out.exists() and list(out.parent.iterdir()) == []
