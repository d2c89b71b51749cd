"""Export benchmark (issue 5): a demo room with 250 participants and 2,000 inputs exported as HTML, and the
synthesis of six such rooms, each against executing and converting an empty notebook in the same run; and
(issue 20) the knowledge package of that room: summary as HTML and PDF, charts, raw data, notebook, database.

    .venv/bin/python benchmarks/export_bench.py [--participants 250] [--inputs 2000] [--rooms 6] [--repeat 3]

Rooms come from `bifrost_lab.demo.create_demo_room` (cards, clusters and every participant's answers through
the room functions); whatever is missing to reach the wanted number of inputs (cards in secondary card inputs,
answers an older demo did not give) is added through the same room functions participants use, so the store
holds exactly what a real meeting would. Prints seconds and ratios; the goal for a room is ≤ 1.5× the empty
notebook, and for its knowledge package under 10 s.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bifrost_lab import (
    rooms,
    store,
)
from bifrost_lab.demo import SAMPLE_CARDS_DA, create_demo_room
from bifrost_lab.inputs import choice, dot_vote, matrix_2x2, ranking, rating
from bifrost_lab.programme import load_library
from bifrost_lab.reports.export import TEMPLATES_DIR, export_room_html, export_synthesis_html, render_html
from bifrost_lab.reports.package import build_room_package

ANSWER_TYPES = ("dot_vote", "rating", "ranking", "matrix_2x2", "choice")


def empty_notebook_seconds() -> float:
    """Start a kernel, execute an empty notebook and convert it with the same template: the floor."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    start = time.perf_counter()
    NotebookClient(
        nb, kernel_name="python3", timeout=60, resources={"metadata": {"path": str(TEMPLATES_DIR)}}
    ).execute()
    render_html(nb, "empty")
    return time.perf_counter() - start


def answer_slots(room: store.Room) -> list[tuple[dict, dict]]:
    return [
        (step, spec)
        for step in rooms.steps(room)
        for _slot, spec in rooms.step_inputs(step)
        if spec.get("type") in ANSWER_TYPES
    ]


def cluster_sources(engine, room: store.Room, rng: random.Random) -> None:
    """Clusters in every step that a vote or ranking takes its targets from, with cards moved into them."""
    for _step, spec in answer_slots(room):
        targets = spec.get("targets") or {}
        if targets.get("source") != "clusters" or store.list_clusters(engine, room.id, targets["from_step"]):
            continue
        cards = [i for i in store.list_inputs(engine, room.id) if i.kind == "card"]
        for n, label in enumerate(rng.sample(SAMPLE_CARDS_DA, 8)):
            cluster, _undo = rooms.create_cluster(
                engine, room, targets["from_step"], label, input_ids=[c.id for c in cards[n::8]][:40]
            )
            store.update_cluster(engine, cluster.id, category=("insight", "barrier", "action")[n % 3])


