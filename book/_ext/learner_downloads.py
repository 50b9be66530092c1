"""The notebook a reader downloads from a chapter page: outputs as on the site, checks removed, solutions folded.

The theme's download button serves ``_sources/<chapter>.ipynb``, which Sphinx copies from the
repository: a notebook without outputs, with the book's hidden assertion cells, and with MyST markup
(``{exercise}``, ``{solution}``, ``:::{warning}``, ``{py:func}`` ...) that a plain Jupyter shows as raw
text, solutions included. After the build, this extension replaces each of those copies with a
*learner version* made from the executed notebook (MyST-NB's execution cache, or ``jupyter_execute/``):

- the outputs the site shows (a ``remove-output`` cell loses its outputs, a ``remove-stderr`` cell its
  error stream, as on the page);
- no ``remove-cell`` cells (the assertions that guard the book's numbers), except the set-up cell,
  which a plain Jupyter needs to install ``course_pkg`` (``tools/setup_cells.py``);
- ``remove-input``/``hide-input`` code folded with JupyterLab's ``jupyter.source_hidden``,
  ``hide-output`` outputs with ``jupyter.outputs_hidden``;
- Markdown any Jupyter renders: "**Exercise 5.2.**" numbered as on the site, each solution inside a
  ``<details>`` block (folded until clicked, in JupyterLab, Notebook 7, VS Code and Colab alike, where
  ``source_hidden`` folds only in JupyterLab), callouts as quotations with their title, and references
  to the API as code (``{py:func}`x.y``` becomes ```x.y```).

The site itself is unchanged: only the downloadable copy is rewritten, at ``build-finished``.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
import sys
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

TOOLS = Path(__file__).resolve().parents[2] / "tools"
_ADMONITIONS = ("attention", "caution", "danger", "error", "hint", "important", "note", "seealso", "tip",
                "warning")
_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>.*?)[ \t]*$")
_OPTION = re.compile(r"^:[\w-]+:")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<content>[^`]+)`")
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_TARGET = re.compile(r"^\([\w.:-]+\)=[ \t]*$", re.M)


def _setup_tag() -> str:
    """The set-up cell's tag, from ``tools/setup_cells.py`` (its one home)."""
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    import setup_cells  # noqa: PLC0415 - found through the path just added

    return setup_cells.SETUP_TAG


# --------------------------------------------------------------------------------------------------
# MyST Markdown to the Markdown every Jupyter renders
# --------------------------------------------------------------------------------------------------


def _blocks(lines: list[str]):
    """Split Markdown lines into ("text", lines) and ("directive", name, argument, options, body) pieces."""
    i = 0
    text: list[str] = []
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if match is None:
            text.append(lines[i])
            i += 1
            continue
        fence = match["fence"]
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), None)
        if end is None:  # not closed: leave it as text, as MyST would not read it as a directive either
            text.append(lines[i])
            i += 1
            continue
        if text:
            yield ("text", text)
            text = []
        body = lines[i + 1:end]
        options = {}
        while body and _OPTION.match(body[0]):
            name, _, value = body[0][1:].partition(":")
            options[name] = value.strip()
            body = body[1:]
        while body and not body[0].strip():
            body = body[1:]
        yield ("directive", match["name"], match["argument"], options, body)
        i = end + 1
    if text:
        yield ("text", text)


def _role(match: re.Match, resolve_doc) -> str:
    role, content = match["role"], match["content"]
    titled = _TITLED.match(content)
    title, target = (titled["title"], titled["target"]) if titled else (None, content)
    if role == "math":
        return f"${content}$"
    if role.startswith("py:") or role in ("func", "class", "meth", "mod", "attr", "obj", "data", "exc"):
        shown = title or (target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target)
        return f"`{shown}`"
    if role == "doc":
        return title or resolve_doc(target)
    return title or target


