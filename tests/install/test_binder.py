"""The Binder configuration (``binder/``): the files repo2docker reads, and that its requirements resolve.

repo2docker reads only ``binder/`` once that folder exists: ``runtime.txt`` names the Python version,
and it runs ``pip install -r binder/requirements.txt`` in the repository root. The resolution is checked
the same way, offline: ``pip install --dry-run --ignore-installed --no-index`` against the wheelhouse
(``make wheelhouse``), from the repository root, as if into an empty environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
WHEELHOUSE = ROOT / "_build" / "wheelhouse"


def _lock() -> dict[str, str]:
    """name -> pinned version, from requirements.txt."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def test_runtime_names_a_python_the_package_supports():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"repo2docker expects python-3.X; got {runtime!r}"
    assert int(match[1]) >= 11


def test_requirements_install_the_package_itself_at_the_locks_versions():
    lines = [line.split("#", 1)[0].strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert "-c ../requirements.txt" in lines, "Binder runs the versions CI tests"
    assert (BINDER / "../requirements.txt").resolve().is_file()
    project = [line for line in lines if line.startswith(".[")]
    assert project, "binder/requirements.txt must install course_pkg from the checkout (repo2docker runs pip in the root)"
    extras = set(project[0][2:-1].split(","))
    assert {"chapters", "keras-cpu"} <= extras


def test_requirements_resolve_offline():
    if not (WHEELHOUSE / ".complete").is_file():
        pytest.skip(f"no wheelhouse at {WHEELHOUSE}: run `make wheelhouse` (needs the package index once)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index", "--find-links",
         str(WHEELHOUSE), "--quiet", "--report", "-", "-r", "binder/requirements.txt"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"binder/requirements.txt does not resolve:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    chosen = {re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower(): item["metadata"]["version"]
              for item in json.loads(result.stdout)["install"]}
    for name in ("course-pkg", "tensorflow-cpu", "keras", "keras-tuner", "pandas", "ipywidgets", "numpy"):
        assert name in chosen, f"{name} is not installed by binder/requirements.txt"
    assert "tensorflow" not in chosen, "Binder has no GPU: only TensorFlow's CPU build"
    pins = _lock()
    differ = {n: (v, pins[n]) for n, v in chosen.items() if n in pins and pins[n] != v}
    assert not differ, f"versions other than requirements.txt's: {differ}"
