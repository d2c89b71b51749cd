"""Administrative commands: `bifrost-lab purge`."""

from __future__ import annotations

import argparse
import sys

from bifrost_lab import config, store
from bifrost_lab.purge import purge_rooms, rooms_older_than


def cmd_purge(args: argparse.Namespace) -> int:
    if not args.room_ids and args.older_than is None:
        print("bifrost-lab purge: give ROOM_ID(s) or --older-than DAYS.", file=sys.stderr)
        return 2
    engine = store.connect(config.db_url())
    room_ids = list(dict.fromkeys(args.room_ids))
    unknown = [r for r in room_ids if store.get_room(engine, r) is None]
    if unknown:
        print(f"bifrost-lab purge: no room {', '.join(unknown)}. `bifrost-lab rooms` lists the rooms.", file=sys.stderr)
        return 2
    if args.older_than is not None:
        room_ids += [r for r in rooms_older_than(engine, args.older_than) if r not in room_ids]
    if not room_ids:
        print("No rooms to purge.")
        return 0
    if not args.yes and sys.stdin.isatty():
        answer = input(f"Delete everything of {len(room_ids)} room(s) ({', '.join(room_ids)}) for good? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "j", "ja"):
            print("Nothing was deleted.")
            return 1
    result = purge_rooms(engine, room_ids)
    print(f"Purged {len(result.room_ids)} room(s): {', '.join(result.room_ids)}.")
    if not result.erased:
        print(
            "Note: a running server still holds the database open; the rows are gone, but run the purge "
            "again after `serve` has stopped to also wipe the database's write-ahead log.",
            file=sys.stderr,
        )
    return 0


def add_purge_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("purge", help="delete everything of a room (or of old rooms) for good")
    p.add_argument("room_ids", nargs="*", metavar="ROOM_ID")
    p.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="DAYS",
        help="also purge every room created more than DAYS days ago",
    )
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_purge)
