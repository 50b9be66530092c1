"""Prove the grader: grade known submissions through the real pipeline and compare.

For one assignment, in a temporary copy of the course (so the real gradebook is
never touched), :func:`run` releases the assignment, builds a batch of
submissions, grades them with :func:`course_grader.pipeline.grade` (real
nbgrader, sqlite gradebook, every notebook in the sandbox) and checks each outcome:

``solution``       the instructor solution: full marks, status ok
``blank``          the release as distributed: 0, status ok
mutants            one deliberately wrong submission per graded part, listed in
                   ``<course>/selftest/<assignment>.toml``: each fails exactly
                   the tests it names and keeps every other point
robustness         (``robustness=True``) broken or adversarial submissions:
                   stderr noise, a copied / deleted / markdown / edited test
                   cell, skip tags, a shadowing ``course_pkg`` folder, invalid
                   JSON, a misnamed notebook, no notebook, a roster student
                   who submitted nothing, plus the runaway-loop and
                   kernel-crash entries of the TOML file

It also checks that no feedback file contains a hidden test's source or a
traceback. The mutant file format::

    [selftest]
    timeout = 8            # optional per-cell limit for the batch (runaway loops)

    [[mutant]]
    name = "softmax-no-shift"      # becomes the fake student's id
    cell = "softmax"               # grade_id of the solution cell to edit
    old = "z - z.max(axis=1, keepdims=True)"
    new = "z"                      # replaces `old` (which must occur in the solution)
    fails = ["test_softmax"]       # the tests that must score 0; all others full marks
    status = "ok"                  # optional: "timeout" or "kernel-died"
    robustness = false             # optional: true = only run with the robustness set
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_grader import pipeline
from course_grader import secret as secrets

__all__ = ["Fixture", "SelfTestResult", "build_fixtures", "prepare", "run", "secret_of", "solution_notebook",
           "load_mutants"]

_GENERATED = ("release", "submitted", "autograded", "feedback", "downloaded", "gradebook.db", ".grading", "grades.csv")


@dataclass
class Fixture:
    """One fake student's submission and what grading it must give."""

    student: str
    description: str
    files: dict[str, bytes]  # path inside the student's folder -> content
    status: str = "ok"
    zero: tuple[str, ...] | None = ()  # tests that must score 0 (others: full marks); None = all of them
    check_parts: bool = True
    on_roster_only: bool = False


@dataclass
class SelfTestResult:
    """Outcome of :func:`run`: one line per fixture, and the problems found."""

    assignment: str
    rows: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    fixtures: list[Fixture] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    course: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        lines = [f"selftest {self.assignment}: {len(self.fixtures)} submissions, "
                 f"{'OK' if self.ok else f'{len(self.problems)} PROBLEM(S)'}"]
        for name, secs in self.seconds.items():
            lines.append(f"  {name}: {secs:.1f} s")
        lines += [f"  PROBLEM: {p}" for p in self.problems]
        return "\n".join(lines)


# --------------------------------------------------------------------------- building submissions


