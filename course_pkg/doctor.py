"""``python -m course_pkg doctor``: is this machine ready for the course, and if not, what to do.

The checks are plain functions returning :class:`Check` rows, so the report
can be tested without running the command; :func:`format_report` turns them
into text and :func:`main` prints it and returns the exit code (0 when
nothing needs fixing, 1 otherwise).

Versions are read from the installed distributions' metadata
(``importlib.metadata``): TensorFlow is only imported when ``--tf`` asks
for its device list, because importing it takes several seconds.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
from typing import Callable, NamedTuple, Sequence, TextIO

from course_pkg import settings

__all__ = [
    "Check",
    "installed_version",
    "check_packages",
    "check_backend",
    "check_gpus",
    "check_data",
    "check_fast_mode",
    "collect_sections",
    "run_checks",
    "problems",
    "format_report",
    "main",
]

# One pip command fixes every missing or wrong package: the pinned, tested set.
_REINSTALL = "Run `make venv`, or `pip install -r requirements.txt` inside the course's virtual environment."

# Distributions that provide each package (the first installed one is reported).
_TENSORFLOW_DISTS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel", "tf-nightly")
_CUPY_DISTS = ("cupy-cuda12x", "cupy-cuda13x", "cupy-cuda11x", "cupy")


class Check(NamedTuple):
    """One line of the doctor's report.

    Attributes
    ----------
    name : str
        What was checked, e.g. ``"TensorFlow"``.
    ok : bool
        False when something needs fixing.
    detail : str
        What was found (a version, a path, a device list).
    fix : str
        What to do when ``ok`` is False; empty otherwise.
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""


def installed_version(dists: Sequence[str]) -> tuple[str, str] | None:
    """Return (distribution, version) of the first of ``dists`` that is installed, or None.

    >>> installed_version(["no-such-distribution", "numpy"])[0]
    'numpy'
    """
    for dist in dists:
        try:
            return dist, importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _major_minor(version: str) -> tuple[int, int]:
    match = re.match(r"(\d+)(?:\.(\d+))?", version)
    if match is None:
        return (0, 0)
    return int(match.group(1)), int(match.group(2) or 0)


def _package(
    name: str,
    dists: Sequence[str],
    *,
    required: bool,
    why: str,
    version_problem: Callable[[tuple[int, int]], str | None] | None = None,
    version_of: Callable[[Sequence[str]], tuple[str, str] | None],
) -> Check:
    found = version_of(dists)
    if found is None:
        if not required:
            return Check(name, True, f"not installed (optional: {why})")
        return Check(name, False, f"not installed ({why})", _REINSTALL)
    dist, version = found
    detail = version if dist == dists[0] else f"{version} ({dist})"
    if version_problem is not None:
        problem = version_problem(_major_minor(version))
        if problem:
            return Check(name, False, f"{detail}: {problem}", _REINSTALL)
    return Check(name, True, detail)


def check_packages(version_of=installed_version) -> list[Check]:
    """Python and the versions of the packages the course uses.

    Parameters
    ----------
    version_of : callable, default installed_version
        Where versions are read: ``version_of(dists)`` returns (distribution, version) of the
        first installed of ``dists``, or None. The default reads this environment; another
        function describes another installation (the tests use one).

    Returns
    -------
    list of Check
        Python, NumPy, SciPy, scikit-learn, matplotlib, pandas, TensorFlow
        (any of its distributions, e.g. ``tensorflow-cpu``), Keras, nbgrader,
        jupyter-book and CuPy. Missing required packages, Keras 2,
        TensorFlow older than 2.16 and jupyter-book 2 or newer are problems.
    """
    python_ok = sys.version_info >= (3, 10)
    package = functools.partial(_package, version_of=version_of)
    checks = [
        Check(
            "Python",
            python_ok,
            f"{platform.python_version()} ({sys.executable})",
            "" if python_ok else "The course needs Python 3.10 or newer: create .venv with a newer python3.",
        ),
        package("NumPy", ["numpy"], required=True, why="the whole course"),
        package("SciPy", ["scipy"], required=False, why="used by scikit-learn"),
        package("scikit-learn", ["scikit-learn"], required=True, why="data sets and comparisons"),
        package("matplotlib", ["matplotlib"], required=True, why="every figure"),
        package("pandas", ["pandas"], required=False, why="history tables in the Keras part"),
        package(
            "TensorFlow",
            _TENSORFLOW_DISTS,
            required=True,
            why="the Keras part of the course",
            version_problem=lambda v: "Keras 3 needs TensorFlow 2.16 or newer" if v < (2, 16) else None,
        ),
        package(
            "Keras",
            ["keras"],
            required=True,
            why="the Keras part of the course",
            version_problem=lambda v: "this course is written for Keras 3" if v < (3, 0) else None,
        ),
        package("nbgrader", ["nbgrader"], required=True, why="the assignments and their grading"),
        package(
            "jupyter-book",
            ["jupyter-book"],
            required=True,
            why="building the book",
            version_problem=lambda v: "this course needs jupyter-book<2 (v2 is a different tool)"
            if v >= (2, 0)
            else None,
        ),
        package("CuPy", _CUPY_DISTS, required=False, why="the NumPy track on a GPU"),
    ]
    return checks


