"""The instructor secret: where the random values of hidden cases come from.

The *kinds* of hidden cases are public (every kind has a visible
representative in ``course_pkg.checks``); their random values are drawn from a
generator seeded by a keyed hash of the secret, the assignment and the part.
Someone who reads the public repository therefore knows what will be tested,
but not the values, and cannot hard-code answers.

The secret is 32 random bytes in a file that ``release`` creates when it is
missing, readable by its owner only (mode 0600), kept outside the repository
(so it is never committed or published) and outside every sandbox (the
sandbox binds only the Python environment and two packages). Losing it only
changes the hidden values of later gradings; keep it for as long as grades
may need to be reproduced.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import numpy as np

__all__ = ["Secret", "default_path", "create", "load", "SecretError", "SecretMissing"]


class SecretError(RuntimeError):
    """The secret file is missing, unsafe or misplaced; the message says what to do."""


class SecretMissing(SecretError):
    """There is no secret file yet (``release`` creates one)."""


def default_path() -> Path:
    """``~/.config/course-grader/secret`` (or under ``$XDG_CONFIG_HOME``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "course-grader" / "secret"


class Secret:
    """A loaded secret; :meth:`rng_for` gives each part its own reproducible generator.

    >>> secret = Secret(bytes(32))
    >>> a = secret.rng_for("forward_pass", "test_softmax").integers(1000)
    >>> b = secret.rng_for("forward_pass", "test_softmax").integers(1000)
    >>> bool(a == b)
    True
    """

    def __init__(self, key: bytes):
        if not isinstance(key, bytes) or len(key) < 16:
            got = f"{len(key)} bytes" if isinstance(key, bytes) else type(key).__name__
            raise SecretError(f"Secret: expected at least 16 bytes of key; got {got}.")
        self._key = key

    def rng_for(self, assignment: str, grade_id: str) -> np.random.Generator:
        """A generator for the hidden cases of one part, the same every time for this secret."""
        digest = hmac.new(self._key, f"{assignment}\0{grade_id}".encode(), hashlib.sha256).digest()
        return np.random.default_rng(int.from_bytes(digest, "big"))

    def fingerprint(self) -> str:
        """A short public name of this secret (safe to print; tells two secrets apart)."""
        return hmac.new(self._key, b"fingerprint", hashlib.sha256).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"Secret(fingerprint={self.fingerprint()!r})"


def _check_place(path: Path, forbidden: tuple) -> None:
    path = path.resolve()
    for folder in forbidden:
        folder = Path(folder).resolve()
        if path == folder or folder in path.parents:
            raise SecretError(
                f"the instructor secret must live outside {folder} (it would be committed or published there); "
                f"got {path}. Use the default ({default_path()}) or pass --secret with a path elsewhere."
            )


def create(path=None, *, forbidden: tuple = ()) -> Path:
    """Create the secret file at ``path`` (default :func:`default_path`) unless it exists; return its path.

    Parameters
    ----------
    path : path, optional
    forbidden : tuple of paths
        Folders the secret must not be inside (the repository).
    """
    path = Path(path) if path is not None else default_path()
    _check_place(path, forbidden)
    if path.exists():
        load(path, forbidden=forbidden)  # refuses an unsafe existing file
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


def load(path=None, *, forbidden: tuple = ()) -> Secret:
    """Read the secret; refuse a file others can read, or one inside ``forbidden`` folders.

    Raises
    ------
    SecretError
        If the file is missing (run ``release`` first), readable by group or
        others (``chmod 600``), or not a secret written by :func:`create`.
    """
    path = Path(path) if path is not None else default_path()
    _check_place(path, forbidden)
    if not path.is_file():
        raise SecretMissing(
            f"no instructor secret at {path}. `python -m course_grader release` creates one; "
            "or pass --secret with the path of yours."
        )
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(f"the instructor secret {path} can be read by others: run `chmod 600 {path}`.")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as err:
        raise SecretError(f"{path} does not hold a secret written by course_grader (64 hex digits).") from err
    return Secret(key)
