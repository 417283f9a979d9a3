"""The grader: each submission in its own sandbox, every exercise decided outside by hidden checks, one row per
submission whatever it holds, and grade tables always written (the hostile class: tests/hostile_class.py)."""

from __future__ import annotations

import copy
import csv
import hashlib
import http.server
import importlib
import io
import json
import subprocess
import sysconfig
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from test_course_kit import toy_notebook

from course import NOTEBOOK_DIR, kit
from course.kit.hidden import check_numbers, hidden_checks
from course.kit.sandbox import sandbox_problem
from course.kit.verdicts import difference

grading = importlib.import_module("course.kit.grade")  # the module (course.kit.grade is also the function's name)

TOY_CHECKS = '''"""Hidden checks of the toy notebook."""
FORBIDDEN = ("os.system",)


def exercise_1():
    return y_mean


def exercise_2():
    return [double(7), double(-2.5), {"zero": double(0)}]
'''

needs_sandbox = pytest.mark.skipif(bool(sandbox_problem()), reason="bubblewrap cannot start a sandbox here")


def test_results_equal_the_solutions_by_structure_shape_and_tolerance():
    tensor = {"shape": [2], "values": [1.0, 2.0]}
    assert difference([3, tensor, "a", None, True], [3, tensor, "a", None, True]) == ""
    assert difference(1.0 + 1e-6, 1.0) == "" and difference(1.1, 1.0) == "the result differs"
    assert difference(True, 1) == "the result differs" and difference(1, True) == "the result differs"
    assert "shape [1, 2], not [2]" in difference({"shape": [1, 2], "values": [1.0, 2.0]}, tensor)
    assert difference([1, 2], [1, 2, 3]) == "the result has another length or type"
    assert difference({"dict": {"a": 1}}, {"dict": {"a": 2}}) == "the result['a'] differs"


def test_spreadsheet_formulas_are_neutralised():
    assert [grading.spreadsheet_safe(v) for v in ("=HYPERLINK(1)", "+1", "-1", "@a", "ok", 3)] == [
        "'=HYPERLINK(1)", "'+1", "'-1", "'@a", "ok", "3"]


@pytest.mark.parametrize("content", ['[1, 2]', '{"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}',
                                     '\x00\xff random', '{"nbformat": 4, "cells": [42]}'])
def test_malformed_files_are_refused_with_a_reason(tmp_path, content):
    ref = nbformat.read(str(toy_notebook(tmp_path / "course")), as_version=4)
    (tmp_path / "bad.ipynb").write_text(content, errors="surrogateescape")
    with pytest.raises(ValueError):
        grading.prepared(tmp_path / "bad.ipynb", ref, None)


def test_tags_null_and_odd_metadata_are_read_as_no_tags(tmp_path):
    path = toy_notebook(tmp_path / "course")
    raw = json.loads(path.read_text())
    raw["cells"][0]["metadata"] = {"tags": None}
    raw["cells"][3]["metadata"] = None
    raw["cells"][4]["metadata"] = {"tags": 5}
    (tmp_path / "odd.ipynb").write_text(json.dumps(raw))
    ref = nbformat.read(str(path), as_version=4)
    nb = grading.prepared(tmp_path / "odd.ipynb", ref, None)
    assert all(isinstance(c.metadata.tags, list) for c in nb.cells)
    assert [c.metadata[grading.ANSWER_KEY] for c in nb.cells if grading.ANSWER_KEY in c.metadata] == [1, 2]
    assert not any("check" in c.metadata.tags for c in nb.cells), "practice checks never count"


def test_every_exercise_of_04_has_a_hidden_check():
    path = NOTEBOOK_DIR / "04_gru.ipynb"
    numbers = [e["number"] for e in kit.exercises(nbformat.read(str(path), as_version=4))]
    assert set(numbers) <= set(check_numbers(hidden_checks("04_gru")))
    assert hidden_checks("99_no_such_lesson") is None


