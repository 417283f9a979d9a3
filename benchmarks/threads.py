"""Wall time of each notebook with one CPU thread and with every core, on an idle and on a busy machine.

    python benchmarks/threads.py 01 04 08             # full preset, one run per setting
    python benchmarks/threads.py --preset smoke        # every notebook, quicker

"Busy" starts one process that burns a core for the whole run (what a browser or a second notebook does on a
laptop). Each notebook runs through the course runner (a fresh kernel, like the runner and the tests), with
$OMP_NUM_THREADS set for its kernel. Prints a table and writes runs/bench-threads.json. Run it with nothing
else on the machine and say so when you quote it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course import REPO_ROOT, find_notebooks, preset_parameters
from course.execution import execute


def run_once(path: Path, preset: str, threads: int, busy: bool) -> float:
    """Seconds for one run of `path` with `threads` kernel threads, beside a core-burning process if `busy`."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            row = execute(path, Path(tmp) / path.name, preset_parameters(path, preset), preset)
            seconds = time.perf_counter() - start
        if row["status"] == "failed":
            raise RuntimeError(f"{path.stem} failed: {row['error']}")
        return seconds
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.update({key: value})
        if burner is not None:
            burner.kill()
            burner.wait()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="names or numbers; default: all")
    parser.add_argument("--preset", choices=("full", "smoke"), default="full")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    settings = [(1, False), (cores, False), (1, True), (cores, True)]
    results = []
    print(f"{'notebook':28s}" + "".join(f"{f'{t} thr, ' + ('busy' if b else 'idle'):>16s}" for t, b in settings))
    for path in find_notebooks(args.notebooks):
        times = []
        for t, b in settings:  # each time as it comes: a busy, oversubscribed run can take many minutes
            times.append(run_once(path, args.preset, t, b))
            print(f"  {path.stem}, {t} thread(s), {'busy' if b else 'idle'}: {times[-1]:.1f} s", flush=True)
        seconds = {f"{t}_{'busy' if b else 'idle'}": s for (t, b), s in zip(settings, times, strict=True)}
        results.append({"notebook": path.stem, "preset": args.preset, "seconds": seconds})
        print(f"{path.stem:28s}" + "".join(f"{s:15.1f}s" for s in times), flush=True)
    out = REPO_ROOT / "runs" / "bench-threads.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cores": cores, "results": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
