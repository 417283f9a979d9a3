"""Named results a notebook records in its output (metrics and claims), read back by the runner, tests and report."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def format_number(value: float | int | str | bool, digits: int | None = None) -> str:
    """A number as people read it: four decimals, or four significant digits when small or large; with `digits`,
    that many significant digits (for prose)."""
    if isinstance(value, float) and not isinstance(value, bool):
        if digits is not None:
            return f"{value:.{digits}g}"
        return f"{value:.4f}" if 1e-3 <= abs(value) < 1e5 or value == 0 else f"{value:.4g}"
    return str(value)


def record_metrics(**metrics: Any) -> None:
    """Show named results in the cell output, machine-readably (JSON) and for people (a table)."""
    from IPython.display import display  # imported here: helpers stay importable without IPython running

    clean = {name: _clean(name, value) for name, value in metrics.items()}
    width = max(len(name) for name in clean) if clean else 0
    text = "\n".join(f"{name:<{width}}  {format_number(value)}" for name, value in clean.items())
    display({METRICS_MIME: clean, "text/plain": text}, raw=True)


def _read(notebook: nbformat.NotebookNode | str | Path) -> nbformat.NotebookNode:
    """A notebook from a path, or the notebook itself."""
    import nbformat  # imported here: a notebook kernel that records metrics never needs it

    return nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook


def read_metrics(notebook: nbformat.NotebookNode | str | Path) -> dict[str, Any]:
    """Every metric recorded in an executed notebook's outputs; later records of a name win."""
    nb = _read(notebook)
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if METRICS_MIME in data:
                found.update(data[METRICS_MIME])
    return found


CLAIMS_MIME = "application/vnd.dlcourse.claims+json"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SESSION_CLAIMS: dict[str, dict[str, Any]] = {}  # the claims this process recorded, for show_claims()


def claim(name: str, statement: str, held: Any, **numbers: Any) -> None:
    """Record a conclusion drawn from a measurement: held or not, what it says, and the numbers behind it.

    A claim that does not hold is a result, shown and recorded as such, not an error.
    """
    from IPython.display import display

    if not _NAME.match(name):
        raise ValueError(f"claim name {name!r}: use lower-case snake_case, e.g. 'gru_fewer_params'.")
    held = bool(held.item() if hasattr(held, "item") else held)
    clean = {key: _clean(key, value) for key, value in numbers.items()}
    shown = ", ".join(f"{k}={format_number(v)}" for k, v in clean.items())
    verdict = "HELD    " if held else "NOT HELD"
    text = f"{'✔' if held else '✘'} {verdict} {name}: {statement}" + (f"\n           ({shown})" if shown else "")
    colour = "#1a7f37" if held else "#b42318"
    page = (f'<div style="font-family:monospace"><b style="color:{colour}">{"✔ held" if held else "✘ not held"}</b> '
            f"<code>{html.escape(name)}</code>: {html.escape(statement)}"
            + (f'<br><small style="color:#555">{html.escape(shown)}</small>' if shown else "") + "</div>")
    record = {name: {"statement": statement, "held": held, "numbers": clean}}
    _SESSION_CLAIMS.update(record)
    display({CLAIMS_MIME: record, "text/plain": text, "text/html": page}, raw=True)


def read_claims(notebook: nbformat.NotebookNode | str | Path) -> dict[str, dict[str, Any]]:
    """Every claim recorded in an executed notebook: name -> {"statement", "held", "numbers"}; later records win."""
    nb = _read(notebook)
    found: dict[str, dict[str, Any]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            found.update(output.get("data", {}).get(CLAIMS_MIME, {}))
    return found


def show_claims() -> None:
    """Show every claim recorded so far in this kernel as a table (verdict, name, statement): the summary's ledger."""
    from IPython.display import display

    rows = ["| | claim | statement |", "|---|---|---|"]
    rows += [f"| {'✔ held' if c['held'] else '✘ not held'} | `{name}` | {c['statement']} |"
             for name, c in _SESSION_CLAIMS.items()]
    text = "\n".join(f"{'HELD    ' if c['held'] else 'NOT HELD'} {name}: {c['statement']}"
                     for name, c in _SESSION_CLAIMS.items())
    display({"text/markdown": "\n".join(rows) if _SESSION_CLAIMS else "*no claims recorded yet*",
             "text/plain": text or "no claims recorded yet"}, raw=True)
