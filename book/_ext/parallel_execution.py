"""Execute the notebooks that need it several at a time, before Sphinx reads them one by one.

Jupyter Book 1 has no ``-j``: MyST-NB executes each notebook when Sphinx reads it, one after another,
and a notebook's kernel mostly keeps one core busy (measured: a serial build uses 94 % of one CPU on
a two-core machine). Just before reading, this hook looks up every notebook about to be read in
MyST-NB's execution cache (``execute_notebooks: cache``) and executes those with no entry,
``course_execution_jobs`` at a time, longest first, into that same cache with jupyter-cache's own
worker: the same execution MyST-NB would run (notebook folder as working directory, the same cell
timeout, errors not allowed) and the same cache record. When Sphinx then reads them, MyST-NB finds their
outputs in the cache. A notebook that fails here is simply left out: MyST-NB executes it again during
reading and reports its error the usual way.

``course_execution_jobs`` (``_config.yml``, ``sphinx.config``) defaults to the number of CPUs, at most
``MAX_DEFAULT_JOBS`` (each kernel that imports TensorFlow takes about 1 GB); 1 turns this off. Measured
on the course's two-core machine, fast mode, cold cache: 367 s serial, 245 s with two at a time.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

MAX_DEFAULT_JOBS = 4


def _stale_notebooks(cache, paths):
    """The notebooks among ``paths`` whose code has no executed copy in the cache."""
    import nbformat

    stale = []
    for path in paths:
        notebook = nbformat.read(str(path), as_version=4)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            stale.append(path)
    return stale


def _previous_seconds(cache) -> dict[str, float]:
    """How long each notebook took when it was last executed into the cache, by path."""
    seconds = {}
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        if record.data and "execution_seconds" in record.data:
            seconds[record.uri] = record.data["execution_seconds"]
    return seconds


def _execute_stale_notebooks(app, env, docnames):
    jobs = app.config.course_execution_jobs
    nb_config = getattr(env, "mystnb_config", None)
    if not jobs or jobs < 2 or nb_config is None or nb_config.execution_mode != "cache":
        return
    if nb_config.execution_in_temp or nb_config.execution_allow_errors:
        return  # not the setting this hook reproduces: MyST-NB runs them itself
    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    paths = [Path(env.doc2path(name)) for name in docnames]
    paths = [p for p in paths if p.suffix == ".ipynb" and p.is_file()]
    if len(paths) < 2:
        return
    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    stale = _stale_notebooks(cache, paths)
    if len(stale) < 2:
        return
    previous = _previous_seconds(cache)
    # Longest first, so that the pool's workers finish together; with no timing yet, from the end of the
    # book, where the chapters train the most.
    stale.sort(key=lambda p: (previous.get(str(p), 0.0), str(p)), reverse=True)
    work = [ProcessData(cache.add_nb_to_project(str(p)).pk, str(p), cache, nb_config.execution_timeout,
                        False) for p in stale]
    workers = min(jobs, len(work))
    logger.info(f"parallel_execution: executing {len(work)} notebooks, {workers} at a time")
    start = time.monotonic()
    # fork: the workers inherit the loaded environment instead of importing Sphinx again
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for status, uri in pool.imap_unordered(ExecutionWorkerLocalMProc(), work, chunksize=1):
            outcome = "done" if status == 0 else "failed (MyST-NB will run it again)"
            logger.info(f"parallel_execution: {Path(uri).relative_to(app.srcdir)} {outcome} "
                        f"after {time.monotonic() - start:.0f} s")


def setup(app):
    app.add_config_value("course_execution_jobs", min(os.cpu_count() or 1, MAX_DEFAULT_JOBS), "",
                         types=[int])
    # After MyST-NB has set up its configuration (builder-inited), before any notebook is read.
    app.connect("env-before-read-docs", _execute_stale_notebooks, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
