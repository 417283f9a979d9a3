"""The instructor guide's 10-week plan, made from the lessons themselves: their objectives, exercises, slides and
reading times, and their and their labs' run times from claims.json, so the plan's times always add up.

    python -m course.kit guide            # rewrite the plan between its markers in notebooks/README.md
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat

from helpers.findings import reading_minutes

from ..config import NOTEBOOK_DIR, find_notebooks, is_lab
from ..report import REPORT_JSON
from .pages import deck_slides
from .student import exercises

START = "<!-- week plan: made by `python -m course.kit guide`; do not edit by hand -->"
END = "<!-- end of week plan -->"
GUIDE = NOTEBOOK_DIR / "README.md"
MINUTES_PER_SLIDE = 2  # lecturing from the deck
MINUTES_PER_STAR = 10  # an exercise of difficulty ★ takes about 10 minutes, ★★ 20, ★★★ 30
WEEK_ZERO = """### Week 0 · Tensors, autograd and the training loop

Before the first lesson, a learner should be able to make and reshape tensors, compute a gradient with
autograd, write a `nn.Module` and train it with a loop of forward, loss, backward and step. Pointers: PyTorch's
*Learn the Basics* tutorial (tensors, autograd, optimisation), and chapters 2 (preliminaries) and 3 (linear
neural networks) of *Dive into Deep Learning*. Lesson 01 writes its training loop on the page, so a class that
knows tensors and autograd can start there.
"""
PROJECTS = """**Ideas for a final project.**

- Take a lab's inconclusive verdict in [CLAIMS.md](../CLAIMS.md) and decide it: more seeds, a larger test set or
  a larger budget, with the decision rule stated before the runs.
- Swap one architecture's dataset for one of the class's own (kept offline, loaded by a function in `helpers/`
  style) and report the lesson's model against the simple baseline a practitioner would try first.
- Add a block the course does not build (e.g. layer normalisation's variants, relative positions, a convolutional
  sequence model) from scratch, check it against `torch.nn`, and test one claim about it over five seeds.
- Train 09's GPT on another text of the class's choice and measure bits per character against 03's LSTM at equal
  time.
"""


def objectives(nb: nbformat.NotebookNode) -> list[str]:
    """The lesson's learning objectives: the bullets under 'By the end of this notebook you will be able to'."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "you will be able to" in cell.source:
            after = cell.source.split("you will be able to", 1)[1]
            bullets = re.findall(r"^\s*(?:-|\d+\.) (.+(?:\n {2,}.+)*)", after.split("\n\n**", 1)[0], flags=re.M)
            return [" ".join(b.split()) for b in bullets]
    return []


def difficulty(nb: nbformat.NotebookNode, ex: dict[str, Any]) -> int:
    """An exercise's number of stars in its prompt (1 when unmarked)."""
    found = re.search(r"\((★{1,3})\)", nb.cells[ex["prompt"]].source) if ex["prompt"] is not None else None
    return len(found.group(1)) if found else 1


def _run_minutes(stem: str, report: dict[str, Any]) -> float | None:
    seconds = (report.get("notebooks", {}).get(stem) or {}).get("seconds")
    return seconds["mean"] / 60 if seconds else None


def week(number: int, lesson: Path, report: dict[str, Any]) -> str:
    """One week of the plan: objectives, the time of each part (and their sum), and which exercises to assign."""
    nb = nbformat.read(str(lesson), as_version=4)
    lab = lesson.parent / "labs" / f"{lesson.stem}_lab.ipynb"
    found = exercises(nb)
    stars = {ex["number"]: difficulty(nb, ex) for ex in found}
    in_class = [n for n, s in stars.items() if s == 1]
    homework = [n for n, s in stars.items() if s > 1]
    parts = [("lecture from the deck", MINUTES_PER_SLIDE * len(deck_slides(nb)),
              f"{len(deck_slides(nb))} slides, {MINUTES_PER_SLIDE} min each"),
             ("learners read and run the lesson", reading_minutes(lesson) + (_run_minutes(lesson.stem, report) or 0),
              "its reading time plus its run time"),
             ("exercises in class", MINUTES_PER_STAR * sum(stars[n] for n in in_class),
              "the ★ ones: " + ", ".join(map(str, in_class)) if in_class else "none marked ★")]
    homework_minutes = MINUTES_PER_STAR * sum(stars[n] for n in homework)
    lab_minutes = reading_minutes(lab) + (_run_minutes(lab.stem, report) or 0) if lab.exists() else 0
    title = nb.cells[0].source.splitlines()[0].lstrip("# ").split("·")[-1].strip()
    lines = [f"### Week {number} · {title} ([lesson]({lesson.name}), [lab](labs/{lab.name}))", "",
             "By the end of the week a learner can:", *(f"- {o}" for o in objectives(nb)), "",
             "| part | minutes | from |", "|---|---|---|"]
    lines += [f"| {name} | {minutes:.0f} | {how} |" for name, minutes, how in parts]
    lines += [f"| **in class** | **{sum(m for _, m, _ in parts):.0f}** | the sum of the parts above |",
              f"| homework: exercises {', '.join(map(str, homework)) or '-'} | {homework_minutes:.0f} | "
              f"★★ and ★★★, {MINUTES_PER_STAR} min a star |",
              f"| homework: read and run the lab | {lab_minutes:.0f} | its reading time plus its run time |", ""]
    if _run_minutes(lesson.stem, report) is None:
        lines += ["*Run times are not in claims.json yet: the release run measures them.*", ""]
    return "\n".join(lines)


def week_plan(source: Path = NOTEBOOK_DIR, report_file: Path = REPORT_JSON) -> str:
    """The whole plan: week 0, a week per lesson (in course order), and the final project."""
    report = json.loads(report_file.read_text()) if report_file.is_file() else {}
    lessons = [p for p in find_notebooks((), source) if not is_lab(p)]
    weeks = [week(k, path, report) for k, path in enumerate(lessons, start=1)]
    return "\n".join([START, "", WEEK_ZERO, *weeks, f"### Week {len(lessons) + 1} · Final projects", "",
                      "Each learner (or pair) presents a project; the ideas below build on the labs.", "",
                      PROJECTS, END])


def write_guide(guide: Path = GUIDE, source: Path = NOTEBOOK_DIR, report_file: Path = REPORT_JSON) -> Path:
    """Replace the plan between its markers in the guide (the rest of the file is left as it is)."""
    text = guide.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{guide} has no week-plan markers; put these two lines where the plan goes:\n{START}\n{END}")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    guide.write_text(before + week_plan(source, report_file) + after)
    return guide
