"""The claims ledger: recorded claims, the claims report (CLAIMS.md, claims.json) and the no-typed-numbers rule."""

import ast
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course import check_bars, find_notebooks
from course.article import ARTICLE_CLAIMS
from course.claims_md import REGENERATE, report_markdown
from course.report import REPORT_JSON, REPORT_MD, code_hash
from course.results import read_claims, read_metrics
from helpers.claims import CLAIMS_MIME
from helpers.metrics import METRICS_MIME

NOTEBOOKS = find_notebooks()
# a decimal number, or a number followed by % or × (not 5×5): how results are quoted in prose; not in words
PROSE_NUMBER = re.compile(r"(?<![\w.^_{\\-])(\d+\.\d+|\d+(?:\.\d+)?(?=\s?%)|\d+(?:\.\d+)?(?=\s?×(?!\s?\d)))(?![\w.}])")


def typed_results(markdown: str, recorded: list[float], constants: frozenset[float] = frozenset()) -> list[str]:
    """Numbers in a markdown text that equal a recorded number to the digits shown (percentages as fractions too),
    unless the number is one of the notebook's own constants (a literal in its code, e.g. a 15% masking rate)."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", " ", markdown, flags=re.S)  # LaTeX and code are not prose
    found = []
    for match in PROSE_NUMBER.finditer(text):
        token = match.group(1)
        digits = token.replace(".", "").lstrip("0") if "." in token else token.rstrip("0")
        if len(digits) < 2:  # one significant digit (0.5, 10%, 3×) is a round number, not a quoted result
            continue
        decimals = len(token.split(".")[1]) if "." in token else 0
        percent = text[match.end():match.end() + 2].lstrip().startswith("%")
        x = float(token)
        candidates = [(x, decimals)] + ([(x / 100, decimals + 2)] if percent else [])
        if any(abs(c - k) < 1e-12 for c, _ in candidates for k in constants):
            continue  # fixed by construction: the code says so
        if any(abs(v - c) <= 0.5 * 10 ** -d + 1e-12 for v in recorded for c, d in candidates):
            found.append(token + ("%" if percent else ""))
    return found


def code_constants(nb) -> frozenset[float]:
    """The numeric literals in a notebook's code cells: numbers fixed by construction, not measured."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        found |= {float(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant)
                  and isinstance(n.value, int | float) and not isinstance(n.value, bool)}
    return frozenset(found)


def recorded_numbers(nb) -> list[float]:
    values = list(read_metrics(nb).values()) + [v for c in read_claims(nb).values() for v in c["numbers"].values()]
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def test_typed_results_finds_numbers_shown_to_their_digits():
    assert typed_results("the loss was 1.41 after training", [1.4087]) == ["1.41"]
    assert typed_results("accuracy 28.8% of the time", [0.2881]) == ["28.8%"]
    assert typed_results("it is 1.8× slower", [1.86]) == []  # 1.86 shows as 1.9
    assert typed_results("it is 1.9× slower", [1.86]) == ["1.9"]
    assert typed_results("a split of 0.2, equation $x = 1.41$, code `lr = 1.41`", [1.4087]) == []
    assert typed_results("section 2 has 30 steps", [2.0, 30.0]) == []  # bare integers are not results
    assert typed_results("a 5×5 kernel; chance is 10%; about 0.6", [5.0, 0.1, 0.61]) == []  # round numbers
    assert typed_results("mask 15% of the tokens", [0.1484]) == ["15%"]
    assert typed_results("mask 15% of the tokens", [0.1484], frozenset({0.15})) == []  # a constant of the code
    assert code_constants(new_notebook(cells=[new_code_cell("rate = 0.15\nn = 3")])) == {0.15, 3.0}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_measured_number_is_typed_into_markdown(path):
    """A number in a markdown cell must not equal a metric or claim number the notebook recorded (CONTRIBUTING.md):
    results live in outputs, so the text cannot go stale when they change."""
    nb = nbformat.read(str(path), as_version=4)
    recorded, constants = recorded_numbers(nb), code_constants(nb)
    typed = [f"cell {i}: {n}" for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
             for n in typed_results(c.source, recorded, constants)]
    assert not typed, f"{path.stem}: measured numbers typed into markdown (show them with claim() instead): {typed}"


