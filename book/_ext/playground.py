"""Sphinx extension: the ``nn-playground`` directive, a small network that trains in the reader's browser.

In a MyST page or a notebook's Markdown cell::

    ```{nn-playground}
    :dataset: circles
    :hidden-layers: 1
    :units: 4
    :activation: tanh
    ```

Every option is optional and only sets where the controls start; the reader changes them all on the
page. Options: ``dataset`` (xor, circles, moons, spiral, blobs), ``hidden-layers`` (0-4), ``units``
(1-16), ``activation`` (tanh, relu, sigmoid), ``learning-rate``, ``batch-size``, ``l2`` (each one of
the values the page offers, listed in ``CHOICES``) and ``seed`` (an integer >= 0).

The directive writes an empty ``<div class="nn-playground" data-...>``; ``book/_static/playground/``
(plain JavaScript and CSS, no dependencies, nothing fetched from the network) fills it in. Those files
are copied to ``_static/playground/`` and linked **only from the pages that use the directive**, so
other pages do not pay for them. Builders other than HTML get one sentence instead of the playground.
"""

from __future__ import annotations

import filecmp
import shutil
from html import escape
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

ASSETS = Path(__file__).resolve().parent.parent / "_static" / "playground"
# Where the assets go under the HTML output's _static folder, and the order the page loads them in:
# nn.js (the maths) before playground.js (the page), both deferred so that they never block rendering.
STATIC_SUBDIR = "playground"
SCRIPTS = ("nn.js", "playground.js")
STYLESHEET = "playground.css"

# The values the page offers for each option (playground.js has the same lists; a test checks that
# they agree), so that a typo in a chapter fails the build instead of being ignored in the browser.
CHOICES = {
    "dataset": ("xor", "circles", "moons", "spiral", "blobs"),
    "hidden-layers": (0, 1, 2, 3, 4),
    "units": tuple(range(1, 17)),
    "activation": ("tanh", "relu", "sigmoid"),
    "learning-rate": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10),
    "batch-size": (1, 4, 8, 16, 32, 64, 128),
    "l2": (0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1),
}


class nn_playground(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes in lower case
    """Where a playground goes; ``node["settings"]`` maps option names to their values as text."""


def _option(name: str):
    """A docutils option converter that accepts only the values the page offers for ``name``."""

    def convert(argument):
        text = directives.unchanged_required(argument).strip()
        for choice in CHOICES[name]:
            if text == str(choice) or (isinstance(choice, (int, float)) and _same_number(text, choice)):
                return str(choice)  # written exactly as the page's own list writes it
        offered = ", ".join(str(c) for c in CHOICES[name])
        raise ValueError(f"expected one of {offered}; got {text!r}")

    return convert


def _same_number(text: str, number: float) -> bool:
    try:
        return float(text) == float(number)
    except ValueError:
        return False


class NNPlaygroundDirective(SphinxDirective):
    """``{nn-playground}``: an interactive network trained in the browser (no content, only options)."""

    has_content = False
    option_spec = {name: _option(name) for name in CHOICES} | {"seed": directives.nonnegative_int}

    def run(self):
        node = nn_playground()
        node["settings"] = {name: str(value) for name, value in self.options.items()}
        self.set_source_info(node)
        return [node]


def visit_playground_html(translator, node):
    data = "".join(f' data-{name}="{escape(value)}"' for name, value in sorted(node["settings"].items()))
    translator.body.append(
        f'<div class="nn-playground"{data}>'
        "<noscript><p>This interactive playground trains a network in your browser and needs "
        "JavaScript.</p></noscript></div>\n"
    )
    raise nodes.SkipNode


class ReplaceOutsideHTML(SphinxPostTransform):
    """A printed or plain-text book cannot train a network: say where the playground is instead."""

    default_priority = 200

    def run(self, **kwargs):
        if self.app.builder.format == "html":
            return
        for node in list(self.document.findall(nn_playground)):
            node.replace_self(nodes.paragraph(text="(The website shows an interactive playground here.)"))


def copy_assets(app):
    """Copy the playground's files into the HTML output's _static folder (only those that changed)."""
    if app.builder.format != "html":
        return
    target = Path(app.builder.outdir) / "_static" / STATIC_SUBDIR
    target.mkdir(parents=True, exist_ok=True)
    for name in (*SCRIPTS, STYLESHEET):
        source, copy = ASSETS / name, target / name
        if not copy.exists() or not filecmp.cmp(source, copy, shallow=False):
            shutil.copyfile(source, copy)


def link_assets(app, pagename, templatename, context, doctree):
    """Link the playground's files from this page if, and only if, it has a playground."""
    if doctree is None or doctree.next_node(nn_playground) is None:
        return
    # The builder's own methods add the files to this page only (Sphinx resets the lists for every
    # page); app.add_js_file would also record them in the registry that later builds start from.
    app.builder.add_css_file(f"{STATIC_SUBDIR}/{STYLESHEET}")
    for script in SCRIPTS:
        app.builder.add_js_file(f"{STATIC_SUBDIR}/{script}", defer="defer")


def setup(app):
    app.add_node(nn_playground, html=(visit_playground_html, None))
    app.add_post_transform(ReplaceOutsideHTML)
    app.add_directive("nn-playground", NNPlaygroundDirective)
    app.connect("builder-inited", copy_assets)
    app.connect("html-page-context", link_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
