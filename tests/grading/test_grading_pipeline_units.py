"""Fast unit tests of the grading pipeline's pieces: intake hygiene, status detection, the source
linter, the judge's handling of results and the nbgrader preprocessors (on small synthetic notebooks,
without running nbgrader or the sandbox)."""

from __future__ import annotations

import json
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_grader import judge, pipeline, sandbox
from course_grader import preprocessors as pp
from course_grader.secret import Secret
from course_pkg.checks import forward_pass


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _test_cell(grade_id, source="check(f)", points=1, outputs=()):
    cell = new_code_cell(source, metadata=_meta(grade_id, grade=True, locked=True, points=points))
    cell.outputs = list(outputs)
    return cell


# --------------------------------------------------------------------------- linter


def test_lint_flags_bare_expressions_tags_and_duplicate_ids(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("def f(): pass", metadata=_meta("f", solution=True)),
        _test_cell("test_a", "import numpy as np\nnp.allclose(f(), 1)"),
        _test_cell("test_b", "check(f)"),
        _test_cell("test_b", "check(f)"),
        _test_cell("test_c", "check(f)", points=0),
    ])
    nb.cells[2].metadata["tags"] = ["skip-execution"]
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, str(path))
    problems = "\n".join(pipeline.lint_source(path).problems)
    assert "test_a' ends in a bare expression" in problems
    assert "skip-execution" in problems
    assert "'test_b' is used twice" in problems
    assert "'test_c' has no points" in problems


def test_lint_holds_ported_assignments_to_one_test_cell_per_part(tmp_path):
    test_cells = [_test_cell(part.grade_id, f"checks.check_{part.target}({part.target})")
                  for part in forward_pass.PARTS]
    test_cells[0].source += "\n### BEGIN HIDDEN TESTS\nchecks.check_vector_dot(vector_dot)\n### END HIDDEN TESTS"
    nb = new_notebook(cells=[*test_cells[:-1], _test_cell("test_extra", "checks.check_vector_dot(vector_dot)")])
    path = tmp_path / "forward_pass" / "forward_pass.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, str(path))
    problems = "\n".join(pipeline.lint_source(path).problems)
    assert "hidden tests" in problems
    assert "'test_extra' is not a part of course_pkg.checks.forward_pass" in problems
    assert "no test cell for the part(s) ['test_mlp_shapes']" in problems


def test_lint_accepts_the_course_sources():
    course = pipeline.default_course_dir()
    for assignment in pipeline.assignments_in(course):
        report = pipeline.lint_source(course / "source" / assignment / f"{assignment}.ipynb")
        assert not report.problems, report.problems


# --------------------------------------------------------------------------- intake


