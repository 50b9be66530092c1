"""Number exercises per chapter: "Exercise 5.2" is the second exercise of chapter 5.

sphinx-exercise numbers exercises with Sphinx's figure counters, and those run across the whole book
when the table of contents is not section-numbered (ours is not: the chapter titles carry their own
numbers). Chapter 5 then showed "Exercise 15". This hook runs after Sphinx has assigned the numbers and
restarts them in every document, prefixed by the chapter's own label taken from its title
("5. Backpropagation from scratch" gives 5.1, 5.2 …; "Appendix A. …" gives A.1 …). A document whose
title has no chapter label (the playground, the guides) numbers its exercises 1, 2 …

Cross-references (``{ref}`` / ``{numref}``) and the "Solution to Exercise …" titles read the same table,
so they follow automatically.
"""

from __future__ import annotations

import copy
import re

FIGTYPE = "exercise"
_BOOK_WIDE = "course_book_wide_fignumbers"  # Sphinx's own numbers, kept in the pickled environment
_CHAPTER_LABEL = re.compile(r"^\s*(?:Appendix\s+([A-Z])|(\d+))\.\s")


def chapter_label(title: str) -> tuple:
    """The numbering prefix for a document with this title: ``(5,)``, ``("A",)`` or ``()``.

    Parameters
    ----------
    title : str
        The document's title as the reader sees it, e.g. ``"5. Backpropagation from scratch"``.

    Returns
    -------
    tuple
        One element (the chapter number or appendix letter) when the title starts with one, else empty.
    """
    if not isinstance(title, str):
        raise TypeError(f"chapter_label: expected the title as a str; got {type(title).__name__}")
    match = _CHAPTER_LABEL.match(title)
    if not match:
        return ()
    letter, number = match.groups()
    return (letter,) if letter else (int(number),)


def _restore_book_wide_numbers(app, env):
    """Put back the numbers Sphinx assigned last time, before Sphinx assigns this build's.

    Sphinx rewrites every page whose numbers differ from the table it kept; comparing its fresh
    book-wide numbers with our per-chapter ones would rewrite every page with an exercise on every
    build, so it compares against its own previous numbers instead.
    """
    previous = getattr(env, _BOOK_WIDE, None)
    if previous is not None:
        env.toc_fignumbers = previous
    return []


def renumber_per_chapter(app, env):
    """Rewrite ``env.toc_fignumbers[doc]["exercise"]`` so that each document counts from 1."""
    setattr(env, _BOOK_WIDE, copy.deepcopy(env.toc_fignumbers))
    for docname, by_type in env.toc_fignumbers.items():
        numbers = by_type.get(FIGTYPE)
        if not numbers:
            continue
        title = env.titles[docname].astext() if docname in env.titles else ""
        prefix = chapter_label(title)
        in_order = sorted(numbers, key=lambda node_id: numbers[node_id])  # Sphinx counts in reading order
        by_type[FIGTYPE] = {node_id: prefix + (k,) for k, node_id in enumerate(in_order, start=1)}
    return []


def setup(app):
    # Around Sphinx's own TocTreeCollector, which assigns the book-wide numbers at priority 500.
    app.connect("env-get-updated", _restore_book_wide_numbers, priority=100)
    app.connect("env-get-updated", renumber_per_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
