"""Unit tests of course_pkg.checks' building blocks: the wire format (and its strict reader), probes,
evaluate and the formative runner. Fast, no nbgrader, no sandbox."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from course_pkg.checks import Case, CheckFailed, Part, evaluate, probes, run_check, wire
from course_pkg.checks._core import compare_arrays, is_whole_number, tolerance

# --------------------------------------------------------------------------- wire


@pytest.mark.parametrize(
    "value",
    [
        None, True, 3, -2.5, "text", [1, [2, 3]], (1, (2.0, "x")), {"a": 1, "b": [None]},
        np.arange(6, dtype=np.int16).reshape(2, 3), np.float32(1.5), np.array(True),
        {"__array__": 0}, {"__tuple__": [1]},  # learner dicts that look like markers survive
        float("nan"), float("-inf"),
    ],
    ids=repr,
)
def test_wire_round_trips_every_wire_value(tmp_path, value):
    wire.dump(value, tmp_path, "v")
    back = wire.load(tmp_path, "v")
    if isinstance(value, (np.ndarray, np.generic)):
        assert isinstance(back, np.ndarray) and back.dtype == np.asarray(value).dtype
        assert back.shape == np.shape(value) and np.array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value and type(back) is type(value)


def test_wire_marks_what_it_cannot_carry(tmp_path):
    def gen():
        yield 1

    value = {"g": gen(), "obj": object(), "strings": np.array(["a"]), "keys": {1: 2}, "deep": [[[[]]]]}
    wire.dump(value, tmp_path, "v")
    back = wire.load(tmp_path, "v")
    assert back["g"] == {"unserialisable": "generator"}
    assert back["obj"] == {"unserialisable": "object"}
    assert back["strings"]["unserialisable"].startswith("array of dtype <U")
    assert back["keys"] == {"unserialisable": "dict with keys that are not strings"}
    nested = []
    for _ in range(50):
        nested = [nested]
    wire.dump(nested, tmp_path, "n")
    assert "unserialisable" in json.dumps(wire.load(tmp_path, "n"))


def test_wire_load_refuses_links_pipes_and_oversized_files(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text('{"n_arrays": 0, "value": "stolen"}')
    (tmp_path / "link.json").symlink_to(outside)
    with pytest.raises(wire.WireError, match="regular file"):
        wire.load(tmp_path, "link")
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(wire.WireError, match="regular file"):
        wire.load(tmp_path, "pipe")  # never blocks waiting for a writer
    wire.dump(list(range(1000)), tmp_path, "big")
    with pytest.raises(wire.WireError, match="at most 100 bytes"):
        wire.load(tmp_path, "big", max_bytes=100)
    with pytest.raises(wire.WireError, match="values"):
        wire.load(tmp_path, "big", max_items=10)
    with pytest.raises(FileNotFoundError):
        wire.load(tmp_path, "missing")


def _write_npz(path, members: dict[str, bytes]):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _npy(array, *, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_wire_load_refuses_pickles_odd_dtypes_and_lying_headers(tmp_path):
    (tmp_path / "v.json").write_text('{"n_arrays": 1, "value": {"__array__": 0}}')
    _write_npz(tmp_path / "v.npz", {"arr_0.npy": _npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)})
    with pytest.raises(wire.WireError, match="dtype object"):
        wire.load(tmp_path, "v")
    _write_npz(tmp_path / "v.npz", {"arr_0.npy": _npy(np.array(["text"]))})
    with pytest.raises(wire.WireError, match="numeric or boolean"):
        wire.load(tmp_path, "v")
    # A header that declares a huge array over a few bytes of data must not allocate it.
    lying = _npy(np.zeros(2)).replace(b"(2,)", b"(10000000000,)")
    _write_npz(tmp_path / "v.npz", {"arr_0.npy": lying})
    with pytest.raises(wire.WireError, match="declares"):
        wire.load(tmp_path, "v")
    _write_npz(tmp_path / "v.npz", {"arr_0.npy": _npy(np.zeros(2)), "extra.npy": _npy(np.zeros(2))})
    with pytest.raises(wire.WireError, match="exactly the arrays"):
        wire.load(tmp_path, "v")
    (tmp_path / "v.json").write_text('{"n_arrays": 1, "value": {"__array__": 5}}')
    _write_npz(tmp_path / "v.npz", {"arr_0.npy": _npy(np.zeros(2))})
    with pytest.raises(wire.WireError, match="array index"):
        wire.load(tmp_path, "v")
    (tmp_path / "v.json").write_text("[" * 100_000)
    with pytest.raises(wire.WireError):
        wire.load(tmp_path, "v")


# --------------------------------------------------------------------------- probes


def test_call_reports_in_place_changes_and_restores_stand_ins():
    namespace = {"np": np}
    exec("def helper(x):\n    return -1\n"
         "def f(z, w):\n    z -= 1\n    return helper(z)\n", namespace)
    original = namespace["helper"]
    result = probes.call(namespace["f"], {"args": [np.ones(3), np.ones(2)]}, stand_ins={"helper": lambda x: 7})
    assert result == {"returned": 7, "changed": [0]}
    assert namespace["helper"] is original


def test_run_turns_exceptions_into_data_and_keeps_keyboard_interrupt():
    def boom(obj, inputs):
        raise ValueError("no " * 2000)

    error = probes.run(boom, None, {})["error"]
    assert error["type"] == "ValueError" and len(error["message"]) == 2000
    assert probes.run(lambda obj, inputs: exit(3), None, {})["error"]["type"] == "SystemExit"

    def interrupted(obj, inputs):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        probes.run(interrupted, None, {})


def test_code_report_follows_the_learners_helpers_but_not_stand_ins():
    namespace = {}
    exec("import numpy as np\n"
         "dot = np.dot\n"
         "def loop_dot(a, b):\n    return sum(x * y for x, y in zip(a, b))\n"
         "def uses_helper(a, b):\n    return inner(a, b)\n"
         "def inner(a, b):\n    return np.einsum('i,i', a, b)\n"
         "def calls_vector_dot(A, B):\n    return [[vector_dot(r, c) for c in B] for r in A]\n"
         "def vector_dot(a, b):\n    return np.vdot(a, b)\n", namespace)
    products = {"numpy.dot", "numpy.einsum", "numpy.vdot"}
    assert probes.uses_of(probes.code_report(namespace["dot"]), functions=products) == ["itself numpy.dot"]
    assert probes.uses_of(probes.code_report(namespace["loop_dot"]), functions=products) == []
    assert probes.uses_of(probes.code_report(namespace["uses_helper"]), functions=products) == [
        "np.einsum (numpy.einsum)"]
    report = probes.code_report(namespace["calls_vector_dot"], skip={"vector_dot"})
    assert probes.uses_of(report, functions=products) == []
    assert probes.uses_of(probes.code_report(namespace["calls_vector_dot"]), functions=products)


# --------------------------------------------------------------------------- evaluate and the runner


def _part(judge, **kwargs) -> Part:
    def cases(rng, repeats):
        return [Case("small", {"args": [int(rng.integers(1, 5))]}) for _ in range(repeats)]

    return Part(grade_id="test_double", title="Part 1: doubling", target="double", probe=probes.call,
                cases=cases, reference=lambda: (lambda x: 2 * x), judge=judge, seed=1, **kwargs)


def _same(case, got, expected):
    return None if got["returned"] == expected["returned"] else "the number is wrong."


def test_evaluate_names_the_case_kind_and_visibility_never_values():
    part = _part(_same)
    cases = [Case("small", {"args": [3]}), Case("huge", {"args": [123456789]}, hidden=True)]
    got = [{"returned": 6}, {"returned": 987654321}]
    expected = [{"returned": 6}, {"returned": 246913578}]
    verdict = evaluate(part, cases, got, expected)
    assert not verdict.passed
    assert verdict.message == "double, hidden case 'huge': the number is wrong."
    assert verdict.failed_kinds == ("(hidden) huge",)
    assert "123456789" not in verdict.summary() and "246913578" not in verdict.summary()
    ok = evaluate(part, cases[:1], got[:1], expected[:1])
    assert ok.passed and ok.summary() == "double: passed 1 visible case."


def test_evaluate_explains_missing_results_errors_and_undefined_names():
    part = _part(_same, on_error=lambda case, error: "hint" if error["type"] == "ZeroDivisionError" else None)
    case = [Case("small", {"args": [1]})]
    expected = [{"returned": 2}]

    def message(got):
        return evaluate(part, case, [got], expected).message

    assert "no result came back" in message(None)
    assert "not written yet" in message({"error": {"type": "NotImplementedError", "message": ""}})
    assert "double is not defined" in message({"error": {"type": "NameError", "message": "x", "undefined": "double"}})
    assert message({"error": {"type": "ZeroDivisionError", "message": "x"}}).endswith(": hint")
    assert "your code raised KeyError: 'k'" in message({"error": {"type": "KeyError", "message": "'k'"}})
    broken_reference = [{"error": {"message": "bug"}}]
    assert "grader could not compute" in evaluate(part, case, [{"returned": 2}], broken_reference).message
    with pytest.raises(ValueError, match="one result and one expected result per case"):
        evaluate(part, case, [], expected)


def test_a_result_no_judge_foresaw_fails_its_case_instead_of_crashing_the_grader():
    def fragile(case, got, expected):
        return None if float(got["returned"]) == expected["returned"] else "wrong"

    part = _part(fragile)
    verdict = evaluate(part, [Case("small", {"args": [1]})], [{"returned": "two"}], [{"returned": 2}])
    assert verdict.message == ("double, visible case 'small': it returned a str, which could not be compared "
                               "with the right answer (ValueError).")


def test_run_check_raises_check_failed_with_the_message_first(capsys):
    part = _part(_same)
    run_check(part, lambda x: x + x)
    assert capsys.readouterr().out == "double: passed 1 visible case.\n"
    with pytest.raises(CheckFailed) as info:
        run_check(part, lambda x: x * 3)
    assert str(info.value).startswith("double, visible case 'small': the number is wrong.")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_tolerance_follows_the_dtype_of_the_learners_result():
    expected = np.array([1 / 3, 2 / 3])
    assert compare_arrays(expected.astype(np.float32), expected, "p") is None
    assert compare_arrays(expected + 1e-5, expected, "p") is not None  # float64 work is held to float64
    assert tolerance(np.int64) == tolerance(np.float64)
    assert "shape (3,)" in compare_arrays(np.zeros(3), expected, "p")


def test_whole_numbers_accept_integral_floats_but_not_bools():
    assert is_whole_number(623290) and is_whole_number(623290.0) and is_whole_number(np.array(5))
    assert not is_whole_number(2.5) and not is_whole_number(True) and not is_whole_number(float("inf"))
    assert not is_whole_number([1])


@pytest.mark.parametrize(
    ("imports", "forbidden"),
    [
        ("from course_pkg.checks import forward_pass, probes, wire",
         ("course_pkg.numpy_nn", "course_pkg.keras_nn", "tensorflow", "keras", "nbgrader", "course_grader")),
        ("from course_pkg.checks import perceptrons, backprop, optimizers, keras_models, keras_training, keras_probes",
         ("course_pkg.numpy_nn", "course_pkg.keras_nn", "tensorflow", "keras", "nbgrader", "course_grader")),
    ],
    ids=["checks", "other-assignments"],
)
def test_importing_the_checks_stays_light(imports, forbidden):
    code = f"import sys\n{imports}\nbad = [m for m in sys.modules if m.startswith({forbidden!r})]\n" \
           "assert not bad, bad\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
