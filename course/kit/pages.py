"""Slides of executed notebooks: reveal.js and MathJax from local copies, so they work offline."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ..config import restore_hint, run_problem
from .student import prepare_out, tags_of

HEADING = re.compile(r"^\s*(#{1,6})\s")
_SKIP_IN_SLIDES = {"solution", "check", "injected-parameters", "remove-cell"}


def _height(cell: nbformat.NotebookNode) -> int:
    """A cell's rough height on a slide, in lines of text; a figure counts as 16 lines."""
    lines = cell.source.splitlines()
    height = len(lines) + sum(len(line) // 100 for line in lines)
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        text = out.get("text") or data.get("text/html") or data.get("text/plain") or ""
        height += 16 if any(k.startswith("image/") for k in data) else min(len(str(text).splitlines()), 12)
    return height


def authored_deck(nb: nbformat.NotebookNode) -> bool:
    """Whether the author chose the notebook's slides (any cell with `slideshow.slide_type`): a lecture deck."""
    return any(c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in nb.cells)


def deck_slides(nb: nbformat.NotebookNode) -> list[list[nbformat.NotebookNode]]:
    """The cells of each slide (and sub-slide) of an authored deck, in order; unmarked cells are not in it."""
    slides: list[list[nbformat.NotebookNode]] = []
    for cell in nb.cells:
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if kind in ("slide", "subslide") or (kind in ("-", "fragment") and not slides):
            slides.append([cell])
        elif kind in ("-", "fragment"):
            slides[-1].append(cell)
    return slides


def slide_types(nb: nbformat.NotebookNode, max_code_lines: int = 25, long_code: str = "subslide",
                lines_per_slide: int = 24) -> None:
    """Set `slideshow.slide_type` on every cell. In a deck the author chose (see `authored_deck`), a cell the
    author left unmarked is skipped. Otherwise `#`/`##` start a slide, `###` a sub-slide; a cell that would
    overfill the current sub-slide starts a new one (so a long code cell gets its own, unless `long_code` is
    "skip"); exercise solutions and checks are skipped."""
    used = 0  # height of the current sub-slide
    authored = authored_deck(nb)
    for i, cell in enumerate(nb.cells):
        show = cell.metadata.setdefault("slideshow", {})
        lines = cell.source.strip().splitlines()
        level = len(HEADING.match(lines[0]).group(1)) if cell.cell_type == "markdown" and lines \
            and HEADING.match(lines[0]) else 0
        if "slide_type" in show or authored:
            kind = show.get("slide_type", "skip")
        elif set(tags_of(cell)) & _SKIP_IN_SLIDES or not lines:
            kind = "skip"
        elif i == 0 or 1 <= level <= 2:
            kind = "slide"
        elif level == 3:
            kind = "subslide"
        elif cell.cell_type == "code" and len(lines) > max_code_lines and long_code == "skip":
            kind = "skip"
        elif used > 3 and used + _height(cell) > lines_per_slide:  # more than a heading on it already
            kind = "subslide"
        else:
            kind = "-"
        show["slide_type"] = kind
        used = _height(cell) if kind in ("slide", "subslide") else used + (kind != "skip") * _height(cell)


# Replaces the CDN scripts of nbconvert's reveal template: reveal.js is read from a folder beside the slides;
# where it is missing, a small built-in viewer shows one slide at a time (arrow keys), with no network at all.
SLIDES_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block html_head_js_mathjax %}
<script>window.MathJax = {tex: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
                               processEscapes: true, processEnvironments: true}};</script>