def test_grade_refuses_without_a_sandbox_and_names_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap to be found
    path = toy_notebook(tmp_path / "course")
    with pytest.raises(SystemExit):
        kit.main(["grade", str(path), "--out", str(tmp_path / "g"), "--source", str(tmp_path / "course")])
    error = capsys.readouterr().err
    assert "cannot grade safely" in error and "apt-get install bubblewrap" in error and "user namespaces" in error
    assert "--unsafe-no-sandbox" in error
    assert not (tmp_path / "g").exists(), "refused before any work"


@pytest.mark.kernel
@needs_sandbox
def test_grade_decides_each_exercise_outside_and_survives_broken_notebooks(tmp_path, capsys, monkeypatch):
    checks = tmp_path / "99_toy_checks.py"
    checks.write_text(TOY_CHECKS)
    monkeypatch.setattr(grading, "hidden_checks", lambda stem: checks if stem == "99_toy" else None)
    source = toy_notebook(tmp_path / "course")
    ref = nbformat.read(str(source), as_version=4)
    student = kit.student_version(ref)
    subs = tmp_path / "submissions"
    subs.mkdir()

    def submit(name: str, nb: nbformat.NotebookNode) -> Path:
        nbformat.write(nb, str(subs / f"{name}_99_toy.ipynb"))
        return subs / f"{name}_99_toy.ipynb"

    carol = copy.deepcopy(student)  # a wrong answer, her check edited to pass; an endless loop in exercise 2
    carol.cells[9].source, carol.cells[10].source = "y_mean = 0", "assert True"
    carol.cells[12].source = "while True:\n    pass"
    dave = copy.deepcopy(ref)  # an error before the exercises; exercise 2 deleted with its check
    dave.cells[2].source = "raise RuntimeError('oops')"
    del dave.cells[11:14]
    frank = json.loads(nbformat.writes(ref))  # "tags": null on a cell: read as no tags
    frank["cells"][0]["metadata"]["tags"] = None
    paths = [submit("alice", ref), submit("bob", student), submit("carol", carol), submit("dave", dave)]
    (subs / "frank_99_toy.ipynb").write_text(json.dumps(frank))
    (subs / "=HYPERLINK(1)_99_toy.ipynb").write_bytes(b"\x93NUMPY random bytes")
    paths += [subs / "frank_99_toy.ipynb", subs / "=HYPERLINK(1)_99_toy.ipynb"]
    out = tmp_path / "grades"
    assert kit.main(["grade", *map(str, paths), "--out", str(out), "--source", str(tmp_path / "course"),
                     "--timeout", "5", "-j", "2"]) == 0
    rows = {r["student"].split("_")[0]: r["checks"] for r in json.loads((out / "grades.json").read_text())}
    assert rows["alice"] == rows["frank"] == {"1": "passed", "2": "passed"}
    assert rows["bob"] == {n: f"failed: NotImplementedError: Exercise {n}: write your solution in this cell"
                           for n in ("1", "2")}
    assert rows["carol"] == {"1": "failed: the result differs from the solution's (on unseen inputs)",
                             "2": "failed: Timeout: the cell ran over 5 s"}
    assert rows["dave"] == {"1": "passed", "2": "failed: NameError: name 'double' is not defined"}
    assert all(v.startswith("not run: unreadable notebook: ") for v in rows["=HYPERLINK(1)"].values())
    table = (out / "grades.md").read_text()
    assert "| alice_99_toy | 99_toy | passed | passed | 2/2 |" in table and "UNSANDBOXED" not in table
    csv_lines = (out / "grades.csv").read_text().splitlines()
    assert csv_lines[0] == "student,notebook,exercise 1,exercise 2,passed,note"
    assert any(line.startswith("'=HYPERLINK(1)_99_toy,") for line in csv_lines), "no formula reaches a spreadsheet"
    assert sorted(p.name for p in subs.iterdir()) == sorted(p.name for p in paths)  # nothing written beside them
    assert (out / "executed" / "carol_99_toy.ipynb").exists()
    assert kit.main(["grade", str(paths[0]), "--out", str(tmp_path / "unsafe"), "--source", str(tmp_path / "course"),
                     "--unsafe-no-sandbox"]) == 0
    assert "UNSANDBOXED" in capsys.readouterr().out
    assert "UNSANDBOXED" in (tmp_path / "unsafe" / "grades.md").read_text()
    assert "UNSANDBOXED" in (tmp_path / "unsafe" / "grades.csv").read_text()
    assert json.loads((tmp_path / "unsafe" / "grades.json").read_text())[0]["sandboxed"] is False
    with pytest.raises(SystemExit):
        kit.main(["grade", str(paths[0]), "--out", str(subs), "--source", str(tmp_path / "course")])
    assert "is a submissions folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        kit.main(["grade", str(tmp_path / "nobody.ipynb"), "--out", str(out)])
    assert "no such submission file" in capsys.readouterr().err


