"""The course website, the slides and JupyterLab, opened in a real browser (headless Chromium).

CI runs these (`pytest -m browser`, after installing Debian's chromium); the quick test command skips them.
Without chromium they skip with the install line, unless $COURSE_BROWSER_TESTS=required, as in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from course import find_notebooks, is_lab, kit
from course.kit.student import target_for
from course.lab import jupyterlab

pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.xdist_group("browser")]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "install Chromium to run them: `sudo apt-get install chromium` (Debian/Ubuntu)"
if CHROMIUM is None:
    if os.environ.get("COURSE_BROWSER_TESTS") == "required":
        raise RuntimeError(f"$COURSE_BROWSER_TESTS=required but no chromium on PATH: {INSTALL}")
    pytest.skip(f"browser tests: {INSTALL}", allow_module_level=True)

playwright = pytest.importorskip("playwright.sync_api")
MATH_DONE = "() => !window.MathJax || !MathJax.startup || MathJax.startup.promise.then(() => true)"
BROKEN_IMAGES = "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
DIAGRAMS = "() => [...document.images].filter(i => /figures|svg/.test(i.src)).map(i => [i.src, i.naturalWidth])"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def open_page(browser, url: str):
    """A page at `url` with MathJax done, and the network requests that failed or left this machine."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    remote, failed = [], []
    page.on("request", lambda r: remote.append(r.url) if r.url.startswith(("http://", "https://"))
            and "127.0.0.1" not in r.url and "localhost" not in r.url else None)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate(MATH_DONE)
    return page, remote, failed


def test_website_typesets_equations_loads_images_and_links_resolve(browser, tmp_path):
    paths = find_notebooks()
    out = tmp_path / "site"
    kit.write_book(paths, out)
    lessons = {target_for(p, Path()).with_suffix(".html").as_posix() for p in paths if not is_lab(p)}
    for html in ["intro.html", *(target_for(p, Path()).with_suffix(".html").as_posix() for p in paths)]:
        page, remote, failed = open_page(browser, (out / html).as_uri())
        assert not remote and not failed, f"{html}: fetched {remote}, failed {failed}"
        text = page.inner_text("main")
        assert "$$" not in text and "\\frac" not in text and "\\begin{" not in text, f"{html}: raw LaTeX left"
        if html in lessons:  # every lesson has equations and a diagram
            assert page.locator("mjx-container").count() > 0, f"{html}: no typeset equation"
            assert [w for _, w in page.evaluate(DIAGRAMS)], f"{html}: no diagram shown"
        broken = page.evaluate(BROKEN_IMAGES)
        assert not broken, f"{html}: images that did not load: {broken}"
        for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
            url = urlparse(href)
            if url.scheme == "file":
                assert Path(unquote(url.path)).exists(), f"{html}: broken link {href}"
        page.close()


SLIDE_BOX = """() => { const s = document.querySelector('section.kit-current'), r = s.getBoundingClientRect();
  const wide = [...s.querySelectorAll('pre, mjx-container')].filter(e => e.scrollWidth > e.clientWidth + 1).length;
  return {right: r.right, bottom: r.bottom, wide: wide, page: document.documentElement.scrollWidth}; }"""


@pytest.mark.parametrize("path", [p for p in find_notebooks() if not is_lab(p)], ids=lambda p: p.stem)
def test_each_lecture_deck_fits_a_1280x720_screen_typesets_and_the_right_arrow_reaches_its_end(browser, tmp_path,
                                                                                             path):
    (slides,) = kit.write_slides([path], tmp_path / "slides")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    remote = []
    page.on("request", lambda r: remote.append(r.url) if r.url.startswith(("http://", "https://")) else None)
    page.goto(slides.as_uri())
    page.wait_for_load_state("load")
    page.evaluate(MATH_DONE)
    assert not remote, f"fetched from the network: {remote}"
    body = page.inner_text("body")
    assert page.locator("mjx-container").count() > 0 and "$$" not in body and "\\frac" not in body, "raw LaTeX"
    assert not page.evaluate(BROKEN_IMAGES) and page.evaluate(DIAGRAMS), "the lesson's diagrams are on its slides"
    total = int(page.inner_text("#kit-bar").split("/")[1].split()[0])
    bar = page.evaluate("() => document.getElementById('kit-bar').getBoundingClientRect().top")
    too_big = []
    for number in range(1, total + 1):
        box = page.evaluate(SLIDE_BOX)
        if box["right"] > 1280 or box["bottom"] > bar or box["wide"] or box["page"] > 1280:
            too_big.append((number, box))
        if number < total:
            page.keyboard.press("ArrowRight")
    assert page.inner_text("#kit-bar").startswith(f"Slide {total} / {total}")
    assert not too_big, f"{path.stem}: slides larger than a 1280 x 720 screen (number, box): {too_big}"
    page.close()


def test_jupyterlab_opens_a_committed_notebook_without_marking_it_modified(browser, tmp_path):
    path = find_notebooks(["04"])[0]
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copyfile(path, work / path.name)
    shutil.copytree(path.parent / "figures", work / "figures")
    before = (work / path.name).read_bytes()
    token = "course-test"
    with jupyterlab(work, token) as port:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{path.name}?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        tab = page.locator(".lm-TabBar-tab.jp-mod-current")
        page.wait_for_timeout(10_000)  # the kernel connects and JupyterLab rewrites the metadata it disagrees with
        for _ in range(10):  # (an old kernelspec name was marked modified after about 4 s, for good; a flag
            page.wait_for_timeout(500)  # while the page loads is cleared again within a second)
            assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "JupyterLab marked the notebook modified"
        title = nbformat.read(str(path), as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
        assert title in page.locator(".jp-Notebook").inner_text()  # rendered (JupyterLab draws visible cells only)
        diagram = page.locator(".jp-RenderedMarkdown img").first
        for _ in range(60):  # scroll until the first diagram's cell is drawn
            if diagram.count():
                break
            page.mouse.move(640, 500)
            page.mouse.wheel(0, 600)
            page.wait_for_timeout(200)
        diagram.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=diagram.element_handle(),
                               timeout=10_000)
        assert (work / path.name).read_bytes() == before