def myst_to_markdown(text: str, *, exercise_numbers: dict[str, str], resolve_doc=lambda target: target) -> list[str]:
    """Turn one MyST Markdown cell into one or more plain Markdown cells' sources.

    Parameters
    ----------
    text : str
        The cell's source.
    exercise_numbers : dict of str to str
        Exercise label -> its number as the site shows it (``"ex-05-2"`` -> ``"5.2"``); a new
        exercise's label is added in order (the caller shares one dict across a notebook's cells).
    resolve_doc : callable, optional
        Target of a ``{doc}`` reference -> the text to show (the page's title).

    Returns
    -------
    list of str
        The new cells' sources: one, unless the cell holds an exercise and its solution, which become
        an exercise cell and a solution cell.
    """
    cells: list[list[str]] = [[]]
    for piece in _blocks(_TARGET.sub("", text).split("\n")):
        if piece[0] == "text":
            cells[-1].extend(piece[1])
            continue
        _, name, argument, options, body = piece
        inner = myst_to_markdown("\n".join(body), exercise_numbers=exercise_numbers, resolve_doc=resolve_doc)
        inner_text = "\n\n".join(inner).split("\n")
        if name == "exercise":
            label = options.get("label") or f"unlabelled-{len(exercise_numbers) + 1}"
            number = exercise_numbers.setdefault(label, _next_number(exercise_numbers))
            heading = f"**Exercise {number}.**" + (f" *{argument}*" if argument else "")
            if cells[-1] and any(line.strip() for line in cells[-1]):
                cells.append([])
            cells[-1].extend([heading, "", *inner_text])
        elif name in ("solution", "dropdown"):
            number = exercise_numbers.get(argument)
            summary = (f"Solution to exercise {number}" if name == "solution" and number
                       else argument or "Solution")
            block = ["<details>", f"<summary><b>{summary}</b> (click to open)</summary>", "", *inner_text, "",
                     "</details>"]
            if name == "solution":
                cells.append(block)
            else:
                cells[-1].extend(block)
        elif name in _ADMONITIONS or name == "admonition":
            kind = "" if name == "admonition" else name.capitalize()
            title = ": ".join(t for t in (kind, argument) if t) or "Note"
            quoted = [f"> {line}" if line.strip() else ">" for line in inner_text]
            cells[-1].extend([f"> **{title}**", ">", *quoted])
        else:  # a directive plain Markdown has no counterpart for: keep it as written
            fence = "```"
            cells[-1].extend([f"{fence}{{{name}}} {argument}".rstrip(), *body, fence])
    sources = []
    for lines in cells:
        joined = _ROLE.sub(lambda m: _role(m, resolve_doc), "\n".join(lines)).strip("\n")
        if joined.strip():
            sources.append(re.sub(r"\n{3,}", "\n\n", joined))
    return sources


def _next_number(numbers: dict[str, str]) -> str:
    prefix = numbers.get("__prefix__", "")
    count = len([k for k in numbers if k != "__prefix__"]) + 1
    return f"{prefix}.{count}" if prefix else str(count)


