"""Grading: run each student's notebook headless and score every exercise with the instructor's own check.

Each submission is copied (nothing is written next to it), its check cells are replaced by the course
notebook's checks (a student who edits or deletes a check gains nothing), the preset's parameters are
injected, and every cell runs with a time limit, errors allowed, so one broken cell does not hide the rest.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

from ..config import NOTEBOOK_DIR, find_notebooks, is_lab, preset_parameters
from ..pool import Task, run_tasks
from .student import exercises, tags_of

GRADE_KEY = "grade_check"  # cell metadata: the exercise number of an inserted instructor check
ANSWER_KEY = "grade_answer"  # cell metadata: the exercise number of the student's answer cell


def course_notebook_for(submission: Path, source: Path = NOTEBOOK_DIR) -> Path:
    """The course notebook a submission answers, from its file name (e.g. alice_01_cnn.ipynb -> 01_cnn)."""
    found = [p for p in find_notebooks((), source) if p.stem in submission.name and not is_lab(p)]  # labs: no exercises
    if len(found) != 1:
        listing = ", ".join(p.stem for p in find_notebooks((), source))
        raise ValueError(f"{submission}: cannot tell which course notebook it answers from its name; pass "
                         f"--notebook (one of {listing}).")
    return found[0]


def graded_copy(submission: nbformat.NotebookNode, reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The submission with each check cell replaced by the reference's check, placed after the student's answer."""
    nb = copy.deepcopy(submission)
    nb.cells = [c for c in nb.cells if "check" not in tags_of(c) and GRADE_KEY not in c.get("metadata", {})]
    answers = [i for i, c in enumerate(nb.cells) if {"solution", "student-stub"} & set(tags_of(c))]
    by_id = {c.get("id"): i for i, c in enumerate(nb.cells) if c.get("id")}
    inserts: list[tuple[int, nbformat.NotebookNode]] = []
    for k, ex in enumerate(e for e in exercises(reference) if e["check"] is not None):
        answer_id = reference.cells[ex["cell"]].get("id")
        where = by_id.get(answer_id) if answer_id in by_id else (answers[k] if k < len(answers) else None)
        check = nbformat.v4.new_code_cell(reference.cells[ex["check"]].source)
        check.metadata[GRADE_KEY] = ex["number"]
        if where is not None:
            nb.cells[where].metadata[ANSWER_KEY] = ex["number"]
        inserts.append((len(nb.cells) if where is None else where + 1, check))
    for position, cell in sorted(inserts, key=lambda pc: pc[0], reverse=True):
        nb.cells.insert(position, cell)
    return nb


def _first_line(reply: dict[str, Any]) -> str:
    """'Name: first line of the message' of an error reply."""
    message = str(reply.get("evalue", "")).strip().splitlines()
    return f"{reply.get('ename', 'Error')}: {message[0] if message else ''}".strip().rstrip(":")


def grade_one(submission: Path, reference: Path, preset: str, timeout: int, executed: Path) -> dict[str, Any]:
    """Run one submission; return its row: the result of each exercise check ('passed', 'failed: ...', ...)."""
    from ..execution import run_notebook

    ref = nbformat.read(str(reference), as_version=4)
    numbers = [e["number"] for e in exercises(ref) if e["check"] is not None]
    row: dict[str, Any] = {"submission": str(submission), "notebook": reference.stem, "error": "",
                           "checks": {n: "not reached" for n in numbers}}
    try:
        nb = nbformat.read(str(submission), as_version=4)
    except Exception as err:  # noqa: BLE001 (any unreadable file is a grade, not a crash)
        row["error"] = f"unreadable notebook: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        row["checks"] = {n: "not run (unreadable notebook)" for n in numbers}
        return row
    nb = graded_copy(nb, ref)
    nb.metadata.setdefault("papermill", nbformat.from_dict({}))  # where papermill records the parameters
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill reads every cell's tags
    if not any("parameters" in tags_of(c) for c in nb.cells):  # papermill injects after a parameters cell
        nb.cells.insert(0, nbformat.from_dict(nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]})))
    replies: dict[int, dict[str, Any]] = {}

    def executed_hook(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        replies[cell_index] = execute_reply.get("content", {})

    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="course-grade-cwd-") as cwd:  # never the instructor's notebooks/
            nb = run_notebook(nb, executed, preset_parameters(reference, preset), Path(cwd), timeout,
                              allow_errors=True, on_cell=executed_hook)
    except Exception as err:  # noqa: BLE001 (the grade table reports it, e.g. a kernel that died)
        row["error"] = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
    answer_errors = {c.metadata[ANSWER_KEY]: replies[i] for i, c in enumerate(nb.cells)
                     if ANSWER_KEY in c.metadata and replies.get(i, {}).get("status") == "error"}
    for i, cell in enumerate(nb.cells):
        number = cell.metadata.get(GRADE_KEY)
        if number is None or i not in replies:
            continue
        reply = answer_errors.get(number, replies[i])  # a failing answer cell is the cause worth showing
        row["checks"][number] = "passed" if replies[i].get("status") == "ok" else f"failed: {_first_line(reply)}"
    return row


