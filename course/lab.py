"""A JupyterLab server on a free local port, for the browser tests and the JupyterLab benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(root: Path, token: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run JupyterLab on `root` (no browser, as root too) until the block ends; yield its port once it listens."""
    port = free_port()
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--allow-root",
                            f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
                            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        yield port
    finally:
        lab.terminate()  # the server stops its kernels on the way out; kill it if that hangs
        try:
            lab.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
