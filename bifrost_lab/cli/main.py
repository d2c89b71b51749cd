"""The `bifrost-lab` command. Others script against these names: keep them stable."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bifrost_lab import config, store
from bifrost_lab.cli.db import add_db_parser
from bifrost_lab.cli.programmes import add_programmes_parser
from bifrost_lab.cli.purge import add_purge_parser
from bifrost_lab.reports.catalogue import add_catalogue_parser

if TYPE_CHECKING:
    from bifrost_lab.reports.package import Package


def _engine():  # noqa: ANN202
    return store.connect(config.db_url())


def cmd_serve(args: argparse.Namespace) -> int:
    from bifrost_lab.server.serve import ServeOptions, public_participant_url, render_nginx_config, serve

    options = ServeOptions(
        host=args.host,
        moderator_host=args.moderator_host,
        moderator_port=args.moderator_port,
        participant_port=args.participant_port,
        participant_servers=args.participant_servers,
        pool_size=args.pool_size,
        kernel_start=args.kernel_start,
        moderator_token=args.moderator_token or "",
        open_browser=not args.no_browser,
        public_host=args.public_host or "",
        cull_idle_timeout=args.cull_idle_timeout,
        cull_interval=args.cull_interval,
        public_url=args.public_url or "",
        moderator_public_url=args.moderator_public_url or "",
    )
    try:
        for url in (args.public_url, args.moderator_public_url):
            if url:
                public_participant_url(url)
        if args.print_nginx_config:
            if not args.public_url:
                raise ValueError("--print-nginx-config needs --public-url (the address participants open)")
            print(render_nginx_config(options), end="")
            return 0
    except ValueError as error:
        print(f"bifrost-lab serve: {error}", file=sys.stderr)
        return 2
    return serve(options)


def cmd_rooms(args: argparse.Namespace) -> int:
    engine = _engine()
    for room_id in args.mark_demo:
        if store.get_room(engine, room_id) is None:
            print(f"bifrost-lab rooms: no room '{room_id}'. `bifrost-lab rooms` lists the rooms.", file=sys.stderr)
            return 2
        store.set_room_demo(engine, room_id)
        print(f"Room {room_id} is marked as demo.")
    summaries = store.list_rooms(engine, status=args.status)
    if not summaries:
        print("No rooms yet. Open one in the moderator app, or try `bifrost-lab demo`.")
        return 0
    print(f"{'ROOM':<10} {'CODE':<7} {'STATUS':<7} {'DATE':<17} {'PEOPLE':>6} {'INPUTS':>6}  MEETING")
    for s in summaries:
        date = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.room.created_at))
        print(
            f"{s.room.id:<10} {s.room.join_code:<7} {s.room.status:<7} {date:<17} {s.participant_count:>6} "
            f"{s.input_count:>6}  {s.room.programme_id}/{s.room.meeting_id}" + ("  DEMO" if s.room.demo else "")
        )
    if any(s.room.demo for s in summaries):
        print(
            "DEMO: invented data from `bifrost-lab demo`. The catalogue, the synthesis and the console's import "
            "of solutions leave demo rooms out (catalogue and synthesis take --include-demo)."
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bifrost_lab.demo import create_demo_room
    from bifrost_lab.programme import load_library

    library = load_library()
    if args.programme not in library.programmes:
        print(
            f"bifrost-lab demo: no programme '{args.programme}'. Try one of: {', '.join(library.programmes)}",
            file=sys.stderr,
        )
        return 2
    programme = library.programme(args.programme)
    if args.meeting and args.meeting not in {m.id for m in programme.meetings}:
        print(
            f"bifrost-lab demo: programme '{args.programme}' has no meeting '{args.meeting}'. Try one of: "
            f"{', '.join(m.id for m in programme.meetings)}",
            file=sys.stderr,
        )
        return 2
    room = create_demo_room(
        _engine(),
        library,
        programme_id=args.programme,
        meeting_id=args.meeting,
        participants=args.participants,
        inputs=args.inputs,
        seed=args.seed,
    )
    print(
        f"Demo room for {room.programme_id}/{room.meeting_id} with {args.participants} participants; "
        f"join code {room.join_code}. Its data is invented: every page and export of it says DEMO, and the "
        "catalogue and the synthesis leave it out unless run with --include-demo."
    )
    print(room.id)
    return 0


def _read_option_file(command: str, path: str) -> str | None:
    """The text of a file given as an option, or None after saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        print(f"bifrost-lab {command}: cannot read {path}: {error.strerror}", file=sys.stderr)
    except UnicodeDecodeError:
        print(f"bifrost-lab {command}: {path} is not UTF-8 text; save it as UTF-8 and try again.", file=sys.stderr)
    return None


