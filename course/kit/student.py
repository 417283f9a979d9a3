"""Student versions: each `solution` cell replaced by a stub that raises NotImplementedError, outputs cleared."""

from __future__ import annotations

import ast
import copy
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ..config import LAB_DIR, NOTEBOOK_DIR, REPO_ROOT, clean_metadata, is_lab

EXERCISE = re.compile(r"\*\*Exercise\s+(\d+)")


def tags_of(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _parse(source: str) -> ast.Module | None:
    """A cell's code as a syntax tree: timing magics unwrapped, other magics turned into calls; None if invalid."""
    from IPython.core.inputtransformer2 import TransformerManager

    source = re.sub(r"^%%(time|capture)\b.*\n", "", source)  # these cell magics run the cell's own code
    source = re.sub(r"^(\s*)%time\s+", r"\1", source, flags=re.M)
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def bound_names(source: str) -> list[str]:
    """Names a cell binds at top level (assignments, defs, classes, imports, loop targets), in order."""
    tree = _parse(source)
    if tree is None:
        return []
    names: list[str] = []
    scoped = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            found = []
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found = [child.name]
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                found = [child.id]
            elif isinstance(child, ast.alias):
                found = [(child.asname or child.name).split(".")[0]]
            names.extend(n for n in found if n not in names and not n.startswith("_"))
            if not isinstance(child, scoped):
                visit(child)

    visit(tree)
    return names


def used_names(source: str) -> set[str]:
    """Every name a cell reads."""
    tree = _parse(source)
    names = ast.walk(tree) if tree is not None else []
    return {n.id for n in names if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def exercises(nb: nbformat.NotebookNode) -> list[dict]:
    """Each `solution` cell with its number, prompt index, check cell index and the names the check reads."""
    found = []
    for i, cell in enumerate(nb.cells):
        if "solution" not in tags_of(cell):
            continue
        prompt = next((j for j in range(i - 1, -1, -1) if nb.cells[j].cell_type == "markdown"), None)
        match = EXERCISE.search(nb.cells[prompt].source) if prompt is not None else None
        later = [j for j in range(i + 1, len(nb.cells)) if "solution" in tags_of(nb.cells[j])] + [len(nb.cells)]
        check = next((j for j in range(i + 1, later[0]) if "check" in tags_of(nb.cells[j])), None)
        names = bound_names(cell.source) if cell.cell_type == "code" else []
        if check is not None and set(names) & used_names(nb.cells[check].source):
            names = [n for n in names if n in used_names(nb.cells[check].source)]
        found.append({"number": int(match.group(1)) if match else len(found) + 1, "cell": i, "prompt": prompt,
                      "check": check, "names": names})
    return found


def stub_source(number: int, names: Sequence[str], has_check: bool) -> str:
    """The code a student sees instead of a solution: what to write, then a NotImplementedError."""
    what = f"defines {', '.join(f'`{n}`' for n in names)}" if names else "answers the exercise"
    tested = "; the check cell below tests it" if has_check else ""
    return (f"# Exercise {number}: your code here (the prompt above says what to do).\n"
            f"# Write code that {what}{tested}.\n"
            f"# Then delete the line below and run this cell{' and the check cell' if has_check else ''}.\n"
            f'raise NotImplementedError("Exercise {number}: write your solution in this cell")')


def _handout(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as handed out: no injected parameters, no outputs or execution counts, no run metadata."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in tags_of(c)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    clean_metadata(nb)
    return nb


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with each `solution` cell replaced by a `student-stub` cell, outputs cleared."""
    return _handout(without_solutions(nb))


def without_solutions(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy with each `solution` cell replaced by a `student-stub` cell and each check's output cleared (the
    student website keeps the other outputs)."""
    nb = copy.deepcopy(nb)
    for ex in exercises(nb):
        cell = nb.cells[ex["cell"]]
        tags = ["student-stub" if t == "solution" else t for t in tags_of(cell)]
        if cell.cell_type == "code":
            stub = nbformat.v4.new_code_cell(stub_source(ex["number"], ex["names"], ex["check"] is not None))
        else:
            stub = nbformat.v4.new_markdown_cell(f"*Exercise {ex['number']}: write your answer here.*")
        stub.metadata = {**{k: v for k, v in cell.metadata.items() if k != "tags"}, "tags": tags}
        if "id" in cell:
            stub.id = cell.id
        nb.cells[ex["cell"]] = stub
        if ex["check"] is not None:
            nb.cells[ex["check"]].outputs, nb.cells[ex["check"]].execution_count = [], None
    return nb


def nbgrader_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The source version nbgrader imports: solutions between its markers, each check an autograded 1-point test."""
    nb = copy.deepcopy(nb)
    for ex in exercises(nb):
        cell, grade_id = nb.cells[ex["cell"]], f"exercise-{ex['number']}"
        if cell.cell_type == "code":
            cell.source = f"### BEGIN SOLUTION\n{cell.source}\n### END SOLUTION"
        cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "task": False,
                                     "grade_id": grade_id, "schema_version": 3}
        if ex["check"] is not None:
            nb.cells[ex["check"]].metadata["nbgrader"] = {
                "solution": False, "grade": True, "locked": True, "task": False, "points": 1,
                "grade_id": f"{grade_id}-check", "schema_version": 3}
    return _handout(nb)


KIT_MARKER = ".made-by-course-kit"  # in a folder the kit made and may therefore replace


def prepare_out(out: Path, *protected: Path, replace: bool = False) -> Path:
    """Check an output folder before any work and create it. Refused: a folder inside a protected one (the
    instructor's notebooks), the repository itself or a folder above it, and, with `replace` (the old content is
    deleted), a folder that holds files the kit did not make (no marker). Nothing is deleted that the kit did not
    make."""
    out = out.resolve()
    for folder in {NOTEBOOK_DIR.resolve(), *(f.resolve() for f in protected)}:
        if out == folder or folder in out.parents:
            raise ValueError(f"--out {out} lies inside {folder}; choose a folder outside it "
                             "(the notebooks there are the instructor's version and are never overwritten).")
    if out == REPO_ROOT or out in REPO_ROOT.parents:
        raise ValueError(f"--out {out} is the repository or a folder above it; choose a new folder, e.g. site/.")
    if replace and out.exists():
        if not out.is_dir():
            raise ValueError(f"--out {out} is a file; choose a new or empty folder.")
        if any(out.iterdir()) and not (out / KIT_MARKER).is_file():
            raise ValueError(f"--out {out} holds files the kit did not make, which this command would delete; "
                             "choose a new or empty folder (or one the kit made before).")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    if replace:
        (out / KIT_MARKER).write_text("made by python -m course.kit; the kit may replace this folder\n")
    return out


def copy_figures(paths: Sequence[Path], out: Path) -> None:
    """Copy the diagrams (figures/) the lessons show beside the copies written into `out`."""
    for folder in {p.parent / "figures" for p in paths if not is_lab(p)}:
        if folder.is_dir():
            shutil.copytree(folder, out / "figures", dirs_exist_ok=True)


def target_for(path: Path, out: Path) -> Path:
    """Where a notebook's copy goes in an output folder: a lab under labs/, as in notebooks/."""
    return out / LAB_DIR / path.name if is_lab(path) else out / path.name


def write_student(paths: Sequence[Path], out: Path, nbgrader: bool = False) -> list[Path]:
    """Write the student version (or nbgrader's source version) of each notebook into `out` (labs under labs/,
    with the diagrams in figures/); return the notebooks written."""
    prepare_out(out, *{p.parent for p in paths})
    written = []
    for path in paths:
        nb = (nbgrader_version if nbgrader else student_version)(nbformat.read(str(path), as_version=4))
        nbformat.validate(nb)
        target = target_for(path, out)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))
        written.append(target)
    copy_figures(paths, out)
    return written
