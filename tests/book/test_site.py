"""The book as a learner sees it: a real Jupyter Book build, then the site in headless Chromium.

The build runs once per session (fast mode, Sphinx warnings as errors) into ``_build/fast``, a folder of
its own with its own execution cache: the cache is keyed by each notebook's code, not by COURSE_FAST, so
sharing ``_build/.jupyter_cache`` with ``make book`` would let fast-mode outputs leak into the published
site (or full-mode outputs into this test). The browser tests serve ``_build/fast/_build/html`` over HTTP
on 127.0.0.1 and drive Debian's ``chromium`` through ``chromium-driver`` (see ``site_browser.py``); they
skip, saying why, on a machine without them (``make test`` installs them where it can).

Every page is visited three times, once per session: on a desktop screen, on a 390 px phone screen, and
cold (no cache) to weigh it; the tests below read what those visits recorded.
"""

from __future__ import annotations

import functools
import json
import os
import re
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urldefrag, urljoin, urlparse

import pytest
import yaml

from course_pkg import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_browser  # noqa: E402  (the helper module beside this file)
from site_browser import CHROMEDRIVER, CHROMIUM, DESKTOP, PHONE, ROOT, toc_files  # noqa: E402

FAST_BUILD = ROOT / "_build" / "fast"  # jupyter-book --path-output: html and cache under FAST_BUILD/_build
HTML = FAST_BUILD / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
REPORT = FAST_BUILD / "page-weights.txt"
# The command that publishes the learners' assignment notebooks the book links to (what `make downloads`
# runs); kept here, in one place.
RELEASE_COMMAND = [sys.executable, "-m", "course_grader", "release", "--no-check"]
# Page weight targets, bytes a first visit downloads (uncompressed).
MEDIAN_PAGE_BYTES = 1_500_000
MAX_PAGE_BYTES = 3_000_000
ADMONITION_KINDS = ("attention", "caution", "danger", "error", "hint", "important", "note", "tip",
                    "warning", "admonition")


