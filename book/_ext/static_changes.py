"""Rebuild when only a file in ``html_static_path`` changed (a stylesheet or script of the course).

Sphinx copies static files while it writes pages, and writes pages only when a document or a template
changed: an edit to ``book/_static/course.css`` alone left the old copy in place ("no targets are out
of date"). This hook compares each static file with its copy in the output and, when one is newer,
has Sphinx re-read the root document (a short Markdown page), which is enough to run the writing phase
and so the copying.
"""

from __future__ import annotations

import filecmp
from pathlib import Path


def newer_static_files(static_dirs, out_static: Path) -> list[Path]:
    """Files under ``static_dirs`` whose copy under ``out_static`` is missing or differs."""
    stale = []
    for static_dir in static_dirs:
        static_dir = Path(static_dir)
        for source in static_dir.rglob("*"):
            if not source.is_file() or source.name.startswith(".") or source.name.endswith("_t"):
                continue
            copy = out_static / source.relative_to(static_dir)
            if not copy.is_file() or not filecmp.cmp(source, copy, shallow=False):
                stale.append(source)
    return stale


def _reread_root_if_static_changed(app, env, added, changed, removed):
    if app.builder.format != "html" or not Path(app.outdir, "_static").is_dir():
        return []  # a first build copies everything anyway
    # The book's own static folders (relative entries): extensions add theirs as absolute paths, and
    # some of those hold templates ("*.js_t") that Sphinx renders, so they never compare equal.
    static_dirs = [Path(app.confdir, entry) for entry in app.config.html_static_path
                   if not Path(entry).is_absolute()]
    if newer_static_files(static_dirs, Path(app.outdir, "_static")):
        return [app.config.root_doc]
    return []


def setup(app):
    app.connect("env-get-outdated", _reread_root_if_static_changed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