def check_backend() -> list[Check]:
    """The NumPy track's array backend: ``COURSE_DEVICE`` and whether CuPy sees a GPU.

    Returns
    -------
    list of Check
        ``COURSE_DEVICE`` (an unknown value is a problem), ``CuPy + CUDA``,
        and the array module the track will use; ``COURSE_DEVICE=gpu``
        without CuPy and a CUDA device is a problem.
    """
    from course_pkg.numpy_nn import backend  # noqa: PLC0415

    checks = []
    try:
        device = settings.device()
    except ValueError as err:
        checks.append(
            Check(
                "COURSE_DEVICE",
                False,
                str(err),
                f"Set COURSE_DEVICE to one of {', '.join(settings.DEVICE_CHOICES)}, or unset it (cpu).",
            )
        )
        return checks
    checks.append(Check("COURSE_DEVICE", True, device if settings.is_set("COURSE_DEVICE") else "cpu (unset, the default)"))
    has_gpu = backend.cupy_available()
    checks.append(
        Check(
            "CuPy + CUDA",
            True,
            "CuPy sees a CUDA device" if has_gpu else "no (CuPy missing or no CUDA device)",
        )
    )
    if device == "gpu" and not has_gpu:
        checks.append(
            Check(
                "array module",
                False,
                "COURSE_DEVICE=gpu but no CUDA device is usable by CuPy",
                "Install the GPU extras (`make install-gpu`, or pip install -r requirements-gpu.txt) on a "
                "machine with an NVIDIA GPU, or set COURSE_DEVICE=cpu.",
            )
        )
    else:
        module = "cupy" if device != "cpu" and has_gpu else "numpy"
        checks.append(Check("array module", True, module))
    return checks


