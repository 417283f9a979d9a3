"""Headless runner: execute course notebooks with papermill at a preset and seeds, check their bars, summarise.

    python -m course.run                        # every notebook, full preset, into runs/full/
    python -m course.run 01_cnn --preset smoke  # one notebook, a few seconds
    python -m course.run 01 -p num_epochs 5 -p device cpu --out my_runs
    python -m course.run --seeds 0-4 -j 2       # each notebook at seeds 0..4, two kernels at a time
    python -m course.run --seeds 0-4 -j 2 --claims-report   # ... and write CLAIMS.md from the run
    python -m course.run --refresh              # re-run the committed notebooks in place (full preset)
    python -m course.run --seeds 0-4 -j 2 --claims-report --refresh   # the release step: report and notebooks

With -j N, N runs go at once, each in its own worker process and kernel with cores/N CPU threads
(course/parallel.py). Ctrl-C stops every kernel started and writes no summary.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .config import (
    NOTEBOOK_DIR,
    REPO_ROOT,
    course_config,
    find_notebooks,
    preset_parameters,
    restore_hint,
)
from .execution import execute
from .parallel import Job, run_jobs, worker
from .report import REPORT_JSON, code_hash, expected_seconds, recorded, write_report
from .summary import aggregate, write_summaries

_SEEDS = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_value(text: str) -> Any:
    """A command-line parameter value as Python: numbers, booleans and None are parsed, anything else is a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_seeds(items: list[str]) -> list[int]:
    """Seeds from the command line: numbers and ranges, e.g. ["0-4"] or ["0", "1", "7"]; no repeats."""
    seeds: list[int] = []
    for item in items:
        match = _SEEDS.match(item)
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            raise ValueError(f"--seeds {item!r}: give whole numbers or ranges such as 0-4.")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        seeds += [s for s in range(first, last + 1) if s not in seeds]
    return seeds


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The names and default values in a notebook's `parameters` cell."""
    import papermill

    params = papermill.inspect_notebook(str(path))
    return {name: info["default"] for name, info in params.items()}


def check_overrides(path: Path, overrides: dict[str, Any]) -> None:
    """Raise ValueError if an override names no parameter of the notebook."""
    known = notebook_parameters(path)
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"{path.stem} has no parameter {', '.join(map(repr, unknown))}. "
                         f"Its parameters: {', '.join(known)}.")


def edited(paths: list[Path]) -> None:
    """Print a note for each course notebook whose code differs from the code the claims report was made from."""
    hashes = recorded("code_sha256", REPORT_JSON)
    for path in paths:
        if hashes.get(path.stem) and code_hash(path) != hashes[path.stem]:
            print(f"Note: the code of {path.name} differs from the code behind CLAIMS.md; if you did not mean to "
                  f"edit it, {restore_hint(path)}.", flush=True)


