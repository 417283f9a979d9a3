"""Running notebooks in parallel: each run in its own worker process and kernel, N at a time, stoppable by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .summary import fmt

Execute = Callable[[Path, Path, dict[str, Any], str, int | None], dict[str, Any]]


@dataclass
class Job:
    """One notebook run: which notebook, with which parameters, into which file."""

    path: Path
    parameters: dict[str, Any]
    output: Path
    preset: str
    timeout: int | None
    seed: int | None = None  # the run's seed when --seeds chose it (passed as a parameter unless the default)

    def label(self) -> str:
        seed = self.parameters.get("seed", self.seed)
        return self.path.stem + ("" if seed is None else f" seed {seed}")


def worker(job_file: str, execute: Execute) -> int:
    """Worker process: run the job described in `job_file` and write its row beside it; SIGTERM stops the kernel."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # papermill then shuts its kernel down on the way out

    signal.signal(signal.SIGTERM, stop)
    spec = json.loads(Path(job_file).read_text())
    row = execute(Path(spec["path"]), Path(spec["output"]), spec["parameters"], spec["preset"], spec["timeout"])
    Path(job_file).with_suffix(".row.json").write_text(json.dumps(row))
    return 0


def _start(job: Job, threads: int, work: Path) -> tuple[subprocess.Popen, Path]:
    """Launch a worker process for `job`, in its own session (Ctrl-C reaches the runner, which stops it)."""
    work.mkdir(parents=True, exist_ok=True)
    job_file = work / f"{job.label().replace(' ', '-')}.job.json"
    job_file.write_text(json.dumps({"path": str(job.path), "output": str(job.output), "preset": job.preset,
                                    "parameters": job.parameters, "timeout": job.timeout}))
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    log = open(job_file.with_suffix(".log"), "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen([sys.executable, "-m", "course.run", "--worker", str(job_file)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log = log  # type: ignore[attr-defined]
    return proc, job_file


def _finish(job: Job, proc: subprocess.Popen, job_file: Path) -> dict[str, Any]:
    """The row a finished worker wrote, or a 'crashed' row with the end of its log."""
    proc.log.close()  # type: ignore[attr-defined]
    row_file = job_file.with_suffix(".row.json")
    if proc.returncode == 0 and row_file.exists():
        return json.loads(row_file.read_text())
    tail = job_file.with_suffix(".log").read_text()[-800:]
    return {"notebook": job.path.stem, "preset": job.preset, "seed": job.parameters.get("seed"),
            "parameters": job.parameters, "output": None, "status": "crashed",
            "error": " ".join(tail.strip().splitlines()[-1:]),
            "seconds": None, "metrics": {}, "claims": {}, "bars": []}


def _report(done: int, total: int, job: Job, row: dict[str, Any], seconds: float) -> None:
    """One line per finished run: its time, verdict, claims held and metrics."""
    metrics = ", ".join(f"{k}={fmt(v)}" for k, v in row["metrics"].items())
    held = sum(c["held"] for c in row["claims"].values())
    claims = f"  claims held {held}/{len(row['claims'])}" if row["claims"] else ""
    print(f"[{done}/{total}] {job.label()}: {row['status']} in {seconds:.1f} s{claims}  {metrics}  "
          f"{row['error']}".rstrip(), flush=True)


def longest_first(jobs: list[Job], expected: dict[str, float]) -> list[int]:
    """Job indices in start order: the longest expected notebook first, so no long run is left alone at the end."""
    return sorted(range(len(jobs)), key=lambda i: -expected.get(jobs[i].path.stem, 0.0))


def run_jobs(jobs: list[Job], num_parallel: int, threads: int, work: Path, execute: Execute,
             expected: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Run the jobs, `num_parallel` at a time; print a line as each finishes; return rows in job order.

    One at a time, they run in this process (kernels inherit its environment) in job order; in parallel, each
    in a worker process, started longest first by `expected` seconds per notebook. On Ctrl-C every kernel
    started is shut down and KeyboardInterrupt is raised again.
    """
    if num_parallel == 1:
        rows_in_order = []
        for i, job in enumerate(jobs, 1):
            started = time.perf_counter()
            rows_in_order.append(execute(job.path, job.output, job.parameters, job.preset, job.timeout))
            _report(i, len(jobs), job, rows_in_order[-1], time.perf_counter() - started)
        return rows_in_order
    rows: dict[int, dict[str, Any]] = {}
    running: dict[int, tuple[subprocess.Popen, Path, float]] = {}
    pending = longest_first(jobs, expected or {})
    try:
        while pending or running:
            while pending and len(running) < num_parallel:
                i = pending.pop(0)
                running[i] = (*_start(jobs[i], threads, work), time.perf_counter())
            time.sleep(0.2)
            for i, (proc, job_file, started) in list(running.items()):
                if proc.poll() is None:
                    continue
                del running[i]
                rows[i] = _finish(jobs[i], proc, job_file)
                _report(len(rows), len(jobs), jobs[i], rows[i], time.perf_counter() - started)
    except KeyboardInterrupt:
        for proc, _, _ in running.values():
            proc.send_signal(signal.SIGTERM)
        deadline = time.perf_counter() + 20  # one grace period shared by all workers, not 20 s each
        for proc, _, _ in running.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.perf_counter()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.log.close()  # type: ignore[attr-defined]
        raise
    return [rows[i] for i in range(len(jobs))]
