"""Tables of four or more columns read as one card per row on a phone.

A table of four or five columns does not fit a 390 px screen: its last column ends up off to the right,
inside a box the reader has to scroll sideways (the assignments table hid its download links there).
This post-transform marks such tables with the class ``course-stack`` and starts every body cell with
its column's heading in a ``course-cell-label`` span. ``book/_static/course.css`` hides those labels on
wider screens; below 576 px it lays each row out as a card, one "heading: value" line per cell. The
page stays a plain HTML table (no script involved) for every other reader.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

MIN_COLUMNS = 4
TABLE_CLASS = "course-stack"
LABEL_CLASS = "course-cell-label"


def column_labels(tgroup: nodes.tgroup) -> list[str] | None:
    """The heading of each column, or ``None`` when the table has no single heading row."""
    heads = [child for child in tgroup.children if isinstance(child, nodes.thead)]
    if len(heads) != 1 or len(heads[0].children) != 1:
        return None
    return [entry.astext().strip() for entry in heads[0].children[0].children]


class StackWideTablesOnPhones(SphinxPostTransform):
    """Label the cells of every table with at least ``MIN_COLUMNS`` columns (see the module)."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for table in self.document.findall(nodes.table):
            tgroups = [child for child in table.children if isinstance(child, nodes.tgroup)]
            if len(tgroups) != 1 or tgroups[0].get("cols", 0) < MIN_COLUMNS:
                continue
            labels = column_labels(tgroups[0])
            if not labels:
                continue
            table["classes"].append(TABLE_CLASS)
            for body in tgroups[0].findall(nodes.tbody):
                for row in body.children:
                    for entry, label in zip(row.children, labels):
                        if label:
                            self._label(entry, label)

    @staticmethod
    def _label(entry: nodes.entry, label: str) -> None:
        span = nodes.inline("", f"{label}: ", classes=[LABEL_CLASS])
        first = entry.children[0] if entry.children else None
        if isinstance(first, nodes.paragraph):
            first.insert(0, span)
        else:
            entry.insert(0, nodes.paragraph("", "", span))


def setup(app):
    app.add_post_transform(StackWideTablesOnPhones)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
