"""The course website: a Jupyter Book of the executed notebooks, built offline (MathJax bundled, no execution).

A landing page says what each notebook teaches, how long it runs and what it found (the claims report's
verdicts); every page gets the theme's previous/next links, page contents and search.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

from helpers.claims import CLAIMS_MIME
from helpers.findings import effect_text, judge, verdict_words
from helpers.metrics import METRICS_MIME

from ..config import clean_metadata
from ..report import REPORT_JSON
from .pages import MATHJAX_FILES, notebook_title, warn_if_half_run
from .student import copy_figures, prepare_out, target_for, without_solutions

BOOK_CONFIG = """title: "{title}"
author: ""
only_build_toc_files: true
execute:
  execute_notebooks: "off"
html:
  use_issues_button: false
  use_repository_button: false
  home_page_in_navbar: true
launch_buttons:
  notebook_interface: none
sphinx:
  extra_extensions: [sphinx-mathjax-offline]
  config:
    html_show_copyright: false
    html_last_updated_fmt: ""
    nb_mime_priority_overrides: [["*", "{metrics}", null], ["*", "{claims}", null]]
"""


def _intro(nb: nbformat.NotebookNode) -> str:
    """The notebook's opening paragraph (the first markdown cell, without its heading)."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    return "\n".join(line for line in first.splitlines() if not line.startswith("#")).strip()


def landing_page(notebooks: list[tuple[Path, nbformat.NotebookNode]], report: dict[str, Any], title: str) -> str:
    """The site's first page: per notebook, what it teaches, its run time and its claims' verdicts by the rule at
    the top of CLAIMS.md (✔ holds or a check passes, ✘ does not hold or a check fails, ◐ inconclusive or no
    effect recorded)."""
    runs = report.get("notebooks", {})
    lines = [f"# {title}", "",
             "One notebook per architecture: theory, an implementation from scratch checked against PyTorch, "
             "training on offline data, and experiments that test what is claimed about the architecture. "
             "The pages show a full run at seed 0; the verdicts below come from the claims report, which runs "
             "every notebook at several seeds.", ""]
    for path, nb in notebooks:
        lines += [f"## [{notebook_title(nb, path)}]({target_for(path, Path()).as_posix()})", "", _intro(nb), ""]
        found = runs.get(path.stem, {})
        if found.get("seconds"):
            lines += [f"*Runs in about {found['seconds']['mean']:.0f} s on the report's machine "
                      f"({report.get('machine', 'a CPU')}).*", ""]
        for claim in found.get("claims", {}).values():
            judged = judge(claim)
            mark = {"holds": "✔", "does not hold": "✘"}.get(judged["word"] or "", "◐")
            if judged["kind"] == "check":
                mark = "✔" if judged["held"] == judged["of"] else "✘"
            effect = f", effect {effect_text(judged)}" if judged["low"] is not None else ""
            lines.append(f"- {mark} {claim['statement']} *({verdict_words(judged)}{effect})*")
        lines.append("")
    return "\n".join(lines)


_NOTEBOOK_LINK = re.compile(r"\]\((?!https?:)([^)\s]+)\.ipynb\)")
_REPORT_LINK = re.compile(r"\]\(((?:\.\./)+)CLAIMS\.md\)")


def web_links(text: str) -> str:
    """Links as the site has them: a notebook's page (.html), and the landing page for CLAIMS.md's verdicts."""
    text = _NOTEBOOK_LINK.sub(r"](\1.html)", text)
    return _REPORT_LINK.sub(lambda m: f"]({m.group(1)[3:]}intro.html)", text)


def _for_the_web(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without run metadata, whose metrics and claims outputs keep only their text and HTML forms, and whose
    links point at the site's pages."""
    nb = copy.deepcopy(nb)
    clean_metadata(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = web_links(cell.source)
        for out in cell.get("outputs", []):
            for mime in (METRICS_MIME, CLAIMS_MIME):
                out.get("data", {}).pop(mime, None)
            if "text/markdown" in out.get("data", {}):
                out["data"]["text/markdown"] = web_links("".join(out["data"]["text/markdown"]))
    return nb


def book_sources(paths: Sequence[Path], src: Path, title: str, report_file: Path = REPORT_JSON,
                 student: bool = False) -> None:
    """Write the Jupyter Book's sources into `src`: config, table of contents, landing page, notebooks (with
    `student`, each exercise's solution replaced by its stub and its check's output cleared)."""
    src.mkdir(parents=True, exist_ok=True)
    notebooks = [(p, nbformat.read(str(p), as_version=4)) for p in paths]
    if student:
        notebooks = [(p, without_solutions(nb)) for p, nb in notebooks]
    for path, nb in notebooks:
        warn_if_half_run(nb, path)
    report = json.loads(report_file.read_text()) if report_file.is_file() else {}
    (src / "_config.yml").write_text(BOOK_CONFIG.format(title=title.replace('"', "'"), metrics=METRICS_MIME,
                                                        claims=CLAIMS_MIME))
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(
        f"- file: {target_for(p, Path()).with_suffix('').as_posix()}\n" for p, _ in notebooks)
    (src / "_toc.yml").write_text(toc)
    (src / "intro.md").write_text(landing_page(notebooks, report, title))
    for path, nb in notebooks:
        target = target_for(path, src)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_for_the_web(nb), str(target))
    copy_figures(paths, src)


def slim_site(html: Path) -> None:
    """Keep of MathJax only what the pages load, drop source maps and the theme's translations (no page loads
    them), and serve each notebook for download without its outputs (the reader runs it)."""
    mathjax = html / "_static" / "mathjax"
    if mathjax.is_dir():
        keep = html / "_static" / "mathjax-kept"
        for part in MATHJAX_FILES:
            if (mathjax / part).is_dir():
                shutil.copytree(mathjax / part, keep / part)
            elif (mathjax / part).is_file():
                (keep / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(mathjax / part, keep / part)
        shutil.rmtree(mathjax)
        keep.rename(mathjax)
    for unused in [*html.rglob("*.map"), html / "_static" / "locales", html / ".doctrees"]:  # no page loads them
        if unused.is_dir():
            shutil.rmtree(unused)
        elif unused.is_file():
            unused.unlink()
    for source in (html / "_sources").rglob("*.ipynb"):
        nb = nbformat.read(str(source), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, str(source))


def write_book(paths: Sequence[Path], out: Path, title: str = "Architectures of Deep Learning",
               student: bool = False) -> list[Path]:
    """Build the website into `out` (open out/index.html); with `student`, the site without solutions; return the
    pages written."""
    prepare_out(out, replace=True)  # refused before the build when it would delete what the kit did not make
    with tempfile.TemporaryDirectory(prefix="course-book-") as tmp:
        src = Path(tmp) / "book"
        book_sources(paths, src, title, student=student)
        command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(src),
                   "--quiet", "--path-output", tmp]
        result = subprocess.run(command, capture_output=True, text=True)
        html = Path(tmp) / "_build" / "html"
        if result.returncode != 0 or not (html / "index.html").is_file():
            raise RuntimeError(f"jupyter-book build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        slim_site(html)
        shutil.copytree(html, out, dirs_exist_ok=True)
    return [out / "index.html", *(target_for(p, out).with_suffix(".html") for p in paths)]
