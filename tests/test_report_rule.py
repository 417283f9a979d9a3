"""The claims report's decision rule (helpers.findings.judge) on made-up seeds, and where it shows: CLAIMS.md's
layout, claims.json's per-seed fields and the lessons' sentences."""

import math

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from scipy.stats import t

from course.claims_md import report_markdown
from course.report import code_hash, write_report
from course.summary import aggregate
from helpers.findings import effect_text, finding, judge, verdict_words


def found(effects: list[float | None], ses: list[float] | None = None, held: list[bool] | None = None,
          kind: str = "finding", statement: str = "The GRU reaches a lower loss.") -> dict:
    """A claim as claims.json has it, from per-seed effects (None: no effect recorded at that seed)."""
    held = held if held is not None else [e is not None and e > 0 for e in effects]
    per_seed = [{"seed": i, "held": h, "numbers": {"loss": 1.0},
                 **({} if e is None else {"effect": e}), **({} if ses is None else {"effect_se": ses[i]})}
                for i, (e, h) in enumerate(zip(effects, held, strict=True))]
    return {"statement": statement, "kind": kind, "held": sum(held), "recorded": len(held), "of": len(held),
            "numbers": {"loss": {"mean": 1.0, "min": 1.0, "max": 1.0}}, "per_seed": per_seed}


def test_rule_interval_is_a_t_interval_over_seeds():
    j = judge(found([1.0, 2.0, 3.0]))  # mean 2, s = 1, n = 3
    half = t.ppf(0.975, 2) * math.sqrt(1 / 3)
    assert j["mean"] == pytest.approx(2.0) and (j["low"], j["high"]) == pytest.approx((2 - half, 2 + half))
    assert j["word"] == "inconclusive" and j["low"] < 0 < j["high"]


@pytest.mark.parametrize("effects, held, word", [
    ([0.9, 1.0, 1.1, 1.0, 1.0], [True] * 5, "holds"),
    ([-0.9, -1.0, -1.1, -1.0, -1.0], [False] * 5, "does not hold"),
    ([0.5, -0.4, 0.3, -0.2, 0.1], [True, False, True, False, True], "inconclusive")])
def test_rule_gives_each_verdict_word_with_k_of_n_seeds(effects, held, word):
    j = judge(found(effects, held=held))
    assert j["word"] == word
    words = verdict_words(j)
    assert words.startswith(word + " (") and f"{sum(held)} of 5 seeds" in words
    assert ("might decide it" in words) == (word == "inconclusive")
    assert effect_text(j) == f"{j['mean']:+.3g} [{j['low']:+.3g}, {j['high']:+.3g}]"


def test_rule_counts_seeds_by_the_notebooks_outcome_not_the_effects_sign():
    j = judge(found([0.9, 1.0, 1.1, 1.0, 1.0], held=[True, True, False, True, True]))  # e.g. a threshold claim
    assert verdict_words(j) == "holds (4 of 5 seeds)"


def test_one_seed_or_no_effect_has_no_interval_and_no_verdict_word():
    for claim in (found([None] * 5, held=[True, True, True, False, True]), found([0.5])):
        j = judge(claim)
        assert j["word"] is None and j["low"] is None
    assert verdict_words(judge(found([None] * 5, held=[True] * 3 + [False] * 2))) == "3 of 5 seeds, no effect recorded"
    assert verdict_words(judge(found([0.5]))) == "1 of 1 seeds, one seed: no interval"
    assert effect_text(judge(found([None] * 5, held=[True] * 5))) == "-"
    assert effect_text(judge(found([0.5]))) == "+0.5 (one seed, no interval)"