def _wrote_package(out: Path, package: Package) -> None:
    print(f"Wrote {out} ({out.stat().st_size // 1024} KiB, {len(package.files)} files, {package.seconds:.1f} s).")
    if package.interim:
        print("Interim: a meeting is still going on; its summary says so on the cover.")


def cmd_export(args: argparse.Namespace) -> int:
    engine = _engine()
    if store.get_room(engine, args.room_id) is None:
        print(f"bifrost-lab export: no room '{args.room_id}'. `bifrost-lab rooms` lists the rooms.", file=sys.stderr)
        return 2
    out = Path(args.output)
    if args.package and args.format != "html":
        print("bifrost-lab export: --package writes every format into one zip; leave out --format.", file=sys.stderr)
        return 2
    if args.format in ("csv", "xlsx", "json"):
        from bifrost_lab.reports.rawdata import write_raw

        count = write_raw(args.room_id, out, args.format, db_url=config.db_url(), language=args.language)
        print(f"Wrote {out} ({count} inputs, one per row; columns in docs/export.md).")
        return 0
    from bifrost_lab.reports.export import PdfUnavailable, export_room_html, read_summary_points, render_pdf

    points = None
    if args.summary_points:
        try:
            points = read_summary_points(Path(args.summary_points))
        except OSError as error:
            print(f"bifrost-lab export: cannot read {args.summary_points}: {error.strerror}", file=sys.stderr)
            return 2
        except UnicodeDecodeError as error:
            print(
                f"bifrost-lab export: {args.summary_points} is not UTF-8 text (byte {error.start + 1} is "
                f"{error.object[error.start]:#04x}). Save it as UTF-8 and try again.",
                file=sys.stderr,
            )
            return 2
    preface = _read_option_file("export", args.preface) if args.preface else ""
    if preface is None:
        return 2
    options = {
        "db_url": config.db_url(),
        "language": args.language,
        "summary_points": points,
        "hidden_cards": args.hidden_cards,
        "organiser": args.organiser,
        "preface": preface,
    }
    try:
        if args.package:
            from bifrost_lab.reports.package import build_room_package

            _wrote_package(out, build_room_package(args.room_id, out, paper=args.paper, **options))
            return 0
        html = export_room_html(args.room_id, **options)
        if args.format == "pdf":
            out.write_bytes(render_pdf(html, args.paper))
            print(f"Wrote {out} ({out.stat().st_size // 1024} KiB, {args.paper}).")
            return 0
    except PdfUnavailable as error:
        print(f"bifrost-lab export: {error}", file=sys.stderr)
        return 2
    out.write_text(html, encoding="utf-8")
    print(f"Wrote {out} ({len(html) // 1024} KiB).")
    return 0


