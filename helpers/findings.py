"""What a lesson says about itself and its lab, computed, never typed: its reading and run time, and the lab's
findings in sentences made from the committed claims report (claims.json)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .metrics import format_number

if TYPE_CHECKING:
    from IPython.display import Markdown

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
REPORT = REPO_ROOT / "claims.json"
Note = str | tuple[str, str]  # one sentence, or (if it held, if it did not)
MAX_SEEDS = 200  # the most seeds an inconclusive finding's hint considers


def read_report(report: Path = REPORT) -> dict[str, Any]:
    """The committed claims report, or {} when there is none or it cannot be read."""
    try:
        data = json.loads(Path(report).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def reading_minutes(path: Path) -> float:
    """Minutes to read a notebook: prose at 180 words a minute, code at 10 lines, 20 s a figure, output at 300."""
    cells = json.loads(Path(path).read_text())["cells"]

    def text(value: Any) -> str:
        return "".join(value) if isinstance(value, list) else str(value or "")

    prose = " ".join(re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\(http[^)]*\)", " ", text(c["source"]), flags=re.S)
                     for c in cells if c["cell_type"] == "markdown")
    words = len(re.findall(r"[A-Za-z][A-Za-z'-]*", prose))
    figures = sum(len(re.findall(r"!\[[^\]]*\]\([^)]+\)|<img\s", text(c["source"])))
                  for c in cells if c["cell_type"] == "markdown")
    lines = out_words = 0
    for cell in (c for c in cells if c["cell_type"] == "code"):
        lines += sum(1 for line in text(cell["source"]).splitlines() if line.strip())
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data or "image/svg+xml" in data:
                figures += 1
            else:
                out_words += len(text(out.get("text") or data.get("text/plain")).split())
    return words / 180 + lines / 10 + figures / 3 + out_words / 300


def _seconds(name: str, report: dict[str, Any]) -> str:
    """A notebook's mean full-preset run time in the report, in words."""
    seconds = (report.get("notebooks", {}).get(name) or {}).get("seconds")
    if not seconds:
        return "not measured yet (it is measured by the claims report's release run)"
    return (f"about {seconds['mean']:.0f} s at the full preset on the release machine "
            f"({report.get('machine', 'a CPU')}; mean of {len(report['notebooks'][name].get('seeds', []))} seeds)")


def lesson_facts(name: str, report: Path = REPORT) -> Markdown:
    """The lesson's reading time (from its text) and its and its lab's run times (from the claims report)."""
    from IPython.display import Markdown

    data = read_report(report)
    path = NOTEBOOKS / f"{name}.ipynb"
    read = f"about {round(reading_minutes(path))} minutes" if path.exists() else "unknown (notebook not found)"
    return Markdown(f"**Reading time:** {read}, computed from this notebook's text, code and figures.  \n"
                    f"**Run time:** {_seconds(name, data)}.  \n"
                    f"**Its lab** ([labs/{name}_lab.ipynb](labs/{name}_lab.ipynb)): {_seconds(name + '_lab', data)}.")


