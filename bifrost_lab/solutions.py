"""Good-solution cards (løsningskort): the rules for the `solution` input type, independent of widgets.

Sorø's problem: when one workplace finds a good solution, its neighbours rarely learn of it. A step
with `input: {type: solution}` collects solutions; every room's solutions form the catalogue
(`catalogue.py`), and a moderator can bring catalogue entries into a later room to discuss or vote on.

Payload of an `inputs` row of kind "solution" (the input-payload contract):
{"problem", "solution", "where", "what_it_took", "contact_role"} plus the optional "sector" (a code of
SECTORS) and "topic" (text). Rows the moderator brings in carry "on_behalf": true and "imported_from".
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from bifrost_lab import rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.store import Database, Input, Participant, Room

KIND = "solution"
FIELDS = ("problem", "solution", "where", "what_it_took", "contact_role")
REQUIRED_FIELDS = ("problem", "solution")
FIELD_MAX_CHARS = 400
SHORT_FIELD_MAX_CHARS = 120  # where, contact role, topic: a line, not a paragraph
SOLUTIONS_PER_STEP = 5

# Field labels: msgids for the participant form and the catalogue.
FIELD_LABELS = {
    "problem": N_("Problem"),
    "solution": N_("Solution"),
    "where": N_("Where it was tried"),
    "what_it_took": N_("What it took"),
    "contact_role": N_("Contact (a role, not a name)"),
    "sector": N_("Sector"),
    "topic": N_("Topic"),
}
SECTOR_LABEL = FIELD_LABELS["sector"]
TOPIC_LABEL = FIELD_LABELS["topic"]
FIELD_HINTS = {
    "problem": N_("What was the problem, and for whom?"),
    "solution": N_("What did you do? Describe it so another workplace could try it."),
    "where": N_("E.g. home care, care group North"),
    "what_it_took": N_("Time, money, people, agreements, tools …"),
    "contact_role": N_("E.g. the care group's safety representative"),
}

# Sector codes (content_spec §4.3); texts are data, like programme texts, so Finnish is included.
SECTORS: dict[str, dict[str, str]] = {
    "velfaerd_offentlig": {
        "da": "Velfærd / offentlig",
        "en": "Welfare / public sector",
        "fi": "Hyvinvointi / julkinen sektori",
    },
    "handel_service": {"da": "Handel / service", "en": "Retail / services", "fi": "Kauppa / palvelut"},
    "industri": {"da": "Industri", "en": "Manufacturing", "fi": "Teollisuus"},
    "bygge_anlaeg": {"da": "Bygge / anlæg", "en": "Construction", "fi": "Rakentaminen"},
    "transport": {"da": "Transport", "en": "Transport", "fi": "Kuljetus"},
    "landbrug": {"da": "Landbrug", "en": "Agriculture", "fi": "Maatalous"},
    "finans": {"da": "Finans", "en": "Finance", "fi": "Rahoitus"},
    "medier_kommunikation": {"da": "Medier / kommunikation", "en": "Media / communication", "fi": "Media / viestintä"},
    "andet": {"da": "Andet", "en": "Other", "fi": "Muu"},
}

MSG_NO_SOLUTIONS_HERE = N_("This step does not take solutions.")
MSG_SOLUTION_LIMIT = N_("You have added {limit} solutions to this step, which is the maximum.")
MSG_FIELD_EMPTY = N_("Please fill in “{field}”.")
MSG_FIELD_TOO_LONG = N_("“{field}” has {count} characters; the limit is {limit}. Please shorten it.")
MSG_FIELD_CONTROL = N_("“{field}” contains invisible control characters. Please retype it.")
MSG_FIELD_BROKEN = N_("“{field}” contains a broken character (often half of an emoji, from copying). Please retype it.")
MSG_UNKNOWN_SECTOR = N_("Please choose a sector from the list.")
MSG_UNKNOWN_TOPIC = N_("Please choose a topic from the list.")
MSG_NOTHING_TO_IMPORT = N_("Choose at least one solution to bring in.")
MSG_IMPORT_STEP = N_("Solutions can be brought into a step that takes cards or solutions.")
MSG_IMPORT_DEMO = N_("Solutions from demo rooms are invented: they cannot be brought into a real meeting.")


class FieldRejected(rooms.Rejected):
    """A rejected field: the field's label is translated along with the message."""

    def message(self, gettext: Callable[[str], str]) -> str:
        label = self.params["field"]  # a msgid of FIELD_LABELS (a variable here, so Babel does not extract it)
        return gettext(self.msgid).format(**{**self.params, "field": gettext(label)})


