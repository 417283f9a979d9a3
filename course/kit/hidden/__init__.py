"""Hidden checks, one file per lesson (`<lesson stem>.py`, format in the grader's docs): each `exercise_N()` is sent
into the student's sandboxed kernel after the notebook ran and its result compared outside with the solution's."""

from __future__ import annotations

import ast
from pathlib import Path

HIDDEN_DIR = Path(__file__).resolve().parent


def hidden_checks(stem: str) -> Path | None:
    """The hidden-check file of a lesson, or None if it has none."""
    path = HIDDEN_DIR / f"{stem}.py"
    return path if path.is_file() else None


def check_numbers(path: Path) -> list[int]:
    """The exercise numbers a hidden-check file defines `exercise_N()` for, in order."""
    tree = ast.parse(path.read_text())
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("exercise_")]
    return sorted(int(name.removeprefix("exercise_")) for name in names if name.removeprefix("exercise_").isdigit())
