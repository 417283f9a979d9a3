"""Every notebook, lessons (notebooks/) and labs (notebooks/labs/): executed at the smoke preset, re-run by nbval,
and its committed copy checked. Lessons also carry exercises, probed as a student meets them.

A new notebook is picked up without editing this file: it only has to declare its presets and bars in
`metadata["course"]` (see CONTRIBUTING.md).
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import (
    KERNELSPEC,
    check_bars,
    course_config,
    find_notebooks,
    is_lab,
    kit,
    preset_parameters,
    restore_hint,
    run_problem,
)
from course.execution import execute
from course.results import read_claims, read_metrics

pytestmark = pytest.mark.kernel  # every test here runs notebooks in kernels, or reads what they ran
NOTEBOOKS = find_notebooks()
ids = [p.stem for p in NOTEBOOKS]
# the smoke run and its nbval re-run share a worker under pytest-xdist (--dist loadgroup)
GROUPED = [pytest.param(p, id=p.stem, marks=[pytest.mark.xdist_group(p.stem), *[pytest.mark.labs] * is_lab(p)])
           for p in NOTEBOOKS]  # a lab's smoke run is CI's step (`pytest -m "labs or repro"`), not the quick command


@pytest.fixture(scope="session")
def smoke_dir(tmp_path_factory, session_data_dir) -> Path:
    return tmp_path_factory.mktemp("smoke")


EXERCISE_PROBE = """# course test, not part of the notebook: exercise {number} as a student meets it
def _error_of(source):
    try:
        exec(get_ipython().transform_cell(source), globals())
    except Exception as error:  # what the student would see as the cell's error
        return error


_saved = {{n: globals()[n] for n in {names!r} if n in globals()}}
_error = _error_of({stub!r})
assert isinstance(_error, NotImplementedError) and "Exercise {number}" in str(_error), "the stub must raise"
_check = {check!r}
if _check is not None:
    globals().update({{n: None for n in {names!r}}})
    assert _error_of(_check) is not None, "a wrong answer must fail the check"
    globals().update(_saved)
    assert _error_of(_check) is None, "the solution must pass the check"
print("exercise {number}: the stub raises, a wrong answer fails the check, the solution passes")
"""


def with_exercise_probes(path: Path, folder: Path) -> Path:
    """A copy of the notebook with a cell per exercise at the end that runs, in the executed notebook's kernel,
    what a student meets: the stub (must raise NotImplementedError), the check with a wrong answer (must fail),
    the check with the solution (must pass). One execution tests the notebook and its student version."""
    nb = nbformat.read(str(path), as_version=4)
    student = kit.student_version(nb)
    for ex in kit.exercises(nb):
        if nb.cells[ex["cell"]].cell_type != "code":
            continue
        check = nb.cells[ex["check"]].source if ex["check"] is not None else None
        nb.cells.append(nbformat.v4.new_code_cell(EXERCISE_PROBE.format(
            number=ex["number"], names=ex["names"], stub=student.cells[ex["cell"]].source, check=check)))
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / path.name))
    return folder / path.name


@pytest.fixture(scope="session")
def smoke_runs(smoke_dir):
    """Execute each notebook (with its exercise probes) at its smoke preset once per test session; return its
    runner summary row."""
    rows: dict[Path, dict] = {}

    def run(path: Path) -> dict:
        if path not in rows:
            probed = with_exercise_probes(path, smoke_dir / "sources")
            rows[path] = execute(probed, smoke_dir / path.name, preset_parameters(path, "smoke"), "smoke")
        return rows[path]

    return run


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN_name.ipynb"


@pytest.mark.parametrize("path", GROUPED)
def test_smoke_run_passes_its_bars(path, smoke_runs):
    row = smoke_runs(path)
    assert row["status"] == "ok", f"{path.stem} at smoke: {row['status']} {row['error']}\n{json.dumps(row['bars'])}"
    assert row["bars"], f"{path.stem} declares no smoke bars"
    executed = nbformat.read(str(Path(row["output"])), as_version=4)
    probes = [c for c in executed.cells if c.source.startswith("# course test")]
    if is_lab(path):
        return  # a lab holds experiments, not exercises
    assert len(probes) >= 2 and all("the solution passes" in "".join(o.get("text", "") for o in c.outputs)
                                    for c in probes), f"{path.stem}: at least two exercises, each probed"


@pytest.mark.repro
@pytest.mark.parametrize("path", GROUPED)
def test_nbval_rerun_reproduces_the_checked_cells(path, smoke_runs, smoke_dir):
    """nbval re-executes the smoke output and compares the cells tagged nbval-check-output (shapes, counts,
    equality checks and the recorded metrics): the deterministic cells hold and a second run with the same
    seed gives the same metrics."""
    row = smoke_runs(path)
    if row["status"] != "ok":
        pytest.skip("the smoke run failed; see test_smoke_run_passes_its_bars")
    executed = nbformat.read(str(smoke_dir / path.name), as_version=4)
    checked = [c for c in executed.cells if "nbval-check-output" in c.metadata.get("tags", [])]
    assert checked, f"{path.stem} has no cell tagged nbval-check-output"
    assert any("record_metrics" in c.source for c in checked), f"{path.stem}: tag the record_metrics cell(s)"
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
                             "--rootdir", str(smoke_dir), str(smoke_dir / path.name)],
                            cwd=smoke_dir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_notebook_was_run_top_to_bottom_and_meets_its_full_bars(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    problem = run_problem(nb)
    assert not problem, f"{path.name}: {problem}; {restore_hint(path)}"
    assert nb.metadata.kernelspec == KERNELSPEC, "commit notebooks with the kernelspec JupyterLab writes"
    assert "papermill" not in nb.metadata and "jupytext" not in nb.metadata, "run metadata left in the notebook"
    assert "/work/" not in json.dumps(nb.metadata) and "/home/" not in json.dumps(nb.metadata)
    rows = check_bars(read_metrics(nb), course_config(nb)["bars"]["full"], read_claims(nb))
    missed = [r for r in rows if not r["met"]]
    assert rows and not missed, f"{path.stem}: committed outputs miss full bars {missed}"


def parameters_and_setup(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """The parameters cell (tagged `parameters`) and the setup cell, the code cell after it."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    at = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    return code[at], code[at + 1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_follows_the_skeleton(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = 0 if is_lab(path) else 1  # a lesson opens with its facts cell (reading and run time), a lab does not
    if not is_lab(path):
        assert code[0].source.strip() == f'from helpers import lesson_facts\nlesson_facts("{path.stem}")', \
            "a lesson's first code cell shows its reading and run time: lesson_facts(<its name>)"
    assert "parameters" in code[first].metadata.get("tags", []), "the parameters cell must come first"
    setup = code[first + 1].source
    assert "check_params(" in setup and "set_seed(seed)" in setup, "setup cell"
    assert "get_device(device)" in setup, "the setup cell chooses the device"
    heading = f"# {path.stem[:2]} · " + ("Lab: " if is_lab(path) else "")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(heading), f"starts with {heading!r}"
    tags = [t for c in code for t in c.metadata.get("tags", [])]
    sections = ("## Summary", "## Exercises", "## References")
    if is_lab(path):
        assert "solution" not in tags, "exercises belong in the lesson"
        sections = ()
    else:
        assert tags.count("solution") >= 2 and tags.count("check") >= tags.count("solution"), "exercises + checks"
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for section in sections:
        assert any(m.startswith(section) or f"\n{section}" in m for m in markdown), f"{path.stem} lacks {section}"
    smoke = preset_parameters(path, "smoke")
    params_src = code[first].source
    assert all(f"{name} =" in params_src for name in smoke), "smoke overrides must name parameters"
    assert 'device = "auto"' in params_src and "seed =" in params_src


