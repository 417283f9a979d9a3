"""The tooling's one process pool: each task in its own process and session, N at a time, a row for every task
(even one whose process died), and Ctrl-C stops every process and kernel started. The runner and the grader use it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = dict[str, Any]


@dataclass
class Task:
    """One piece of work: a module-level function and its arguments, and the row to report if its process dies."""

    label: str
    function: Callable[..., Row]
    args: tuple[Any, ...]
    if_died: Row = field(default_factory=dict)


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # so that papermill and nbclient shut their kernels down on the way out


def _child(task: Task, threads: int, row_file: Path, log_file: Path) -> None:
    """In the task's own process and session: run it with `threads` CPU threads, its output into its log."""
    os.setsid()  # Ctrl-C reaches the parent, which stops this process and everything it started
    os.environ.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))  # its kernels inherit them
    signal.signal(signal.SIGTERM, _stop)
    with open(log_file, "w") as log:
        os.dup2(log.fileno(), 1)  # the process's and its kernels' output go to the log, not to the terminal
        os.dup2(log.fileno(), 2)
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            row = task.function(*task.args)
    row_file.write_text(json.dumps(row))


def _died(task: Task, log_file: Path) -> Row:
    """The row of a task whose process ended without one: its fallback, with the last line of its log."""
    tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] if log_file.exists() else []
    row = json.loads(json.dumps(task.if_died))  # as a row that came back from a process would look
    return {**row, "error": f"{task.if_died.get('error', 'the process died')}: {' '.join(tail)}".rstrip(": ")}


def _shut_down(running: dict[int, Any]) -> None:
    """SIGTERM every running process, allow them 20 s in all to stop their kernels, then kill their sessions."""
    for proc in running.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.perf_counter() + 20
    for proc in running.values():
        proc.join(max(0.1, deadline - time.perf_counter()))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the process and what it started (its session)


def run_tasks(tasks: Sequence[Task], num_parallel: int, threads: int, work: Path,
              order: Sequence[int] | None = None, on_done: Callable[[int, Row, float], None] | None = None,
              ) -> list[Row]:
    """Run the tasks `num_parallel` at a time, each in a fresh process, started in `order` (default: as given);
    call `on_done(index, row, seconds)` as each ends; return the rows in task order."""
    context = multiprocessing.get_context("spawn")
    work.mkdir(parents=True, exist_ok=True)
    pending = list(order if order is not None else range(len(tasks)))
    rows: dict[int, Row] = {}
    running: dict[int, Any] = {}
    started: dict[int, float] = {}
    try:
        while pending or running:
            while pending and len(running) < num_parallel:
                i = pending.pop(0)
                files = work / f"task{i}.row.json", work / f"task{i}.log"
                running[i] = context.Process(target=_child, args=(tasks[i], threads, *files), daemon=False)
                running[i].start()
                started[i] = time.perf_counter()
            time.sleep(0.2)
            for i, proc in list(running.items()):
                if proc.is_alive():
                    continue
                proc.join()
                del running[i]
                row_file, log_file = work / f"task{i}.row.json", work / f"task{i}.log"
                ok = proc.exitcode == 0 and row_file.exists()
                rows[i] = json.loads(row_file.read_text()) if ok else _died(tasks[i], log_file)
                if on_done:
                    on_done(i, rows[i], time.perf_counter() - started[i])
    except KeyboardInterrupt:
        _shut_down(running)
        raise
    return [rows[i] for i in range(len(tasks))]
