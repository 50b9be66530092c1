"""The grading sandbox on its own: what a learner's code can and cannot do inside it.

Each test runs a few lines of Python in the sandbox (bubblewrap) and checks one promise: no network,
no privileges, nothing writable but the scratch folder, no view of the course or the references,
no process left behind, and every resource limit. Skipped, saying why, where bubblewrap cannot run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from course_grader import judge, pipeline, sandbox
from course_grader import secret as secrets
from course_pkg.checks import SANDBOX_IMPORTABLE

try:
    sandbox.check()
    _WHY_NOT = None
except sandbox.SandboxUnavailable as err:  # e.g. macOS, or a kernel without user namespaces
    _WHY_NOT = str(err)

needs_sandbox = pytest.mark.skipif(_WHY_NOT is not None, reason=f"no sandbox here: {_WHY_NOT}")
REPOSITORY = Path(__file__).resolve().parents[2]


def run_python(tmp_path, code: str, **kwargs) -> sandbox.Outcome:
    scratch = sandbox.make_scratch(tmp_path)
    try:
        return sandbox.run([sys.executable, "-I", "-c", textwrap.dedent(code)], scratch, **kwargs)
    finally:
        judge._remove(scratch.parent)


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@needs_sandbox
def test_no_network_even_to_the_grading_machine(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(5)
    port = server.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(_accept(server)), daemon=True)
    thread.start()
    outcome = run_python(tmp_path, f"""
        import socket
        for host in ("127.0.0.1", "1.1.1.1"):
            try:
                socket.create_connection((host, {port}), timeout=2)
                print("CONNECTED", host)
            except OSError as err:
                print("refused", host, err.errno)
    """)
    thread.join(10)
    server.close()
    assert outcome.returncode == 0, outcome.output
    assert "CONNECTED" not in outcome.output and outcome.output.count("refused") == 2
    assert accepted == [None]


def _accept(server):
    try:
        server.accept()
        return "connection"
    except OSError:
        return None


@needs_sandbox
def test_runs_as_an_unprivileged_user_with_no_capabilities(tmp_path):
    outcome = run_python(tmp_path, """
        import os
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print(os.getuid(), os.getgid(), status["CapEff"].strip(), status["NoNewPrivs"].strip())
    """)
    uid, gid, caps, no_new_privs = outcome.output.split()
    assert uid != "0" and gid != "0" and int(caps, 16) == 0 and no_new_privs == "1"


@needs_sandbox
def test_only_the_scratch_folder_is_writable(tmp_path):
    import course_pkg

    targets = [sys.prefix, sys.base_prefix, "/usr", "/etc", "/", str(Path(course_pkg.__file__).parent)]
    outcome = run_python(tmp_path, f"""
        import os
        for folder in {targets!r}:
            try:
                open(os.path.join(folder, "pwned.txt"), "w").write("x")
                print("WROTE", folder)
            except OSError as err:
                print("no", folder, err.strerror)
        for folder in ("/scratch/work", "/tmp", os.environ["HOME"], "/dev/shm"):
            open(os.path.join(folder, "fine.txt"), "w").write("x")
        print("scratch ok")
    """)
    assert "WROTE" not in outcome.output and "scratch ok" in outcome.output, outcome.output
    for folder in targets:
        assert not (Path(folder) / "pwned.txt").exists()


@needs_sandbox
def test_the_course_the_secret_and_the_references_are_out_of_sight(tmp_path):
    secret = Path.home() / f".course-grader-test-{uuid.uuid4().hex}"  # where an instructor keeps files
    secret.write_text("instructor only")
    try:
        outcome = run_python(tmp_path, f"""
            import os
            for path in {[str(REPOSITORY / "assignments"), str(REPOSITORY / ".git"), str(secret),
                          str(secrets.default_path())]!r}:
                print("SEES" if os.path.exists(path) else "hidden", path)
            # The reference modules' files are stand-ins that only raise ImportError.
            for path in {[str(REPOSITORY / "course_pkg" / "numpy_nn" / "activations.py"),
                          str(REPOSITORY / "course_pkg" / "keras_nn" / "builders.py")]!r}:
                if os.path.exists(path) and "def " in open(path).read():
                    print("SEES", path)
            try:
                import course_pkg.numpy_nn
            except ImportError as err:
                print("ImportError:", err)
            import course_pkg.checks.forward_pass, course_pkg.data
            print("checks importable")
            for statement in ("from course_pkg.keras_nn import build_mlp", "import course_pkg.keras_nn.builders",
                              "from course_pkg.numpy_nn.layers import Dense"):
                try:
                    exec(statement)
                except ImportError as err:
                    print("refused:", statement, "--", err)
            import importlib.util
            print("allowed:", [m for m in {list(SANDBOX_IMPORTABLE)!r} if importlib.util.find_spec(m)])
        """, importable=SANDBOX_IMPORTABLE)
    finally:
        secret.unlink()
    assert "SEES" not in outcome.output, outcome.output
    assert "course_pkg.numpy_nn is not available while your notebook is graded" in outcome.output
    assert "checks importable" in outcome.output
    # The Keras probes' model readers stay importable; every reference module says why it is not.
    assert f"allowed: {list(SANDBOX_IMPORTABLE)!r}" in outcome.output, outcome.output
    for statement, module in (("from course_pkg.keras_nn import build_mlp", "course_pkg.keras_nn"),
                              ("import course_pkg.keras_nn.builders", "course_pkg.keras_nn.builders"),
                              ("from course_pkg.numpy_nn.layers import Dense", "course_pkg.numpy_nn")):
        assert f"refused: {statement} -- {module} is not available while your notebook is graded" in outcome.output


@needs_sandbox
def test_every_process_dies_with_the_sandbox(tmp_path):
    marker = f"course-grader-canary-{uuid.uuid4().hex}"
    outcome = run_python(tmp_path, f"""
        import os, subprocess
        subprocess.Popen(["sleep", "300", "{marker}"], start_new_session=True)
        if os.fork() == 0:  # a double fork, detached from the first child
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "301", "{marker}"])
            os._exit(0)
        print("started")
    """)
    assert "started" in outcome.output
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == []


@needs_sandbox
def test_process_limit_stops_a_fork_bomb(tmp_path):
    outcome = run_python(tmp_path, """
        import os, time
        children = 0
        try:
            while children < 1000:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                children += 1
        except OSError as err:
            print("stopped after", children, err.strerror)
    """, limits=sandbox.Limits(processes=20, wall_seconds=30))
    assert "stopped after" in outcome.output, outcome.output
    assert int(outcome.output.split()[2]) < 20
    assert outcome.seconds < 20  # the sleeping children died with the sandbox


@needs_sandbox
def test_memory_file_size_and_output_limits(tmp_path):
    outcome = run_python(tmp_path, """
        import sys
        try:
            block = bytearray(3 * 2**30)
            print("ALLOCATED")
        except MemoryError:
            print("memory refused")
        try:
            with open("/scratch/work/big.bin", "wb") as fh:
                fh.write(b"x" * 4 * 2**20)
            print("WROTE BIG FILE")
        except OSError as err:
            print("file refused", err.strerror)
        for _ in range(400):
            sys.stdout.write("y" * 100_000 + "\\n")
    """, limits=sandbox.Limits(memory_bytes=2 * sandbox.GiB, file_bytes=2**20, output_bytes=10_000))
    assert outcome.output.startswith("memory refused\nfile refused"), outcome.output[:200]
    assert len(outcome.output) <= 10_000 and outcome.output_bytes > 40_000_000


@needs_sandbox
def test_wall_clock_stall_and_scratch_size_stop_a_run(tmp_path):
    start = time.monotonic()
    outcome = run_python(tmp_path, "while True: pass", limits=sandbox.Limits(wall_seconds=2))
    assert outcome.killed == "the wall-clock limit of 2 s" and time.monotonic() - start < 10
    outcome = run_python(tmp_path, """
        open("/scratch/grader/progress", "w").write("item-0")
        while True: pass
    """, limits=sandbox.Limits(stall_seconds=2), progress_file="grader/progress")
    assert outcome.killed.startswith("no progress for 2 s")
    outcome = run_python(tmp_path, """
        for i in range(200):
            open(f"/tmp/f{i}", "wb").write(b"x" * 2**20)
        import time; time.sleep(30)
    """, limits=sandbox.Limits(scratch_bytes=20 * sandbox.MiB))
    assert outcome.killed.startswith("the scratch folder limit")


@needs_sandbox
@pytest.mark.skipif(os.geteuid() != 0, reason="the tests above already run as an ordinary user")
def test_the_process_limit_binds_for_an_instructor_who_is_not_root():
    # Graded by an ordinary user, bwrap maps that user into a user namespace; the kernel must still
    # count the sandbox's processes (it only exempts root).
    tmp_path = Path(tempfile.mkdtemp(prefix="course-grader-user-"))  # pytest's own folders are root-only
    tmp_path.chmod(0o777)
    try:
        _run_as_nobody(tmp_path)
    finally:
        judge._remove(tmp_path)


def _run_as_nobody(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys
        from course_grader import sandbox
        scratch = sandbox.make_scratch({str(tmp_path)!r})
        program = "import os, time\\nn = 0\\ntry:\\n    while n < 500:\\n        if os.fork() == 0:\\n" \\
                  "            time.sleep(20); os._exit(0)\\n        n += 1\\n" \\
                  "except OSError:\\n    print('stopped after', n)"
        outcome = sandbox.run([sys.executable, "-I", "-c", program], scratch,
                              limits=sandbox.Limits(processes=16, wall_seconds=30))
        print(outcome.output.strip(), outcome.sandboxed)
    """)
    # The system's Python: the course's may sit in root's home, which an ordinary user cannot enter.
    python = Path("/usr/bin/python3")
    if not python.exists():
        pytest.skip("no /usr/bin/python3 to run as an ordinary user")
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(python), "-c", code],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
             "PYTHONPATH": os.pathsep.join([str(REPOSITORY / "grader"), str(REPOSITORY)])},
    )
    if "cannot create a sandbox" in proc.stderr:
        pytest.skip("this kernel does not let ordinary users create user namespaces")
    assert proc.returncode == 0, proc.stderr[-2000:]
    words = proc.stdout.split()
    assert words[:2] == ["stopped", "after"], proc.stdout
    assert int(words[2]) < 16 and words[-1] == "True"


