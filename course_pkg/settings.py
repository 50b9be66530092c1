"""The course's settings: every ``COURSE_*`` environment variable, read here and nowhere else.

Each accessor reads its variable when it is called, not at import, so a test can set or remove a
variable (``monkeypatch.setenv``) and the next call sees it. An unset or empty variable means the
default. A value the accessor cannot read raises ``ValueError`` naming the variable, what it
accepts and what it got, rather than being taken silently as the default.

==========================  ======================================  ===================================
variable                    accessor                                meaning
==========================  ======================================  ===================================
``COURSE_FAST``             ``fast_mode() -> bool``                 CI's switch: chapters and graders
                                                                    shrink their work (epochs, data,
                                                                    searches). Library defaults never
                                                                    change with it; callers pass sizes
                                                                    (see ``course_pkg.book.budget``).
                                                                    Default off.
``COURSE_DATA_DIR``         ``data_dir() -> Path or None``          folder holding ``mnist.npz``, the
                                                                    first place ``load_mnist`` looks.
                                                                    Default: none.
``COURSE_DEVICE``           ``device() -> "cpu"/"gpu"/"auto"``      array backend of the NumPy track:
                                                                    NumPy, CuPy, or CuPy when a CUDA
                                                                    device is usable. Default ``cpu``.
``COURSE_OFFLINE``          ``offline() -> bool``                   forbid downloads (the Makefile, the
                                                                    CI script, the tests and the book
                                                                    build set it). Default off.
``COURSE_GRADER_TIMEOUT``   ``grader_timeout(default) -> int``      seconds per notebook cell when
                                                                    grading; overrides the per-
                                                                    assignment ``default``.
``COURSE_REQUIRE_BROWSER``  ``require_browser() -> bool``           the site tests fail, instead of
                                                                    skipping, when headless Chromium
                                                                    is missing. Default off.
==========================  ======================================  ===================================

Switches (``fast_mode``, ``offline``, ``require_browser``) accept ``1/true/yes/on`` and
``0/false/no/off`` in any case.

Examples
--------
>>> from course_pkg import settings
>>> settings.device() in settings.DEVICE_CHOICES
True
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "VARIABLES",
    "DEVICE_CHOICES",
    "is_set",
    "fast_mode",
    "data_dir",
    "device",
    "offline",
    "grader_timeout",
    "require_browser",
]

#: Every variable this module reads, with what it means (``python -m course_pkg doctor`` lists them).
VARIABLES = {
    "COURSE_FAST": "shrink chapters' and graders' work for CI (library defaults never change)",
    "COURSE_DATA_DIR": "folder holding mnist.npz",
    "COURSE_DEVICE": "array backend of the NumPy track: cpu, gpu or auto",
    "COURSE_OFFLINE": "forbid downloads",
    "COURSE_GRADER_TIMEOUT": "seconds per notebook cell when grading",
    "COURSE_REQUIRE_BROWSER": "site tests fail instead of skipping without Chromium",
}

DEVICE_CHOICES = ("cpu", "gpu", "auto")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _read(name: str) -> str:
    """The variable's value, stripped; ``""`` when it is unset."""
    if name not in VARIABLES:
        # A typo in a variable name here would silently read nothing: refuse unknown names.
        raise KeyError(f"settings: {name!r} is not a course setting; known: {', '.join(VARIABLES)}.")
    return os.environ.get(name, "").strip()


def _switch(name: str) -> bool:
    value = _read(name).lower()
    if value in _TRUE:
        return True
    if value in _FALSE or value == "":
        return False
    raise ValueError(
        f"settings: expected {name} to be one of {'/'.join(_TRUE)} or {'/'.join(_FALSE)}; got {value!r}. "
        f"Set it to 1 or 0, or unset it (off)."
    )


def is_set(name: str) -> bool:
    """Return True when the course variable ``name`` is set to a non-empty value.

    Examples
    --------
    >>> is_set("COURSE_GRADER_TIMEOUT") in (True, False)
    True
    """
    return _read(name) != ""


def fast_mode() -> bool:
    """Return True when ``COURSE_FAST`` is on: CI's switch for fewer epochs and less data.

    The book build, nbval and the autograder read this one switch. Library functions never change
    their defaults with it: a notebook says what shrinks with ``course_pkg.book.budget``.

    Raises
    ------
    ValueError
        If ``COURSE_FAST`` holds something other than a switch value (``1``, ``0``, ``true``, ...).
    """
    return _switch("COURSE_FAST")


def data_dir() -> Path | None:
    """Return the folder named by ``COURSE_DATA_DIR`` (``~`` expanded), or None when it is unset.

    The folder is not checked here: ``course_pkg.data.load_mnist`` says what it found there.
    """
    value = _read("COURSE_DATA_DIR")
    return Path(value).expanduser() if value else None


def device() -> str:
    """Return the NumPy track's device from ``COURSE_DEVICE``: ``"cpu"`` (default), ``"gpu"`` or ``"auto"``.

    Raises
    ------
    ValueError
        If ``COURSE_DEVICE`` names another device.
    """
    value = _read("COURSE_DEVICE").lower() or "cpu"
    if value not in DEVICE_CHOICES:
        raise ValueError(
            f"settings: expected COURSE_DEVICE to be one of {', '.join(DEVICE_CHOICES)}; got {value!r}. "
            "Set it to one of those, or unset it (cpu)."
        )
    return value


def offline() -> bool:
    """Return True when ``COURSE_OFFLINE`` is on: nothing may be downloaded.

    Raises
    ------
    ValueError
        If ``COURSE_OFFLINE`` holds something other than a switch value.
    """
    return _switch("COURSE_OFFLINE")


def grader_timeout(default: int) -> int:
    """Return the seconds allowed per notebook cell when grading.

    Parameters
    ----------
    default : int
        The assignment's own timeout, used when ``COURSE_GRADER_TIMEOUT`` is unset.

    Returns
    -------
    int
        ``COURSE_GRADER_TIMEOUT`` when set, else ``default``.

    Raises
    ------
    ValueError
        If ``COURSE_GRADER_TIMEOUT`` is not a whole number of seconds >= 1.

    Examples
    --------
    >>> grader_timeout(60) >= 1
    True
    """
    value = _read("COURSE_GRADER_TIMEOUT")
    if not value:
        return int(default)
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ValueError(
            f"settings: expected COURSE_GRADER_TIMEOUT as a whole number of seconds >= 1; got {value!r}. "
            "Unset it to use each assignment's own timeout."
        )
    return seconds


def require_browser() -> bool:
    """Return True when ``COURSE_REQUIRE_BROWSER`` is on: site tests fail without Chromium.

    Raises
    ------
    ValueError
        If ``COURSE_REQUIRE_BROWSER`` holds something other than a switch value.
    """
    return _switch("COURSE_REQUIRE_BROWSER")
