"""The chapter a reader downloads (``book/_ext/learner_downloads.py``), and the repository in pages (``course_repository.py``).

A tiny book built in a few seconds with the two extensions, executing like the real book (MyST-NB's
cache mode): one chapter notebook holding what the real chapters hold: the set-up cell, a
hidden assertion cell, an exercise with a solution, a callout, a cell whose stderr the site hides,
API references; and a page with an install command. The site test proves the same on the real book.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "book" / "_ext"
sys.path.insert(0, str(EXT))
sys.path.insert(0, str(ROOT / "tools"))
import learner_downloads  # noqa: E402  (the extension under test)
import setup_cells  # noqa: E402

REPOSITORY = "https://github.com/someone/fork"
# Jupyter Book puts repository.url and .branch into the book theme's options; so does this conf.py.
CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
extensions = ["myst_nb", "sphinx_exercise", "exercise_numbers", "course_repository", "learner_downloads"]
myst_enable_extensions = ["colon_fence", "dollarmath", "substitution"]
nb_execution_mode = "cache"   # the book's setting: outputs come from the execution cache
numfig = True
html_theme = "sphinx_book_theme"
html_theme_options = {{"repository_url": {REPOSITORY!r}, "repository_branch": "work",
                      "use_download_button": True}}
"""

INDEX = """\
# A tiny book

```{toctree}
ch5
install
```
"""

INSTALL = """\
# Install

Clone {{ repository_url }} into {{repository_name}} or run:

```bash
pip install "course_pkg[notebook] @ git+{{ repository_url }}@{{repository_branch}}"
```
"""

SETUP = setup_cells.cell_source(REPOSITORY, "work", ("chapters",))


def _markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(source, tags=()):
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    if tags:
        cell["metadata"]["tags"] = list(tags)
    return cell


def _stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="


def chapter() -> dict:
    """A chapter without outputs, as in the repository: the build executes it (in this interpreter's kernel)."""
    cells = [
        _markdown("# 5. A chapter with everything\n\n:::{admonition} Learning goals\n- read *this*\n:::"),
        _code(SETUP, tags=setup_cells.SETUP_TAGS),
        _code("print(6 * 7)"),
        _code("assert 6 * 7 == 42", tags=["remove-cell"]),
        _code("import sys\nprint('a warning the site hides', file=sys.stderr)\nprint('kept')", tags=["remove-stderr"]),
        _markdown(":::{warning} `lr=` is gone\nWrite `learning_rate=`.\n:::\n\n(target-label)=\n"
                  "See {py:func}`course_pkg.data.load_mnist` and {py:class}`~course_pkg.numpy_nn.MLP`."),
        _markdown("## Exercises\n\n````{exercise}\n:label: ex-first\n\nCompute $6 \\times 7$.\n````\n\n"
                  "````{solution} ex-first\n:class: dropdown\n\nIt is 42:\n\n```python\nprint(6 * 7)\n```\n````"),
        _markdown("````{exercise}\n:label: ex-second\n\nAnd $7 \\times 6$?\n````\n\n"
                  "````{solution} ex-second\n:class: dropdown\n\nThe same, 42.\n````"),
        _code(f"from IPython.display import display\ndisplay({{'image/png': {PNG!r}, 'text/plain': '<Figure>'}}, raw=True)"),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory):
    """Build the tiny book; return (HTML folder, build log)."""
    src = tmp_path_factory.mktemp("tiny_book")
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.md").write_text(INDEX, encoding="utf-8")
    (src / "install.md").write_text(INSTALL, encoding="utf-8")
    (src / "ch5.ipynb").write_text(json.dumps(chapter()), encoding="utf-8")
    out = src / "_build" / "html"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", str(src), str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"tiny book failed to build:\n{result.stdout}\n{result.stderr}"
    return out, result.stdout + result.stderr


@pytest.fixture(scope="module")
def download(tiny_book):
    """The notebook the chapter's download button serves."""
    out, _ = tiny_book
    page = (out / "ch5.html").read_text(encoding="utf-8")
    link = re.search(r'href="(_sources/ch5\.ipynb[^"]*)"', page)
    assert link, "the chapter page has no download link to its notebook"
    return json.loads((out / link[1]).read_text(encoding="utf-8"))


def _text(cell) -> str:
    return "".join(cell["source"])


def _streams(cell) -> list[tuple[str, str]]:
    """(stream name, text) of a cell's outputs; nbformat may store text as a list of lines."""
    return [(o["name"], "".join(o["text"])) for o in cell["outputs"] if o["output_type"] == "stream"]


