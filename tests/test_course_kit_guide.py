"""The instructor guide's 10-week plan (course/kit/guide.py): made from the lessons, so its times add up."""

import re

import pytest

from course.kit.guide import END, GUIDE, START, week_plan, write_guide


def test_the_committed_plan_is_the_one_the_lessons_give():
    text = GUIDE.read_text()
    assert START in text and END in text, "notebooks/README.md lost its week-plan markers"
    committed = START + text.split(START, 1)[1].split(END, 1)[0] + END
    assert committed == week_plan(), "the week plan is stale: run `python -m course.kit guide` and commit it"


def test_each_week_adds_up_and_names_objectives_and_exercises():
    plan = week_plan()
    weeks = re.split(r"^### ", plan, flags=re.M)[1:]
    assert weeks[0].startswith("Week 0") and weeks[-2].startswith("Week 9") and weeks[-1].startswith("Week 10")
    for week in weeks[1:-1]:
        rows = re.findall(r"^\| ([^|]+) \| \**(\d+)\** \|", week, flags=re.M)
        parts = {name.strip("* "): int(minutes) for name, minutes in rows}
        in_class = [parts[p] for p in ("lecture from the deck", "learners read and run the lesson",
                                       "exercises in class")]
        assert abs(sum(in_class) - parts["in class"]) <= 2, f"{week[:30]}: the parts do not add up"  # rounding
        assert "By the end of the week a learner can:\n- " in week, f"{week[:30]}: no objectives"
        assert parts["learners read and run the lesson"] > 0


def test_a_guide_without_markers_is_refused_and_left_as_it_was(tmp_path):
    guide = tmp_path / "README.md"
    guide.write_text("# My own guide\n")
    with pytest.raises(ValueError, match="markers"):
        write_guide(guide)
    assert guide.read_text() == "# My own guide\n"
    guide.write_text(f"# Guide\n{START}\nold plan\n{END}\nMy notes stay.\n")
    write_guide(guide)
    text = guide.read_text()
    assert text.startswith("# Guide\n") and text.endswith(f"{END}\nMy notes stay.\n") and "old plan" not in text
