"""Time `python -m course.kit grade` on a class of student notebooks (the issue's bar: 30 in under 10 minutes).

    python benchmarks/grade_class.py                     # 30 copies of 02_rnn, -j 2, smoke preset
    python benchmarks/grade_class.py --notebook 04 --students 10 -j 1

The class is made from the course notebook: a third hand in the solutions, a third the untouched student
version, a third the student version with a wrong first answer. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import nbformat

from course import find_notebooks, kit


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", default="02")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    path = find_notebooks([args.notebook])[0]
    solved = nbformat.read(str(path), as_version=4)
    stub = kit.student_version(solved)
    wrong = kit.student_version(solved)
    first = kit.exercises(solved)[0]["cell"]  # the same cell index in the student version
    wrong.cells[first].source = "answer = None  # a wrong answer"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for i in range(args.students):
            nbformat.write((solved, stub, wrong)[i % 3], str(folder / f"student{i:02d}_{path.name}"))
        start = time.perf_counter()
        kit.grade(sorted(folder.glob("*.ipynb")), Path(tmp) / "grades", jobs=args.jobs)
        seconds = time.perf_counter() - start
        rows = json.loads((Path(tmp) / "grades" / "grades.json").read_text())
    passed = sum(v == "passed" for r in rows for v in r["checks"].values())
    print(f"graded {args.students} submissions of {path.stem} with -j {args.jobs} in {seconds:.0f} s "
          f"({seconds / args.students:.1f} s each); {passed} checks passed in all")


if __name__ == "__main__":
    main()