def sector_label(code: str | None, language: str) -> str:
    """The sector's name in a language ('' for none, the code itself when unknown)."""
    if not code:
        return ""
    return rooms.text(SECTORS.get(code), language) or code


def field_limit(field: str, spec: Mapping[str, Any]) -> int:
    """Characters allowed in one field of a solution."""
    if field in ("where", "contact_role", "topic"):
        return SHORT_FIELD_MAX_CHARS
    return int(spec.get("max_chars") or FIELD_MAX_CHARS)


def solution_step(room: Room, step_id: str) -> dict[str, Any]:
    """The snapshot step a solution may be added to, or Rejected."""
    if not room.is_open:
        raise rooms.Rejected(rooms.MSG_ROOM_CLOSED)
    for step in rooms.steps(room):
        if step["id"] == step_id:
            if rooms.input_type(step) != KIND:
                raise rooms.Rejected(MSG_NO_SOLUTIONS_HERE)
            if rooms.step_state(room, step_id).get("locked"):
                raise rooms.Rejected(rooms.MSG_LOCKED)
            return step
    raise rooms.Rejected(MSG_NO_SOLUTIONS_HERE)


def clean_field(field: str, raw: Any, limit: int, *, required: bool) -> str:
    """One field through the room's text rules, with the field named in the message."""
    try:
        return rooms.clean_text(raw, limit, required=required)
    except rooms.Rejected as rejected:
        label = FIELD_LABELS[field]
        if rejected.msgid == rooms.MSG_EMPTY:
            raise FieldRejected(MSG_FIELD_EMPTY, field=label) from None
        if rejected.msgid == rooms.MSG_TOO_LONG:
            raise FieldRejected(MSG_FIELD_TOO_LONG, field=label, **rejected.params) from None
        if rejected.msgid == rooms.MSG_BROKEN_CHARACTER:
            raise FieldRejected(MSG_FIELD_BROKEN, field=label) from None
        raise FieldRejected(MSG_FIELD_CONTROL, field=label) from None


def topic_options(step: Mapping[str, Any]) -> list[dict[str, str]]:
    """The topics a step offers (Texts from the programme), empty when the topic is free text."""
    return list(rooms.input_spec(step).get("topics") or [])


