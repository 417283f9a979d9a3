"""Named results a notebook records in its output, read back by the runner and the tests."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import nbformat

METRICS_MIME = "application/vnd.dlcourse.metrics+json"


def _clean(name: str, value: Any) -> float | int | str | bool:
    """Turn a tensor or NumPy scalar into a plain JSON value; refuse NaN and infinities."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"metric {name} is {value}: training diverged or a metric is undefined.")
        return value
    raise TypeError(f"metric {name} must be a number or a string, got {type(value).__name__}")


def record_metrics(**metrics: Any) -> None:
    """Show named results in the cell output, machine-readably (JSON) and for people (a table)."""
    from IPython.display import display  # imported here: helpers stay importable without IPython running

    clean = {name: _clean(name, value) for name, value in metrics.items()}
    width = max(len(name) for name in clean) if clean else 0
    text = "\n".join(f"{name:<{width}}  {value:.4f}" if isinstance(value, float) else f"{name:<{width}}  {value}"
                     for name, value in clean.items())
    display({METRICS_MIME: clean, "text/plain": text}, raw=True)


def read_metrics(notebook: nbformat.NotebookNode | str | Path) -> dict[str, Any]:
    """Every metric recorded in an executed notebook's outputs; later records of a name win."""
    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if METRICS_MIME in data:
                found.update(data[METRICS_MIME])
    return found
