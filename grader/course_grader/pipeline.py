"""The instructor's grading pipeline: one command per step, no browser needed.

Run from the repository root (or pass ``--course`` to point at the nbgrader
course folder, ``assignments/`` by default)::

    python -m course_grader release  [ASSIGNMENT ...]
    python -m course_grader validate [ASSIGNMENT ...]
    python -m course_grader collect   ASSIGNMENT --from DIR | --zip FILE [--roster CSV]
    python -m course_grader autograde ASSIGNMENT [--practice] [--jobs N]
    python -m course_grader feedback  ASSIGNMENT
    python -m course_grader export    [ASSIGNMENT ...] [--to grades.csv]
    python -m course_grader grade     ASSIGNMENT --from DIR | --zip FILE [--roster CSV] [--to CSV] [--practice] [--jobs N]
    python -m course_grader selftest  [ASSIGNMENT ...] [--robustness]

``--secret PATH`` names the instructor secret (default
``~/.config/course-grader/secret``); ``release`` creates it when it is missing.

``release`` runs ``nbgrader generate_assignment`` and then checks both
versions: the source notebook must pass every visible check, the release must
fail every check cleanly (the functions are not written yet, nothing else),
and the source's solution must pass the hidden cases as the grader runs them.
``nbgrader validate`` exits 0 whatever it finds, so the pipeline reads its
results instead of trusting the exit code.

Grading runs each submission in a bubblewrap sandbox (see
:mod:`course_grader.sandbox`). Where bubblewrap cannot run, ``grade`` and
``autograde`` refuse and say how to install it; ``--practice`` grades without
the sandbox, and every row of the CSV then says ``unsandboxed`` in its
``sandbox`` column.

``grade`` is collect, autograde, feedback and export in one go. Every
student in the exported CSV has a status that says why the score is what it
is, never a silent 0.0:

``ok``                graded normally
``timeout``           a cell ran past its time limit; it and the tests that needed it score 0
``kernel-died``       the kernel crashed (``os._exit``, out of memory); the cells after it score 0
``unreadable``        the notebook is not valid JSON / nbformat; not graded
``missing-notebook``  the submission holds no notebook for this assignment; not graded
``no-submission``     on the roster, nothing submitted
``grader-error``      nbgrader failed on this submission; see the log named in the reason
``unmatched``         a file of a zip that belongs to no known student (its name is in the reason); not graded

Statuses and logs are kept in ``<course>/.grading/``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course_grader import intake, sandbox
from course_grader import secret as secrets

__all__ = [
    "STATUSES",
    "default_course_dir",
    "assignments_in",
    "run_nbgrader",
    "release",
    "validate",
    "lint_source",
    "collect",
    "autograde",
    "feedback",
    "export",
    "grade",
    "main",
]

STATUSES = ("ok", "timeout", "kernel-died", "unreadable", "missing-notebook", "no-submission", "grader-error",
            "unmatched")
CLEAN_RELEASE_ERRORS = ("NotImplementedError", "NameError")
# What a check says about a function that still raises NotImplementedError (course_pkg.checks).
NOT_WRITTEN = "it is not written yet (it raises NotImplementedError)"
_LEDGER_DIR = ".grading"


class PipelineError(RuntimeError):
    """A step could not be completed; the message says what to do."""


# --------------------------------------------------------------------------- course layout


def default_course_dir() -> Path:
    """The nbgrader course: ``./assignments`` if it exists, else the repository's ``assignments/``."""
    here = Path.cwd() / "assignments"
    if (here / "nbgrader_config.py").exists():
        return here
    if (Path.cwd() / "nbgrader_config.py").exists():
        return Path.cwd()
    return Path(__file__).resolve().parents[2] / "assignments"


def _repository(course: Path) -> Path:
    """The folder the secret must stay out of: the repository holding the course, else the course."""
    for folder in (course, *course.parents):
        if (folder / ".git").exists():
            return folder
    return course


def create_secret(course, path=None) -> Path:
    """Create the instructor secret if it is missing (outside the repository); return its path."""
    course = _course(course)
    return secrets.create(path, forbidden=(_repository(course),))


def grader_timeout_override() -> int | None:
    """Seconds per cell from ``COURSE_GRADER_TIMEOUT`` (the self-tests use a short one), or None.

    Read through :mod:`course_pkg.settings`, the one reader of ``COURSE_*`` variables (which
    refuses a value that is not a whole number of seconds >= 1).
    """
    from course_pkg import settings

    return settings.grader_timeout(0) if settings.is_set("COURSE_GRADER_TIMEOUT") else None


def _course(course) -> Path:
    path = Path(course) if course is not None else default_course_dir()
    if not (path / "nbgrader_config.py").exists():
        raise PipelineError(f"{path} is not an nbgrader course folder: it has no nbgrader_config.py.")
    return path.resolve()


def assignments_in(course=None) -> list[str]:
    """Names of the assignments in ``<course>/source``, sorted."""
    course = _course(course)
    return sorted(p.name for p in (course / "source").iterdir() if (p / f"{p.name}.ipynb").exists())


def _ledger_path(course: Path, assignment: str) -> Path:
    return course / _LEDGER_DIR / f"{assignment}.json"


def _read_ledger(course: Path, assignment: str) -> dict:
    path = _ledger_path(course, assignment)
    return json.loads(path.read_text()) if path.exists() else {}


def _write_ledger(course: Path, assignment: str, ledger: dict) -> None:
    path = _ledger_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ledger, indent=1, sort_keys=True))


