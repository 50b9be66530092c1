"""End to end: the NumPy assignments graded by real nbgrader with a sqlite gradebook, every notebook in
the sandbox, in one temporary copy of the course shared by this module.

For every assignment the instructor solution scores full marks, the blank release scores 0 with status
ok (each test failing cleanly because nothing is written yet), and each mutant listed in
assignments/selftest/<assignment>.toml fails exactly its target test. The robustness set (stderr
noise, copied / deleted / markdown / edited test cells, skip tags, a shadowing package, invalid JSON,
misnamed and missing notebooks, a roster student without a submission, a runaway loop, a loop that
ignores interrupts, a crash) runs on `forward_pass` (judged outside the sandbox) and on `perceptrons`
(whose checks still run inside it). Feedback never shows hidden tests or hidden values.
"""

from __future__ import annotations

import csv
import html
import os
import subprocess
import sys
import zipfile

import nbformat
import numpy as np
import pytest

from course_grader import pipeline, sandbox, selftest
from course_pkg.numpy_nn import activations
from grading_expectations import assert_graded_as_designed

pytestmark = pytest.mark.slow

try:
    sandbox.check()
except sandbox.SandboxUnavailable as err:
    pytest.skip(f"no sandbox here: {err}", allow_module_level=True)

NUMPY_ASSIGNMENTS = ["perceptrons", "forward_pass", "backprop", "optimizers"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A throw-away copy of assignments/ with the NumPy assignments released."""
    return selftest.prepare(workdir=tmp_path_factory.mktemp("grading"), assignments=NUMPY_ASSIGNMENTS)


@pytest.fixture(scope="module")
def results(course):
    """Self-test every NumPy assignment once (robustness fixtures on the first), shared by the tests."""
    out = {}
    for assignment in NUMPY_ASSIGNMENTS:
        robust = assignment in ("perceptrons", "forward_pass")
        out[assignment] = selftest.run(assignment, course, prepared=True, robustness=robust)
        print(out[assignment].summary())
    return out


@pytest.mark.parametrize("assignment", NUMPY_ASSIGNMENTS)
def test_solution_full_blank_zero_and_each_mutant_fails_its_part(results, assignment):
    assert_graded_as_designed(results[assignment])


def test_robustness_statuses_are_reasons_not_silent_zeros(results):
    rows = results["perceptrons"].rows
    assert rows["r-invalid-json"]["status"] == "unreadable" and rows["r-invalid-json"]["score"] == ""
    assert "invalid JSON" in rows["r-invalid-json"]["reason"]
    assert rows["r-no-notebook"]["status"] == "missing-notebook"
    assert rows["r-on-roster-only"]["status"] == "no-submission" and rows["r-on-roster-only"]["score"] == ""
    assert rows["r-misnamed"]["score"] == rows["r-misnamed"]["max_score"]
    assert "perceptrons (1).ipynb" in rows["r-misnamed"]["note"]
    runaway = rows["mutant-r-runaway-loop"]
    assert runaway["status"] == "timeout" and "test_perceptron_converges" in runaway["reason"]
    assert float(runaway["score"]) == float(runaway["max_score"]) - 1
    assert rows["mutant-r-kernel-dies"]["status"] == "kernel-died"
    assert "gates" in rows["mutant-r-kernel-dies"]["reason"]
    # The batch went on after the loops and the crash.
    assert rows["z-solution-after-trouble"]["score"] == rows["z-solution-after-trouble"]["max_score"]
    for noisy in ("r-noisy-stderr", "r-duplicated-test", "r-deleted-test", "r-test-as-markdown"):
        assert rows[noisy]["score"] == rows[noisy]["max_score"], noisy
    for attack in ("r-edited-tests", "r-skip-tags", "r-shadow-package"):
        assert float(rows[attack]["score"]) == 0, attack


def test_robustness_of_a_judged_assignment(results):
    rows = results["forward_pass"].rows
    runaway = rows["mutant-r-runaway-loop"]
    assert runaway["status"] == "timeout" and float(runaway["score"]) == float(runaway["max_score"]) - 2
    unkillable = rows["mutant-r-unkillable-loop"]
    assert unkillable["status"] == "timeout" and "no progress" in unkillable["reason"]
    crashed = rows["mutant-r-kernel-dies"]
    assert crashed["status"] == "kernel-died" and "test_vector_dot=1/1" in crashed["parts"]
    for noisy in ("r-noisy-stderr", "r-duplicated-test", "r-deleted-test", "r-test-as-markdown", "r-misnamed",
                  "z-solution-after-trouble"):
        assert rows[noisy]["score"] == rows[noisy]["max_score"], noisy
    for attack in ("r-edited-tests", "r-skip-tags", "r-shadow-package"):
        assert float(rows[attack]["score"]) == 0, attack


def test_exported_csv_has_a_status_for_every_row(results, course):
    rows = pipeline.export(["perceptrons"], course, to=course / "all.csv")
    with open(course / "all.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(rows) > 20
    for row in table:
        assert row["status"] in pipeline.STATUSES
        if row["status"] in ("unreadable", "missing-notebook", "no-submission", "grader-error"):
            assert row["score"] == "" and row["reason"]


def test_feedback_names_the_case_and_hides_hidden_values(results, course):
    assert results["forward_pass"].ok
    path = course / "feedback" / "mutant-softmax-no-max-shift" / "forward_pass" / "forward_pass.html"
    text = html.unescape(path.read_text())
    assert "softmax, visible case 'huge logits (near 1000)': softmax overflowed for logits near 1000 — " \
           "subtract each row's max first" in text
    assert "Traceback (most recent call last)" not in text and "----> " not in text
    assert "passed 6 visible and 11 hidden cases" in text  # the parts it got right
    # Neither the inputs nor the expected probabilities of the hidden huge-logit cases appear.
    from course_grader import judge, secret
    from course_pkg.checks import forward_pass

    key = secret.load(selftest.secret_of(course))
    hidden = [c for c in judge._cases_for(forward_pass.SOFTMAX, "forward_pass", key, 2) if c.hidden]
    for case in hidden:
        z = case.inputs["args"][0]
        for value in [*np.ravel(z), *activations.softmax(z).ravel()]:
            if len(f"{abs(value):.10g}".replace(".", "").strip("0")) >= 5:  # round numbers (0.2, 3) are everywhere
                for shown in (f"{value:.5f}", f"{value:.8f}", repr(float(value)), str(np.float64(value))):
                    assert shown not in text, (case.kind, shown)


def test_validate_reports_source_and_release(course):
    report = pipeline.validate("optimizers", course)
    assert not report.problems, report.problems
    assert any("release fails all 5 tests cleanly" in note for note in report.notes)
    # A solution that fails a hidden test is caught before release.
    source = course / "source" / "optimizers" / "optimizers.ipynb"
    original = source.read_text()
    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "adam":
            cell.source = cell.source.replace("self.t += 1", "self.t = 1")
    nbformat.write(nb, str(source))
    try:
        report = pipeline.validate("optimizers", course)
    finally:
        source.write_text(original)
    assert any("a test failed with the solution" in p and "check_adam" in p for p in report.problems), report.problems


def test_lms_zip_goes_through_zip_collect(results, course, tmp_path):
    solved = selftest.solution_notebook(
        nbformat.read(str(course / "source" / "optimizers" / "optimizers.ipynb"), as_version=4),
        nbformat.read(str(course / "release" / "optimizers" / "optimizers.ipynb"), as_version=4),
    )
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("optimizers_ada_attempt_2026-03-01-10-00-00_optimizers.ipynb", nbformat.writes(solved))
        zf.writestr("optimizers_ben_attempt_2026-03-01-11-00-00_Optimizers copy.ipynb", nbformat.writes(solved))
        zf.writestr("optimizers_cal_attempt_2026-03-01-12-00-00_optimizers.ipynb", '{"cells": [')
    rows = {r["student_id"]: r for r in pipeline.grade("optimizers", course, zips=[archive], to=tmp_path / "g.csv",
                                                        secret_path=selftest.secret_of(course))}
    assert rows["ada"]["score"] == rows["ada"]["max_score"] == "7"
    assert rows["ben"]["score"] == "7" and "renamed" in rows["ben"]["note"]
    assert rows["cal"]["status"] == "unreadable"


def test_cli_export_prints_statuses(results, course):
    proc = subprocess.run(
        [sys.executable, "-m", "course_grader", "--course", str(course), "export", "perceptrons",
         "--to", str(course / "cli.csv")],
        capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "unreadable" in proc.stdout and "kernel-died" in proc.stdout and "timeout" in proc.stdout


