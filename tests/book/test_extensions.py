"""The course's Sphinx extensions (``book/_ext``), each on a tiny book built in a few seconds.

The site test proves them on the real book; these pin down what each one does, with inputs the real
book may not contain today (a picture with and one without a ``# alt:`` line, an appendix, an
reStructuredText page), so a change that breaks one shows here first and says which.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "book" / "_ext"
EXTENSIONS = ["titled_admonitions", "exercise_numbers", "image_alt", "phone_tables"]

CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
extensions = ["myst_nb", "sphinx_exercise", *{EXTENSIONS!r}]
myst_enable_extensions = ["colon_fence", "dollarmath"]
nb_execution_mode = "off"
numfig = True
html_theme = "basic"
"""

INDEX = """\
# A tiny book

```{toctree}
ch1
appendix
other
docstring
```
"""

APPENDIX = """\
# Appendix B. Odds and ends

:::{exercise}
:label: ex-appendix-1
The appendix's only exercise.
:::
"""

OTHER = """\
# A page without a chapter number

:::{exercise}
:label: ex-other-1
Unnumbered chapters count from 1.
:::
"""

DOCSTRING = """\
Docstring page
==============

.. warning:: In reStructuredText the text after the directive is its body.
"""


def _png(colour: str) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _notebook() -> dict:
    def markdown(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(source, colours):
        outputs = [{"output_type": "display_data", "metadata": {},
                    "data": {"image/png": _png(c), "text/plain": "<Figure>"}} for c in colours]
        return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs,
                "source": source}

    cells = [
        markdown("# 7. A numbered chapter"),
        markdown(":::{warning} `lr=` is *gone*\nThe body starts here.\n:::\n\n:::{note}\nNo title.\n:::"),
        markdown(":::{exercise}\n:label: ex-first\nFirst.\n:::\n\n:::{solution} ex-first\nOne.\n:::"),
        markdown(":::{exercise}\n:label: ex-second\nSecond.\n:::\n\n:::{solution} ex-second\nTwo.\n:::"),
        markdown("| A | B | C | D |\n| --- | --- | --- | --- |\n| a1 | b1 | c1 | d1 |\n\n"
                 "| X | Y |\n| --- | --- |\n| x1 | y1 |"),
        code("draw_two()\n# alt: A red square.\n# alt: A blue square.", ["red", "blue"]),
        code("draw_one()  # no alt line", ["green"]),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory):
    """Build the tiny book with the course's extensions; return (HTML by page, build log)."""
    src = tmp_path_factory.mktemp("tiny_book")
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.md").write_text(INDEX, encoding="utf-8")
    (src / "appendix.md").write_text(APPENDIX, encoding="utf-8")
    (src / "other.md").write_text(OTHER, encoding="utf-8")
    (src / "docstring.rst").write_text(DOCSTRING, encoding="utf-8")
    (src / "ch1.ipynb").write_text(json.dumps(_notebook()), encoding="utf-8")
    out = src / "_build"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going",
                             str(src), str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"tiny book failed to build:\n{result.stdout}\n{result.stderr}"
    pages = {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    return pages, result.stdout + result.stderr


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _admonitions(html: str) -> list[tuple[str, str]]:
    """(classes, title text) of every admonition on a page."""
    found = re.findall(r'<div class="([^"]*admonition[^"]*)"[^>]*>\s*<p class="admonition-title">(.*?)</p>',
                       html, re.S)
    return [(classes, _text(title)) for classes, title in found]


def test_titled_warning_shows_its_title_and_keeps_its_kind(tiny_book):
    pages, _ = tiny_book
    admonitions = _admonitions(pages["ch1"])
    assert ("lr= is gone" in [title for _, title in admonitions]), admonitions
    classes = next(c for c, title in admonitions if title == "lr= is gone")
    assert "warning" in classes.split()
    assert "The body starts here." in pages["ch1"]
    assert not any(title == "Warning" for _, title in admonitions), admonitions


def test_untitled_note_and_restructuredtext_warning_are_unchanged(tiny_book):
    pages, _ = tiny_book
    assert any("note" in c.split() and t == "Note" for c, t in _admonitions(pages["ch1"]))
    docstring = _admonitions(pages["docstring"])
    assert [t for _, t in docstring] == ["Warning"], docstring
    assert "In reStructuredText the text after the directive is its body." in _text(pages["docstring"])


def test_exercises_restart_in_each_document_with_the_chapter_label(tiny_book):
    pages, _ = tiny_book
    numbers = {page: list(dict.fromkeys(re.findall(r"Exercise ([0-9A-Z.]+)", _text(pages[page]))))
               for page in ("ch1", "appendix", "other")}
    assert numbers["ch1"] == ["7.1", "7.2"], numbers  # the solutions' "Solution to Exercise 7.1" included
    assert numbers["appendix"] == ["B.1"], numbers
    assert numbers["other"] == ["1"], numbers


def test_alt_lines_become_alt_text_in_order_and_missing_ones_are_reported(tiny_book):
    pages, log = tiny_book
    alts = re.findall(r'<img alt="([^"]*)"', pages["ch1"])
    assert alts[:2] == ["A red square.", "A blue square."], alts
    assert len(alts) == 3 and alts[2].endswith(".png"), "the cell without a '# alt:' line keeps the default"
    assert re.search(r"image without alt text: ch1, cell 6\b", log), log[-2000:]


def test_wide_tables_get_cell_labels_narrow_ones_do_not(tiny_book):
    pages, _ = tiny_book
    tables = re.findall(r"<table[^>]*>.*?</table>", pages["ch1"], re.S)
    wide, narrow = tables
    assert "course-stack" in wide.split(">")[0]
    assert re.findall(r'<span class="course-cell-label">([^<]*)</span>', wide) == ["A: ", "B: ", "C: ", "D: "]
    assert "course-stack" not in narrow.split(">")[0] and "course-cell-label" not in narrow