def test_claim_records_and_reads_back(monkeypatch):
    import IPython.display

    from helpers import claim
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw: shown.append(obj))
    claim("gru_smaller", "The GRU is smaller.", 3 < 4, gru=3, lstm=4)
    claim("gru_faster", "The GRU is faster.", False, ratio=1.8512)  # not holding is a result, not an error
    claim("gru_lower_loss", "The GRU reaches a lower loss.", True, effect=0.02, effect_se=0.01, loss=1.5)
    claim("same_as_torch", "Our layer equals torch's.", True, kind="check")
    assert shown[0][CLAIMS_MIME] == {"gru_smaller": {"statement": "The GRU is smaller.", "held": True,
                                                     "numbers": {"gru": 3, "lstm": 4}, "kind": "finding"}}
    assert shown[2][CLAIMS_MIME]["gru_lower_loss"] == {"statement": "The GRU reaches a lower loss.", "held": True,
                                                       "numbers": {"loss": 1.5}, "kind": "finding", "effect": 0.02,
                                                       "effect_se": 0.01}
    assert "effect=0.02" in shown[2]["text/plain"] and shown[3][CLAIMS_MIME]["same_as_torch"]["kind"] == "check"
    for bad, match in (({"kind": "result"}, "kind='result'"), ({"effect_se": 0.1}, "without an effect"),
                       ({"effect": 1.0, "effect_se": -0.1}, "negative"), ({"effect": float("inf")}, "is inf")):
        with pytest.raises(ValueError, match=match):
            claim("bad", "x", True, **bad)
    assert "✘ NOT HELD gru_faster: The GRU is faster." in shown[1]["text/plain"] and "ratio=1.8512" in \
        shown[1]["text/plain"]
    with pytest.raises(ValueError, match="snake_case"):
        claim("GRU faster", "x", True)
    with pytest.raises(ValueError, match="is nan"):
        claim("bad", "x", True, loss=float("nan"))
    nb = new_notebook(cells=[new_code_cell("", outputs=[new_output("display_data", data=o) for o in shown])])
    claims = read_claims(nb)
    assert claims["gru_faster"]["held"] is False and claims["gru_smaller"]["numbers"]["lstm"] == 4
    assert read_metrics(nb) == {}
    rows = check_bars({}, {"claims": {"gru_smaller": "held", "gru_faster": "held", "absent": "recorded"}}, claims)
    assert [(r["metric"], r["value"], r["met"]) for r in rows] == [
        ("gru_smaller", "held", True), ("gru_faster", "not held", False), ("absent", None, False)]


def test_article_claims_are_numbered_and_each_has_a_test_or_a_reason():
    assert [e["id"] for e in ARTICLE_CLAIMS] == list(range(1, 17))
    names = {p.stem for p in NOTEBOOKS}
    for entry in ARTICLE_CLAIMS:
        assert entry["tests"] or entry["pending"], f"article claim {entry['id']}: no test and no reason"
        assert all(nb in names for nb, _ in entry["tests"]), entry


# ---- the committed report -----------------------------------------------------------------------------------

def committed_report() -> dict:
    assert REPORT_JSON.exists() and REPORT_MD.exists(), f"CLAIMS.md/claims.json missing: run `{REGENERATE}`"
    return json.loads(REPORT_JSON.read_text())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_claims_report_is_fresh(path):
    """The report was made from the notebooks' current code: change a notebook's code, regenerate the report."""
    report = committed_report()["notebooks"]
    assert path.stem in report, f"{path.stem} is not in claims.json: run `{REGENERATE}`"
    assert report[path.stem]["code_sha256"] == code_hash(path), \
        f"{path.stem}'s code changed since CLAIMS.md was made: run `{REGENERATE}` and commit CLAIMS.md, claims.json"


def test_code_hash_ignores_comments_formatting_and_docstrings_not_what_the_code_does(tmp_path):
    def hashed(*sources: str) -> str:
        path = tmp_path / "01_x.ipynb"
        nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), str(path))
        return code_hash(path)

    base = hashed("%matplotlib inline\nimport math", 'def f(x):\n    """Twice x."""\n    return 2 * x  # double',
                  "lr = 0.01")
    assert base == hashed("%matplotlib inline\nimport math\n", 'def f(x):\n    """Two times x."""\n\n    return 2*x',
                          "lr = 0.01  # Adam's step size")
    assert base != hashed("%matplotlib inline\nimport math", 'def f(x):\n    return 3 * x', "lr = 0.01")
    assert base != hashed("%matplotlib inline\nimport math", 'def f(x):\n    return 2 * x', "lr = 0.02")
    assert base != hashed("%matplotlib notebook\nimport math", 'def f(x):\n    return 2 * x', "lr = 0.01")
    assert base != hashed("lr = 0.01", "%matplotlib inline\nimport math", 'def f(x):\n    return 2 * x')  # order


