"""Grading: run each student's notebook in its own sandbox and score every exercise with hidden checks.

Each submission is copied into a scratch folder (nothing is written next to it), its practice check cells dropped,
the preset's parameters injected and the lesson's hidden checks (course/kit/hidden/<stem>.py) appended; it runs in
a bubblewrap sandbox (course/kit/sandbox.py) with a time limit per cell and in all, errors allowed. The grade of each
exercise is decided here, in a process that never ran submission code, by comparing the check's result with the
same check's result on the course notebook's solutions (run once per grade run, the same way).
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

from ..config import NOTEBOOK_DIR, find_notebooks, is_lab, preset_parameters
from ..pool import Task, run_tasks
from .hidden import check_numbers, hidden_checks
from .sandbox import COURSE, Limits, course_copy, run_sandboxed, sandbox_problem, scratch_folder
from .student import exercises, tags_of
from .verdicts import ANSWER_KEY, HIDDEN_KEY, RESULTS, difference, hidden_cells, read_json

MAX_NOTEBOOK = 20 << 20  # bytes: a larger submission is not read
MAX_RESULT = 4 << 20  # bytes: a larger result file from the sandbox is ignored
UNSAFE = "UNSANDBOXED (--unsafe-no-sandbox): submissions ran as the grader, with its files and network"


def course_notebook_for(submission: Path, source: Path = NOTEBOOK_DIR) -> Path:
    """The course notebook a submission answers, from its file name (e.g. alice_01_cnn.ipynb -> 01_cnn)."""
    found = [p for p in find_notebooks((), source) if p.stem in submission.name and not is_lab(p)]  # labs: no exercises
    if len(found) != 1:
        listing = ", ".join(p.stem for p in find_notebooks((), source))
        raise ValueError(f"{submission}: cannot tell which course notebook it answers from its name; pass "
                         f"--notebook (one of {listing}).")
    return found[0]


def graded_copy(submission: nbformat.NotebookNode, reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The submission without its check cells (the grade never depends on them), each answer cell marked with its
    exercise number (found by the reference's cell id, else by position)."""
    nb = copy.deepcopy(submission)
    nb.cells = [c for c in nb.cells if "check" not in tags_of(c)]
    answers = [i for i, c in enumerate(nb.cells) if {"solution", "student-stub"} & set(tags_of(c))]
    by_id = {c.get("id"): i for i, c in enumerate(nb.cells) if c.get("id")}
    for k, ex in enumerate(exercises(reference)):
        answer_id = reference.cells[ex["cell"]].get("id")
        where = by_id.get(answer_id) if answer_id in by_id else (answers[k] if k < len(answers) else None)
        if where is not None:
            nb.cells[where].metadata[ANSWER_KEY] = ex["number"]
    return nb


def run_one(submission: Path, reference: Path, hidden: Path | None, preset: str, timeout: int, limits: Limits,
            course: Path, scratch: Path, executed: Path | None, sandbox: bool) -> dict[str, Any]:
    """Run one submission in its sandbox; return what came out: each hidden check's result or error, each answer
    cell's error, and why the run stopped early if it did. Runs in a pool process; never runs submission code."""
    ref = nbformat.read(str(reference), as_version=4)
    row: dict[str, Any] = {"submission": str(submission), "notebook": reference.stem, "error": "", "results": {},
                           "answer_errors": {}, "sandboxed": sandbox}
    try:
        nb = prepared(submission, ref, hidden)
    except Exception as err:  # noqa: BLE001 (any unreadable file is a grade, not a crash)
        text = str(err).strip().splitlines()
        row["error"] = f"unreadable notebook: {type(err).__name__}: {text[0] if text else ''}"[:300]
        return row
    scratch_folder(scratch)
    nbformat.write(nb, str(scratch / "submission.ipynb"))
    job = {"parameters": preset_parameters(reference, preset), "timeout": timeout}
    (scratch / "job.json").write_text(json.dumps(job))
    inside = COURSE if sandbox else course
    driver = [sys.executable, "-P", str(inside / "course" / "kit" / "verdicts.py"), "job.json"]
    stopped = run_sandboxed(driver, course, scratch, limits, scratch.parent / f"{scratch.name}.log", sandbox=sandbox)
    run = read_json(scratch / "run.json", MAX_RESULT) or {}
    errors = run.get("answer_errors") if isinstance(run, dict) else None
    row["answer_errors"] = {str(k): str(v)[:200] for k, v in errors.items()} if isinstance(errors, dict) else {}
    note = str(run.get("error", ""))[:300] if isinstance(run, dict) else ""
    row["error"] = stopped or note or ("" if run else "the sandbox wrote no record of the run")
    for n in check_numbers(hidden) if hidden else []:
        result = read_json(scratch / RESULTS / f"exercise_{n}.json", MAX_RESULT)
        if isinstance(result, dict) and ("value" in result or "error" in result):
            row["results"][str(n)] = result
    copy_executed(scratch / "executed.ipynb", executed)
    return row


