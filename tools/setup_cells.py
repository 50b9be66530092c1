"""Write the set-up cell of every chapter and assignment notebook, and the README's install commands, from ``_config.yml``.

Usage::

    python tools/setup_cells.py           # write (what `make setup-cells` and `make book` run)
    python tools/setup_cells.py --check   # change nothing; exit 1 listing what disagrees with _config.yml

**Why.** A reader who presses Colab or Binder, or opens a downloaded notebook in a plain Jupyter,
has no ``course_pkg``. Every chapter notebook (``book/``) and every assignment's source notebook
(``assignments/source/``, so every release notebook too) therefore starts its code with one small
cell that does nothing where ``course_pkg`` is importable (the course's environment, the grading
sandbox, a learner who ran the documented ``pip install``) and otherwise installs it, printing one
line, with the extras that notebook needs::

    pip install "course_pkg[chapters,keras] @ git+<repository.url>@<repository.branch>"

The address is written into the cells from ``repository.url`` and ``repository.branch`` in
``_config.yml``, the one setting a fork changes: change it, run ``make book`` (which runs this
tool first), and every cell, the README's commands and the site's launch buttons point at the fork.
The test suite fails while any notebook's cell disagrees with ``_config.yml``.

**Extras.** Chapters get ``chapters`` (pandas, ipywidgets: what their code imports beyond the base);
a notebook whose code imports Keras, TensorFlow, KerasTuner or ``course_pkg.keras_nn`` also gets
``keras``. Assignment notebooks get only what they import (the NumPy ones: none). The extras never
include JupyterLab: on Colab the cell must not replace Colab's own Jupyter.

**Installing from elsewhere.** When the environment variable ``INSTALL_COURSE_PKG_FROM`` is set, the
cell installs from it instead of the repository: a wheel file, a project folder (a clone of the
repository), or any address pip accepts after ``course_pkg @`` (for example a fork's
``git+https://github.com/you/your-fork@your-branch``). The tests point it at a freshly built wheel.

**Hidden on the site.** The cell is tagged ``remove-cell``: the page is for reading, and the cell is
plumbing that matters only where the notebook runs (Colab, Binder, a download), and there it is, in
every copy of the notebook. ``hide-cell`` would put a "show code" toggle about installing into every
chapter page. The learner's download keeps it (see ``book/_ext/learner_downloads.py``).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The repository address the course's own ``_config.yml`` carries until someone publishes it: no
#: public repository is known under this name, so launch buttons and install commands built from it
#: do not work. The build and this tool say so while it is unchanged.
PLACEHOLDER_URL = "https://github.com/nn-course/nn-course"
#: The variable that makes the cell install from a wheel, folder or address of your choice.
SOURCE_VARIABLE = "INSTALL_COURSE_PKG_FROM"
#: Tag and id that mark the set-up cell (``remove-cell`` hides it on the site).
SETUP_TAG = "course-setup"
SETUP_TAGS = ["remove-cell", SETUP_TAG]

_KERAS_MODULES = ("keras", "tensorflow", "keras_tuner", "course_pkg.keras_nn")
_README_BEGIN = "<!-- install-commands: written by `make setup-cells` from _config.yml; edit that, not this block -->"
_README_END = "<!-- /install-commands -->"


# --------------------------------------------------------------------------------------------------
# The repository, from _config.yml
# --------------------------------------------------------------------------------------------------


def repository(config_path: str | Path = ROOT / "_config.yml") -> tuple[str, str]:
    """Return ``(url, branch)`` from the ``repository`` section of a Jupyter Book ``_config.yml``.

    Raises
    ------
    ValueError
        If ``repository.url`` is missing or is not an ``https://`` address.
    """
    import yaml  # noqa: PLC0415 - the course environment has it; the cells themselves never need it

    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    section = config.get("repository") or {}
    url = str(section.get("url") or "").strip().rstrip("/")
    if not url.startswith("https://"):
        raise ValueError(f"setup_cells: expected repository.url in {config_path} as an https:// address; "
                         f"got {url or 'nothing'!r}. Set it to the address of your repository.")
    branch = str(section.get("branch") or "main").strip()
    return url, branch


def placeholder_warning(url: str) -> str | None:
    """The warning to print while ``url`` is still the placeholder, else None."""
    if url.rstrip("/") != PLACEHOLDER_URL:
        return None
    return (f"warning: repository.url in _config.yml is still the placeholder {PLACEHOLDER_URL}: the Colab and "
            "Binder buttons, the notebooks' set-up cells and the install commands point at a repository that "
            "does not exist. Set repository.url (and repository.branch) to your repository, then run `make book`.")


def pip_requirement(url: str, branch: str, extras=()) -> str:
    """``course_pkg[extras] @ git+<url>@<branch>``: what pip installs from the repository.

    >>> pip_requirement("https://github.com/you/nn", "main", ["notebook"])
    'course_pkg[notebook] @ git+https://github.com/you/nn@main'
    """
    return f"{_with_extras(extras)} @ git+{url}@{branch}"


def _with_extras(extras) -> str:
    return f"course_pkg[{','.join(extras)}]" if extras else "course_pkg"


# --------------------------------------------------------------------------------------------------
# The cell
# --------------------------------------------------------------------------------------------------


def cell_source(url: str, branch: str, extras=()) -> str:
    """The set-up cell's code: identical in every notebook apart from ``extras``."""
    requirement = _with_extras(extras)
    return f'''\
# Set-up: installs the course's package where it is missing (Colab, Binder, a plain Jupyter) and does
# nothing where it is installed. Written by `make setup-cells` from _config.yml: change that, not this.
import importlib, importlib.util, os, pathlib, subprocess, sys

if importlib.util.find_spec("course_pkg") is None:
    source = os.environ.get("{SOURCE_VARIABLE}") or "git+{url}@{branch}"
    if pathlib.Path(source).exists():  # a local wheel or project folder instead of the repository
        source = pathlib.Path(source).resolve().as_uri()
    print(f"Installing {requirement} from {{source}} (once, about a minute)")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", f"{requirement} @ {{source}}"],
                   check=True)
    importlib.invalidate_caches()'''


