"""02_rnn teaches the character model, its batching and its sampling loop on the page; helpers keep copies for 03
and 04. These tests keep each copy equal to the notebook's cell (compared as syntax trees, so comments and line
breaks may differ, code and docstrings may not)."""

import ast
import inspect
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers import recurrent
from helpers.datasets import sequences

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_rnn.ipynb"
COPIES = [(recurrent, "CharLM"), (recurrent, "sample_text"), (sequences, "char_sequences")]


def notebook_definitions() -> dict[str, ast.AST]:
    """Every top-level class and function the notebook's code cells define, by name (the last definition wins)."""
    found = {}
    for cell in nbformat.read(str(NOTEBOOK), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.parse(source).body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                found[node.name] = node
    return found


@pytest.mark.parametrize(("module", "name"), COPIES, ids=[name for _, name in COPIES])
def test_helper_copy_equals_the_notebook_cell(module, name):
    defined = notebook_definitions()
    assert name in defined, f"02_rnn no longer defines {name}: update COPIES or the notebook"
    helper = ast.parse(textwrap.dedent(inspect.getsource(getattr(module, name)))).body[0]
    assert ast.dump(helper) == ast.dump(defined[name]), \
        f"helpers' {name} differs from 02_rnn's cell: copy the notebook's version into {module.__name__}"


def test_a_changed_copy_is_caught():
    notebook = notebook_definitions()["CharLM"]
    changed = ast.parse(inspect.getsource(recurrent.CharLM).replace("embed_dim)", "embed_dim * 2)", 1)).body[0]
    assert ast.dump(changed) != ast.dump(notebook)