def copy_executed(source: Path, target: Path | None) -> None:
    """Copy the executed notebook out of the scratch folder: a plain file under the size limit only."""
    if target is None or source.is_symlink() or not source.is_file() or source.stat().st_size > 4 * MAX_NOTEBOOK:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as f, open(target, "wb") as out:
        shutil.copyfileobj(f, out)


def verdicts(row: dict[str, Any], solution: dict[str, Any] | None, numbers: list[int]) -> dict[str, str]:
    """Each exercise's grade: 'passed', 'failed: <reason>', 'not run: <reason>' or 'not graded (...)'."""
    if solution is None:
        return {str(n): "not graded (no hidden checks)" for n in numbers}
    grades = {}
    for n in map(str, numbers):
        mine, theirs = row["results"].get(n), solution["results"].get(n)
        if theirs is None or "value" not in theirs:
            grades[n] = f"not graded (the solution's hidden check failed: {(theirs or {}).get('error', 'no result')})"
        elif mine is None:
            why = row["error"] or "the hidden check wrote no result"
            grades[n] = f"not run: {why}"
        elif "error" in mine:
            grades[n] = f"failed: {row['answer_errors'].get(n) or str(mine['error'])[:200]}"
        else:
            wrong = difference(mine["value"], theirs["value"])
            grades[n] = "passed" if not wrong else f"failed: {wrong} from the solution's (on unseen inputs)"
    return grades


def prepared(submission: Path, reference: nbformat.NotebookNode, hidden: Path | None) -> nbformat.NotebookNode:
    """The notebook that runs: the submission without its check cells, answers marked, a parameters cell, the
    hidden checks appended. Raises ValueError for a file that is not a notebook this course could have written."""
    if submission.stat().st_size > MAX_NOTEBOOK:
        raise ValueError(f"over {MAX_NOTEBOOK >> 20} MB")
    raw = json.loads(submission.read_bytes())
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list) or raw.get("nbformat") != 4:
        raise ValueError("not a version 4 notebook (a JSON object with nbformat 4 and a list of cells)")
    for cell in raw["cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), str | list):
            raise ValueError("a cell is not a JSON object with a source")
        meta = cell["metadata"] = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        tags = meta.get("tags")
        meta["tags"] = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
        meta.pop(ANSWER_KEY, None), meta.pop(HIDDEN_KEY, None)
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    nb = graded_copy(nb, reference)
    nb.metadata["papermill"] = nbformat.from_dict({})  # where papermill records the parameters
    nb.metadata["kernelspec"] = nbformat.from_dict({"name": "python3", "display_name": "Python 3",
                                                     "language": "python"})
    if not any("parameters" in tags_of(c) for c in nb.cells):  # papermill injects after a parameters cell
        nb.cells.insert(0, nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]}))
    if hidden is not None:
        nb.cells += hidden_cells(hidden.read_text(), check_numbers(hidden))
    return nb


def student_label(submission: Path, submissions: Sequence[Path]) -> str:
    """A submission's name in the table: its path below the folder all submissions share, without .ipynb."""
    common = Path(os.path.commonpath([str(p.resolve().parent) for p in submissions]))
    return str(submission.resolve().relative_to(common).with_suffix(""))