def bad_values(path: Path) -> list[tuple[str, object]]:
    """A bad value for every parameter that takes a string or a number: each must be refused in the setup cell."""
    from course.plan import notebook_parameters

    bad: list[tuple[str, object]] = []
    for name, default in notebook_parameters(path).items():
        value = ast.literal_eval(default)
        if isinstance(value, str):
            bad.append((name, "no-such-value"))
        elif name in preset_parameters(path, "smoke") or name == "seed":
            bad.append((name, -1))
    return bad


def test_bad_parameters_fail_in_the_setup_cell_with_a_clear_error():
    """For every notebook and each bad value: its parameters cell, the bad override, then its setup cell must
    raise a ParameterError naming the parameter. One kernel serves all notebooks (a kernel start costs more
    than the cells)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    no_gpu = not __import__("torch").cuda.is_available()
    client = NotebookClient(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell() for _ in range(3)]),
                            kernel_name="python3", timeout=120)
    with client.setup_kernel():
        for path in NOTEBOOKS:
            parameters, setup = parameters_and_setup(nbformat.read(str(path), as_version=4))
            cases = bad_values(path) + ([("device", "cuda")] if no_gpu else [])
            assert len(cases) > 1, f"{path.stem}: no parameters to test"
            for name, value in cases:
                client.execute_cell(parameters, 0)
                client.execute_cell(nbformat.v4.new_code_cell(f"{name} = {value!r}"), 1)
                with pytest.raises(CellExecutionError) as info:
                    client.execute_cell(setup, 2)
                message = str(info.value)
                assert "ParameterError" in message and name in message, \
                    f"{path.stem}: {name}={value!r}: {message[-500:]}"


def test_exercise_probe_fails_for_a_check_that_cannot_fail(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("**Exercise 1.** Set `x` to 2."),
        nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("x\nassert True  # passes whatever x is", metadata={"tags": ["check"]})])
    nbformat.write(nb, str(tmp_path / "01_toy.ipynb"))
    probed = nbformat.read(str(with_exercise_probes(tmp_path / "01_toy.ipynb", tmp_path / "probed")), as_version=4)
    with pytest.raises(CellExecutionError, match="a wrong answer must fail the check"):
        NotebookClient(probed, kernel_name="python3", timeout=60).execute()
