"""The instructor's grader for the course's nbgrader assignments (not installed with course_pkg).

Learners' notebooks run inside a bubblewrap sandbox (:mod:`course_grader.sandbox`)
driven by :mod:`course_grader.host`; the results come back as data and are judged
outside against the course's reference implementations (:mod:`course_grader.judge`),
with hidden cases drawn from an instructor secret (:mod:`course_grader.secret`).
nbgrader runs all of it through :class:`course_grader.preprocessors.JudgeInSandbox`.

Command line: ``python -m course_grader release|validate|grade|export|selftest ...``
(see :mod:`course_grader.pipeline`).

Importing this package imports nothing heavy: the host imports it inside the sandbox.
"""

__version__ = "0.1.0"