def _code_of(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _imported_modules(code: str) -> set[str]:
    """Every module a cell imports (IPython magics and shell lines skipped; unparsable cells ignored)."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def extras_for(notebook: dict, *, chapter: bool) -> tuple[str, ...]:
    """The extras a notebook's set-up cell installs: ``chapters`` for a chapter, ``keras`` where it is used."""
    extras = ["chapters"] if chapter else []
    modules = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and not is_setup_cell(cell):
            modules |= _imported_modules(_code_of(cell))
    if any(m == k or m.startswith(k + ".") for m in modules for k in _KERAS_MODULES):
        extras.append("keras")
    return tuple(extras)


def is_setup_cell(cell: dict) -> bool:
    """True for the set-up cell this tool writes (found by its tag)."""
    return SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)  # nbformat's on-disk form: a list of lines


def with_setup_cell(notebook: dict, source: str) -> dict:
    """Return ``notebook`` with exactly one set-up cell holding ``source``, just before its first other code cell."""
    cells = [c for c in notebook.get("cells", []) if not is_setup_cell(c)]
    cell = {"cell_type": "code", "execution_count": None, "id": SETUP_TAG,
            "metadata": {"tags": list(SETUP_TAGS)}, "outputs": [], "source": _lines(source)}
    first_code = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), len(cells))
    return {**notebook, "cells": [*cells[:first_code], cell, *cells[first_code:]]}


def setup_cell_problem(notebook: dict, source: str) -> str | None:
    """Why ``notebook`` lacks the current set-up cell, or None when it has it in the right place."""
    setups = [c for c in notebook.get("cells", []) if is_setup_cell(c)]
    if not setups:
        return "no set-up cell"
    if len(setups) > 1:
        return f"{len(setups)} set-up cells"
    first_code = next(c for c in notebook["cells"] if c.get("cell_type") == "code")
    if not is_setup_cell(first_code):
        return "the set-up cell is not the first code cell"
    if _code_of(setups[0]) != source:
        return "its set-up cell differs from the one _config.yml gives (run `make setup-cells`)"
    if setups[0].get("metadata", {}).get("tags") != SETUP_TAGS:
        return f"its set-up cell's tags are not {SETUP_TAGS}"
    return None


def notebooks(root: str | Path = ROOT) -> list[Path]:
    """The notebooks that carry a set-up cell: every chapter under ``book/``, every assignment source."""
    root = Path(root).resolve()
    found = [*root.glob("book/**/*.ipynb"), *root.glob("assignments/source/*/*.ipynb")]
    return sorted(p for p in found if not any(part.startswith((".", "_")) for part in p.relative_to(root).parts))