def test_download_keeps_the_outputs_the_site_shows(download):
    code = {_text(c): c for c in download["cells"] if c["cell_type"] == "code"}
    assert _streams(code["print(6 * 7)"]) == [("stdout", "42\n")]
    (figure,) = [c for source, c in code.items() if "display(" in source]
    assert "".join(figure["outputs"][0]["data"]["image/png"]).strip() == PNG
    (noisy,) = [c for source, c in code.items() if "kept" in source]
    assert _streams(noisy) == [("stdout", "kept\n")], "stderr is hidden on the site"


def test_download_drops_hidden_checks_but_keeps_the_setup_cell(download):
    sources = [_text(c) for c in download["cells"]]
    assert not any("assert 6 * 7" in s for s in sources)
    removed = [c for c in download["cells"] if "remove-cell" in c["metadata"].get("tags", [])]
    assert [_text(c) for c in removed] == [SETUP], "only the set-up cell may carry remove-cell"
    first_code = next(c for c in download["cells"] if c["cell_type"] == "code")
    assert _text(first_code) == SETUP


def test_download_folds_solutions_and_numbers_exercises_as_the_site(download, tiny_book):
    markdown = [_text(c) for c in download["cells"] if c["cell_type"] == "markdown"]
    everything = "\n".join(markdown)
    assert "{solution}" not in everything and "{exercise}" not in everything and ":label:" not in everything
    solutions = [m for m in markdown if "42" in m and "Compute" not in m and "7 \\times 6" not in m]
    assert len(solutions) == 2
    for solution in solutions:
        assert solution.startswith("<details>") and solution.rstrip().endswith("</details>")
        assert "<summary>" in solution.split("\n")[1]
    assert "Solution to exercise 5.1" in solutions[0] and "```python\nprint(6 * 7)\n```" in solutions[0]
    exercises = [m for m in markdown if m.startswith("**Exercise")]
    assert [m.split("**")[1] for m in exercises] == ["Exercise 5.1.", "Exercise 5.2."]
    page = (tiny_book[0] / "ch5.html").read_text(encoding="utf-8")
    assert "Exercise 5.1" in page and "Solution to" in page, "the site keeps its own exercises"


def test_download_turns_myst_markup_into_plain_markdown(download):
    markdown = "\n".join(_text(c) for c in download["cells"] if c["cell_type"] == "markdown")
    assert "> **Warning: `lr=` is gone**\n>\n> Write `learning_rate=`." in markdown
    assert "> **Learning goals**" in markdown
    assert "`course_pkg.data.load_mnist`" in markdown and "`MLP`" in markdown
    assert "{py:" not in markdown and ":::" not in markdown and "(target-label)=" not in markdown


def test_the_site_page_hides_the_setup_cell(tiny_book):
    page = (tiny_book[0] / "ch5.html").read_text(encoding="utf-8")
    assert "42" in page
    assert "INSTALL_COURSE_PKG_FROM" not in page and "find_spec" not in page


def test_install_commands_on_pages_come_from_the_repository_setting(tiny_book):
    out, log = tiny_book
    page = re.sub(r"<[^>]+>", "", (out / "install.html").read_text(encoding="utf-8"))
    assert f"Clone {REPOSITORY} into fork or run" in page
    assert f"course_pkg[notebook] @ git+{REPOSITORY}@work" in page
    assert "repository_url" not in page
    assert "placeholder" not in log  # a real address: no warning


def test_placeholder_repository_is_reported():
    assert setup_cells.placeholder_warning(REPOSITORY) is None
    warning = setup_cells.placeholder_warning(setup_cells.PLACEHOLDER_URL + "/")
    assert warning.startswith("warning: repository.url in _config.yml is still the placeholder")


@pytest.mark.parametrize(
    "myst, expected",
    [
        ("{doc}`the guide <../intro/guide>`", ["the guide"]),
        ("{doc}`../intro/guide`", ["Guide title"]),
        ("{math}`x^2`", ["$x^2$"]),
        ("```{figure} pic.png\n:alt: A picture\n```", ["```{figure} pic.png\n```"]),
        (":::{note}\nNo title.\n:::", ["> **Note**\n>\n> No title."]),
    ],
)
def test_myst_to_markdown_cases(myst, expected):
    titles = {"../intro/guide": "Guide title"}
    assert learner_downloads.myst_to_markdown(myst, exercise_numbers={},
                                              resolve_doc=lambda t: titles.get(t, t)) == expected
