"""The one download function for optional data: cached, sha256-checked, atomic. And the IDX reader for MNIST."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DATA_ENV = "COURSE_DATA_DIR"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # the data/ folder beside helpers/
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DownloadError(RuntimeError):
    """A file could not be fetched with the right checksum from any mirror."""


class DataError(ValueError):
    """A data file exists but is corrupt, truncated or not in the expected format."""


def data_dir(path: str | Path | None = None) -> Path:
    """Where data is cached: `path`, else $COURSE_DATA_DIR, else the repository's `data/` folder."""
    return Path(path or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR)


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, dest: Path, sha256: str, timeout: float) -> None:
    """Download `url` to a temporary file beside `dest`; move it into place only if the checksum matches."""
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise DownloadError(f"checksum mismatch: got sha256 {digest.hexdigest()}, expected {sha256}")
        os.replace(tmp, dest)  # atomic: a partial download never has the final name
    finally:
        tmp.unlink(missing_ok=True)


def download(urls: Sequence[str], filename: str, sha256: str, folder: str | Path | None = None,
             timeout: float = 30.0) -> Path:
    """Return the cached, checksum-verified `filename`, downloading it from the first mirror that works."""
    dest = data_dir(folder) / filename
    if dest.exists():
        if sha256_of(dest) == sha256:
            return dest
        warnings.warn(f"{dest} does not match its sha256 (corrupt or changed); downloading it again.", stacklevel=2)
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        try:
            _fetch(url, dest, sha256, timeout)
            return dest
        except DownloadError as err:
            failures.append(f"{url}: {err}")
        except (urllib.error.URLError, OSError) as err:  # offline, refused, timed out, HTTP error
            failures.append(f"{url}: {getattr(err, 'reason', err)}")
    raise DownloadError(
        f"Could not download {filename} with sha256 {sha256[:12]}...:\n  " + "\n  ".join(failures) + "\n"
        f"If you are offline, use a dataset that ships with the course (e.g. dataset='digits'), or fetch the "
        f"file on a connected machine and put it at {dest}."
    )


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not, checking its header against its length."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path) as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except (EOFError, gzip.BadGzipFile, OSError) as err:
        raise DataError(f"{path} is not a readable (gzip) file ({err}); delete it and run again.") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number); delete it and run again.")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated inside its header; delete it and run again.")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        kind = "truncated" if len(raw) < expected else "longer than its header says"
        raise DataError(f"{path} is {kind}: the header says shape {shape} ({expected} bytes), "
                        f"the file has {len(raw)} bytes; delete it and run again.")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
