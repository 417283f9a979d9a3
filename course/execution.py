"""Execute one course notebook with papermill: clean its run-specific metadata, read its metrics, claims and bars."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from .config import check_bars, clean_metadata, course_config

# Two kernels started at the same moment can race for the same free ports; the loser dies before it answers.
KERNEL_START_FAILED = "Kernel died before replying to kernel_info"
KERNEL_START_ATTEMPTS = 3
_CR = re.compile(r"[^\n]*\r(?=[^\n])")  # text that a later carriage return on the same line overwrites


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An executed notebook as committed: allow-listed metadata only, progress-bar redraws in streams collapsed."""
    clean_metadata(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged: list[nbformat.NotebookNode] = []
        for out in cell.outputs:
            if out.output_type == "stream" and merged and merged[-1].output_type == "stream" \
                    and merged[-1].name == out.name:
                merged[-1].text += out.text
            else:
                merged.append(out)
        for out in merged:
            if out.output_type == "stream":
                out.text = _CR.sub("", out.text).replace("\r", "")
        cell.outputs = merged
    return nb


def run_notebook(source: Path | nbformat.NotebookNode, output: Path, parameters: dict[str, Any], cwd: Path,
                 timeout: int | None = None, allow_errors: bool = False,
                 on_cell: Callable[..., Any] | None = None) -> nbformat.NotebookNode:
    """Run a notebook with papermill into `output` (the runner's and the grader's one executor): parameters injected
    after its `parameters` cell, each cell within `timeout` s, a kernel that dies while starting started again.
    With `allow_errors` every cell runs (a cell over its time is interrupted and reads as a `Timeout` error) and a
    cell's error raises nothing; `on_cell(cell=, cell_index=, execute_reply=)` is called after each cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import remove_error_markers

    options: dict[str, Any] = {"on_cell_executed": on_cell} if on_cell else {}
    if allow_errors:
        options.update(allow_errors=True, interrupt_on_timeout=True,
                       error_on_timeout={"ename": "Timeout", "evalue": f"the cell ran over {timeout} s"})
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            return papermill.execute_notebook(source if isinstance(source, nbformat.NotebookNode) else str(source),
                                              str(output), parameters=parameters, kernel_name="python3",
                                              cwd=str(cwd), progress_bar=False, execution_timeout=timeout,
                                              request_save_on_cell_execute=False,  # one write at the end
                                              **options)
        except PapermillExecutionError:
            if not allow_errors:
                raise
            nb = remove_error_markers(nbformat.read(str(output), as_version=4))  # papermill's banner cells
            nbformat.write(nb, str(output))
            return nb
        except RuntimeError as err:  # the kernel died while starting: no cell ran, so starting again is safe
            if KERNEL_START_FAILED not in str(err) or attempt == KERNEL_START_ATTEMPTS:
                raise
            print(f"{Path(str(output)).stem}: the kernel died while starting ({err}); starting it again.", flush=True)
            time.sleep(1.0)
    raise AssertionError("unreachable")


def execute(path: Path, output: Path, parameters: dict[str, Any], preset: str,
            timeout: int | None = None) -> dict[str, Any]:
    """Execute one notebook with papermill into `output`; return its summary row (status, time, metrics, bars)."""
    from papermill.exceptions import PapermillExecutionError

    from .report import code_hash
    from .results import read_claims, read_metrics  # imported here: the grader's sandbox runs notebooks without them

    bars = course_config(path)["bars"][preset]
    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    row: dict[str, Any] = {"notebook": path.stem, "preset": preset, "seed": parameters.get("seed"),
                           "parameters": parameters, "output": str(output), "code_sha256": code_hash(path)}
    try:
        run_notebook(path, output, parameters, path.parent, timeout)
        row["status"], row["error"] = "ok", ""
    except PapermillExecutionError as err:
        row["status"], row["error"] = "failed", f"{err.ename}: {err.evalue}"
    row["seconds"] = round(time.perf_counter() - start, 1)
    nb = clean_notebook(nbformat.read(str(output), as_version=4))
    nbformat.write(nb, str(output))
    row["metrics"], row["claims"] = read_metrics(nb), read_claims(nb)
    row["bars"] = check_bars(row["metrics"], bars, row["claims"])
    if row["status"] == "ok" and not all(b["met"] for b in row["bars"]):
        row["status"] = "missed bar"
    return row
