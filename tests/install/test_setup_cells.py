"""The notebooks' set-up cell and the README's install commands, written from ``_config.yml`` (``tools/setup_cells.py``).

The first test is the guard a fork relies on: every chapter and assignment notebook carries the set-up
cell that ``repository.url`` gives, so changing that one setting and running ``make book`` (which runs
``make setup-cells``) is all a fork does. The others pin down the tool on copies, and the cell's
behaviour in the course environment. Installing from a wheel into an environment without course_pkg
is in ``test_fresh_install.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import setup_cells  # noqa: E402  (the tool under test)

NUMPY_CHAPTER = "book/part1/02_neurons.ipynb"
KERAS_CHAPTER = "book/part2/08_sequential.ipynb"
NUMPY_ASSIGNMENT = "assignments/source/forward_pass/forward_pass.ipynb"
FORK = "https://github.com/someone/their-fork"


def test_every_notebook_and_the_readme_agree_with_config_yml():
    found = setup_cells.problems(ROOT)
    assert not found, ("these disagree with repository.url in _config.yml; run `make setup-cells`:\n"
                       + "\n".join(found))


def test_the_notebooks_are_the_chapters_and_the_assignment_sources():
    names = {p.relative_to(ROOT).as_posix() for p in setup_cells.notebooks(ROOT)}
    assert {NUMPY_CHAPTER, KERAS_CHAPTER, NUMPY_ASSIGNMENT} <= names
    assert all(n.startswith(("book/", "assignments/source/")) for n in names)
    assert not any("/_" in n or "/." in n for n in names)


@pytest.fixture
def fork(tmp_path):
    """A copy of a few notebooks, the README and _config.yml, as a fork would have them."""
    for name in (NUMPY_CHAPTER, KERAS_CHAPTER, NUMPY_ASSIGNMENT, "README.md", "_config.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    config = tmp_path / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert f"url: {setup_cells.PLACEHOLDER_URL}" in text or "url: https://" in text
    url, _ = setup_cells.repository(config)
    config.write_text(text.replace(f"url: {url}", f"url: {FORK}").replace("branch: main", "branch: course-2027"),
                      encoding="utf-8")
    return tmp_path


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_fork_changes_one_setting_and_every_cell_follows(fork):
    before = {p: _notebook(p) for p in setup_cells.notebooks(fork)}
    assert len(before) == 3 and len(setup_cells.problems(fork)) >= 1

    changed = setup_cells.write(fork)

    assert setup_cells.problems(fork) == []
    assert set(changed) <= {*before, fork / "README.md"}
    for path, old in before.items():
        new = _notebook(path)
        setup = [c for c in new["cells"] if setup_cells.is_setup_cell(c)]
        assert len(setup) == 1
        code = "".join(setup[0]["source"])
        assert f'"git+{FORK}@course-2027"' in code and setup_cells.PLACEHOLDER_URL not in code
        assert setup[0]["metadata"]["tags"] == ["remove-cell", "course-setup"]
        # Everything else is untouched, and the set-up cell comes first among the code cells.
        others = [c for c in new["cells"] if not setup_cells.is_setup_cell(c)]
        assert others == [c for c in old["cells"] if not setup_cells.is_setup_cell(c)]
        first_code = next(i for i, c in enumerate(new["cells"]) if c["cell_type"] == "code")
        assert setup_cells.is_setup_cell(new["cells"][first_code])
    readme = (fork / "README.md").read_text(encoding="utf-8")
    assert f'pip install "course_pkg[notebook] @ git+{FORK}@course-2027"' in readme
    assert f"git clone {FORK}.git && cd their-fork && make venv" in readme


def test_writing_twice_changes_nothing_the_second_time(fork):
    setup_cells.write(fork)
    stamps = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in [*setup_cells.notebooks(fork), fork / "README.md"]}
    assert setup_cells.write(fork) == []
    assert stamps == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in stamps}


def test_check_mode_lists_what_disagrees_and_changes_nothing(fork):
    before = {p: p.read_bytes() for p in setup_cells.notebooks(fork)}
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "setup_cells.py"), "--check", "--root", str(fork)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "book/part1/02_neurons.ipynb: " in result.stdout
    assert before == {p: p.read_bytes() for p in before}


def test_a_stale_cell_is_reported_then_replaced_in_place(fork):
    setup_cells.write(fork)
    chapter = fork / NUMPY_CHAPTER
    notebook = _notebook(chapter)
    setup = next(c for c in notebook["cells"] if setup_cells.is_setup_cell(c))
    setup["source"] = ["print('an edited set-up cell')\n"]
    chapter.write_text(json.dumps(notebook), encoding="utf-8")
    assert setup_cells.problems(fork) == [f"{NUMPY_CHAPTER}: its set-up cell differs from the one _config.yml "
                                          "gives (run `make setup-cells`)"]
    setup_cells.write(fork)
    assert setup_cells.problems(fork) == []
    assert sum(setup_cells.is_setup_cell(c) for c in _notebook(chapter)["cells"]) == 1


def test_each_notebook_gets_the_extras_its_code_imports(fork):
    setup_cells.write(fork)

    def extras(name):
        code = "".join(next(c for c in _notebook(fork / name)["cells"] if setup_cells.is_setup_cell(c))["source"])
        return code.split('"--quiet", f"', 1)[1].split(" @ ", 1)[0]

    assert extras(NUMPY_CHAPTER) == "course_pkg[chapters]"
    assert extras(KERAS_CHAPTER) == "course_pkg[chapters,keras]"
    assert extras(NUMPY_ASSIGNMENT) == "course_pkg"


def test_cells_are_identical_apart_from_the_extras():
    cells = {setup_cells.cell_source(FORK, "main", extras) for extras in [(), ("chapters",), ("chapters", "keras")]}
    normalised = {c.replace("[chapters,keras]", "").replace("[chapters]", "") for c in cells}
    assert len(cells) == 3 and len(normalised) == 1


def test_repository_must_be_an_https_address(tmp_path):
    (tmp_path / "_config.yml").write_text("repository:\n  url: git@github.com:x/y.git\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"expected repository.url .* as an https:// address; got 'git@github"):
        setup_cells.repository(tmp_path / "_config.yml")


def test_the_cell_does_nothing_where_course_pkg_is_installed(tmp_path):
    """In the course environment (this interpreter) the cell neither prints nor calls pip."""
    code = setup_cells.cell_source(FORK, "main", ("chapters",))
    env = dict(os.environ, INSTALL_COURSE_PKG_FROM=str(tmp_path / "no-such.whl"), PIP_NO_INDEX="1")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "pip" not in result.stderr