def test_test_set_noise_widens_the_interval_and_does_not_shrink_with_seeds():
    effects = [0.9, 1.0, 1.1, 1.0, 1.0]
    plain, noisy = judge(found(effects)), judge(found(effects, ses=[0.6] * 5))
    s2 = sum((e - 1.0) ** 2 for e in effects) / 4
    assert noisy["high"] - noisy["mean"] == pytest.approx(t.ppf(0.975, 4) * math.sqrt(s2 / 5 + 0.36))
    assert plain["word"] == "holds" and noisy["word"] == "inconclusive"
    room = (1.0 / t.ppf(0.975, 4)) ** 2 - s2 / 5  # more seeds cannot take 1.96 * 0.6 below the mean effect 1
    assert noisy["hint"] == f"a test set about {math.ceil(0.36 / room)} times larger might decide it"
    many = judge(found(effects * 20, ses=[0.6] * 100))  # 100 seeds: the test set's term stays
    assert many["word"] == "inconclusive" and many["high"] - many["mean"] > 1.96 * 0.6
    assert "about 62 seeds might decide it with this test set" in judge(found(effects, ses=[0.5] * 5))["hint"]


def test_inconclusive_says_how_many_seeds_might_decide_it():
    effects = [0.5, -0.4, 0.3, -0.2, 0.6]
    j = judge(found(effects))
    n_needed = int(j["hint"].split("about ")[1].split(" seeds")[0])
    m, s2 = sum(effects) / 5, sum((e - sum(effects) / 5) ** 2 for e in effects) / 4
    decided = [n for n in range(6, 201) if t.ppf(0.975, n - 1) * math.sqrt(s2 / n) < m]
    assert n_needed == decided[0], j["hint"]


def test_checks_pass_in_k_of_n_seeds_and_stand_apart():
    j = judge(found([1.0, 1.0, 1.0], kind="check"))
    assert j["word"] is None and verdict_words(j) == "passes in 3 of 3 seeds" and effect_text(j) == "-"
    assert verdict_words(judge(found([None] * 5, held=[True] * 5)), "machine") == \
        "5 of 5 seeds on this CPU, no effect recorded"
    assert verdict_words(judge(found([1.0, 1.1, 0.9]))) == "holds (3 of 3 seeds)"
    assert verdict_words(judge(found([1.0, 1.1, 0.9])), "machine") == "holds on this CPU (3 of 3 seeds), not in general"


def test_lessons_sentences_follow_the_rule():
    holds = finding("x", found([0.9, 1.0, 1.1, 1.0, 1.0]), ("So it helps.", "So it does not."))
    assert holds.startswith("- **Holds (5 of 5 seeds); effect +1 [+") and "(95% interval).**" in holds
    assert holds.endswith("So it helps.")
    mixed = finding("x", found([0.5, -0.4, 0.3, -0.2, 0.1], held=[True, False, True, False, True]), ("A.", "B."))
    assert mixed.startswith("- **Inconclusive (3 of 5 seeds; about ") and not mixed.endswith(("A.", "B."))
    unrecorded = finding("x", found([None] * 5, held=[False] * 5), ("A.", "B."))
    assert unrecorded.startswith("- **0 of 5 seeds, no effect recorded.**") and unrecorded.endswith("B.")
    assert finding("x", None).startswith("- `x`: not in the claims report yet")


def test_claims_json_keeps_each_seeds_effect_and_the_claims_kind():
    def row(seed: int, effect: float | None) -> dict:
        extra = {} if effect is None else {"effect": effect, "effect_se": 0.1}
        return {"notebook": "01_a", "seed": seed, "status": "ok", "metrics": {}, "bars": [], "claims": {
            "a": {"statement": "A.", "held": True, "numbers": {"x": 1.0}, "kind": "finding", **extra},
            "b": {"statement": "B.", "held": True, "numbers": {}, "kind": "check"}}}

    claims = aggregate([row(0, 0.5), row(1, None)])["01_a"]["claims"]
    assert claims["a"]["kind"] == "finding" and claims["b"]["kind"] == "check"
    assert claims["a"]["per_seed"] == [{"seed": 0, "held": True, "numbers": {"x": 1.0}, "effect": 0.5,
                                        "effect_se": 0.1}, {"seed": 1, "held": True, "numbers": {"x": 1.0}}]


