"""Tests of helpers.datasets.images and helpers.download: bundled datasets, the cached download, IDX files, MNIST.

Downloads are tested against a local HTTP server on 127.0.0.1 serving files that the tests generate.
"""

import gzip
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import ParameterError, load_image_dataset, load_sample_photo
from helpers.datasets.images import load_digits, load_mnist, perturb_images, shift_images, stratified_split
from helpers.download import DataError, DownloadError, data_dir, download, read_idx


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    truncated: set[str] = set()
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (name required by BaseHTTPRequestHandler)
        type(self).requests.append(self.path)
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in self.truncated:  # promise the whole body, send half, hang up
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server; set `files` (path -> bytes) on the returned handler class."""
    handler = type("Handler", (_Handler,), {"files": {}, "truncated": set(), "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield handler
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: a connection is refused at once, as when offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode an unsigned-byte array in the IDX format."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


# ---- bundled data -------------------------------------------------------------------------------------------

def test_digits_split_is_fixed_disjoint_and_stratified():
    a, b = load_digits(), load_digits()
    assert (len(a.y_train), len(a.y_val), len(a.y_test)) == (1077, 360, 360)
    assert a.X_train.shape[1:] == (1, 8, 8) and a.X_train.dtype == torch.float32 and a.y_train.dtype == torch.long
    assert torch.equal(a.X_test, b.X_test)  # the same split every time, whatever the global seed
    assert 0.0 <= a.X_train.min() and a.X_train.max() <= 1.0
    train, val, test = stratified_split(np.arange(1797) % 10, 0.2, 0.2)
    assert len(set(train) | set(val) | set(test)) == len(train) + len(val) + len(test) == 1797  # disjoint, complete
    counts = torch.bincount(a.y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # stratified: each digit ~10% of the test set
    assert a.classes == [str(i) for i in range(10)]


def test_unknown_dataset_name_lists_the_choices():
    with pytest.raises(ParameterError, match="Unknown dataset 'cifar': use one of digits, mnist"):
        load_image_dataset("cifar")


def test_sample_photo():
    gray, color = load_sample_photo(), load_sample_photo("flower.jpg", gray=False)
    assert gray.shape == (427, 640) and color.shape == (3, 427, 640)
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    with pytest.raises(ParameterError, match="No bundled photo called 'cat.jpg'"):
        load_sample_photo("cat.jpg")


def test_shift_images_moves_pixels_and_fills_zeros():
    X = torch.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    down_right = shift_images(X, 1, 2)
    assert torch.equal(down_right[0, 0, 1:, 2:], X[0, 0, :3, :2])
    assert down_right[0, 0, 0].abs().sum() == 0 and down_right[0, 0, :, :2].abs().sum() == 0
    assert torch.equal(shift_images(shift_images(X, -1, 1), 1, -1)[0, 0, 1:, :3], X[0, 0, 1:, :3])  # up-right, back
    assert torch.equal(shift_images(X, 0, 0), X)
    with pytest.raises(ParameterError, match="out of the frame"):
        shift_images(X, 4, 0)


def test_perturbed_test_images_are_fixed_whatever_the_seed():
    X = load_digits().X_test
    torch.manual_seed(1)
    a = perturb_images(X)
    torch.manual_seed(2)
    b = perturb_images(X)
    assert torch.equal(a, b)  # the same harder test set for every seed
    assert a.shape == X.shape and 0.0 <= a.min() and a.max() <= 1.0
    assert not torch.equal(a, X) and (a - X).abs().mean() > 0.05
    assert torch.equal(perturb_images(X, max_shift=0, noise_std=0.0), X)
    assert not torch.equal(perturb_images(X, seed=1), a)
    shifted_only = perturb_images(X[:50], max_shift=1, noise_std=0.0)
    assert all(any(torch.equal(s, shift_images(x[None], dy, dx)[0]) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
               for s, x in zip(shifted_only, X[:50], strict=True))  # each image is one shift of its original
    with pytest.raises(ParameterError, match="non-negative"):
        perturb_images(X, noise_std=-1.0)


def test_data_dir_default_env_and_argument(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert data_dir() == Path(__file__).resolve().parent.parent / "data"
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    assert data_dir(tmp_path / "x") == tmp_path / "x"


# ---- download -----------------------------------------------------------------------------------------------

def test_download_fetches_verifies_and_caches(server, tmp_path):
    body = b"hello course" * 1000
    server.files["/a.bin"] = body
    path = download([server.url + "/a.bin"], "a.bin", sha(body), tmp_path)
    assert path == tmp_path / "a.bin" and path.read_bytes() == body
    download([server.url + "/a.bin"], "a.bin", sha(body), tmp_path)
    assert server.requests == ["/a.bin"]  # the second call used the cache
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


def test_download_falls_back_to_the_next_mirror(server, tmp_path):
    body = b"data"
    server.files["/m2/f"] = body
    path = download([server.url + "/m1/f", server.url + "/m2/f"], "f", sha(body), tmp_path)
    assert path.read_bytes() == body
    assert server.requests == ["/m1/f", "/m2/f"]


def test_checksum_mismatch_is_an_error_and_leaves_nothing(server, tmp_path):
    server.files["/f"] = b"tampered"
    with pytest.raises(DownloadError, match="checksum mismatch: got sha256 .*, expected " + sha(b"original")):
        download([server.url + "/f"], "f", sha(b"original"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_offline_download_says_what_to_do(tmp_path):
    with pytest.raises(DownloadError) as info:
        download([closed_port_url() + "/f"], "f", sha(b"x"), tmp_path)
    message = str(info.value)
    assert "Could not download f" in message and "offline" in message and str(tmp_path / "f") in message


def test_interrupted_download_never_looks_complete(server, tmp_path):
    body = bytes(range(256)) * 400
    server.files["/big"] = body
    server.truncated.add("/big")
    with pytest.raises(DownloadError):
        download([server.url + "/big"], "big", sha(body), tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the final name nor a .part file


def test_corrupt_cached_file_is_downloaded_again(server, tmp_path):
    body = b"good"
    server.files["/f"] = body
    (tmp_path / "f").write_bytes(b"goo")  # a truncated earlier copy
    with pytest.warns(UserWarning, match="does not match its sha256"):
        path = download([server.url + "/f"], "f", sha(body), tmp_path)
    assert path.read_bytes() == body


# ---- IDX files and MNIST ------------------------------------------------------------------------------------

def test_read_idx_plain_and_gzipped(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(idx_bytes(array))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(idx_bytes(array)))
    assert np.array_equal(read_idx(tmp_path / "a.idx"), array)
    assert np.array_equal(read_idx(tmp_path / "a.idx.gz"), array)


@pytest.mark.parametrize("corrupt, message", [
    (lambda raw: raw[:-5], "is truncated: the header says shape \\(2, 3, 4\\)"),
    (lambda raw: raw + b"\0", "is longer than its header says"),
    (lambda raw: b"\x01\x02" + raw[2:], "is not an IDX file"),
    (lambda raw: raw[:6], "truncated inside its header"),
])
def test_read_idx_rejects_corrupt_files(tmp_path, corrupt, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(corrupt(idx_bytes(np.zeros((2, 3, 4), dtype=np.uint8))))
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_read_idx_rejects_a_truncated_gzip(tmp_path):
    path = tmp_path / "bad.idx.gz"
    noise = np.random.default_rng(0).integers(0, 256, (50, 28, 28))  # incompressible, so the cut loses data
    path.write_bytes(gzip.compress(idx_bytes(noise))[:1000])
    with pytest.raises(DataError, match="not a readable \\(gzip\\) file.*delete it"):
        read_idx(path)


def fake_mnist(server, n_train: int = 60, n_test: int = 20) -> dict[str, tuple[str, str]]:
    """Serve small random MNIST-format files; return the `files` table that load_mnist expects."""
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28)), "train_labels": np.arange(n_train) % 10,
              "test_images": rng.integers(0, 256, (n_test, 28, 28)), "test_labels": np.arange(n_test) % 10}
    files = {}
    for name, array in arrays.items():
        body = gzip.compress(idx_bytes(array))
        server.files[f"/mnist/{name}.gz"] = body
        files[name] = (f"{name}.gz", sha(body))
    return files


def test_load_mnist_from_a_mirror(server, tmp_path):
    files = fake_mnist(server)
    data = load_mnist(tmp_path, val_size=10, mirrors=(closed_port_url() + "/", server.url + "/mnist/"), files=files)
    assert data.X_train.shape == (50, 1, 28, 28) and len(data.y_val) == 10 and data.X_test.shape == (20, 1, 28, 28)
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    assert torch.equal(data.y_test, torch.arange(20) % 10)
    assert sorted((tmp_path).iterdir()) == sorted(tmp_path / f for f, _ in files.values())


def test_load_mnist_offline_is_a_clear_error(tmp_path):
    with pytest.raises(DownloadError, match="(?s)Could not download train-images-idx3-ubyte.gz.*dataset='digits'"):
        load_mnist(tmp_path, mirrors=(closed_port_url() + "/",))
