"""nbgrader preprocessors of the course's grader (nbgrader 0.9.x).

``assignments/nbgrader_config.py`` puts them into nbgrader's pipelines. What
each one protects against:

Sanitize pass (before anything runs)
    :class:`RobustDeduplicateIds`
        A test cell copied by a learner has the same ``grade_id`` twice;
        nbgrader's own ``DeduplicateIds`` leaves the copy with empty metadata,
        which a later check rejects with an error that stops the whole batch.
        Here the copy simply becomes an ordinary cell.
    :class:`RestoreNbgraderFlags`
        A learner who flips a test cell's ``grade`` or ``solution`` flag made
        nbgrader fail with "Inconsistent checksums" and lose the submission;
        the flags are put back from the gradebook first.
Autograde pass
    :class:`JudgeInSandbox` (instead of nbgrader's ``Execute``)
        Runs the learner's cells in the sandbox and judges each part outside
        it (see :mod:`course_grader.judge`); writes the verdicts into the test
        cells' outputs, which nbgrader's ``SaveAutoGrades`` then scores.
Feedback
    :class:`ClearHiddenTestsInTestCells`
        nbgrader's ``ClearHiddenTests`` also reads solution cells, and a
        learner's comment that happens to contain its marker made feedback
        generation fail; only test cells (restored from the gradebook) can
        hold hidden tests, so only they are cleared.
    :class:`SanitizeGradeCellFeedback`
        Keeps only ``ErrorName: message`` of test-cell errors, because a
        traceback quotes the source lines around the failing call.
    The ``course_feedback`` template (:data:`FEEDBACK_TEMPLATE_DIRS`)
        Names each test by its part's title ("Part 5: a stable softmax")
        instead of nbgrader's "Test cell", and labels its visible and hidden
        results (written by the judge into ``cell.metadata.course_grader``).

Plain ``nbgrader zip_collect``
    :class:`ExactTimestampCollector`
        nbgrader reads a file name's time with a free-form date parser that
        turns ``2026-03-01-23-59-00`` into 23:00:00, so late penalties were
        wrong by up to 59 minutes; this plugin reads it with the exact
        format. (``grade --zip`` does not use zip_collect: see
        :mod:`course_grader.intake`.)

Importing this module imports nbgrader.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from traitlets import Bool, Dict, Float, Integer, Unicode

from course_grader import intake, judge, sandbox, secret
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

__all__ = [
    "RobustDeduplicateIds",
    "RestoreNbgraderFlags",
    "JudgeInSandbox",
    "ClearHiddenTestsInTestCells",
    "SanitizeGradeCellFeedback",
    "data_files",
    "apply_result",
    "ExactTimestampCollector",
    "FEEDBACK_TEMPLATE_DIRS",
]


class RobustDeduplicateIds(NbGraderPreprocessor):
    """Keep the last cell of each grade_id; turn earlier copies into plain cells."""

    def preprocess(self, nb, resources):
        seen = set()
        for cell in reversed(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is None:
                continue
            if grade_id in seen:
                self.log.warning("Cell with id '%s' appears more than once; keeping the last copy", grade_id)
                for key in ("nbgrader", "editable", "deletable"):
                    cell.metadata.pop(key, None)
            else:
                seen.add(grade_id)
        return nb, resources


class RestoreNbgraderFlags(NbGraderPreprocessor):
    """Re-impose grade/solution/locked/points from the gradebook before ``OverwriteCells``."""

    def preprocess(self, nb, resources):
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader")
                if not meta or "grade_id" not in meta:
                    continue
                grade_id = meta["grade_id"]
                try:
                    source = gb.find_source_cell(grade_id, notebook_id, assignment_id)
                except MissingEntry:
                    continue  # OverwriteCells drops unknown ids
                try:
                    graded = gb.find_graded_cell(grade_id, notebook_id, assignment_id)
                    meta["grade"] = True
                    meta["points"] = graded.max_score
                except MissingEntry:
                    meta["grade"] = False
                    meta.pop("points", None)
                try:
                    gb.find_solution_cell(grade_id, notebook_id, assignment_id)
                    meta["solution"] = True
                except MissingEntry:
                    meta["solution"] = False
                meta["locked"] = source.locked
        return nb, resources


class JudgeInSandbox(NbGraderPreprocessor):
    """Grade the notebook in the sandbox and judge it outside (replaces nbgrader's ``Execute``).

    Configuration (``c.JudgeInSandbox.<name>``): ``timeout`` and
    ``assignment_timeouts`` (seconds per cell and per part), ``assignment_limits``
    (``{"keras_training": {"memory_gib": 12, "processes": 256}}``),
    ``secret_path``, ``practice`` (no sandbox: for trying things out only) and
    ``repeats`` (hidden cases per kind).

    A submission whose run cannot even start (the sandbox is broken, not the
    learner's code) raises :class:`~course_grader.judge.JudgeError`, which
    nbgrader reports as a failed submission; the pipeline shows it as
    ``grader-error``.
    """

    timeout = Float(60, help="Seconds per cell and per part (assignments not in assignment_timeouts).").tag(config=True)
    assignment_timeouts = Dict({}, help="Seconds per cell and per part, by assignment id.").tag(config=True)
    assignment_limits = Dict({}, help="Sandbox limits by assignment id: memory_gib, processes.").tag(config=True)
    secret_path = Unicode("", help="The instructor secret (default: ~/.config/course-grader/secret).").tag(config=True)
    practice = Bool(False, help="Run learners' code without the sandbox (never for real marks).").tag(config=True)
    repeats = Integer(2, help="Hidden cases per kind of case.").tag(config=True)

    prejudged_dir = Unicode("", help="Folder of results judged in parallel beforehand (grade --jobs).").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        files = data_files(folder)
        judge.require_judged(assignment)
        key = secret.load(self.secret_path or None)
        if self.prejudged_dir:
            done = Path(self.prejudged_dir) / f"{self.run_key(nb, assignment, files, key)}.json"
            if done.is_file():
                apply_result(nb, json.loads(done.read_text()))
                done.unlink()
                self.log.info("%s: used the result judged in parallel", assignment)
                return nb, resources
            self.log.warning("%s: no result judged in parallel matches this notebook; grading it now", assignment)
        self.judge_into(nb, assignment, files, key)
        return nb, resources

    def settings(self, assignment: str) -> dict:
        """Time and sandbox limits for ``assignment`` from this configuration."""
        limits = dict(self.assignment_limits.get(assignment, {}))
        return {"cell_timeout": float(self.assignment_timeouts.get(assignment, self.timeout)),
                "memory_gib": float(limits.get("memory_gib", 4)), "processes": int(limits.get("processes", 64)),
                "practice": bool(self.practice), "repeats": int(self.repeats)}

    def run_key(self, nb, assignment: str, files, key) -> str:
        """A digest of everything a verdict depends on: cells, data files, settings, secret."""
        digest = hashlib.sha256()
        cells = [[c.cell_type, c.source, {k: c.metadata.get("nbgrader", {}).get(k) for k in
                                          ("grade_id", "grade", "solution", "locked", "points")}]
                 for c in nb.cells]
        digest.update(json.dumps([assignment, cells, self.settings(assignment), key.fingerprint()],
                                 sort_keys=True, default=str).encode())
        for path in files:
            digest.update(Path(path).name.encode() + b"\0" + hashlib.sha256(Path(path).read_bytes()).digest())
        return digest.hexdigest()

    def judge_into(self, nb, assignment: str, files, key, uid: int = sandbox.UID) -> dict:
        """Grade ``nb`` in place (sandbox, then judge); return what :func:`apply_result` needs to redo it."""
        judged = judge.grade_notebook(nb, assignment, key, files=files, uid=uid, **self.settings(assignment))
        self.log.info("%s graded in %.1f s (%s%s)", assignment, judged.seconds, judged.status,
                      "" if judged.sandboxed else ", unsandboxed")
        # For the instructor's tools (never rendered in feedback): how this notebook was run.
        nb.metadata["course_grader"] = {"sandboxed": judged.sandboxed, "seconds": round(judged.seconds, 3),
                                        "status": judged.status, "reason": judged.reason}
        return {"metadata": nb.metadata["course_grader"],
                "cells": [[i, c.get("outputs"), c.get("execution_count"), c.metadata.get("course_grader")]
                          for i, c in enumerate(nb.cells)]}


#: Where nbconvert finds the course's feedback template (``course_feedback``) and nbgrader's, which it extends.
FEEDBACK_TEMPLATE_DIRS = [
    str(Path(__file__).resolve().parent / "templates"),
    str(Path(utils.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"),
]


def data_files(folder) -> list:
    """The files of a submission's folder handed to its sandbox (not notebooks, hidden files or links)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()
                  and p.suffix != ".ipynb" and not p.name.startswith("."))


def apply_result(nb, result: dict) -> None:
    """Write a result of :meth:`JudgeInSandbox.judge_into` into ``nb`` (the same notebook)."""
    for index, outputs, count, labels in result["cells"]:
        cell = nb.cells[index]
        cell.metadata.pop("course_grader", None)
        if labels is not None:
            cell.metadata["course_grader"] = nbformat.from_dict(labels)
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in outputs]
            cell.execution_count = count
    nb.metadata["course_grader"] = result["metadata"]


