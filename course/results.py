"""What an executed notebook recorded in its outputs, read back for the runner, the report and the tests: its
metrics (`helpers.record_metrics`) and its claims (`helpers.claim`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat


def read_notebook(notebook: nbformat.NotebookNode | str | Path) -> nbformat.NotebookNode:
    """A notebook from a path, or the notebook itself."""
    return nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook


def _records(notebook: nbformat.NotebookNode | str | Path, mime: str) -> dict[str, Any]:
    """Every record of one MIME type in a notebook's code-cell outputs, merged in order: later records of a name win."""
    found: dict[str, Any] = {}
    for cell in read_notebook(notebook).cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            found.update(output.get("data", {}).get(mime, {}))
    return found


def read_metrics(notebook: nbformat.NotebookNode | str | Path) -> dict[str, Any]:
    """Every metric recorded in an executed notebook's outputs; later records of a name win."""
    from helpers.metrics import METRICS_MIME  # imported here: importing course.results loads no torch

    return _records(notebook, METRICS_MIME)


def read_claims(notebook: nbformat.NotebookNode | str | Path) -> dict[str, dict[str, Any]]:
    """Every claim recorded in an executed notebook: name -> {"statement", "held", "numbers", "kind", and "effect"
    and "effect_se" where given}; later records win."""
    from helpers.claims import CLAIMS_MIME

    return _records(notebook, CLAIMS_MIME)
