"""The line between the two audiences, checked on what is actually shipped: the course_pkg wheel that
learners install holds the formative checks and no grader, and course_pkg never imports the grader."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    """File names inside a course_pkg wheel built offline from a copy of the sources."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPOSITORY / name, source / name)
    shutil.copytree(REPOSITORY / "course_pkg", source / "course_pkg", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPOSITORY / "grader", source / "grader",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(work / "dist"), str(source)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = (work / "dist").glob("course_pkg-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_the_course_pkg_wheel_ships_the_checks_and_no_grader(wheel_names):
    assert "course_pkg/checks/forward_pass.py" in wheel_names
    core = {"course_pkg/checks/_core.py", "course_pkg/checks/wire.py", "course_pkg/checks/probes.py"}
    assert core <= set(wheel_names)
    grader = [n for n in wheel_names if "course_grader" in n or n.startswith("grader/")
              or re.search(r"/(pipeline|selftest|preprocessors|judge|sandbox|host|secret)\.py$", n)]
    assert grader == []


def test_course_pkg_never_imports_the_grader():
    offenders = []
    for path in (REPOSITORY / "course_pkg").rglob("*.py"):
        text = path.read_text()
        if re.search(r"^\s*(from|import)\s+course_grader", text, re.M):
            offenders.append(path.relative_to(REPOSITORY).as_posix())
    assert offenders == []


def test_ported_checks_hold_no_hidden_cases():
    """Hidden values come from the instructor secret, so nothing hidden is written in the checks."""
    from course_pkg.checks import ASSIGNMENTS

    for assignment in ASSIGNMENTS:
        text = (REPOSITORY / "course_pkg" / "checks" / f"{assignment}.py").read_text()
        assert "hidden=True" not in text and "hidden: bool" not in text and "BEGIN HIDDEN" not in text
        notebook = (REPOSITORY / "assignments" / "source" / assignment / f"{assignment}.ipynb").read_text()
        assert "BEGIN HIDDEN TESTS" not in notebook
