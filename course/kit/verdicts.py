"""Hidden checks: cells that call them in the student's kernel, the in-sandbox driver, and the comparison outside.

Inside the sandbox (`python -P verdicts.py job.json`, run as a script so that nothing heavy is imported) the
driver executes the prepared notebook with the course's one executor; its last cells call each hidden check and
write the result as JSON into results/. Outside, in a process that never ran submission code, the grader reads
those files with a size limit and compares each result with the solution's (see hidden/__init__.py).
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any

ANSWER_KEY = "grade_answer"  # cell metadata: the exercise number of the student's answer cell
HIDDEN_KEY = "grade_hidden"  # cell metadata: the exercise number whose hidden check the cell calls
RESULTS = "results"  # the folder, in the scratch folder, where the kernel writes each check's result
RTOL, ATOL = 1e-4, 1e-6

KERNEL_CODE = r'''
def _kit_check(number, forbidden, path):
    """Call exercise_<number>() with each FORBIDDEN name replaced by a stand-in that raises; write the result."""
    import importlib, json, math

    def encode(value, depth=0):
        if depth > 20:
            raise ValueError("the result is nested too deeply")
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else repr(value)
        if isinstance(value, (list, tuple)):
            return [encode(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {"dict": {str(k): encode(v, depth + 1) for k, v in value.items()}}
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        if hasattr(value, "shape") and hasattr(value, "reshape"):
            return {"shape": list(value.shape), "values": encode(value.reshape(-1).tolist(), depth + 1)}
        if hasattr(value, "item"):
            return encode(value.item(), depth + 1)
        raise TypeError(f"the result holds a {type(value).__name__}")

    def stand_in(name):
        def refuse(*args, **kwargs):
            raise RuntimeError(f"{name} may not be used in this exercise")
        return refuse

    saved = []
    for dotted in forbidden:
        module, _, attr = dotted.rpartition(".")
        try:
            owner = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(owner, attr):
            saved.append((owner, attr, getattr(owner, attr)))
            setattr(owner, attr, stand_in(dotted))
    try:
        result = {"value": encode(globals()[f"exercise_{number}"]())}
    except Exception as err:
        text = str(err).strip().splitlines()
        result = {"error": f"{type(err).__name__}: {text[0] if text else ''}".strip().rstrip(":")[:300]}
    finally:
        for owner, attr, value in saved:
            setattr(owner, attr, value)
    with open(path, "w") as f:
        json.dump(result, f)
'''


def hidden_cells(source: str, numbers: list[int]) -> list[Any]:
    """The cells appended to a submission: define the hidden checks in the kernel, then call each one."""
    import nbformat

    setup = nbformat.v4.new_code_cell(f"{KERNEL_CODE}\nimport os as _kit_os\n_kit_os.makedirs({RESULTS!r}, "
                                      f"exist_ok=True)\nexec(compile({source!r}, 'hidden_checks', 'exec'))")
    setup.metadata = {"tags": [], HIDDEN_KEY: 0}
    calls = []
    for n in numbers:
        cell = nbformat.v4.new_code_cell(f"_kit_check({n}, FORBIDDEN, {f'{RESULTS}/exercise_{n}.json'!r})")
        cell.metadata = {"tags": [], HIDDEN_KEY: n}
        calls.append(cell)
    return [setup, *calls]


def first_line(content: dict[str, Any]) -> str:
    """'Name: first line of the message' of an error reply, at most 200 characters."""
    message = str(content.get("evalue", "")).strip().splitlines()
    return f"{content.get('ename', 'Error')}: {message[0] if message else ''}".strip().rstrip(":")[:200]


class KernelStuck(Exception):
    """Two cells in a row ran over their time: the kernel ignores interrupts, so nothing more can run."""


def drive(job_file: Path) -> None:
    """In the sandbox: execute submission.ipynb into executed.ipynb; record each answer cell's error in run.json."""
    from course.execution import run_notebook

    job = json.loads(job_file.read_text())
    run: dict[str, Any] = {"answer_errors": {}, "error": ""}
    timeouts = [0]

    def on_cell(cell: Any, cell_index: int, execute_reply: dict[str, Any] | None) -> None:
        content = (execute_reply or {}).get("content", {})
        error = content.get("status") == "error"
        if error and cell.metadata.get(ANSWER_KEY) is not None:
            run["answer_errors"][str(cell.metadata[ANSWER_KEY])] = first_line(content)
        timeouts[0] = timeouts[0] + 1 if error and content.get("ename") == "Timeout" else 0
        Path("run.json").write_text(json.dumps(run))
        if timeouts[0] >= 2:
            raise KernelStuck(f"two cells in a row ran over {job['timeout']} s and the kernel ignored the "
                              "interrupt; later cells and the hidden checks did not run")

    try:
        run_notebook(Path("submission.ipynb"), Path("executed.ipynb"), job["parameters"], Path.cwd(),
                     job["timeout"], allow_errors=True, on_cell=on_cell)
    except KernelStuck as err:
        run["error"] = str(err)
    except Exception as err:  # noqa: BLE001 (reported in the grade table, e.g. the kernel died)
        run["error"] = f"the notebook's run stopped: {type(err).__name__}: {str(err).strip()[:200]}"
    Path("run.json").write_text(json.dumps(run))


def read_json(path: Path, limit: int) -> Any:
    """A JSON file that untrusted code wrote: None if absent, a link, not a plain file, over `limit` bytes or bad."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size > limit:
            return None
        try:
            return json.loads(f.read(limit + 1))
        except ValueError:
            return None


def difference(mine: Any, theirs: Any, where: str = "the result") -> str:
    """'' when a student's result equals the solution's (structure, shapes, exact ints/strings, close floats);
    else where they first differ, without the solution's values."""
    if isinstance(theirs, bool) or theirs is None or isinstance(theirs, str):
        return "" if mine == theirs and type(mine) is type(theirs) else f"{where} differs"
    if isinstance(theirs, int):
        return "" if isinstance(mine, int) and not isinstance(mine, bool) and mine == theirs else f"{where} differs"
    if isinstance(theirs, float):
        ok = isinstance(mine, int | float) and not isinstance(mine, bool) and math.isclose(
            mine, theirs, rel_tol=RTOL, abs_tol=ATOL)
        return "" if ok else f"{where} differs"
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return f"{where} has another length or type"
        pairs = enumerate(zip(mine, theirs, strict=True))
        return next((d for i, (a, b) in pairs if (d := difference(a, b, f"{where}[{i}]"))), "")
    if isinstance(theirs, dict) and "shape" in theirs:
        if not isinstance(mine, dict) or mine.get("shape") != theirs["shape"]:
            return f"{where} has shape {mine.get('shape') if isinstance(mine, dict) else None}, not {theirs['shape']}"
        return difference(mine.get("values"), theirs["values"], f"{where}'s values")
    if isinstance(theirs, dict):
        inner, want = (mine or {}).get("dict") if isinstance(mine, dict) else None, theirs.get("dict", {})
        if not isinstance(inner, dict) or sorted(inner) != sorted(want):
            return f"{where} has other keys"
        return next((d for k in want if (d := difference(inner[k], want[k], f"{where}[{k!r}]"))), "")
    return f"{where} differs"


if __name__ == "__main__":
    drive(Path(sys.argv[1]))
