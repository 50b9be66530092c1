"""Command line of the course: ``python -m course_pkg COMMAND``.

doctor
    Check this machine's setup (versions, backend, GPUs, data) and say how to
    fix each problem. Exit code 0 when there is nothing to fix, 1 otherwise.
data
    List the course's data sets, whether each is available offline and where
    it comes from.
bench
    Run the performance benchmarks (``course_pkg.benchmarks``).
multiworker
    Run one worker of the two-process ``MultiWorkerMirroredStrategy``
    demonstration (``course_pkg.keras_nn.multiworker``); start two, one per
    worker index.

``bench`` and ``multiworker`` pass every argument after their name on to their
module, so ``python -m course_pkg bench --help`` shows the benchmarks' own options.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["COMMANDS", "build_parser", "main"]

# Commands whose options belong to another module: what follows the command is passed on to the
# module's main(argv). Imported only when run (the benchmarks may import TensorFlow; the demo does).
PASSED_ON = {
    "bench": ("course_pkg.benchmarks", "run the performance benchmarks"),
    "multiworker": (
        "course_pkg.keras_nn.multiworker",
        "run one worker of the two-process multi-worker training demo, with TensorFlow",
    ),
}
COMMANDS = ("doctor", "data", *PASSED_ON)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m course_pkg``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_pkg",
        description="Tools for the neural-networks course: check the setup, list data, run benchmarks "
        "and the multi-worker demo.",
        epilog="Run `python -m course_pkg doctor` first on a new machine. "
        "`python -m course_pkg COMMAND --help` shows a command's options.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    doctor = commands.add_parser(
        "doctor",
        help="check versions, backend, GPUs and data; print how to fix problems",
        description="Check this machine's setup for the course and print how to fix each problem. "
        "Exit code 0 when there is nothing to fix, 1 otherwise.",
    )
    doctor.add_argument(
        "--tf",
        action="store_true",
        help="also import TensorFlow (several seconds) and list the devices it sees",
    )
    commands.add_parser(
        "data",
        help="list the data sets, whether each is available offline, and from where",
        description="List the course's data sets, whether each is available offline and where it comes from.",
    )
    for name, (_, summary) in PASSED_ON.items():
        # Only for the help text: main() hands what follows the command to the module's own parser.
        commands.add_parser(
            name, help=f"{summary} (options: `python -m course_pkg {name} --help`)", add_help=False
        )
    return parser


def _print_data() -> int:
    from course_pkg import data  # noqa: PLC0415

    rows = data.describe_datasets()
    width = max(len(row.loader) for row in rows)
    print("Data sets of the course (course_pkg.data):\n")
    for row in rows:
        status = "available" if row.available else "MISSING  "
        print(f"  {row.loader + '()':<{width + 2}}  {status}  {row.shape}")
        print(f"  {'':<{width + 2}}  {row.source}")
    missing = [row.name for row in rows if not row.available]
    if missing:
        print(
            f"\nNot available offline: {', '.join(missing)}. "
            "`python -m course_pkg doctor` says how to fix it."
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASSED_ON:
        module = importlib.import_module(PASSED_ON[argv[0]][0])
        result = module.main(argv[1:])
        return 0 if result is None else int(result)
    args = build_parser().parse_args(argv)
    if args.command == "doctor":
        from course_pkg import doctor  # noqa: PLC0415

        return doctor.main(with_tf=args.tf)
    return _print_data()


if __name__ == "__main__":
    sys.exit(main())