# --------------------------------------------------------------------------------------------------
# The learner version of an executed notebook
# --------------------------------------------------------------------------------------------------


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def learner_notebook(notebook: dict, *, chapter_label: tuple = (), resolve_doc=lambda target: target,
                     setup_tag: str | None = None) -> dict:
    """Return the learner version of an executed chapter notebook (the input is not changed).

    Parameters
    ----------
    notebook : dict
        The executed notebook (nbformat 4, as JSON).
    chapter_label : tuple
        The chapter's number or appendix letter, ``(5,)``, ``("A",)`` or ``()``, for exercise numbers.
    resolve_doc : callable, optional
        Target of a ``{doc}`` reference -> the page title to show.
    setup_tag : str, optional
        The tag of the set-up cell, kept although it is tagged ``remove-cell``. Default: the tag
        ``tools/setup_cells.py`` writes.

    Returns
    -------
    dict
        The notebook a reader downloads.
    """
    setup_tag = _setup_tag() if setup_tag is None else setup_tag
    numbers: dict[str, str] = {"__prefix__": str(chapter_label[0])} if chapter_label else {}
    cells = []
    for original in notebook.get("cells", []):
        tags = _tags(original)
        if "remove-cell" in tags and setup_tag not in tags:
            continue
        cell = copy.deepcopy(original)
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for index, text in enumerate(myst_to_markdown(source, exercise_numbers=numbers, resolve_doc=resolve_doc)):
                new = copy.deepcopy(cell)
                new["source"] = _lines(text)
                if index:
                    new["id"] = f"{cell.get('id', 'cell')}-{index}"
                cells.append(new)
            continue
        if cell.get("cell_type") == "code":
            jupyter = cell.setdefault("metadata", {}).setdefault("jupyter", {})
            if tags & {"remove-input", "hide-input", "hide-cell"}:
                jupyter["source_hidden"] = True
            if tags & {"hide-output", "hide-cell"}:
                jupyter["outputs_hidden"] = True
            if not jupyter:
                del cell["metadata"]["jupyter"]
            if "remove-output" in tags:
                cell["outputs"] = []
            elif "remove-stderr" in tags:
                cell["outputs"] = [o for o in cell.get("outputs", [])
                                   if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    return {**copy.deepcopy({k: v for k, v in notebook.items() if k != "cells"}), "cells": cells}


# --------------------------------------------------------------------------------------------------
# The Sphinx side
# --------------------------------------------------------------------------------------------------


def download_name(app, docname: str) -> str:
    """The path under ``_sources/`` where Sphinx copies a document's source (its download button's target)."""
    suffix = app.env.doc2path(docname, False)[len(docname):]
    extra = app.config.html_sourcelink_suffix if suffix != app.config.html_sourcelink_suffix else ""
    return docname + suffix + extra


def _doc_resolver(app, docname: str):
    def resolve(target: str) -> str:
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(posixpath.dirname(docname), target))
        title = app.env.titles.get(name)
        return title.astext() if title is not None else target

    return resolve


def executed_notebook(app, docname: str) -> dict | None:
    """The executed notebook of ``docname`` as JSON, or None when there is none.

    With ``execute_notebooks: cache`` (the course's setting) the outputs live in MyST-NB's jupyter-cache:
    the copy MyST-NB writes to ``jupyter_execute/`` then holds the cells without them (it merges the
    cached outputs into a notebook of its own). So the cache is asked first, as MyST-NB asks it, with the
    repository's notebook; other modes leave the executed notebook in ``jupyter_execute/``.
    """
    import nbformat  # noqa: PLC0415 - MyST-NB's dependency; only needed once the build is done

    source = Path(app.env.doc2path(docname))
    config = getattr(app.env, "mystnb_config", None)
    if config is not None and config.execution_mode == "cache" and config.execution_cache_path:
        from jupyter_cache import get_cache  # noqa: PLC0415

        notebook = nbformat.read(str(source), as_version=4)
        try:
            _, merged = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
        except KeyError:
            merged = None  # not executed (an error, or excluded): fall through to what MyST-NB wrote
        if merged is not None:
            return json.loads(nbformat.writes(merged))
    written = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    return json.loads(written.read_text(encoding="utf-8")) if written.is_file() else None


def write_learner_downloads(app, exception) -> None:
    """Replace each executed notebook's ``_sources`` copy with its learner version."""
    if exception is not None or app.builder.format != "html" or not app.config.html_copy_source:
        return
    from exercise_numbers import chapter_label  # noqa: PLC0415 - the sibling extension's numbering rule

    written = 0
    for docname in sorted(app.env.found_docs):
        if not app.env.doc2path(docname).endswith(".ipynb"):
            continue
        executed = executed_notebook(app, docname)
        if executed is None:
            logger.warning(f"learner_downloads: no executed copy of {docname} (execution cache or "
                           "jupyter_execute/); its download keeps the repository's copy.")
            continue
        title = app.env.titles.get(docname)
        learner = learner_notebook(executed,
                                   chapter_label=chapter_label(title.astext()) if title is not None else (),
                                   resolve_doc=_doc_resolver(app, docname))
        target = Path(app.outdir) / "_sources" / download_name(app, docname)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(learner, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        written += 1
    logger.info(f"learner_downloads: {written} notebook downloads with outputs, without checks, solutions folded")


def setup(app):
    app.connect("build-finished", write_learner_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
