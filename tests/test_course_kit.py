"""The teaching kit: student versions stop at their first exercise, checks tell wrong from right, slides and
the web version are written offline. Course notebooks are executed once each, in one kernel per notebook."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course import NOTEBOOK_DIR, find_notebooks, is_lab, kit, preset_parameters
from helpers.metrics import METRICS_MIME

# a 1x1 PNG, standing in for a plot
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                                     "0000000d49444154789c6360f80f0000010101005d2b5b8a0000000049454e44ae426082")
                       ).decode()


def toy_notebook(folder: Path, name: str = "99_toy", executed: bool = False) -> Path:
    """A small course notebook with the course's conventions: metadata, parameters, two exercises."""
    def tagged(source: str, tag: str) -> nbformat.NotebookNode:
        return new_code_cell(source, metadata={"tags": [tag]})

    cells = [
        new_markdown_cell("# 99 · Toy notebook\nWe fit a line $y = 2x$ and record its slope."),
        tagged("num_points = 50  # full run; the smoke preset uses 10\nseed = 0  # unused", "parameters"),
        new_code_cell("import os\nassert num_points <= 10, 'the test runs the smoke preset'\n"
                      "data_dir = os.environ['COURSE_DATA_DIR']"),
        new_markdown_cell("## Data\nPoints on a line."),
        new_code_cell("X = list(range(1, num_points + 1))\ny = [2 * x for x in X]\nlen(X)"),
        new_markdown_cell("### A long cell"),
        new_code_cell("\n".join(f"v{i} = {i}" for i in range(30))),
        new_code_cell("slope = y[-1] / X[-1]\nslope"),
        new_markdown_cell("## Exercises\n**Exercise 1.** Compute the mean of `y` as `y_mean`."),
        tagged("%time y_mean = sum(y) / len(y)", "solution"),
        tagged("assert abs(y_mean - (num_points + 1)) < 1e-9, y_mean", "check"),
        new_markdown_cell("**Exercise 2.** Write `double(v)` that returns twice `v`."),
        tagged("def double(v):\n    twice = 2 * v\n    return twice", "solution"),
        tagged("assert double(3) == 6 and double(-1.5) == -3.0", "check"),
        new_markdown_cell("## References\n[A link](https://example.org)"),
    ]
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "course": {"title": "A toy notebook", "smoke": {"num_points": 10},
                       "bars": {"full": {"slope": ">= 1.9"}, "smoke": {"slope": ">= 1.5"}}},
            "papermill": {"parameters": {}}}
    nb = new_notebook(cells=cells, metadata=meta)
    if executed:  # outputs as the runner leaves them: a plot and the recorded metrics
        nb.cells[7].outputs = [new_output("display_data", {"image/png": PNG, "text/plain": "<Figure>"}),
                               new_output("display_data", {METRICS_MIME: {"slope": 2.0}, "text/plain": "slope 2"})]
        nb.cells[7].execution_count = 5
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / f"{name}.ipynb"))
    return folder / f"{name}.ipynb"


def test_bound_names():
    source = ("%matplotlib inline\nimport numpy as np\nfrom os import path\na, (b, c) = 1, (2, 3)\n"
              "def f(x):\n    inner = x\n    return inner\nclass K:\n    attr = 1\nfor i in range(2):\n"
              "    d = i\nm = [j for j in range(3)]\n_private = 0\nobj.attr = 5")
    assert kit.bound_names(source) == ["np", "path", "a", "b", "c", "f", "K", "i", "d", "m"]
    assert kit.bound_names("this is not python") == []


def test_student_version_replaces_solutions(tmp_path):
    nb = nbformat.read(str(toy_notebook(tmp_path, executed=True)), as_version=4)
    original = copy.deepcopy(nb)
    student = kit.student_version(nb)
    nbformat.validate(student)
    assert nb == original, "the source notebook must not change"
    assert len(student.cells) == len(nb.cells)
    stubs = [c for c in student.cells if "student-stub" in c.metadata.get("tags", [])]
    assert [c.id for c in stubs] == [nb.cells[9].id, nb.cells[12].id]
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert 'NotImplementedError("Exercise 1:' in stubs[0].source and "`y_mean`" in stubs[0].source
    assert 'NotImplementedError("Exercise 2:' in stubs[1].source and "`double`" in stubs[1].source
    assert "sum(y)" not in stubs[0].source and "twice" not in stubs[1].source
    for old, new in zip(nb.cells, student.cells, strict=True):
        if "check" in old.metadata.get("tags", []):
            assert new == old
        if new.cell_type == "code":
            assert new.outputs == [] and new.execution_count is None
    assert "papermill" not in student.metadata and student.metadata.course == nb.metadata.course