def repository_state() -> dict[str, str]:
    """A hash of every tracked and untracked (not ignored) file of the repository, and the venv's site-packages."""
    from course.config import REPO_ROOT

    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    state = {name: hashlib.sha256((REPO_ROOT / name).read_bytes()).hexdigest() if (REPO_ROOT / name).is_file()
             else "absent" for name in listed if name}
    site = Path(sysconfig.get_paths()["purelib"])
    return {**state, "site-packages": ",".join(sorted(p.name for p in site.iterdir()))}


def processes_with(marker: str) -> list[int]:
    """The processes whose command line holds `marker`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.hostile
@pytest.mark.kernel
@needs_sandbox
def test_a_hostile_class_gets_its_rows_and_changes_nothing_outside_the_grades(tmp_path, monkeypatch, capsys):
    """Honest, broken, slow, cheating and attacking submissions of 04_gru (tests/hostile_class.py), graded -j 2."""
    from hostile_class import PREFIX, make_class

    requests = []

    class Solutions(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"def gru_layer_params(D, H, num_layers):\n    return 0\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Solutions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    marker = f"ghost-{uuid.uuid4().hex}"
    monkeypatch.setenv("COURSE_GRADER_SECRET", f"secret-{marker}")
    out = tmp_path / "grades"
    submissions = make_class(tmp_path / "class", out, server.server_address[1], marker)
    files = {p: p.read_bytes() for p, _ in submissions}
    before = repository_state()
    started = time.perf_counter()
    try:
        assert kit.main(["grade", *(str(p) for p, _ in submissions), "--out", str(out), "-j", "2",
                         "--timeout", "10", "--time-limit", "150"]) == 0
    finally:
        server.shutdown()
    print(f"the hostile class ({len(submissions)} submissions) took {time.perf_counter() - started:.0f} s")
    rows = {r["student"].removesuffix("_04_gru"): r for r in json.loads((out / "grades.json").read_text())}
    for path, expected in submissions:
        name = path.stem.removesuffix("_04_gru")
        for n, want in expected.items():
            got = rows[name]["checks"][n]
            assert got.startswith(want[:-1]) if want.endswith(PREFIX) else got == want, (name, n, got, rows[name])
    table = (out / "grades.csv").read_text()
    time.sleep(4)  # a process left behind would forge its row now
    assert not processes_with(marker), "nothing a submission started outlives its sandbox"
    assert (out / "grades.csv").read_text() == table and "ghost" not in table.split("\n", 2)[-1].split("ghost_04")[0]
    assert len(list(csv.reader(io.StringIO(table)))) == len(submissions) + 1  # (a field may hold a line break)
    assert requests == [], "no submission reached the network"
    assert all(p.read_bytes() == content for p, content in files.items()), "no submission changed another"
    assert repository_state() == before, "nothing outside the grading output changed"
    executed = "".join(p.read_text() for p in (out / "executed").glob("*.ipynb"))
    assert f"secret-{marker}" not in executed and "solutions found: 0" in executed
    assert "edited /" not in executed and "overwrote /" not in executed
