"""Helpers the book's notebooks share.

``budget(full=..., fast=...)`` says in one call what a cell shrinks in fast mode (``COURSE_FAST=1``,
CI's switch): ``epochs = budget(full=15, fast=3)`` reads as "15 epochs, 3 in CI", where
``15 if FAST else 3`` hides which value the published book uses.
"""

from __future__ import annotations

from course_pkg import settings

__all__ = ["budget"]

_MISSING = object()


def budget(*, full=_MISSING, fast=_MISSING):
    """Return ``fast`` in fast mode (``COURSE_FAST=1``) and ``full`` otherwise.

    Parameters
    ----------
    full : object
        The value the published book uses: epochs, samples, trials, a list of sizes...
    fast : object
        The smaller value CI uses, so that every notebook runs in seconds.

    Returns
    -------
    object
        ``fast`` when ``course_pkg.settings.fast_mode()`` is on, else ``full``.

    Raises
    ------
    TypeError
        If either value is missing: a budget states both.

    Examples
    --------
    >>> budget(full=15, fast=3) in (15, 3)
    True
    """
    if full is _MISSING or fast is _MISSING:
        missing = " and ".join(name for name, value in (("full", full), ("fast", fast)) if value is _MISSING)
        raise TypeError(
            f"budget: expected both full= and fast=; got no {missing}. Write e.g. budget(full=15, fast=3)."
        )
    return fast if settings.fast_mode() else full
