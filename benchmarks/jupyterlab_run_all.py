"""Wall time of "Run All Cells" on a notebook in JupyterLab, driven in headless Chromium, idle and beside a busy core.

    python benchmarks/jupyterlab_run_all.py            # 01_cnn at its own (full) parameters, idle then busy
    python benchmarks/jupyterlab_run_all.py 05 --busy-only

What a learner does: start JupyterLab (with the kernel's default environment: no $OMP_NUM_THREADS), open the
notebook, Run > Run All Cells, wait. The notebook is a copy in a temporary folder, so nothing in notebooks/ is
touched. "Busy" starts one process that burns a core for the whole run (a browser tab, a second notebook). The
run counts as finished when the kernel has been idle for 3 s in a row and no cell shows the busy prompt [*];
then the notebook is saved and read back, and the run is refused unless every code cell ran without an error.
Needs Debian's chromium and playwright, like the browser tests. Run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from course import find_notebooks  # noqa: E402
from course.lab import jupyterlab  # noqa: E402


def kernel_states(port: int, token: str) -> list[str]:
    """The execution state of every kernel the server runs."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernels?token={token}", timeout=10) as response:
        return [kernel["execution_state"] for kernel in json.load(response)]


def run_all(browser, path: Path, busy: bool, timeout: float) -> float:
    """Seconds from Run All Cells to the end of the last cell, in a fresh JupyterLab on a copy of `path`."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    token, burner = "bench", None
    with tempfile.TemporaryDirectory() as work, jupyterlab(Path(work), token, env) as port:
        shutil.copyfile(path, Path(work) / path.name)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/{path.name}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            while "idle" not in kernel_states(port, token):
                time.sleep(0.5)
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            start, quiet = time.perf_counter(), 0
            while quiet < 6:
                time.sleep(0.5)
                idle = all(state == "idle" for state in kernel_states(port, token))
                running = page.locator(".jp-InputPrompt", has_text="[*]").count() > 0
                quiet = quiet + 1 if idle and not running else 0
                if time.perf_counter() - start > timeout:
                    raise TimeoutError(f"{path.stem} still running after {timeout:.0f} s")
            seconds = time.perf_counter() - start - 3.0
            page.keyboard.press("Control+s")                      # save, then check that every cell ran
            page.wait_for_timeout(3000)
            cells = [c for c in json.loads((Path(work) / path.name).read_text())["cells"] if c["cell_type"] == "code"]
            errors = [o.get("ename") for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
            not_run = sum(c.get("execution_count") is None for c in cells)
            if errors or not_run:
                raise RuntimeError(f"{path.stem}: {not_run} of {len(cells)} code cells not run, errors {errors}")
            return seconds
        finally:
            if burner is not None:
                burner.kill()
                burner.wait()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", nargs="?", default="01", help="name or number (default 01)")
    parser.add_argument("--busy-only", action="store_true", help="skip the idle run")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run counts as hung")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH: install it with `sudo apt-get install chromium` (Debian/Ubuntu)")
    path = find_notebooks([args.notebook])[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for busy in ([True] if args.busy_only else [False, True]):
            seconds = run_all(browser, path, busy, args.timeout)
            print(f"{path.stem} in JupyterLab, Run All Cells, {'busy' if busy else 'idle'}: {seconds:.1f} s",
                  flush=True)
        browser.close()


if __name__ == "__main__":
    main()