def test_student_command(tmp_path, capsys):
    source = tmp_path / "course"
    toy_notebook(source)
    toy_notebook(source, "98_other")
    assert kit.main(["student", "99", "--source", str(source), "--out", str(tmp_path / "out")]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["99_toy.ipynb"]
    assert "NotImplementedError" in capsys.readouterr().out
    for out in (NOTEBOOK_DIR, NOTEBOOK_DIR / "student", source, source / "sub"):
        with pytest.raises(SystemExit):
            kit.main(["student", "--source", str(source), "--out", str(out)])
        assert "never overwritten" in capsys.readouterr().err
    assert not (NOTEBOOK_DIR / "student").exists() and not (source / "sub").exists()


def run_student_version(path: Path, parameters: dict, workdir: Path) -> list[str]:
    """Execute the student version of `path` in one kernel, cell by cell; at each exercise, check that the
    stub raises NotImplementedError, the check cell fails for a wrong answer and passes for the solution.
    Returns a log of what happened, one line per exercise."""
    source = nbformat.read(str(path), as_version=4)
    solutions = [(source.cells[ex["cell"]].source, ex["names"]) for ex in kit.exercises(source)]
    nb = kit.student_version(source)
    nbformat.validate(nb)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(at, new_code_cell("\n".join(f"{k} = {v!r}" for k, v in parameters.items())))
    cells = list(nb.cells)
    nb.cells.append(new_code_cell())  # a scratch cell for the test's own code
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(workdir)}})
    log, exercise, pending_check = [], -1, False

    def run(source: str) -> None:
        nb.cells[-1] = new_code_cell(source)
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)

    with client.setup_kernel():
        for index, cell in enumerate(cells):
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code":
                continue
            if "student-stub" in tags:
                exercise += 1
                with pytest.raises(CellExecutionError, match=r"NotImplementedError.*Exercise \d+"):
                    client.execute_cell(cell, index)  # the first exercise is also the first error
                code, names, pending_check = *solutions[exercise], True
                if kit.exercises(source)[exercise]["check"] is None:
                    run(code)
                    pending_check = False
                continue
            if "check" in tags and pending_check:
                pending_check = False
                wrong = f"_kit_saved = {{n: globals()[n] for n in {names!r} if n in globals()}}\n"
                wrong += "".join(f"{n} = None\n" for n in names)
                run(wrong)
                with pytest.raises(CellExecutionError):
                    client.execute_cell(cell, index)
                run("globals().update(_kit_saved)\n" + "".join(
                    f"if {n!r} not in _kit_saved: del {n}\n" for n in names))
                run(code)
                log.append(f"exercise {exercise + 1}: stub raised, wrong answer failed the check, solution passed")
            client.execute_cell(cell, index)
    assert exercise + 1 == len(solutions), "every exercise's stub must have been reached"
    return log

@pytest.mark.kernel

def test_student_version_runs_until_first_exercise(tmp_path):
    path = toy_notebook(tmp_path / "course")
    log = run_student_version(path, preset_parameters(path, "smoke"), tmp_path)
    assert len(log) == 2


@pytest.mark.parametrize("path", [p for p in find_notebooks() if not is_lab(p)], ids=lambda p: p.stem)
def test_course_student_version(path):
    """Each course notebook's student version has a stub per exercise and nothing else changed, so it runs as the
    full notebook does up to the first exercise. (Each exercise's stub, a wrong answer and the solution are run
    in the notebook's smoke run: see test_notebooks.py.)"""
    nb = nbformat.read(str(path), as_version=4)
    student = kit.student_version(nb)
    nbformat.validate(student)
    stubs = [i for i, c in enumerate(student.cells) if "student-stub" in c.metadata.get("tags", [])]
    assert len(stubs) >= 2 and stubs == [ex["cell"] for ex in kit.exercises(nb)]
    lab = nbformat.read(str(path.parent / "labs" / f"{path.stem}_lab.ipynb"), as_version=4)
    assert not kit.exercises(lab)
    assert [c.source for c in kit.student_version(lab).cells] == [c.source for c in lab.cells]
    assert all(a.source == b.source for i, (a, b) in enumerate(zip(nb.cells, student.cells, strict=True))
               if i not in stubs), "only the solution cells change"


def fetched(page: str) -> list[str]:
    """What a browser loads by itself when it opens the page (scripts, style sheets, images, modules)."""
    found = re.findall(r"<(?:script|img|link|iframe)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)", page)
    return [url for url in found + re.findall(r"import\(\s*[\"']([^\"']+)", page) if not url.startswith("data:")]


