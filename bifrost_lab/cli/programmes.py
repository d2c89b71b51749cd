"""The `programmes` command: list, show and validate the programmes in labs/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bifrost_lab.programme import Programme, default_labs_dir, load_library, validate_paths


def add_programmes_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `programmes [show ID | validate PATH…]`; the handler is `args.func(args) -> exit code`."""
    parser = subparsers.add_parser(
        "programmes",
        help="list, show or validate the programmes in labs/",
        description="List the programmes (default), show one, or validate programme files.",
    )
    parser.add_argument(
        "--labs-dir",
        type=Path,
        default=None,
        help="folder with roles.yaml, evidence/ and programme files (default: $BIFROST_LABS_DIR or labs/)",
    )
    parser.add_argument("--lang", default="da", choices=["da", "en", "fi"], help="language of titles (default: da)")
    parser.set_defaults(func=run_programmes, programmes_command="list")
    commands = parser.add_subparsers(dest="programmes_command", metavar="{list,show,validate}")
    commands.add_parser("list", help="id, title and number of meetings of each programme")
    show = commands.add_parser("show", help="the meetings of one programme with their steps, times and inputs")
    show.add_argument("programme_id", metavar="ID")
    validate = commands.add_parser("validate", help="check programme files or labs folders; exit code 1 on problems")
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="programme .yaml files or labs folders (default: the labs folder)",
    )
    return parser


def run_programmes(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the `programmes` command parsed by add_programmes_parser; returns the exit code."""
    out = out or sys.stdout
    command = getattr(args, "programmes_command", None) or "list"
    if command == "validate":
        return validate_programmes(args.paths or [args.labs_dir or default_labs_dir()], out)
    library = load_library(args.labs_dir)
    if command == "show":
        try:
            programme = library.programme(args.programme_id)
        except KeyError as error:
            print(error.args[0], file=out)
            return 1
        print(describe_programme(programme, args.lang), file=out)
    else:
        for programme in library.programmes.values():
            count = len(programme.meetings)
            print(
                f"{programme.id:<16} {programme.title.get(args.lang)}  ({count} meeting{'s' * (count != 1)})", file=out
            )
    if library.problems:
        print(
            f"\n{len(library.problems)} problem(s) in the labs files — run `bifrost-lab programmes validate` "
            "to see them",
            file=out,
        )
    return 0


def validate_programmes(paths: list[Path], out: TextIO) -> int:
    """Print every problem in `paths`; 1 if there are any, else 0 with a short OK line."""
    problems = validate_paths(paths)
    for problem in problems:
        print(problem, file=out)
    if problems:
        files = len({problem.file for problem in problems})
        print(f"\n{len(problems)} problem(s) in {files} file(s)", file=out)
        return 1
    print(f"OK: {', '.join(str(path) for path in paths)} — no problems", file=out)
    return 0


def describe_programme(programme: Programme, lang: str = "da") -> str:
    """A plain-text agenda: each meeting with its steps, start–end times and input types."""
    lines = [f"{programme.id}: {programme.title.get(lang)}", ""]
    for meeting in programme.meetings:
        lines.append(f"{meeting.id}  {meeting.title.get(lang)}  ({meeting.duration_min} min)")
        for step in meeting.steps:
            end = step.start_min + step.duration_min
            inputs = " + ".join(spec.type for spec in step.inputs) or "none"
            lines.append(
                f"  {_clock(step.start_min)}–{_clock(end)}  {step.id:<12} {step.type:<15} "
                f"{inputs:<17} {step.title.get(lang)}"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def main_programmes(argv: list[str] | None = None) -> int:
    """Run `programmes …` on its own (tests, or `python -m bifrost_lab.cli.programmes`)."""
    parser = argparse.ArgumentParser(prog="bifrost-lab")
    add_programmes_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["programmes", *(argv or [])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main_programmes(sys.argv[1:]))
