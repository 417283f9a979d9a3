"""Named numbers a notebook records in its output (metrics; course.results reads them back), and how numbers are
written for people."""

from __future__ import annotations

import math
from typing import Any

METRICS_MIME = "application/vnd.dlcourse.metrics+json"


def clean_value(name: str, value: Any) -> float | int | str | bool:
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

    clean = {name: clean_value(name, value) for name, value in metrics.items()}
    width = max(len(name) for name in clean) if clean else 0
    text = "\n".join(f"{name:<{width}}  {format_number(value)}" for name, value in clean.items())
    display({METRICS_MIME: clean, "text/plain": text}, raw=True)
