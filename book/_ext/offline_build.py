"""The book build never downloads: ``COURSE_OFFLINE=1`` for every notebook it executes.

``course_pkg.data.load_mnist`` downloads MNIST where a learner runs a chapter with internet. The
published book must come out the same on any machine, online or not, so the build switches downloads
off for itself and for every kernel it starts (they inherit its environment), whichever way it was
started: ``make book``, the site test, or ``jupyter-book build .`` by hand. A chapter then reads the
MNIST mirror (``COURSE_DATA_DIR``) or says that it falls back to the digits set.
"""

from __future__ import annotations

import os


def setup(app):
    os.environ["COURSE_OFFLINE"] = "1"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
