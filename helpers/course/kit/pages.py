"""Slides (reveal.js, offline) and a static web version (HTML pages and an index) of executed notebooks."""

from __future__ import annotations

import html
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ...metrics import read_claims, read_metrics
from ..config import NOTEBOOK_DIR, check_bars, course_config, restore_hint, run_problem
from .student import _refuse_inside, _strip_run_metadata, _tags

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


def slide_types(nb: nbformat.NotebookNode, max_code_lines: int = 25, long_code: str = "subslide",
                lines_per_slide: int = 24) -> None:
    """Set `slideshow.slide_type` on every cell: `#`/`##` start a slide, `###` a sub-slide; a cell that would
    overfill the current sub-slide starts a new one (so a long code cell gets its own, unless `long_code` is
    "skip"); exercise solutions and checks are skipped. A type the author set is kept."""
    used = 0  # height of the current sub-slide
    for i, cell in enumerate(nb.cells):
        show = cell.metadata.setdefault("slideshow", {})
        lines = cell.source.strip().splitlines()
        level = len(HEADING.match(lines[0]).group(1)) if cell.cell_type == "markdown" and lines \
            and HEADING.match(lines[0]) else 0
        if "slide_type" in show:
            kind = show["slide_type"]
        elif set(_tags(cell)) & _SKIP_IN_SLIDES or not lines:
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
{% block footer_js %}
<style>
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
    Reveal.initialize({controls: true, progress: true, hash: true, slideNumber: true, width: 1100, height: 760,
                       plugins: window.RevealNotes ? [RevealNotes] : []});
    var fit = function () {  // a slide taller than the screen scrolls, as nbconvert's reveal_scroll does
      var s = Reveal.getCurrentSlide();
      if (s && s.scrollHeight > 0.95 * 760) { s.style.height = "722px"; s.style.overflowY = "auto"; }
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

# nbconvert's lab template without its CDN scripts (require.js and mermaid: no course notebook uses widgets or
# diagrams), with links to the previous and next notebook and the index.
WEB_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block body_header %}{{ super() }}{{ resources.get("kit_nav", "") }}{% endblock body_header %}
{% block body_footer %}{{ resources.get("kit_nav", "") }}{{ super() }}{% endblock body_footer %}
"""


def _exporter(kind: str, mathjax: str | None, **traits):
    """An nbconvert exporter with the kit's offline template; `mathjax` replaces the MathJax CDN URL."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter, SlidesExporter

    cls, name, text = (SlidesExporter, "kit_slides.html.j2", SLIDES_TEMPLATE) if kind == "slides" \
        else (HTMLExporter, "kit_web.html.j2", WEB_TEMPLATE)
    exporter = cls(extra_loaders=[DictLoader({name: text})], template_file=name, embed_images=True, **traits)
    if mathjax:
        exporter.mathjax_url = mathjax
    return exporter


def write_slides(paths: Sequence[Path], out: Path, reveal: Path | None = None, mathjax: str | None = None,
                 max_code_lines: int = 25, long_code: str = "subslide") -> list[Path]:
    """Export each notebook as reveal.js slides into `out` (reveal.js copied from `reveal` if given)."""
    _refuse_inside(out, NOTEBOOK_DIR)
    if reveal is not None and not (reveal / "dist" / "reveal.js").is_file():
        raise ValueError(f"--reveal {reveal}: no dist/reveal.js there; give the reveal.js package folder "
                         "(e.g. node_modules/reveal.js after `npm install reveal.js@4`).")
    out.mkdir(parents=True, exist_ok=True)
    if reveal is not None:
        for part in ("dist", "plugin/notes"):  # what the slides load; the rest of the package is not needed
            if (reveal / part).is_dir():
                shutil.copytree(reveal / part, out / "reveal.js" / part, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("*.map"))
    exporter = _exporter("slides", mathjax, reveal_url_prefix="reveal.js", exclude_input_prompt=True,
                         exclude_output_prompt=True)
    written = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        slide_types(nb, max_code_lines, long_code)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": _title(nb, path)}})
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def _title(nb: nbformat.NotebookNode, path: Path) -> str:
    """The notebook's `metadata.course.title`, else its first heading, else its file name."""
    title = nb.metadata.get("course", {}).get("title")
    heading = next((c.source.strip().splitlines()[0].lstrip("# ") for c in nb.cells
                    if c.cell_type == "markdown" and HEADING.match(c.source)), None)
    return str(title or heading or path.stem)


