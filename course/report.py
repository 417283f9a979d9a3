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

from helpers.findings import effect_text, judge, verdict_words

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


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a literal | (as in ||x||) would end the cell."""
    return text.replace("|", "\\|")


def _numbers(claim: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {fmt_spread(s)}" for k, s in claim["numbers"].items())


def _joint_held(claims: list[dict[str, Any]]) -> tuple[int, int]:
    """In how many seeds every one of several claims held, of how many (from their per-seed outcomes)."""
    of = min(c["of"] for c in claims)
    per_seed = [{s["seed"]: s["held"] for s in c.get("per_seed") or []} for c in claims]
    if not all(per_seed):
        return min(c["held"] for c in claims), of
    seeds = set.intersection(*(set(p) for p in per_seed))
    return sum(all(p[seed] for p in per_seed) for seed in seeds), of


def judge_row(claims: list[dict[str, Any]]) -> dict[str, Any]:
    """An article row judged by the rule over its tests: it holds when every finding holds, does not hold when one
    does not, has no word while one has no interval, and is inconclusive otherwise; k counts the seeds where all
    held (a row of checks only passes there)."""
    judged = [judge(c) for c in claims]
    if len(judged) == 1:
        return judged[0]
    held, of = _joint_held(claims)
    words = [j["word"] for j in judged if j["kind"] == "finding"]
    word = ("does not hold" if "does not hold" in words else None if None in words
            else "holds" if all(w == "holds" for w in words) else "inconclusive")
    return {"kind": "finding" if words else "check", "held": held, "of": of, "n": 0, "mean": None,
            "low": None, "high": None, "word": word, "hint": ""}


def article_rows(notebooks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim of the article: the course claims that test it, and its verdict by the rule."""
    rows = []
    for entry in ARTICLE_CLAIMS:
        tests = [(nb, name, notebooks.get(nb, {}).get("claims", {}).get(name)) for nb, name in entry["tests"]]
        found = [(nb, name, c) for nb, name, c in tests if c is not None]
        if not found:
            rows.append({**entry, "verdict": f"not measured yet: {entry['pending']}", "found": []})
            continue
        judged = judge_row([c for _, _, c in found])
        rows.append({**entry, "verdict": verdict_words(judged, entry.get("scope", "general")), "found": found})
    return rows


RULE = ("**How to read a verdict.** A *check* is true by construction or says our code equals PyTorch's; it "
        "\"passes in k of n seeds\". A *finding* is measured: at each seed its notebook records the effect, the "
        "signed size of what it says (positive on its side), and where known the effect's standard error from "
        "sampling the test set. The effect column gives the mean effect over the n seeds and its 95% interval, "
        "mean ± t(0.975, n − 1) · √(s²/n + mean(se²)), with s the effect's standard deviation over seeds and se "
        "each seed's test-set standard error: every seed is scored on the same test set, so that set's sampling "
        "error is shared by all seeds and does not shrink as seeds are added. A finding **holds** when the "
        "interval lies entirely above 0, **does not hold** when it lies entirely below, and is **inconclusive** "
        "when it straddles 0 (then it says how many seeds, or how much larger a test set, might decide it if the "
        "mean stayed). \"k of n seeds\" beside it counts the seeds at which the notebook's own test held. With "
        "one seed, or no effect recorded, there is no interval and no verdict word: the finding reads \"k of n "
        "seeds, no effect recorded\". An article claim with several tests holds when all of them hold.")


def _test_line(nb: str, name: str, claim: dict[str, Any], several: bool) -> str:
    """One test of an article row, with its own verdict when the row has several."""
    return f"{nb} · `{name}`" + (f" ({verdict_words(judge(claim))})" if several else "")


def report_markdown(summary: dict[str, Any], hashes: dict[str, str]) -> str:
    """CLAIMS.md: the rule, the article's claims, then the course's own findings and checks, with verdicts, effects
    and numbers, and each notebook's runs."""
    notebooks = summary["notebooks"]
    seeds = sorted({s for a in notebooks.values() for s in a["seeds"]})
    lines = ["# Claims: what the course measured", "", RULE, "",
             f"Made by `{REGENERATE}` from a full run of every notebook at seeds {', '.join(map(str, seeds))} "
             f"({summary['machine']}; {summary['finished']}; wall time {summary['wall_s']:.0f} s"
             + (f" over {summary['merged']} runs merged by notebook" if summary.get("merged", 1) > 1 else "")
             + f", {summary['jobs']} notebooks at a time). Each claim is computed by its notebook from what it "
             "measured (see the claim's line in the notebook's output); a claim that did not hold is a result "
             "too. Numbers are the mean [min, max] over the seeds; `claims.json` has every seed's.", "",
             "## The article's claims", "",
             "| # | the article says | verdict | effect [95% interval] | tested by | numbers |",
             "|---|---|---|---|---|---|"]
    for row in article_rows(notebooks):
        several = len(row["found"]) > 1
        tested = "<br>".join(_test_line(nb, name, c, several) for nb, name, c in row["found"]) or "-"
        effects = "<br>".join(effect_text(judge(c)) for _, _, c in row["found"]) or "-"
        numbers = "<br>".join(_numbers(c) for _, _, c in row["found"]) or "-"
        note = f" ({row['note']})" if row.get("note") and row["found"] else ""
        lines.append(f"| {row['id']} | {_cell(row['statement'])} | {_cell(row['verdict'] + note)} | {effects} | "
                     f"{tested} | {numbers} |")
    used = {(nb, name) for entry in ARTICLE_CLAIMS for nb, name in entry["tests"]}
    own = [(nb, name, c, judge(c)) for nb, a in notebooks.items() for name, c in a["claims"].items()
           if (nb, name) not in used]
    for kind, title in (("finding", "Findings"), ("check", "Checks")):
        mine = [(nb, name, c, j) for nb, name, c, j in own if j["kind"] == kind]
        effect = " effect [95% interval] |" if kind == "finding" else ""
        lines += ["", f"## {title} the course adds", "",
                  f"| notebook | claim | statement | verdict |{effect} numbers |",
                  "|---|---|---|---|" + ("---|" if effect else "") + "---|"]
        lines += [f"| {nb} | `{name}` | {_cell(c['statement'])} | {verdict_words(j)} |"
                  + (f" {effect_text(j)} |" if effect else "") + f" {_numbers(c)} |" for nb, name, c, j in mine]
        if not mine:
            lines.append(f"| - | - | no {kind}s recorded | - |" + (" - |" if effect else "") + " - |")
    bars = [f"{nb} · `{name}`" for nb, a in notebooks.items() for name in a.get("bar_claims") or []
            if name in a["claims"] and judge(a["claims"][name])["kind"] == "finding"]
    lines += ["", "Findings that are also quality bars (a run fails when they do not hold: `course.bars.full.claims` "
              "in the notebook's metadata): " + (", ".join(bars) if bars else "none") + "."]
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
