# nbgrader configuration of the course (nbgrader 0.9.6): learners' notebooks run in a sandbox and are
# judged outside it.
#
# Run every nbgrader command from this folder (the course root), or use the grader's pipeline, which
# does (it lives in grader/, an instructor-only package that `make venv` installs):
#     python -m course_grader --help
#
# How a submission is graded: nbgrader's own steps restore the locked cells from the gradebook; then
# JudgeInSandbox (instead of nbgrader's Execute) runs the learner's cells inside a bubblewrap sandbox,
# feeds each graded function the visible and hidden cases, and judges the results outside the
# sandbox against the course's reference; nbgrader's SaveAutoGrades and feedback steps then score
# and render the verdicts it writes into the test cells. Each preprocessor's docstring says what it
# protects against (grader/course_grader/preprocessors.py).

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    GetGrades,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from course_grader.pipeline import grader_timeout_override
from course_grader.preprocessors import (
    ClearHiddenTestsInTestCells,
    FEEDBACK_TEMPLATE_DIRS,
    ExactTimestampCollector,
    JudgeInSandbox,
    RestoreNbgraderFlags,
    RobustDeduplicateIds,
    SanitizeGradeCellFeedback,
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

# ---------------------------------------------------------------------------------- time and memory
# Seconds per cell and per graded part, sized for a grading machine with 2 shared cores and
# COURSE_FAST unset (full-size training). A cell past its limit is interrupted and scores 0 with
# status `timeout`; later cells still run. The Keras limits include TensorFlow's import (5-10 s).
# COURSE_GRADER_TIMEOUT overrides all of them (the self-tests use a short one to test runaway loops).
ASSIGNMENT_TIMEOUTS = {
    "perceptrons": 20,
    "forward_pass": 20,
    "backprop": 60,
    "optimizers": 30,
    "keras_models": 120,
    "keras_training": 300,
}
c.JudgeInSandbox.timeout = 60  # any assignment not listed above
c.JudgeInSandbox.assignment_timeouts = ASSIGNMENT_TIMEOUTS
if grader_timeout_override() is not None:
    c.JudgeInSandbox.timeout = grader_timeout_override()
    c.JudgeInSandbox.assignment_timeouts = {}
# TensorFlow reserves more address space than it uses (2.4 GiB for a small model on 2 cores, more
# with more cores) and runs thread pools: the Keras assignments get more of both than the NumPy ones
# (4 GiB of address space per process, 64 processes and threads by default).
c.JudgeInSandbox.assignment_limits = {
    "keras_models": {"memory_gib": 8, "processes": 256},
    "keras_training": {"memory_gib": 8, "processes": 256},
}

# ------------------------------------------------------------------------- autograde: sanitize pass
# Deleted test cells (and test cells whose metadata was stripped) are put back so they are graded.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    RobustDeduplicateIds,  # a copied test cell must not stop the whole batch
    OverwriteKernelspec,
    RestoreNbgraderFlags,  # flipped grade/solution flags must not lose the submission
    OverwriteCells,        # restore test-cell source, type and points
    CheckCellMetadata,
]

# ------------------------------------------------------------------------- autograde: the judge
c.Autograde.autograde_preprocessors = [
    JudgeInSandbox,  # run in the sandbox, judge outside, write verdicts into the test cells
    LimitOutput,     # at most 1000 lines per stream in the learners' own cells
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# -------------------------------------------------------------------------------------- feedback
# Test cells hold the grader's verdicts ("passed N visible and M hidden cases", or the message of
# the first failed case, named by its kind and never showing hidden values). Only test cells (put
# back from the gradebook) can hold nbgrader's hidden-test markers, so only they are cleared: a
# learner's comment quoting a marker cannot stop feedback. Test-cell errors are cut down to
# "Name: message".
c.GenerateFeedback.preprocessors = [
    GetGrades,
    ClearHiddenTestsInTestCells,
    SanitizeGradeCellFeedback,
    CSSHTMLHeaderPreprocessor,
]
# Each test is named by its part ("Part 5: a stable softmax"), not nbgrader's "Test cell", with its
# visible and hidden results labelled.
c.HTMLExporter.template_name = "course_feedback"  # a folder of FEEDBACK_TEMPLATE_DIRS; extends nbgrader's "feedback"
c.HTMLExporter.template_file = "course_feedback.html.j2"
c.HTMLExporter.extra_template_basedirs = FEEDBACK_TEMPLATE_DIRS

# ------------------------------------------------------------------------------------- zip_collect
# `grade --zip` / `collect --zip` do NOT use nbgrader's zip_collect: the grader reads Canvas, Moodle and
# Blackboard downloads itself (grader/course_grader/intake.py; worked examples in the instructor guide),
# matches them against the roster and reports every file it cannot match. The settings below serve
# plain `nbgrader zip_collect` only. The pattern matches Blackboard names such as
# `Forward pass_g.smith_attempt_2026-03-01-23-59-00_forward_pass.ipynb` (ids may hold dots);
# ExactTimestampCollector reads the time as 23:59:00 (nbgrader's own parser says 23:00:00).
c.ZipCollectApp.strict = False  # keep misnamed notebooks: the pipeline renames or flags them
c.ZipCollectApp.collector_plugin = ExactTimestampCollector
c.FileNameCollectorPlugin.named_regexp = (
    r".*_(?P<student_id>[^_]+)_attempt_(?P<timestamp>\d{4}(?:-\d{2}){5})_(?P<file_id>.+)"
)
