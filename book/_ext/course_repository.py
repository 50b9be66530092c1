"""The repository named once in ``_config.yml``, wherever a page needs it, and a warning while it is a placeholder.

Jupyter Book turns ``repository.url`` and ``repository.branch`` into the theme options
``repository_url`` and ``repository_branch``; the launch buttons and the repository link already come
from them. This extension makes the install commands on the book's own pages come from them too: a
page writes ``{{ repository_url }}``, ``{{ repository_branch }}`` and ``{{ repository_name }}`` (the
last part of the address, the folder ``git clone`` makes), for example::

    pip install "course_pkg[notebook] @ git+{{ repository_url }}@{{ repository_branch }}"

and the build replaces both before the page is parsed, so they work inside code blocks as well as in
prose (MyST's own substitutions stop at code blocks). A page that uses them in a build without this
extension fails loudly: MyST reports an undefined substitution.

While ``repository.url`` is still the course's placeholder (``tools/setup_cells.py`` names it), the
build prints a red warning saying so. It is printed as information, not as a Sphinx warning, so that
builds with warnings-as-errors (the site test) still pass on the course's own repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _setup_cells():
    """``tools/setup_cells.py``, the one home of the placeholder and of the install commands' form."""
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    import setup_cells  # noqa: PLC0415 - found through the path just added

    return setup_cells


def repository_values(config) -> dict[str, str]:
    """``repository_url``, ``repository_branch`` and ``repository_name`` from the theme options Jupyter Book derives."""
    options = config.html_theme_options or {}
    url = str(options.get("repository_url") or "").rstrip("/")
    return {"repository_url": url, "repository_branch": str(options.get("repository_branch") or "main"),
            "repository_name": url.rsplit("/", 1)[-1]}


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``{{ name }}`` (spaces optional) for each name in ``values``.

    >>> substitute("git+{{ repository_url }}@{{repository_branch}}", {"repository_url": "https://x/y",
    ...            "repository_branch": "main"})
    'git+https://x/y@main'
    """
    for name, value in values.items():
        for spelling in (f"{{{{ {name} }}}}", f"{{{{{name}}}}}"):
            text = text.replace(spelling, value)
    return text


def _check_repository(app, config):
    values = repository_values(config)
    if not values["repository_url"]:
        logger.warning("course_repository: repository.url is not set in _config.yml; the install commands on "
                       "the book's pages need it (and so do the launch buttons).")
        return
    warning = _setup_cells().placeholder_warning(values["repository_url"])
    if warning:
        logger.info(warning, color="red")


def _substitute_source(app, docname, source):
    values = repository_values(app.config)
    if values["repository_url"]:
        source[0] = substitute(source[0], values)


def setup(app):
    app.connect("config-inited", _check_repository)
    app.connect("source-read", _substitute_source)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