def test_a_labs_code_hash_covers_its_lessons_code(tmp_path):
    """A lab may run its lesson's definitions, so a change in the lesson's code makes the lab's results stale."""
    (tmp_path / "labs").mkdir()
    lesson, lab = tmp_path / "01_x.ipynb", tmp_path / "labs" / "01_x_lab.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("y = 1")]), str(lab))
    nbformat.write(new_notebook(cells=[new_code_cell("def f(x):\n    return 2 * x")]), str(lesson))
    before = code_hash(lab)
    nbformat.write(new_notebook(cells=[new_code_cell("def f(x):\n    return 2 * x  # twice")]), str(lesson))
    assert code_hash(lab) == before
    exercise = new_code_cell("answer = 4", metadata={"tags": ["solution"]})
    nbformat.write(new_notebook(cells=[new_code_cell("def f(x):\n    return 2 * x"), exercise]), str(lesson))
    assert code_hash(lab) == before, "a lesson's exercises are not the lab's code"
    assert code_hash(lesson) != code_hash(lab)
    nbformat.write(new_notebook(cells=[new_code_cell("def f(x):\n    return 3 * x")]), str(lesson))
    assert code_hash(lab) != before


def test_claims_report_covers_several_seeds_and_matches_its_markdown():
    report = committed_report()
    assert all(len(set(a["seeds"])) >= 5 for a in report["notebooks"].values()), "the report needs 5+ seeds"
    for entry in ARTICLE_CLAIMS:  # every claim an article row names was recorded by the run
        for nb, name in entry["tests"]:
            assert name in report["notebooks"][nb]["claims"], f"article claim {entry['id']}: {nb} recorded no {name}"
    hashes = {nb: a["code_sha256"] for nb, a in report["notebooks"].items()}
    assert REPORT_MD.read_text() == report_markdown(report, hashes), \
        f"CLAIMS.md differs from what claims.json gives: do not edit it by hand; run `{REGENERATE}`"


def test_committed_notebooks_record_their_claims_as_shown():
    """What a notebook shows for a claim (text) and what it records (JSON) are the same output."""
    for path in NOTEBOOKS:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if CLAIMS_MIME in data:
                    (name, c), = data[CLAIMS_MIME].items()
                    assert name in data["text/plain"] and ("NOT HELD" in data["text/plain"]) != c["held"]
                if METRICS_MIME in data:
                    assert all(k in data["text/plain"] for k in data[METRICS_MIME])




def test_report_merges_runs_by_notebook_and_refuses_a_run_of_other_code(tmp_path):
    from course.report import write_report
    from course.summary import merge_summaries

    paths = []
    for stem in ("01_a", "02_b"):
        nb = new_notebook(cells=[new_code_cell(f"x = '{stem}'")])
        nbformat.write(nb, str(tmp_path / f"{stem}.ipynb"))
        paths.append(tmp_path / f"{stem}.ipynb")

    def summary(stems: list[str], finished: str, code: dict[str, str]) -> dict:
        runs = [{"notebook": s, "seed": seed, "preset": "full", "code_sha256": code[s]} for s in stems
                for seed in range(5)]
        aggs = {s: {"runs": 5, "ok": 5, "seeds": list(range(5)), "claims": {}, "metrics": {}, "code_sha256": code[s],
                    "seconds": {"mean": 10.0, "min": 9.0, "max": 11.0}} for s in stems}
        return {"machine": "m", "finished": finished, "wall_s": 100.0, "jobs": 2, "runs": runs, "notebooks": aggs}

    current = {p.stem: code_hash(p) for p in paths}
    old = summary(["01_a", "02_b"], "2026-01-01", {"01_a": "0" * 64, "02_b": current["02_b"]})
    new = summary(["01_a"], "2026-01-02", current)
    merged = merge_summaries([old, new])
    assert merged["notebooks"]["01_a"] is new["notebooks"]["01_a"] and merged["notebooks"]["02_b"] is \
        old["notebooks"]["02_b"]
    assert merged["finished"] == "2026-01-02" and merged["wall_s"] == 200.0 and merged["merged"] == 2
    assert [r["notebook"] for r in merged["runs"]] == ["01_a"] * 5 + ["02_b"] * 5
    md, js = write_report(merged, paths, folder=tmp_path)
    assert "over 2 runs merged by notebook" in md.read_text()
    report = json.loads(js.read_text())
    assert md.read_text() == report_markdown(report, {nb: a["code_sha256"] for nb, a in report["notebooks"].items()})
    with pytest.raises(ValueError, match="01_a used other code"):
        write_report(merge_summaries([new, old]), paths, folder=tmp_path)  # the old run of 01_a comes last


