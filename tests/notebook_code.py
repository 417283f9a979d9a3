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


def helper_tree(obj: object) -> ast.AST:
    """The syntax tree of a helper's class or function, to compare with a notebook's definition."""
    return ast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]
