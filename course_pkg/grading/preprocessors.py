"""nbgrader preprocessors that harden autograding and feedback (nbgrader 0.9.x).

``assignments/nbgrader_config.py`` wires these into nbgrader's pipelines; each
class fixes one failure mode documented in the course's autograder research
(``docs/research/autograder-anchors.md``, section 6 and Appendix A):

Sanitize pass (before execution)
    :class:`StripUntrustedCellMetadata`  tags such as ``skip-execution`` (A02)
    :class:`RobustDeduplicateIds`        a copied test cell aborted the batch (B09)
    :class:`RestoreNbgraderFlags`        flipped grade/solution flags (B10)
Autograde pass
    :class:`CourseExecute`               per-assignment timeouts; a dead kernel or a
                                         loop that ignores interrupts fails closed
                                         for the rest of the notebook instead of
                                         losing the whole submission (B01-B03)
    :class:`DropStderrInGradeCells`      warnings and TensorFlow log lines on stderr
                                         zeroed correct answers (G06, G07)
    :class:`DropExecuteResultInGradeCells`  forged "partial credit" (A03)
    :class:`CapOutputSize`               one huge output line or display (B16)
Feedback
    :class:`SanitizeGradeCellFeedback`   tracebacks leaked hidden-test source (A15)

Importing this module imports nbgrader; nothing else in course_pkg does.
"""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.client import NotebookClient
from nbformat.notebooknode import NotebookNode
from traitlets import Dict, Integer, Unicode

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

__all__ = [
    "StripUntrustedCellMetadata",
    "RobustDeduplicateIds",
    "RestoreNbgraderFlags",
    "CourseExecute",
    "DropStderrInGradeCells",
    "DropExecuteResultInGradeCells",
    "CapOutputSize",
    "SanitizeGradeCellFeedback",
    "TIMEOUT_ENAME",
    "KERNEL_DIED_ENAME",
    "NOT_RUN_ENAME",
]

# Error names the grader writes into cells; the pipeline reads them back to give each
# submission a status (timeout, kernel-died) instead of a silent zero.
TIMEOUT_ENAME = "CellTimeoutError"
KERNEL_DIED_ENAME = "KernelDied"
NOT_RUN_ENAME = "NotRun"

_TRUSTED_METADATA = {"nbgrader", "deletable", "editable"}


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class StripUntrustedCellMetadata(NbGraderPreprocessor):
    """Drop every cell metadata key but nbgrader's own before anything runs.

    A learner can tag a test cell ``skip-execution``; nbclient then skips it,
    and a test cell without output scores full marks.
    """

    def preprocess_cell(self, cell, resources, index):
        for key in list(cell.metadata):
            if key not in _TRUSTED_METADATA:
                del cell.metadata[key]
        return cell, resources


class RobustDeduplicateIds(NbGraderPreprocessor):
    """Keep the last cell of each grade_id; turn earlier copies into plain cells.

    nbgrader's ``DeduplicateIds`` leaves an empty ``nbgrader`` dict on the
    copies, which ``CheckCellMetadata`` rejects as an old schema, and that
    exception aborts the whole batch (nbgrader issue #1083).
    """

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
    """Re-impose grade/solution/locked/points from the gradebook before ``OverwriteCells``.

    A flipped ``solution`` flag on a test cell otherwise ends in
    ``RuntimeError: Inconsistent checksums`` and the student is not graded.
    """

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