def spreadsheet_safe(value: Any) -> str:
    """A CSV field that a spreadsheet shows as text: one starting with = + - @ (or a tab or CR) gets a leading '."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_grades(rows: list[dict[str, Any]], labels: list[str], out: Path, sandboxed: bool = True) -> list[Path]:
    """Write grades.csv, grades.md and grades.json: one row per student, one column per exercise, and the score."""
    numbers = list(dict.fromkeys(n for r in rows for n in r["checks"]))
    header = ["student", "notebook", *(f"exercise {n}" for n in numbers), "passed", "note"]
    table = []
    for label, r in zip(labels, rows, strict=True):
        passed = sum(v == "passed" for v in r["checks"].values())
        note = "; ".join(x for x in ("" if sandboxed else UNSAFE, r["error"]) if x)
        table.append([label, r["notebook"], *(r["checks"].get(n, "-") for n in numbers),
                      f"{passed}/{len(r['checks'])}", note])
    with open(out / "grades.csv", "w", newline="") as f:
        csv.writer(f).writerows([header, *([spreadsheet_safe(v) for v in line] for line in table)])
    md = [f"**{UNSAFE}.**\n"] if not sandboxed else []
    md += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in line) + " |" for line in table]
    (out / "grades.md").write_text("\n".join(md) + "\n")
    labelled = [{**r, "student": label} for label, r in zip(labels, rows, strict=True)]
    (out / "grades.json").write_text(json.dumps(labelled, indent=1) + "\n")
    return [out / "grades.csv", out / "grades.md", out / "grades.json"]


def died_row(submission: Path, reference: Path, sandboxed: bool) -> dict[str, Any]:
    """The row of a submission whose grading process died."""
    return {"submission": str(submission), "notebook": reference.stem, "error": "the grading process died",
            "results": {}, "answer_errors": {}, "sandboxed": sandboxed}


def grade(submissions: Sequence[Path], out: Path, notebook: str | None = None, preset: str = "smoke",
          timeout: int = 60, jobs: int = 1, source: Path = NOTEBOOK_DIR, memory_gib: float = 4.0,
          time_limit: float = 600.0, unsafe: bool = False) -> list[Path]:
    """Grade every submission into `out` (grade tables, and the executed copies under out/executed/)."""
    if not submissions:
        raise ValueError("no submissions given")
    missing = [str(p) for p in submissions if not p.is_file()]
    if missing:
        raise ValueError(f"no such submission file: {', '.join(missing)}")
    if timeout <= 0 or jobs <= 0 or memory_gib <= 0 or time_limit <= 0:
        raise ValueError("--timeout, -j, --memory and --time-limit must be positive")
    if any(out.resolve() == p.resolve().parent for p in submissions):
        raise ValueError(f"--out {out} is a submissions folder; choose another (nothing is written beside them).")
    problem = "" if unsafe else sandbox_problem()
    if problem:
        raise ValueError(f"cannot grade safely: the sandbox cannot start. Fix: {problem}")
    references = [find_notebooks([notebook], source)[0] if notebook else course_notebook_for(p, source)
                  for p in submissions]
    labels = [student_label(p, submissions) for p in submissions]
    out.mkdir(parents=True, exist_ok=True)
    lessons = sorted(set(references))
    hidden = {r: hidden_checks(r.stem) for r in lessons}
    for r in lessons:
        if hidden[r] is None:
            print(f"{r.stem} has no hidden checks (course/kit/hidden/{r.stem}.py): its exercises are not graded.")
    if unsafe:
        print(f"WARNING: {UNSAFE}.", flush=True)
    limits, threads = Limits(int(memory_gib * 2**30), time_limit), max(1, (os.cpu_count() or 1) // jobs)
    solved = [r for r in lessons if hidden[r]]
    executed = [out / "executed" / f"{label.replace(os.sep, '__')}.ipynb" for label in labels]
    started, done = time.perf_counter(), []

    def progress(i: int, row: dict[str, Any], seconds: float) -> None:
        done.append(i)
        name = f"the solution of {solved[i].stem}" if i < len(solved) else labels[i - len(solved)]
        print(f"[{len(done)}/{len(solved) + len(submissions)}] {name}: ran ({time.perf_counter() - started:.0f} s)"
              + (f"; {row['error']}" if row["error"] else ""), flush=True)

    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder:
        work = Path(folder)
        work.chmod(0o755)
        course = course_copy(work / "course")
        tasks = [Task(r.stem, run_one, (r, r, hidden[r], preset, timeout, limits, course, work / f"solution{k}",
                                        None, not unsafe), died_row(r, r, not unsafe)) for k, r in enumerate(solved)]
        tasks += [Task(label, run_one, (p, r, hidden[r], preset, timeout, limits, course, work / f"submission{i}",
                                        e, not unsafe), died_row(p, r, not unsafe))
                  for i, (label, p, r, e) in enumerate(zip(labels, submissions, references, executed, strict=True))]
        rows = run_tasks(tasks, jobs, threads, work / "pool", on_done=progress)
        (work / "solutions.json").write_text(json.dumps(rows[:len(solved)]))  # the run's cache of the solutions
    solutions = dict(zip(solved, rows[:len(solved)], strict=True))
    for row, r in zip(rows[len(solved):], references, strict=True):
        numbers = [e["number"] for e in exercises(nbformat.read(str(r), as_version=4))]
        row["checks"] = verdicts(row, solutions.get(r), numbers)
    return write_grades(rows[len(solved):], labels, out, not unsafe)
