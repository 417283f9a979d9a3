"""02_rnn teaches the character model, its batching and its sampling loop on the page; helpers keep copies for 03
and 04. These tests keep each copy equal to the notebook's cell (compared as syntax trees, so comments and line
breaks may differ, code and docstrings may not)."""

import ast
import inspect

import pytest
from notebook_code import helper_tree, notebook_definitions

from helpers import recurrent
from helpers.datasets import sequences

COPIES = [(recurrent, "CharLM"), (recurrent, "sample_text"), (sequences, "char_sequences")]


@pytest.mark.parametrize(("module", "name"), COPIES, ids=[name for _, name in COPIES])
def test_helper_copy_equals_the_notebook_cell(module, name):
    defined = notebook_definitions("02_rnn.ipynb")
    assert name in defined, f"02_rnn no longer defines {name}: update COPIES or the notebook"
    assert ast.dump(helper_tree(getattr(module, name))) == ast.dump(defined[name]), \
        f"helpers' {name} differs from 02_rnn's cell: copy the notebook's version into {module.__name__}"


def test_a_changed_copy_is_caught():
    notebook = notebook_definitions("02_rnn.ipynb")["CharLM"]
    changed = ast.parse(inspect.getsource(recurrent.CharLM).replace("embed_dim)", "embed_dim * 2)", 1)).body[0]
    assert ast.dump(changed) != ast.dump(notebook)
