"""Claims: a conclusion drawn from a measurement, recorded in the notebook's output (held or not, the statement,
the numbers); course.results reads them back for the runner, the tests and the claims report."""

from __future__ import annotations

import html
import re
from typing import Any

from .metrics import clean_value, format_number

CLAIMS_MIME = "application/vnd.dlcourse.claims+json"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SESSION_CLAIMS: dict[str, dict[str, Any]] = {}  # the claims this process recorded, for show_claims()


KINDS = ("finding", "check")  # a finding is measured; a check is true by construction or says our code equals torch's


def claim(name: str, statement: str, held: Any, *, effect: Any = None, effect_se: Any = None,
          kind: str = "finding", **numbers: Any) -> None:
    """Record a conclusion drawn from a measurement: held or not, what it says, and the numbers behind it.

    `effect` is the signed size of what the statement says, positive on its side (e.g. the LSTM's loss minus the
    GRU's for "the GRU reaches a lower loss"; the value minus the threshold for "at least ..."); `effect_se` is
    its standard error from sampling the test set at this seed, where known. The report turns the seeds' effects
    into an interval and a verdict. A claim that does not hold is a result, shown and recorded as such, not an error.
    """
    from IPython.display import display

    if not _NAME.match(name):
        raise ValueError(f"claim name {name!r}: use lower-case snake_case, e.g. 'gru_fewer_params'.")
    if kind not in KINDS:
        raise ValueError(f"claim {name}: kind={kind!r}; use one of {', '.join(KINDS)}.")
    if effect_se is not None and effect is None:
        raise ValueError(f"claim {name}: effect_se without an effect.")
    held = bool(held.item() if hasattr(held, "item") else held)
    clean = {key: clean_value(key, value) for key, value in numbers.items()}
    extra = {key: float(clean_value(key, value)) for key, value in (("effect", effect), ("effect_se", effect_se))
             if value is not None}
    if extra.get("effect_se", 0.0) < 0:
        raise ValueError(f"claim {name}: effect_se must not be negative.")
    shown = ", ".join(f"{k}={format_number(v)}" for k, v in {**extra, **clean}.items())
    verdict = "HELD    " if held else "NOT HELD"
    text = f"{'✔' if held else '✘'} {verdict} {name}: {statement}" + (f"\n           ({shown})" if shown else "")
    colour = "#1a7f37" if held else "#b42318"
    page = (f'<div style="font-family:monospace"><b style="color:{colour}">{"✔ held" if held else "✘ not held"}</b> '
            f"<code>{html.escape(name)}</code>: {html.escape(statement)}"
            + (f'<br><small style="color:#555">{html.escape(shown)}</small>' if shown else "") + "</div>")
    record = {name: {"statement": statement, "held": held, "numbers": clean, "kind": kind, **extra}}
    _SESSION_CLAIMS.update(record)
    display({CLAIMS_MIME: record, "text/plain": text, "text/html": page}, raw=True)


def show_claims() -> None:
    """Show every claim recorded so far in this kernel as a table (verdict, name, statement): the summary's ledger."""
    from IPython.display import display

    rows = ["| | claim | statement |", "|---|---|---|"]
    rows += [f"| {'✔ held' if c['held'] else '✘ not held'} | `{name}` | {c['statement']} |"
             for name, c in _SESSION_CLAIMS.items()]
    text = "\n".join(f"{'HELD    ' if c['held'] else 'NOT HELD'} {name}: {c['statement']}"
                     for name, c in _SESSION_CLAIMS.items())
    display({"text/markdown": "\n".join(rows) if _SESSION_CLAIMS else "*no claims recorded yet*",
             "text/plain": text or "no claims recorded yet"}, raw=True)
