"""CLAIMS.md's text: the decision rule, the article's claims with their verdicts, the course's own findings and
checks, and each notebook's runs, from the claims report's data (course.report writes it)."""

from __future__ import annotations

from typing import Any

from helpers.findings import effect_text, judge, verdict_words

from .article import ARTICLE_CLAIMS, article_rows
from .summary import fmt_spread

REGENERATE = "python -m course.run --seeds 0-4 -j 2 --claims-report"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a literal | (as in ||x||) would end the cell."""
    return text.replace("|", "\\|")


def _numbers(claim: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {fmt_spread(s)}" for k, s in claim["numbers"].items())


RULE = ("**How to read a verdict.** A *check* is true by construction or says our code equals PyTorch's; it "
        "\"passes in k of n seeds\". A *finding* is measured: at each seed its notebook records the effect, the "
        "signed size of what it says (positive on its side), and where known the effect's standard error from "
        "sampling the test set. The effect column gives the mean effect over the n seeds and its 95% interval, "
        "mean ± t(0.975, n − 1) · √(s²/n + mean(se²)), with s the effect's standard deviation over seeds and se "
        "each seed's test-set standard error: every seed is scored on the same test set, so that set's sampling "
        "error is shared by all seeds and does not shrink as seeds are added. A finding **holds** when the "
        "interval lies entirely above 0, **does not hold** when it lies entirely below, and is **inconclusive** "
        "when it straddles 0 (then it says how many seeds, or how much larger a test set, might decide it if the "
        "mean stayed). \"k of n seeds\" beside it counts the seeds at which the notebook's own test held. With "
        "one seed, or no effect recorded, there is no interval and no verdict word: the finding reads \"k of n "
        "seeds, no effect recorded\". An article claim with several tests holds when all of them hold.")


def _test_line(nb: str, name: str, claim: dict[str, Any], several: bool) -> str:
    """One test of an article row, with its own verdict when the row has several."""
    return f"{nb} · `{name}`" + (f" ({verdict_words(judge(claim))})" if several else "")


def report_markdown(summary: dict[str, Any], hashes: dict[str, str]) -> str:
    """CLAIMS.md: the rule, the article's claims, then the course's own findings and checks, with verdicts, effects
    and numbers, and each notebook's runs."""
    notebooks = summary["notebooks"]
    seeds = sorted({s for a in notebooks.values() for s in a["seeds"]})
    lines = ["# Claims: what the course measured", "", RULE, "",
             f"Made by `{REGENERATE}` from a full run of every notebook at seeds {', '.join(map(str, seeds))} "
             f"({summary['machine']}; {summary['finished']}; wall time {summary['wall_s']:.0f} s"
             + (f" over {summary['merged']} runs merged by notebook" if summary.get("merged", 1) > 1 else "")
             + f", {summary['jobs']} notebooks at a time). Each claim is computed by its notebook from what it "
             "measured (see the claim's line in the notebook's output); a claim that did not hold is a result "
             "too. Numbers are the mean [min, max] over the seeds; `claims.json` has every seed's.", "",
             "## The article's claims", "",
             "| # | the article says | verdict | effect [95% interval] | tested by | numbers |",
             "|---|---|---|---|---|---|"]
    for row in article_rows(notebooks):
        several = len(row["found"]) > 1
        tested = "<br>".join(_test_line(nb, name, c, several) for nb, name, c in row["found"]) or "-"
        effects = "<br>".join(effect_text(judge(c)) for _, _, c in row["found"]) or "-"
        numbers = "<br>".join(_numbers(c) for _, _, c in row["found"]) or "-"
        note = f" ({row['note']})" if row.get("note") and row["found"] else ""
        lines.append(f"| {row['id']} | {_cell(row['statement'])} | {_cell(row['verdict'] + note)} | {effects} | "
                     f"{tested} | {numbers} |")
    used = {(nb, name) for entry in ARTICLE_CLAIMS for nb, name in entry["tests"]}
    own = [(nb, name, c, judge(c)) for nb, a in notebooks.items() for name, c in a["claims"].items()
           if (nb, name) not in used]
    for kind, title in (("finding", "Findings"), ("check", "Checks")):
        mine = [(nb, name, c, j) for nb, name, c, j in own if j["kind"] == kind]
        effect = " effect [95% interval] |" if kind == "finding" else ""
        lines += ["", f"## {title} the course adds", "",
                  f"| notebook | claim | statement | verdict |{effect} numbers |",
                  "|---|---|---|---|" + ("---|" if effect else "") + "---|"]
        lines += [f"| {nb} | `{name}` | {_cell(c['statement'])} | {verdict_words(j)} |"
                  + (f" {effect_text(j)} |" if effect else "") + f" {_numbers(c)} |" for nb, name, c, j in mine]
        if not mine:
            lines.append(f"| - | - | no {kind}s recorded | - |" + (" - |" if effect else "") + " - |")
    bars = [f"{nb} · `{name}`" for nb, a in notebooks.items() for name in a.get("bar_claims") or []
            if name in a["claims"] and judge(a["claims"][name])["kind"] == "finding"]
    lines += ["", "Findings that are also quality bars (a run fails when they do not hold: `course.bars.full.claims` "
              "in the notebook's metadata): " + (", ".join(bars) if bars else "none") + "."]
    lines += ["", "## Runs", "", f"Time per run: wall time of one full run, kernel start included, with "
              f"{summary['jobs']} notebook(s) running at a time on the machine above.", "",
              "| notebook | runs passing their bars | claims holding in every seed | time per run (s) | code sha256 |",
              "|---|---|---|---|---|"]
    for nb, a in notebooks.items():
        always = sum(c["held"] == c["of"] for c in a["claims"].values())
        seconds = f"{a['seconds']['mean']:.0f} [{a['seconds']['min']:.0f}, {a['seconds']['max']:.0f}]" \
            if a.get("seconds") else "-"
        lines.append(f"| {nb} | {a['ok']}/{a['runs']} | {always}/{len(a['claims'])} | {seconds} | "
                     f"`{hashes.get(nb, '?')[:12]}` |")
    return "\n".join(lines) + "\n"