def clean_solution(step: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the form of one solution into its payload (Rejected with a message per field)."""
    spec = rooms.input_spec(step)
    payload: dict[str, Any] = {}
    for field in FIELDS:
        payload[field] = clean_field(
            field, fields.get(field), field_limit(field, spec), required=field in REQUIRED_FIELDS
        )
    sector = fields.get("sector") or None
    if sector is not None and sector not in SECTORS:
        raise rooms.Rejected(MSG_UNKNOWN_SECTOR)
    payload["sector"] = sector
    topics = topic_options(step)
    raw_topic = fields.get("topic")
    if topics and raw_topic not in (None, ""):
        # A topic from the programme's list is stored as its Danish text: the same in every room language.
        known = {rooms.text(t, "da"): t for t in topics}
        chosen = (
            raw_topic
            if raw_topic in known
            else next((rooms.text(t, "da") for t in topics if raw_topic in t.values()), None)
        )
        if chosen is None:
            raise rooms.Rejected(MSG_UNKNOWN_TOPIC)
        payload["topic"] = chosen
    else:
        payload["topic"] = clean_field("topic", raw_topic, SHORT_FIELD_MAX_CHARS, required=False) or None
    return payload


def submit_solution(
    engine: Database,
    room: Room,
    participant: Participant | None,
    step_id: str,
    fields: Mapping[str, Any],
    *,
    input_id: str | None = None,
) -> Input:
    """Add a solution to a step; `input_id` comes from the client so a retry is stored once."""
    step = solution_step(room, step_id)
    payload = clean_solution(step, fields)
    if participant is None:
        payload["on_behalf"] = True
    limit = int(rooms.input_spec(step).get("max_per_participant") or SOLUTIONS_PER_STEP)
    try:
        added, _created = store.add_input(
            engine,
            input_id=rooms._valid_uuid(input_id),
            room_id=room.id,
            step_id=step_id,
            participant_id=participant.id if participant else None,
            kind=KIND,
            payload=payload,
            max_per_participant=limit if participant else None,
        )
    except store.LimitReached:
        raise rooms.Rejected(MSG_SOLUTION_LIMIT, limit=limit) from None
    except store.NotOwner:
        raise rooms.Rejected(rooms.MSG_NOT_YOURS) from None
    return added


def edit_solution(
    engine: Database, room: Room, participant: Participant | None, input_id: str, fields: Mapping[str, Any]
) -> Input:
    """Change one's own solution."""
    owner = participant.id if participant else None
    existing = next(
        (i for i in store.list_inputs(engine, room.id, participant_id=owner) if i.id == input_id and i.kind == KIND),
        None,
    )
    if existing is None:
        raise rooms.Rejected(rooms.MSG_NOT_YOURS)
    step = solution_step(room, existing.step_id)
    payload = clean_solution(step, fields)
    if participant is None:
        payload["on_behalf"] = True
    try:
        return store.update_input(engine, input_id=input_id, participant_id=owner, payload=payload)
    except store.NotOwner:
        raise rooms.Rejected(rooms.MSG_NOT_YOURS) from None


def delete_solution(engine: Database, room: Room, participant: Participant | None, input_id: str) -> None:
    """Delete one's own solution."""
    rooms.delete_card(engine, room, participant, input_id)


def solutions_of(
    inputs: Mapping[str, Input] | list[Input], step_id: str, *, include_hidden: bool = False
) -> list[Input]:
    """The live solutions of a step in order of arrival (from a Board's inputs or a list)."""
    values = inputs.values() if isinstance(inputs, Mapping) else inputs
    return sorted(
        (
            i
            for i in values
            if i.step_id == step_id and i.kind == KIND and not i.deleted and (include_hidden or not i.hidden)
        ),
        key=lambda i: i.seq,
    )


# ----------------------------------------------------------------------------------------------
# Bringing catalogue entries into another room


def import_id(room_id: str, step_id: str, entry_id: str) -> str:
    """Bringing the same entry into the same step twice stores it once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bifrost:{room_id}:{step_id}:import:{entry_id}"))


def card_text(payload: Mapping[str, Any], limit: int) -> str:
    """A solution as the text of one card: the solution, the problem it solves and where it was tried."""
    text = f"{payload.get('solution', '')}".strip()
    if payload.get("problem"):
        text += f" — {payload['problem']}".rstrip()
    if payload.get("where"):
        text += f" ({payload['where']})"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def import_entries(engine: Database, room: Room, step_id: str, entries: list[Any]) -> list[Input]:
    """Bring catalogue entries into a step of a room, entered by the moderator on behalf of the room.

    Into a `cards` step each entry becomes a card (so later steps can cluster, vote on or rank it);
    into a `solution` step it is copied whole. `entries` are `catalogue.CatalogueEntry` records.
    Entries from demo rooms go only into demo rooms (checked in the store, not taken from the entries).
    """
    if not entries:
        raise rooms.Rejected(MSG_NOTHING_TO_IMPORT)
    if not room.is_open:
        raise rooms.Rejected(rooms.MSG_ROOM_CLOSED)
    if not room.demo:
        for source_id in {entry.room_id for entry in entries}:
            source_room = store.get_room(engine, source_id)
            if source_room is not None and source_room.demo:
                raise rooms.Rejected(MSG_IMPORT_DEMO)
    step = next((s for s in rooms.steps(room) if s["id"] == step_id), None)
    kind = rooms.input_type(step) if step else "none"
    if kind not in ("cards", KIND):
        raise rooms.Rejected(MSG_IMPORT_STEP)
    assert step is not None  # kind is 'none' without a step
    spec = rooms.input_spec(step)
    added: list[Input] = []
    for entry in entries:
        source = {"room_id": entry.room_id, "input_id": entry.id, "programme_id": entry.programme_id}
        if kind == "cards":
            limit = int(spec.get("max_chars") or rooms.CARD_MAX_CHARS)
            columns = spec.get("columns") or []
            payload: dict[str, Any] = {
                "text": card_text(entry.payload, limit),
                "column": 0 if columns else None,
                "on_behalf": True,
                "imported_from": source,
            }
            row_kind = "card"
        else:
            payload = {
                **{f: entry.payload.get(f) for f in (*FIELDS, "sector", "topic")},
                "on_behalf": True,
                "imported_from": source,
            }
            row_kind = KIND
        row, _created = store.add_input(
            engine,
            input_id=import_id(room.id, step_id, entry.id),
            room_id=room.id,
            step_id=step_id,
            participant_id=None,
            kind=row_kind,
            payload=payload,
        )
        added.append(row)
    return added


# ----------------------------------------------------------------------------------------------
# Demo data: realistic solutions so the catalogue can be tried without a workshop. Invented: they name
# no real organisation, unit or person and repeat no phrase of the programmes' sources (tests/test_demo.py).
# Places are described, never named ("a care home with four units"), contacts are roles.

DEMO_SOLUTIONS: tuple[dict[str, str], ...] = (
    {
        "problem": "Pårørende ringede flere gange om dagen, fordi de ikke vidste, hvornår hjælpen kom.",
        "solution": "Et ugeskema på køleskabet viser, hvilke dage og tidsrum der kommer besøg, og hvem man ringer til ved ændringer.",
        "where": "Et hjemmeplejeteam i en mellemstor kommune",
        "what_it_took": "En skabelon og fem minutter, når ugens plan er lagt.",
        "contact_role": "Teamets koordinator",
        "sector": "velfaerd_offentlig",
        "topic": "Samarbejde med borgere og pårørende",
    },
    {
        "problem": "Hjælpemidlerne stod til opladning et andet sted, når de skulle bruges.",
        "solution": "En fast ladeplads med en tavle, hvor man skriver, hvem der har lånt hvad, og hvornår det kommer tilbage.",
        "where": "Et bosted for voksne med handicap",
        "what_it_took": "En stikdåse, en tavle og en aftale på personalemødet.",
        "contact_role": "Forflytningsvejleder",
        "sector": "velfaerd_offentlig",
        "topic": "Forflytning og hjælpemidler",
    },
    {
        "problem": "Efter en ubehagelig episode gik medarbejderen hjem uden at have talt med nogen.",
        "solution": "En kort samtale med en kollega eller lederen samme dag, før vagten slutter, efter en tjekliste på én side.",
        "where": "Et døgntilbud for unge",
        "what_it_took": "Tjeklisten, og at lederen giver tid til samtalen i vagten.",
        "contact_role": "Arbejdsmiljørepræsentant",
        "sector": "velfaerd_offentlig",
        "topic": "Vold, trusler og konflikter",
    },
    {
        "problem": "Morgenvagten startede bagud, fordi dagens ændringer først blev kendt ved vagtstart.",
        "solution": "Aftenvagten lægger en seddel med de kendte ændringer, og planlæggeren ser den igennem et kvarter før morgenvagten.",
        "where": "Et plejecenter med fire afdelinger",
        "what_it_took": "Ti minutter i aftenvagten og en fast plads til sedlen.",
        "contact_role": "Planlægger",
        "sector": "velfaerd_offentlig",
        "topic": "Travlhed og planlægning",
    },
    {
        "problem": "Afløsere vidste ikke, hvor nøgler, handsker og nødnumre var.",
        "solution": "En startside ved indgangen med det vigtigste på ét ark og billeder af, hvor tingene står.",
        "where": "Et aktivitetscenter for ældre",
        "what_it_took": "En eftermiddag at lave arket; det bliver gennemgået hvert halve år.",
        "contact_role": "Afdelingsleder",
        "sector": "velfaerd_offentlig",
        "topic": "Introduktion af nye og vikarer",
    },
    {
        "problem": "Svarene i kortlægningen blev ikke til handling, fordi ingen vidste, hvem der skulle gøre hvad.",
        "solution": "Hvert fund får en ansvarlig og en dato på det møde, hvor resultaterne fremlægges; listen hænger i personalerummet.",
        "where": "En administrativ afdeling med 25 ansatte",
        "what_it_took": "Et ekstra kvarter på mødet og en opslagstavle.",
        "contact_role": "Arbejdsmiljøleder",
        "sector": "velfaerd_offentlig",
        "topic": "APV og kortlægning",
    },
    {
        "problem": "Mails sendt om aftenen gav et pres for at svare med det samme.",
        "solution": "Aftale om, at mails efter kl. 17 først besvares næste arbejdsdag, og forsinket afsendelse som standard.",
        "where": "Et rådgivningsfirma med 15 ansatte",
        "what_it_took": "En drøftelse på et personalemøde og en indstilling i mailprogrammet.",
        "contact_role": "Medejer",
        "sector": "andet",
        "topic": "Psykisk arbejdsmiljø",
    },
    {
        "problem": "Nye arbejdsmiljørepræsentanter vidste ikke, hvem de kunne spørge til råds.",
        "solution": "Hver ny repræsentant får en erfaren makker fra en anden afdeling det første halve år.",
        "where": "Et teknisk område med seks afdelinger",
        "what_it_took": "En liste over makkerpar og to fælles møder om året.",
        "contact_role": "Arbejdsmiljøkoordinator",
        "sector": "velfaerd_offentlig",
        "topic": "Videndeling og netværk",
    },
    {
        "problem": "Vi bestilte kun rådgiveren, når noget allerede var gået galt.",
        "solution": "To faste besøg om året står i kalenderen, og dagsordenen laves af en medarbejder og en leder sammen.",
        "where": "En møbelfabrik med 40 ansatte",
        "what_it_took": "To halve dage om året og en fælles skabelon til dagsordenen.",
        "contact_role": "Produktionsleder",
        "sector": "industri",
        "topic": "Planlægning af samarbejdet",
    },
    {
        "problem": "Ingen kunne sige, om vores indsats mod sygefravær virkede.",
        "solution": "Tre tal på en tavle i frokoststuen, opdateret hver måned: korttidsfravær, holdte opfølgningssamtaler og et trivselsspørgsmål.",
        "where": "En butik med 30 ansatte",
        "what_it_took": "En time om måneden til at opdatere tavlen.",
        "contact_role": "Butikschef",
        "sector": "handel_service",
        "topic": "Fælles mål og indikatorer",
    },
    {
        "problem": "Medarbejdere med ondt i ryggen blev sygemeldt, før nogen havde talt om andre opgaver.",
        "solution": "Lederen tilbyder en samtale om midlertidigt tilpassede opgaver allerede på anden sygedag.",
        "where": "En malervirksomhed med 12 ansatte",
        "what_it_took": "En liste over lettere opgaver og en kort samtaleguide.",
        "contact_role": "Indehaver",
        "sector": "bygge_anlaeg",
        "topic": "Tidlig støtte til arbejdsevnen",
    },
)


def fill_demo_solutions(
    engine: Database, room: Room, people: list[Participant], *, rng: random.Random | None = None, per_step: int = 3
) -> int:
    """Add demo solutions to the room's solution steps; returns how many were added."""
    rng = rng or random.Random()
    added = 0
    for step in rooms.steps(room):
        if rooms.input_type(step) != KIND:
            continue
        names = [rooms.text(t, "da") for t in topic_options(step)]
        # Solutions on the step's own topics first, so a demo catalogue reads sensibly.
        fitting = [d for d in DEMO_SOLUTIONS if not names or d["topic"] in names]
        others = [d for d in DEMO_SOLUTIONS if d not in fitting]
        rng.shuffle(fitting)
        rng.shuffle(others)
        for demo in (fitting + others)[:per_step]:
            fields = dict(demo)
            if names and fields["topic"] not in names:
                fields["topic"] = names[-1] if "Andet" in names else rng.choice(names)
            try:
                submit_solution(
                    engine, room, rng.choice(people) if people else None, step["id"], fields, input_id=str(uuid.uuid4())
                )
                added += 1
            except rooms.Rejected:
                continue
    return added
