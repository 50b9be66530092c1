"""A fresh laptop: course_pkg's wheel in a clean virtualenv outside the repository, installed with no network.

What a learner does after reading the README, with the freshly built wheel standing in for the
repository address (``pip install "course_pkg[notebook] @ <wheel>"``):

- a NumPy chapter executes from a temporary folder, importing ``course_pkg`` from the virtualenv, never
  from this checkout (the test looks at ``course_pkg.__file__`` and ``sys.path`` inside the kernel);
- the solution of a NumPy assignment passes its visible checks there;
- a release notebook's set-up cell, in a Jupyter kernel without ``course_pkg``, installs it from a wheel
  or a project folder (``INSTALL_COURSE_PKG_FROM``), after which the notebook imports it; run again, it
  does nothing.

Offline by construction: pip gets ``--no-index`` (``PIP_NO_INDEX``) and finds every dependency in the
wheelhouse that ``make wheelhouse`` filled from the package index beforehand (``make test`` runs it),
with the pinned versions of ``requirements.txt``; pip's configuration files are ignored
(``PIP_CONFIG_FILE`` is the null device) and ``HOME`` is a temporary folder. Without a wheelhouse the
tests skip and say how to make one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_dist  # noqa: E402
import setup_cells  # noqa: E402

WHEELHOUSE = ROOT / "_build" / "wheelhouse"
NUMPY_CHAPTER = ROOT / "book" / "part1" / "02_neurons.ipynb"
NUMPY_ASSIGNMENT = ROOT / "assignments" / "source" / "forward_pass" / "forward_pass.ipynb"
PROBE = ("import json, os, sys, course_pkg\n"
         "print('PROBE ' + json.dumps({'file': course_pkg.__file__, 'path': sys.path, 'cwd': os.getcwd()}))")

pytestmark = pytest.mark.install


@pytest.fixture(scope="module")
def wheelhouse():
    if not (WHEELHOUSE / ".complete").is_file():
        pytest.skip(f"no wheelhouse at {WHEELHOUSE}: run `make wheelhouse` (needs the package index once)")
    return WHEELHOUSE


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A folder outside the repository for everything these tests make."""
    folder = tmp_path_factory.mktemp("fresh_laptop")
    assert ROOT not in folder.resolve().parents, "the fresh laptop must live outside the checkout"
    (folder / "home").mkdir()
    return folder


@pytest.fixture(scope="module")
def dist(outside):
    """The sdist and wheel, built as `make dist` builds them."""
    sdist, wheel = build_dist.build(outside / "dist")
    return sdist, wheel


def clean_env(outside: Path, wheelhouse: Path, venv: Path | None = None, **extra) -> dict:
    """An environment with nothing of this checkout or this machine's pip/Jupyter set-up in it."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "JUPYTER", "PYTHON", "VIRTUAL_ENV", "COURSE_", "KERAS_", "IPYTHON"))}
    env.update(HOME=str(outside / "home"), PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(wheelhouse), PIP_DISABLE_PIP_VERSION_CHECK="1", COURSE_OFFLINE="1",
               COURSE_FAST="1", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run(command, *, cwd: Path, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def new_venv(path: Path, outside: Path, wheelhouse: Path) -> Path:
    # The interpreter that runs the tests makes the venv; `venv` bases it on the real interpreter, so
    # nothing of the course's .venv (or its editable course_pkg) is visible in it.
    run([sys.executable, "-m", "venv", path], cwd=outside, env=clean_env(outside, wheelhouse))
    return path


@pytest.fixture(scope="module")
def laptop(outside, wheelhouse, dist):
    """A virtualenv with ``course_pkg[notebook]`` installed from the wheel, as the README says."""
    venv = new_venv(outside / "laptop", outside, wheelhouse)
    _, wheel = dist
    start = time.perf_counter()
    # --no-compile: pip's byte-compiling of every module is half the install time, and tells nothing here.
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile",
         f"course_pkg[notebook] @ {wheel.as_uri()}"], cwd=outside, env=clean_env(outside, wheelhouse, venv))
    print(f"\nfresh laptop: course_pkg[notebook] installed offline in {time.perf_counter() - start:.0f} s")
    return venv


def site_packages(venv: Path) -> Path:
    (path,) = venv.glob("lib/python3*/site-packages")
    return path


def execute(notebook: nbformat.NotebookNode, folder: Path, *, jupyter_venv: Path, env: dict,
            kernel: str = "python3") -> nbformat.NotebookNode:
    """Execute a notebook in ``folder`` with ``jupyter_venv``'s nbconvert and the kernel named ``kernel``."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "notebook.ipynb")
    run([jupyter_venv / "bin" / "jupyter-nbconvert", "--to", "notebook", "--execute", "--output", "executed.ipynb",
         f"--ExecutePreprocessor.kernel_name={kernel}", "--ExecutePreprocessor.timeout=600", "notebook.ipynb"],
        cwd=folder, env=env)
    return nbformat.read(folder / "executed.ipynb", as_version=4)


def text_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def probe_result(executed) -> dict:
    line = next(line for cell in executed.cells for line in text_of(cell).splitlines() if line.startswith("PROBE "))
    return json.loads(line[len("PROBE "):])