def cmd_synthesis(args: argparse.Namespace) -> int:
    from bifrost_lab.reports.export import PdfUnavailable, export_synthesis_html
    from bifrost_lab.reports.synthesis import NoRoomsForProgramme

    out = Path(args.output)
    try:
        if args.package:
            from bifrost_lab.reports.package import build_synthesis_package

            package = build_synthesis_package(
                args.programme_id,
                out,
                db_url=config.db_url(),
                language=args.language,
                include_demo=args.include_demo,
                paper=args.paper,
            )
            _wrote_package(out, package)
            return 0
        html = export_synthesis_html(
            args.programme_id, db_url=config.db_url(), language=args.language, include_demo=args.include_demo
        )
    except PdfUnavailable as error:
        print(f"bifrost-lab synthesis: {error}", file=sys.stderr)
        return 2
    except NoRoomsForProgramme as missing:
        if missing.demo_rooms:
            print(
                f"bifrost-lab synthesis: programme '{args.programme_id}' has only demo rooms ({missing.demo_rooms}), "
                "whose data is invented. Add --include-demo for a synthesis of them, marked DEMO.",
                file=sys.stderr,
            )
            return 2
        print(
            f"bifrost-lab synthesis: no rooms for programme '{args.programme_id}'. `bifrost-lab rooms` lists "
            "the rooms and their programmes.",
            file=sys.stderr,
        )
        return 2
    out.write_text(html, encoding="utf-8")
    print(f"Wrote {out} ({len(html) // 1024} KiB).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bifrost-lab", description="BIFROST Lab: facilitation for knowledge labs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start the moderator and participant apps")
    p.add_argument("--host", default="0.0.0.0", help="address the participant app listens on (default: all)")
    p.add_argument("--public-host", default="", help="host name or address printed in the participant URL")
    p.add_argument(
        "--public-url", default="", help="participant URL when a proxy is in front, e.g. https://lab.example.dk/"
    )
    p.add_argument(
        "--moderator-public-url",
        default="",
        help="moderator URL through nginx, on its own host name (needs --moderator-token)",
    )
    p.add_argument(
        "--print-nginx-config",
        action="store_true",
        help="print the nginx site for these participant servers and --public-url, then exit",
    )
    p.add_argument("--moderator-host", default="127.0.0.1", help="address of the moderator app (default: loopback)")
    p.add_argument("--moderator-port", type=int, default=8866)
    p.add_argument("--participant-port", type=int, default=8867)
    p.add_argument("--participant-servers", type=int, default=1, help="participant servers on consecutive ports")
    p.add_argument("--pool-size", type=int, default=2, help="preheated participant kernels per server")
    p.add_argument(
        "--kernel-start",
        choices=("fork", "spawn"),
        default="fork",
        help="fork: participant kernels are forks of a warm parent (fast joins, shared memory); "
        "spawn: each kernel is a new Python process",
    )
    p.add_argument("--moderator-token", default="", help="require this token for the moderator app")
    p.add_argument("--cull-idle-timeout", type=int, default=300, help="seconds before an idle kernel is stopped")
    p.add_argument("--cull-interval", type=int, default=60, help="seconds between checks for idle kernels")
    p.add_argument("--no-browser", action="store_true", help="do not open the moderator app in a browser")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("rooms", help="list rooms with id, meeting, date and counts; DEMO marks demo rooms")
    p.add_argument("--status", choices=["open", "closed"], default=None)
    p.add_argument(
        "--mark-demo",
        action="append",
        default=[],
        metavar="ID",
        help="mark this room as demo data, e.g. one `bifrost-lab demo` made before demo rooms were marked (repeatable)",
    )
    p.set_defaults(func=cmd_rooms)

    p = sub.add_parser(
        "demo", help="fill a new room, marked as demo, with realistic invented input; prints its id last"
    )
    p.add_argument("--programme", default="bifrost")
    p.add_argument("--meeting", default=None, help="meeting id (default: the programme's first)")
    p.add_argument("--participants", type=int, default=12)
    p.add_argument(
        "--inputs",
        type=int,
        default=None,
        help="number of cards (default: 2 per participant); everyone also answers every "
        "vote, rating, ranking, placement and choice",
    )
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "export", help="write a room's knowledge summary (HTML or PDF), its raw data, or the whole knowledge package"
    )
    p.add_argument("room_id")
    p.add_argument("-o", "--output", required=True, help="file to write")
    p.add_argument(
        "--format",
        choices=["html", "pdf", "csv", "xlsx", "json"],
        default="html",
        help="html = the knowledge summary (default), pdf = the same printed; csv, xlsx, json = one row per input",
    )
    p.add_argument(
        "--package",
        action="store_true",
        help="write a zip with the summary as HTML and PDF, every chart as SVG and PNG, the raw data as CSV and "
        "XLSX with a codebook, and the notebook with a copy of the room's data (-o FILE.zip); any time in a meeting",
    )
    p.add_argument("--paper", choices=["A4", "letter"], default="A4", help="paper of the PDF (default: A4)")
    p.add_argument(
        "--preface", default=None, metavar="FILE", help="text file with the organiser's preface, printed on the cover"
    )
    p.add_argument("--language", default=None, help="da, en or fi (default: the room's language)")
    p.add_argument(
        "--summary-points",
        default=None,
        metavar="FILE",
        help="text file with the resumé, one point per line (default: proposed from the results)",
    )
    p.add_argument(
        "--hidden-cards",
        choices=["mark", "omit"],
        default="mark",
        help="cards hidden by the moderator: shown and marked (default) or left out",
    )
    p.add_argument("--organiser", default="", help="organiser named on the cover")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("synthesis", help="write the synthesis of all rooms of a programme as one HTML file")
    p.add_argument("programme_id")
    p.add_argument("-o", "--output", required=True, help="HTML file to write")
    p.add_argument("--language", default="da", help="da, en or fi (default: da)")
    p.add_argument(
        "--include-demo",
        action="store_true",
        help="also the demo rooms (`bifrost-lab demo`, invented data); the document then says DEMO first",
    )
    p.add_argument(
        "--package",
        action="store_true",
        help="write a zip with the synthesis as HTML and PDF, its charts, every room's raw data with a codebook, "
        "and the notebook with a copy of the rooms' data (-o FILE.zip)",
    )
    p.add_argument("--paper", choices=["A4", "letter"], default="A4", help="paper of the PDF (default: A4)")
    p.set_defaults(func=cmd_synthesis)

    add_programmes_parser(sub)
    add_catalogue_parser(sub)
    add_purge_parser(sub)
    add_db_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except store.StoreError as error:
        print(f"bifrost-lab: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