<script src="{{ resources.mathjax_url }}" async></script>
{% endblock html_head_js_mathjax %}
{% block footer_js %}
<style>
.reveal .jp-InputArea-editor, .reveal .jp-OutputArea-output pre { overflow-x: auto; }
body.kit-plain { max-width: 1100px; margin: 0 auto; padding: 1em 2em 5em; }
body.kit-plain .reveal .slides section section { display: none; }
body.kit-plain .reveal .slides section section.kit-current { display: block; }
#kit-bar { position: fixed; bottom: 0; left: 0; right: 0; padding: .4em 1em; background: #eee; font: 14px sans-serif; }
</style>
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
(function () {
  if (window.Reveal) {
    Reveal.initialize({controls: true, progress: true, hash: true, slideNumber: true, width: 1280, height: 720,
                       navigationMode: "linear",  // the right arrow visits every sub-slide too
                       plugins: window.RevealNotes ? [RevealNotes] : []});
    var fit = function () {  // a slide taller than the screen scrolls, as nbconvert's reveal_scroll does
      var s = Reveal.getCurrentSlide();
      if (s && s.scrollHeight > 720) { s.style.height = "720px"; s.style.overflowY = "auto"; }
    };
    Reveal.on("ready", fit); Reveal.on("slidechanged", fit);
    return;
  }
  var leaves = Array.prototype.filter.call(document.querySelectorAll(".reveal .slides section"),
                                           function (s) { return !s.querySelector("section"); });
  var bar = document.createElement("div"), i = 0;
  bar.id = "kit-bar"; document.body.appendChild(bar); document.body.classList.add("kit-plain");
  function show(n) {
    i = Math.max(0, Math.min(leaves.length - 1, n));
    leaves.forEach(function (s, k) { s.classList.toggle("kit-current", k === i); });
    bar.textContent = "Slide " + (i + 1) + " / " + leaves.length +
      "  \u2190 \u2192 (or p, n) to move.  Plain viewer: reveal.js was not found beside this file.";
    history.replaceState(null, "", "#" + (i + 1)); window.scrollTo(0, 0);
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "n" || e.key === "PageDown") show(i + 1);
    else if (e.key === "ArrowLeft" || e.key === "p" || e.key === "PageUp") show(i - 1);
    else if (e.key === "Home") show(0); else if (e.key === "End") show(leaves.length - 1);
  });
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
})();
</script>
{% endblock footer_js %}
"""

MATHJAX_FILES = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2")  # what tex-chtml loads


def local_mathjax() -> Path:
    """The MathJax 3 that the sphinx-mathjax-offline package ships (the website uses the same copy)."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    folder = Path(spec.origin).parent / "static" / "mathjax" if spec and spec.origin else None
    if folder is None or not (folder / "tex-chtml.js").is_file():
        raise ValueError("MathJax for offline slides comes with the sphinx-mathjax-offline package: "
                         "install the requirements (`pip install -r requirements.txt`), or pass --mathjax URL.")
    return folder


def copy_mathjax(out: Path) -> str:
    """Copy what the slides need of the local MathJax into out/mathjax; return the script's relative URL."""
    source = local_mathjax()
    for part in MATHJAX_FILES:
        if (source / part).is_dir():
            shutil.copytree(source / part, out / "mathjax" / part, dirs_exist_ok=True)
        else:
            (out / "mathjax" / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / part, out / "mathjax" / part)
    return "mathjax/tex-chtml.js"


def warn_if_half_run(nb: nbformat.NotebookNode, path: Path) -> None:
    """Warn (stderr) when a notebook with outputs was not run top to bottom: its pages would show a partial run."""
    problem = run_problem(nb)
    if problem and problem != "it has not been run (no outputs)":
        print(f"Warning: {path.name}: {problem}, so its pages show a partial run; {restore_hint(path)}.",
              file=sys.stderr, flush=True)


def slides_exporter(mathjax: str, **traits):
    """nbconvert's slides exporter with the kit's offline template, a theme without web fonts and `mathjax`."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(extra_loaders=[DictLoader({"kit_slides.html.j2": SLIDES_TEMPLATE})],
                              template_file="kit_slides.html.j2", embed_images=True, reveal_theme="white", **traits)
    exporter.mathjax_url = mathjax
    return exporter


def write_slides(paths: Sequence[Path], out: Path, reveal: Path | None = None, mathjax: str | None = None,
                 max_code_lines: int = 25, long_code: str = "subslide") -> list[Path]:
    """Export each notebook as reveal.js slides into `out` (reveal.js copied from `reveal` if given)."""
    prepare_out(out)
    if reveal is not None and not (reveal / "dist" / "reveal.js").is_file():
        raise ValueError(f"--reveal {reveal}: no dist/reveal.js there; give the reveal.js package folder "
                         "(e.g. node_modules/reveal.js after `npm install reveal.js@4`).")
    if reveal is not None:
        for part in ("dist", "plugin/notes"):  # what the slides load; the rest of the package is not needed
            if (reveal / part).is_dir():
                shutil.copytree(reveal / part, out / "reveal.js" / part, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("*.map"))
    exporter = slides_exporter(mathjax or copy_mathjax(out), reveal_url_prefix="reveal.js", exclude_input_prompt=True,
                         exclude_output_prompt=True)
    written = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        warn_if_half_run(nb, path)
        slide_types(nb, max_code_lines, long_code)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook_title(nb, path),
                                                                              "path": str(path.parent)}})
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def notebook_title(nb: nbformat.NotebookNode, path: Path) -> str:
    """The notebook's `metadata.course.title`, else its first heading, else its file name."""
    title = nb.metadata.get("course", {}).get("title")
    heading = next((c.source.strip().splitlines()[0].lstrip("# ") for c in nb.cells
                    if c.cell_type == "markdown" and HEADING.match(c.source)), None)
    return str(title or heading or path.stem)