class CourseExecute(Execute):
    """nbgrader's ``Execute`` with per-assignment timeouts and fail-closed crashes.

    * ``assignment_timeouts`` maps an assignment id to its per-cell limit in
      seconds (``timeout`` applies to the others), so a Keras assignment can
      train while a NumPy one stops runaway loops quickly.
    * A cell that runs past the limit is interrupted and gets a
      ``CellTimeoutError`` output (nbclient's behaviour); later cells run.
    * If the kernel dies (``os._exit``, a segfault, out of memory) or a cell
      ignores the interrupt, stock nbgrader discards the whole submission
      (``needs manual grading``, exported as 0.0). Here the cell gets a
      ``KernelDied`` or ``CellTimeoutError`` output, every later code cell a
      ``NotRun`` error, the kernel is shut down, and grading goes on: cells
      that passed before the crash keep their points, the rest score 0, and
      the pipeline reports the reason.
    """

    assignment_timeouts = Dict(
        {}, help="Per-cell timeout in seconds for each assignment id; others use `timeout`."
    ).tag(config=True)

    not_run_message = Unicode(
        "this cell was not run because an earlier cell crashed the kernel or could not be stopped",
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
        if assignment in self.assignment_timeouts:
            self.timeout = int(self.assignment_timeouts[assignment])
        self.error_on_timeout = {
            "ename": TIMEOUT_ENAME,
            "evalue": f"this cell ran longer than the {self.timeout} s limit and was interrupted",
            "traceback": [f"{TIMEOUT_ENAME}: this cell ran longer than the {self.timeout} s limit"],
        }
        # What nbconvert's ExecutePreprocessor.preprocess does, with a try around each cell.
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        stopped = False
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if stopped:
                    if cell.cell_type == "code" and cell.source.strip():
                        cell.outputs = [_error(NOT_RUN_ENAME, self.not_run_message)]
                    continue
                try:
                    self.preprocess_cell(cell, resources, index)
                except DeadKernelError:
                    self.log.error("The kernel died in cell %d; the remaining cells score 0", index)
                    cell.outputs.append(_error(
                        KERNEL_DIED_ENAME,
                        "the Python kernel died while running this cell (os._exit, a crash, or out of memory)",
                    ))
                    stopped = True
                except CellTimeoutError:
                    self.log.error("Cell %d did not stop when interrupted; shutting the kernel down", index)
                    cell.outputs.append(_error(
                        TIMEOUT_ENAME,
                        f"this cell ran longer than the {self.timeout} s limit and did not stop when "
                        "interrupted (does it catch KeyboardInterrupt or BaseException?)",
                    ))
                    stopped = True
        self.set_widgets_metadata()
        return self.nb, self.resources


class DropStderrInGradeCells(NbGraderPreprocessor):
    """Remove stderr output from test cells, where nbgrader reads it as a failure.

    A ``UserWarning`` or a TensorFlow C++ log line (written to file
    descriptor 2, forwarded by ipykernel as stderr) would otherwise zero a
    passing test. Failing tests raise, and errors are kept, so this can
    only remove false failures. (nbgrader's ``IgnorePattern`` does the
    same for a regular expression; every stderr line in a test cell is
    noise here, so no pattern is needed.)
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            cell.outputs = [
                out for out in cell.outputs
                if not (out.output_type == "stream" and out.get("name") == "stderr")
            ]
        return cell, resources


class DropExecuteResultInGradeCells(NbGraderPreprocessor):
    """No partial credit from a test cell's displayed value: it passes iff it raises nothing.

    nbgrader reads an ``execute_result`` in a test cell as a score, and one
    that is not a number as full marks; learner code can forge one with
    ``sys.displayhook``.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            cell.outputs = [out for out in cell.outputs if out.output_type != "execute_result"]
        return cell, resources


class CapOutputSize(NbGraderPreprocessor):
    """Replace any single output larger than ``max_chars`` by a short note.

    nbgrader's ``LimitOutput`` counts lines, so one 30 MB line or a 20 MB
    HTML display goes through untouched into the autograded notebook.
    """

    max_chars = Integer(100_000, help="Largest output (characters) kept in a cell.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for i, out in enumerate(cell.outputs):
            size = len(str(out.get("text", ""))) + sum(len(str(v)) for v in out.get("data", {}).values())
            if size > self.max_chars:
                cell.outputs[i] = NotebookNode(
                    output_type="stream",
                    name="stdout",
                    text=f"[output of {size:,} characters removed by the grader; the limit is {self.max_chars:,}]\n",
                )
        return cell, resources


class SanitizeGradeCellFeedback(NbGraderPreprocessor):
    """Keep only ``ErrorName: message`` of test-cell errors in feedback.

    Tracebacks quote the lines around the failing statement, which are the
    hidden tests' source even after ``ClearHiddenTests`` removed the cell's
    hidden region. The course's checks put everything a learner needs into
    the message, and never an expected value.
    """

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
