"""Tests of `python -m course_pkg doctor | data | bench | multiworker` and of the doctor's checks."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import course_pkg
from course_pkg import __main__ as cli
from course_pkg import doctor

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ("Python and packages", "NumPy-track backend", "GPUs", "Data sets (offline)", "Fast mode")


def write_fake_mnist(folder: Path) -> Path:
    """TEST FIXTURE: a tiny file in the layout of mnist.npz, zeros — not real MNIST."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mnist.npz"
    np.savez(
        path,
        x_train=np.zeros((3, 28, 28), np.uint8),
        y_train=np.array([5, 0, 4], np.uint8),
        x_test=np.zeros((2, 28, 28), np.uint8),
        y_test=np.array([7, 2], np.uint8),
    )
    return path



def _by_name(checks):
    return {check.name: check for check in checks}


def _fake_versions(installed: dict[str, str]):
    """A version lookup for doctor.check_packages that sees exactly these distributions."""

    def version_of(dists):
        for dist in dists:
            if dist in installed:
                return dist, installed[dist]
        return None

    return version_of


GOOD = {
    "numpy": "2.4.0",
    "scikit-learn": "1.9.0",
    "matplotlib": "3.11.0",
    "tensorflow": "2.21.0",
    "keras": "3.15.0",
    "nbgrader": "0.9.6",
    "jupyter-book": "1.0.4",
}


# --------------------------------------------------------------------------------------------------
# The commands, as learners run them
# --------------------------------------------------------------------------------------------------


def test_doctor_command_prints_every_section(tmp_path):
    write_fake_mnist(tmp_path / "data")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COURSE_DATA_DIR": str(tmp_path / "data"), "COURSE_FAST": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "course_pkg", "doctor"], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )
    out = result.stdout
    for title in SECTIONS:
        assert f"\n{title}\n" in out, out
    for name in ("NumPy", "TensorFlow", "Keras", "nbgrader", "jupyter-book", "COURSE_DEVICE", "nvidia-smi"):
        assert f"] {name} " in out
    assert f"{tmp_path / 'data' / 'mnist.npz'} (train 3, test 2 images)" in out
    assert re.search(r"\[ok\] COURSE_FAST +on", out)
    # Exit code and summary agree.
    assert result.returncode in (0, 1), result.stderr
    assert ("No problems found" in out) == (result.returncode == 0)


def test_doctor_does_not_import_tensorflow():
    code = (
        "import sys; from course_pkg import doctor; doctor.run_checks(); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr


def test_data_command_lists_mnist_status(no_mnist, monkeypatch, tmp_path, capsys):
    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    mnist_line = next(line for line in out.splitlines() if "load_mnist()" in line)
    assert "MISSING" in mnist_line
    assert "COURSE_DATA_DIR is not set" in out
    assert "load_digits()" in out and "bundled with scikit-learn" in out and "make_spiral()" in out

    path = write_fake_mnist(tmp_path / "mirror")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "mirror"))
    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "load_mnist()" in line)
    assert "available" in lines[at]
    assert f"{path} (from COURSE_DATA_DIR)" in lines[at + 1]


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert cli.COMMANDS == ("doctor", "data", "bench", "multiworker")
    lines = [re.search(rf"^ +{command}\s+\w", out, re.MULTILINE) for command in cli.COMMANDS]
    assert all(lines), out  # every command with its one-line help, in this order
    assert [m.start() for m in lines] == sorted(m.start() for m in lines)
    with pytest.raises(SystemExit) as info:
        cli.main(["doctor", "--help"])
    assert "--tf" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


@pytest.mark.parametrize("command, module", [("bench", "benchmarks"), ("multiworker", "keras_nn.multiworker")])
def test_passed_on_commands_hand_their_arguments_to_their_module(monkeypatch, command, module):
    received = []
    fake = types.ModuleType(f"course_pkg.{module}")
    fake.main = lambda argv: received.append(argv) or 3
    monkeypatch.setitem(sys.modules, f"course_pkg.{module}", fake)
    assert cli.main([command, "--quick", "--json", "out.json"]) == 3
    assert received == [["--quick", "--json", "out.json"]]
    fake.main = lambda argv: None  # a main that returns nothing succeeded
    assert cli.main([command]) == 0


def test_multiworker_help_is_the_demos_own(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["multiworker", "--help"])  # answered before TensorFlow is imported
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m course_pkg multiworker")
    assert "--worker-index" in out and "--ports" in out


