"""Demo rooms: realistic generated input so anyone can try the moderator view and the exports.

Input goes through the same room functions participants use, so limits and validation apply. Demo
rooms are marked (`Room.demo`), so their invented data never passes for a real meeting's (issue 15 §2),
and every text here is invented: it names no real organisation, unit or person (tests/test_demo.py).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from bifrost_lab import rooms, solutions, store
from bifrost_lab.inputs import words
from bifrost_lab.inputs.registry import input_type
from bifrost_lab.store import Database

SAMPLE_CARDS_DA = (
    "Lederen opdager først problemerne, når sygemeldingen er en realitet",
    "Vi mangler en fast aftale om kontakt under fraværet",
    "Kollegerne ved ikke, hvad de må sige, når en kollega kommer tilbage",
    "Deadlines gør det svært at tilbyde gradvis tilbagevenden",
    "Rådgiveren kender ikke virksomhedens hverdag godt nok",
    "Ejerlederen træffer alle beslutninger selv",
    "Delvis raskmelding bliver aftalt, men ikke fulgt op",
    "Tidlig dialog med medarbejderen virker, når den er uformel",
    "Kunderne forventer, at vi altid er tilgængelige",
    "Jobcentret og virksomheden taler forbi hinanden",
    "Vi har ingen skriftlig politik for sygefravær og trivsel",
    "Arbejdsmiljørepræsentanten bliver ikke inddraget",
    "Projektorganisering gør det muligt at tilpasse opgaverne",
    "Hjemmearbejde kan både hjælpe og isolere",
    "Lægeattester siger for lidt om, hvad medarbejderen kan",
    "Små eksperimenter med opgavefordeling har virket hos os",
    "Lederne har brug for konkrete samtaleguides",
    "Mange små virksomheder kender ikke deres muligheder for rådgivning",
    "Opfølgning efter tre måneder bliver glemt",
    "Det hjælper at aftale, hvad kollegerne får at vide",
    "Travle perioder skubber trivselsarbejdet i baggrunden",
    "En fast kontaktperson i virksomheden gør en forskel",
    "Vi ved ikke, hvornår vi skal trække på ekstern hjælp",
    "Fleksible arbejdstider gør tilbagevenden lettere",
)
# First names only, none of them a name of a person in the programmes or their sources (tests/test_demo.py).
SAMPLE_NAMES = ("Lene", "Bo", "Karin", "Pia", "Jens", "Camilla", "Niels", "Tina", "Birgitte", "Kim", "Lone", "Tove")


def fill_room(
    engine: Database, room: store.Room, *, participants: int = 12, inputs: int | None = None, seed: int | None = None
) -> dict[str, int]:
    """Add `participants` people with roles and about `inputs` cards spread over the card steps."""
    rng = random.Random(seed)
    role_ids = [r["id"] for r in room.content.get("roles", [])] or [rooms.OTHER_ROLE]
    people: list[store.Participant] = []
    for index in range(participants):
        name = rng.choice(SAMPLE_NAMES) if rng.random() < 0.3 else ""
        person, _token = rooms.join_room(
            engine,
            room,
            role=role_ids[index % len(role_ids)],
            display_name=name,
            name_consent=bool(name) and rng.random() < 0.5,
        )
        people.append(person)
    card_steps = [s for s in rooms.steps(room) if rooms.card_spec(s) is not None]
    target = inputs if inputs is not None else participants * 2
    added = 0
    attempts = 0
    while card_steps and people and added < target and attempts < target * 5:
        attempts += 1
        step = rng.choice(card_steps)
        columns = (rooms.card_spec(step) or {}).get("columns") or []
        try:
            rooms.submit_card(
                engine,
                room,
                rng.choice(people),
                step["id"],
                rng.choice(SAMPLE_CARDS_DA),
                column=rng.randrange(len(columns)) if columns else None,
                input_id=str(uuid.uuid4()),
            )
            added += 1
        except rooms.Rejected:
            continue
    _make_clusters(engine, room, rng)
    answers = _answer_everything(engine, room, people, rng)
    added += solutions.fill_demo_solutions(engine, room, people, rng=rng)  # good-solution cards, if the meeting asks
    return {"participants": len(people), "inputs": added, "answers": answers}


CLUSTER_NAMES_DA = (
    "Ledelsens rolle",
    "Kontakt under fravær",
    "Kolleger og arbejdsfællesskab",
    "Rådgivning og netværk",
    "Tilpasning af opgaver",
)


def invented_texts() -> list[str]:
    """Every text a demo room gets from here: cards, cluster names, display names and good solutions."""
    texts = [*SAMPLE_CARDS_DA, *CLUSTER_NAMES_DA, *SAMPLE_NAMES, *words.DEMO_WORDS]
    for demo in solutions.DEMO_SOLUTIONS:  # not the sector (a code) nor the topic (from the programme's list)
        texts += [value for field, value in demo.items() if field not in ("sector", "topic")]
    return texts


def _make_clusters(engine: Database, room: store.Room, rng: random.Random) -> None:
    """Clusters for every step that later votes or ranks clusters, made of the earlier cards."""
    all_steps = rooms.steps(room)
    wanted = {
        spec["targets"]["from_step"]
        for s in all_steps
        for _slot, spec in rooms.step_inputs(s)
        if (spec.get("targets") or {}).get("source") == "clusters"
    }
    for step_id in wanted:
        if store.list_clusters(engine, room.id, step_id):
            continue
        index = next(i for i, s in enumerate(all_steps) if s["id"] == step_id)
        earlier = {s["id"] for s in all_steps[: index + 1] if rooms.card_spec(s) is not None}
        cards = [i for i in store.list_inputs(engine, room.id) if i.kind == "card" and i.step_id in earlier]
        rng.shuffle(cards)
        count = min(len(CLUSTER_NAMES_DA), max(3, len(cards) // 3))
        for n, name in enumerate(CLUSTER_NAMES_DA[:count]):
            members = [c.id for c in cards[n::count]]
            rooms.create_cluster(engine, room, step_id, name, input_ids=members)


def _answer_everything(engine: Database, room: store.Room, people: list[store.Participant], rng: random.Random) -> int:
    """Every participant answers every vote, rating, ranking, placement and choice of the meeting."""
    saved = 0
    for step in rooms.steps(room):
        for slot, spec in rooms.step_inputs(step):
            kind = spec.get("type")
            if kind == "cards":
                continue
            targets = rooms.valid_targets(engine, room, spec)
            answer_type = input_type(kind)
            if answer_type is None:
                continue
            for person in people:
                try:
                    value = answer_type.demo_answer(rng, spec, targets)
                    if value is None:
                        continue
                    answer_type.save(engine, room, person, step["id"], value, slot=slot)
                    saved += 1
                except rooms.Rejected:
                    continue
    return saved


def _text(da: str) -> dict[str, str]:
    return {"da": da, "en": da}


ITEMS5 = [_text(f"Punkt {i}") for i in range(5)]


def showcase_content(library: Any) -> dict[str, Any]:
    """A meeting snapshot with one step per input type and option (tests, screenshots, demos)."""
    content = rooms.build_content(library, "bifrost", "bif-m1")
    step = {
        "type": "group_work",
        "grouping": "plenary",
        "duration_min": 5,
        "provenance": "D",
        "evidence_cards": [],
        "secondary_input": None,
        "facilitator_prompt": _text("Hjælp dem i gang"),
    }
    content["meeting"]["steps"] = [
        {
            **step,
            "id": "s-cards",
            "title": _text("Kort"),
            "question": _text("Skriv"),
            "input": {"type": "cards", "columns": [_text("A"), _text("B")], "max_chars": 140, "max_per_participant": 3},
        },
        {**step, "id": "s-clusters", "title": _text("Klynger"), "question": None, "input": {"type": "none"}},
        {
            **step,
            "id": "s-vote",
            "title": _text("Stem"),
            "question": _text("Sæt prikker"),
            "input": {
                "type": "dot_vote",
                "dots": 3,
                "max_per_target": 2,
                "targets": {"from_step": "s-cards", "source": "cards"},
            },
        },
        {
            **step,
            "id": "s-cvote",
            "title": _text("Stem på klynger"),
            "question": _text("Prikker"),
            "input": {
                "type": "dot_vote",
                "dots": 2,
                "max_per_target": 1,
                "targets": {"from_step": "s-clusters", "source": "clusters"},
            },
        },
        {
            **step,
            "id": "s-rate",
            "title": _text("Vurder"),
            "question": _text("1-5"),
            "input": {"type": "rating", "items": ITEMS5[:2], "anchors": {"low": _text("Lav"), "high": _text("Høj")}},
            "secondary_input": {
                "type": "rating",
                "items": ITEMS5[:2],
                "anchors": {"low": _text("Usikker"), "high": _text("Sikker")},
            },
        },
        {
            **step,
            "id": "s-rank",
            "title": _text("Rangér"),
            "question": _text("Orden"),
            "input": {"type": "ranking", "items": ITEMS5, "top": 3},
        },
        {
            **step,
            "id": "s-matrix",
            "title": _text("Placér"),
            "question": _text("2x2"),
            "input": {"type": "matrix_2x2", "items": ITEMS5[:3]},
        },
        {
            **step,
            "id": "s-choice",
            "title": _text("Vælg"),
            "question": _text("En"),
            "input": {"type": "choice", "options": ITEMS5[:3], "multiple": False},
        },
        {
            **step,
            "id": "s-multi",
            "title": _text("Vælg flere"),
            "question": _text("Flere"),
            "input": {"type": "choice", "options": ITEMS5[:4], "multiple": True},
        },
        {
            **step,
            "id": "s-wrap",
            "title": _text("Afslutning"),
            "question": _text("Tilsagn"),
            "input": {"type": "cards", "max_chars": 140, "max_per_participant": 3},
            "secondary_input": {
                "type": "rating",
                "items": ITEMS5[:1],
                "anchors": {"low": _text("Lav"), "high": _text("Høj")},
            },
        },
        # Issue 17's input types come after the wrap-up, so tests/e2e/test_inputs.py walks the steps above unchanged.
        {
            **step,
            "id": "s-budget",
            "title": _text("Fordel point"),
            "question": _text("100 point"),
            "input": {"type": "budget", "points": 100, "items": ITEMS5[:4]},
        },
        {
            **step,
            "id": "s-words",
            "title": _text("Ord"),
            "question": _text("Et til tre ord"),
            "input": {"type": "words", "max_answers": 3},
        },
        {
            **step,
            "id": "s-shift",
            "title": _text("Vurder igen"),
            "question": _text("1-5 igen"),
            "input": {
                "type": "shift",
                "before": "s-rate",
                "items": ITEMS5[:2],
                "anchors": {"low": _text("Lav"), "high": _text("Høj")},
            },
        },
    ]
    return content


def open_showcase_room(engine: Database, library: Any) -> store.Room:
    """A room running the showcase meeting (every input type; not one of the programme's meetings)."""
    content = showcase_content(library)
    return store.create_room(
        engine, programme_id="bifrost", meeting_id="bif-m1", content=content, content_hash=rooms.content_hash(content)
    )


def create_demo_room(
    engine: Database,
    library: Any,
    *,
    programme_id: str = "bifrost",
    meeting_id: str | None = None,
    participants: int = 12,
    inputs: int | None = None,
    seed: int | None = None,
) -> store.Room:
    """Open a room marked as demo for a meeting (default: the programme's first) and fill it with demo input."""
    programme = library.programme(programme_id)
    meeting_id = meeting_id or programme.meetings[0].id
    room = rooms.open_room(engine, library, programme_id, meeting_id, demo=True)
    fill_room(engine, room, participants=participants, inputs=inputs, seed=seed)
    return store.get_room(engine, room.id) or room
