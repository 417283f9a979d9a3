"""Headless runner: execute course notebooks with papermill at a preset and seeds, check their bars, summarise.

    python -m course.run                        # every notebook, full preset, into runs/full/
    python -m course.run 01_cnn --preset smoke  # one notebook, a few seconds
    python -m course.run 01 -p num_epochs 5 -p device cpu --out my_runs
    python -m course.run --seeds 0-4 -j 2       # each notebook at seeds 0..4, two kernels at a time
    python -m course.run --seeds 0-4 -j 2 --claims-report   # ... and write CLAIMS.md from the run
    python -m course.run --refresh              # re-run the committed notebooks in place (full preset)
    python -m course.run --seeds 0-4 -j 2 --claims-report --refresh   # the release step: report and notebooks

With -j N, N runs go at once, each in its own worker process and kernel with cores/N CPU threads
(course/pool.py). Ctrl-C stops every kernel started and writes no summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from helpers.metrics import format_number

from .config import NOTEBOOK_DIR, restore_hint
from .execution import execute
from .plan import Job, Plan, longest_first, make_plan
from .pool import run_tasks
from .report import REPORT_JSON, code_hash, expected_seconds, recorded, write_report
from .summary import aggregate, write_summaries


def edited(paths: list[Path]) -> None:
    """Print a note for each course notebook whose code differs from the code the claims report was made from."""
    hashes = recorded("code_sha256", REPORT_JSON)
    for path in paths:
        if hashes.get(path.stem) and code_hash(path) != hashes[path.stem]:
            print(f"Note: the code of {path.name} differs from the code behind CLAIMS.md; if you did not mean to "
                  f"edit it, {restore_hint(path)}.", flush=True)


def report_line(done: int, total: int, job: Job, row: dict[str, Any], seconds: float) -> None:
    """One line per finished run: its time, verdict, claims held and metrics."""
    metrics = ", ".join(f"{k}={format_number(v, 4)}" for k, v in row["metrics"].items())
    held = sum(c["held"] for c in row["claims"].values())
    claims = f"  claims held {held}/{len(row['claims'])}" if row["claims"] else ""
    print(f"[{done}/{total}] {job.label()}: {row['status']} in {seconds:.1f} s{claims}  {metrics}  "
          f"{row['error']}".rstrip(), flush=True)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    parse = argparse.ArgumentParser(prog="python -m course.run", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("notebooks", nargs="*", help="names or numbers (01_cnn, 01_cnn_lab, 01); default: all")
    parse.add_argument("--preset", choices=("full", "smoke"), default="full")
    parse.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                       help="override a parameter (repeatable), e.g. -p num_epochs 5")
    parse.add_argument("--seeds", nargs="+", default=None, metavar="SEED",
                       help="run each notebook at these seeds: numbers or ranges (0 1 2, or 0-4)")
    parse.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                       help="run N notebooks at once, each kernel with cores/N threads (default 1)")
    parse.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<preset>)")
    parse.add_argument("--refresh", action="store_true",
                       help="overwrite the committed notebooks in notebooks/ with a fresh full run")
    parse.add_argument("--claims-report", action="store_true",
                       help="after a full run of every notebook over several seeds, write CLAIMS.md and claims.json")
    parse.add_argument("--timeout", type=int, default=None, help="seconds allowed per cell")
    parse.add_argument("--dir", type=Path, default=NOTEBOOK_DIR,
                       help="folder of the notebooks to run (default: notebooks/; e.g. a student version)")
    return parse


def execute_jobs(plan: Plan) -> list[dict[str, Any]]:
    """Run the plan's jobs: one at a time in this process, or N at a time in the pool, longest first."""
    def done(i: int, row: dict[str, Any], seconds: float) -> None:
        finished.append(i)
        report_line(len(finished), len(plan.jobs), plan.jobs[i], row, seconds)

    finished: list[int] = []
    if plan.num_parallel > 1:
        order = longest_first(plan.jobs, expected_seconds())
        rows = run_tasks([job.task() for job in plan.jobs], plan.num_parallel, plan.threads, plan.out / ".work",
                         order, done)
        shutil.rmtree(plan.out / ".work", ignore_errors=True)
        return rows
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update(OMP_NUM_THREADS=str(plan.threads), MKL_NUM_THREADS=str(plan.threads))  # kernels inherit
    try:
        rows = []
        for i, job in enumerate(plan.jobs):
            started = time.perf_counter()
            rows.append(execute(job.path, job.output, job.parameters, job.preset, job.timeout))
            done(i, rows[-1], time.perf_counter() - started)
        return rows
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.update({key: value})


def refresh_sources(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """Copy each passing run at a notebook's default seed over the committed notebook, unless it was edited."""
    for job, row in zip(plan.jobs, rows, strict=True):
        if row["status"] != "ok" or "seed" in job.parameters:
            continue
        if job.path.read_bytes() != plan.sources[job.path]:  # edited while it ran: the run is of the old version
            print(f"Not refreshed: {job.path} changed while it ran; run it again to refresh it.", flush=True)
            continue
        shutil.copyfile(job.output, job.path)
        row["refreshed"] = str(job.path)


def run(plan: Plan) -> int:
    """Execute a plan, refresh and summarise; 0 when every run ran and met its bars."""
    if plan.paths and plan.paths[0].parent in (NOTEBOOK_DIR, NOTEBOOK_DIR / "labs"):
        edited(plan.paths)
    for stale in ("summary.md", "summary.html", "summary.json"):
        (plan.out / stale).unlink(missing_ok=True)  # a summary only ever describes a run that finished
    seeds = sorted({j.seed for j in plan.jobs if j.seed is not None})
    print(f"Running {len(plan.jobs)} notebook run(s) at the {plan.jobs[0].preset} preset"
          + (f", seeds {', '.join(map(str, seeds))}" if seeds else "")
          + f", {plan.num_parallel} at a time with {plan.threads} CPU thread(s) each, into {plan.out}", flush=True)
    start = time.perf_counter()
    try:
        rows = execute_jobs(plan)
    except KeyboardInterrupt:
        print("\nInterrupted: every kernel this run started was stopped; no summary written.", flush=True)
        return 130
    wall = time.perf_counter() - start
    for job, row in zip(plan.jobs, rows, strict=True):
        row["seed"] = job.seed if job.seed is not None else row["seed"]
    if plan.refresh:
        refresh_sources(plan, rows)
    table = write_summaries(plan.out, rows, aggregate(rows), wall, plan.num_parallel, plan.threads)
    print("\n" + table + f"\nWall time {wall:.1f} s. Summary written to {plan.out}/summary.md, summary.html and "
          "summary.json", flush=True)
    if plan.claims_report:
        for written in write_report(json.loads((plan.out / "summary.json").read_text()), plan.paths):
            print(f"wrote {written}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: parse, plan (every check before anything runs), run; returns the exit status."""
    command = parser()
    args = command.parse_args(argv)
    try:
        plan = make_plan(args)
    except ValueError as err:
        command.error(str(err))
    return run(plan)


if __name__ == "__main__":
    sys.exit(main())