def _strip_solution_markers(source: str) -> str:
    return "\n".join(ln for ln in source.split("\n") if "BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln)


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def solution_notebook(source_nb, release_nb):
    """The release notebook with every solution cell filled in from the source: a perfect student."""
    solutions = {_grade_id(c): c.source for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = _grade_id(cell)
        if cell.metadata.get("nbgrader", {}).get("solution") and gid in solutions:
            cell.source = _strip_solution_markers(solutions[gid])
    return nb


def load_mutants(course: Path, assignment: str) -> dict:
    """Read ``<course>/selftest/<assignment>.toml`` (an empty spec if there is none)."""
    path = course / "selftest" / f"{assignment}.toml"
    if not path.exists():
        return {"selftest": {}, "mutant": []}
    with open(path, "rb") as fh:
        spec = tomllib.load(fh)
    spec.setdefault("selftest", {})
    spec.setdefault("mutant", [])
    return spec


def _mutate(nb, mutant: dict):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if _grade_id(cell) == mutant["cell"]:
            if mutant["old"] not in cell.source:
                raise ValueError(f"mutant {mutant['name']}: {mutant['old']!r} is not in cell {mutant['cell']!r}")
            cell.source = cell.source.replace(mutant["old"], mutant["new"], 1)
            return nb
    raise ValueError(f"mutant {mutant['name']}: no cell with grade_id {mutant['cell']!r}")


def _dump(nb) -> bytes:
    return nbformat.writes(nb).encode()


_NOISE_CELL = '''\
# Correct code can be noisy: a Python warning and a TensorFlow-style C++ log line on stderr
# before every later cell, test cells included.
import os, warnings
warnings.simplefilter("always")
def _noise(*_):
    warnings.warn("this warning must not cost points", UserWarning)
    os.write(2, b"2026-03-01 12:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:210] noise\\n")
get_ipython().events.register("pre_run_cell", _noise)
'''

_SHADOW_INIT = b'''\
# A submitted folder that tries to shadow the real course_pkg with checks that always pass.
class _Pass:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None
def __getattr__(name):
    return _Pass()
'''


def build_fixtures(source_nb, release_nb, assignment: str, spec: dict, *, robustness=False) -> list[Fixture]:
    """All submissions of one self-test batch, with their expected outcomes.

    ``robustness`` is False (solution, blank, mutants), True (plus every broken and adversarial
    submission) or a collection of fixture names to add (e.g. ``{"r-noisy-stderr"}``).
    """
    if robustness and robustness is not True:
        wanted = set(robustness)
        every = build_fixtures(source_nb, release_nb, assignment, spec, robustness=True)
        base = {f.student for f in build_fixtures(source_nb, release_nb, assignment, spec)}
        return [f for f in every if f.student in base or f.student in wanted]
    solved = solution_notebook(source_nb, release_nb)
    tests = [_grade_id(c) for c in release_nb.cells if _is_test(c)]
    name = f"{assignment}.ipynb"
    fixtures = [
        Fixture("solution", "the instructor solution", {name: _dump(solved)}),
        Fixture("blank", "the release, untouched", {name: _dump(release_nb)}, zero=None),
    ]
    for mutant in spec["mutant"]:
        if mutant.get("robustness") and not robustness:
            continue
        fails = tuple(mutant["fails"])
        fixtures.append(Fixture(
            f"mutant-{mutant['name']}", mutant.get("description", f"mutant of {mutant['cell']}"),
            {name: _dump(_mutate(solved, mutant))}, status=mutant.get("status", "ok"),
            zero=None if fails == ("*",) else fails,
        ))
    if not robustness:
        return fixtures

    first_test = tests[0]
    noisy = copy.deepcopy(solved)
    noisy.cells.insert(1, nbformat.v4.new_code_cell(_NOISE_CELL))
    fixtures.append(Fixture("r-noisy-stderr", "correct code writing warnings and TF log lines to stderr",
                            {name: _dump(noisy)}))

    dup = copy.deepcopy(solved)
    index = next(i for i, c in enumerate(dup.cells) if _grade_id(c) == first_test)
    copied = copy.deepcopy(dup.cells[index])
    copied["id"] = "copied-test-cell"  # Jupyter gives a pasted cell a new id; the grade_id stays
    dup.cells.insert(index + 1, copied)
    fixtures.append(Fixture("r-duplicated-test", "a test cell copied (same grade_id twice)", {name: _dump(dup)}))

    deleted = copy.deepcopy(solved)
    deleted.cells = [c for c in deleted.cells if _grade_id(c) != first_test]
    fixtures.append(Fixture("r-deleted-test", "a test cell deleted: restored and run", {name: _dump(deleted)}))

    as_markdown = copy.deepcopy(solved)
    for i, cell in enumerate(as_markdown.cells):
        if _grade_id(cell) == first_test:
            md = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.get("id"))
            as_markdown.cells[i] = md
    fixtures.append(Fixture("r-test-as-markdown", "a test cell turned into markdown: restored",
                            {name: _dump(as_markdown)}))

    edited = copy.deepcopy(release_nb)
    for cell in edited.cells:
        if _is_test(cell):
            cell.source = "pass"
    fixtures.append(Fixture("r-edited-tests", "blank, with every test cell replaced by `pass`",
                            {name: _dump(edited)}, zero=None))

    skipped = copy.deepcopy(release_nb)
    for cell in skipped.cells:
        if _is_test(cell):
            cell.metadata["tags"] = ["skip-execution", "raises-exception"]
    fixtures.append(Fixture("r-skip-tags", "blank, with test cells tagged skip-execution",
                            {name: _dump(skipped)}, zero=None))

    fixtures.append(Fixture(
        "r-shadow-package", "blank plus a course_pkg/ folder whose checks always pass",
        {name: _dump(release_nb), "course_pkg/__init__.py": _SHADOW_INIT,
         "course_pkg/checks/__init__.py": _SHADOW_INIT}, zero=None,
    ))
    fixtures.append(Fixture("r-invalid-json", "a truncated notebook file",
                            {name: _dump(solved)[:200]}, status="unreadable", check_parts=False))
    fixtures.append(Fixture("r-misnamed", "the solution saved under another name",
                            {f"{assignment} (1).ipynb": _dump(solved)}))
    fixtures.append(Fixture("r-no-notebook", "a submission without a notebook",
                            {"notes.txt": b"I could not finish."}, status="missing-notebook", check_parts=False))
    fixtures.append(Fixture("r-on-roster-only", "a roster student who submitted nothing", {},
                            status="no-submission", check_parts=False, on_roster_only=True))
    # Sorted after the runaway loop and the crash, so the batch is shown to go on after them.
    fixtures.append(Fixture("z-solution-after-trouble", "the solution again, graded last", {name: _dump(solved)}))
    return fixtures


# --------------------------------------------------------------------------- running


def _copy_course(course: Path, target: Path) -> Path:
    def ignore(directory, names):
        if Path(directory) == course:
            return [n for n in names if n in _GENERATED]
        return [n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith((".keras", ".h5"))]

    shutil.copytree(course, target, ignore=ignore)
    return target


def _parse_parts(parts: str) -> dict[str, tuple[float | None, float]]:
    out = {}
    for item in filter(None, (p.strip() for p in parts.split(";"))):
        gid, score = item.split("=")
        got, top = score.split("/")
        out[gid] = (None if got == "?" else float(got), float(top))
    return out


def _check_outcome(fixture: Fixture, row: dict | None, tests: list[str]) -> list[str]:
    who = f"{fixture.student} ({fixture.description})"
    if row is None:
        return [f"{who}: no row in the exported CSV"]
    problems = []
    if row["status"] != fixture.status:
        problems.append(f"{who}: status {row['status']!r}, expected {fixture.status!r} ({row['reason']})")
    if not fixture.check_parts:
        if row["score"] != "":
            problems.append(f"{who}: an ungraded submission shows the score {row['score']!r}")
        return problems
    parts = _parse_parts(row["parts"])
    if sorted(parts) != sorted(tests):
        return problems + [f"{who}: graded tests {sorted(parts)}, expected {sorted(tests)}"]
    zero = set(tests) if fixture.zero is None else set(fixture.zero)
    for gid, (got, top) in parts.items():
        want = 0.0 if gid in zero else top
        if got != want:
            problems.append(f"{who}: {gid} scored {got}, expected {want:g} of {top:g}")
    return problems


def _sandbox_seconds(course: Path, assignment: str, students: list[str]) -> list[float]:
    """Seconds each autograded notebook spent in its sandbox (recorded by the judge)."""
    out = []
    for student in students:
        path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
        if path.exists():
            record = nbformat.read(str(path), as_version=4).metadata.get("course_grader", {})
            if "seconds" in record:
                out.append(float(record["seconds"]))
    return out


def _hidden_lines(source_nb) -> list[str]:
    lines = []
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                lines.append(line.strip())
    return lines


def _check_feedback(course: Path, assignment: str, students: list[str], source_nb) -> list[str]:
    import html

    problems = []
    hidden = _hidden_lines(source_nb)
    for student in students:
        path = course / "feedback" / student / assignment / f"{assignment}.html"
        if not path.exists():
            problems.append(f"{student}: no feedback file")
            continue
        text = html.unescape(path.read_text())
        leaked = [h for h in hidden if h in text]
        if leaked:
            problems.append(f"{student}: feedback shows hidden-test source: {leaked[0]!r}")
        if "hidden=True" in text:
            problems.append(f"{student}: feedback mentions a hidden check call")
    return problems


def secret_of(course: Path) -> Path:
    """The throw-away instructor secret of a course copy made by :func:`prepare` (beside the copy)."""
    return Path(course).parent / "instructor.secret"


def prepare(course=None, workdir=None, assignments=None) -> Path:
    """Copy the course to a temporary folder and release ``assignments`` there; return the copy.

    The copy holds no gradebook, submissions or feedback from the original, and
    gets its own secret (:func:`secret_of`), so hidden values differ from the real ones.
    """
    course = pipeline._course(course)
    base = Path(tempfile.mkdtemp(prefix="selftest-", dir=workdir))
    temp = _copy_course(course, base / "course")
    secrets.create(secret_of(temp), forbidden=(temp,))
    for assignment in assignments or pipeline.assignments_in(temp):
        report = pipeline.release(assignment, temp, check=False)
        if report.problems:
            raise RuntimeError("; ".join(report.problems))
    return temp


def run(assignment: str, course=None, *, robustness=False, prepared: bool = False,
        keep: bool = False, extra=(), practice: bool = False) -> SelfTestResult:
    """Self-test one assignment end to end.

    Parameters
    ----------
    assignment : str
        The assignment to test.
    course : path, optional
        The course folder (default: ``assignments/``). Unless ``prepared``,
        it is copied to a temporary folder first and never changed.
    robustness : bool or collection of str, default False
        Add the broken and adversarial submissions (True: all of them; or the names of some).
    prepared : bool, default False
        ``course`` is already a throw-away copy made by :func:`prepare`
        (several assignments can then share one copy and one gradebook).
    keep : bool, default False
        Keep the temporary copy (its path is ``result.course``).
    extra : sequence of Fixture
        More submissions to grade in the same batch (an adversarial corpus).
    practice : bool, default False
        Grade without the sandbox (see :mod:`course_grader.sandbox`).

    Returns
    -------
    SelfTestResult
        ``ok`` is True when every submission graded as expected.
    """
    result = SelfTestResult(assignment)
    clock = time.perf_counter()
    temp = pipeline._course(course) if prepared else prepare(course, assignments=[assignment])
    result.seconds["copy and release"] = time.perf_counter() - clock
    result.course = temp
    work = Path(tempfile.mkdtemp(prefix=f"{assignment}-", dir=temp.parent))
    try:
        source_nb = nbformat.read(str(temp / "source" / assignment / f"{assignment}.ipynb"), as_version=4)
        release_nb = nbformat.read(str(temp / "release" / assignment / f"{assignment}.ipynb"), as_version=4)
        spec = load_mutants(temp, assignment)
        try:
            fixtures = build_fixtures(source_nb, release_nb, assignment, spec, robustness=robustness) + list(extra)
        except ValueError as err:
            result.problems.append(str(err))
            return result
        result.fixtures = fixtures
        incoming = work / "incoming"
        for fx in fixtures:
            if fx.on_roster_only:
                continue
            folder = incoming / fx.student
            folder.mkdir(parents=True)
            for rel, content in fx.files.items():
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_bytes(content)
        roster = work / "roster.csv"
        roster.write_text("id,first_name,last_name,email\n" + "".join(f"{f.student},,,\n" for f in fixtures))
        timeout = spec["selftest"].get("timeout") if robustness is True else None
        # The steps of pipeline.grade, timed one by one.
        clock = time.perf_counter()
        pipeline.collect(assignment, temp, source_dir=incoming, roster=roster)
        result.seconds["collect"] = time.perf_counter() - clock
        clock = time.perf_counter()
        pipeline.autograde(assignment, temp, timeout=timeout, practice=practice, secret_path=secret_of(temp))
        result.seconds["autograde (batch)"] = time.perf_counter() - clock
        graded = sum(1 for f in fixtures if f.status not in ("unreadable", "missing-notebook", "no-submission"))
        result.seconds["autograde per graded submission"] = result.seconds["autograde (batch)"] / max(graded, 1)
        inside = _sandbox_seconds(temp, assignment, [f.student for f in fixtures])
        if inside:
            result.seconds["sandbox run, median"] = sorted(inside)[len(inside) // 2]
        clock = time.perf_counter()
        report = pipeline.feedback(assignment, temp)
        result.problems += report.problems
        result.seconds["feedback"] = time.perf_counter() - clock
        rows = pipeline.export([assignment], temp, to=work / "grades.csv")
        by_student = {r["student_id"]: r for r in rows}
        result.rows = by_student
        tests = [_grade_id(c) for c in release_nb.cells if _is_test(c)]
        for fx in fixtures:
            result.problems += _check_outcome(fx, by_student.get(fx.student), tests)
        misnamed = by_student.get("r-misnamed") if any(f.student == "r-misnamed" for f in fixtures) else None
        if misnamed is not None and "renamed" not in misnamed["note"]:
            result.problems.append("r-misnamed: the export does not say the notebook was renamed")
        result.problems += _check_blank_fails_cleanly(temp, assignment)
        fed = [f.student for f in fixtures if f.status in ("ok", "timeout", "kernel-died")]
        result.problems += _check_feedback(temp, assignment, fed, source_nb)
        return result
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
            if not prepared:
                shutil.rmtree(temp.parent, ignore_errors=True)
                result.course = None


def _check_blank_fails_cleanly(course: Path, assignment: str) -> list[str]:
    """Every test of the blank release must fail because nothing is written yet, for no other reason."""
    path = course / "autograded" / "blank" / assignment / f"{assignment}.ipynb"
    if not path.exists():
        return ["blank: no autograded notebook"]
    problems = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        if not _is_test(cell):
            continue
        errors = [(o.get("ename", ""), o.get("evalue", "")) for o in cell.outputs if o.get("output_type") == "error"]
        if not errors or not all(pipeline._fails_cleanly(name, value) for name, value in errors):
            problems.append(f"blank: test {_grade_id(cell)} should fail because nothing is written yet; "
                            f"got {[f'{n}: {v[:120]}' for n, v in errors] or 'no error'}")
    return problems


def _main() -> None:  # pragma: no cover - `python -m course_grader.selftest NAME [--robustness] [--keep]`
    import sys

    res = run(sys.argv[1], robustness="--robustness" in sys.argv, keep="--keep" in sys.argv)
    print(res.summary())
    print(json.dumps(res.rows, indent=1))
    if res.course is not None:
        print(f"kept: {res.course}")


if __name__ == "__main__":  # pragma: no cover
    _main()
