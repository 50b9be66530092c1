"""Build course_pkg's source distribution and wheel into a folder, offline: ``python tools/build_dist.py dist``.

What ``python -m build --no-isolation`` does, without needing the ``build`` package: the sdist is built
from the repository with setuptools' own build hooks (PEP 517), then unpacked in a temporary folder
and the wheel is built from that copy. Building the wheel from the sdist proves the sdist is complete
(a module setuptools leaves out of the sdist is then missing from the wheel too, and the tests that
install the wheel notice), and it leaves no ``build/`` folder in the repository.

It uses the setuptools of the interpreter that runs it (the course's ``.venv``), so it needs no
network. Prints the two paths it wrote.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a child process: setuptools' hooks read the current folder and leave state in the process.
_HOOK = "import sys; from setuptools import build_meta; print(getattr(build_meta, sys.argv[1])(sys.argv[2]))"


def _call_hook(hook: str, source: Path, out_dir: Path) -> Path:
    result = subprocess.run([sys.executable, "-c", _HOOK, hook, str(out_dir)], cwd=source,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"build_dist: setuptools' {hook} failed in {source}:\n{result.stdout}\n{result.stderr}")
    return out_dir / result.stdout.strip().splitlines()[-1]


def build(out_dir: str | Path, source: str | Path = ROOT) -> tuple[Path, Path]:
    """Build the sdist of ``source`` and a wheel from that sdist into ``out_dir``.

    Parameters
    ----------
    out_dir : str or path
        Folder for ``course_pkg-<version>.tar.gz`` and ``course_pkg-<version>-py3-none-any.whl``
        (created if missing; files of the same name are replaced).
    source : str or path, default the repository
        The project folder holding ``pyproject.toml``.

    Returns
    -------
    (Path, Path)
        The sdist and the wheel.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    sdist = _call_hook("build_sdist", Path(source), out_dir)
    with tempfile.TemporaryDirectory(prefix="course-sdist-") as tmp:
        with tarfile.open(sdist) as archive:
            archive.extractall(tmp, filter="data")
        (unpacked,) = Path(tmp).iterdir()
        wheel = _call_hook("build_wheel", unpacked, out_dir)
    return sdist, wheel


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "dist"), help="where to write (default: dist/)")
    args = parser.parse_args(argv)
    for path in build(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