def test_slide_types(tmp_path):
    nb = nbformat.read(str(toy_notebook(tmp_path)), as_version=4)
    kit.slide_types(nb)  # no slide metadata: cut by headings and heights
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert kinds == ["slide", "-", "-", "slide", "-", "subslide", "-", "subslide", "slide", "skip",
                     "skip", "-", "skip", "skip", "slide"]
    deck = nbformat.read(str(tmp_path / "99_toy.ipynb"), as_version=4)
    deck.cells[0].metadata["slideshow"] = {"slide_type": "slide"}  # the author chose a deck: only marked cells
    deck.cells[4].metadata["slideshow"] = {"slide_type": "fragment"}
    kit.slide_types(deck)
    assert [c.metadata["slideshow"]["slide_type"] for c in deck.cells] == ["slide"] + ["skip"] * 3 + ["fragment"] + \
        ["skip"] * 10
    assert [len(s) for s in kit.deck_slides(deck)] == [2]
    figure = new_output("display_data", {"image/png": PNG})
    results = new_notebook(cells=[new_markdown_cell("## Results\nThree plots."), *[new_code_cell(
        f"plot({i})", outputs=[figure]) for i in range(3)], new_code_cell("done = True")])
    kit.slide_types(results)  # two figures do not fit on one slide
    assert [c.metadata["slideshow"]["slide_type"] for c in results.cells] == ["slide", "-", "subslide", "subslide",
                                                                             "-"]
    kit.slide_types(nb := nbformat.read(str(tmp_path / "99_toy.ipynb"), as_version=4), long_code="skip")
    assert [c.metadata["slideshow"]["slide_type"] for c in nb.cells[6:8]] == ["skip", "-"]

@pytest.mark.kernel
def test_slides_command(tmp_path, capsys):
    path = toy_notebook(tmp_path / "course", executed=True)
    before = path.read_text()
    reveal = tmp_path / "reveal"
    for part in ("dist/reveal.js", "dist/reveal.css", "plugin/notes/notes.js", "plugin/math/math.js"):
        (reveal / part).parent.mkdir(parents=True, exist_ok=True)
        (reveal / part).write_text("/* stand-in */")
    out = tmp_path / "slides"
    args = ["slides", str(path), "--out", str(out), "--reveal", str(reveal), "--mathjax", "mj/MathJax.js"]
    assert kit.main(args) == 0
    page = (out / "99_toy.slides.html").read_text()
    assert path.read_text() == before, "slide types are set on a copy"
    assert page.count("<section") == 4 + 6  # 4 slides holding 1, 3, 1 and 1 sub-slides
    assert "Toy notebook" in page and "Exercise 1" in page and "sum(y) / len(y)" not in page and "twice = 2" not in page
    assert f"data:image/png;base64,{PNG}" in page
    assert (out / "reveal.js/dist/reveal.js").is_file() and not (out / "reveal.js/plugin/math").exists()
    assert not [u for u in fetched(page) if "//" in u], "nothing is fetched from the network"
    assert "reveal.js/dist/reveal.js" in fetched(page) and "mj/MathJax.js" in fetched(page)
    assert "reveal.js was copied" in capsys.readouterr().out
    assert kit.main(["slides", str(path), "--out", str(tmp_path / "plain")]) == 0
    assert "plain built-in viewer" in capsys.readouterr().out
    plain = (tmp_path / "plain/99_toy.slides.html").read_text()
    assert not [u for u in fetched(plain) if "//" in u] and "mathjax/tex-chtml.js" in fetched(plain)
    assert (tmp_path / "plain/mathjax/tex-chtml.js").is_file() and 'navigationMode: "linear"' in plain
    assert "theme/white.css" in plain and "googleapis" not in plain
    with pytest.raises(SystemExit):
        kit.main(["slides", str(path), "--out", str(out), "--reveal", str(tmp_path)])
    assert "no dist/reveal.js" in capsys.readouterr().err

@pytest.mark.kernel

