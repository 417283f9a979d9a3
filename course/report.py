"""The claims report: the article's claims and the course's own, each with its verdict over the seeds of a full run.

    python -m course.run --seeds 0-4 -j 2 --claims-report     # run the course, then write the report
    python -m course.report runs/full-seeds            # write it again from that run's summary.json
    python -m course.report runs/full-seeds runs/new   # merge: each notebook from the last run that has it
    python -m course.report claims.json runs/new       # merge into the committed report (no runs/ needed)

Merging lets a release re-run only the notebooks whose code changed (`python -m course.run 01 02 --seeds 0-4
-j 2 --refresh --out runs/new`); every run records its notebook's code hash, and the report refuses a run
whose code differs from the notebook's code now. The committed claims.json can stand in for the runs it was
made from, so a fresh checkout re-runs only what changed.

It writes CLAIMS.md (for people, linked from the README) and claims.json (the same, machine-readable, with a
hash of each notebook's code cells: a test fails when a notebook's code changed after the report was made).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

from .article import ARTICLE_CLAIMS
from .config import REPO_ROOT, find_notebooks, is_lab
from .summary import fmt_spread, merge_summaries, read_source

REPORT_MD = REPO_ROOT / "CLAIMS.md"
REPORT_JSON = REPO_ROOT / "claims.json"
EXERCISE_TAGS = {"solution", "check", "student-stub"}  # cells of a lesson's exercises
REGENERATE = "python -m course.run --seeds 0-4 -j 2 --claims-report"


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


def verdict(held: int, of: int, scope: str = "general") -> str:
    """A claim's verdict over `of` seeds in words."""
    where = " on this CPU" if scope == "machine" else ""
    if of == 0:
        return "not measured"
    if held == of:
        return f"holds{where} in {held}/{of} seeds" + (", not in general" if scope == "machine" else "")
    if held == 0:
        return f"does not hold here{where} (0/{of} seeds)"
    return f"holds{where} in {held}/{of} seeds"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a literal | (as in ||x||) would end the cell."""
    return text.replace("|", "\\|")


def _numbers(claim: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {fmt_spread(s)}" for k, s in claim["numbers"].items())


def article_rows(notebooks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim of the article: the course claims that test it, and a verdict over the seeds."""
    rows = []
    for entry in ARTICLE_CLAIMS:
        tests = [(nb, name, notebooks.get(nb, {}).get("claims", {}).get(name)) for nb, name in entry["tests"]]
        found = [(nb, name, c) for nb, name, c in tests if c is not None]
        if not found:
            rows.append({**entry, "verdict": f"not measured yet: {entry['pending']}", "found": []})
            continue
        of = min(c["of"] for _, _, c in found)
        held = min(c["held"] for _, _, c in found)  # the article's claim holds in a seed only if all its tests do
        rows.append({**entry, "verdict": verdict(held, of, entry.get("scope", "general")), "found": found})
    return rows


def report_markdown(summary: dict[str, Any], hashes: dict[str, str]) -> str:
    """CLAIMS.md: the article's claims, then the course's own claims, each with its verdict and numbers."""
    notebooks = summary["notebooks"]
    seeds = sorted({s for a in notebooks.values() for s in a["seeds"]})
    lines = ["# Claims: what the course measured", "",
             f"Made by `{REGENERATE}` from a full run of every notebook at seeds {', '.join(map(str, seeds))} "
             f"({summary['machine']}; {summary['finished']}; wall time {summary['wall_s']:.0f} s"
             + (f" over {summary['merged']} runs merged by notebook" if summary.get("merged", 1) > 1 else "")
             + f", {summary['jobs']} notebooks at a time). Each claim is computed by its notebook from what it "
             "measured (see the claim's line in the notebook's output); a claim that did not hold is a result "
             "too. Numbers are the mean [min, max] over the seeds.", "",
             "## The article's claims", "",
             "| # | the article says | verdict | tested by | numbers |", "|---|---|---|---|---|"]
    for row in article_rows(notebooks):
        tested = "<br>".join(f"{nb} · `{name}`" for nb, name, _ in row["found"]) or "-"
        numbers = "<br>".join(_numbers(c) for _, _, c in row["found"]) or "-"
        note = f" ({row['note']})" if row.get("note") and row["found"] else ""
        lines.append(f"| {row['id']} | {_cell(row['statement'])} | {_cell(row['verdict'] + note)} | {tested} | "
                     f"{numbers} |")
    used = {(nb, name) for entry in ARTICLE_CLAIMS for nb, name in entry["tests"]}
    lines += ["", "## Claims the course adds", "",
              "| notebook | claim | statement | verdict | numbers |", "|---|---|---|---|---|"]
    own = [(nb, name, c) for nb, a in notebooks.items() for name, c in a["claims"].items() if (nb, name) not in used]
    for nb, name, c in own:
        lines.append(f"| {nb} | `{name}` | {_cell(c['statement'])} | {verdict(c['held'], c['of'])} | {_numbers(c)} |")
    if not own:
        lines.append("| - | - | no other claims recorded yet | - | - |")
    lines += ["", "## Runs", "", f"Time per run: wall time of one full run, kernel start included, with "
              f"{summary['jobs']} notebook(s) running at a time on the machine above.", "",
              "| notebook | runs passing their bars | claims holding in every seed | time per run (s) | code sha256 |",
              "|---|---|---|---|---|"]
    for nb, a in notebooks.items():
        always = sum(c["held"] == c["of"] for c in a["claims"].values())
        seconds = f"{a['seconds']['mean']:.0f} [{a['seconds']['min']:.0f}, {a['seconds']['max']:.0f}]" \
            if a.get("seconds") else "-"
        lines.append(f"| {nb} | {a['ok']}/{a['runs']} | {always}/{len(a['claims'])} | {seconds} | "
                     f"`{hashes.get(nb, '?')[:12]}` |")
    return "\n".join(lines) + "\n"


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
    md.write_text(report_markdown(summary, hashes))
    data = {key: summary[key] for key in ("machine", "finished", "wall_s", "jobs", "merged") if key in summary}
    data["notebooks"] = {nb: {"code_sha256": hashes[nb], "runs": a["runs"], "ok": a["ok"], "seeds": a["seeds"],
                              "seconds": a.get("seconds"), "claims": a["claims"], "metrics": a["metrics"]}
                         for nb, a in summary["notebooks"].items()}
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