@pytest.fixture(scope="session")
def built_site():
    """Build the book once (fast mode, warnings as errors) and return the HTML folder."""
    env = dict(os.environ, COURSE_FAST="1")
    downloads = subprocess.run(
        [*RELEASE_COMMAND, "--publish-to", str(ROOT / "_build" / "downloads")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    if downloads.returncode != 0:
        pytest.fail(f"generating the release notebooks failed:\n{downloads.stdout}\n{downloads.stderr}")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "--path-output", str(FAST_BUILD),
         "-W", "--keep-going"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        reports = sorted((HTML / "reports").glob("**/*.err.log"))
        details = "\n".join(f"--- {r}\n{r.read_text(errors='replace')[-3000:]}" for r in reports)
        pytest.fail(f"jupyter-book build failed (exit {result.returncode}):\n{log[-6000:]}\n{details}")
    return HTML


def test_build_produces_every_toc_page(built_site):
    missing = [f for f in toc_files() if not (built_site / f"{f}.html").is_file()]
    assert not missing, f"pages in _toc.yml with no HTML output: {missing}"
    assert (built_site / "search.html").is_file() and (built_site / "searchindex.js").is_file()


def test_setup_cell_is_hidden_and_the_download_is_the_learner_version(built_site):
    """The set-up cell never shows on a page; the .ipynb a reader downloads has the site's outputs,
    no hidden assertion cells, and exercise solutions folded (no MyST directives left)."""
    page = next(p for p in toc_files() if (ROOT / f"{p}.ipynb").is_file())
    html = (built_site / f"{page}.html").read_text(encoding="utf-8")
    assert "INSTALL_COURSE_PKG_FROM" not in html, f"{page}: the set-up cell is visible on the page"
    nb = json.loads((built_site / "_sources" / f"{page}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "course-setup" in code[0]["metadata"].get("tags", []), f"{page}: download has no set-up cell first"
    assert not any("remove-cell" in c["metadata"].get("tags", []) for c in code[1:]), (
        f"{page}: the download still holds hidden assertion cells"
    )
    assert sum(bool(c.get("outputs")) for c in code) > len(code) // 2, f"{page}: the download has no outputs"
    assert "{solution" not in "".join("".join(c["source"]) for c in nb["cells"])


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.next_page: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if "right-next" in (attrs.get("class") or "").split():
                self.next_page = attrs["href"]


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> _LinkCollector:
    collector = _LinkCollector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    return collector


def test_no_broken_internal_links_or_anchors(built_site):
    broken = []
    for page in toc_files():
        source = built_site / f"{page}.html"
        for href in _parse(source).links:
            if urlparse(href).scheme in {"http", "https", "mailto", "javascript"} or href.startswith("//"):
                continue
            target, anchor = urldefrag(href)
            target_path = (source.parent / target).resolve() if target else source
            if target_path.is_dir():
                target_path = target_path / "index.html"
            if not target_path.is_file():
                broken.append(f"{page}: {href} (no file {target_path.relative_to(built_site.resolve())})")
            elif anchor and target_path.suffix == ".html" and anchor not in _parse(target_path).ids:
                broken.append(f"{page}: {href} (no anchor #{anchor})")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_instructor_guide_comes_after_everything_learners_read(built_site):
    """Following "next" from the first page visits every learner page before the instructor guide."""
    sequence, page = [], built_site / f"{toc_files()[0]}.html"
    while page and page.is_file() and len(sequence) < 200:
        sequence.append(page.resolve().relative_to(built_site.resolve()).with_suffix("").as_posix())
        following = _parse(page).next_page
        page = (page.parent / following).resolve() if following else None
    guides = [p for p in sequence if p.startswith("book/instructors/")]
    assert guides, f"the instructor guide is not in the previous/next sequence: {sequence}"
    first_guide = sequence.index(guides[0])
    learner_pages = [p for p in sequence if not p.startswith("book/instructors/")]
    late = [p for p in learner_pages if sequence.index(p) > first_guide]
    assert not late, f"learner pages after the instructor guide in the next/previous sequence: {late}"


def test_launch_buttons_and_repository_link_come_from_repository_url(built_site):
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url, branch = config["repository"]["url"].rstrip("/"), config["repository"].get("branch", "main")
    owner_repo = urlparse(url).path.strip("/")
    notebook_page = next(p for p in toc_files() if (ROOT / f"{p}.ipynb").is_file())
    links = _parse(built_site / f"{notebook_page}.html").links
    expected = {
        "repository": url,
        "Colab": f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook_page}.ipynb",
        "Binder": f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{notebook_page}.ipynb",
    }
    missing = {name: link for name, link in expected.items() if link not in links}
    assert not missing, f"{notebook_page}: launch/repository links not derived from {url}: {missing}"


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def server(built_site):
    """Serve the built site on an ephemeral loopback port, as a web host would."""
    with site_browser.serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if settings.require_browser():
            pytest.fail("COURSE_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
        pytest.skip("headless Chromium not found: install Debian's chromium and chromium-driver "
                    "(make test does this when it runs as root)")
    driver = site_browser.chromium()
    yield driver
    driver.quit()


def _load(driver, url: str):
    return site_browser.load(driver, url)


# What one look at a page records (the tests below assert on it).
_SURVEY_JS = """
const visible = el => el.checkVisibility() && el.getBoundingClientRect().width > 0;
const text = el => (el.textContent || '').replace(/\\s+/g, ' ').trim();
return {
  title: text(document.querySelector('article h1') || document.createElement('h1')).replace(/#$/, ''),
  n_math: document.querySelectorAll('.math').length,
  n_rendered: document.querySelectorAll('mjx-container').length,
  broken_images: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
                      .map(i => i.getAttribute('src')),
  images: Array.from(document.querySelectorAll('.bd-article img'))
               .map(i => ({src: i.getAttribute('src'), alt: i.getAttribute('alt')})),
  admonition_titles: Array.from(document.querySelectorAll('.admonition > .admonition-title')).map(text),
  exercises: Array.from(document.querySelectorAll('.exercise > .admonition-title .caption-number'))
                  .map(e => text(e)),
  solution_refs: Array.from(document.querySelectorAll('.solution > .admonition-title a'))
                      .map(e => text(e)),
  search_controls: Array.from(document.querySelectorAll('.search-button__button, .bd-search input'))
                        .filter(visible).length,
  article_text: text(document.querySelector('.bd-article') || document.body),
  header_icons: Array.from(document.querySelectorAll('.article-header-buttons [class*="fa-"]'))
                     .filter(visible).map(el => ({cls: el.className,
                        glyph: getComputedStyle(el, '::before').content,
                        font: getComputedStyle(el, '::before').fontFamily})),
};
"""


def _survey(driver, base_url: str, width: int, height: int, *, mobile: bool) -> dict:
    site_browser.set_viewport(driver, width, height, mobile=mobile)
    pages = {}
    for page in toc_files():
        errors = _load(driver, urljoin(base_url, f"{page}.html"))
        record = driver.execute_script(_SURVEY_JS)
        record["console_errors"] = [e["message"] for e in errors]
        record["overflow"] = site_browser.horizontal_overflow(driver, width)
        pages[page] = record
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return pages


@pytest.fixture(scope="session")
def desktop(browser, server):
    """Every page, looked at on a desktop screen."""
    return _survey(browser, server, *DESKTOP, mobile=False)


@pytest.fixture(scope="session")
def phone(browser, server):
    """Every page, looked at on a phone 390 CSS pixels wide."""
    return _survey(browser, server, *PHONE, mobile=True)


@pytest.fixture(scope="session")
def weights(browser, server, built_site):
    """What a first visit of every page downloads; the table is printed and written beside the build."""
    site_browser.set_viewport(browser, *DESKTOP, mobile=False)
    result = site_browser.page_weights(browser, server, built_site, toc_files())
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    table = site_browser.weight_table(result)
    REPORT.write_text(table + "\n", encoding="utf-8")
    print(f"\npage weights (also in {REPORT.relative_to(ROOT)}):\n{table}")
    return result


def test_every_page_loads_renders_math_and_images(desktop):
    problems = []
    for page, seen in desktop.items():
        problems += [f"{page}: console error: {message}" for message in seen["console_errors"]]
        if seen["n_math"] and not seen["n_rendered"]:
            problems.append(f"{page}: {seen['n_math']} math elements but MathJax rendered none")
        problems += [f"{page}: image did not load: {src}" for src in seen["broken_images"]]
    assert not problems, "\n".join(problems)


def test_math_is_rendered_somewhere(desktop):
    """At least one page has math, and MathJax (served by the site itself) typesets it offline."""
    assert sum(seen["n_rendered"] for seen in desktop.values()) > 0


def _normalised(text: str) -> str:
    """Admonition title text as the reader sees it: Markdown's code ticks, emphasis and links gone."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[`*]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _titled_admonitions(page: str) -> list[tuple[str, str]]:
    """(kind, title) of every admonition in the page's source written with a title after the kind."""
    pattern = re.compile(r"^(?::{3,}|`{3,})\{(" + "|".join(ADMONITION_KINDS) + r")\}[ \t]+(\S[^\n]*)$",
                         re.MULTILINE)
    notebook, markdown = ROOT / f"{page}.ipynb", ROOT / f"{page}.md"
    if notebook.is_file():
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    elif markdown.is_file():
        texts = [markdown.read_text(encoding="utf-8")]
    else:
        texts = []
    return [(kind, _normalised(title)) for text in texts for kind, title in pattern.findall(text)]


def test_admonitions_keep_the_title_their_source_gives(desktop):
    """``:::{warning} Title`` shows "Title" as its heading, never "Warning" with the title run into the text."""
    checked, problems = 0, []
    for page, seen in desktop.items():
        shown = [_normalised(t) for t in seen["admonition_titles"]]
        for kind, title in _titled_admonitions(page):
            checked += 1
            if title not in shown:
                problems.append(f"{page}: {{{kind}}} {title!r} is not a heading; headings there: {shown}")
    assert checked, "no titled admonition found in the book's sources (this test would prove nothing)"
    assert not problems, "\n".join(problems)


def _chapter_label(title: str) -> str:
    """ "5. Backpropagation …" -> "5."; "Appendix A. …" -> "A."; anything else -> ""."""
    match = re.match(r"\s*(?:Appendix\s+([A-Z])|(\d+))\.\s", title)
    return f"{match.group(1) or match.group(2)}." if match else ""


def test_exercises_are_numbered_per_chapter(desktop):
    """Chapter 5's exercises are 5.1, 5.2 …, in order, and their solutions refer to the same numbers."""
    problems, pages_with_exercises = [], 0
    for page, seen in desktop.items():
        if not seen["exercises"]:
            continue
        pages_with_exercises += 1
        prefix = _chapter_label(seen["title"])
        expected = [f"Exercise {prefix}{k}" for k in range(1, len(seen["exercises"]) + 1)]
        if seen["exercises"] != expected:
            problems.append(f"{page} ({seen['title']!r}): exercises {seen['exercises']}, expected {expected}")
        wrong_refs = [ref for ref in seen["solution_refs"] if ref not in expected]
        if wrong_refs:
            problems.append(f"{page}: solutions refer to {wrong_refs}, not to this chapter's exercises")
    assert pages_with_exercises, "no page has exercises (this test would prove nothing)"
    assert not problems, "\n".join(problems)


_PATH_LIKE = re.compile(r"^\S*[/\\]\S*$|\.(png|jpe?g|gif|svg|webp)$", re.IGNORECASE)


def test_images_have_meaningful_alt_text(desktop):
    """Every picture in the text has alt text, and not its file path (what the HTML writer falls back to).

    Pictures that notebook code draws get theirs from a ``# alt: …`` line in the cell (see
    ``book/_ext/image_alt.py``; the build log lists the cells still missing one).
    """
    problems = []
    for page, seen in desktop.items():
        for image in seen["images"]:
            alt = (image["alt"] or "").strip()
            if not alt or _PATH_LIKE.search(alt):
                problems.append(f"{page}: {image['src']} has alt {image['alt']!r}")
    assert not problems, (f"{len(problems)} pictures without meaningful alt text (add a '# alt: …' line to "
                          "the cell that draws each; the build log names the cells):\n" + "\n".join(problems))


def test_no_page_scrolls_sideways_on_a_phone(phone):
    """At 390 px nothing pushes a page wider than the screen (code blocks and tables scroll in their box)."""
    problems = []
    for page, seen in phone.items():
        overflow = seen["overflow"]
        if overflow["scrollWidth"] > PHONE[0]:
            problems.append(f"{page}: {overflow['scrollWidth']} px wide on a {PHONE[0]} px screen; sticking out:\n"
                            + "\n".join(f"    {c}" for c in overflow["culprits"]))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_one_search_control_per_page(screen, request):
    problems = [f"{page}: {seen['search_controls']} visible search controls"
                for page, seen in request.getfixturevalue(screen).items() if seen["search_controls"] != 1]
    assert not problems, "\n".join(problems)


def test_header_icons_are_drawn_from_the_icon_font(desktop, phone):
    """The header buttons keep their icons without FontAwesome's script: glyphs of the FontAwesome font."""
    problems = []
    for screen, survey in (("desktop", desktop), ("phone", phone)):
        for page, seen in survey.items():
            if not seen["header_icons"]:
                problems.append(f"{screen} {page}: no icon in the page's header buttons")
            for icon in seen["header_icons"]:
                if icon["glyph"] in ("none", "normal", '""') or "Font Awesome" not in icon["font"]:
                    problems.append(f"{screen} {page}: icon {icon['cls']!r} draws {icon['glyph']!r} in {icon['font']!r}")
    assert not problems, "\n".join(problems[:20])


def test_build_plumbing_is_not_printed_on_pages(desktop):
    """Readers see the course, not how the book is built (fast-mode flags, sizes of generated HTML …)."""
    plumbing = re.compile(r"fast mode: (True|False)|must work offline|MB of HTML")
    problems = [f"{page}: …{seen['article_text'][max(m.start() - 60, 0):m.end() + 40]}…"
                for page, seen in desktop.items() for m in plumbing.finditer(seen["article_text"])]
    assert not problems, "\n".join(problems)


def test_dark_mode_follows_the_system(browser, server):
    """With the theme switch on "auto" (the default), a reader whose system is dark gets the dark theme."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        _load(browser, urljoin(server, f"{toc_files()[0]}.html"))
        browser.execute_script("localStorage.clear()")
        _load(browser, urljoin(server, f"{toc_files()[0]}.html"))
        mode, theme = browser.execute_script(
            "return [document.documentElement.dataset.mode, document.documentElement.dataset.theme]")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert (mode, theme) == ("auto", "dark")


def test_page_weight(weights, desktop):
    """What a first visit downloads: median and largest page within the targets; MathJax only where math is;
    neither FontAwesome's script nor its full fonts, only the site's subset."""
    sizes = [w["bytes"] for w in weights.values()]
    table = site_browser.weight_table(weights)
    assert statistics.median(sizes) <= MEDIAN_PAGE_BYTES, f"median page above {MEDIAN_PAGE_BYTES:,} bytes:\n{table}"
    assert max(sizes) <= MAX_PAGE_BYTES, f"a page above {MAX_PAGE_BYTES:,} bytes:\n{table}"
    problems = []
    for page, w in weights.items():
        files = [urlparse(url).path for url, _ in w["files"]]
        if not desktop[page]["n_math"] and any("/mathjax/" in f for f in files):
            problems.append(f"{page}: loads MathJax but has no math")
        heavy = [f for f in files if f.endswith(("fontawesome.js", "fa-solid-900.woff2", "fa-brands-400.woff2",
                                                 "fa-regular-400.woff2", "searchindex.js"))]
        if heavy:
            problems.append(f"{page}: downloads {heavy}")
    assert not problems, "\n".join(problems)


def test_search_finds_backpropagation_chapter(browser, server):
    backprop_pages = [p for p in toc_files() if "backprop" in p]
    if not backprop_pages:
        pytest.skip("the backpropagation chapter is not in _toc.yml yet")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _load(browser, urljoin(server, "search.html?q=backpropagation"))
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li a"))
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#search-results li a")]
    assert any(backprop_pages[0] in href for href in hrefs), f"search results: {hrefs}"


def test_search_snippets_show_math_as_text(browser, server):
    """Result snippets read "σ(z) = 1/(1 + e^(-z))", not the TeX "\\(\\sigma(z) = \\frac{1}{…}\\)"."""
    from selenium.webdriver.support.ui import WebDriverWait

    _load(browser, urljoin(server, "search.html"))
    conversions = {
        r"\(\sigma(z) = \frac{1}{1 + e^{-z}}\)": "σ(z) = 1/(1 + e^(-z))",
        r"\(\mathbf{x}^\top\mathbf{w} + b\)": "xᵀw + b",
        r"\[ \boldsymbol\theta \leftarrow \boldsymbol\theta - \eta \nabla_{\boldsymbol\theta} J \]": "θ ← θ - η ∇_θ J",
    }
    for tex, text in conversions.items():
        assert browser.execute_script("return courseTexToText(arguments[0])", tex) == text
    raw_tex = re.compile(r"\\[(\[]|\\[A-Za-z]+\{|\$\$")
    for query in ("sigmoid", "softmax", "gradient"):
        _load(browser, urljoin(server, f"search.html?q={quote(query)}"))
        WebDriverWait(browser, 30).until(lambda d: d.execute_script(
            "return document.querySelectorAll('#search-results li p.context').length > 0"))
        time.sleep(1)  # the snippets arrive one page fetch at a time
        snippets = browser.execute_script(
            "return Array.from(document.querySelectorAll('#search-results li p.context')).map(p => p.textContent)")
        raw = [s for s in snippets if raw_tex.search(s)]
        assert not raw, f"search for {query!r}: snippets with raw TeX:\n" + "\n".join(s[:200] for s in raw)


def test_screenshots_for_review(browser, server):
    """Screenshots of the title page and two chapters on a desktop and a phone, under _build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = toc_files()
    chosen = [pages[0]] + [p for p in pages[1:] if "/part" in p][:2]
    if len(chosen) < 3:
        chosen = pages[:3]
    try:
        for (width, height), mobile, suffix in ((DESKTOP, False, ""), (PHONE, True, "-390px")):
            site_browser.set_viewport(browser, width, height, mobile=mobile)
            for page in chosen:
                _load(browser, urljoin(server, f"{page}.html"))
                target = SCREENSHOTS / (page.replace("/", "_") + suffix + ".png")
                assert browser.save_screenshot(str(target)), f"could not save {target}"
                assert target.stat().st_size > 10_000, f"{target} looks empty"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
