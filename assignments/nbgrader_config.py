# nbgrader configuration of the course (nbgrader 0.9.6), hardened for unattended batch grading.
#
# Run every nbgrader command from this folder (the course root), or use the pipeline, which does:
#     python -m course_pkg.grading.pipeline --help
#
# Stock nbgrader 0.9.6 gives full marks to some wrong submissions, zero to some right ones, and lets
# one odd submission abort a whole batch. The settings below fix the failure modes that a
# configuration can fix; each comment names the failure (IDs from the course's autograder research,
# docs/research/autograder-anchors.md, sections 6 and 8, and its Appendix A). The preprocessors live
# in course_pkg/grading/preprocessors.py, where each class documents what it does.
#
# What configuration cannot fix: the learner's code runs in the same process as the tests, as the
# grading user, with the course root readable, network access and no memory limit. Grade in a
# disposable container or VM for high-stakes use (see book/instructors/guide.md).

import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    GetGrades,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from course_pkg.grading.preprocessors import (
    CapOutputSize,
    CourseExecute,
    DropExecuteResultInGradeCells,
    DropStderrInGradeCells,
    RestoreNbgraderFlags,
    RobustDeduplicateIds,
    SanitizeGradeCellFeedback,
    StripUntrustedCellMetadata,
)

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "nn-course"

# Files never copied from source/ into release/ or over a student's autograded folder. Model
# artefacts matter most: a model.keras left in source/keras_training by a test run would otherwise be
# copied over the learner's own artefact and graded in its place.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*",
    "*.keras", "*.weights.h5", "*.h5", "logs", "checkpoints",
]

# The kernel (and TensorFlow inside it) inherits this process's environment: keep TensorFlow's C++
# start-up chatter out of the notebooks, and draw figures without a display.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

# ---------------------------------------------------------------------------------------- timeouts
# Per-cell limits in seconds, sized for a grading machine with 2 shared cores and COURSE_FAST unset
# (full-size training). A cell past its limit is interrupted and scores 0 with status `timeout`;
# later cells still run. The Keras limits include TensorFlow's import (5-10 s on 2 cores).
# COURSE_GRADER_TIMEOUT overrides all of them (the self-tests use a short one to test runaway loops).
ASSIGNMENT_TIMEOUTS = {
    "perceptrons": 20,
    "forward_pass": 20,
    "backprop": 60,
    "optimizers": 30,
    "keras_models": 120,
    "keras_training": 300,
}
c.Execute.timeout = 60  # any assignment not listed above
c.CourseExecute.assignment_timeouts = ASSIGNMENT_TIMEOUTS
if os.environ.get("COURSE_GRADER_TIMEOUT"):
    c.Execute.timeout = int(os.environ["COURSE_GRADER_TIMEOUT"])
    c.CourseExecute.assignment_timeouts = {}
# Kernel start and output delivery on a loaded 2-core machine are slow: the defaults (60 s, 4 s)
# produced spurious "Timeout waiting for IOPub output" failures of whole notebooks (nbgrader #1230).
c.Execute.startup_timeout = 120
c.Execute.iopub_timeout = 15
# Do NOT set Execute.kernel_manager_class: nbgrader's async manager avoids a deadlock (nbgrader #1778).

# ------------------------------------------------------------------------------------- the kernel
# A07: IPython puts the kernel's working directory (the student's autograded folder) first on
# sys.path, so a submitted `course_pkg/` or `numpy/` folder would shadow the real package. The
# pipeline also drops every submitted file but the notebook. The in-memory history avoids a sqlite
# file per kernel.
c.Execute.extra_arguments = ["--InteractiveShellApp.ignore_cwd=True", "--HistoryManager.hist_file=:memory:"]
# A02: nbclient skips cells tagged "skip-execution", and a test cell with no output scores full
# marks. The tags are stripped below; this unguessable tag name is a second line of defence.
c.Execute.skip_cells_with_tag = "course-grader-never-skip-5d1f0a"

# ------------------------------------------------------------------------- autograde: sanitize pass
# B05/B08: re-insert deleted test cells (and test cells whose metadata was stripped) so they run.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    StripUntrustedCellMetadata,  # A02: drop tags and every metadata key except nbgrader's
    RobustDeduplicateIds,        # B09: a copied test cell aborted the whole batch (nbgrader #1083)
    OverwriteKernelspec,         # B12: force the course kernel
    RestoreNbgraderFlags,        # B10: flipped grade/solution flags crashed grading for the student
    OverwriteCells,              # B06/B07/B11: restore test-cell source, type and points
    CheckCellMetadata,
]

# ------------------------------------------------------------------------- autograde: execute pass
c.Autograde.autograde_preprocessors = [
    CourseExecute,                  # per-assignment timeouts; kernel death / unkillable loop fail closed
    DropStderrInGradeCells,         # G06/G07: a warning or a TensorFlow log line zeroed a correct answer
    DropExecuteResultInGradeCells,  # A03: no "partial credit" parsed from a displayed value
    LimitOutput,                    # B15: at most 1000 lines per stream, 100 traceback lines
    CapOutputSize,                  # B16: and no single output over 100,000 characters
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# -------------------------------------------------------------------------------------- feedback
# A15: feedback must not show hidden tests. ClearHiddenTests removes their source from the test
# cells; SanitizeGradeCellFeedback cuts each test-cell error down to "Name: message", because a
# traceback quotes the hidden lines around the failing call. The course's checks never put expected
# values into their messages.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    ClearHiddenTests,
    SanitizeGradeCellFeedback,
    CSSHTMLHeaderPreprocessor,
]

# ------------------------------------------------------------------------------------- zip_collect
# Submissions downloaded from an LMS as one zip. The pipeline (`grade --zip`) runs zip_collect, then
# applies its own intake: the one expected notebook per student, renamed if misnamed, invalid JSON
# flagged `unreadable`, every other file dropped. The pattern below matches Blackboard-style names
# such as `perceptrons_alice_attempt_2026-03-01-23-59-00_perceptrons.ipynb`; adapt it to your LMS.
# Student ids are \w+ (letters, digits, underscore).
c.ZipCollectApp.strict = False  # keep misnamed notebooks: the pipeline renames or flags them
c.FileNameCollectorPlugin.named_regexp = (
    r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)"
)