def test_web_command_builds_an_offline_jupyter_book(tmp_path, capsys):
    source = tmp_path / "course"
    toy_notebook(source, "02_second", executed=True)
    first = toy_notebook(source, "01_first", executed=True)
    nb = nbformat.read(str(first), as_version=4)
    nb.metadata.course.title = "The first one"
    nbformat.write(nb, str(first))
    out = tmp_path / "site"
    assert kit.main(["web", "--source", str(source), "--out", str(out)]) == 0
    assert "publish the site made with --student" in capsys.readouterr().out
    assert "intro.html" in (out / "index.html").read_text()
    intro = (out / "intro.html").read_text()
    assert intro.index("01_first.html") < intro.index("02_second.html") and "The first one" in intro
    assert "We fit a line" in intro  # each notebook's opening paragraph
    page = (out / "01_first.html").read_text()
    assert "02_second.html" in page and "search.html" in page and (out / "search.html").is_file()
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert not [u for u in fetched(page) if "//" in u], "nothing is fetched from the network"
    assert "slope 2" in page and "data:image/png" in page or list((out / "_images").glob("*.png"))
    with pytest.raises(SystemExit):
        kit.main(["web", "--out", str(NOTEBOOK_DIR / "site")])
    capsys.readouterr()
    assert kit.main(["web", "--source", str(source), "--out", str(out)]) == 0  # the kit's own site: rebuilt


SVG_FIGURE = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><title>t</title><desc>d</desc>'
              '<rect width="200" height="100" fill="#1f77b4"/></svg>')


def course_with_a_lab_and_a_diagram(source: Path) -> Path:
    """A toy lesson that shows a diagram from figures/, and its lab under labs/ that links back to it."""
    lesson = toy_notebook(source, "01_first", executed=True)
    nb = nbformat.read(str(lesson), as_version=4)
    nb.cells.insert(1, new_markdown_cell("![A blue box standing in for a diagram of the toy](figures/01_box.svg)"))
    nbformat.write(nb, str(lesson))
    (source / "figures").mkdir()
    (source / "figures" / "01_box.svg").write_text(SVG_FIGURE)
    lab = toy_notebook(source / "labs", "01_first_lab", executed=True)
    nb = nbformat.read(str(lab), as_version=4)
    nb.cells[0].source = "# 01 · Lab: toy\nThe experiments of [the lesson](../01_first.ipynb)."
    nbformat.write(nb, str(lab))
    return lesson

@pytest.mark.kernel

def test_web_student_and_slides_carry_labs_and_diagrams(tmp_path):
    source = tmp_path / "course"
    lesson = course_with_a_lab_and_a_diagram(source)
    kit.main(["web", "--source", str(source), "--out", str(tmp_path / "site")])
    site = tmp_path / "site"
    assert (site / "labs" / "01_first_lab.html").is_file() and "01_first.html" in (site / "intro.html").read_text()
    assert "01_box" in (site / "01_first.html").read_text() and list(site.rglob("01_box*.svg"))
    kit.main(["student", "--source", str(source), "--out", str(tmp_path / "student")])
    assert (tmp_path / "student" / "labs" / "01_first_lab.ipynb").is_file()
    assert (tmp_path / "student" / "figures" / "01_box.svg").is_file()
    (slides,) = kit.write_slides([lesson], tmp_path / "slides")
    assert "data:image/svg+xml;base64," in slides.read_text(), "the diagram is embedded in the slides"


def test_student_website_has_no_solution_and_serves_stubs_for_download(tmp_path, capsys):
    source = tmp_path / "course"
    lesson = course_with_a_lab_and_a_diagram(source)
    nb = nbformat.read(str(lesson), as_version=4)
    check = [c for c in nb.cells if "check" in c.metadata.get("tags", [])][-1]
    check.outputs = [new_output("stream", name="stdout", text="Exercise 2: correct\n")]
    nbformat.write(nb, str(lesson))
    for student in (False, True):
        site = tmp_path / f"site-{student}"
        assert kit.main(["web", "--source", str(source), "--out", str(site), *(["--student"] * student)]) == 0
        assert ("no solution" in capsys.readouterr().out) == student
        page = re.sub(r"<[^>]+>", "", (site / "01_first.html").read_text())  # the text, as a reader sees it
        assert ("twice = 2" in page, "Exercise 2: correct" in page, "NotImplementedError" in page) == \
            (not student, not student, student), "the student site shows stubs, no solution and no check output"
        (download,) = site.glob("_sources/01_first.ipynb")
        assert ("twice = 2" in download.read_text()) == (not student)
        assert not [c for c in nbformat.read(str(download), as_version=4).cells if c.get("outputs")], \
            "a download is the notebook to run, without outputs"
        mathjax = site / "_static" / "mathjax"
        assert (mathjax / "tex-chtml.js").is_file() and not (mathjax / "sre").exists(), "only the MathJax pages load"
        assert not list(site.rglob("*.map"))


