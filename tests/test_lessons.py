"""Each lesson is a lesson a learner finishes (issue 23's numbers) and each has its lab beside it.

A lesson (notebooks/NN_name.ipynb): objectives up front, its reading and run time computed, a short setup cell,
short code cells, few claims, a diagram drawn for the course, and what its lab found in words made from the claims
report. A lab (notebooks/labs/NN_name_lab.ipynb): the controlled experiments, never a copy of the lesson's code.
"""

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from notebook_code import notebook_definitions

from course import NOTEBOOK_DIR, course_config, find_notebooks, is_lab
from helpers.findings import reading_minutes

LESSONS = [p for p in find_notebooks() if not is_lab(p)]
MAX_READ_MIN, MAX_SETUP_LINES, MAX_CELL_LINES, MAX_CLAIM_CALLS, MAX_MEAN_SENTENCE = 45, 12, 25, 4, 22
DIAGRAM = re.compile(r"!\[([^\]]*)\]\((figures/[^)\s]+\.svg)\)")
SVG = "{http://www.w3.org/2000/svg}"


def code_lines(cell: nbformat.NotebookNode) -> int:
    return sum(1 for line in cell.source.splitlines() if line.strip())


def mean_sentence(nb: nbformat.NotebookNode) -> float:
    """Mean words per sentence of the markdown prose (LaTeX, code and link targets left out)."""
    prose = " ".join(re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\(http[^)]*\)", " ", c.source, flags=re.S)
                     for c in nb.cells if c.cell_type == "markdown")
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", prose)) if len(s.split()) > 2]
    return sum(len(s.split()) for s in sentences) / max(len(sentences), 1)


def diagrams(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(alt text, path) of every SVG diagram a lesson's markdown shows."""
    return [m.groups() for c in nb.cells if c.cell_type == "markdown" for m in DIAGRAM.finditer(c.source)]


def body(node: ast.AST) -> str:
    """A definition's syntax without its name: a copy under another name is still a copy."""
    return "\n".join(ast.dump(statement) for statement in node.body)


@pytest.fixture(params=LESSONS, ids=[p.stem for p in LESSONS])
def lesson(request) -> tuple[Path, nbformat.NotebookNode]:
    return request.param, nbformat.read(str(request.param), as_version=4)


def test_every_lesson_has_its_lab():
    assert LESSONS
    for path in LESSONS:
        lab = NOTEBOOK_DIR / "labs" / f"{path.stem}_lab.ipynb"
        assert lab.exists(), f"{path.stem} has no lab at {lab.relative_to(NOTEBOOK_DIR.parent)}"


def test_lesson_is_within_its_reading_load(lesson):
    path, nb = lesson
    code = [c for c in nb.cells if c.cell_type == "code"]
    at = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    assert code_lines(code[at + 1]) <= MAX_SETUP_LINES, f"setup cell over {MAX_SETUP_LINES} lines"
    longest = max(code, key=code_lines)
    assert code_lines(longest) <= MAX_CELL_LINES, f"a code cell of {code_lines(longest)} lines:\n{longest.source}"
    calls = sum(len(re.findall(r"(?<![\w.])(?:claim|record_metrics)\(", c.source)) for c in code)
    assert calls <= MAX_CLAIM_CALLS, f"{calls} claim()/record_metrics() calls (at most {MAX_CLAIM_CALLS})"
    assert reading_minutes(path) <= MAX_READ_MIN, f"{reading_minutes(path):.0f} min to read"
    assert mean_sentence(nb) <= MAX_MEAN_SENTENCE, f"mean sentence {mean_sentence(nb):.1f} words"


def test_lesson_opens_with_objectives_prerequisites_and_a_map(lesson):
    _, nb = lesson
    head = " ".join(c.source for c in nb.cells[:4] if c.cell_type == "markdown").lower()
    for needed in ("learning objectives", "you will be able to", "assumes", "sections"):
        assert needed in head, f"the front matter lacks {needed!r}"


def test_lesson_shows_a_diagram_drawn_for_the_course(lesson):
    path, nb = lesson
    found = diagrams(nb)
    assert found, "no SVG diagram from notebooks/figures/ in markdown"
    for alt, file in found:
        assert len(alt.split()) >= 8, f"{file}: alt text must say what the diagram shows ({alt!r})"
        svg = NOTEBOOK_DIR / file
        assert svg.exists(), f"{file} is missing"
        root = ET.parse(svg).getroot()
        assert root.tag == f"{SVG}svg" and root.get("viewBox"), f"{file}: an <svg> with a viewBox"
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None, f"{file}: title, desc"
        text = svg.read_text()
        assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/", ""), f"{file}: external"
        width, height = map(float, root.get("viewBox").split()[2:])
        assert width / height >= 1.2, f"{file}: too tall for a slide ({width:.0f} x {height:.0f})"


def test_the_course_has_at_least_twelve_diagrams():
    files = {file for path in LESSONS for _, file in diagrams(nbformat.read(str(path), as_version=4))}
    assert len(files) >= 12, f"{len(files)} diagrams: {sorted(files)}"


def test_lesson_says_what_its_lab_found(lesson):
    path, nb = lesson
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## What the lab found" in c.source),
              None)
    assert at is not None, "no '## What the lab found' section"
    call = next((c for c in nb.cells[at:] if c.cell_type == "code" and "lab_findings(" in c.source), None)
    assert call is not None, "the section must call lab_findings(...)"
    node = next(n for n in ast.walk(ast.parse(call.source)) if isinstance(n, ast.Call)
                and getattr(n.func, "id", "") == "lab_findings")
    assert ast.literal_eval(node.args[0]) == f"{path.stem}_lab", "lab_findings names this lesson's lab"
    names = [ast.literal_eval(k) for k in node.args[1].keys]
    lab = NOTEBOOK_DIR / "labs" / f"{path.stem}_lab.ipynb"
    recorded = set(course_config(lab)["bars"]["full"].get("claims", {}))
    assert names and set(names) <= recorded, f"claims the lab does not record: {sorted(set(names) - recorded)}"


