"""The top level of course_pkg: every sub-module is listed, and loads on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import course_pkg

PACKAGE_DIR = Path(course_pkg.__file__).parent
# Modules run from the command line (python -m course_pkg ...), not imported by learners.
COMMAND_LINE = {"__main__", "doctor", "benchmarks"}
LAZY = [name for name in course_pkg.__all__ if name not in ("__version__", "fast_mode", "settings")]


def test_every_public_submodule_is_listed():
    found = {path.stem for path in PACKAGE_DIR.glob("*.py")} | {
        path.parent.name for path in PACKAGE_DIR.glob("*/__init__.py")
    }
    public = {name for name in found if not name.startswith("_")} - COMMAND_LINE - {"__init__"}
    assert public == set(LAZY) | {"settings"}
    assert set(course_pkg.__all__) <= set(dir(course_pkg))


def test_submodules_load_on_first_use():
    code = (
        "import sys, course_pkg\n"
        f"lazy = {LAZY!r}\n"
        "early = [name for name in lazy if f'course_pkg.{name}' in sys.modules]\n"
        "assert not early, f'imported by import course_pkg: {early}'\n"
        "assert course_pkg.diagrams.mlp([2, 3, 1]).text.startswith('<svg')\n"
        "assert 'course_pkg.diagrams' in sys.modules and 'course_pkg.keras_nn' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