def fill_answers(engine, room: store.Room, budget: int, rng: random.Random) -> int:
    """Up to `budget` answer rows (one per participant and input) through the room functions."""
    people = [p for p in store.list_participants(engine, room.id) if p.role != rooms.FACILITATOR_ROLE]
    slots = answer_slots(room)
    added = 0
    for step, spec in slots:
        kind_type = spec["type"]
        targets = rooms.valid_targets(engine, room, spec)
        share = -(-budget // max(1, len(slots)))  # ceil: the budget is used up
        for person in people[:share]:
            if added >= budget or not targets:
                break
            try:
                if kind_type == "dot_vote":
                    picks = rng.sample(targets, min(int(spec.get("dots") or 3), len(targets)))
                    dot_vote.save(engine, room, person, step["id"], {t: 1 for t in picks})
                elif kind_type == "rating":
                    slot = next(s for s, sp in rooms.step_inputs(step) if sp is spec or sp == spec)
                    rating.save(
                        engine,
                        room,
                        person,
                        step["id"],
                        {str(i): rng.randint(1, 5) for i in range(len(targets))},
                        slot=slot,
                    )
                elif kind_type == "ranking":
                    ranking.save(engine, room, person, step["id"], rng.sample(targets, len(targets)))
                elif kind_type == "matrix_2x2":
                    matrix_2x2.save(
                        engine,
                        room,
                        person,
                        step["id"],
                        {t: {"x": round(rng.random(), 3), "y": round(rng.random(), 3)} for t in targets[:8]},
                    )
                else:
                    choice.save(engine, room, person, step["id"], [rng.randrange(len(targets))])
                added += 1
            except rooms.Rejected:
                continue
    return added


def top_up_cards(engine, room: store.Room, missing: int, rng: random.Random) -> None:
    """Cards until the room has the wanted number of inputs (the demo stops at per-person limits)."""
    people = [p for p in store.list_participants(engine, room.id) if p.role != rooms.FACILITATOR_ROLE]
    card_steps = [s for s in rooms.steps(room) if rooms.card_spec(s)]
    attempts = 0
    while missing > 0 and card_steps and attempts < missing * 5:
        attempts += 1
        try:
            rooms.submit_card(
                engine,
                room,
                rng.choice(people),
                rng.choice(card_steps)["id"],
                rng.choice(SAMPLE_CARDS_DA),
                input_id=str(uuid.uuid4()),
            )
            missing -= 1
        except rooms.Rejected:
            continue


def make_room(engine, library, meeting_id: str, participants: int, inputs: int, seed: int) -> store.Room:
    rng = random.Random(seed)
    probe = rooms.open_room(engine, library, "bifrost", meeting_id)
    answer_rows = min(participants * len(answer_slots(probe)), inputs * 6 // 10)
    store.purge_room(engine, probe.id)
    room = create_demo_room(
        engine,
        library,
        programme_id="bifrost",
        meeting_id=meeting_id,
        participants=participants,
        inputs=inputs - answer_rows,
        seed=seed,
    )
    # the demo writes cards only into steps whose first input takes cards: also fill the secondary card inputs
    top_up_cards(engine, room, inputs - answer_rows - len(store.list_inputs(engine, room.id)), rng)
    cluster_sources(engine, room, rng)
    fill_answers(engine, room, inputs - len(store.list_inputs(engine, room.id)), rng)
    top_up_cards(engine, room, inputs - len(store.list_inputs(engine, room.id)), rng)
    for index in range(1, len(rooms.steps(room))):
        store.set_step(engine, room.id, index)
    return store.get_room(engine, room.id) or room


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=250)
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--rooms", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default=None, help="SQLite file to keep the rooms in (reused when it has them)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(args.db).resolve() if args.db else Path(tmp) / 'bench.sqlite'}"
        os.environ["BIFROST_DB_URL"] = url
        engine = store.connect(url)
        library = load_library()
        meetings = [m.id for m in library.programme("bifrost").meetings][: args.rooms]
        start = time.perf_counter()
        kept = {s.room.meeting_id: s.room for s in store.list_rooms(engine) if s.room.programme_id == "bifrost"}
        made = [
            kept.get(mid) or make_room(engine, library, mid, args.participants, args.inputs, seed=n)
            for n, mid in enumerate(meetings)
        ]
        setup = time.perf_counter() - start
        for room in made:
            kinds = Counter(i.kind for i in store.list_inputs(engine, room.id))
            print(
                f"room {room.id} {room.meeting_id}: {len(store.list_participants(engine, room.id))} participants, "
                f"{sum(kinds.values())} inputs {dict(kinds)}"
            )
        print(f"setup (through the room functions): {setup:.1f} s")

        empty_notebook_seconds()  # warm the import caches of this process once, as a running server would be
        # Interleaved so that a change in the machine's load hits the floor and the exports alike.
        times: dict[str, list[float]] = {"empty": [], "room": [], "synthesis": [], "package": []}
        html: dict[str, str] = {}
        zipped = io.BytesIO()
        for _ in range(args.repeat):
            times["empty"].append(empty_notebook_seconds())
            start = time.perf_counter()
            html["room"] = export_room_html(made[0].id, db_url=url)
            times["room"].append(time.perf_counter() - start)
            start = time.perf_counter()
            html["syn"] = export_synthesis_html("bifrost", db_url=url, include_demo=True)  # the rooms are demo rooms
            times["synthesis"].append(time.perf_counter() - start)
            start = time.perf_counter()
            zipped = io.BytesIO()
            package = build_room_package(made[0].id, zipped, db_url=url)
            times["package"].append(time.perf_counter() - start)
        baseline, room_s, synthesis_s = (statistics.median(times[k]) for k in ("empty", "room", "synthesis"))
        print(
            f"empty notebook, execute + convert: {baseline:.2f} s (median of {args.repeat}: "
            f"{', '.join(f'{t:.2f}' for t in times['empty'])})"
        )
        print(
            f"room export ({args.participants} participants, {args.inputs} inputs): {room_s:.2f} s = "
            f"{room_s / baseline:.2f}x  [goal <= 1.5x]  ({len(html['room']) // 1024} KiB; "
            f"{', '.join(f'{t:.2f}' for t in times['room'])})"
        )
        print(
            f"synthesis of {len(made)} rooms: {synthesis_s:.2f} s = {synthesis_s / baseline:.2f}x  "
            f"({len(html['syn']) // 1024} KiB; {', '.join(f'{t:.2f}' for t in times['synthesis'])})"
        )
        pdf_name = next(name for name in package.files if name.endswith(".pdf"))
        print(
            f"knowledge package of the room: {statistics.median(times['package']):.2f} s  [goal < 10 s]  "
            f"({len(zipped.getvalue()) // 1024} KiB zip, {len(package.files)} files, PDF "
            f"{package.files[pdf_name] // 1024} KiB; {', '.join(f'{t:.2f}' for t in times['package'])}; "
            f"load average {os.getloadavg()[0]:.1f})"
        )
        store.dispose_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