def report(notebooks: dict) -> dict:
    return {"machine": "m", "finished": "f", "wall_s": 1.0, "jobs": 1, "notebooks": {
        nb: {"runs": 5, "ok": 5, "seeds": list(range(5)), "metrics": {}, "code_sha256": "0" * 64, "bar_claims": bars,
             "claims": claims} for nb, (claims, bars) in notebooks.items()}}


def test_report_prints_the_rule_then_article_findings_checks_and_bars():
    lab = "08_pretraining_finetuning_lab"
    data = report({
        "04_gru": ({"gru_fewer_params": found([None] * 5, held=[True] * 5, kind="check"),
                    "scratch_gru_equals_torch": found([None] * 5, held=[True] * 5, kind="check")}, []),
        "04_gru_lab": ({"gru_comparable_to_lstm": found([-0.1, -0.12, -0.09, -0.11, -0.1], held=[False] * 5),
                        "gated_adding_solved": found([1.0, 1.1, 0.9, 1.0, 1.0]),
                        "gru_own": found([0.2, 0.3, 0.25])}, ["gated_adding_solved"]),
        lab: ({"pretrained_beats_fair_control_smallest": found([0.2, 0.3, 0.2, 0.25, 0.2]),
               "pretrained_beats_bow_smallest": found([0.1, -0.1, 0.1, 0.05, 0.1],
                                                      held=[True, False, True, True, False])}, [])})
    lines = report_markdown(data, {nb: "0" * 64 for nb in data["notebooks"]}).splitlines()
    assert lines[2].startswith("**How to read a verdict.**") and "√(s²/n + mean(se²))" in lines[2]
    assert lines.index("## The article's claims") < lines.index("## Findings the course adds") < \
        lines.index("## Checks the course adds") < lines.index("## Runs")
    assert "| # | the article says | verdict | effect [95% interval] | tested by | numbers |" in lines
    row = {line.split(" | ")[0]: line for line in lines if line.startswith("| ")}
    assert "| passes in 5 of 5 seeds |" in row["| 6"] and "| - | 04_gru · `gru_fewer_params` |" in row["| 6"]
    assert "| does not hold (0 of 5 seeds) (" in row["| 8"] and "| -0.104 [-0.118, -0.0898] |" in row["| 8"]
    joint = row["| 16"]  # seeds 1 and 4 fail the second test: 3 of 5 jointly
    assert "| inconclusive (3 of 5 seeds) (" in joint and joint.count("<br>") == 3
    assert "`pretrained_beats_bow_smallest` (inconclusive (3 of 5 seeds; about" in joint
    assert "| 04_gru | `scratch_gru_equals_torch` | The GRU reaches a lower loss. | passes in 5 of 5 seeds | " \
           "loss = 1 |" in lines
    assert "| 04_gru_lab | `gru_own` | The GRU reaches a lower loss. | holds (3 of 3 seeds) | +0.25 [+0.126, +0.374] " \
           "| loss = 1 |" in lines
    bars = next(line for line in lines if line.startswith("Findings that are also quality bars"))
    assert bars.endswith("04_gru_lab · `gated_adding_solved`.")


def test_write_report_records_which_findings_are_bars(tmp_path):
    path = tmp_path / "01_a.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")], metadata={"course": {"smoke": {}, "bars": {
        "full": {"claims": {"a": "held", "b": "recorded"}}, "smoke": {}}}}), str(path))
    data = report({"01_a": ({"a": found([1.0, 1.0, 1.0, 1.0, 1.0]), "b": found([None] * 5)}, [])})
    data["notebooks"]["01_a"]["code_sha256"] = code_hash(path)
    md, js = write_report(data, [path], folder=tmp_path)
    assert '"bar_claims": [\n    "a"\n   ]' in js.read_text()
    assert "quality bars (a run fails when they do not hold: `course.bars.full.claims` in the notebook's metadata): " \
           "01_a · `a`." in md.read_text()
