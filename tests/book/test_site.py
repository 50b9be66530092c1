"""The book as a learner sees it: a real Jupyter Book build, then the site in headless Chromium.

The build runs once per session (fast mode, Sphinx warnings as errors) into ``_build/fast``, a folder of
its own with its own execution cache: the cache is keyed by each notebook's code, not by COURSE_FAST, so
sharing ``_build/.jupyter_cache`` with ``make book`` would let fast-mode outputs leak into the published
site (or full-mode outputs into this test). The browser tests serve ``_build/fast/_build/html`` over HTTP on 127.0.0.1 and drive Debian's ``chromium`` through ``chromium-driver``;
they skip, saying why, on a machine without them (``make test`` installs them where it can).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FAST_BUILD = ROOT / "_build" / "fast"  # jupyter-book --path-output: html and cache under FAST_BUILD/_build
HTML = FAST_BUILD / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def toc_files() -> list[str]:
    """Every document of ``_toc.yml`` (root first), as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", f) for f in files]


@pytest.fixture(scope="session")
def built_site():
    """Build the book once (fast mode, warnings as errors) and return the HTML folder."""
    env = dict(os.environ, COURSE_FAST="1")
    downloads = subprocess.run(  # what `make downloads` does: the learners' notebooks the book links to
        [sys.executable, "-m", "course_pkg.grading.pipeline", "release", "--no-check",
         "--publish-to", str(ROOT / "_build" / "downloads")],
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


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


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


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def server(built_site):
    """Serve the built site on an ephemeral loopback port, as a web host would."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail("COURSE_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
        pytest.skip("headless Chromium not found: install Debian's chromium and chromium-driver "
                    "(make test does this when it runs as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _load(driver, url: str):
    """Open ``url``, wait until the page and MathJax (if any) are done, return console errors."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop messages from the previous page
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    try:  # math on the page: wait for MathJax to typeset it (the test below reports if it never does)
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.math').length === 0"
            " || document.querySelectorAll('mjx-container').length > 0"))
    except TimeoutException:
        pass
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def test_every_page_loads_renders_math_and_images(browser, server):
    problems = []
    for page in toc_files():
        errors = _load(browser, urljoin(server, f"{page}.html"))
        problems += [f"{page}: console error: {e['message']}" for e in errors]
        n_math = browser.execute_script("return document.querySelectorAll('.math').length")
        n_rendered = browser.execute_script("return document.querySelectorAll('mjx-container').length")
        if n_math and not n_rendered:
            problems.append(f"{page}: {n_math} math elements but MathJax rendered none")
        bad_images = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.getAttribute('src'))")
        problems += [f"{page}: image did not load: {src}" for src in bad_images]
    assert not problems, "\n".join(problems)


def test_math_is_rendered_somewhere(browser, server):
    """At least one page has math, and MathJax (served by the site itself) typesets it offline."""
    rendered = 0
    for page in toc_files():
        _load(browser, urljoin(server, f"{page}.html"))
        rendered += browser.execute_script("return document.querySelectorAll('mjx-container').length")
    assert rendered > 0


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


def test_screenshots_for_review(browser, server):
    """Screenshots of the title page and two chapters, written under _build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = toc_files()
    chosen = [pages[0]] + [p for p in pages[1:] if "/part" in p][:2]
    if len(chosen) < 3:
        chosen = pages[:3]
    for page in chosen:
        _load(browser, urljoin(server, f"{page}.html"))
        target = SCREENSHOTS / (page.replace("/", "_") + ".png")
        assert browser.save_screenshot(str(target)), f"could not save {target}"
        assert target.stat().st_size > 10_000, f"{target} looks empty"