def died_row(submission: Path, reference: Path) -> dict[str, Any]:
    """The row of a submission whose grading process died: every check not run, and why."""
    numbers = [e["number"] for e in exercises(nbformat.read(str(reference), as_version=4)) if e["check"] is not None]
    return {"submission": str(submission), "notebook": reference.stem, "error": "the grading process died",
            "checks": {n: "not run (the grading process died)" for n in numbers}}


def student_label(submission: Path, submissions: Sequence[Path]) -> str:
    """A submission's name in the table: its path below the folder all submissions share, without .ipynb."""
    common = Path(os.path.commonpath([str(p.resolve().parent) for p in submissions]))
    return str(submission.resolve().relative_to(common).with_suffix(""))


def write_grades(rows: list[dict[str, Any]], labels: list[str], out: Path) -> list[Path]:
    """Write grades.csv and grades.md: one row per student, one column per exercise check, and the score."""
    numbers = list(dict.fromkeys(n for r in rows for n in r["checks"]))
    header = ["student", "notebook", *(f"exercise {n}" for n in numbers), "passed", "note"]
    table = []
    for label, r in zip(labels, rows, strict=True):
        passed = sum(v == "passed" for v in r["checks"].values())
        table.append([label, r["notebook"], *(r["checks"].get(n, "-") for n in numbers),
                      f"{passed}/{len(r['checks'])}", r["error"]])
    with open(out / "grades.csv", "w", newline="") as f:
        csv.writer(f).writerows([header, *table])
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(str(v).replace("|", "\\|") for v in line) + " |" for line in table]
    (out / "grades.md").write_text("\n".join(md) + "\n")
    (out / "grades.json").write_text(json.dumps(rows, indent=1) + "\n")
    return [out / "grades.csv", out / "grades.md", out / "grades.json"]


def grade(submissions: Sequence[Path], out: Path, notebook: str | None = None, preset: str = "smoke",
          timeout: int = 60, jobs: int = 1, source: Path = NOTEBOOK_DIR) -> list[Path]:
    """Grade every submission into `out` (grade tables, and the executed copies under out/executed/)."""
    if not submissions:
        raise ValueError("no submissions given")
    missing = [str(p) for p in submissions if not p.is_file()]
    if missing:
        raise ValueError(f"no such submission file: {', '.join(missing)}")
    if timeout <= 0 or jobs <= 0:
        raise ValueError("--timeout and -j must be positive")
    if any(out.resolve() == p.resolve().parent for p in submissions):
        raise ValueError(f"--out {out} is a submissions folder; choose another (nothing is written beside them).")
    references = [find_notebooks([notebook], source)[0] if notebook else course_notebook_for(p, source)
                  for p in submissions]
    labels = [student_label(p, submissions) for p in submissions]
    out.mkdir(parents=True, exist_ok=True)
    executed = [out / "executed" / f"{label.replace(os.sep, '__')}.ipynb" for label in labels]
    threads = max(1, (os.cpu_count() or 1) // jobs)
    started = time.perf_counter()
    done: list[int] = []

    def progress(i: int, row: dict[str, Any], seconds: float) -> None:
        done.append(i)
        passed = sum(v == "passed" for v in row["checks"].values())
        print(f"[{len(done)}/{len(submissions)}] {labels[i]}: {passed}/{len(row['checks'])} checks passed "
              f"({time.perf_counter() - started:.0f} s)", flush=True)

    tasks = [Task(label, grade_one, (p, r, preset, timeout, e), died_row(p, r))
             for label, p, r, e in zip(labels, submissions, references, executed, strict=True)]
    with tempfile.TemporaryDirectory(prefix="course-grade-") as work:
        rows = run_tasks(tasks, jobs, threads, Path(work), on_done=progress)
    return write_grades(rows, labels, out)
