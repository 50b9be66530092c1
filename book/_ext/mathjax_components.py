"""Load MathJax as the few components the book needs instead of the 1.2 MB ``tex-chtml.js`` bundle.

sphinx-mathjax-offline copies MathJax into ``_static/mathjax`` (the site works offline) and points
Sphinx at its all-in-one bundle. That bundle carries the right-click menu (``ui/menu``, 0.4 MB) along with
the TeX input and HTML output. Here Sphinx loads MathJax's small ``startup.js`` instead, which fetches,
from the same folder:

- ``input/tex``: TeX with the AMS macros; rarer packages (``\\boldsymbol``, ``\\cancel`` …) load
  themselves from the same folder when a page uses them (MathJax's autoload);
- ``output/chtml``: the typeset math, with its web fonts;
- ``a11y/assistive-mml``: the hidden MathML copy that screen readers read.

MathJax is loaded only on pages that contain math themselves. (Sphinx also counts the math of the pages
a page lists in its table of contents, so the title page, whose toctree is the whole book, loaded MathJax
for nothing.)
"""

MATHJAX_PATH = "mathjax/startup.js"
COMPONENTS = ["input/tex", "output/chtml", "a11y/assistive-mml"]


def _use_components(app, config):
    # At config-inited, after every extension's setup(): sphinx-mathjax-offline sets its bundle there.
    config.mathjax_path = MATHJAX_PATH
    mathjax3 = dict(config.mathjax3_config or {})
    loader = dict(mathjax3.get("loader", {}))
    loader["load"] = COMPONENTS
    mathjax3["loader"] = loader
    config.mathjax3_config = mathjax3


def _only_where_math_is(app, pagename, templatename, context, doctree):
    """Drop MathJax and its configuration from a page that has no math of its own."""
    if app.env.get_domain("math").data["has_equations"].get(pagename, False):
        return
    scripts = context.get("script_files")
    if not scripts:
        return
    scripts[:] = [
        script for script in scripts
        if not str(getattr(script, "filename", "") or "").endswith(MATHJAX_PATH)
        and not getattr(script, "attributes", {}).get("body", "").startswith("window.MathJax")
    ]


def setup(app):
    app.connect("config-inited", _use_components, priority=900)
    # After sphinx.ext.mathjax has added its scripts to the page (priority 500).
    app.connect("html-page-context", _only_where_math_is, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
