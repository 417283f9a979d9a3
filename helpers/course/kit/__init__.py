"""Teaching kit: student versions (solutions stubbed out), reveal.js slides and a static web version of the course.

    python -m helpers.kit student --out student/               # every notebook, solutions replaced by stubs
    python -m helpers.kit student 01_cnn 03 --out student/     # only the notebooks named
    python -m helpers.kit slides 01_cnn --out slides/          # reveal.js slides (add --reveal DIR for reveal.js)
    python -m helpers.kit web --out site/                      # the executed notebooks as HTML, with index.html

Everything works offline. The full notebooks in notebooks/ are the instructor's version and are never written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import NOTEBOOK_DIR, PRESETS
from .pages import _exporter, slide_types, write_slides, write_web
from .student import bound_names, exercises, resolve, stub_source, student_version, used_names, write_student

__all__ = ["bound_names", "exercises", "main", "resolve", "slide_types", "student_version", "stub_source",
           "used_names", "write_slides", "write_student", "write_web", "_exporter"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m helpers.kit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="student copies: solutions replaced by stubs, outputs cleared")
    slides = sub.add_parser("slides", help="reveal.js slides of one or more notebooks")
    web = sub.add_parser("web", help="static HTML of the executed notebooks, with index.html")
    for command in (student, slides, web):
        command.add_argument("--out", type=Path, required=True, help="output folder (not inside notebooks/)")
        command.add_argument("--source", type=Path, default=NOTEBOOK_DIR, help="notebook folder (default: notebooks/)")
    student.add_argument("notebooks", nargs="*", help="names, numbers or .ipynb paths; default: all")
    slides.add_argument("notebooks", nargs="+", help="names, numbers or .ipynb paths")
    web.add_argument("notebooks", nargs="*", help="names, numbers or .ipynb paths; default: all")
    slides.add_argument("--reveal", type=Path, default=None,
                        help="a local reveal.js package folder (with dist/reveal.js) to copy beside the slides")
    slides.add_argument("--max-code-lines", type=int, default=25, help="longer code cells are set apart")
    slides.add_argument("--long-code", choices=("subslide", "skip"), default="subslide",
                        help="what happens to a long code cell (default: its own sub-slide)")
    for command in (slides, web):
        command.add_argument("--mathjax", default=None, help="MathJax URL or path instead of the CDN")
    web.add_argument("--preset", choices=PRESETS, default="full", help="the preset the notebooks ran at (for bars)")
    args = parser.parse_args(argv)
    try:
        paths = resolve(args.notebooks, args.source)
        if not paths:
            raise ValueError(f"no notebooks found in {args.source}")
        if args.command == "student":
            written = write_student(paths, args.out)
        elif args.command == "slides":
            written = write_slides(paths, args.out, args.reveal, args.mathjax, args.max_code_lines, args.long_code)
        else:
            written = write_web(paths, args.out, args.mathjax, args.preset)
    except ValueError as err:
        parser.error(str(err))
    for path in written:
        print(f"wrote {path}")
    if args.command == "student":
        print(f"Hand out the folder {args.out}: each exercise's solution cell raises NotImplementedError "
              "until the student writes it; the check cell below it tests the answer.")
    elif args.command == "slides":
        print("Open the .slides.html files in a browser; no network is needed. "
              + ("reveal.js was copied beside them." if args.reveal else
                 "Without --reveal DIR they use a plain built-in viewer (arrow keys move); for full reveal.js, "
                 "get it once (`npm pack reveal.js@4`, unpack it) and pass --reveal package/.")
              + ("" if args.mathjax else " Equations use MathJax from a CDN when online (--mathjax URL for a "
                 "local copy); offline they show as LaTeX source."))
    else:
        print(f"Open {args.out / 'index.html'} in a browser; every plot is embedded in its page.")
    return 0