def test_report_escapes_pipes_in_statements():
    report = {"machine": "m", "finished": "f", "wall_s": 1.0, "jobs": 1, "notebooks": {"01_a": {
        "runs": 5, "ok": 5, "seeds": list(range(5)), "metrics": {}, "code_sha256": "0" * 64, "claims": {
            "norm": {"statement": "||dL/dh|| shrinks.", "held": 5, "recorded": 5, "of": 5, "numbers": {}}}}}}
    row = next(line for line in report_markdown(report, {"01_a": "0" * 64}).splitlines() if "`norm`" in line)
    assert "\\|\\|dL/dh\\|\\| shrinks." in row and row.count(" | ") == 5  # notebook, claim, statement, verdict,
    # effect, numbers


def test_report_merges_into_a_committed_report_and_refuses_other_sources(tmp_path):
    """A release on a fresh checkout: the committed claims.json stands in for the runs it was made from."""
    from course.report import write_report
    from course.summary import merge_summaries, read_source

    paths = []
    for stem in ("01_a", "02_b"):
        nbformat.write(new_notebook(cells=[new_code_cell(f"x = '{stem}'")]), str(tmp_path / f"{stem}.ipynb"))
        paths.append(tmp_path / f"{stem}.ipynb")

    def summary(stems: list[str], code: dict[str, str], preset: str = "full") -> dict:
        runs = [{"notebook": s, "seed": seed, "preset": preset, "code_sha256": code[s]} for s in stems
                for seed in range(5)]
        aggs = {s: {"runs": 5, "ok": 5, "seeds": list(range(5)), "metrics": {}, "code_sha256": code[s],
                    "claims": {f"{s}_claim": {"statement": "S.", "held": 5, "recorded": 5, "of": 5, "numbers": {}}},
                    "seconds": None} for s in stems}
        return {"machine": "m", "finished": "2026-01-01", "wall_s": 100.0, "jobs": 2, "runs": runs, "notebooks": aggs}

    write_report(summary(["01_a", "02_b"], {p.stem: code_hash(p) for p in paths}), paths, folder=tmp_path)
    nbformat.write(new_notebook(cells=[new_code_cell("x = 'changed'")]), str(paths[1]))  # 02_b's code changes
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "summary.json").write_text(json.dumps(summary(["02_b"], {"02_b": code_hash(paths[1])})))
    committed = read_source(tmp_path / "claims.json")
    assert "runs" not in committed
    with pytest.raises(ValueError, match="02_b used other code"):
        write_report(merge_summaries([committed]), paths, folder=tmp_path)
    md, js = write_report(merge_summaries([committed, read_source(tmp_path / "run")]), paths, folder=tmp_path)
    report = json.loads(js.read_text())
    assert report["notebooks"]["02_b"]["code_sha256"] == code_hash(paths[1])
    assert set(report["notebooks"]["01_a"]["claims"]) == {"01_a_claim"} and "`01_a_claim`" in md.read_text()

    (tmp_path / "smoke").mkdir()
    (tmp_path / "smoke" / "summary.json").write_text(json.dumps(summary(["02_b"], {"02_b": "0" * 64}, "smoke")))
    (tmp_path / "other.json").write_text(json.dumps({"notebooks": {}}))
    for source, message in [("smoke", "not a full-preset run"), ("other.json", "neither"), ("none", "does not exist")]:
        with pytest.raises(ValueError, match=message):
            read_source(tmp_path / source)
