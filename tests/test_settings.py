"""Tests of course_pkg.settings (the one reader of COURSE_* variables) and course_pkg.book.budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course_pkg import book, settings

REPO = Path(__file__).resolve().parents[1]
# A read of a COURSE_* variable from the environment, in either order.
_READS = re.compile(r"(environ|getenv)[^\n]{0,40}[\"']COURSE_|[\"']COURSE_\w*[\"']\s*(not\s+)?in\s+(os\.)?environ")


@pytest.fixture
def clean_env(monkeypatch):
    for name in settings.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_when_nothing_is_set(clean_env):
    assert settings.fast_mode() is False
    assert settings.offline() is False
    assert settings.require_browser() is False
    assert settings.data_dir() is None
    assert settings.device() == "cpu"
    assert settings.grader_timeout(60) == 60
    assert not any(settings.is_set(name) for name in settings.VARIABLES)


@pytest.mark.parametrize("value, expected", [("1", True), ("TRUE", True), (" on ", True), ("yes", True),
                                             ("0", False), ("off", False), ("No", False), ("", False)])
def test_switches_read_every_spelling_at_call_time(clean_env, value, expected):
    for name, accessor in (("COURSE_FAST", settings.fast_mode), ("COURSE_OFFLINE", settings.offline),
                           ("COURSE_REQUIRE_BROWSER", settings.require_browser)):
        clean_env.setenv(name, value)
        assert accessor() is expected, name


def test_a_misspelt_switch_is_an_error_not_a_silent_default(clean_env):
    clean_env.setenv("COURSE_FAST", "ture")
    with pytest.raises(ValueError, match=r"settings: expected COURSE_FAST to be one of 1/true/yes/on .*got 'ture'"):
        settings.fast_mode()


def test_device_and_data_dir(clean_env, tmp_path):
    clean_env.setenv("COURSE_DEVICE", " GPU ")
    assert settings.device() == "gpu" and settings.is_set("COURSE_DEVICE")
    clean_env.setenv("COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match=r"COURSE_DEVICE to be one of cpu, gpu, auto; got 'tpu'"):
        settings.device()
    clean_env.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert settings.data_dir() == tmp_path
    clean_env.setenv("COURSE_DATA_DIR", "~/mirror")
    assert settings.data_dir() == Path.home() / "mirror"


def test_grader_timeout_overrides_the_default_and_checks_its_value(clean_env):
    clean_env.setenv("COURSE_GRADER_TIMEOUT", "45")
    assert settings.grader_timeout(60) == 45
    for bad in ("0", "-3", "1.5", "soon"):
        clean_env.setenv("COURSE_GRADER_TIMEOUT", bad)
        with pytest.raises(ValueError, match="COURSE_GRADER_TIMEOUT as a whole number of seconds >= 1"):
            settings.grader_timeout(60)


def test_unknown_names_are_refused():
    with pytest.raises(KeyError, match="COURSE_FASTT"):
        settings.is_set("COURSE_FASTT")


def test_package_alias_is_the_settings_accessor():
    import course_pkg

    assert course_pkg.fast_mode is settings.fast_mode


def test_budget_says_what_shrinks(clean_env):
    assert book.budget(full=15, fast=3) == 15
    clean_env.setenv("COURSE_FAST", "1")
    assert book.budget(full=15, fast=3) == 3
    assert book.budget(full=(300, 300), fast=(32,)) == (32,)
    with pytest.raises(TypeError, match=r"budget: expected both full= and fast=; got no fast"):
        book.budget(full=15)


def test_settings_is_the_only_reader_of_course_variables():
    """No other module of the package, of the instructor's grader or of the nbgrader configuration
    reads a COURSE_* variable from the environment: they all go through course_pkg.settings."""
    files = [*(REPO / "course_pkg").rglob("*.py"), *(REPO / "grader" / "course_grader").rglob("*.py"),
             REPO / "assignments" / "nbgrader_config.py"]
    assert len(files) > 20 and any(p.parent.name == "course_grader" for p in files)
    offenders = [str(p.relative_to(REPO)) for p in files
                 if p.name != "settings.py" and _READS.search(p.read_text())]
    assert offenders == []


@pytest.mark.parametrize("line", ['os.environ.get("COURSE_FAST")', "'COURSE_FAST' in os.environ",
                                  'os.getenv("COURSE_DATA_DIR", "")', '"COURSE_X" not in environ'])
def test_the_scan_sees_every_way_of_reading(line):
    assert _READS.search(line)
