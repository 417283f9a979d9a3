"""What a lesson says about itself and its lab, computed, never typed: its reading and run time, and the lab's
findings in sentences made from the committed claims report (claims.json)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .metrics import format_number

if TYPE_CHECKING:
    from IPython.display import Markdown

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
REPORT = REPO_ROOT / "claims.json"
Note = str | tuple[str, str]  # one sentence, or (if it held, if it did not)


def read_report(report: Path = REPORT) -> dict[str, Any]:
    """The committed claims report, or {} when there is none or it cannot be read."""
    try:
        data = json.loads(Path(report).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def reading_minutes(path: Path) -> float:
    """Minutes to read a notebook: prose at 180 words a minute, code at 10 lines, 20 s a figure, output at 300."""
    cells = json.loads(Path(path).read_text())["cells"]

    def text(value: Any) -> str:
        return "".join(value) if isinstance(value, list) else str(value or "")

    prose = " ".join(re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\(http[^)]*\)", " ", text(c["source"]), flags=re.S)
                     for c in cells if c["cell_type"] == "markdown")
    words = len(re.findall(r"[A-Za-z][A-Za-z'-]*", prose))
    figures = sum(len(re.findall(r"!\[[^\]]*\]\([^)]+\)|<img\s", text(c["source"])))
                  for c in cells if c["cell_type"] == "markdown")
    lines = out_words = 0
    for cell in (c for c in cells if c["cell_type"] == "code"):
        lines += sum(1 for line in text(cell["source"]).splitlines() if line.strip())
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data or "image/svg+xml" in data:
                figures += 1
            else:
                out_words += len(text(out.get("text") or data.get("text/plain")).split())
    return words / 180 + lines / 10 + figures / 3 + out_words / 300


def _seconds(name: str, report: dict[str, Any]) -> str:
    """A notebook's mean full-preset run time in the report, in words."""
    seconds = (report.get("notebooks", {}).get(name) or {}).get("seconds")
    if not seconds:
        return "not measured yet (it is measured by the claims report's release run)"
    return (f"about {seconds['mean']:.0f} s at the full preset on the release machine "
            f"({report.get('machine', 'a CPU')}; mean of {len(report['notebooks'][name].get('seeds', []))} seeds)")


def lesson_facts(name: str, report: Path = REPORT) -> Markdown:
    """The lesson's reading time (from its text) and its and its lab's run times (from the claims report)."""
    from IPython.display import Markdown

    data = read_report(report)
    path = NOTEBOOKS / f"{name}.ipynb"
    read = f"about {round(reading_minutes(path))} minutes" if path.exists() else "unknown (notebook not found)"
    return Markdown(f"**Reading time:** {read}, computed from this notebook's text, code and figures.  \n"
                    f"**Run time:** {_seconds(name, data)}.  \n"
                    f"**Its lab** ([labs/{name}_lab.ipynb](labs/{name}_lab.ipynb)): {_seconds(name + '_lab', data)}.")


def _number(value: Any) -> str:
    """A number for a sentence: three significant digits, thousands grouped."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else format_number(value, 3)


def _numbers(numbers: Mapping[str, Any]) -> str:
    """'name mean (seeds from min to max)' for each recorded number of a claim."""
    parts = []
    for key, s in numbers.items():
        if isinstance(s, Mapping) and s.get("min") != s.get("max"):
            parts.append(f"{key} {_number(s['mean'])} (seeds from {_number(s['min'])} "
                         f"to {_number(s['max'])})")
        else:
            parts.append(f"{key} {_number(s['mean'] if isinstance(s, Mapping) else s)}")
    return "; ".join(parts)


def finding(name: str, found: Mapping[str, Any] | None, note: Note = "") -> str:
    """One claim of the report in words: its verdict over the seeds, its statement, its numbers and what it means."""
    if not found:
        return f"- `{name}`: not in the claims report yet; the next release measures it."
    held, of = found["held"], found["of"]
    words = "Held" if held == of else "Did not hold" if held == 0 else "Held in some seeds, not all"
    meaning = note if isinstance(note, str) else note[0] if held == of else note[1] if held == 0 else ""
    numbers = _numbers(found.get("numbers", {}))
    return (f"- **{words}: {held} of {of} seeds.** {found['statement']}"
            + (f" Measured: {numbers}." if numbers else "") + (f" {meaning}" if meaning else ""))


def lab_findings(lab: str, notes: Mapping[str, Note], report: Path = REPORT) -> Markdown:
    """What a lab measured, claim by claim, in sentences made from the claims report, with a link to the lab."""
    from IPython.display import Markdown

    data = read_report(report)
    claims = (data.get("notebooks", {}).get(lab) or {}).get("claims", {})
    when = data.get("finished", "no release yet")
    lines = [finding(name, claims.get(name), note) for name, note in notes.items()]
    lines.append(f"\nFrom the claims report of {when} (numbers are means over the seeds); the experiments, "
                 f"their budgets and baselines are in [the lab](labs/{lab}.ipynb), every claim in "
                 "[CLAIMS.md](../CLAIMS.md).")
    return Markdown("\n".join(lines))
