"""Intake of learning-platform zips and rosters: no submission is lost, none silently mislabelled.

The zips are built here with each platform's file names (see the docstring of course_grader.intake
and the instructor guide's worked examples). The end-to-end tests run the real command line on a
released copy of the course: `collect` + `export` for Canvas and Moodle, a whole `grade` (sandbox
and nbgrader) for Blackboard, whose names carry the submission time.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile

import nbformat
import pytest

from course_grader import intake, pipeline, sandbox, selftest

ASSIGNMENT = "forward_pass"
ROSTER = (
    "id,first_name,last_name,email\n"
    "g.smith,Gemma,Smith,g.smith@uni.example\n"
    "hhill,Henry,Hill,henry.hill@uni.example\n"
    "amara_o,Amara,Okafor,amara.okafor@uni.example\n"
    "absent,Ann,Absent,ann@uni.example\n"
)


# --------------------------------------------------------------------------- names, per platform


def test_blackboard_names_keep_dotted_ids_and_the_full_time():
    found = intake.parse_name("Forward pass_g.smith_attempt_2026-03-01-23-59-00_forward_pass.ipynb")
    assert found.platform == "Blackboard"
    assert found.candidates[0] == "g.smith"
    assert found.file_name == "forward_pass.ipynb"
    assert found.timestamp == dt.datetime(2026, 3, 1, 23, 59, 0)  # nbgrader's own parser gives 23:00:00
    # A title with underscores: every tail of the prefix is a candidate, the last piece first.
    found = intake.parse_name("HW_2_amara_o_attempt_2026-03-02-08-05-09_notebook.ipynb")
    assert found.candidates == ("o", "amara_o", "2_amara_o")
    assert found.timestamp == dt.datetime(2026, 3, 2, 8, 5, 9)
    receipt = intake.parse_name("Forward pass_g.smith_attempt_2026-03-01-23-59-00.txt")
    assert receipt.platform == "Blackboard" and receipt.file_name == ""


def test_canvas_names_give_user_id_sortable_name_and_late_flag():
    found = intake.parse_name("hillhenry_12345_6789012_forward_pass.ipynb")
    assert (found.platform, found.candidates, found.file_name, found.late) == (
        "Canvas", ("12345", "hillhenry"), "forward_pass.ipynb", False)
    late = intake.parse_name("hillhenry_LATE_12345_6789013_forward_pass-1.ipynb")
    assert late.late and late.file_name == "forward_pass-1.ipynb" and late.timestamp is None


def test_moodle_names_in_folders_and_flat_keep_spaces():
    folder = intake.parse_name("Henry Hill_1234_assignsubmission_file_/forward_pass.ipynb")
    assert (folder.platform, folder.candidates, folder.file_name) == (
        "Moodle", ("1234", "Henry Hill"), "forward_pass.ipynb")
    flat = intake.parse_name("Gemma Smith_88_assignsubmission_file_forward pass (1).ipynb")
    assert (flat.candidates, flat.file_name) == (("88", "Gemma Smith"), "forward pass (1).ipynb")


def test_a_folder_per_student_and_unknown_names():
    assert intake.parse_name("g.smith/forward_pass.ipynb").candidates == ("g.smith",)
    assert intake.parse_name("forward_pass.ipynb") is None


def test_timestamp_format_errors_name_the_format():
    assert intake.parse_timestamp("2026-03-01-23-59-00") == dt.datetime(2026, 3, 1, 23, 59)
    with pytest.raises(intake.IntakeError, match="2026-03-01-23-59-00"):
        intake.parse_timestamp("2026-03-01 23:59")


# --------------------------------------------------------------------------- rosters


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_roster_matching_by_id_name_and_email():
    students = [intake.Student("hhill", "Henry", "Hill", "henry.hill@uni.example"),
                intake.Student("g.smith", "Gemma", "Smith", "")]
    assert intake.match(intake.parse_name("hillhenry_1_2_x.ipynb"), students) == ("hhill", "")
    assert intake.match(intake.parse_name("Henry Hill_7_assignsubmission_file_/x.ipynb"), students) == ("hhill", "")
    assert intake.match(intake.parse_name("T_g.smith_attempt_2026-03-01-23-59-00_x.ipynb"), students) == ("g.smith", "")
    student, why = intake.match(intake.parse_name("doejane_5_6_x.ipynb"), students)
    assert student is None and "doejane" in why and "no roster student" in why


@pytest.mark.parametrize("text, expected", [
    ("Student,ID,SIS User ID,SIS Login ID,Section\nHill Henry,12345,,hhill,A\n", r"no 'id' column.*Canvas"),
    ("First name,Surname,ID number,Email address\nHenry,Hill,77,h@x\n", r"no 'id' column.*Moodle"),
    ("id,first_name\nhhill,Henry\nhhill,Hank\n", r"line 3: id 'hhill' repeats line 2"),
    ("id,first_name\n,Henry\n", r"line 2: empty id"),
    ("id\n../etc\n", r"cannot be a folder name"),
    ("", r"empty"),
])
def test_roster_problems_have_reasons(tmp_path, text, expected):
    with pytest.raises(intake.IntakeError, match=expected):
        intake.read_roster(_write(tmp_path, "roster.csv", text))


def test_roster_problem_is_printed_in_the_terminal_not_a_log(tmp_path, capsys):
    roster = _write(tmp_path, "roster.csv", "Student,ID,SIS Login ID\nHill Henry,12345,hhill\n")
    code = pipeline.main(["collect", ASSIGNMENT, "--from", str(tmp_path), "--roster", str(roster)])
    err = capsys.readouterr().err
    assert code == 2
    assert "no 'id' column" in err and "Canvas" in err and "see " not in err


# --------------------------------------------------------------------------- zips, end to end


def _notebook_bytes(marker: str) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"# {marker}")])
    return nbformat.writes(nb).encode()


def _zip(path, members: dict):
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released copy of the course (forward_pass only); its own gradebook and secret."""
    return selftest.prepare(workdir=tmp_path_factory.mktemp("intake"), assignments=[ASSIGNMENT])


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