def _touch(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pick_notebook_prefers_the_exact_name_then_renames(tmp_path):
    exact = _touch(tmp_path / "a" / "forward_pass.ipynb")
    other = _touch(tmp_path / "a" / "scratch.ipynb")
    assert pipeline._pick_notebook([exact, other], "forward_pass") == (exact, "")
    single = _touch(tmp_path / "b" / "Untitled.ipynb")
    chosen, note = pipeline._pick_notebook([single], "forward_pass")
    assert chosen == single and "renamed 'Untitled.ipynb'" in note
    copy = _touch(tmp_path / "c" / "Forward_Pass (1).ipynb")
    chosen, note = pipeline._pick_notebook([copy, _touch(tmp_path / "c" / "notes.ipynb")], "forward_pass")
    assert chosen == copy and "renamed" in note
    assert pipeline._pick_notebook([_touch(tmp_path / "d" / "x.ipynb"), _touch(tmp_path / "d" / "y.ipynb")],
                                   "forward_pass") == (None, "")


def test_read_notebook_reports_why_it_is_unreadable(tmp_path):
    nb, why = pipeline._read_notebook(_touch(tmp_path / "bad.ipynb", '{"cells": ['))
    assert nb is None and "invalid JSON" in why and "line 1" in why
    nb, why = pipeline._read_notebook(_touch(tmp_path / "list.ipynb", "[1, 2]"))
    assert nb is None and "not a Jupyter notebook" in why
    binary = tmp_path / "zip.ipynb"
    binary.write_bytes(b"PK\x03\x04\xff\xfe")
    assert "not text" in pipeline._read_notebook(binary)[1]


def test_read_notebook_repairs_duplicate_cell_ids(tmp_path):
    nb = new_notebook(cells=[new_code_cell("1"), new_code_cell("2")])
    data = json.loads(nbformat.writes(nb))
    data["cells"][1]["id"] = data["cells"][0]["id"]
    read, why = pipeline._read_notebook(_touch(tmp_path / "dup.ipynb", json.dumps(data)))
    assert why is None
    assert len({c["id"] for c in read.cells}) == 2


def test_collect_keeps_only_the_notebook_and_records_statuses(tmp_path):
    course = tmp_path / "course"
    _touch(course / "nbgrader_config.py", "")
    incoming = tmp_path / "incoming"
    good = nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")]))
    _touch(incoming / "ann" / "perceptrons (2).ipynb", good)
    _touch(incoming / "ann" / "course_pkg" / "__init__.py", "raise SystemExit")
    _touch(incoming / "bob" / "perceptrons.ipynb", '{"cells": [')
    _touch(incoming / "cy" / "readme.txt", "no notebook")
    batch = pipeline.collect("perceptrons", course, source_dir=incoming)
    assert batch["ann"]["status"] == "received" and "renamed" in batch["ann"]["note"]
    assert batch["bob"]["status"] == "unreadable" and "invalid JSON" in batch["bob"]["reason"]
    assert batch["cy"]["status"] == "missing-notebook" and "readme.txt" in batch["cy"]["reason"]
    kept = sorted(p.relative_to(course / "submitted").as_posix() for p in (course / "submitted").rglob("*") if p.is_file())
    assert kept == ["ann/perceptrons/perceptrons.ipynb"]
    assert json.loads((course / ".grading" / "perceptrons.json").read_text())["bob"]["status"] == "unreadable"


# --------------------------------------------------------------------------- statuses


def _error(ename, evalue="x"):
    return new_output("error", ename=ename, evalue=evalue, traceback=[])


@pytest.mark.parametrize(
    ("outputs", "status", "fragment"),
    [
        ([], "ok", ""),
        ([_error("AssertionError")], "ok", ""),
        ([_error(judge.TIMEOUT_ENAME, "ran longer than the 8 s limit")], "timeout", "test_a: ran longer"),
        ([_error(judge.KERNEL_DIED_ENAME)], "kernel-died", "the notebook stopped in test_a"),
    ],
)
def test_status_of_autograded_notebook(tmp_path, outputs, status, fragment):
    nb = new_notebook(cells=[_test_cell("test_a", outputs=outputs), new_markdown_cell("text")])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    got_status, reason = pipeline._status_of_autograded(path)
    assert got_status == status
    assert fragment in reason


# --------------------------------------------------------------------------- preprocessors


def test_robust_deduplicate_keeps_the_last_copy_as_the_graded_one():
    nb = new_notebook(cells=[_test_cell("t", "first"), _test_cell("t", "second"), _test_cell("u")])
    nb, _ = pp.RobustDeduplicateIds().preprocess(nb, {})
    assert "nbgrader" not in nb.cells[0].metadata
    assert nb.cells[1].metadata.nbgrader["grade_id"] == "t"
    assert nb.cells[2].metadata.nbgrader["grade_id"] == "u"


def test_a_marker_in_a_learners_comment_does_not_stop_feedback():
    solution = new_code_cell("def f():\n    # ### BEGIN HIDDEN TESTS was in my notes\n    return 1",
                             metadata=_meta("f", solution=True))
    test = _test_cell("t", "check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, hidden=True)\n### END HIDDEN TESTS")
    nb = new_notebook(cells=[solution, test])
    nb, _ = pp.ClearHiddenTestsInTestCells().preprocess(nb, {})
    assert "BEGIN HIDDEN TESTS was in my notes" in nb.cells[0].source
    assert nb.cells[1].source.strip() == "check(f)"


def test_feedback_keeps_only_the_error_message_of_test_cells():
    traceback = ["Cell In[7], line 3", "      2 ### BEGIN HIDDEN", "----> 3 check(f, secret=42)", "CheckFailed: msg"]
    error = new_output("error", ename="course_pkg.checks._core.CheckFailed", evalue="softmax: message", traceback=traceback)
    nb = new_notebook(cells=[_test_cell("t", outputs=[error, new_output("display_data", data={"text/plain": "x"})])])
    nb, _ = pp.SanitizeGradeCellFeedback().preprocess(nb, {})
    (out,) = nb.cells[0].outputs
    assert out.ename == "CheckFailed"
    assert out.traceback == ["CheckFailed: softmax: message"]


def test_learner_outputs_are_rebuilt_from_known_types_and_capped():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "x" * 200_000},
        {"output_type": "stream", "name": "stdin", "text": "odd"},
        {"output_type": "display_data", "data": {"text/html": "<script>alert(1)</script>", "text/plain": "fig"}},
        {"output_type": "display_data", "data": {"image/png": "not base64!"}},
        {"output_type": "error", "ename": 5, "evalue": "boom", "traceback": ["line"] * 500},
        "not a dict",
        {"output_type": "execute_result", "data": {"text/plain": "'forged'"}},
    ]
    clean = judge._sanitise_outputs(outputs)
    assert [o.output_type for o in clean] == ["stream", "display_data", "error"]
    assert len(clean[0].text) == 100_000
    assert clean[1].data == {"text/plain": "fig"}
    assert clean[2].ename == "Error" and len(clean[2].traceback) == 60


