"""Notebook parameters against their rules: checked in the setup cell, before any work, with a clear message."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Any


class ParameterError(ValueError):
    """A notebook parameter (or a helper argument a user controls) has a value that is not allowed."""


Rule = tuple | list | type


def _describe(rule: Rule) -> str:
    if isinstance(rule, list):
        return "one of " + ", ".join(repr(v) for v in rule)
    if isinstance(rule, type):
        return f"a value of type {rule.__name__}"
    kind, low, high = rule
    return f"{kind.__name__} in [{low}, {high}]"


def _check_one(name: str, value: Any, rule: Rule) -> None:
    """Raise ParameterError if `value` breaks `rule` (see check_params)."""
    ok = True
    if isinstance(rule, list):
        ok = value in rule
    elif isinstance(rule, type):
        ok = isinstance(value, rule) and not (rule is int and isinstance(value, bool))
    elif isinstance(rule, tuple) and len(rule) == 3:
        kind, low, high = rule
        if kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, Real) and not isinstance(value, bool)
        else:
            raise TypeError(f"rule for {name}: range rules are (int, low, high) or (float, low, high)")
        ok = ok and low <= value <= high
    else:
        raise TypeError(f"rule for {name} must be a list of choices, a type, or (type, low, high); got {rule!r}")
    if not ok:
        raise ParameterError(
            f"Parameter {name}={value!r} ({type(value).__name__}) is not allowed: use {_describe(rule)}. "
            "Change it in the parameters cell, or in your papermill/runner '-p' option."
        )


def check_params(values: Mapping[str, Any], **rules: Rule) -> None:
    """Check notebook parameters before any work: each rule is a list of choices, a type, or (type, low, high).

    Example: check_params(dict(num_epochs=num_epochs, dataset=dataset),
                          num_epochs=(int, 1, 1000), dataset=["digits", "mnist"])
    """
    unknown = sorted(set(rules) - set(values))
    if unknown:
        raise TypeError(f"check_params has rules for {unknown} but no values for them.")
    unchecked = sorted(set(values) - set(rules))
    if unchecked:
        raise TypeError(f"check_params got values without rules: {unchecked}; give each parameter a rule.")
    for name, rule in rules.items():
        _check_one(name, values[name], rule)


def require(condition: bool, message: str) -> None:
    """Raise ParameterError(message) unless `condition` holds: for rules that tie parameters together."""
    if not condition:
        raise ParameterError(message)