def test_lab_copies_no_definition_of_its_lesson(lesson):
    path, _ = lesson
    taught = {body(node) for node in notebook_definitions(path.name).values()}
    lab = notebook_definitions(f"labs/{path.stem}_lab.ipynb")
    copied = [name for name, node in lab.items() if body(node) in taught]
    assert not copied, f"the lab copies the lesson's {copied}: import from helpers or use torch.nn"


def test_lesson_has_a_lecture_deck_its_author_chose(lesson):
    """Issue 25: 15 to 30 slides chosen by slide metadata, a diagram among them, code on slides <= 80 characters."""
    from course.kit.pages import authored_deck, deck_slides

    path, nb = lesson
    assert authored_deck(nb), f"{path.stem}: no cell has slideshow metadata (see CONTRIBUTING.md, Slides)"
    slides = deck_slides(nb)
    assert 15 <= len(slides) <= 30, f"{path.stem}: {len(slides)} slides; a one-hour lecture deck has 15 to 30"
    cells = [c for slide in slides for c in slide]
    wide = [line for c in cells if c.cell_type == "code" for line in c.source.splitlines() if len(line) > 80]
    assert not wide, f"{path.stem}: code lines on slides wider than 80 characters: {wide[:3]}"
    assert any(DIAGRAM.search(c.source) for c in cells if c.cell_type == "markdown"), f"{path.stem}: no diagram slide"
    assert not any(set(c.metadata.get("tags") or []) & {"solution", "check"} for c in cells), \
        f"{path.stem}: an exercise's solution or check is on a slide"


def test_lesson_has_exercises_a_class_can_use(lesson):
    """Issue 25: six or more exercises marked by difficulty, three or more of them conceptual or predict-then-run,
    each with a solution and a check (the student version keeps the check; the grader has a hidden check)."""
    from course.kit.student import exercises

    path, nb = lesson
    found = exercises(nb)
    prompts = [nb.cells[e["prompt"]].source for e in found]
    assert len(found) >= 6, f"{path.stem}: {len(found)} exercises; a class needs at least 6"
    assert all(re.search(r"\*\*Exercise \d+ \(★{1,3}\)", p) for p in prompts), \
        f"{path.stem}: every exercise prompt starts '**Exercise N (★).**' (★ to ★★★)"
    conceptual = [p for p in prompts if re.search(r"[Pp]redict|[Ee]xplain|[Ww]hy|[Ww]hich|[Ww]hat happens", p)]
    assert len(conceptual) >= 3, f"{path.stem}: {len(conceptual)} conceptual or predict-then-run exercises; need 3"
    assert all(e["check"] is not None for e in found), f"{path.stem}: an exercise without a check"