class ClearHiddenTestsInTestCells(ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests``, applied to test cells only."""

    def preprocess_cell(self, cell, resources, cell_index):
        if not judge.is_test_cell(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, cell_index)


class SanitizeGradeCellFeedback(NbGraderPreprocessor):
    """Keep only ``ErrorName: message`` of test-cell errors in feedback."""

    max_message = Integer(1000, help="Longest error message kept (characters).").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        outputs = []
        for out in cell.outputs:
            if out.output_type == "error":
                evalue = str(out.get("evalue", ""))
                if len(evalue) > self.max_message:
                    evalue = evalue[: self.max_message - 3] + "..."
                ename = str(out.get("ename", "Error")).rsplit(".", 1)[-1]
                outputs.append(NotebookNode(output_type="error", ename=ename, evalue=evalue,
                                            traceback=[f"{ename}: {evalue}"]))
            elif out.output_type == "stream" and out.get("name") == "stdout":
                outputs.append(out)
        cell.outputs = outputs
        return cell, resources


class ExactTimestampCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, with the time read as ``YYYY-MM-DD-HH-MM-SS`` exactly."""

    def collect(self, submitted_file):
        found = super().collect(submitted_file)
        if found and found.get("timestamp"):
            try:
                found["timestamp"] = intake.parse_timestamp(found["timestamp"]).isoformat(sep=" ")
            except intake.IntakeError as err:
                self.log.warning("%s: %s; its time is not recorded", submitted_file, err)
                found["timestamp"] = None
        return found