PLATFORM_ZIPS = {
    "Canvas": {
        "smithgemma_501_9001_forward_pass.ipynb": "gemma",
        "hillhenry_LATE_502_9002_forward_pass-1.ipynb": "henry",
        "okaforamara_503_9003_Forward Pass.ipynb": "amara",
        "doejane_504_9004_forward_pass.ipynb": "stranger",
    },
    "Moodle": {
        "Gemma Smith_11_assignsubmission_file_/forward_pass.ipynb": "gemma",
        "Henry Hill_12_assignsubmission_file_/sub/forward_pass.ipynb": "henry",
        "Amara Okafor_13_assignsubmission_file_forward_pass (1).ipynb": "amara",
        "Jane Doe_14_assignsubmission_file_/forward_pass.ipynb": "stranger",
    },
}


@pytest.mark.parametrize("platform", sorted(PLATFORM_ZIPS))
def test_platform_zip_every_student_matched_and_the_stranger_reported(course, tmp_path, capsys, platform):
    members = {name: _notebook_bytes(marker) for name, marker in PLATFORM_ZIPS[platform].items()}
    members["__MACOSX/._junk"] = b"x"
    download = _zip(tmp_path / f"{platform}.zip", members)
    roster = _write(tmp_path, "roster.csv", ROSTER)
    assert pipeline.main(["--course", str(course), "collect", ASSIGNMENT, "--zip", str(download),
                          "--roster", str(roster)]) == 0
    collected = capsys.readouterr().out
    for student, marker in (("g.smith", "gemma"), ("hhill", "henry"), ("amara_o", "amara")):
        nb = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert f"# {marker}" in nb.read_text(), (platform, student)
        assert not (nb.parent / "timestamp.txt").exists()  # these platforms' names carry no time
    assert "unmatched" in collected
    grades = tmp_path / "grades.csv"
    assert pipeline.main(["--course", str(course), "export", ASSIGNMENT, "--to", str(grades)]) == 0
    printed = capsys.readouterr().out
    rows = _rows(grades)
    unmatched = [r for r in rows if r["status"] == "unmatched"]
    assert len(unmatched) == 1 and unmatched[0]["student_id"] == ""
    stranger = next(name for name, marker in PLATFORM_ZIPS[platform].items() if marker == "stranger")
    assert stranger in unmatched[0]["reason"]
    assert any("unmatched" in line and stranger in line for line in printed.splitlines())
    assert not any("__MACOSX" in r["reason"] for r in rows)
    if platform == "Canvas":
        assert "late" in _read_ledger_note(course, "hhill")