def test_grading_refuses_without_bubblewrap_and_says_how_to_get_it(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    for tool in ("prlimit", "setpriv"):
        if os.path.exists(f"/usr/bin/{tool}"):
            (empty / tool).symlink_to(f"/usr/bin/{tool}")
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(sandbox.SandboxUnavailable) as info:
        sandbox.check()
    assert "apt-get install bubblewrap" in str(info.value) and "--practice" in str(info.value)
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "course_grader", "--course", str(course), "grade", "forward_pass",
         "--from", str(tmp_path)],
        capture_output=True, text=True, env={**os.environ, "PATH": str(empty)},
    )
    assert proc.returncode == 2
    assert "bubblewrap (bwrap) was not found" in proc.stderr and "unsandboxed" in proc.stderr
    assert sorted(p.name for p in course.iterdir()) == ["nbgrader_config.py"]  # refused before touching anything
    with pytest.raises(pipeline.PipelineError, match="bubblewrap"):
        pipeline.require_sandbox(practice=False)
    pipeline.require_sandbox(practice=True)


def test_practice_mode_runs_without_a_sandbox_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    outcome = run_python(tmp_path, "import os; print(os.getcwd())", practice=True)
    assert outcome.returncode == 0 and not outcome.sandboxed
    assert outcome.output.strip().endswith("/scratch/work")
