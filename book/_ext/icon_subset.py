"""Serve the theme's icons from a FontAwesome subset of a few kilobytes instead of 1.5 MB of JavaScript.

pydata-sphinx-theme loads FontAwesome's ``all.min.js`` on every page to turn ``<i class="fa-…">`` into SVG.
Its stylesheet already knows every icon as a glyph of the FontAwesome web fonts (``.fa-github:before``
…), and it draws its admonition, link and navigation icons from those fonts too. The template override
in ``book/_templates/static/webpack-macros.html`` drops the script; this extension, once the site is
written, finds which icons the pages and scripts use and writes, for each FontAwesome font, a subset
with only those glyphs, declared in ``_static/course-icons.css`` under the theme's own family names with
a ``unicode-range``: the browser then fetches the small subset for those icons and never the full fonts
(about 300 kB), which stay in place for any icon this scan could not see. The theme's stylesheet loses
its rules for the other 2,000 icons (about 90 kB of every page's download) the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

CSS_NAME = "course-icons.css"
SUBSET_DIR = "course-icons"
# The theme's FontAwesome faces: (CSS family, weight, TrueType file under vendor/fontawesome/webfonts).
# fontTools reads TrueType without extra packages (WOFF2 would need brotli).
FACES = [
    ("Font Awesome 6 Free", 900, "fa-solid-900.ttf"),
    ("Font Awesome 6 Free", 400, "fa-regular-400.ttf"),
    ("Font Awesome 6 Brands", 400, "fa-brands-400.ttf"),
]
_ICON_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_ICON_SELECTOR = re.compile(r"^\.(fa-[a-z0-9-]+):{1,2}before$")
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{4,6})")
_ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
_CONTENT = re.compile(r"""content:\s*["']((?:\\.|[^"'\\])*)["']""")
_STRING_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))")


def _content_chars(declarations: str) -> str:
    """The characters of the ``content: "…"`` string in a rule's declarations, CSS escapes decoded."""
    match = _CONTENT.search(declarations)
    if not match:
        return ""
    return _STRING_ESCAPE.sub(
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), match.group(1))


def _private_use(codepoint: int) -> bool:
    """FontAwesome puts its glyphs in Unicode's private use area."""
    return 0xE000 <= codepoint <= 0xF8FF


def icon_table(css: str) -> tuple[dict[str, int], set[int]]:
    """Read a stylesheet: the ``.fa-NAME:before`` glyph table, and the glyphs other rules draw directly.

    Parameters
    ----------
    css : str
        A stylesheet's text.

    Returns
    -------
    names : dict of str to int
        Icon class (``"fa-github"``) to code point, for every ``.fa-…:before { content: … }`` rule.
    direct : set of int
        Private-use code points written in any other rule (for example the theme's admonition icons,
        ``--pst-icon-bell: "\\f0f3"``), escaped or literal.

    Examples
    --------
    >>> icon_table('.fa-github:before{content:"\\\\f09b"} .x:after{content:"\\\\f0f3"}')
    ({'fa-github': 61595}, {61683})
    """
    if not isinstance(css, str):
        raise TypeError(f"icon_table: expected the stylesheet as a str; got {type(css).__name__}")
    names: dict[str, int] = {}
    direct: set[int] = set()
    for selectors, body in _ICON_RULE.findall(css):
        icon_names = [_ICON_SELECTOR.match(s.strip()) for s in selectors.split(",")]
        if all(icon_names):
            glyphs = _content_chars(body)
            if glyphs:  # most icons are private-use characters, a few plain ones ("+" for fa-plus)
                for match in icon_names:
                    names[match.group(1)] = ord(glyphs[0])
            continue
        codepoints = [int(h, 16) for h in _ESCAPE.findall(body)] + [ord(c) for c in body]
        direct.update(cp for cp in codepoints if _private_use(cp))
    return names, direct


def drop_icon_rules(css: str, keep: set[str]) -> str:
    """The stylesheet without its ``.fa-NAME:before`` rules, except those for the icons in ``keep``.

    Examples
    --------
    >>> drop_icon_rules(".a{color:red}.fa-x:before{content:'x'}.fa-y:before{content:'y'}", {"fa-y"})
    ".a{color:red}.fa-y:before{content:'y'}"
    """
    def keep_rule(match: re.Match) -> str:
        icon_names = [_ICON_SELECTOR.match(s.strip()) for s in match.group(1).split(",")]
        if all(icon_names) and not any(m.group(1) in keep for m in icon_names):
            return ""
        return match.group(0)

    return _ICON_RULE.sub(keep_rule, css)


def used_icon_classes(texts) -> set[str]:
    """Every ``fa-…`` class name that occurs in the given HTML or JavaScript texts."""
    found: set[str] = set()
    for text in texts:
        found.update(_ICON_CLASS.findall(text))
    return found


def _site_texts(outdir: Path):
    """The built pages and the scripts they run (not FontAwesome's own, which names every icon)."""
    for path in outdir.rglob("*.html"):
        yield path.read_text(encoding="utf-8", errors="replace")
    static = outdir / "_static"
    for path in static.rglob("*.js"):
        relative = path.relative_to(static).as_posix()
        if path.name == "fontawesome.js" or relative.startswith("mathjax/"):
            continue
        yield path.read_text(encoding="utf-8", errors="replace")


def _write_subsets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from fontTools import subset  # a matplotlib dependency, so always installed with the course

    outdir = Path(app.outdir)
    static = outdir / "_static"
    names: dict[str, int] = {}
    codepoints: set[int] = set()
    stylesheets = {}
    for css_path in static.rglob("*.css"):
        if css_path.name == CSS_NAME:
            continue
        stylesheets[css_path] = css_path.read_text(encoding="utf-8", errors="replace")
        css_names, direct = icon_table(stylesheets[css_path])
        names.update(css_names)
        codepoints |= direct
    used = used_icon_classes(_site_texts(outdir))
    codepoints |= {names[name] for name in used if name in names}
    for css_path, css in stylesheets.items():
        slim = drop_icon_rules(css, used)
        if slim != css:
            css_path.write_text(slim, encoding="utf-8")

    fonts_dir = static / "vendor" / "fontawesome" / "webfonts"
    target = static / SUBSET_DIR
    target.mkdir(exist_ok=True)
    rules = []
    for family, weight, filename in FACES:
        source = fonts_dir / filename
        if not source.is_file():
            logger.warning(f"icon_subset: the theme's {filename} is missing; its icons use the full font")
            continue
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = []
        font = subset.load_font(str(source), options)
        present = sorted(codepoints & set(font.getBestCmap()))
        if not present:
            continue
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=present)
        subsetter.subset(font)
        out_name = filename.replace(".ttf", ".subset.woff")
        subset.save_font(font, str(target / out_name), options)
        ranges = ",".join(f"U+{cp:X}" for cp in present)
        rules.append(
            f'@font-face{{font-family:"{family}";font-style:normal;font-weight:{weight};'
            f'font-display:block;src:url({SUBSET_DIR}/{out_name}) format("woff");unicode-range:{ranges}}}'
        )
    (static / CSS_NAME).write_text(
        "/* Generated by book/_ext/icon_subset.py: the FontAwesome glyphs this site uses. */\n"
        + "\n".join(rules) + "\n", encoding="utf-8")
    logger.info(f"icon_subset: {len(codepoints)} icons in {len(rules)} font subsets")


def setup(app):
    app.add_css_file(CSS_NAME)
    app.connect("build-finished", _write_subsets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
