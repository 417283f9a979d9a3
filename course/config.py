"""The course's notebooks, their presets and their quality bars, read from each notebook's metadata.

Each notebook declares, in `metadata["course"]`, the one place the runner and the tests read:
    {"smoke": {"num_epochs": 2},                          # parameter overrides of the smoke preset
     "bars": {"full": {"test_accuracy": ">= 0.985",       # what the full run (the defaults) must reach
                       "claims": {"gru_fewer_params": "held"}},  # claims that must hold ("held") or be
              "smoke": {"test_accuracy": ">= 0.9"}}}      # recorded either way ("recorded")
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
PRESETS = ("full", "smoke")
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
CLAIM_BARS = ("held", "recorded")
_BAR = re.compile(r"^\s*(>=|<=|==|>|<)\s*(-?[0-9.eE+-]+)\s*$")


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}  # as JupyterLab has it


NOTEBOOK_METADATA = ("kernelspec", "language_info", "course")  # what a committed notebook keeps (an allow-list,
CELL_METADATA = ("tags", "slideshow", "nbgrader", "jupyter", "collapsed", "scrolled")  # as nbdev's clean does)


def clean_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only the metadata a course notebook needs: no run records, timings, machine paths or editor state."""
    for key in set(nb.metadata) - set(NOTEBOOK_METADATA):
        del nb.metadata[key]
    nb.metadata["kernelspec"] = dict(KERNELSPEC)  # what JupyterLab writes, so opening it changes nothing
    for cell in nb.cells:
        for key in set(cell.metadata) - set(CELL_METADATA):
            del cell.metadata[key]
    return nb


def restore_hint(path: Path) -> str:
    """How to get a course notebook back as committed, or re-run it cleanly."""
    try:
        shown = path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        shown = f"{path.parent.name}/{path.name}"
    return (f"restore it with `git checkout -- {shown}` (your edits are lost: copy it first "
            f"to keep them), or re-run it top to bottom with `python -m course.run {path.stem} --refresh`")


def run_problem(nb: nbformat.NotebookNode) -> str:
    """'' when the notebook holds one clean top-to-bottom run; else what is wrong (not run, half-run, errors)."""
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    if code and all(n is None for n in counts):
        return "it has not been run (no outputs)"
    if counts != list(range(1, len(code) + 1)):
        missing = sum(n is None for n in counts)
        return (f"it was not run top to bottom in one go ({missing} of {len(code)} code cells not run)" if missing
                else "its cells were run out of order or more than once (execution counts are not 1..N)")
    if any(o.output_type == "error" for c in code for o in c.outputs):
        return "a cell stopped with an error"
    return ""


LAB_DIR = "labs"  # each lesson's lab, notebooks/labs/NN_name_lab.ipynb


def is_lab(path: Path) -> bool:
    """A lab notebook (the controlled experiments behind CLAIMS.md), not a lesson."""
    return path.stem.endswith("_lab")


def find_notebooks(names: Sequence[str] = (), folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The course notebooks in order, each lesson (`NN_name.ipynb`) followed by its lab (`labs/NN_name_lab.ipynb`),
    or those named by path (`x.ipynb`), stem or number ("01" picks lesson and lab, "01_cnn" the lesson,
    "01_cnn_lab" the lab)."""
    given = [Path(n) for n in names if n.endswith(".ipynb") and Path(n).is_file()]
    names = [n for n in names if Path(n) not in given]
    if given and not names:
        return given
    available = sorted([*folder.glob("[0-9][0-9]_*.ipynb"), *(folder / LAB_DIR).glob("[0-9][0-9]_*_lab.ipynb")],
                       key=lambda p: p.stem)
    if not names:
        return available
    chosen = given
    for name in names:
        stem = Path(name).stem
        matches = [p for p in available if p.stem == stem or p.stem.split("_", 1)[0] == stem]
        if not matches:
            listing = ", ".join(p.stem for p in available) or "none"
            raise ValueError(f"No notebook called {name!r} in {folder}. Available: {listing}.")
        chosen += [p for p in matches if p not in chosen]
    return chosen


def course_config(notebook: nbformat.NotebookNode | Path) -> dict[str, Any]:
    """The notebook's `metadata["course"]`, checked for the keys the runner needs."""
    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, Path) else notebook
    config = nb.metadata.get("course")
    where = notebook.name if isinstance(notebook, Path) else "notebook"
    if not isinstance(config, dict) or not isinstance(config.get("smoke"), dict):
        raise ValueError(f"{where}: metadata['course'] must hold a 'smoke' dict of parameter overrides.")
    bars = config.get("bars", {})
    if set(bars) != set(PRESETS):
        raise ValueError(f"{where}: metadata['course']['bars'] must have exactly the keys {PRESETS}.")
    for preset_bars in bars.values():
        for name, bar in preset_bars.items():
            if name == "claims":
                if not isinstance(bar, dict) or any(v not in CLAIM_BARS for v in bar.values()):
                    raise ValueError(f"{where}: bars 'claims' must map claim names to one of {CLAIM_BARS}.")
            else:
                parse_bar(bar)
    return config


def preset_parameters(notebook: nbformat.NotebookNode | Path, preset: str) -> dict[str, Any]:
    """Parameter overrides for a preset: none for "full" (the notebook's defaults), the smoke dict otherwise."""
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; use one of {PRESETS}.")
    return {} if preset == "full" else dict(course_config(notebook)["smoke"])


def parse_bar(bar: str) -> tuple[str, float]:
    """Split a bar such as ">= 0.985" into its operator and target."""
    match = _BAR.match(str(bar))
    if not match:
        raise ValueError(f"Bad quality bar {bar!r}: write an operator and a number, e.g. '>= 0.985'.")
    return match.group(1), float(match.group(2))


def check_bars(metrics: dict[str, Any], bars: dict[str, Any],
               claims: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Compare recorded metrics and claims with bars; one row per bar with the value and whether it was met."""
    rows = []
    for name, bar in bars.items():
        if name == "claims":
            continue
        op, target = parse_bar(bar)
        value = metrics.get(name)
        met = isinstance(value, int | float) and _OPS[op](value, target)
        rows.append({"kind": "metric", "metric": name, "bar": bar, "value": value, "met": bool(met)})
    for name, wanted in bars.get("claims", {}).items():
        found = (claims or {}).get(name)
        value = None if found is None else ("held" if found["held"] else "not held")
        met = value is not None and (wanted == "recorded" or value == "held")
        rows.append({"kind": "claim", "metric": name, "bar": wanted, "value": value, "met": met})
    return rows