def kernel_threads(num_parallel: int) -> int:
    """CPU threads per kernel: $OMP_NUM_THREADS when set, else the cores shared out among the parallel runs."""
    given = os.environ.get("OMP_NUM_THREADS", "")
    return int(given) if given.isdigit() and int(given) > 0 else max(1, (os.cpu_count() or 1) // num_parallel)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0: all ran and met their bars)."""
    parser = argparse.ArgumentParser(prog="python -m course.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="names or numbers (01_cnn, 01); default: all")
    parser.add_argument("--preset", choices=("full", "smoke"), default="full")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="override a parameter (repeatable), e.g. -p num_epochs 5")
    parser.add_argument("--seeds", nargs="+", default=None, metavar="SEED",
                        help="run each notebook at these seeds: numbers or ranges (0 1 2, or 0-4)")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                        help="run N notebooks at once, each kernel with cores/N threads (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<preset>)")
    parser.add_argument("--refresh", action="store_true",
                        help="overwrite the committed notebooks in notebooks/ with a fresh full run")
    parser.add_argument("--claims-report", action="store_true",
                        help="after a full run of every notebook over several seeds, write CLAIMS.md and claims.json")
    parser.add_argument("--timeout", type=int, default=None, help="seconds allowed per cell")
    parser.add_argument("--dir", type=Path, default=NOTEBOOK_DIR,
                        help="folder of the notebooks to run (default: notebooks/; e.g. a student version)")
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--worker":
        return worker(sys.argv[2], execute)
    args = parser.parse_args(argv)
    overrides = {name: parse_value(value) for name, value in args.parameter}
    try:
        seeds = parse_seeds(args.seeds) if args.seeds else None
    except ValueError as err:
        parser.error(str(err))
    if args.jobs < 1:
        parser.error(f"-j {args.jobs}: run at least one notebook at a time.")
    if args.refresh and (args.preset != "full" or overrides):
        parser.error("--refresh re-runs the committed notebooks as readers see them: full preset, no -p overrides.")
    if seeds and "seed" in overrides:
        parser.error("give the seed either with --seeds or with -p seed, not both.")
    if args.claims_report and (args.preset != "full" or overrides or not seeds or len(seeds) < 2
                               or args.notebooks or args.dir != NOTEBOOK_DIR):
        parser.error("--claims-report needs the whole course at the full preset over several seeds "
                     "(e.g. --seeds 0-4), with no notebooks named and no -p overrides.")
    out = args.out or REPO_ROOT / "runs" / (args.preset + ("-seeds" if seeds else ""))
    try:
        paths = find_notebooks(args.notebooks, args.dir)
        defaults = {}
        for path in paths:
            check_overrides(path, {**overrides, **({"seed": 0} if seeds else {})})
            course_config(path)
            defaults[path] = notebook_parameters(path).get("seed")
    except ValueError as err:
        parser.error(str(err))
    if not paths:
        parser.error(f"no notebooks found in {args.dir}")
    if args.refresh and seeds and not all(d is not None and int(d) in seeds for d in defaults.values()):
        parser.error("--refresh with --seeds needs each notebook's default seed among the seeds (it refreshes "
                     "from that run).")

    def seed_parameter(path: Path, seed: int | None) -> dict[str, int]:
        """The run at a notebook's default seed is its plain run (no injected cell), so it can refresh."""
        return {} if seed is None or str(seed) == defaults[path] else {"seed": seed}

    jobs = [Job(path, {**preset_parameters(path, args.preset), **overrides, **seed_parameter(path, s)},
                out / (f"seed{s}" if s is not None else "") / path.name, args.preset, args.timeout, s)
            for s in (seeds or [None]) for path in paths]
    if args.dir == NOTEBOOK_DIR:
        edited(paths)
    threads = kernel_threads(args.jobs)
    for stale in ("summary.md", "summary.html", "summary.json"):
        (out / stale).unlink(missing_ok=True)  # a summary only ever describes a run that finished
    print(f"Running {len(jobs)} notebook run(s) at the {args.preset} preset"
          + (f", seeds {', '.join(map(str, seeds))}" if seeds else "")
          + f", {args.jobs} at a time with {threads} CPU thread(s) each, into {out}", flush=True)
    start = time.perf_counter()
    sources = {path: path.read_bytes() for path in paths} if args.refresh else {}  # what --refresh may replace
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))  # kernels inherit them
    try:
        rows = run_jobs(jobs, args.jobs, threads, out / ".work", execute, expected_seconds())
    except KeyboardInterrupt:
        print("\nInterrupted: every kernel this run started was stopped; no summary written.", flush=True)
        return 130
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.update({key: value})
    shutil.rmtree(out / ".work", ignore_errors=True)
    wall = time.perf_counter() - start
    for job, row in zip(jobs, rows, strict=True):
        row["seed"] = job.seed if job.seed is not None else row["seed"]
    if args.refresh:
        for job, row in zip(jobs, rows, strict=True):
            if row["status"] != "ok" or "seed" in job.parameters:  # only a passing run at the default seed
                continue
            if job.path.read_bytes() != sources[job.path]:  # edited while it ran: the run is of the old version
                print(f"Not refreshed: {job.path} changed while it ran; run it again to refresh it.", flush=True)
                continue
            shutil.copyfile(job.output, job.path)
            row["refreshed"] = str(job.path)
    table = write_summaries(out, rows, aggregate(rows), wall, args.jobs, threads)
    print("\n" + table + f"\nWall time {wall:.1f} s. Summary written to {out}/summary.md, summary.html and "
          "summary.json", flush=True)
    if args.claims_report:
        for written in write_report(json.loads((out / "summary.json").read_text()), paths):
            print(f"wrote {written}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