def _plan_and_raw(records, *, finished, killed=None):
    """A forward_pass plan with one code cell and the softmax part, and what a sandbox returned for it."""
    nb = new_notebook(cells=[
        new_code_cell("import numpy as np"),
        _test_cell("test_softmax", "checks.check_softmax(softmax)"),
        new_code_cell("print(1)"),
    ])
    secret = Secret(bytes(32))
    plan = judge.make_plan(nb, "forward_pass", secret, cell_timeout=5)
    outcome = sandbox.Outcome(returncode=-9 if killed else 0, killed=killed, output="", output_bytes=0, seconds=1.0)
    return plan, judge.Raw(records, outcome, finished=finished), secret


def test_the_judge_turns_a_stopped_run_into_statuses_and_zeros():
    cell = {"status": "ok", "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]}
    plan, raw, secret = _plan_and_raw([cell, None, None], finished=False,
                                      killed="no progress for 15 s (a cell that could not be interrupted)")
    assert [item["kind"] for item in plan.items] == ["code", "probe", "code"]
    judged = judge.judge(plan, raw, secret)
    assert judged.status == "timeout"
    assert judged.cell_outputs[0][0].text == "hi\n"
    stopped, verdict = judged.cell_outputs[1]  # the run stopped while this part was being checked
    assert stopped.ename == judge.TIMEOUT_ENAME and "checking softmax ran longer than the 5 s limit" in stopped.evalue
    assert verdict.ename == judge.CHECK_FAILED_ENAME and "no result came back" in verdict.evalue
    assert judged.cell_outputs[2][0].ename == judge.NOT_RUN_ENAME
    plan, raw, secret = _plan_and_raw([cell, None, None], finished=False)
    judged = judge.judge(plan, raw, secret)
    assert judged.status == "kernel-died"


def test_the_judge_writes_one_verdict_per_test_cell():
    plan, raw, secret = _plan_and_raw([None, None, None], finished=True)
    cases = plan.cases[1]
    assert any(c.hidden for c in cases) and any(not c.hidden for c in cases)
    reference = forward_pass.SOFTMAX.reference()
    from course_pkg.checks import probes

    right = {"results": [probes.run(forward_pass.SOFTMAX.probe, reference, c.inputs) for c in cases]}
    cell = {"status": "ok", "outputs": []}
    plan, raw, secret = _plan_and_raw([cell, right, cell], finished=True)
    judged = judge.judge(plan, raw, secret)
    (out,) = judged.cell_outputs[1]
    assert out.output_type == "stream" and "passed 8 visible and 16 hidden cases" in out.text
    wrong = {"results": right["results"][:-1] + [{"returned": [[0.5, 0.5]]}]}
    plan, raw, secret = _plan_and_raw([cell, wrong, cell], finished=True)
    (out,) = judge.judge(plan, raw, secret).cell_outputs[1]
    assert out.ename == "CheckFailed" and out.evalue.startswith("softmax, hidden case 'zeros (uniform)'")


def test_an_assignment_without_a_judge_is_refused_before_anything_runs(tmp_path):
    """A notebook whose own test cells decided its score would be judged in the learner's process."""
    nb = new_notebook(cells=[new_code_cell("x = 1"), _test_cell("test_mine", "assert x == 1")])
    with pytest.raises(judge.JudgeError, match="no judge for the assignment 'homework_7'.*perceptrons"):
        judge.make_plan(nb, "homework_7", Secret(bytes(32)), cell_timeout=5)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(pipeline.PipelineError, match="no judge for the assignment 'homework_7'"):
        pipeline.grade("homework_7", tmp_path, practice=True)
    assert [p.name for p in tmp_path.iterdir()] == ["nbgrader_config.py"]  # refused before collecting anything


def test_cli_help_lists_every_step(capsys):
    with pytest.raises(SystemExit) as info:
        pipeline.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for step in ("release", "validate", "collect", "autograde", "feedback", "export", "grade", "selftest"):
        assert step in text


# --------------------------------------------------------------------------- the instructor secret


def test_the_secret_is_private_outside_the_repository_and_reproducible(tmp_path):
    from course_grader import secret

    repository = tmp_path / "repo"
    repository.mkdir()
    with pytest.raises(secret.SecretError, match="must live outside"):
        secret.create(repository / "keys" / "secret", forbidden=(repository,))
    with pytest.raises(secret.SecretMissing, match="release` creates one"):
        secret.load(tmp_path / "nothing", forbidden=(repository,))
    path = secret.create(tmp_path / "private" / "secret", forbidden=(repository,))
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret.create(path) == path  # an existing secret is kept, never replaced
    first, second = secret.load(path), secret.load(path)
    draw = lambda key: key.rng_for("forward_pass", "test_softmax").normal(size=3).tolist()  # noqa: E731
    assert draw(first) == draw(second)
    assert draw(first) != first.rng_for("forward_pass", "test_sigmoid").normal(size=3).tolist()
    other = secret.create(tmp_path / "other" / "secret")
    assert draw(secret.load(other)) != draw(first)
    path.chmod(0o644)
    with pytest.raises(secret.SecretError, match="chmod 600"):
        secret.load(path)