def with_setup_cell(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` with the set-up cell ``make setup-cells`` gives it (as the release will carry)."""
    url, branch = setup_cells.repository(ROOT / "_config.yml")
    raw = json.loads(path.read_text(encoding="utf-8"))
    updated = setup_cells.with_setup_cell(raw, setup_cells.expected_cell(raw, path, ROOT, url, branch))
    return nbformat.reads(json.dumps(updated), as_version=4)  # reads joins each source's lines, as nbgrader expects


def assert_not_from_checkout(probe: dict, venv: Path):
    assert Path(probe["file"]).is_relative_to(site_packages(venv)), probe["file"]
    inside = [p for p in probe["path"] if p and Path(p).resolve().is_relative_to(ROOT)]
    assert not inside, f"the checkout is on sys.path: {inside}"
    assert not Path(probe["cwd"]).resolve().is_relative_to(ROOT)


def test_the_wheel_installs_offline_with_nothing_from_the_checkout(laptop, outside, wheelhouse):
    env = clean_env(outside, wheelhouse, laptop)
    result = run([laptop / "bin" / "python", "-c", PROBE + "\nimport importlib.util as u\n"
                  "print('GRADER', u.find_spec('course_grader'), 'TF', u.find_spec('tensorflow'))"],
                 cwd=outside, env=env)
    probe = json.loads(result.stdout.split("PROBE ", 1)[1].splitlines()[0])
    assert_not_from_checkout(probe, laptop)
    assert "GRADER None TF None" in result.stdout, "the instructor's grader and TensorFlow are not in this install"
    run([laptop / "bin" / "python", "-m", "pip", "check"], cwd=outside, env=env)


def test_a_numpy_chapter_runs_from_a_temporary_folder(laptop, outside, wheelhouse):
    chapter = with_setup_cell(NUMPY_CHAPTER)
    chapter.cells.append(nbformat.v4.new_code_cell(PROBE))
    executed = execute(chapter, outside / "chapter", jupyter_venv=laptop,
                       env=clean_env(outside, wheelhouse, laptop))
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    setup = next(c for c in executed.cells if setup_cells.is_setup_cell(c))
    assert setup.outputs == [], "course_pkg is installed here: the set-up cell must do nothing"
    assert_not_from_checkout(probe_result(executed), laptop)


def test_a_numpy_assignment_solution_passes_its_visible_checks(laptop, outside, wheelhouse):
    assignment = with_setup_cell(NUMPY_ASSIGNMENT)
    assignment.cells.append(nbformat.v4.new_code_cell(PROBE))
    executed = execute(assignment, outside / "assignment", jupyter_venv=laptop,
                       env=clean_env(outside, wheelhouse, laptop))
    tests = [c for c in executed.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(tests) >= 5
    for cell in tests:
        assert "passed" in text_of(cell), f"{cell.metadata['nbgrader']['grade_id']}: {text_of(cell)!r}"
    assert_not_from_checkout(probe_result(executed), laptop)


def release_setup_path(path: Path) -> nbformat.NotebookNode:
    """A release notebook's opening: its set-up cell and the cell importing the checks, then the probe.

    The release is made by nbgrader's ClearSolutions, as ``course_grader release`` does; the set-up cell
    has no nbgrader metadata, so the release carries it unchanged.
    """
    from nbgrader.preprocessors import ClearSolutions

    release, _ = ClearSolutions().preprocess(with_setup_cell(path), {})
    first = next(i for i, c in enumerate(release.cells) if setup_cells.is_setup_cell(c))
    opening = release.cells[first:first + 2]
    assert "course_pkg" in opening[1].source, opening[1].source
    release.cells = [*opening, nbformat.v4.new_code_cell(PROBE)]
    return release


@pytest.fixture(scope="module")
def bare_kernel(outside, wheelhouse):
    """A Jupyter kernel with the scientific stack but no course_pkg, as on Colab; registered as kernel "bare"."""
    venv = new_venv(outside / "bare", outside, wheelhouse)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile", "ipykernel", "numpy",
         "matplotlib", "scikit-learn", "tqdm"], cwd=outside, env=clean_env(outside, wheelhouse, venv))
    spec = outside / "jupyter" / "kernels" / "bare"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bare", "language": "python"}), encoding="utf-8")
    return venv, outside / "jupyter"


@pytest.mark.parametrize("source", ["wheel", "project folder"])
def test_the_setup_cell_installs_course_pkg_where_it_is_missing(source, bare_kernel, laptop, dist, outside,
                                                                 wheelhouse, tmp_path):
    venv, jupyter_path = bare_kernel
    env = clean_env(outside, wheelhouse, laptop, JUPYTER_PATH=str(jupyter_path))
    # Each case starts without course_pkg, whichever ran before.
    subprocess.run([venv / "bin" / "python", "-m", "pip", "uninstall", "--quiet", "--yes", "course_pkg"],
                   cwd=outside, env=env, capture_output=True, timeout=300)
    sdist, wheel = dist
    if source == "wheel":
        where = wheel
    else:
        with tarfile.open(sdist) as archive:
            archive.extractall(tmp_path / "unpacked", filter="data")
        (where,) = (tmp_path / "unpacked").iterdir()
    env["INSTALL_COURSE_PKG_FROM"] = str(where)
    notebook = release_setup_path(NUMPY_ASSIGNMENT)

    first = execute(notebook, tmp_path / "first", jupyter_venv=laptop, env=env, kernel="bare")
    said = text_of(first.cells[0])
    assert said.startswith(f"Installing course_pkg from {where.resolve().as_uri()}"), said
    assert len(said.strip().splitlines()) == 1, f"the cell prints one line; got {said!r}"
    assert_not_from_checkout(probe_result(first), venv)

    again = execute(notebook, tmp_path / "again", jupyter_venv=laptop, env=env, kernel="bare")
    assert again.cells[0].outputs == [], "installed now: the cell does nothing"
