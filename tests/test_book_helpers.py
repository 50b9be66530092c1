"""Tests of course_pkg.book's notebook helpers (show_source, quiet_tensorflow, error_message)."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from course_pkg import book
from course_pkg.numpy_nn import optimizers
from course_pkg.numpy_nn.layers import Dense


def test_source_of_leaves_out_every_docstring_of_a_class():
    text = book.source_of(optimizers.SGD)
    assert text.startswith("class SGD(")
    assert "def step" in text or "def _update" in text or "def __init__" in text
    # The class docstring and every method docstring are gone, the code is not.
    assert "Stochastic gradient descent" not in text
    assert '"""' not in text
    compile(text, "<source_of>", "exec")  # still valid Python


def test_source_of_keeps_docstrings_on_request_and_code_that_looks_like_one():
    with_docs = book.source_of(Dense.forward, docstrings=True)
    assert '"""' in with_docs
    without = book.source_of(Dense.forward)
    assert '"""' not in without and "def forward" in without


def test_source_of_refuses_objects_without_a_file():
    with pytest.raises(TypeError, match=r"source_of: expected a function, method or class defined in a file; got builtin_function_or_method 'len'"):
        book.source_of(len)


def test_show_source_prints(capsys):
    book.show_source(book.error_message)
    out = capsys.readouterr().out
    assert out.startswith("def error_message(") and "_ANSI_COLOUR.sub" in out and "Examples" not in out


def test_error_message_strips_colour_codes_and_keeps_the_first_lines():
    err = ValueError("\x1b[31mInvalid dtype\x1b[0m: 'floot32'\n\n  Did you mean float32?\nline three\nline four")
    assert book.error_message(err) == "ValueError: Invalid dtype: 'floot32'\n  Did you mean float32?\n  line three"
    assert book.error_message(err, max_lines=1) == "ValueError: Invalid dtype: 'floot32'"
    with pytest.raises(TypeError, match="error_message: expected an exception; got str"):
        book.error_message("not an exception")


def test_quiet_tensorflow_sets_what_tensorflow_reads_without_importing_it(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")  # a choice the caller made is kept
    logger = logging.getLogger("tensorflow")
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    book.quiet_tensorflow()
    import os

    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1"
    assert logger.level == logging.ERROR


def test_importing_the_helpers_never_imports_tensorflow():
    code = "import sys, course_pkg.book as b; b.quiet_tensorflow(); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
