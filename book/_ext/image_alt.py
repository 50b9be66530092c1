"""Alt text for the figures that notebook code draws, written next to the code: ``# alt: …``.

A picture a cell outputs has no alt text of its own, so the HTML writer falls back to the image's file
path, which is what a screen reader then reads out. The course's convention is a comment in the cell
that draws the figure, one line per picture, in the order the cell shows them::

    plotting.plot_decision_boundary(model, X, y)
    # alt: Two interleaved half-moons of points; the network's boundary curves between them.

The comment stays beside the code that makes the figure, so whoever changes the figure sees the text
to update, and a reader of the code learns what the picture shows. MyST-NB's own cell metadata
(``mystnb: image: alt: …``) is honoured too and wins when both are given.

Pictures left without alt text are listed in the build log ("image without alt text: …"); the site test
fails on any ``<img>`` whose alt is empty or a file path.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

_ALT_LINE = re.compile(r"^\s*#\s*alt:\s*(\S.*?)\s*$", re.MULTILINE)


def alt_texts(source: str) -> list[str]:
    """The ``# alt: …`` texts of one code cell, in order.

    Parameters
    ----------
    source : str
        The cell's code.

    Returns
    -------
    list of str
        One text per ``# alt:`` line, stripped; empty when the cell has none.

    Examples
    --------
    >>> alt_texts("plt.plot(x, y)\\n# alt: A rising line.\\nplt.show()")
    ['A rising line.']
    """
    if not isinstance(source, str):
        raise TypeError(f"alt_texts: expected the cell source as a str; got {type(source).__name__}")
    return _ALT_LINE.findall(source)


@lru_cache(maxsize=64)
def _code_cells(path: str, mtime_ns: int) -> dict[int, str]:
    """Code of every code cell of a notebook file, by cell index (cached while the file is unchanged)."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells[index] = "".join(source) if isinstance(source, list) else source
    return cells


class AltTextFromComments(SphinxPostTransform):
    """Give each image a notebook cell outputs the cell's next ``# alt:`` text."""

    # After MyST-NB picks one output format per bundle (priority 4), so that only the image the page
    # shows is counted; before anything renders the images.
    default_priority = 50
    formats = ("html",)

    def run(self, **kwargs) -> None:
        path = Path(self.env.doc2path(self.env.docname))
        if path.suffix != ".ipynb":
            return
        cells = _code_cells(str(path), path.stat().st_mtime_ns)
        for cell in self.document.findall(nodes.container):
            if cell.get("nb_element") != "cell_code":
                continue
            index = cell.get("cell_index")
            texts = alt_texts(cells.get(index, ""))
            images = [image for image in cell.findall(nodes.image) if not image.get("alt")]
            for image, text in zip(images, texts):
                image["alt"] = text
            for image in images[len(texts):]:
                logger.info(f"image without alt text: {self.env.docname}, cell {index} "
                            f"(add a '# alt: …' line to that cell)", location=self.env.docname)


def setup(app):
    app.add_post_transform(AltTextFromComments)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