def _read_ledger_note(course, student):
    return pipeline._read_ledger(course, ASSIGNMENT)[student]["note"]


def test_unparseable_zip_file_is_an_unmatched_row(course, tmp_path):
    download = _zip(tmp_path / "odd.zip", {"forward_pass.ipynb": _notebook_bytes("who")})
    rows = pipeline.collect(ASSIGNMENT, course, zips=[download])
    (entry,) = [e for e in rows.values() if e["status"] == "unmatched"]
    assert "forward_pass.ipynb" in entry["reason"] and "no platform" in entry["reason"]


def test_blackboard_zip_graded_with_its_times(course, tmp_path, capsys):
    try:
        sandbox.check()
    except sandbox.SandboxUnavailable as err:
        pytest.skip(f"no sandbox here: {err}")
    source = nbformat.read(str(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    release = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    solved = nbformat.writes(selftest.solution_notebook(source, release)).encode()
    blank = nbformat.writes(release).encode()
    title = "Forward pass"
    download = _zip(tmp_path / "blackboard.zip", {
        f"{title}_g.smith_attempt_2026-03-01-23-59-00_forward_pass.ipynb": solved,
        f"{title}_g.smith_attempt_2026-03-01-23-59-00.txt": b"Name: Gemma Smith (g.smith)\n",
        f"{title}_hhill_attempt_2026-02-28-10-00-00_forward_pass.ipynb": blank,   # first attempt
        f"{title}_hhill_attempt_2026-03-01-09-30-15_forward_pass.ipynb": solved,  # the later one counts
        f"{title}_amara_o_attempt_2026-03-01-12-00-01_My forward_pass.ipynb": blank,
        f"{title}_j.doe_attempt_2026-03-01-12-00-02_forward_pass.ipynb": solved,
    })
    roster = _write(tmp_path, "roster.csv", ROSTER)
    grades = tmp_path / "grades.csv"
    code = pipeline.main(["--course", str(course), "--secret", str(selftest.secret_of(course)), "grade",
                          ASSIGNMENT, "--zip", str(download), "--roster", str(roster), "--to", str(grades)])
    printed = capsys.readouterr().out
    assert code == 0
    rows = {r["student_id"]: r for r in _rows(grades)}
    assert rows["g.smith"]["score"] == rows["g.smith"]["max_score"] == "10"
    assert rows["g.smith"]["timestamp"].startswith("2026-03-01 23:59:00")
    assert rows["hhill"]["score"] == "10" and rows["hhill"]["timestamp"].startswith("2026-03-01 09:30:15")
    assert "2 attempts" in rows["hhill"]["note"]
    assert rows["amara_o"]["score"] == "0" and rows["amara_o"]["status"] == "ok"
    assert rows["absent"]["status"] == "no-submission"
    assert rows[""]["status"] == "unmatched" and "j.doe" in rows[""]["reason"]
    assert any("unmatched" in line and "j.doe" in line for line in printed.splitlines())


def test_plain_nbgrader_zip_collect_reads_the_documented_time():
    """The configuration's own example name, through plain `nbgrader zip_collect`'s collector."""
    from nbgrader.utils import parse_utc
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", str(pipeline.default_course_dir())).load_config()
    plugin = config.ZipCollectApp.collector_plugin(config=config)
    found = plugin.collect("/downloads/Forward pass_g.smith_attempt_2026-03-01-23-59-00_forward_pass.ipynb")
    assert found["student_id"] == "g.smith" and found["file_id"] == "forward_pass.ipynb"
    assert parse_utc(found["timestamp"]).strftime("%Y-%m-%d %H:%M:%S") == "2026-03-01 23:59:00"
