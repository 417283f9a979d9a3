"""Execute one course notebook with papermill: clean its run-specific metadata, read its metrics, claims and bars."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import nbformat

from helpers.claims import read_claims
from helpers.metrics import read_metrics

from .config import check_bars, clean_metadata, course_config
from .report import code_hash

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


def execute(path: Path, output: Path, parameters: dict[str, Any], preset: str,
            timeout: int | None = None) -> dict[str, Any]:
    """Execute one notebook with papermill into `output`; return its summary row (status, time, metrics, bars)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    bars = course_config(path)["bars"][preset]
    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    row: dict[str, Any] = {"notebook": path.stem, "preset": preset, "seed": parameters.get("seed"),
                           "parameters": parameters, "output": str(output), "code_sha256": code_hash(path)}
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                papermill.execute_notebook(str(path), str(output), parameters=parameters, kernel_name="python3",
                                           cwd=str(path.parent), progress_bar=False, execution_timeout=timeout,
                                           request_save_on_cell_execute=False)  # one write at the end (or on error)
                break
            except RuntimeError as err:  # the kernel died while starting: no cell ran, so starting again is safe
                if KERNEL_START_FAILED not in str(err) or attempt == KERNEL_START_ATTEMPTS:
                    raise
                print(f"{path.stem}: the kernel died while starting ({err}); starting it again.", flush=True)
                time.sleep(1.0)
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
