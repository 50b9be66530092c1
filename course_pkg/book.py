"""Helpers the book's notebooks share, so that no notebook defines its own.

``budget(full=..., fast=...)``
    says in one call what a cell shrinks in fast mode (``COURSE_FAST=1``, CI's switch):
    ``epochs = budget(full=15, fast=3)`` reads as "15 epochs, 3 in CI", where ``15 if FAST else 3``
    hides which value the published book uses.
``show_source(obj)`` / ``source_of(obj)``
    the code of a course_pkg function or class as the chapter discusses it, docstrings left out.
``quiet_tensorflow()``
    keeps TensorFlow's start-up chatter out of the page; call it before the first ``import keras``.
``error_message(err)``
    the first lines of an exception's message, for chapters that show what an error says.

Seeding lives with each track: ``numpy.random.default_rng(seed)`` in the NumPy chapters and
``course_pkg.keras_nn.seed_everything(seed)`` in the Keras chapters.
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import re
import textwrap

from course_pkg import settings

__all__ = ["budget", "source_of", "show_source", "quiet_tensorflow", "error_message"]

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


def _docstring_spans(tree: ast.AST) -> list[tuple[int, int]]:
    """(first, last) line numbers, 1-based, of every docstring in ``tree``."""
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                first.value.value, str
            ):
                spans.append((first.lineno, first.end_lineno))
    return spans


def source_of(obj, *, docstrings: bool = False) -> str:
    """Return the source code of a function, method or class, without its docstrings.

    Parameters
    ----------
    obj : function, method or class
        Anything ``inspect.getsource`` can read (defined in a file, not typed at a prompt).
    docstrings : bool, default False
        Keep the docstrings. By default they are left out (the object's own and, for a class,
        its methods'), because the chapter explains the code in its own words.

    Returns
    -------
    str
        The dedented source.

    Raises
    ------
    TypeError
        If ``obj`` has no source file (a built-in, an object defined in the notebook itself).

    Examples
    --------
    >>> print(source_of(budget).splitlines()[0])
    def budget(*, full=_MISSING, fast=_MISSING):
    >>> "Return ``fast``" in source_of(budget), "Return ``fast``" in source_of(budget, docstrings=True)
    (False, True)
    """
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as err:
        raise TypeError(
            f"source_of: expected a function, method or class defined in a file; got "
            f"{type(obj).__name__} {getattr(obj, '__name__', obj)!r} ({err})."
        ) from None
    if docstrings:
        return source
    lines = source.splitlines()
    for first, last in sorted(_docstring_spans(ast.parse(source)), reverse=True):
        del lines[first - 1 : last]
    return "\n".join(lines)


def show_source(obj, *, docstrings: bool = False) -> None:
    """Print :func:`source_of` ``obj``: the code a chapter is about to discuss.

    Examples
    --------
    >>> show_source(error_message)  # doctest: +ELLIPSIS
    def error_message(err, max_lines: int = 3) -> str:
    ...
    """
    print(source_of(obj, docstrings=docstrings))


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up and re-tracing messages out of a page.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` (C++ informational lines) and ``TF_ENABLE_ONEDNN_OPTS=0`` (the
    oneDNN notice, which ignores the level above), unless the environment already sets them, and
    shows only errors from the ``tensorflow`` logger: chapters that build many small models would
    otherwise print a "retracing" warning for each, which is expected and harmless there.

    The two variables are read once, when TensorFlow is first imported: call this before the first
    ``import keras`` or ``import tensorflow``. Turning oneDNN off changes float rounding on CPUs
    slightly, not results that the book states.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def error_message(err, max_lines: int = 3) -> str:
    """The first lines of an exception's message, without terminal colour codes.

    Parameters
    ----------
    err : BaseException
        The exception caught by the chapter's cell.
    max_lines : int, default 3
        How many non-empty lines of the message to keep.

    Returns
    -------
    str
        ``"<ExceptionType>: <line 1>\\n  <line 2>..."``.

    Examples
    --------
    >>> error_message(ValueError("expected 3 units\\n\\ngot 4\\nmore"), max_lines=2)
    'ValueError: expected 3 units\\n  got 4'
    """
    if not isinstance(err, BaseException):
        raise TypeError(f"error_message: expected an exception; got {type(err).__name__}.")
    text = _ANSI_COLOUR.sub("", str(err))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f"{type(err).__name__}: " + "\n  ".join(lines[:max_lines])
