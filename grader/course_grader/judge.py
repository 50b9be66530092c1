"""Judge one submission: plan it, run it in the sandbox, compare the results outside.

:func:`grade_notebook` does the three steps and writes the outcome into the
notebook's cells, so that nbgrader's own steps (``SaveAutoGrades``, feedback)
score and render it:

1. **Plan** (:func:`make_plan`). The learner's program is the notebook's code
   cells in order, with each test cell replaced by a probe item for its part
   (its ``grade_id`` names a :class:`~course_pkg.checks.Part`). Each part gets
   its visible cases and hidden cases of the same kinds, whose random values
   come from the instructor secret.
2. **Run** (:func:`run_plan`). The program and the cases' inputs are written
   into a fresh scratch folder; :mod:`course_grader.host` runs them inside the
   sandbox and writes each cell's outputs and each probe's results as data.
3. **Judge** (:func:`judge`). Here, in the trusted process that never runs
   learner code, the results are read with :func:`course_pkg.checks.wire.load`
   (strict, capped), the same probes run on the reference, and
   :func:`course_pkg.checks.evaluate` gives each part its verdict. A test cell
   gets a one-line stream when its part passed, else an error output named
   ``CheckFailed`` whose value is the message. Learner cells get their own
   outputs back (sanitised), or a ``KernelDied``, ``CellTimeoutError`` or
   ``NotRun`` error where the run stopped.

Only assignments whose parts ``course_pkg.checks`` declares can be graded:
a notebook whose own test cells decided its score would compute the verdict
in the learner's process, so :func:`make_plan` refuses any other assignment.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from course_grader import sandbox
from course_pkg.checks import Case, Part, evaluate, parts_of, wire
from course_pkg.checks import ASSIGNMENTS, SANDBOX_IMPORTABLE
from course_pkg.checks import probes

__all__ = [
    "TIMEOUT_ENAME",
    "KERNEL_DIED_ENAME",
    "NOT_RUN_ENAME",
    "CHECK_FAILED_ENAME",
    "JudgeError",
    "Plan",
    "Judged",
    "make_plan",
    "run_plan",
    "judge",
    "grade_notebook",
    "limits_for",
    "is_test_cell",
    "course_environment",
    "feedback_labels",
]

# Error names written into cells; the pipeline reads them back to give each submission a status.
TIMEOUT_ENAME = "CellTimeoutError"
KERNEL_DIED_ENAME = "KernelDied"
NOT_RUN_ENAME = "NotRun"
CHECK_FAILED_ENAME = "CheckFailed"


# Caps on what the trusted side accepts from one item's result file.
_MAX_ITEM_BYTES = 16 * 2**20
_MAX_ITEM_VALUES = 20_000
_MAX_TEXT = 100_000
_MAX_OUTPUTS = 40


class JudgeError(RuntimeError):
    """Grading could not run at all for this submission (not the learner's mistake)."""


def is_test_cell(cell) -> bool:
    """An autograded test cell: nbgrader ``grade`` without ``solution``, in a code cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


# --------------------------------------------------------------------------- plan


@dataclass
class Plan:
    """What to run for one notebook: items in order and the cases of each probe item."""

    assignment: str
    items: list = field(default_factory=list)          # dicts, written to program.json
    cases: dict = field(default_factory=dict)          # item index -> list of Case
    parts: dict = field(default_factory=dict)          # item index -> Part
    unjudged: dict = field(default_factory=dict)       # cell index -> why a test cell has no part


def limits_for(cell_timeout: float, n_items: int, *, memory_gib: float = 4, processes: int = 64) -> sandbox.Limits:
    """Sandbox limits for a notebook of ``n_items`` items with ``cell_timeout`` seconds per item.

    The wall clock allows every item its full time plus start-up; the stall
    watchdog stops a cell that ignores its interruption a few seconds after
    its limit.
    """
    wall = cell_timeout * max(n_items, 1) + 60
    return sandbox.Limits(
        memory_bytes=int(memory_gib * sandbox.GiB), processes=processes,
        cpu_seconds=int(wall * 2), wall_seconds=wall, stall_seconds=cell_timeout + 10,
    )


def require_judged(assignment: str) -> None:
    """Raise :class:`JudgeError` unless ``course_pkg.checks`` declares the parts of ``assignment``."""
    if assignment not in ASSIGNMENTS:
        raise JudgeError(
            f"the grader has no judge for the assignment {assignment!r}; it judges "
            f"{', '.join(sorted(ASSIGNMENTS))}. Declare its parts in course_pkg.checks (see the "
            "instructor guide) before grading it: a notebook's own test cells would decide its score inside "
            "the learner's process.")


def make_plan(nb, assignment: str, secret, *, cell_timeout: float, repeats: int = 2) -> Plan:
    """Turn a (sanitised) submission into a :class:`Plan`.

    Parameters
    ----------
    nb : NotebookNode
    assignment : str
    secret : course_grader.secret.Secret
        Seeds the hidden cases.
    cell_timeout : float
        Seconds per cell and per probe.
    repeats : int, default 2
        Hidden cases per kind.
    """
    require_judged(assignment)
    plan = Plan(assignment)
    parts = {part.grade_id: part for part in parts_of(assignment)}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not is_test_cell(cell):
            plan.items.append({"kind": "code", "source": cell.source, "timeout": cell_timeout, "cell": index})
            continue
        part = parts.get(_grade_id(cell))
        if part is None:
            plan.unjudged[index] = f"the grader has no part for the test cell '{_grade_id(cell)}'"
            continue
        n = len(plan.items)
        plan.items.append({"kind": "probe", "target": part.target, "timeout": cell_timeout, "cell": index,
                           "probe": f"{part.probe.__module__}:{part.probe.__name__}"})
        plan.parts[n] = part
        plan.cases[n] = _cases_for(part, assignment, secret, repeats)
    return plan


_CASES: dict = {}


def _cases_for(part: Part, assignment: str, secret, repeats: int) -> list[Case]:
    key = (assignment, part.grade_id, secret.fingerprint(), repeats)
    if key not in _CASES:
        hidden = part.cases(secret.rng_for(assignment, part.grade_id), repeats)
        _CASES[key] = part.visible_cases() + [replace(case, hidden=True) for case in hidden]
    return _CASES[key]


_EXPECTED: dict = {}


def _expected_for(part: Part, assignment: str, cases: list[Case], key_extra) -> list[dict]:
    """The reference's probe results, computed once per part and secret in this trusted process."""
    key = (assignment, part.grade_id, key_extra, len(cases))
    if key not in _EXPECTED:
        reference = part.reference()
        _EXPECTED[key] = [probes.run(part.probe, reference, case.inputs) for case in cases]
    return _EXPECTED[key]


# --------------------------------------------------------------------------- run


@dataclass
class Raw:
    """What came back from the sandbox: one record per item (None where none came back)."""

    records: list
    outcome: sandbox.Outcome
    finished: bool


def run_plan(plan: Plan, *, files=(), limits: sandbox.Limits, practice: bool = False,
             env: dict | None = None, read_only: tuple = (), scratch_parent=None, uid: int = sandbox.UID) -> Raw:
    """Run ``plan`` in a fresh sandbox; return the records the host wrote.

    Parameters
    ----------
    files : sequence of paths
        Data files the assignment needs, copied into the working folder.
    limits : sandbox.Limits
    practice : bool
        Run without the sandbox (see :func:`course_grader.sandbox.run`).
    env : dict, optional
        Extra environment variables for the notebook.
    read_only : tuple of paths
        Folders shown read-only (a data folder).
    uid : int, default 65534
        The learner's uid when grading as root (one per parallel slot: :func:`course_grader.sandbox.slot_uid`).
    """
    scratch = sandbox.make_scratch(scratch_parent, uid=uid)
    try:
        grader = scratch / "grader"
        (grader / "program.json").write_text(json.dumps({"items": plan.items}))
        wire.dump({str(n): [case.inputs for case in cases] for n, cases in plan.cases.items()}, grader, "cases")
        for path in files:
            shutil.copyfile(path, scratch / "work" / Path(path).name)
        if os.geteuid() == 0:
            for path in [*grader.iterdir(), *(scratch / "work").iterdir()]:
                os.chown(path, uid, uid)
        outcome = sandbox.run(
            sandbox.python_command("course_grader.host", f"{sandbox.SCRATCH}/grader"), scratch,
            limits=limits, env=env, practice=practice, importable=SANDBOX_IMPORTABLE,
            read_only=read_only, progress_file="grader/out/progress", uid=uid,
        )
        out = scratch / "grader" / "out"
        records = [_read_record(out, n) for n in range(len(plan.items))]
        progress = sandbox.read_small(out / "progress")
        if progress is None and not any(r is not None for r in records):
            raise JudgeError(
                "the grading host did not start in the sandbox (exit status "
                f"{outcome.returncode}{', ' + outcome.killed if outcome.killed else ''}): {outcome.output[-1500:]}"
            )
        return Raw(records, outcome, finished=progress == "done")
    finally:
        _remove(scratch.parent)


def _read_record(folder: Path, n: int):
    try:
        return wire.load(folder, f"item-{n}", max_bytes=_MAX_ITEM_BYTES, max_items=_MAX_ITEM_VALUES)
    except FileNotFoundError:
        return None
    except (wire.WireError, OSError):
        return {"unreadable": True}


def _remove(folder: Path) -> None:
    """Delete a scratch folder whatever the learner's code did to its permissions."""

    def retry(function, path, _exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass

    shutil.rmtree(folder, onerror=retry)


# --------------------------------------------------------------------------- judge


@dataclass
class Judged:
    """The outcome of one submission."""

    cell_outputs: dict                 # cell index -> list of NotebookNode outputs
    verdicts: dict                     # grade_id -> Verdict (ported assignments)
    status: str = "ok"                 # ok, timeout or kernel-died
    reason: str = ""
    sandboxed: bool = True
    seconds: float = 0.0


def judge(plan: Plan, raw: Raw, secret) -> Judged:
    """Read every record, judge every part, and build each cell's outputs."""
    outputs: dict = {}
    verdicts: dict = {}
    status, reasons = "ok", []
    stopped_at = None if raw.finished else next((n for n, r in enumerate(raw.records) if r is None), None)
    for n, item in enumerate(plan.items):
        cell, record = item["cell"], raw.records[n]
        usable = isinstance(record, dict) and not record.get("unreadable")
        if n == stopped_at:
            status, why = _stop_status(raw.outcome)
            reasons.append(f"{why} in cell {cell}")
        if item["kind"] == "code":
            if usable:
                outputs[cell] = _sanitise_outputs(record.get("outputs"))
                if record.get("status") == "timeout":
                    status = "timeout" if status == "ok" else status
                    reasons.append(f"cell {cell} ran past its time limit")
            elif record is None:
                outputs[cell] = [_stop_output(n, stopped_at, raw.outcome, item)]
            else:
                outputs[cell] = [_error(NOT_RUN_ENAME, "the grader could not read what this cell did")]
            continue
        part, cases = plan.parts[n], plan.cases[n]
        results = record.get("results") if usable else None
        got = (list(results) if isinstance(results, list) else [])[: len(cases)]
        got += [None] * (len(cases) - len(got))
        expected = _expected_for(part, plan.assignment, cases, secret.fingerprint())
        verdict = evaluate(part, cases, got, expected)
        verdicts[part.grade_id] = verdict
        outputs[cell] = [_verdict_output(verdict)]
        if n == stopped_at:
            outputs[cell].insert(0, _stop_output(n, stopped_at, raw.outcome, item))
        elif any(isinstance(g, dict) and isinstance(g.get("error"), dict)
                 and g["error"].get("type") == "GradingTimeout" for g in got):
            status = "timeout" if status == "ok" else status
            reasons.append(f"{part.grade_id} ran past its time limit")
    for cell, why in plan.unjudged.items():
        outputs[cell] = [_error(CHECK_FAILED_ENAME, f"{why}; please tell your instructor.")]
    return Judged(outputs, verdicts, status, "; ".join(dict.fromkeys(reasons)), raw.outcome.sandboxed,
                  raw.outcome.seconds)


def _stop_status(outcome: sandbox.Outcome) -> tuple[str, str]:
    if outcome.killed and ("wall-clock" in outcome.killed or "no progress" in outcome.killed):
        return "timeout", f"stopped after {outcome.killed}"
    if outcome.killed:
        return "kernel-died", f"stopped at {outcome.killed}"
    return "kernel-died", "the Python process died"


def _stop_output(n: int, stopped_at, outcome: sandbox.Outcome, item: dict):
    if n != stopped_at:
        return _error(NOT_RUN_ENAME, "this cell was not run because an earlier cell crashed the notebook or "
                                     "could not be stopped")
    status, why = _stop_status(outcome)
    what = "this cell" if item["kind"] == "code" else f"checking {item['target']}"
    if status == "timeout":
        return _error(TIMEOUT_ENAME, f"{what} ran longer than the {item['timeout']:g} s limit and did not "
                                     "stop when interrupted (does it catch KeyboardInterrupt or BaseException?)")
    if outcome.killed:
        return _error(KERNEL_DIED_ENAME, f"the notebook was stopped while {what} ran: it went past {outcome.killed}")
    return _error(KERNEL_DIED_ENAME, f"the Python process died while {what} ran (os._exit, a crash, "
                                     "or out of memory)")


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _verdict_output(verdict):
    if verdict.passed:
        return nbformat.v4.new_output("stream", name="stdout", text=verdict.summary() + "\n")
    return _error(CHECK_FAILED_ENAME, verdict.summary())


def _text(value, limit: int = _MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _sanitise_outputs(outputs) -> list:
    """Rebuild a learner cell's outputs from scratch: known types, strings only, capped."""
    clean = []
    for out in outputs if isinstance(outputs, list) else []:
        if len(clean) >= _MAX_OUTPUTS or not isinstance(out, dict):
            break
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") in ("stdout", "stderr"):
            clean.append(nbformat.v4.new_output("stream", name=out["name"], text=_text(out.get("text"))))
        elif kind == "error":
            trace = out.get("traceback")
            trace = [_text(line, 2000) for line in trace[:60]] if isinstance(trace, list) else []
            clean.append(nbformat.v4.new_output("error", ename=_text(out.get("ename"), 200) or "Error",
                                                evalue=_text(out.get("evalue"), 10_000), traceback=trace))
        elif kind == "display_data" and isinstance(out.get("data"), dict):
            data = {}
            if isinstance(out["data"].get("text/plain"), str):
                data["text/plain"] = _text(out["data"]["text/plain"], 10_000)
            png = out["data"].get("image/png")
            if isinstance(png, str) and len(png) <= 1_000_000 and _is_base64(png):
                data["image/png"] = png
            if data:
                clean.append(nbformat.v4.new_output("display_data", data=data))
    return clean


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- all three


def course_environment() -> tuple[dict, tuple]:
    """The course's switches a graded notebook should see, and the folders to show it read-only.

    The sandbox starts with an empty environment. Fast mode (``COURSE_FAST``, shorter trainings
    in CI) passes through (as ``1`` or ``0``); downloads are off (``COURSE_OFFLINE=1``: there is no network);
    the offline MNIST folder (``COURSE_DATA_DIR``) is shown read-only when it exists.
    """
    from course_pkg import settings  # the one reader of COURSE_* variables

    env = {"COURSE_OFFLINE": "1"}
    read_only: tuple = ()
    if settings.is_set("COURSE_FAST"):
        env["COURSE_FAST"] = "1" if settings.fast_mode() else "0"
    data = settings.data_dir()
    if data is not None and data.is_dir():
        env["COURSE_DATA_DIR"] = str(data.resolve())
        read_only = (data.resolve(),)
    return env, read_only


def grade_notebook(nb, assignment: str, secret, *, cell_timeout: float, practice: bool = False,
                   files=(), repeats: int = 2, memory_gib: float = 4, processes: int = 64,
                   env: dict | None = None, read_only: tuple = (), uid: int = sandbox.UID) -> Judged:
    """Plan, run and judge one notebook; write the outputs into ``nb`` (in place) and return the outcome.

    Parameters
    ----------
    nb : NotebookNode
        The submission after nbgrader's sanitising steps (locked cells restored).
    assignment : str
    secret : course_grader.secret.Secret
    cell_timeout : float
        Seconds per cell and per part.
    practice : bool, default False
        Run without the sandbox (see :mod:`course_grader.sandbox`).
    files : sequence of paths
        The assignment's data files.
    repeats : int, default 2
        Hidden cases per kind.
    memory_gib, processes
        Sandbox limits (see :func:`limits_for`).
    env : dict, optional
        Extra environment variables for the notebook (default: :func:`course_environment`).
    read_only : tuple of paths
        Folders shown read-only inside the sandbox (default: :func:`course_environment`).
    uid : int, default 65534
        The learner's uid when grading as root (see :func:`course_grader.sandbox.slot_uid`).

    Returns
    -------
    Judged
    """
    if env is None:
        env, read_only = course_environment()
    plan = make_plan(nb, assignment, secret, cell_timeout=cell_timeout, repeats=repeats)
    limits = limits_for(cell_timeout, len(plan.items), memory_gib=memory_gib, processes=processes)
    raw = run_plan(plan, files=files, limits=limits, practice=practice, env=env, read_only=read_only, uid=uid)
    judged = judge(plan, raw, secret)
    count = 0
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("course_grader", None)  # only the judge writes it
        if cell.cell_type != "code":
            continue
        count += 1
        cell.outputs = judged.cell_outputs.get(index, [])
        cell.execution_count = count
        verdict = judged.verdicts.get(_grade_id(cell)) if is_test_cell(cell) else None
        if verdict is not None:
            cell.metadata["course_grader"] = feedback_labels(verdict)
    return judged


def feedback_labels(verdict) -> dict:
    """The part's title and its visible and hidden results, for the feedback page's headings.

    >>> from types import SimpleNamespace as N
    >>> feedback_labels(N(part=N(title="Part 1: dot"), n_visible=3, n_hidden=4, failed_kinds=("(hidden) huge",)))
    {'title': 'Part 1: dot', 'visible': '3 of 3 passed', 'hidden': '3 of 4 passed'}
    """
    failed = [kind.split(")", 1)[0].lstrip("(") for kind in verdict.failed_kinds]
    labels = {"title": verdict.part.title,
              "visible": f"{verdict.n_visible - failed.count('visible')} of {verdict.n_visible} passed"}
    if verdict.n_hidden:
        labels["hidden"] = f"{verdict.n_hidden - failed.count('hidden')} of {verdict.n_hidden} passed"
    return labels
