"""Building blocks of probes: run a scenario against one object, return plain data.

A part's probe is a module-level function ``probe(obj, inputs) -> dict`` in its
assignment's checks module. The same probe runs on the learner's object (in the
grading sandbox, or in the learner's notebook for the visible cases) and on the
course's reference (in the grader's trusted process). Probes are built from:

:func:`call`
    call a function on ``inputs["args"]`` / ``inputs["kwargs"]``, optionally with
    known-good stand-ins for the learner's helpers and a ``numpy.errstate``;
    report the return value and which arguments it changed in place.
:func:`code_report`
    which global names (and ``module.attribute`` chains) a function's code uses
    and what they resolve to, which operators and which methods it calls, so a
    "use loops, not NumPy products" rule is judged by what the code really
    calls: a loop helper of the learner's called ``dot`` is fine,
    ``vector_dot = np.dot`` is not.
:func:`run`
    run a probe and turn an exception into ``{"error": {"type", "message"}}``,
    with the result converted to wire values exactly as the grader will see it.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import dis
import inspect
import sys
import types
from typing import Any, Callable, Iterable

import numpy as np

from course_pkg.checks import wire

__all__ = [
    "run",
    "call",
    "code_report",
    "uses_of",
    "stand_ins",
    "error_record",
    "reference_used_by",
    "roundtrip",
]

_REFERENCE_PACKAGES = ("course_pkg.numpy_nn", "course_pkg.keras_nn")


def run(probe: Callable[[Any, dict], dict], obj: Any, inputs: dict) -> dict:
    """Run ``probe(obj, inputs)`` on a private copy of the inputs; return wire data.

    Exceptions raised inside (by the learner's code, usually) are returned as
    ``{"error": {"type": name, "message": text}}``. ``KeyboardInterrupt`` is
    not caught, so a learner can still stop a slow check.
    """
    try:
        result = probe(obj, copy.deepcopy(inputs))
    except (Exception, SystemExit) as err:
        return error_record(err)
    return roundtrip(result)


def error_record(err: BaseException) -> dict:
    """``{"error": {"type": ..., "message": ...}}`` for an exception, never raising itself."""
    try:
        message = str(err)
    except Exception:  # a learner's exception class whose __str__ fails
        message = "(the error message could not be read)"
    return {"error": {"type": type(err).__name__, "message": message[:2000]}}


def roundtrip(value: Any) -> Any:
    """``value`` as the judge receives it: converted to wire values and back."""
    arrays: list[np.ndarray] = []
    data = wire.encode(value, arrays)
    return wire.decode(data, [a.copy() for a in arrays])


# --------------------------------------------------------------------------- calling a function


def call(fn: Callable, inputs: dict, *, stand_ins: dict | None = None, errstate: dict | None = None) -> dict:
    """Call ``fn(*inputs["args"], **inputs["kwargs"])`` and report what happened.

    Parameters
    ----------
    fn : callable
        The object under test (the learner's function or the reference).
    inputs : dict
        ``{"args": list, "kwargs": dict}``; both optional.
    stand_ins : dict, optional
        ``{name: function}``: known-good versions of helpers that ``fn``'s
        module defines, swapped in during the call so that a mistake in one
        part never costs a point in another (see :func:`stand_ins`).
    errstate : dict, optional
        ``numpy.errstate`` settings, e.g. ``{"over": "raise"}`` to turn a
        silent overflow into an error the judge can explain.

    Returns
    -------
    dict
        ``{"returned": value, "changed": [positions of arguments changed in place]}``.
    """
    if not callable(fn):
        raise TypeError(f"expected a function; got {type(fn).__name__}. "
                        "Define it in the solution cell and run that cell.")
    args = list(inputs.get("args", []))
    kwargs = dict(inputs.get("kwargs", {}))
    before = copy.deepcopy(args)
    with stand_ins_for(fn, stand_ins), np.errstate(**(errstate or {})):
        returned = fn(*args, **kwargs)
    changed = [i for i, (old, new) in enumerate(zip(before, args)) if not _same(old, new)]
    return {"returned": returned, "changed": changed}


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, np.ndarray):
        return isinstance(new, np.ndarray) and old.shape == new.shape and np.array_equal(old, new, equal_nan=True)
    if isinstance(old, (list, tuple)):
        return type(old) is type(new) and len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new))
    if isinstance(old, dict):
        return isinstance(new, dict) and old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    return old is new or old == new


@contextlib.contextmanager
def stand_ins_for(fn: Any, replacements: dict | None):
    """Temporarily replace helpers in ``fn``'s module namespace by known-good stand-ins.

    Only names that the namespace binds to a callable other than ``fn`` are
    swapped, and the originals are put back afterwards.
    """
    namespace = _globals_of(fn)
    saved = {}
    if namespace is not None and replacements:
        for name, replacement in replacements.items():
            current = namespace.get(name)
            if callable(current) and current is not fn:
                saved[name] = current
                namespace[name] = replacement
    try:
        yield
    finally:
        if namespace is not None:
            namespace.update(saved)


stand_ins = stand_ins_for  # the short name reads well in probes: `with stand_ins(fn, {...}):`


def _globals_of(obj: Any) -> dict | None:
    obj = inspect.unwrap(obj) if callable(obj) else obj
    namespace = getattr(obj, "__globals__", None)
    if namespace is None and inspect.isclass(obj):
        for member in vars(obj).values():
            namespace = getattr(member, "__globals__", None)
            if namespace is not None:
                break
    return namespace


# --------------------------------------------------------------------------- what code uses


def code_report(obj: Any, *, skip: Iterable[str] = (), depth: int = 4) -> dict:
    """Which globals, operators and methods the code of ``obj`` uses, as data.

    Follows functions defined beside ``obj`` (in the same notebook or module)
    that it calls, up to ``depth`` levels, except the names in ``skip`` (the
    helpers a probe swaps for stand-ins, judged in their own part).

    Returns
    -------
    dict
        ``{"is": "a function of yours", "globals": {"np.dot": "numpy.dot",
        "helper": "a function of yours", ...}, "operators": ["@"], "methods": ["dot"]}``.
        ``is`` says what ``obj`` itself is (``"numpy.dot"`` after
        ``vector_dot = np.dot``); each global or ``name.attribute`` chain is
        mapped to what it resolves to.

    Examples
    --------
    >>> def f(a, b):
    ...     return np.dot(a, b) + sum(x for x in a)
    >>> code_report(f)["globals"]["np.dot"]
    'numpy.dot'
    >>> code_report(lambda a, b: a @ b)["operators"]
    ['@']
    """
    home = _globals_of(obj)
    report = {"is": _describe_target(obj, home), "globals": {}, "operators": [], "methods": []}
    skip = set(skip)
    seen: set[int] = set()
    todo = [(code, _globals_of(fn) or {}, _closure_of(fn), 0) for fn, code in _codes(obj)]
    while todo:
        code, namespace, closure, level = todo.pop()
        if id(code) in seen:
            continue
        seen.add(id(code))
        for chain, value in _chains(code, namespace, closure):
            report["globals"].setdefault(chain, _describe_target(value, home))
            root = chain.split(".")[0]
            if (level < depth and root not in skip and inspect.isfunction(value)
                    and value.__globals__ is home and value is not obj):
                todo.append((value.__code__, value.__globals__, _closure_of(value), level + 1))
        for ins in dis.get_instructions(code):
            if ins.opname == "BINARY_OP" and ins.argrepr in ("@", "@=") and "@" not in report["operators"]:
                report["operators"].append("@")
            elif ins.opname in ("BINARY_MATRIX_MULTIPLY", "INPLACE_MATRIX_MULTIPLY") and "@" not in report["operators"]:
                report["operators"].append("@")
        for method in _methods(code):
            if method not in report["methods"]:
                report["methods"].append(method)
        todo.extend((c, namespace, {}, level) for c in code.co_consts if isinstance(c, types.CodeType))
    return report


def uses_of(report: dict, *, functions: Iterable[str] = (), methods: Iterable[str] = (),
            operators: Iterable[str] = ()) -> list[str]:
    """The forbidden things a :func:`code_report` shows, as ``"np.dot (numpy.dot)"`` strings.

    ``functions`` are qualified names (``"numpy.dot"``) matched against what
    globals resolve to; ``methods`` are method names called on local values;
    ``operators`` are operator symbols such as ``"@"``.
    """
    functions, methods, operators = set(functions), set(methods), set(operators)
    found = [f"itself {report['is']}"] if report.get("is") in functions else []
    found += [f"{chain} ({target})" for chain, target in report.get("globals", {}).items() if target in functions]
    found += [f".{m}()" for m in report.get("methods", []) if m in methods]
    found += [op for op in report.get("operators", []) if op in operators]
    return found


def reference_used_by(obj: Any) -> str | None:
    """The course reference that ``obj`` is or calls, if any (a courtesy check for learners)."""
    module = getattr(obj, "__module__", "") or ""
    if module.startswith(_REFERENCE_PACKAGES):
        return f"{module}.{getattr(obj, '__qualname__', type(obj).__name__)}"
    try:
        targets = code_report(obj)["globals"].values()
    except Exception:  # an object without code (a number, a string): nothing to report
        return None
    return next((t for t in targets if t.startswith(_REFERENCE_PACKAGES)), None)


def _codes(obj: Any) -> list[tuple[Any, types.CodeType]]:
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if inspect.isclass(obj):
        out = []
        for klass in obj.__mro__:
            if klass.__module__ == "builtins":
                continue
            for member in vars(klass).values():
                out.extend(_codes(member))
        return out
    if isinstance(obj, property):
        return [pair for part in (obj.fget, obj.fset, obj.fdel) if part is not None for pair in _codes(part)]
    code = getattr(obj, "__code__", None)
    return [(obj, code)] if isinstance(code, types.CodeType) else []


def _closure_of(fn: Any) -> dict:
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None) or ()
    out = {}
    for name, cell in zip(code.co_freevars if code else (), cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    return out


_MISSING = object()


def _chains(code: types.CodeType, namespace: dict, closure: dict):
    """Yield ``("np.dot", object)`` for each global (or closure) name and attribute chain read."""
    instructions = list(dis.get_instructions(code))
    imported: dict[str, Any] = {}  # local names bound by an import inside the function
    i = 0
    while i < len(instructions):
        ins = instructions[i]
        value, chain = _MISSING, None
        if (ins.opname == "IMPORT_NAME" and i + 1 < len(instructions)
                and instructions[i + 1].opname in ("STORE_FAST", "STORE_NAME", "STORE_DEREF")):
            imported[instructions[i + 1].argval] = sys.modules.get(ins.argval.split(".")[0], _MISSING)
        if ins.opname == "LOAD_FAST" and ins.argval in imported:
            chain, value = ins.argval, imported[ins.argval]
        elif ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            chain = ins.argval
            value = namespace.get(chain, getattr(builtins, chain, _MISSING))
        elif ins.opname == "LOAD_DEREF" and ins.argval in closure:
            chain, value = ins.argval, closure[ins.argval]
        elif ins.opname == "IMPORT_NAME":
            chain = ins.argval
            value = sys.modules.get(chain, _MISSING)
        if chain is None:
            i += 1
            continue
        j = i + 1
        while j < len(instructions) and instructions[j].opname in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM"):
            attr = instructions[j].argval
            value = getattr(value, attr, _MISSING) if value is not _MISSING else _MISSING
            chain = f"{chain}.{attr}"
            j += 1
        if value is not _MISSING:
            yield chain, value
        i = j


def _methods(code: types.CodeType) -> list[str]:
    """Names of methods called on local values (``a.dot(b)`` gives ``"dot"``)."""
    out = []
    instructions = list(dis.get_instructions(code))
    for prev, ins in zip(instructions, instructions[1:]):
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and prev.opname in ("LOAD_FAST", "LOAD_CONST", "BINARY_SUBSCR",
                                                                           "CALL", "PRECALL", "LOAD_ATTR"):
            if prev.opname != "LOAD_ATTR" or prev.argval not in ("__class__",):
                out.append(ins.argval)
    return out


def _describe_target(value: Any, home: dict | None) -> str:
    if inspect.ismodule(value):
        return f"module {value.__name__}"
    if inspect.isfunction(value) and value.__globals__ is home:
        return "a function of yours"
    name = getattr(value, "__name__", None)
    if callable(value) and isinstance(name, str):
        module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
        return f"{module}.{name}" if module else name
    return f"a {type(value).__name__}"
