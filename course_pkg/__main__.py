"""Command line: ``python -m course_pkg doctor | data | bench``.

doctor
    Check this machine's setup (versions, backend, GPUs, data) and say how to
    fix each problem. Exit code 0 when there is nothing to fix, 1 otherwise.
data
    List the course's data sets, whether each is available offline and where
    it comes from.
bench
    Run the performance benchmarks (``course_pkg.benchmarks``); every
    argument after ``bench`` is passed on, so ``bench --help`` shows its own
    options.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m course_pkg``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_pkg",
        description="Tools for the neural-networks course: check the setup, list data, run benchmarks.",
        epilog="Run `python -m course_pkg doctor` first on a new machine.",
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
    # Only for the help text: main() hands everything after `bench` to the benchmarks' own parser.
    commands.add_parser(
        "bench",
        help="run the performance benchmarks (options: `python -m course_pkg bench --help`)",
        add_help=False,
    )
    return parser


def _run_bench(argv: Sequence[str]) -> int:
    try:
        from course_pkg import benchmarks  # noqa: PLC0415 - lazy: may import TensorFlow
    except ModuleNotFoundError as err:
        if err.name != "course_pkg.benchmarks":
            raise
        print(
            "python -m course_pkg bench: the benchmarks module (course_pkg/benchmarks.py) is not in "
            "this version of the package yet.",
            file=sys.stderr,
        )
        return 2
    result = benchmarks.main(list(argv))
    return 0 if result is None else int(result)


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
    if argv and argv[0] == "bench":
        return _run_bench(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "doctor":
        from course_pkg import doctor  # noqa: PLC0415

        return doctor.main(with_tf=args.tf)
    return _print_data()


if __name__ == "__main__":
    sys.exit(main())
