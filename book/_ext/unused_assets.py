"""Ship only the styles and scripts the pages use.

Two kinds of dead weight come with the theme and Jupyter Book's default extensions:

- sphinx-design's stylesheet and tab script (60 kB) are linked from every page, though only a page
  with a card, grid, tab set or dropdown of sphinx-design uses them. They are dropped from the others.
- The theme's stylesheet includes all of Bootstrap, whose components the theme mostly does not use
  (carousels, toasts, modals, popovers, form widgets …). Once the site is written, the rules of each
  component in ``BOOTSTRAP_COMPONENTS`` that no page and no script of the site uses are removed from
  the copy in ``_build``. "Uses" is checked the safe way round: a component stays if any page has an
  element with one of its classes, if any script other than Bootstrap's own names one of them, or if
  a page switches the component on through ``data-bs-toggle``; a rule goes only when every selector in
  it needs an element of a removed component. Likewise the rules made only of single-class selectors
  (Bootstrap's utilities: ``.mt-sm-3``, ``.order-xl-last`` …) whose classes no page and no script,
  Bootstrap's included, names anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

THEME_CSS = Path("_static") / "styles" / "pydata-sphinx-theme.css"
# Bootstrap 5 components: each name is the class the component's classes start with.
BOOTSTRAP_COMPONENTS = (
    "accordion", "alert", "breadcrumb", "btn-close", "btn-group", "card", "carousel", "form-check",
    "form-floating", "form-range", "form-select", "input-group", "list-group", "modal", "offcanvas",
    "page-link", "pagination", "placeholder", "popover", "bs-popover", "progress", "spinner", "toast",
)
# Components Bootstrap's script builds from a data-bs-toggle attribute (the class then exists at run time).
_TOGGLED = {"modal": "modal", "offcanvas": "offcanvas", "popover": "popover", "bs-popover": "popover"}
_SPHINX_DESIGN_FILES = ("sphinx-design", "design-tabs")
_SPHINX_DESIGN_CLASS = re.compile(r'class="[^"]*\bsd-')
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CLASS = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")
_CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
_TOGGLE_ATTRIBUTE = re.compile(r'data-bs-toggle="([a-z]+)"')
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_SINGLE_CLASS = re.compile(r"\.-?[A-Za-z_][A-Za-z0-9_-]*")


def _belongs(class_name: str, component: str) -> bool:
    return class_name == component or class_name.startswith(component + "-")


def drop_component_rules(css: str, components) -> str:
    """The stylesheet without the rules that can only match elements of the given components.

    Parameters
    ----------
    css : str
        A stylesheet's text.
    components : iterable of str
        Component names (``"carousel"`` stands for ``.carousel``, ``.carousel-item`` …).

    Returns
    -------
    str
        The stylesheet; a rule is removed when each of its selectors requires a class of one of the
        components (classes inside ``:not(…)`` do not count), and kept in every other case.

    Examples
    --------
    >>> drop_component_rules(".toast{a:b}.toast,.btn{c:d}.btn:not(.toast){e:f}", ["toast"])
    '.toast,.btn{c:d}.btn:not(.toast){e:f}'
    """
    components = tuple(components)
    if not isinstance(css, str):
        raise TypeError(f"drop_component_rules: expected the stylesheet as a str; got {type(css).__name__}")

    def needs_removed_component(selector: str) -> bool:
        if "\\" in selector or re.search(r":(is|where|has)\(", selector):
            return False  # selectors we do not parse stay
        required = _CLASS.findall(re.sub(r":not\([^)]*\)", "", re.sub(r"\[[^\]]*\]", "", selector)))
        return any(_belongs(name, c) for name in required for c in components)

    def keep(match: re.Match) -> str:
        selectors = match.group(1)
        if selectors.lstrip().startswith("@"):
            return match.group(0)
        if all(needs_removed_component(s) for s in selectors.split(",")):
            return ""
        return match.group(0)

    return _RULE.sub(keep, css)


def drop_unused_class_rules(css: str, used: set[str]) -> str:
    """The stylesheet without the rules whose selectors are all one class each, none of them in ``used``.

    Examples
    --------
    >>> drop_unused_class_rules(".mt-1{a:b}.mt-2,.mt-3{c:d}.x .mt-1{e:f}", {"mt-3"})
    '.mt-2,.mt-3{c:d}.x .mt-1{e:f}'
    """
    if not isinstance(css, str):
        raise TypeError(f"drop_unused_class_rules: expected the stylesheet as a str; got {type(css).__name__}")

    def keep(match: re.Match) -> str:
        selectors = [s.strip() for s in match.group(1).split(",")]
        if all(_SINGLE_CLASS.fullmatch(s) for s in selectors) and not any(s[1:] in used for s in selectors):
            return ""
        return match.group(0)

    return _RULE.sub(keep, css)


def used_class_names(html_texts, script_texts) -> set[str]:
    """Every class a page's elements carry and every word any script contains."""
    used: set[str] = set()
    for text in html_texts:
        for classes in _CLASS_ATTRIBUTE.findall(text):
            used.update(classes.split())
    for text in script_texts:
        used.update(_WORD.findall(text))
    return used


def unused_components(html_texts: list[str], script_texts: list[str]) -> list[str]:
    """The ``BOOTSTRAP_COMPONENTS`` that no page, no script and no ``data-bs-toggle`` uses."""
    used = used_class_names(html_texts, script_texts)
    toggled = {name for text in html_texts for name in _TOGGLE_ATTRIBUTE.findall(text)}
    return [c for c in BOOTSTRAP_COMPONENTS
            if _TOGGLED.get(c) not in toggled and not any(_belongs(name, c) for name in used)]


def _drop_sphinx_design(app, pagename, templatename, context, doctree):
    """No sphinx-design assets on a page without sphinx-design elements."""
    if _SPHINX_DESIGN_CLASS.search(context.get("body", "")):
        return
    for key in ("css_files", "script_files"):
        assets = context.get(key)
        if assets:
            assets[:] = [a for a in assets
                         if not Path(getattr(a, "filename", "") or "").name.startswith(_SPHINX_DESIGN_FILES)]


def _slim_theme_css(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    css_path = outdir / THEME_CSS
    if not css_path.is_file():
        return
    static = outdir / "_static"
    scripts = {p: p.read_text(encoding="utf-8", errors="replace") for p in static.rglob("*.js")
               if "mathjax" not in p.relative_to(static).parts and p.name != "fontawesome.js"}
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in outdir.rglob("*.html")]
    # Components: Bootstrap's own script names them all, so it does not count as a user here.
    unused = unused_components(pages, [text for path, text in scripts.items() if path.name != "bootstrap.js"])
    css = css_path.read_text(encoding="utf-8")
    slim = drop_component_rules(css, unused)
    slim = drop_unused_class_rules(slim, used_class_names(pages, list(scripts.values())))
    css_path.write_text(slim, encoding="utf-8")
    logger.info(f"unused_assets: {len(css) - len(slim)} bytes of {THEME_CSS.name} unused "
                f"(components: {', '.join(unused)}; and single-class rules no page or script names)")


def setup(app):
    app.connect("html-page-context", _drop_sphinx_design)
    app.connect("build-finished", _slim_theme_css)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
