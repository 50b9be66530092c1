"""`grade --jobs N`: submissions run N at a time, one sandbox (and one uid) each, one gradebook, and the
same grades as one at a time; its feedback names each test by its part.

Real nbgrader and the real sandbox on four `forward_pass` submissions (the solution, the blank release
and two mutants): graded with --jobs 1, then collected again and graded with --jobs 2 in the same
course; the CSV rows must be equal, and nbgrader's serial pass must have used every result judged in
parallel (none graded twice).
"""

from __future__ import annotations

import concurrent.futures
import html
import os
import re
import shutil
import sys

import nbformat
import pytest

from course_grader import pipeline, sandbox, selftest
from course_pkg.checks import parts_of

ASSIGNMENT = "forward_pass"

try:
    sandbox.check()
except sandbox.SandboxUnavailable as err:
    pytest.skip(f"no sandbox here: {err}", allow_module_level=True)


def test_slot_uids_differ_and_slot_zero_is_the_default():
    uids = [sandbox.slot_uid(n) for n in range(8)]
    assert uids[0] == sandbox.UID and len(set(uids)) == 8
    with pytest.raises(ValueError, match="slot_uid"):
        sandbox.slot_uid(-1)


@pytest.mark.skipif(os.geteuid() != 0, reason="an ordinary user's sandboxes all run as that user")
def test_sandboxes_running_at_once_have_their_own_uid_and_scratch():
    def whoami(slot):
        uid = sandbox.slot_uid(slot)
        scratch = sandbox.make_scratch(uid=uid)
        try:
            code = "import os, time; open('mine', 'w').write(str(os.getuid())); time.sleep(0.5); print(os.listdir('.'))"
            outcome = sandbox.run([sys.executable, "-I", "-c", code], scratch, uid=uid)
            return uid, outcome.output, (scratch / "work" / "mine").read_text()
        finally:
            shutil.rmtree(scratch.parent, ignore_errors=True)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(whoami, [0, 1]))
    for uid, output, written in results:
        assert written == str(uid)
        assert "['mine']" in output  # the other run's file is not in this scratch folder
    assert results[0][0] != results[1][0]


def test_jobs_2_gives_the_rows_of_jobs_1(tmp_path):
    course = selftest.prepare(workdir=tmp_path, assignments=[ASSIGNMENT])
    source = nbformat.read(str(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    release = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    fixtures = selftest.build_fixtures(source, release, ASSIGNMENT, selftest.load_mutants(course, ASSIGNMENT))[:4]
    assert {f.student for f in fixtures} >= {"solution", "blank"} and len(fixtures) == 4
    incoming = tmp_path / "incoming"
    for fx in fixtures:
        for name, content in fx.files.items():
            (incoming / fx.student).mkdir(parents=True, exist_ok=True)
            (incoming / fx.student / name).write_bytes(content)
    rows = {}
    for jobs in (1, 2):
        graded = pipeline.grade(ASSIGNMENT, course, source_dir=incoming, secret_path=selftest.secret_of(course),
                                jobs=jobs, to=tmp_path / f"grades-{jobs}.csv")
        rows[jobs] = [{k: v for k, v in r.items() if k != "timestamp"} for r in graded]
    assert rows[2] == rows[1]
    by_student = {r["student_id"]: r for r in rows[2]}
    assert by_student["solution"]["score"] == by_student["solution"]["max_score"]
    assert by_student["blank"]["score"] == "0"
    assert len({r["score"] for r in rows[2]}) >= 2  # the batch is not all one score
    logs = sorted((course / ".grading" / "logs").glob("*-autograde-*.log"))
    assert logs[-1].read_text().count("used the result judged in parallel") == 4
    assert "judged in parallel" not in logs[-2].read_text()
    assert not (course / ".grading" / "parallel" / ASSIGNMENT).exists()
    # The feedback of a parallel run names each test by its part and labels visible and hidden results.
    mutant = next(f.student for f in fixtures if f.student.startswith("mutant-"))
    page = html.unescape((course / "feedback" / mutant / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text())
    assert ">Test cell</a>" not in page
    for part in parts_of(ASSIGNMENT):
        assert f">{part.title}</a>" in page, part.title
    assert page.count("visible cases:") >= 2 * len(parts_of(ASSIGNMENT))
    counts = [(int(a), int(b)) for a, b in re.findall(r"cases: <b>(\d+) of (\d+) passed</b>", page)]
    assert any(a < b for a, b in counts) and any(a == b for a, b in counts)  # the mutant fails one part


def test_jobs_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="jobs"):
        pipeline.autograde(ASSIGNMENT, selftest.pipeline.default_course_dir(), jobs=0)
    with pytest.raises(SystemExit):
        pipeline.main(["grade", ASSIGNMENT, "--from", str(tmp_path), "--jobs", "0"])