def _number(value: Any) -> str:
    """A number for a sentence: three significant digits, thousands grouped."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else format_number(value, 3)


def _numbers(numbers: Mapping[str, Any]) -> str:
    """'name mean (seeds from min to max)' for each recorded number of a claim."""
    parts = []
    for key, s in numbers.items():
        if isinstance(s, Mapping) and s.get("min") != s.get("max"):
            parts.append(f"{key} {_number(s['mean'])} (seeds from {_number(s['min'])} "
                         f"to {_number(s['max'])})")
        else:
            parts.append(f"{key} {_number(s['mean'] if isinstance(s, Mapping) else s)}")
    return "; ".join(parts)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _what_decides(mean: float, seed_var: float, test_var: float, n: int) -> str:
    """For an inconclusive finding: how many seeds, or how much larger a test set, might decide it if the mean stayed
    where it is (from the interval's width)."""
    from scipy.stats import t

    if mean == 0:
        return "its mean effect is 0: no budget decides it"
    seeds = np.arange(n + 1, MAX_SEEDS + 1)
    enough = seeds[t.ppf(0.975, seeds - 1) ** 2 * (seed_var * n / seeds + test_var) < mean ** 2]
    if enough.size:
        return f"about {enough[0]} seeds might decide it" + (" with this test set" if test_var else "")
    room = (mean / t.ppf(0.975, n - 1)) ** 2 - seed_var
    if test_var and room > 0:
        return f"a test set about {math.ceil(test_var / room)} times larger might decide it"
    return ("more seeds and a larger test set might decide it" if test_var
            else f"more than {MAX_SEEDS} seeds would be needed")


def judge(found: Mapping[str, Any]) -> dict[str, Any]:
    """The course's decision rule for one claim of the report (CONTRIBUTING.md, "Claims"): its kind, k of n seeds,
    and for a finding with effects at two or more seeds the mean effect, its 95% interval and the verdict word."""
    from scipy.stats import t

    kind = found.get("kind", "finding")
    out = {"kind": kind, "held": int(found["held"]), "of": int(found["of"]), "n": 0, "mean": None, "low": None,
           "high": None, "word": None, "hint": ""}
    seeds = [s for s in found.get("per_seed") or [] if _numeric(s.get("effect"))]
    if kind == "check" or not seeds:
        return out
    effects = np.array([s["effect"] for s in seeds], dtype=float)
    ses = np.array([s["effect_se"] if _numeric(s.get("effect_se")) else 0.0 for s in seeds], dtype=float)
    n = len(effects)
    out.update(n=n, mean=float(effects.mean()))
    if n < 2:
        return out
    seed_var, test_var = float(effects.var(ddof=1)) / n, float(np.mean(ses ** 2))
    half = float(t.ppf(0.975, n - 1)) * math.sqrt(seed_var + test_var)
    low, high = out["mean"] - half, out["mean"] + half
    word = "holds" if low > 0 else "does not hold" if high < 0 else "inconclusive"
    hint = _what_decides(out["mean"], seed_var, test_var, n) if word == "inconclusive" else ""
    out.update(low=low, high=high, word=word, hint=hint)
    return out


def effect_text(judged: Mapping[str, Any]) -> str:
    """A finding's mean effect and its 95% interval ('+0.05 [+0.02, +0.08]'); '-' for a check or no effect."""
    if judged["mean"] is None:
        return "-"
    if judged["low"] is None:
        return f"{judged['mean']:+.3g} (one seed, no interval)"
    return f"{judged['mean']:+.3g} [{judged['low']:+.3g}, {judged['high']:+.3g}]"


def verdict_words(judged: Mapping[str, Any], scope: str = "general") -> str:
    """A judged claim's verdict in words, always with k of n seeds: 'holds (5 of 5 seeds)', 'passes in 5 of 5
    seeds', '3 of 5 seeds, no effect recorded'; `scope="machine"` adds 'on this CPU'."""
    seeds = f"{judged['held']} of {judged['of']} seeds"
    where = " on this CPU" if scope == "machine" else ""
    if judged["of"] == 0:
        return "not measured"
    if judged["kind"] == "check":
        return f"passes{where} in {seeds}"
    if judged["word"] is None:
        return f"{seeds}{where}, " + ("no effect recorded" if judged["mean"] is None else "one seed: no interval")
    return (f"{judged['word']}{where} ({seeds}" + (f"; {judged['hint']}" if judged["hint"] else "") + ")"
            + (", not in general" if scope == "machine" and judged["word"] == "holds" else ""))


def finding(name: str, found: Mapping[str, Any] | None, note: Note = "") -> str:
    """One claim of the report in words: its verdict by the rule (with its effect and interval) or, for a check,
    in how many seeds it passes; its statement, its numbers and what it means. The note's two readings follow the
    rule's word; without an interval (or for a check), they follow the seeds when all agree."""
    if not found:
        return f"- `{name}`: not in the claims report yet; the next release measures it."
    judged = judge(found)
    words = verdict_words(judged)
    if judged["low"] is not None:
        words = f"{words[0].upper()}{words[1:]}; effect {effect_text(judged)} (95% interval)"
        side = {"holds": 0, "does not hold": 1}.get(judged["word"])
    else:
        words = words[0].upper() + words[1:]
        side = 0 if judged["held"] == judged["of"] else 1 if judged["held"] == 0 else None
    meaning = note if isinstance(note, str) else "" if side is None else note[side]
    numbers = _numbers(found.get("numbers", {}))
    return (f"- **{words}.** {found['statement']}"
            + (f" Measured: {numbers}." if numbers else "") + (f" {meaning}" if meaning else ""))


def lab_findings(lab: str, notes: Mapping[str, Note], report: Path = REPORT) -> Markdown:
    """What a lab measured, claim by claim, in sentences made from the claims report, with a link to the lab."""
    from IPython.display import Markdown

    data = read_report(report)
    claims = (data.get("notebooks", {}).get(lab) or {}).get("claims", {})
    when = data.get("finished", "no release yet")
    lines = [finding(name, claims.get(name), note) for name, note in notes.items()]
    lines.append(f"\nFrom the claims report of {when} (numbers are means over the seeds; verdicts by the rule at "
                 "the top of CLAIMS.md); the experiments, "
                 f"their budgets and baselines are in [the lab](labs/{lab}.ipynb), every claim in "
                 "[CLAIMS.md](../CLAIMS.md).")
    return Markdown("\n".join(lines))
