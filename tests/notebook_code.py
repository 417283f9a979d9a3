"""What tests compare helpers' copies with: the top-level definitions of a notebook's code cells, as syntax trees."""

import ast
import inspect
import textwrap
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_definitions(notebook: str) -> dict[str, ast.AST]:
    """Every top-level class and function the notebook's code cells define, by name (the last definition wins)."""
    found = {}
    for cell in nbformat.read(str(NOTEBOOKS / notebook), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.parse(source).body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                found[node.name] = node
    return found


def notebook_namespace(notebooks: list[str], scope: dict, constants: bool = False) -> dict:
    """Run every top-level import, function and class (and, with `constants`, upper-case constant) of the notebooks'
    code cells, in order, in `scope`; return it. Demos and training do not run."""
    for notebook in notebooks:
        for cell in nbformat.read(str(NOTEBOOKS / notebook), as_version=4).cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            keep = [node for node in ast.parse(source).body
                    if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom)
                    or (constants and isinstance(node, ast.Assign)
                        and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets))]
            exec(compile(ast.Module(body=keep, type_ignores=[]), notebook, "exec"), scope)
    return scope


def helper_tree(obj: object) -> ast.AST:
    """The syntax tree of a helper's class or function, to compare with a notebook's definition."""
    return ast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]