def _dump(notebook: dict) -> str:
    # The layout nbformat writes, so that a notebook already up to date is rewritten byte for byte.
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_cell(notebook: dict, path: str | Path, root: str | Path, url: str, branch: str) -> str:
    """The set-up cell the notebook at ``path`` (in the repository ``root``) should carry."""
    chapter = Path(path).resolve().relative_to(Path(root).resolve()).parts[0] == "book"
    return cell_source(url, branch, extras_for(notebook, chapter=chapter))


# --------------------------------------------------------------------------------------------------
# The README's install commands
# --------------------------------------------------------------------------------------------------


def readme_block(url: str, branch: str) -> str:
    """The README's generated install commands (between its two markers)."""
    name = url.rsplit("/", 1)[-1]
    return f"""{_README_BEGIN}
```bash
# read and run the NumPy chapters, or do a NumPy assignment, in JupyterLab on your machine
pip install "{pip_requirement(url, branch, ['notebook'])}"
# the same with the Keras track (chapter 7, Part II, the Keras assignments): TensorFlow is 0.2-0.6 GB more
pip install "{pip_requirement(url, branch, ['all'])}"
# only the package (scripts, or a Jupyter you already have)
pip install "{pip_requirement(url, branch)}"
# the full course environment (build the book, run the tests, grade): a clone and `make`
git clone {url}.git && cd {name} && make venv
```{_without_git(url, branch)}
{_README_END}"""


def _without_git(url: str, branch: str) -> str:
    """GitHub serves every branch as a zip archive: the same install for a machine without git."""
    if not url.startswith("https://github.com/"):
        return ""
    return ("\n\nWithout git (GitHub serves each branch as a zip archive):\n"
            f'`pip install "course_pkg[notebook] @ {url}/archive/refs/heads/{branch}.zip"`')


def _with_readme_block(text: str, block: str) -> str | None:
    pattern = re.compile(re.escape(_README_BEGIN) + r".*?" + re.escape(_README_END), re.S)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda _: block, text, count=1)


# --------------------------------------------------------------------------------------------------
# Write or check
# --------------------------------------------------------------------------------------------------


def problems(root: str | Path = ROOT) -> list[str]:
    """Everything under ``root`` that disagrees with its ``_config.yml``; empty when all agree."""
    root = Path(root).resolve()
    url, branch = repository(root / "_config.yml")
    found = []
    for path in notebooks(root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        problem = setup_cell_problem(notebook, expected_cell(notebook, path, root, url, branch))
        if problem:
            found.append(f"{path.relative_to(root)}: {problem}")
    readme = root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        updated = _with_readme_block(text, readme_block(url, branch))
        if updated is None:
            found.append("README.md: no install-commands block (its two marker lines are missing)")
        elif updated != text:
            found.append("README.md: its install commands differ from the ones _config.yml gives")
    return found


def write(root: str | Path = ROOT) -> list[Path]:
    """Bring every set-up cell and the README's commands in line with ``_config.yml``; return what changed."""
    root = Path(root).resolve()
    url, branch = repository(root / "_config.yml")
    changed = []
    for path in notebooks(root):
        text = path.read_text(encoding="utf-8")
        notebook = json.loads(text)
        if setup_cell_problem(notebook, expected_cell(notebook, path, root, url, branch)) is None:
            continue  # untouched: its modification time (and the book's execution cache) stay valid
        updated = with_setup_cell(notebook, expected_cell(notebook, path, root, url, branch))
        path.write_text(_dump(updated), encoding="utf-8")
        changed.append(path)
    readme = root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        updated = _with_readme_block(text, readme_block(url, branch))
        if updated is not None and updated != text:
            readme.write_text(updated, encoding="utf-8")
            changed.append(readme)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 listing disagreements")
    parser.add_argument("--root", default=str(ROOT), help="the repository (default: this one)")
    args = parser.parse_args(argv)
    url, _ = repository(Path(args.root) / "_config.yml")
    warning = placeholder_warning(url)
    if warning:
        print(warning, file=sys.stderr)
    if args.check:
        found = problems(args.root)
        for line in found:
            print(line)
        return 1 if found else 0
    for path in write(args.root):
        print(f"set-up cell / install commands updated: {path.relative_to(Path(args.root).resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