def test_web_never_deletes_a_folder_it_did_not_make(tmp_path, capsys, monkeypatch):
    """`--out` must be new, empty or made by the kit before: never the repository, a folder above it, notebooks/,
    or a folder with someone else's files in it; refused before anything is built or deleted."""
    from course.config import REPO_ROOT

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "mine.txt").write_text("a user's file")
    monkeypatch.chdir(REPO_ROOT)
    before = sorted(p.name for p in REPO_ROOT.iterdir())
    for out in (".", "..", "notebooks", str(docs), str(REPO_ROOT / "helpers")):
        with pytest.raises(SystemExit):
            kit.main(["web", "--out", out])
        error = capsys.readouterr().err
        assert "--out" in error and ("choose" in error), error
    assert (docs / "mine.txt").read_text() == "a user's file"
    assert sorted(p.name for p in REPO_ROOT.iterdir()) == before


def test_landing_page_says_what_each_notebook_found():
    from course.kit.book import landing_page

    nb = new_notebook(cells=[new_markdown_cell("# 01 · Toy\nWe build a toy.")], metadata={"course": {"title": "Toy"}})
    report = {"machine": "2 CPU cores", "notebooks": {"01_toy": {"seconds": {"mean": 12.4}, "claims": {
        "a": {"statement": "A holds.", "held": 5, "of": 5, "per_seed": [{"effect": e} for e in (1, 2, 1, 2, 1)]},
        "b": {"statement": "B fails.", "held": 0, "of": 5, "per_seed": [{"effect": -e} for e in (1, 2, 1, 2, 1)]},
        "c": {"statement": "C is mixed.", "held": 3, "of": 5, "per_seed": [{"effect": e} for e in (1, -1, 2, -2, 1)]},
        "d": {"statement": "D equals torch.", "held": 5, "of": 5, "kind": "check"}}}}}
    page = landing_page([(Path("01_toy.ipynb"), nb)], report, "Course")
    assert "## [Toy](01_toy.ipynb)" in page and "We build a toy." in page and "about 12 s" in page
    assert "- ✔ A holds. *(holds (5 of 5 seeds), effect +1.4 [" in page
    assert "- ✘ B fails. *(does not hold (0 of 5 seeds), effect -1.4 [" in page
    assert "- ◐ C is mixed. *(inconclusive (3 of 5 seeds;" in page and "- ✔ D equals torch. *(passes in 5 of 5" in page


@pytest.mark.kernel
@pytest.mark.skipif(not find_notebooks(), reason="no course notebooks yet")
def test_slides_of_the_course_and_a_warning_for_a_half_run_notebook(tmp_path, capsys):
    paths = find_notebooks()
    (slides,) = kit.write_slides(paths[:1], tmp_path / "slides")
    page = slides.read_text()
    assert page.count("<section") >= 4 and "mathjax/tex-chtml.js" in fetched(page)
    assert (tmp_path / "slides" / "mathjax" / "tex-chtml.js").is_file()
    nb = nbformat.read(str(paths[0]), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    for count, cell in enumerate(code[:-3], 1):  # as JupyterLab's autosave leaves a notebook stopped mid-run
        cell.execution_count = count
    for cell in code[-3:]:
        cell.execution_count, cell.outputs = None, []
    nbformat.write(nb, str(tmp_path / paths[0].name))
    assert kit.main(["slides", str(tmp_path / paths[0].name), "--out", str(tmp_path / "s2")]) == 0
    warning = capsys.readouterr().err
    assert "not run top to bottom" in warning and "git checkout" in warning

def test_nbgrader_source_version_marks_solutions_and_checks(tmp_path, capsys):
    source = toy_notebook(tmp_path / "course")
    assert kit.main(["student", str(source), "--nbgrader", "--out", str(tmp_path / "src")]) == 0
    assert "generate_assignment" in capsys.readouterr().out
    nb = nbformat.read(str(tmp_path / "src" / "99_toy.ipynb"), as_version=4)
    graded = [c for c in nb.cells if "nbgrader" in c.metadata]
    assert [c.metadata.nbgrader.grade_id for c in graded] == ["exercise-1", "exercise-1-check", "exercise-2",
                                                              "exercise-2-check"]
    assert graded[0].source == "### BEGIN SOLUTION\n%time y_mean = sum(y) / len(y)\n### END SOLUTION"
    assert graded[1].metadata.nbgrader.points == 1 and graded[1].metadata.nbgrader.locked
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_web_links_point_at_the_sites_pages():
    from course.kit.book import web_links

    text = "[lab](labs/04_gru_lab.ipynb) [lesson](../04_gru.ipynb) [all](../CLAIMS.md) [ext](https://x.org/a.ipynb)"
    assert web_links(text) == ("[lab](labs/04_gru_lab.html) [lesson](../04_gru.html) [all](intro.html) "
                               "[ext](https://x.org/a.ipynb)")
    assert web_links("[all](../../CLAIMS.md)") == "[all](../intro.html)"
