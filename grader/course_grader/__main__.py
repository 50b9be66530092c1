"""``python -m course_grader``: the instructor's command line (see :mod:`course_grader.pipeline`)."""

import sys

from course_grader.pipeline import main

sys.exit(main())