def test_doctor_main_exit_code(monkeypatch):
    ok = [("S", [doctor.Check("a", True, "fine")])]
    bad = [("S", [doctor.Check("a", True, "fine"), doctor.Check("b", False, "broken", "repair b")])]
    monkeypatch.setattr(doctor, "collect_sections", lambda with_tf=False: ok)
    stream = io.StringIO()
    assert doctor.main(stream=stream) == 0
    assert "No problems found" in stream.getvalue()
    monkeypatch.setattr(doctor, "collect_sections", lambda with_tf=False: bad)
    stream = io.StringIO()
    assert doctor.main(stream=stream) == 1
    assert "1 problem:\n  - b: broken\n    fix: repair b" in stream.getvalue()


# --------------------------------------------------------------------------------------------------
# The checks, with problems injected
# --------------------------------------------------------------------------------------------------


def test_packages_all_good():
    checks = doctor.check_packages(_fake_versions(GOOD))
    assert doctor.problems(checks) == []
    names = _by_name(checks)
    assert names["TensorFlow"].detail == "2.21.0"
    assert names["CuPy"].ok and "not installed" in names["CuPy"].detail  # optional


def test_tensorflow_cpu_counts_as_tensorflow():
    installed = dict(GOOD)
    del installed["tensorflow"]
    installed["tensorflow-cpu"] = "2.21.0"
    tf_check = _by_name(doctor.check_packages(_fake_versions(installed)))["TensorFlow"]
    assert tf_check.ok and tf_check.detail == "2.21.0 (tensorflow-cpu)"


@pytest.mark.parametrize(
    "change, name, detail, fix",
    [
        ({"nbgrader": None}, "nbgrader", "not installed", "requirements.txt"),
        ({"tensorflow": None}, "TensorFlow", "not installed", "make venv"),
        ({"jupyter-book": "2.0.1"}, "jupyter-book", "jupyter-book<2", "requirements.txt"),
        ({"keras": "2.15.0"}, "Keras", "Keras 3", "requirements.txt"),
        ({"tensorflow": "2.15.1"}, "TensorFlow", "2.16 or newer", "requirements.txt"),
    ],
)
def test_package_problems_are_flagged_with_a_fix(change, name, detail, fix):
    installed = {**GOOD, **change}
    present = {k: v for k, v in installed.items() if v is not None}
    found = doctor.problems(doctor.check_packages(_fake_versions(present)))
    assert [check.name for check in found] == [name]
    assert detail in found[0].detail
    assert fix in found[0].fix


def test_gpu_requested_without_cuda_is_flagged(monkeypatch):
    from course_pkg.numpy_nn import backend

    monkeypatch.setattr(backend, "cupy_available", lambda: False)
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    found = doctor.problems(doctor.check_backend())
    assert len(found) == 1 and "COURSE_DEVICE=gpu but no CUDA device" in found[0].detail
    assert "COURSE_DEVICE=cpu" in found[0].fix

    monkeypatch.setenv("COURSE_DEVICE", "tpu")
    found = doctor.problems(doctor.check_backend())
    assert [c.name for c in found] == ["COURSE_DEVICE"] and "cpu, gpu, auto" in found[0].fix

    monkeypatch.setattr(backend, "cupy_available", lambda: True)
    monkeypatch.setenv("COURSE_DEVICE", "auto")
    checks = doctor.check_backend()
    assert doctor.problems(checks) == [] and _by_name(checks)["array module"].detail == "cupy"
    monkeypatch.delenv("COURSE_DEVICE")
    assert _by_name(doctor.check_backend())["array module"].detail == "numpy"  # cpu is the default


def test_missing_mnist_is_flagged_with_a_fix(no_mnist):
    checks = _by_name(doctor.check_data())
    assert checks["digits"].ok and checks["iris"].ok and checks["breast_cancer"].ok
    mnist = checks["MNIST"]
    assert not mnist.ok
    assert str(no_mnist / ".keras" / "datasets" / "mnist.npz") in mnist.detail
    assert "COURSE_DATA_DIR" in mnist.fix and "keras.datasets.mnist.load_data()" in mnist.fix


def test_broken_mnist_is_flagged(no_mnist, monkeypatch, tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"garbage")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    mnist = _by_name(doctor.check_data())["MNIST"]
    assert not mnist.ok and "unusable" in mnist.detail and "npz archive" in mnist.fix


def test_fast_mode_is_reported(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert doctor.check_fast_mode()[0].detail.startswith("on")
    monkeypatch.setenv("COURSE_FAST", "0")
    assert doctor.check_fast_mode()[0].detail.startswith("off")


def test_nvidia_smi_absent_is_not_a_problem(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    (check,) = doctor.check_gpus()
    assert check.ok and "no NVIDIA driver" in check.detail


@pytest.mark.tf
def test_doctor_lists_tensorflow_devices(tf):
    checks = _by_name(doctor.check_gpus(with_tf=True))
    assert checks["TensorFlow devices"].ok
    assert "CPU" in checks["TensorFlow devices"].detail
