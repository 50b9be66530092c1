"""The program that runs inside the sandbox: a learner's cells, then the planned probes.

``python -I -m course_grader.host FOLDER`` reads ``FOLDER/program.json`` (the
learner's code cells in notebook order, with a probe item where each test cell
was) and ``FOLDER/cases`` (the probes' inputs, as wire data). It executes the
cells with IPython's ``InteractiveShell`` (so magics and ``display`` work as in
Jupyter), and at each probe item calls the part's probe on the learner's object
for every case. After every item it writes the item's result to
``FOLDER/out/item-<n>`` (wire data), so a later crash or timeout loses nothing
that was already done.

Nothing here decides a grade: the results are data for the judge, which runs
outside the sandbox. Learner code runs in this same process and can change
anything in it, which can only change what its own functions are reported to
return.

Time limits: each item is interrupted (``GradingTimeout``) when it runs past its
limit; a cell that swallows the interruption is stopped from outside by the
sandbox's watchdog, which watches ``FOLDER/out/progress``.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
from pathlib import Path

from course_pkg.checks import probes, wire

__all__ = ["GradingTimeout", "main"]

# Caps on what one cell can put into its record (the judge checks them again).
MAX_STREAM_CHARS = 50_000
MAX_DISPLAYS = 20
MAX_TEXT_CHARS = 10_000
MAX_PNG_CHARS = 1_000_000
MAX_TRACEBACK_LINES = 60


class GradingTimeout(BaseException):
    """Raised inside learner code when an item runs past its time limit."""


def _on_alarm(signum, frame):
    raise GradingTimeout("the time limit was reached")


class _CappedStream:
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int = MAX_STREAM_CHARS):
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0
        self.limit = limit

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[{self.dropped:,} more characters of output were dropped by the grader]\n"
        return text


class _CappedList(list):
    """A list that silently stops growing at ``MAX_DISPLAYS`` items."""

    def append(self, item) -> None:
        if len(self) < MAX_DISPLAYS:
            super().append(item)


def _make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class RecordingShell(InteractiveShell):
        """An InteractiveShell that records errors as data instead of printing them."""

        last_error = None

        def _showtraceback(self, etype, evalue, stb):
            try:
                message = str(evalue)
            except Exception:
                message = "(the error message could not be read)"
            self.last_error = {
                "output_type": "error",
                "ename": getattr(etype, "__name__", "Error"),
                "evalue": message[:MAX_TEXT_CHARS],
                "traceback": [str(line)[:2000] for line in stb[-MAX_TRACEBACK_LINES:]],
            }

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file, no history thread
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    shell = RecordingShell.instance(config=config)
    shell.user_ns["__name__"] = "__main__"
    return shell


def run_cell(shell, source: str, timeout: float, count: int) -> dict:
    """Execute one cell; return ``{"status", "outputs", "seconds", "execution_count"}``."""
    from IPython.core.displayhook import CapturingDisplayHook
    from IPython.core.displaypub import CapturingDisplayPublisher

    stdout, stderr = _CappedStream(), _CappedStream()
    publisher = CapturingDisplayPublisher()
    publisher.outputs = _CappedList()
    saved = sys.stdout, sys.stderr, shell.display_trap.hook, shell.display_pub
    sys.stdout, sys.stderr = stdout, stderr
    shell.display_pub = publisher
    # IPython installs display_trap.hook as sys.displayhook while a cell runs: a cell's value lands here.
    shell.display_trap.hook = CapturingDisplayHook(shell=shell, outputs=publisher.outputs)
    shell.last_error = None
    status = "ok"
    start = time.perf_counter()
    try:
        _arm(timeout)
        result = shell.run_cell(source, store_history=False, silent=False)
        _arm(0)
        if isinstance(result.error_in_exec, GradingTimeout):
            status = "timeout"
        elif not result.success:
            status = "error"
    except GradingTimeout:
        status = "timeout"
    finally:
        _arm(0)
        sys.stdout, sys.stderr, shell.display_trap.hook, shell.display_pub = saved
    outputs = []
    for name, stream in (("stdout", stdout), ("stderr", stderr)):
        text = stream.getvalue()
        if text:
            outputs.append({"output_type": "stream", "name": name, "text": text})
    for item in list(publisher.outputs):
        outputs.append(_display_record(item))
    if status == "timeout":
        outputs.append({"output_type": "error", "ename": "CellTimeoutError",
                        "evalue": f"this cell ran longer than the {timeout:g} s limit and was interrupted",
                        "traceback": []})
    elif shell.last_error is not None:
        outputs.append(shell.last_error)
    return {"status": status, "outputs": outputs, "seconds": time.perf_counter() - start, "execution_count": count}


def _display_record(item) -> dict:
    data = (item.get("data") if isinstance(item, dict) else getattr(item, "data", None)) or {}
    kept = {}
    text = data.get("text/plain")
    if isinstance(text, str):
        kept["text/plain"] = text[:MAX_TEXT_CHARS]
    png = data.get("image/png")
    if isinstance(png, str) and len(png) <= MAX_PNG_CHARS:
        kept["image/png"] = png
    if not kept:
        kept["text/plain"] = "[a display the grader does not keep]"
    return {"output_type": "display_data", "data": kept}


def run_probe(shell, item: dict, probe, cases: list, timeout: float) -> list:
    """Run one part's probe on the learner's object for every case; one result per case."""
    target = item["target"]
    missing = object()
    obj = shell.user_ns.get(target, missing)
    if obj is missing:
        error = {"type": "NameError", "message": f"name '{target}' is not defined", "undefined": target}
        return [{"error": error} for _ in cases]
    results: list = []
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _CappedStream(0), _CappedStream(0)  # prints inside a probe are not feedback
    try:
        _arm(timeout)
        for inputs in cases:
            results.append(probes.run(probe, obj, inputs))
    except GradingTimeout:
        message = f"it ran longer than the {timeout:g} s limit for this part"
        results += [{"error": {"type": "GradingTimeout", "message": message}}] * (len(cases) - len(results))
    finally:
        _arm(0)
        sys.stdout, sys.stderr = saved
    return results


def _arm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(0.0, float(seconds)))


def _progress(out: Path, text: str) -> None:
    path = out / "progress"
    with open(out / ".progress.part", "w") as fh:
        fh.write(text)
    os.replace(out / ".progress.part", path)


def _resolve_probe(spec: str):
    module, _, name = spec.partition(":")
    if not module.startswith("course_pkg.checks.") or not name.isidentifier():
        raise ValueError(f"host: expected a probe in a course_pkg.checks module; got {spec!r}.")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    """Run the program in ``argv[0]`` (a folder); return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0])
    program = json.loads((folder / "program.json").read_text())
    cases = wire.load(folder, "cases", max_bytes=256 * 2**20, max_items=100_000)
    for name in ("program.json", "cases.json", "cases.npz"):  # the learner's code has no need to read the plan
        (folder / name).unlink(missing_ok=True)
    out = folder / "out"
    out.mkdir(exist_ok=True)
    probes_by_item = {n: _resolve_probe(item["probe"]) for n, item in enumerate(program["items"])
                      if item["kind"] == "probe"}
    signal.signal(signal.SIGALRM, _on_alarm)
    shell = _make_shell()
    count = 0
    for n, item in enumerate(program["items"]):
        _progress(out, f"item-{n}")
        if item["kind"] == "code":
            count += 1
            record = run_cell(shell, item["source"], item["timeout"], count)
        else:
            record = {"results": run_probe(shell, item, probes_by_item[n], cases[str(n)], item["timeout"])}
        signal.signal(signal.SIGALRM, _on_alarm)  # a learner cell may have replaced the handler
        wire.dump(record, out, f"item-{n}")
    _progress(out, "done")
    sys.stdout.flush()
    # os._exit: skip atexit handlers and finalizers that learner code may have registered.
    os._exit(0)


if __name__ == "__main__":  # pragma: no cover - run inside the sandbox
    main()
