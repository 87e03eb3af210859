import hashlib
import http.server
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import cifar_archive

from cz4042.download import download, fetch, remove_stale_temporaries
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


class _Counting(http.server.BaseHTTPRequestHandler):
    """Answers each GET with the next status of `plan` (the last one repeats); 200
    sends `body`. Counts the requests."""

    plan, body, requests = [200], b"", 0

    def do_GET(self):  # noqa: N802 - the http.server API
        cls = type(self)
        status = cls.plan[min(cls.requests, len(cls.plan) - 1)]
        cls.requests += 1
        self.send_response(status)
        self.send_header("Content-Length", str(len(cls.body) if status == 200 else 0))
        self.end_headers()
        if status == 200:
            self.wfile.write(cls.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def counting_server():
    def start(plan, body=b""):
        handler = type("Handler", (_Counting,), {"plan": plan, "body": body, "requests": 0})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()  # fast shutdown
        servers.append(server)
        return handler, f"http://127.0.0.1:{server.server_address[1]}/c.tar.gz"

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_transient_failures_are_retried_with_backoff(counting_server, tmp_path):
    data = cifar_archive(20, 10)
    handler, url = counting_server([503, 502, 200], data)
    waits, lines = [], []
    fetch(url, tmp_path / "c.tar.gz", "md5:" + hashlib.md5(data).hexdigest(), MEMBERS, backoff_s=1,
          log=lines.append, sleep=waits.append)
    assert handler.requests == 3 and waits == [1, 2]
    assert (tmp_path / "c.tar.gz").read_bytes() == data and "attempt 1/3 failed" in lines[0]


@pytest.mark.parametrize("status, body, checksum, message", [
    (404, b"", "md5:" + "0" * 32, "HTTP 404"),
    (200, b"<html>", "md5:" + hashlib.md5(b"<html>").hexdigest(), "not a readable tar archive"),
    (200, b"<html>", "md5:" + "0" * 32, "md5 mismatch"),
])
def test_permanent_failures_are_not_retried(counting_server, tmp_path, status, body, checksum, message):
    handler, url = counting_server([status], body)
    with pytest.raises(PipelineError, match=message):
        fetch(url, tmp_path / "c.tar.gz", checksum, MEMBERS, log=lambda m: None, sleep=lambda s: None)
    assert handler.requests == 1 and list(tmp_path.iterdir()) == []


def test_connection_refused_is_transient_and_gives_up_after_three_attempts(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits = []
    with pytest.raises(PipelineError, match="after 3 attempts"):
        fetch(f"http://127.0.0.1:{port}/c.tar.gz", tmp_path / "c.tar.gz", "md5:" + "0" * 32,
              log=lambda m: None, sleep=waits.append)
    assert waits == [5.0, 10.0]


def test_sigterm_mid_download_leaves_no_temporary_and_stale_ones_are_removed(tmp_path):
    """A server that sends headers and then stalls; the download is killed with SIGTERM."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def stall():
        connection, _ = listener.accept()
        connection.recv(1024)
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        time.sleep(30)

    threading.Thread(target=stall, daemon=True).start()
    out = tmp_path / "dl" / "c.tar.gz"
    code = ("from cz4042.download import fetch\n"
            f"fetch('http://127.0.0.1:{listener.getsockname()[1]}/c.tar.gz', {str(out)!r}, 'md5:' + '0' * 32)")
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 20
    while not list(out.parent.glob(".c.tar.gz.*.tmp")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(out.parent.glob(".c.tar.gz.*.tmp")), "the download never started"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 143
    assert list(out.parent.iterdir()) == []
    listener.close()

    # a temporary left by a SIGKILLed run goes on the next run
    (out.parent / ".c.tar.gz.abc123.tmp").write_bytes(b"partial")
    assert remove_stale_temporaries(out) == [out.parent / ".c.tar.gz.abc123.tmp"]
    assert list(out.parent.iterdir()) == []
