"""Fast unit tests of the grading pipeline's pieces: intake hygiene, status detection, the source
linter and the hardening preprocessors (on small synthetic notebooks, without running nbgrader)."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_pkg.grading import pipeline
from course_pkg.grading import preprocessors as pp


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
        ([_error(pp.TIMEOUT_ENAME, "ran longer than the 8 s limit")], "timeout", "test_a: ran longer"),
        ([_error(pp.KERNEL_DIED_ENAME)], "kernel-died", "the kernel died in test_a"),
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


def test_untrusted_metadata_is_stripped():
    cell = _test_cell("t")
    cell.metadata["tags"] = ["skip-execution"]
    cell.metadata["editable"] = False
    nb, _ = pp.StripUntrustedCellMetadata().preprocess(new_notebook(cells=[cell]), {})
    assert set(nb.cells[0].metadata) == {"nbgrader", "editable"}


def test_stderr_and_execute_results_do_not_score_in_test_cells():
    stream_err = new_output("stream", name="stderr", text="UserWarning: noise\n")
    stream_out = new_output("stream", name="stdout", text="ok\n")
    result = new_output("execute_result", data={"text/plain": "'pwned'"}, execution_count=1)
    graded = _test_cell("t", outputs=[stream_err, stream_out, result])
    plain = new_code_cell("print(1)")
    plain.outputs = [stream_err]
    nb = new_notebook(cells=[graded, plain])
    nb, _ = pp.DropStderrInGradeCells().preprocess(nb, {})
    nb, _ = pp.DropExecuteResultInGradeCells().preprocess(nb, {})
    assert [o.get("name", o.output_type) for o in nb.cells[0].outputs] == ["stdout"]
    assert nb.cells[1].outputs == [stream_err]  # learner cells keep their warnings


def test_feedback_keeps_only_the_error_message_of_test_cells():
    traceback = ["Cell In[7], line 3", "      2 ### BEGIN HIDDEN", "----> 3 check(f, secret=42)", "CheckFailed: msg"]
    error = new_output("error", ename="course_pkg.grading._core.CheckFailed", evalue="softmax: message", traceback=traceback)
    nb = new_notebook(cells=[_test_cell("t", outputs=[error, new_output("display_data", data={"text/plain": "x"})])])
    nb, _ = pp.SanitizeGradeCellFeedback().preprocess(nb, {})
    (out,) = nb.cells[0].outputs
    assert out.ename == "CheckFailed"
    assert out.traceback == ["CheckFailed: softmax: message"]


def test_huge_outputs_are_capped():
    cell = new_code_cell("print('x' * 10**6)")
    cell.outputs = [new_output("stream", name="stdout", text="x" * 200_000), new_output("stream", name="stdout", text="ok")]
    nb, _ = pp.CapOutputSize().preprocess(new_notebook(cells=[cell]), {})
    assert "removed by the grader" in nb.cells[0].outputs[0].text
    assert nb.cells[0].outputs[1].text == "ok"


def test_cli_help_lists_every_step(capsys):
    with pytest.raises(SystemExit) as info:
        pipeline.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for step in ("release", "validate", "collect", "autograde", "feedback", "export", "grade", "selftest"):
        assert step in text


def test_importing_the_checks_pulls_in_neither_tensorflow_nor_nbgrader():
    code = (
        "import sys, course_pkg.grading as g\n"
        "from course_pkg.grading import perceptrons, forward_pass, backprop, optimizers, keras_models, keras_training\n"
        "bad = [m for m in ('tensorflow', 'keras', 'nbgrader') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