def _metrics_html(nb: nbformat.NotebookNode, preset: str) -> str:
    """The recorded claims and metrics, each with its bar at `preset` and whether the run met it."""
    metrics, claims = read_metrics(nb), read_claims(nb)
    try:
        bars = course_config(nb).get("bars", {}).get(preset, {})
    except ValueError:
        bars = {}
    verdicts = {(r["kind"], r["metric"]): r for r in check_bars(metrics, bars, claims)}
    items = []
    for kind, name, text in [("claim", n, f"{'held' if c['held'] else 'not held'}: {html.escape(c['statement'])}")
                             for n, c in claims.items()] + \
                            [("metric", n, f"{v:.4g}" if isinstance(v, float) else html.escape(str(v)))
                             for n, v in metrics.items()]:
        row = verdicts.get((kind, name))
        if row is not None:
            text += f" <span class='{'met' if row['met'] else 'missed'}'>(bar {html.escape(str(row['bar']))}: " \
                    f"{'met' if row['met'] else 'missed'})</span>"
        items.append(f"<code>{html.escape(name)}</code> = {text}")
    return "<br>".join(items) or "<em>no recorded metrics (not executed?)</em>"


INDEX_CSS = """body { font: 16px/1.5 system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ddd; padding: .5em;
text-align: left; vertical-align: top; } .met { color: #080; } .missed { color: #b00; } .note { color: #555; }"""


def write_web(paths: Sequence[Path], out: Path, mathjax: str | None = None, preset: str = "full",
              title: str = "Architectures of Deep Learning") -> list[Path]:
    """Render notebooks executed at `preset` to HTML pages in `out`, plus index.html linking them in order."""
    _refuse_inside(out, NOTEBOOK_DIR)
    out.mkdir(parents=True, exist_ok=True)
    exporter = _exporter("web", mathjax)
    notebooks = [(p, nbformat.read(str(p), as_version=4)) for p in paths]
    pages = [f"{p.stem}.html" for p, _ in notebooks]
    rows, written = [], []
    for k, (path, nb) in enumerate(notebooks):
        links = [f"<a href='{pages[k - 1]}'>&larr; previous</a>"] if k else []
        links += ["<a href='index.html'>index</a>"]
        links += [f"<a href='{pages[k + 1]}'>next &rarr;</a>"] if k + 1 < len(pages) else []
        nav = f"<nav style='padding:.5em 1em;font:15px sans-serif'>{' &middot; '.join(links)}</nav>"
        name = html.escape(_title(nb, path))
        _strip_run_metadata(nb)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}, "kit_nav": nav})
        (out / pages[k]).write_text(body, encoding="utf-8")
        written.append(out / pages[k])
        problem = run_problem(nb)
        if problem and any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            print(f"Warning: {path.name}: {problem}; {restore_hint(path)}.", file=sys.stderr, flush=True)
        rows.append(f"<tr><td>{html.escape(path.stem.split('_')[0])}</td><td><a href='{pages[k]}'>{name}</a>"
                    f"{f' <em>({html.escape(problem)})</em>' if problem else ''}</td>"
                    f"<td>{_metrics_html(nb, preset)}</td></tr>")
    math = f"loaded from <code>{html.escape(mathjax)}</code>" if mathjax else \
        "loaded from a CDN (cdnjs.cloudflare.com) when you are online; offline, equations show as LaTeX source"
    index = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{INDEX_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
             f"<p>The course notebooks, executed at the {preset} preset, in reading order.</p><table><tr><th>#"
             f"</th><th>notebook</th><th>recorded results (bars of the {preset} preset)</th></tr>"
             f"{''.join(rows)}</table><p class='note'>Every plot is embedded in its page: reading needs no "
             f"network and no Jupyter. Equations are typeset by MathJax, {math}.</p></body></html>\n")
    (out / "index.html").write_text(index, encoding="utf-8")
    return [out / "index.html", *written]