def _nvidia_gpus() -> tuple[bool, str]:
    """(ok, detail) from ``nvidia-smi -L``, without importing any framework."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return True, "nvidia-smi not found: no NVIDIA driver, CPU only"
    try:
        result = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return True, f"nvidia-smi did not answer ({err})"
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        message = (result.stderr or result.stdout).strip().splitlines()
        return True, f"nvidia-smi found no GPU ({message[0] if message else f'exit {result.returncode}'})"
    return True, "; ".join(lines)


def check_gpus(*, with_tf: bool = False) -> list[Check]:
    """GPUs visible to the NVIDIA driver and, with ``with_tf``, to TensorFlow.

    Parameters
    ----------
    with_tf : bool, default False
        Also import TensorFlow (several seconds) and list ``tf.config``'s
        physical devices.

    Returns
    -------
    list of Check
        ``nvidia-smi`` (never a problem: a CPU-only machine is fine), and
        ``TensorFlow devices`` when asked for (a failing import is a problem).
    """
    ok, detail = _nvidia_gpus()
    checks = [Check("nvidia-smi", ok, detail)]
    if with_tf:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        try:
            import tensorflow as tf  # noqa: PLC0415 - only with --tf

            devices = tf.config.list_physical_devices()
            listed = ", ".join(f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}" for d in devices)
            checks.append(Check("TensorFlow devices", True, listed or "none"))
        except Exception as err:  # ImportError, or a broken CUDA installation
            failed = f"import failed: {type(err).__name__}: {err}"
            checks.append(Check("TensorFlow devices", False, failed, _REINSTALL))
    return checks


def check_data() -> list[Check]:
    """Which data sets can be loaded offline.

    The scikit-learn tables are loaded for real; MNIST is searched where
    :func:`course_pkg.data.load_mnist` looks and, when found, loaded once to
    validate the file.

    Returns
    -------
    list of Check
        One per scikit-learn table and one for MNIST; a missing or broken
        MNIST file is a problem, with the way to provide it.
    """
    from course_pkg import data  # noqa: PLC0415

    checks = []
    for name, loader in (
        ("digits", data.load_digits),
        ("iris", data.load_iris),
        ("breast_cancer", data.load_breast_cancer),
    ):
        try:
            X, _ = loader()
            checks.append(Check(name, True, f"X {X.shape}, bundled with scikit-learn"))
        except Exception as err:  # a broken scikit-learn installation
            checks.append(Check(name, False, f"cannot load: {type(err).__name__}: {err}", _REINSTALL))

    path = data.mnist_available()
    if path is None:
        looked = ", ".join(str(p) for _, p in data.mnist_search_paths())
        if settings.data_dir() is None:
            looked += "; COURSE_DATA_DIR is not set"
        checks.append(
            Check(
                "MNIST",
                False,
                f"not found offline (looked in {looked})",
                "Set COURSE_DATA_DIR to a folder holding mnist.npz (`make` sets it when it finds the "
                "course's offline mirror beside the repository), or run "
                "`python -c \"import keras; keras.datasets.mnist.load_data()\"` once with internet.",
            )
        )
        return checks
    try:
        (x_train, _), (x_test, _) = data.load_mnist(data_dir=path)
    except (OSError, ValueError) as err:
        checks.append(Check("MNIST", False, f"{path} is unusable", str(err)))
    else:
        sizes = f"train {x_train.shape[0]}, test {x_test.shape[0]} images"
        checks.append(Check("MNIST", True, f"{path} ({sizes})"))
    return checks


def check_fast_mode() -> list[Check]:
    """Whether ``COURSE_FAST`` is on (informational: both states are fine)."""
    try:
        on = settings.fast_mode()
    except ValueError as err:
        return [Check("COURSE_FAST", False, str(err), "Set COURSE_FAST=1 for fast mode, or unset it.")]
    if on:
        return [Check("COURSE_FAST", True, "on: fewer epochs and less data (CI, quick builds)")]
    return [Check("COURSE_FAST", True, "off: full data and epochs (the published book)")]


def collect_sections(*, with_tf: bool = False) -> list[tuple[str, list[Check]]]:
    """Run every check, grouped under the report's section titles.

    Parameters
    ----------
    with_tf : bool, default False
        Import TensorFlow to list its devices (see :func:`check_gpus`).

    Returns
    -------
    list of (str, list of Check)
    """
    return [
        ("Python and packages", check_packages()),
        ("NumPy-track backend", check_backend()),
        ("GPUs", check_gpus(with_tf=with_tf)),
        ("Data sets (offline)", check_data()),
        ("Fast mode", check_fast_mode()),
    ]


def run_checks(*, with_tf: bool = False) -> list[Check]:
    """Every check of :func:`collect_sections`, in one flat list."""
    return [check for _, checks in collect_sections(with_tf=with_tf) for check in checks]


def problems(checks: Sequence[Check]) -> list[Check]:
    """The checks that failed (``ok`` is False)."""
    return [check for check in checks if not check.ok]


def format_report(sections: Sequence[tuple[str, Sequence[Check]]]) -> str:
    """Write the sections as the text ``python -m course_pkg doctor`` prints.

    Examples
    --------
    >>> print(format_report([("Demo", [Check("thing", False, "missing", "install it")])]))
    course_pkg doctor
    <BLANKLINE>
    Demo
      [!!] thing         missing
    <BLANKLINE>
    1 problem:
      - thing: missing
        fix: install it
    """
    lines = ["course_pkg doctor"]
    width = max((len(c.name) for _, checks in sections for c in checks), default=0)
    width = max(width, 12)
    for title, checks in sections:
        lines += ["", title]
        for check in checks:
            lines.append(f"  {'[ok]' if check.ok else '[!!]'} {check.name:<{width}}  {check.detail}")
    found = problems([c for _, checks in sections for c in checks])
    lines.append("")
    if not found:
        lines.append("No problems found: this machine is ready for the course.")
    else:
        lines.append(f"{len(found)} problem{'s' if len(found) > 1 else ''}:")
        for check in found:
            lines.append(f"  - {check.name}: {check.detail}")
            lines.append(f"    fix: {check.fix}")
    return "\n".join(lines)


def main(*, with_tf: bool = False, stream: TextIO | None = None) -> int:
    """Print the report; return 0 when there is nothing to fix, 1 otherwise."""
    sections = collect_sections(with_tf=with_tf)
    print(format_report(sections), file=stream or sys.stdout)
    return 1 if problems([c for _, checks in sections for c in checks]) else 0
