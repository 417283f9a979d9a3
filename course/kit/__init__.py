"""Teaching kit: student versions (solutions stubbed out), slides, the course website, and grading.

    python -m course.kit student --out student/               # every notebook, solutions replaced by stubs
    python -m course.kit student 01_cnn 03 --out student/     # only the notebooks named
    python -m course.kit student --nbgrader --out source/     # nbgrader's source version (for JupyterHub)
    python -m course.kit slides 01_cnn --out slides/          # reveal.js slides (add --reveal DIR for reveal.js)
    python -m course.kit web --out site/                      # the course website (Jupyter Book), offline
    python -m course.kit web --student --out site-student/    # the same without solutions, for learners
    python -m course.kit guide                                # the 10-week plan in notebooks/README.md
    python -m course.kit grade submissions/*.ipynb --out grades/ -j 2   # score students' notebooks, each sandboxed

Everything works offline. The full notebooks in notebooks/ are the instructor's version and are never written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import NOTEBOOK_DIR, PRESETS, find_notebooks
from .book import write_book
from .grade import grade, graded_copy
from .guide import write_guide
from .pages import copy_mathjax, deck_slides, slide_types, slides_exporter, write_slides
from .student import bound_names, exercises, stub_source, student_version, used_names, write_student

__all__ = ["bound_names", "copy_mathjax", "deck_slides", "exercises", "grade", "graded_copy", "main", "slide_types",
           "slides_exporter", "student_version", "stub_source", "used_names", "write_book", "write_slides",
           "write_student"]


def command_line() -> argparse.ArgumentParser:
    """The kit's command line: one sub-command per tool."""
    parser = argparse.ArgumentParser(prog="python -m course.kit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="student copies: solutions replaced by stubs, outputs cleared")
    slides = sub.add_parser("slides", help="reveal.js slides of one or more notebooks")
    web = sub.add_parser("web", help="the course website: a Jupyter Book of the executed notebooks, offline")
    grader = sub.add_parser("grade", help="run students' notebooks headless and score each exercise check")
    sub.add_parser("guide", help="rewrite the 10-week plan in notebooks/README.md from the lessons and claims.json")
    for command in (student, slides, web, grader):
        command.add_argument("--out", type=Path, required=True, help="output folder (not inside notebooks/)")
        command.add_argument("--source", type=Path, default=NOTEBOOK_DIR, help="notebook folder (default: notebooks/)")
    grader.add_argument("submissions", nargs="+", type=Path, help="the students' .ipynb files")
    grader.add_argument("--notebook", default=None,
                        help="the course notebook they answer (default: from each file name, e.g. bob_01_cnn)")
    grader.add_argument("--preset", choices=PRESETS, default="smoke", help="parameters to run them at (default smoke)")
    grader.add_argument("--timeout", type=int, default=60, help="seconds allowed per cell (default 60)")
    grader.add_argument("-j", "--jobs", type=int, default=1, help="submissions run at once (default 1)")
    grader.add_argument("--memory", type=float, default=4.0,
                        help="GiB of memory each process of a submission may use (default 4)")
    grader.add_argument("--time-limit", type=float, default=600.0,
                        help="seconds a submission may run in all, after which its sandbox is killed (default 600)")
    grader.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run submissions without the bubblewrap sandbox, as you, with your files and network "
                             "(only for code you trust; the output and the grades files say so)")
    student.add_argument("notebooks", nargs="*", help="names, numbers or .ipynb paths; default: all")
    student.add_argument("--nbgrader", action="store_true",
                         help="write nbgrader's source version instead: solutions between BEGIN/END SOLUTION "
                              "markers, each check an autograded test (nbgrader generate_assignment makes the "
                              "student version from it)")
    slides.add_argument("notebooks", nargs="+", help="names, numbers or .ipynb paths")
    web.add_argument("notebooks", nargs="*", help="names, numbers or .ipynb paths; default: all")
    slides.add_argument("--reveal", type=Path, default=None,
                        help="a local reveal.js package folder (with dist/reveal.js) to copy beside the slides")
    slides.add_argument("--max-code-lines", type=int, default=25, help="longer code cells are set apart")
    slides.add_argument("--long-code", choices=("subslide", "skip"), default="subslide",
                        help="what happens to a long code cell (default: its own sub-slide)")
    slides.add_argument("--mathjax", default=None,
                        help="MathJax 3 URL to load instead of the local copy put beside the slides")
    web.add_argument("--title", default="Architectures of Deep Learning", help="the website's title")
    web.add_argument("--student", action="store_true",
                     help="the students' site: each exercise's solution replaced by its stub, no check output")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = command_line()
    args = parser.parse_args(argv)
    if args.command == "grade":
        try:
            written = grade(args.submissions, args.out, args.notebook, args.preset, args.timeout, args.jobs,
                            args.source, args.memory, args.time_limit, args.unsafe_no_sandbox)
        except ValueError as err:
            parser.error(str(err))
        print("\n".join(f"wrote {path}" for path in written))
        print(f"The executed copies are in {args.out / 'executed'}: open one to see what a student's check printed.")
        return 0
    if args.command == "guide":
        print(f"wrote the week plan in {write_guide()}")
        return 0
    try:
        paths = find_notebooks(args.notebooks, args.source)
        if not paths:
            raise ValueError(f"no notebooks found in {args.source}")
        if args.command == "student":
            written = write_student(paths, args.out, args.nbgrader)
        elif args.command == "slides":
            written = write_slides(paths, args.out, args.reveal, args.mathjax, args.max_code_lines, args.long_code)
        else:
            written = write_book(paths, args.out, args.title, args.student)
    except (ValueError, RuntimeError) as err:
        parser.error(str(err))
    for path in written:
        print(f"wrote {path}")
    if args.command == "student" and args.nbgrader:
        print(f"Copy {args.out} into your nbgrader course's source/<assignment>/ folder and run "
              "`nbgrader generate_assignment`: it makes the student version and grades the checks.")
    elif args.command == "student":
        print(f"Hand out the folder {args.out}: each exercise's solution cell raises NotImplementedError "
              "until the student writes it; the check cell below it tests the answer.")
    elif args.command == "slides":
        print("Open the .slides.html files in a browser; no network is needed. "
              + ("reveal.js was copied beside them." if args.reveal else
                 "Without --reveal DIR they use a plain built-in viewer (arrow keys move); for full reveal.js, "
                 "get it once (`npm pack reveal.js@4`, unpack it) and pass --reveal package/.")
              + ("" if args.mathjax else " Equations are typeset by the MathJax copied into mathjax/ beside them."))
    else:
        print(f"Open {args.out / 'index.html'} in a browser (no network needed). "
              + ("It shows no solution: publish it for learners (e.g. push it to a gh-pages branch)." if args.student
                 else "It shows every solution with its output: keep it for instructors, and publish the site "
                      "made with --student for learners."))
    return 0