def _log_path(course: Path, step: str, assignment: str | None) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = course / _LEDGER_DIR / "logs" / f"{stamp}-{step}{'-' + assignment if assignment else ''}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- running nbgrader


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    # nbgrader shells out to `alembic` (gradebook migrations): this Python's scripts must be on PATH
    # even when the venv is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.update(extra or {})
    return env


def run_nbgrader(course, *args: str, env: dict | None = None, log_step: str | None = None,
                 assignment: str | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course folder with this Python; keep its output in a log.

    Returns the completed process (its ``stdout`` holds stdout and stderr).
    """
    course = _course(course)
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course, env=_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    log = _log_path(course, log_step or args[0], assignment)
    log.write_text(f"$ nbgrader {' '.join(args)}\n(exit {proc.returncode})\n{proc.stdout}")
    proc.log_path = log  # type: ignore[attr-defined]
    return proc


# --------------------------------------------------------------------------- release and validation


@dataclass
class Report:
    """What a step found: problems make the command exit non-zero."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def merge(self, other: "Report") -> "Report":
        self.problems += other.problems
        self.notes += other.notes
        return self


def lint_source(path) -> Report:
    """Static checks of a source notebook.

    * every test cell has points > 0 and a unique grade_id;
    * no test cell ends in a bare expression (nbgrader would read its value
      as partial credit: a bare ``np.allclose(...)`` that is False scores
      full marks);
    * no ``skip-execution`` / ``raises-exception`` tags;
    * hidden-test regions only in test cells;
    * for an assignment whose checks are in ``course_pkg.checks``: one test
      cell per part, named by the part's ``grade_id``, and no hidden-test
      regions (the grader adds the hidden cases).
    """
    import nbformat

    from course_pkg.checks import ASSIGNMENTS, parts_of

    assignment = Path(path).parent.name
    parts = {part.grade_id for part in parts_of(assignment)} if assignment in ASSIGNMENTS else None
    report = Report()
    nb = nbformat.read(str(path), as_version=4)
    seen: set[str] = set()
    total = 0.0
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        tags = cell.metadata.get("tags", [])
        where = f"{Path(path).name} cell {index}"
        if {"skip-execution", "raises-exception"} & set(tags):
            report.problems.append(f"{where}: remove the tag(s) {tags}; they hide test failures.")
        grade_id = meta.get("grade_id")
        if grade_id:
            if grade_id in seen:
                report.problems.append(f"{where}: grade_id '{grade_id}' is used twice.")
            seen.add(grade_id)
        is_test = meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"
        if "BEGIN HIDDEN TESTS" in cell.source and (not is_test or parts is not None):
            report.problems.append(f"{where}: hidden tests outside a test cell, or in an assignment whose "
                                   "hidden cases the grader draws itself.")
        if not is_test:
            continue
        if parts is not None and grade_id not in parts:
            report.problems.append(f"{where}: test cell '{grade_id}' is not a part of course_pkg.checks.{assignment}.")
        points = float(meta.get("points", 0))
        total += points
        if points <= 0:
            report.problems.append(f"{where}: test cell '{grade_id}' has no points.")
        try:
            body = ast.parse(cell.source).body
        except SyntaxError as err:
            report.problems.append(f"{where}: test cell '{grade_id}' is not valid Python ({err}).")
            continue
        # Only a call of a check (which raises on failure and returns None) may end a test cell:
        # any other value is ignored by the hardened config and read as a score by stock nbgrader,
        # so a test ending in np.allclose(...) passes when it is False.
        last = body[-1] if body else None
        if isinstance(last, ast.Expr) and not _is_check_call(last.value):
            report.problems.append(
                f"{where}: test cell '{grade_id}' ends in a bare expression whose value decides nothing; "
                "write assert ..., or call a check that raises."
            )
    if parts is not None and parts - seen:
        report.problems.append(f"{Path(path).name}: no test cell for the part(s) {sorted(parts - seen)}.")
    report.notes.append(f"{Path(path).name}: {len(seen)} nbgrader cells, {total:g} points.")
    return report


def _is_check_call(node) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name.startswith("check")


def _validate_notebook(path: Path, course: Path, invert: bool) -> dict:
    """Run nbgrader's Validator on one notebook in a fresh process; return its findings as a dict.

    The notebook runs in a temporary copy of its folder: executing it writes files (a trained
    model, checkpoints) that must not land in source/ or release/.
    """
    code = (
        "import json, sys\n"
        "from course_grader.pipeline import _validate_worker\n"
        "print('@@RESULT@@' + json.dumps(_validate_worker(sys.argv[1], sys.argv[2], sys.argv[3] == '1')))\n"
    )
    with tempfile.TemporaryDirectory(prefix="validate-") as scratch:
        folder = Path(scratch) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns(
            "*.keras", "*.h5", "checkpoints", "logs", ".ipynb_checkpoints", "__pycache__"))
        proc = subprocess.run(
            [sys.executable, "-c", code, str(folder / path.name), str(course), "1" if invert else "0"],
            cwd=folder, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
    marker = proc.stdout.rfind("@@RESULT@@")
    if marker < 0:
        raise PipelineError(f"validating {path} failed:\n{proc.stdout[-3000:]}")
    return json.loads(proc.stdout[marker + len("@@RESULT@@"):].strip().splitlines()[0])


def _validate_worker(path: str, course: str, invert: bool) -> dict:
    """Inside the worker process: validate with the course's config and report per test cell."""
    from nbgrader import utils
    from nbgrader.validator import Validator
    from traitlets.config import Config

    assignment = Path(path).parent.name
    config = Config()
    config.Execute.timeout = _assignment_timeout(Path(course), assignment)
    config.Execute.startup_timeout = 120
    config.Execute.extra_arguments = ["--InteractiveShellApp.ignore_cwd=True", "--HistoryManager.hist_file=:memory:"]

    class KeepingValidator(Validator):
        def _preprocess(self, nb):
            self.executed = super()._preprocess(nb)
            return self.executed

    validator = KeepingValidator(config=config)
    validator.invert = invert
    results = validator.validate(path)
    executed = getattr(validator, "executed", None)  # absent when validate stopped before running
    cells = []
    for cell in executed.cells if executed is not None else []:
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            errors = [[o.get("ename", ""), str(o.get("evalue", ""))[:500]] for o in cell.outputs
                      if o.output_type == "error"]
            cells.append({"grade_id": cell.metadata.nbgrader["grade_id"], "errors": errors})
    return {"results": results, "test_cells": cells}


def _assignment_timeout(course: Path, assignment: str) -> int:
    """The per-cell timeout the course's config gives ``assignment`` (60 s if unknown)."""
    text = (course / "nbgrader_config.py").read_text()
    match = re.search(r"ASSIGNMENT_TIMEOUTS\s*=\s*(\{.*?\})", text, re.S)
    table = ast.literal_eval(match.group(1)) if match else {}
    override = grader_timeout_override()
    return override if override is not None else int(table.get(assignment, 60))


def _fails_cleanly(ename: str, evalue: str) -> bool:
    """A blank function's clean failure: not written yet, or not defined."""
    return ename in CLEAN_RELEASE_ERRORS or (ename == "CheckFailed" and NOT_WRITTEN in evalue)


def _judge_solution(assignment: str, course: Path, secret_path) -> Report:
    """Grade the source's solution as the grader would, hidden cases included."""
    import nbformat

    from course_grader import judge
    from course_pkg.checks import ASSIGNMENTS

    report = Report()
    if assignment not in ASSIGNMENTS:
        return report  # its hidden tests are in the notebook, and nbgrader's validation ran them
    try:
        key = secrets.load(secret_path, forbidden=(_repository(course),))
    except secrets.SecretMissing as err:
        report.notes.append(f"{assignment}: hidden cases not checked ({err})")
        return report
    except secrets.SecretError as err:  # unsafe or inside the repository: fix it before grading
        report.problems.append(str(err))
        return report
    try:
        sandbox.check()
        practice = False
    except sandbox.SandboxUnavailable:
        practice = True  # the instructor's own solution: safe to run without the sandbox
    folder = course / "source" / assignment
    nb = nbformat.read(str(folder / f"{assignment}.ipynb"), as_version=4)
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb" and not p.name.startswith(".")]
    judged = judge.grade_notebook(nb, assignment, key, cell_timeout=_assignment_timeout(course, assignment),
                                  practice=practice, files=files)
    for grade_id, verdict in judged.verdicts.items():
        if not verdict.passed:
            report.problems.append(f"source/{assignment}: the solution fails {grade_id} as graded: {verdict.message}")
    if judged.status != "ok":
        report.problems.append(f"source/{assignment}: grading the solution ended with {judged.status}: {judged.reason}")
    if not report.problems:
        report.notes.append(f"{assignment}: the solution passes every hidden case.")
    return report


def validate(assignment: str, course=None, *, secret_path=None) -> Report:
    """Check that the source passes every test and the release fails every test cleanly.

    Parameters
    ----------
    assignment : str
        The assignment's name (its folder under ``source/``).
    course : path, optional
        The nbgrader course folder. Defaults to :func:`default_course_dir`.
    secret_path : path, optional
        The instructor secret, to grade the solution on the hidden cases too.

    Returns
    -------
    Report
        ``problems`` is empty when both versions behave.
    """
    course = _course(course)
    report = Report()
    source = course / "source" / assignment / f"{assignment}.ipynb"
    released = course / "release" / assignment / f"{assignment}.ipynb"
    report.merge(lint_source(source))

    found = _validate_notebook(source, course, invert=False)
    for kind in ("failed", "changed", "type_changed"):
        for item in found["results"].get(kind, []):
            detail = item.get("raw_error", "").strip().splitlines()[-1:] or [""]
            report.problems.append(
                f"source/{assignment}: a test {kind.replace('_', ' ')} with the solution: "
                f"{item.get('source', '').splitlines()[0][:80]!r} {detail[0][:200]}"
            )
    if not found["test_cells"]:
        report.problems.append(f"source/{assignment}: no test cells found.")

    if not released.exists():
        report.problems.append(f"release/{assignment} does not exist; run the release step first.")
        return report
    found = _validate_notebook(released, course, invert=True)
    for item in found["results"].get("passed", []):
        report.problems.append(
            f"release/{assignment}: a test passes without any solution: {item['source'].splitlines()[0][:80]!r}"
        )
    for item in found["results"].get("changed", []) + found["results"].get("type_changed", []):
        report.problems.append(f"release/{assignment}: a locked cell differs from the gradebook: {item}")
    for cell in found["test_cells"]:
        unclean = [f"{name}: {value[:200]}" for name, value in cell["errors"] if not _fails_cleanly(name, value)]
        if unclean or not cell["errors"]:
            report.problems.append(
                f"release/{assignment}: test '{cell['grade_id']}' should fail because the function is not "
                f"written yet; got {unclean or 'no error'}."
            )
    report.merge(_judge_solution(assignment, course, secret_path))
    report.notes.append(
        f"{assignment}: source passes all tests; release fails all {len(found['test_cells'])} tests cleanly."
        if not report.problems else f"{assignment}: {len(report.problems)} problem(s)."
    )
    return report


def release(assignment: str, course=None, *, check: bool = True, secret_path=None) -> Report:
    """Generate ``release/<assignment>`` with nbgrader, then :func:`validate` it.

    With ``check``, the instructor secret is created first if it is missing.
    """
    course = _course(course)
    if check:
        create_secret(course, secret_path)
    proc = run_nbgrader(course, "generate_assignment", assignment, "--force", assignment=assignment)
    report = Report()
    if proc.returncode != 0 or not (course / "release" / assignment / f"{assignment}.ipynb").exists():
        report.problems.append(
            f"nbgrader generate_assignment {assignment} failed (exit {proc.returncode}); see {proc.log_path}"
        )
        return report
    text = (course / "release" / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        if marker in text:
            report.problems.append(f"release/{assignment} still contains '{marker}'.")
    report.notes.append(f"{assignment}: release generated.")
    if check:
        report.merge(validate(assignment, course, secret_path=secret_path))
    return report


def publish_release(assignment: str, course=None, dest=".") -> Path:
    """Copy ``release/<assignment>/<assignment>.ipynb`` to ``dest/assignments/<assignment>/``.

    The book serves that folder (``html_extra_path``), so its download links point at the learner's
    version, never at the source with its solutions.
    """
    course = _course(course)
    notebook = course / "release" / assignment / f"{assignment}.ipynb"
    if not notebook.is_file():
        raise FileNotFoundError(
            f"publish_release: expected {notebook}; got no such file. Run `release {assignment}` first."
        )
    target = Path(dest) / "assignments" / assignment / notebook.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    return target


# --------------------------------------------------------------------------- intake


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _pick_notebook(files: list[Path], assignment: str) -> tuple[Path | None, str]:
    """Choose the student's notebook for ``assignment`` among ``files``; return it and a note."""
    exact = [f for f in files if f.name == f"{assignment}.ipynb"]
    if exact:
        return exact[0], ""
    if len(files) == 1:
        return files[0], f"renamed '{files[0].name}' to '{assignment}.ipynb'"
    named = [f for f in files if _normalise(assignment) in _normalise(f.stem)]
    if len(named) == 1:
        return named[0], f"renamed '{named[0].name}' to '{assignment}.ipynb'"
    if named:
        newest = max(named, key=lambda f: f.stat().st_mtime)
        return newest, (
            f"renamed '{newest.name}' to '{assignment}.ipynb' (the newest of {len(named)} candidates: "
            f"{', '.join(sorted(f.name for f in named))})"
        )
    return None, ""


def _read_notebook(path: Path):
    """Return (notebook, None) or (None, why it cannot be read)."""
    import warnings

    import nbformat

    try:
        raw = path.read_text(encoding="utf-8")
        json.loads(raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about (and repairs) missing or duplicate cell ids
            nb = nbformat.reads(raw, as_version=4)
    except UnicodeDecodeError:
        return None, "the file is not text (UTF-8)"
    except json.JSONDecodeError as err:
        return None, f"invalid JSON: {err.msg} at line {err.lineno}, column {err.colno}"
    except Exception as err:  # nbformat's own errors: not a notebook, unknown version...
        return None, f"not a Jupyter notebook: {str(err).splitlines()[0][:200]}"
    if not isinstance(nb.get("cells"), list):
        return None, "not a Jupyter notebook: it has no list of cells"
    # A copied cell keeps its id; duplicates make the notebook invalid for nbformat.write.
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if cell_id is None or cell_id in seen:
            cell["id"] = f"regraded-{index}"
        seen.add(cell["id"])
    return nb, None


def _student_dirs(incoming: Path) -> list[Path]:
    return sorted(p for p in incoming.iterdir() if p.is_dir() and not p.name.startswith("."))


def collect(assignment: str, course=None, *, source_dir=None, zips=(), roster=None) -> dict:
    """Bring submissions into ``submitted/`` with collection hygiene; return their statuses.

    Parameters
    ----------
    assignment : str
        The assignment's name.
    course : path, optional
        The nbgrader course folder.
    source_dir : path, optional
        A folder with one sub-folder per student id, holding the student's
        notebook (any name; ``<student>/<assignment>/...`` also works).
    zips : sequence of paths
        Learning-platform downloads (Canvas, Moodle, Blackboard or a folder
        per student), read by :func:`course_grader.intake.unpack_zips`.
    roster : path, optional
        CSV with a header ``id[,first_name,last_name,email]``, checked by
        :func:`course_grader.intake.read_roster` and imported into the
        gradebook; roster students who submit nothing are exported as
        ``no-submission``, and zip files are matched against it.

    Returns
    -------
    dict
        ``{student_id: {"status": ..., "reason": ..., "note": ...}}`` for the
        students in this batch, plus one ``unmatched:<zip>:<file>`` entry
        (status ``unmatched``) per zip file that belongs to no known
        student. Only each student's notebook is kept, under its canonical
        name; other files are dropped (they could shadow installed packages
        or carry a pre-trained model).

    Raises
    ------
    PipelineError
        With the reason, when the roster cannot be used or a zip cannot be read.
    """
    course = _course(course)
    students = None
    if roster is not None:
        try:
            students = intake.read_roster(roster)
        except intake.IntakeError as err:
            raise PipelineError(str(err)) from err
        proc = run_nbgrader(course, "db", "student", "import", str(Path(roster).resolve()), log_step="roster")
        if proc.returncode != 0:
            said = [ln.strip() for ln in proc.stdout.splitlines() if "rror" in ln][-3:]
            raise PipelineError(f"nbgrader could not import the roster {roster}: {' | '.join(said) or 'no message'} "
                                f"(whole output: {proc.log_path})")
    incoming_dirs: list[Path] = []
    notes: dict = {}
    ledger = _read_ledger(course, assignment)
    if source_dir is not None:
        incoming_dirs.append(Path(source_dir).resolve())
    if zips:
        for key in [k for k, e in ledger.items() if e.get("status") == "unmatched"]:
            del ledger[key]  # this download replaces the last one's unmatched files
        try:
            found = intake.unpack_zips([Path(z).resolve() for z in zips], assignment,
                                       course / "downloaded" / assignment / "collected", students)
        except intake.IntakeError as err:
            raise PipelineError(str(err)) from err
        incoming_dirs.append(found.folder)
        notes = found.notes
        for item in found.unmatched:
            ledger[f"unmatched:{item.label}"] = {
                "status": "unmatched", "file": item.label, "note": "",
                "reason": f"file '{item.member}' in {item.zip_name} was not graded: {item.reason}"}
    if not incoming_dirs:
        raise PipelineError("collect needs --from DIR or --zip FILE.")

    batch: dict[str, dict] = {k: e for k, e in ledger.items() if e.get("status") == "unmatched"}
    for incoming in incoming_dirs:
        for student_dir in _student_dirs(incoming):
            student = student_dir.name
            nested = student_dir / assignment
            where = nested if nested.is_dir() else student_dir
            files = sorted(p for p in where.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            dest = course / "submitted" / student / assignment
            shutil.rmtree(dest, ignore_errors=True)
            shutil.rmtree(course / "autograded" / student / assignment, ignore_errors=True)
            shutil.rmtree(course / "feedback" / student / assignment, ignore_errors=True)
            chosen, note = _pick_notebook(files, assignment)
            note = "; ".join(n for n in (notes.get(student, ""), note) if n)
            entry = {"status": "received", "reason": "", "note": note}
            if chosen is None:
                names = ", ".join(p.name for p in sorted(where.rglob("*")) if p.is_file())[:300] or "nothing"
                entry.update(status="missing-notebook", reason=f"no notebook for {assignment}; found: {names}")
            else:
                nb, why = _read_notebook(chosen)
                if nb is None:
                    entry.update(status="unreadable", reason=f"{chosen.name}: {why}")
                else:
                    import nbformat

                    dest.mkdir(parents=True)
                    nbformat.write(nb, str(dest / f"{assignment}.ipynb"))
                    stamp = where / "timestamp.txt"
                    if stamp.exists():
                        shutil.copy(stamp, dest / "timestamp.txt")
            batch[student] = ledger[student] = entry
    _write_ledger(course, assignment, ledger)
    return batch


# --------------------------------------------------------------------------- autograde and feedback


def _status_of_autograded(path: Path) -> tuple[str, str]:
    """Read the autograded notebook: did a cell or a part time out, or the notebook stop early?"""
    import nbformat

    from course_grader.judge import KERNEL_DIED_ENAME, TIMEOUT_ENAME

    nb = nbformat.read(str(path), as_version=4)
    status, reasons = "ok", []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            if out.get("ename") == KERNEL_DIED_ENAME:
                status = "kernel-died"
                reasons.append(f"the notebook stopped in {label} ({out.get('evalue', '')[:200]}); "
                               "later cells were not run")
            elif out.get("ename") == TIMEOUT_ENAME:
                if status == "ok":
                    status = "timeout"
                reasons.append(f"{label}: {out.get('evalue', 'timed out')}")
    # What the judge recorded (it always overwrites this key, so a submission cannot forge it).
    record = nb.metadata.get("course_grader", {})
    if status == "ok" and record.get("status") in ("timeout", "kernel-died"):
        status = record["status"]
    if record.get("reason"):
        reasons.append(str(record["reason"])[:500])
    return status, "; ".join(dict.fromkeys(reasons))


def require_sandbox(practice: bool) -> None:
    """Refuse to grade when bubblewrap cannot run, unless this is a practice run."""
    if practice:
        return
    try:
        sandbox.check()
    except sandbox.SandboxUnavailable as err:
        raise PipelineError(str(err)) from err


def _prejudge(course: Path, assignment: str, students: list[str], *, jobs: int, timeout: int | None,
              practice: bool, secret_path: Path, spool: Path) -> int:
    """Run and judge ``students``' notebooks ``jobs`` at a time, before nbgrader's own (serial) pass.

    Each submission goes through the course configuration's sanitize steps
    (read-only use of the gradebook), then through the sandbox and the judge
    in one of ``jobs`` slots (each slot its own uid: :func:`sandbox.slot_uid`;
    each run its own scratch folder). The results land in ``spool``, named by
    a digest of everything a verdict depends on; ``nbgrader autograde`` then
    runs as usual, one notebook after the other, and :class:`JudgeInSandbox`
    takes a result from ``spool`` instead of running a notebook whose digest
    matches. Everything that writes the gradebook stays in nbgrader's serial
    pass. Returns the number of results written.
    """
    import queue
    from concurrent.futures import ThreadPoolExecutor, as_completed

    import nbformat
    from tqdm import tqdm
    from traitlets.config.loader import PyFileConfigLoader

    from course_grader.preprocessors import JudgeInSandbox, data_files

    config = PyFileConfigLoader("nbgrader_config.py", str(course)).load_config()
    if timeout:
        config.JudgeInSandbox.timeout = float(timeout)
        config.JudgeInSandbox.assignment_timeouts = {}
    config.JudgeInSandbox.secret_path = str(secret_path)
    config.JudgeInSandbox.practice = practice
    judger = JudgeInSandbox(config=config)
    key = secrets.load(secret_path, forbidden=(_repository(course),))
    sanitizers = [cls(config=config) for cls in config.Autograde.sanitize_preprocessors]
    source_files = [p for p in data_files(course / "source" / assignment)
                    if not any(Path(p).match(pattern) for pattern in config.CourseDirectory.ignore)]

    def prepare(student):
        submitted = course / "submitted" / student / assignment
        nb = nbformat.read(str(submitted / f"{assignment}.ipynb"), as_version=4)
        resources = {"nbgrader": {"notebook": assignment, "assignment": assignment, "student": student,
                                  "db_url": f"sqlite:///{course / 'gradebook.db'}"},
                     "metadata": {"path": str(submitted)}}
        for step in sanitizers:
            nb, resources = step.preprocess(nb, resources)
        nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # as nbgrader reads it back from disk
        by_name = {p.name: p for p in [*data_files(submitted), *source_files]}  # source files win, as in nbgrader
        files = [by_name[name] for name in sorted(by_name)]
        return nb, files

    work = []
    for student in students:
        try:
            work.append((student, *prepare(student)))
        except Exception as err:  # nbgrader's serial pass grades it (or reports why it cannot)
            print(f"{student}: not judged in parallel ({type(err).__name__}: {str(err)[:200]})", file=sys.stderr)
    spool.mkdir(parents=True, exist_ok=True)
    slots: queue.Queue = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)

    def run_one(student, nb, files):
        slot = slots.get()
        try:
            result = judger.judge_into(nb, assignment, files, key, uid=sandbox.slot_uid(slot))
        finally:
            slots.put(slot)
        (spool / f"{judger.run_key(nb, assignment, files, key)}.json").write_text(json.dumps(result))

    written = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(work), desc=f"grading {assignment}", unit="notebook", file=sys.stderr) as bar:
        futures = {pool.submit(run_one, *item): item[0] for item in work}
        for future in as_completed(futures):
            try:
                future.result()
                written += 1
            except Exception as err:  # graded again in the serial pass, which records the failure
                bar.write(f"{futures[future]}: {type(err).__name__}: {str(err)[:300]}")
            bar.update(1)
    return written


def autograde(assignment: str, course=None, *, timeout: int | None = None, practice: bool = False,
              secret_path=None, jobs: int = 1) -> dict:
    """Autograde every collected, not yet graded submission; return per-student statuses.

    Runs ``nbgrader autograde`` once for the batch (the hardened config
    keeps one bad submission from stopping the others); each notebook runs
    in the sandbox and is judged outside it. Then reads each autograded
    notebook for timeouts and crashes.

    Parameters
    ----------
    timeout : int, optional
        Per-cell limit in seconds for this run, overriding the config's
        per-assignment table.
    practice : bool, default False
        Grade without the sandbox (see :mod:`course_grader.sandbox`); the
        rows are marked ``unsandboxed``.
    secret_path : path, optional
        The instructor secret (default: ``~/.config/course-grader/secret``).
    jobs : int, default 1
        Submissions run at once, each in its own sandbox (see :func:`_prejudge`);
        nbgrader then records them one after the other in the one gradebook.

    Raises
    ------
    PipelineError
        If bubblewrap cannot run and ``practice`` is False, or there is no secret.
    ValueError
        If ``jobs`` is not a positive integer.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"autograde: expected jobs to be an integer >= 1; got {jobs!r}. Pass --jobs 1 or more.")
    course = _course(course)
    require_sandbox(practice)
    path = Path(secret_path) if secret_path else secrets.default_path()
    try:
        secrets.load(path, forbidden=(_repository(course),))
    except secrets.SecretError as err:
        raise PipelineError(str(err)) from err
    ledger = _read_ledger(course, assignment)
    pending = sorted(s for s, e in ledger.items() if e["status"] == "received")
    env = {"COURSE_GRADER_TIMEOUT": str(timeout)} if timeout else None
    flags = [f"--JudgeInSandbox.secret_path={path.resolve()}"]
    if practice:
        flags.append("--JudgeInSandbox.practice=True")
    spool = course / _LEDGER_DIR / "parallel" / assignment
    shutil.rmtree(spool, ignore_errors=True)
    if jobs > 1 and pending:
        _prejudge(course, assignment, pending, jobs=jobs, timeout=timeout, practice=practice,
                  secret_path=path.resolve(), spool=spool)
        flags.append(f"--JudgeInSandbox.prejudged_dir={spool}")
    proc = run_nbgrader(course, "autograde", assignment, *flags, env=env, assignment=assignment)
    if jobs > 1:
        left = len(list(spool.glob("*.json"))) if spool.is_dir() else 0
        if left:
            print(f"note: {left} result(s) judged in parallel were not used; nbgrader graded those notebooks "
                  f"itself (see {proc.log_path})", file=sys.stderr)
        shutil.rmtree(spool, ignore_errors=True)
    for student in pending:
        graded = course / "autograded" / student / assignment / f"{assignment}.ipynb"
        if graded.exists():
            status, reason = _status_of_autograded(graded)
        else:
            lines = [ln for ln in proc.stdout.splitlines() if student in ln and ("ERROR" in ln or "rror" in ln)]
            status = "grader-error"
            reason = f"nbgrader could not grade this submission ({'; '.join(lines[-2:])[:300]}); see {proc.log_path}"
        ledger[student].update(status=status, reason=reason, sandbox="unsandboxed" if practice else "sandboxed")
    _write_ledger(course, assignment, ledger)
    return {s: ledger[s] for s in pending}


def feedback(assignment: str, course=None) -> Report:
    """Write ``feedback/<student>/<assignment>/<assignment>.html`` for every autograded submission."""
    course = _course(course)
    proc = run_nbgrader(course, "generate_feedback", assignment, "--force", assignment=assignment)
    report = Report()
    if proc.returncode != 0:
        report.problems.append(f"nbgrader generate_feedback {assignment} failed; see {proc.log_path}")
    return report


# --------------------------------------------------------------------------- export


_CSV_FIELDS = ("student_id", "assignment", "score", "max_score", "status", "reason", "parts", "note", "timestamp",
               "sandbox")


def _gradebook_rows(course: Path, assignments: list[str]) -> list[dict]:
    """Scores per student and assignment straight from the gradebook (sqlite)."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy 2 warns about objects outside a session: harmless here
        with Gradebook(db_url) as gb:
            students = sorted(s.id for s in gb.students)
            for assignment in assignments:
                try:
                    spec = gb.find_assignment(assignment)
                except MissingEntry:
                    continue
                max_score = spec.max_score
                for student in students:
                    row = {"student_id": student, "assignment": assignment, "max_score": f"{max_score:g}"}
                    try:
                        sub = gb.find_submission(assignment, student)
                    except MissingEntry:
                        row["submitted"] = False
                        rows.append(row)
                        continue
                    parts, manual = [], False
                    for nb in sub.notebooks:
                        for g in sorted(nb.grades, key=lambda g: g.name):
                            if g.max_score:
                                score = "?" if g.score is None else f"{g.score:g}"
                                parts.append(f"{g.name}={score}/{g.max_score:g}")
                            manual |= bool(g.needs_manual_grade)
                    row.update(
                        submitted=True, score=f"{sub.score:g}", parts="; ".join(parts),
                        needs_manual=manual, timestamp=str(sub.timestamp or ""),
                    )
                    rows.append(row)
    return rows


def export(assignments=None, course=None, *, to=None) -> list[dict]:
    """Write the grades CSV: one row per student and assignment with score, status and reason.

    Parameters
    ----------
    assignments : list of str, optional
        Defaults to every assignment in ``source/``.
    to : path, optional
        Where to write the CSV; defaults to ``<course>/grades.csv``.

    Returns
    -------
    list of dict
        The rows (columns: student_id, assignment, score, max_score,
        status, reason, parts, note, timestamp, sandbox). ``sandbox`` is
        ``sandboxed``, or ``unsandboxed`` for a practice run. ``score`` is empty when
        nothing could be graded (unreadable, missing-notebook,
        no-submission, grader-error), so no one mistakes it for a 0.
    """
    course = _course(course)
    assignments = list(assignments or assignments_in(course))
    rows = []
    for row in _gradebook_rows(course, assignments):
        entry = _read_ledger(course, row["assignment"]).get(row["student_id"], {})
        status = entry.get("status")
        out = {k: row.get(k, "") for k in _CSV_FIELDS}
        out["note"] = entry.get("note", "")
        out["sandbox"] = entry.get("sandbox", "")
        if status in ("unreadable", "missing-notebook", "grader-error"):
            out.update(score="", parts="", status=status, reason=entry.get("reason", ""))
        elif not row.get("submitted"):
            out.update(score="", status="no-submission", reason="on the roster; nothing was submitted")
        else:
            out["status"] = status if status in STATUSES else "ok"
            out["reason"] = entry.get("reason", "")
            if row.get("needs_manual"):
                out["reason"] = (out["reason"] + "; " if out["reason"] else "") + "some cells need manual grading"
        rows.append(out)
    # Students known only from the ledger (e.g. an unreadable first submission) are not in the gradebook.
    known = {(r["student_id"], r["assignment"]) for r in rows}
    for assignment in assignments:
        for student, entry in sorted(_read_ledger(course, assignment).items()):
            if (student, assignment) not in known and entry.get("status") != "received":
                if entry.get("status") == "unmatched":
                    student = ""  # the reason names the file; no student id is known
                rows.append({"student_id": student, "assignment": assignment, "score": "", "max_score": "",
                             "status": entry["status"], "reason": entry.get("reason", ""), "parts": "",
                             "note": entry.get("note", ""), "timestamp": "", "sandbox": ""})
    rows.sort(key=lambda r: (r["assignment"], r["student_id"]))
    target = Path(to) if to else course / "grades.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=_CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _require_judged(assignment: str) -> None:
    from course_grader import judge  # the judge imports the reference: only commands that grade need it

    try:
        judge.require_judged(assignment)
    except judge.JudgeError as err:
        raise PipelineError(str(err)) from None


def grade(assignment: str, course=None, *, source_dir=None, zips=(), roster=None, to=None,
          timeout: int | None = None, practice: bool = False, secret_path=None, jobs: int = 1) -> list[dict]:
    """collect → autograde → feedback → export for one assignment; return the exported rows.

    Refuses before collecting anything when the sandbox cannot run (unless ``practice``).
    """
    course = _course(course)
    require_sandbox(practice)
    _require_judged(assignment)
    if not (course / "release" / assignment / f"{assignment}.ipynb").exists():
        raise PipelineError(f"release/{assignment} does not exist: run `release {assignment}` first.")
    collect(assignment, course, source_dir=source_dir, zips=zips, roster=roster)
    autograde(assignment, course, timeout=timeout, practice=practice, secret_path=secret_path, jobs=jobs)
    report = feedback(assignment, course)
    if report.problems:
        print("\n".join(report.problems), file=sys.stderr)
    return export([assignment], course, to=to)


# --------------------------------------------------------------------------- command line


def _print_report(report: Report) -> int:
    for note in report.notes:
        print(note)
    for problem in report.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def _print_rows(rows: list[dict]) -> None:
    for r in rows:
        score = r["score"] if r["score"] != "" else "-"
        reason = f"  ({r['reason']})" if r["reason"] else ""
        note = f"  [{r['note']}]" if r.get("note") else ""
        unsafe = "  UNSANDBOXED" if r.get("sandbox") == "unsandboxed" else ""
        print(f"{r['assignment']:>15} {r['student_id'] or '?':<20} {score:>6}/{r['max_score']:<5} {r['status']}{reason}{note}"
              f"{unsafe}")


_PRACTICE_HELP = ("grade WITHOUT the sandbox (learners' code runs with your permissions; every CSV row says "
                  "unsandboxed): for trying the pipeline out, never for marks that count")


_JOBS_HELP = ("grade N submissions at once, each in its own sandbox (default 1); the gradebook is still "
              "written one submission at a time")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1; got {text!r}")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", help="the nbgrader course folder (default: ./assignments)")
    parser.add_argument("--secret", help=f"the instructor secret (default: {secrets.default_path()})")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate release notebooks, then validate source and release")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--no-check", action="store_true", help="only generate (e.g. before building the book)")
    p.add_argument("--publish-to", metavar="DIR",
                   help="also copy each release notebook to DIR/assignments/<name>/<name>.ipynb (the book's downloads)")
    p = sub.add_parser("validate", help="source must pass, release must fail cleanly")
    p.add_argument("assignments", nargs="*")
    for name, text in (("collect", "bring submissions into submitted/"), ("grade", "collect, autograde, feedback, export")):
        p = sub.add_parser(name, help=text)
        p.add_argument("assignment")
        p.add_argument("--from", dest="source_dir", help="folder with one sub-folder per student")
        p.add_argument("--zip", dest="zips", action="append", default=[], help="LMS download (repeatable)")
        p.add_argument("--roster", help="CSV of students: id,first_name,last_name,email")
        if name == "grade":
            p.add_argument("--to", help="CSV to write (default: <course>/grades.csv)")
            p.add_argument("--timeout", type=int, help="per-cell timeout in seconds for this run")
            p.add_argument("--practice", action="store_true", help=_PRACTICE_HELP)
            p.add_argument("--jobs", type=_positive, default=1, help=_JOBS_HELP)
    p = sub.add_parser("autograde", help="grade the collected submissions")
    p.add_argument("assignment")
    p.add_argument("--timeout", type=int, help="per-cell timeout in seconds for this run")
    p.add_argument("--practice", action="store_true", help=_PRACTICE_HELP)
    p.add_argument("--jobs", type=_positive, default=1, help=_JOBS_HELP)
    p = sub.add_parser("feedback", help="write the feedback HTML files")
    p.add_argument("assignment")
    p = sub.add_parser("export", help="write the grades CSV with a status per row")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--to", help="CSV to write (default: <course>/grades.csv)")
    p = sub.add_parser("selftest", help="grade solution, blank, mutants and broken submissions in a temporary copy")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--robustness", action="store_true",
                   help="also grade broken and adversarial submissions (slower; uses [selftest] timeout)")

    args = parser.parse_args(argv)
    try:
        course = _course(args.course)
        if args.command in ("release", "validate"):
            report = Report()
            for assignment in args.assignments or assignments_in(course):
                if args.command == "release":
                    report.merge(release(assignment, course, check=not args.no_check, secret_path=args.secret))
                    if args.publish_to:
                        publish_release(assignment, course, args.publish_to)
                else:
                    report.merge(validate(assignment, course, secret_path=args.secret))
            return _print_report(report)
        if args.command == "collect":
            for student, entry in sorted(collect(args.assignment, course, source_dir=args.source_dir,
                                                 zips=args.zips, roster=args.roster).items()):
                print(f"{student:<20} {entry['status']} {entry['reason']} {entry['note']}".rstrip())
            return 0
        if args.command == "autograde":
            graded = autograde(args.assignment, course, timeout=args.timeout, practice=args.practice,
                               secret_path=args.secret, jobs=args.jobs)
            for student, entry in sorted(graded.items()):
                print(f"{student:<20} {entry['status']} {entry['reason']}".rstrip())
            return 0
        if args.command == "feedback":
            return _print_report(feedback(args.assignment, course))
        if args.command == "export":
            _print_rows(export(args.assignments, course, to=args.to))
            return 0
        if args.command == "grade":
            _print_rows(grade(args.assignment, course, source_dir=args.source_dir, zips=args.zips,
                              roster=args.roster, to=args.to, timeout=args.timeout, practice=args.practice,
                              secret_path=args.secret, jobs=args.jobs))
            return 0
        if args.command == "selftest":
            from course_grader import selftest

            ok = True
            for assignment in args.assignments or assignments_in(course):
                result = selftest.run(assignment, course, robustness=args.robustness)
                print(result.summary())
                ok &= result.ok
            return 0 if ok else 1
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
