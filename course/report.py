"""The claims report: the article's claims and the course's own, each with its verdict over the seeds of a full run.

    python -m course.run --seeds 0-4 -j 2 --claims-report     # run the course, then write the report
    python -m course.report runs/full-seeds            # write it again from that run's summary.json
    python -m course.report runs/full-seeds runs/new   # merge: each notebook from the last run that has it
    python -m course.report claims.json runs/new       # merge into the committed report (no runs/ needed)

Merging lets a release re-run only the notebooks whose code changed (`python -m course.run 01 02 --seeds 0-4
-j 2 --refresh --out runs/new`); every run records its notebook's code hash, and the report refuses a run
whose code differs from the notebook's code now. The committed claims.json can stand in for the runs it was
made from, so a fresh checkout re-runs only what changed.

It writes CLAIMS.md (for people, linked from the README; its text comes from course.claims_md) and claims.json
(the same, machine-readable, with a hash of each notebook's code cells: a test fails when a notebook's code
changed after the report was made).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

from .article import article_rows
from .claims_md import REGENERATE, report_markdown
from .config import REPO_ROOT, find_notebooks, is_lab
from .summary import merge_summaries, read_source

REPORT_MD = REPO_ROOT / "CLAIMS.md"
REPORT_JSON = REPO_ROOT / "claims.json"
EXERCISE_TAGS = {"solution", "check", "student-stub"}  # cells of a lesson's exercises


def _code_tree(source: str) -> str:
    """A cell's code as a syntax tree in text: magics made calls, comments, formatting and docstrings left out; a cell
    that does not parse stays as its text."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and body \
                and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def code_hash(notebook: Path) -> str:
    """sha256 of what a notebook's code does: its code cells' syntax trees in order, so a comment, a blank line or a
    docstring can change without a new release, and a changed constant cannot. A lab's hash covers its lesson's
    code too (a lab may run the lesson's definitions), but not the lesson's exercises, which no lab runs."""
    cells = [c for c in nbformat.read(str(notebook), as_version=4).cells if c.cell_type == "code"]
    lesson = notebook.parent.parent / f"{notebook.stem.removesuffix('_lab')}.ipynb"
    if is_lab(notebook) and lesson.exists():
        cells += [c for c in nbformat.read(str(lesson), as_version=4).cells if c.cell_type == "code"
                  and not EXERCISE_TAGS & set(c.get("metadata", {}).get("tags") or [])]
    return hashlib.sha256("\0".join(_code_tree(c.source) for c in cells).encode()).hexdigest()


def bar_claims(notebook: Path) -> list[str]:
    """The claims a notebook's full run must hold (its metadata's course.bars.full.claims with value "held")."""
    config = nbformat.read(str(notebook), as_version=4).metadata.get("course") or {}
    return [name for name, bar in config.get("bars", {}).get("full", {}).get("claims", {}).items() if bar == "held"]


def write_report(summary: dict[str, Any], paths: Sequence[Path] = (), folder: Path = REPO_ROOT) -> list[Path]:
    """Write CLAIMS.md and claims.json (into the repository) from a multi-seed run's summary; return their paths."""
    paths = list(paths) or find_notebooks()
    missing = sorted({p.stem for p in paths} - set(summary["notebooks"]))
    if missing:
        raise ValueError(f"the run has no results for {', '.join(missing)}: run every notebook ({REGENERATE}).")
    hashes = {p.stem: code_hash(p) for p in paths}
    stale = [nb for nb in hashes if summary["notebooks"][nb].get("code_sha256") != hashes[nb]]
    if stale:
        raise ValueError(f"the run of {', '.join(stale)} used other code than the notebooks have now: run them "
                         "again (python -m course.run NN --seeds 0-4 -j 2).")
    md, js = folder / REPORT_MD.name, folder / REPORT_JSON.name
    bars = {p.stem: bar_claims(p) for p in paths}
    data = {key: summary[key] for key in ("machine", "finished", "wall_s", "jobs", "merged") if key in summary}
    data["notebooks"] = {nb: {"code_sha256": hashes[nb], "runs": a["runs"], "ok": a["ok"], "seeds": a["seeds"],
                              "seconds": a.get("seconds"), "claims": a["claims"], "metrics": a["metrics"],
                              "bar_claims": bars.get(nb, [])} for nb, a in summary["notebooks"].items()}
    md.write_text(report_markdown(data, hashes))
    data["article"] = [{"id": r["id"], "statement": r["statement"], "verdict": r["verdict"],
                        "tests": [f"{nb}:{name}" for nb, name, _ in r["found"]]} for r in article_rows(
                            summary["notebooks"])]
    js.write_text(json.dumps(data, indent=1) + "\n")
    return [md, js]


def recorded(key: str, report: Path = REPORT_JSON) -> dict[str, Any]:
    """Each notebook's `key` in the last claims report; empty when there is no readable report (a hint only:
    the tests check the report itself)."""
    try:
        return {nb: a.get(key) for nb, a in json.loads(report.read_text())["notebooks"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def expected_seconds(report: Path = REPORT_JSON) -> dict[str, float]:
    """Each notebook's mean full-preset run time in the last claims report (empty when there is none)."""
    try:
        return {nb: float(s["mean"]) for nb, s in recorded("seconds", report).items() if s}
    except (KeyError, TypeError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: rewrite the report from one run folder's summary.json, or merge several."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    try:
        summaries = [read_source(Path(source)) for source in args]
        written = write_report(merge_summaries(summaries))
    except ValueError as err:
        print(str(err), file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
