"""Look at a built site the way a reader's browser does: serve it, open pages in headless Chromium, measure.

Used by ``test_site.py``; also a small command line to measure a site you already built::

    .venv/bin/python tests/book/site_browser.py _build/fast/_build/html           # page weights
    .venv/bin/python tests/book/site_browser.py _build/html --screenshots OUTDIR  # and 390 px screenshots

Page weight is what a first visit downloads: the page's HTML and every script, stylesheet, font and
image the browser fetched for it (read from Chromium's Resource Timing entries with the cache off,
after MathJax finished and lazy images were scrolled into view), uncompressed. The gzip column is the
same files compressed, roughly what a host that compresses (GitHub Pages, Read the Docs) sends.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import os
import re
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
DESKTOP = (1280, 1600)
PHONE = (390, 844)  # an iPhone 12-15 viewport in CSS pixels


def toc_files() -> list[str]:
    """Every document of ``_toc.yml`` (root first, then in reading order), as paths without suffix."""
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve ``html_dir`` on an ephemeral loopback port, as a web host would; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def chromium():
    """A headless Chromium driven through chromium-driver (the caller quits it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def set_viewport(driver, width: int, height: int, *, mobile: bool) -> None:
    """Emulate a screen of ``width`` x ``height`` CSS pixels (a phone when ``mobile``)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def load(driver, url: str) -> list[dict]:
    """Open ``url``, wait until the page and MathJax (if any) are done, return its console errors."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop messages from the previous page
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    try:  # math on the page: wait for MathJax to typeset it (the tests report if it never does)
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.math').length === 0"
            " || (window.MathJax && MathJax.startup && MathJax.startup.promise"
            "     && document.querySelectorAll('mjx-container').length > 0)"))
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
            "  MathJax.startup.promise.then(() => done(true), () => done(false));"
            "else done(true);")
    except TimeoutException:
        pass
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


_RESOURCES_JS = """
const sizes = {};
for (const e of performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')))
  sizes[e.name.split('#')[0]] = Math.max(sizes[e.name.split('#')[0]] || 0, e.decodedBodySize || 0);
return sizes;
"""


def page_resources(driver, url: str) -> dict[str, int]:
    """Bytes of every file a cold visit of ``url`` downloads (the HTML included), by URL.

    The browser cache is switched off, the page scrolled to its end so that lazy images load, and the
    list read once it has stopped growing.
    """
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        load(driver, url)
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        previous, stable_since = None, time.monotonic()
        while time.monotonic() - stable_since < 0.5:
            sizes = driver.execute_script(_RESOURCES_JS)
            if sizes != previous:
                previous, stable_since = sizes, time.monotonic()
            time.sleep(0.1)
        driver.execute_script("window.scrollTo(0, 0)")
        return {name: size for name, size in previous.items() if not name.startswith("data:")}
    finally:
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


def gzip_size(html_dir: Path, base_url: str, url: str, fallback: int) -> int:
    """Size of the served file behind ``url`` once gzip-compressed (``fallback`` if it is not a file)."""
    path = html_dir / unquote(urlparse(url).path[len(urlparse(base_url).path):])
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return fallback
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def page_weights(driver, base_url: str, html_dir: Path, pages: list[str]) -> dict[str, dict]:
    """For each page: ``bytes`` (uncompressed), ``gzip`` and the ``files`` it loaded, largest first."""
    weights = {}
    for page in pages:
        resources = page_resources(driver, urljoin(base_url, f"{page}.html"))
        weights[page] = {
            "bytes": sum(resources.values()),
            "gzip": sum(gzip_size(html_dir, base_url, u, s) for u, s in resources.items()),
            "files": sorted(resources.items(), key=lambda item: -item[1]),
        }
    return weights


def weight_table(weights: dict[str, dict]) -> str:
    """A plain-text table of page weights with the median and the maximum."""
    lines = [f"{'page':45s} {'MB':>7s} {'gzip MB':>8s}  largest file"]
    for page, w in weights.items():
        largest = w["files"][0] if w["files"] else ("", 0)
        name = urlparse(largest[0]).path.rsplit("/", 1)[-1][:40]
        lines.append(f"{page:45s} {w['bytes'] / 1e6:7.2f} {w['gzip'] / 1e6:8.2f}  {name} "
                     f"({largest[1] / 1e6:.2f} MB)")
    sizes = [w["bytes"] for w in weights.values()]
    zipped = [w["gzip"] for w in weights.values()]
    lines.append(f"{'median':45s} {statistics.median(sizes) / 1e6:7.2f} {statistics.median(zipped) / 1e6:8.2f}")
    lines.append(f"{'max':45s} {max(sizes) / 1e6:7.2f} {max(zipped) / 1e6:8.2f}")
    return "\n".join(lines)


_OVERFLOW_JS = """
const width = arguments[0];
const clips = el => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
const sticksOut = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > width + 1; };
const culprits = [];
for (const el of document.body.querySelectorAll('*')) {
  if (!sticksOut(el) || [...el.children].some(sticksOut)) continue;  // the innermost elements only
  let p = el, inBox = false;
  while (p && p !== document.body) {  // inside a scroll box, or a drawer fixed off-screen: not the page
    if ((p !== el && clips(p)) || getComputedStyle(p).position === 'fixed') { inBox = true; break; }
    p = p.parentElement;
  }
  if (inBox) continue;
  const r = el.getBoundingClientRect();
  if (r.left <= 0 && Math.abs(r.right - window.innerWidth) <= 1) continue;  // a full-width block
  culprits.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(r.right)}px: `
                + (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60));
}
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        culprits: culprits.slice(0, 5)};
"""


def horizontal_overflow(driver, width: int) -> dict:
    """How wide the page is on a screen ``width`` CSS pixels wide, and the deepest elements sticking out.

    A phone browser widens its layout viewport to fit content that overflows (and ``innerWidth`` grows
    with it), so the page's ``scrollWidth`` is compared with the screen's width, not with ``innerWidth``.
    """
    return driver.execute_script(_OVERFLOW_JS, width)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built site (e.g. _build/fast/_build/html)")
    parser.add_argument("--screenshots", type=Path, help="also save a 390 px screenshot of every page here")
    args = parser.parse_args(argv)
    if not (CHROMIUM and CHROMEDRIVER):
        print("needs Debian's chromium and chromium-driver", file=sys.stderr)
        return 2
    pages = [p for p in toc_files() if (args.html / f"{p}.html").is_file()]
    driver = chromium()
    try:
        with serve(args.html) as base_url:
            print(weight_table(page_weights(driver, base_url, args.html, pages)))
            set_viewport(driver, *PHONE, mobile=True)
            for page in pages:
                load(driver, urljoin(base_url, f"{page}.html"))
                overflow = horizontal_overflow(driver, PHONE[0])
                if overflow["scrollWidth"] > PHONE[0]:
                    print(f"{page}: {overflow['scrollWidth']} px wide on a {PHONE[0]} px screen",
                          *overflow["culprits"], sep="\n    ")
                if args.screenshots:
                    args.screenshots.mkdir(parents=True, exist_ok=True)
                    driver.save_screenshot(str(args.screenshots / (page.replace("/", "_") + ".png")))
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
