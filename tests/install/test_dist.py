"""course_pkg's distributions (``make dist``): what the wheel holds, and the metadata pip reads from it."""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import course_pkg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_dist  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    sdist, wheel = build_dist.build(tmp_path_factory.mktemp("dist"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
    return sdist, wheel, names, metadata


def test_names_and_version(built):
    sdist, wheel, _, metadata = built
    assert wheel.name == f"course_pkg-{course_pkg.__version__}-py3-none-any.whl"
    assert sdist.name == f"course_pkg-{course_pkg.__version__}.tar.gz"
    assert metadata["Version"] == course_pkg.__version__


def test_the_wheel_holds_every_module_of_course_pkg_and_nothing_else(built):
    _, _, names, _ = built
    in_checkout = {p.relative_to(ROOT).as_posix() for p in (ROOT / "course_pkg").rglob("*.py")
                   if "__pycache__" not in p.parts}
    packaged = {n for n in names if not n.startswith("course_pkg-")}
    assert packaged == in_checkout, (f"missing: {sorted(in_checkout - packaged)}; "
                                     f"extra: {sorted(packaged - in_checkout)}")
    assert not any(n.startswith(("course_grader", "grader/", "tests/", "book/")) for n in names)


def test_the_sdist_builds_the_same_package(built):
    sdist, _, names, _ = built
    with tarfile.open(sdist) as archive:
        members = {m.split("/", 1)[1] for m in archive.getnames() if "/" in m}
    assert {n for n in names if n.startswith("course_pkg/")} <= members
    assert not any(m.startswith(("grader/", "assignments/", "book/")) for m in members)


def test_metadata_python_and_extras(built):
    _, _, _, metadata = built
    assert metadata["Requires-Python"] == ">=3.11"
    extras = set(metadata.get_all("Provides-Extra"))
    assert {"chapters", "notebook", "keras", "keras-cpu", "all", "gpu"} <= extras
    requires = metadata.get_all("Requires-Dist")

    def of(extra):
        return {re.split(r"[<>=;\[ ]", r, maxsplit=1)[0].lower() for r in requires if f'extra == "{extra}"' in r}

    base = {re.split(r"[<>=;\[ ]", r, maxsplit=1)[0].lower() for r in requires if "extra ==" not in r}
    assert base == {"numpy", "matplotlib", "scikit-learn", "tqdm"}
    # Colab's preinstalled TensorFlow is the distribution `tensorflow`: the keras extra must name it.
    assert "tensorflow" in of("keras") and "tensorflow-cpu" not in of("keras")
    assert of("keras-cpu") == (of("keras") - {"tensorflow"}) | {"tensorflow-cpu"}
    assert {"pandas", "ipywidgets"} <= of("chapters") and "jupyterlab" not in of("chapters")
    assert "jupyterlab" in of("notebook")


def test_readme_states_the_same_python():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Python 3.11 or newer" in readme
    assert not re.search(r"3\.10", readme), "the README still mentions Python 3.10"
