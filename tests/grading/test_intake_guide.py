"""The instructor commands printed in the guide, the README and grader/README.md work as printed.

Every command line of their bash blocks is either a `make` target of the Makefile or
`.venv/bin/python -m course_grader <step> [options]` whose step and options exist (read from the
step's own --help). The paths they give for learners' files are ignored by git, and no page names
the removed `course_pkg.grading`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from course_grader import pipeline

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "book" / "instructors" / "guide.md", REPO / "README.md", REPO / "grader" / "README.md"]
PYTHON = ".venv/bin/python"
DATA_FLAGS = ("--from", "--zip", "--roster", "--to")


def _commands(page: Path) -> list[str]:
    text = page.read_text()
    if page.name == "README.md" and page.parent == REPO:  # the README's instructor section only
        text = text[text.index("## For instructors"):]
        text = text[: text.index("\n## ", 1)]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                lines.append(line)
    return lines


def _help(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        pipeline.main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def _make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", (REPO / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_instructor_command_exists(page, capsys):
    commands = _commands(page)
    assert commands, f"{page.name}: no bash block found"
    targets = _make_targets()
    steps = set(re.findall(r"\{([a-z,]+)\}", _help(capsys))[0].split(","))
    grader_lines = 0
    for line in commands:
        words = shlex.split(line)
        if words[0] == "make":
            assert set(words[1:]) <= targets, f"{page.name}: `{line}` names no Makefile target"
            continue
        assert words[:3] == [PYTHON, "-m", "course_grader"], f"{page.name}: `{line}` is not a course command"
        grader_lines += 1
        rest = words[3:]
        step = next(w for w in rest if not w.startswith("-"))
        assert step in steps, f"{page.name}: `{line}`: no step {step!r}"
        usage = _help(capsys, step)
        for word in rest[rest.index(step) + 1:]:
            if word.startswith("--"):
                assert re.search(rf"(^|\s){re.escape(word)}\b", usage), f"{page.name}: `{line}`: {step} has no {word}"
    assert grader_lines, f"{page.name}: no course_grader command"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_learner_data_paths_in_the_commands_are_git_ignored(page):
    paths = []
    for line in _commands(page):
        words = shlex.split(line)
        paths += [words[i + 1] for i, w in enumerate(words[:-1]) if w in DATA_FLAGS]
    assert paths, f"{page.name}: no --from/--zip/--roster/--to path"
    for path in paths:
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO)
        assert ignored.returncode == 0, f"{page.name}: {path} holds learners' data but git does not ignore it"


def test_no_page_names_the_removed_grading_package():
    files = [*PAGES, REPO / "assignments" / "nbgrader_config.py", *(REPO / "grader" / "course_grader").rglob("*.py")]
    stale = [str(p.relative_to(REPO)) for p in files if "course_pkg.grading" in p.read_text()]
    assert stale == []


def test_the_guide_shows_the_roster_format_and_every_status():
    guide = PAGES[0].read_text()
    assert "id,first_name,last_name,email" in guide
    for status in pipeline.STATUSES:
        assert f"| `{status}` |" in guide, status
    for platform in ("Canvas", "Moodle", "Blackboard"):
        assert f"{platform}, `forward_pass_{platform.lower()}.zip`" in guide, platform
