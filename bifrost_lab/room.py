"""What moderators and participants can do to a room: validated, limited, and independent of widgets.

A room holds a snapshot of its content (programme, meeting agenda, roles, evidence cards) so a running
room never changes under people's feet and a summary knows exactly which agenda ran. The snapshot is
plain JSON: participant kernels read it without loading the YAML library or pydantic.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from . import store
from .i18n import N_
from .store import Input, Participant, Room

CARD_MAX_CHARS = 140
CARDS_PER_STEP = 10
NAME_MAX_CHARS = 40
OTHER_ROLE = "OTHER"
FACILITATOR_ROLE = "FACILITATOR"
INPUT_TYPES_WITH_CARDS = ("cards",)


class Rejected(Exception):
    """A request the user can fix; `msgid` is an English gettext msgid, `params` fill its {fields}."""

    def __init__(self, msgid: str, **params: Any):
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params

    def message(self, gettext) -> str:  # noqa: ANN001
        return gettext(self.msgid).format(**self.params)


# Messages (extracted by Babel; translated in bifrost_lab/locale)
MSG_EMPTY = N_("Write something before you send.")
MSG_TOO_LONG = N_("That is {count} characters; the limit is {limit}. Please shorten it.")
MSG_CONTROL = N_("The text contains invisible control characters. Please retype it.")
MSG_CODE_FORMAT = N_("A join code has {length} letters and digits, e.g. {example}.")
MSG_CODE_UNKNOWN = N_("No open room has the code {code}. Check the code on the screen.")
MSG_ROLE = N_("Please choose your role.")
MSG_LOCKED = N_("This step is closed for input.")
MSG_NO_CARDS_HERE = N_("This step does not take cards.")
MSG_CARD_LIMIT = N_("You have added {limit} cards to this step, which is the maximum. Edit or delete one to add another.")
MSG_NOT_YOURS = N_("That card can no longer be changed.")
MSG_ROOM_CLOSED = N_("The meeting has ended. Thank you for taking part!")


# ----------------------------------------------------------------------------------------------
# Content snapshot


def text(value: Any, language: str) -> str:
    """A translated text from the snapshot ({da, en, fi}); falls back to Danish, then any."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(language) or value.get("da") or next(iter(value.values()), "")


def build_content(library: Any, programme_id: str, meeting_id: str) -> dict[str, Any]:
    """The JSON snapshot of one meeting with what the room needs from the library."""
    programme = library.programme(programme_id)
    meeting = library.meeting(programme_id, meeting_id)
    card_ids: list[str] = []
    for step in meeting.steps:
        card_ids.extend(c for c in step.evidence_cards if c not in card_ids)
    role_ids = list(dict.fromkeys([*programme.roles, OTHER_ROLE]))
    return {
        "programme": {"id": programme.id, "title": programme.title.model_dump(mode="json")},
        "meeting": meeting.model_dump(mode="json"),
        "roles": [library.roles[r].model_dump(mode="json") for r in role_ids if r in library.roles],
        "cards": {c: library.cards[c].model_dump(mode="json") for c in card_ids if c in library.cards},
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def steps(room: Room) -> list[dict[str, Any]]:
    return room.content["meeting"]["steps"]


def current_step(room: Room) -> dict[str, Any]:
    return steps(room)[room.step_index]


def input_spec(step: dict[str, Any]) -> dict[str, Any]:
    return step.get("input") or {"type": "none"}


def input_type(step: dict[str, Any]) -> str:
    return input_spec(step).get("type") or "none"


def role_label(room: Room, role_id: str, language: str) -> str:
    for role in room.content.get("roles", []):
        if role["id"] == role_id:
            return text(role["label"], language)
    return role_id


def step_state(room: Room, step_id: str) -> dict[str, Any]:
    return room.step_states.get(step_id, {})


# ----------------------------------------------------------------------------------------------
# Moderator


def open_room(engine: Engine, library: Any, programme_id: str, meeting_id: str, language: str = "da") -> Room:
    """Open a new room for a meeting of a programme."""
    content = build_content(library, programme_id, meeting_id)
    return store.create_room(engine, programme_id=programme_id, meeting_id=meeting_id, content=content,
                             content_hash=content_hash(content), language=language)


def go_to_step(engine: Engine, room: Room, index: int) -> Room:
    return store.set_step(engine, room.id, index)


# ----------------------------------------------------------------------------------------------
# Participants


def new_token() -> str:
    """A rejoin token for the browser to keep; the server stores only its hash."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_code(raw: str) -> str:
    """Upper-case, strip spaces and dashes; people type 'abc 234' or 'ABC-234'."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def find_room_by_code(engine: Engine, raw_code: str) -> Room:
    code = normalise_code(raw_code)
    if len(code) != store.JOIN_CODE_LENGTH or any(ch not in store.JOIN_CODE_ALPHABET for ch in code):
        raise Rejected(MSG_CODE_FORMAT, length=store.JOIN_CODE_LENGTH, example="K7P2QX")
    room = store.find_open_room(engine, code)
    if room is None:
        raise Rejected(MSG_CODE_UNKNOWN, code=code)
    return room


def join_room(engine: Engine, room: Room, *, role: str, display_name: str = "", name_consent: bool = False,
              language: str | None = None) -> tuple[Participant, str]:
    """Add a participant to an open room. Returns the participant and the token for the browser."""
    if not room.is_open:
        raise Rejected(MSG_ROOM_CLOSED)
    valid_roles = {r["id"] for r in room.content.get("roles", [])} | {OTHER_ROLE}
    if role not in valid_roles:
        raise Rejected(MSG_ROLE)
    name = clean_text(display_name, NAME_MAX_CHARS, required=False) if display_name else ""
    token = new_token()
    participant = store.add_participant(
        engine, room_id=room.id, participant_id=str(uuid.uuid4()), token_hash=hash_token(token), role=role,
        display_name=name or None, name_consent=bool(name and name_consent), language=language,
    )
    return participant, token


def rejoin(engine: Engine, room: Room, token: str) -> Participant | None:
    """The participant a stored browser token belongs to, or None."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return store.participant_by_token(engine, room.id, hash_token(token))


# ----------------------------------------------------------------------------------------------
# Cards


def clean_text(raw: Any, max_chars: int, *, required: bool = True) -> str:
    """Normalise participant text (NFC, trimmed) or reject it with a message the user can act on."""
    value = unicodedata.normalize("NFC", raw if isinstance(raw, str) else "").strip()
    if not value:
        if required:
            raise Rejected(MSG_EMPTY)
        return ""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise Rejected(MSG_CONTROL)
    if len(value) > max_chars:
        raise Rejected(MSG_TOO_LONG, count=len(value), limit=max_chars)
    return value


def _card_step(room: Room, step_id: str) -> dict[str, Any]:
    if not room.is_open:
        raise Rejected(MSG_ROOM_CLOSED)
    for step in steps(room):
        if step["id"] == step_id:
            if input_type(step) not in INPUT_TYPES_WITH_CARDS:
                raise Rejected(MSG_NO_CARDS_HERE)
            if step_state(room, step_id).get("locked"):
                raise Rejected(MSG_LOCKED)
            return step
    raise Rejected(MSG_NO_CARDS_HERE)


def _card_payload(step: dict[str, Any], raw_text: Any, column: Any) -> dict[str, Any]:
    spec = input_spec(step)
    value = clean_text(raw_text, int(spec.get("max_chars") or CARD_MAX_CHARS))
    columns = spec.get("columns") or []
    col = column if isinstance(column, int) and 0 <= column < len(columns) else (0 if columns else None)
    return {"text": value, "column": col}


def submit_card(engine: Engine, room: Room, participant: Participant | None, step_id: str, raw_text: Any,
                *, column: Any = None, input_id: str | None = None) -> Input:
    """Add a card to a step. `input_id` comes from the client so a retry or double click is stored once."""
    step = _card_step(room, step_id)
    payload = _card_payload(step, raw_text, column)
    limit = int(input_spec(step).get("max_per_participant") or CARDS_PER_STEP)
    try:
        card, _created = store.add_input(
            engine, input_id=_valid_uuid(input_id), room_id=room.id, step_id=step_id,
            participant_id=participant.id if participant else None, kind="card", payload=payload,
            max_per_participant=limit if participant else None,
        )
    except store.LimitReached:
        raise Rejected(MSG_CARD_LIMIT, limit=limit) from None
    except store.NotOwner:
        raise Rejected(MSG_NOT_YOURS) from None
    return card


def edit_card(engine: Engine, room: Room, participant: Participant | None, input_id: str, raw_text: Any,
              *, column: Any = None) -> Input:
    """Change the text (and column) of one's own card."""
    existing = next((i for i in store.list_inputs(engine, room.id) if i.id == input_id), None)
    if existing is None or existing.participant_id != (participant.id if participant else None):
        raise Rejected(MSG_NOT_YOURS)
    step = _card_step(room, existing.step_id)
    try:
        return store.update_input(engine, input_id=input_id, participant_id=existing.participant_id,
                                  payload=_card_payload(step, raw_text, column))
    except store.NotOwner:
        raise Rejected(MSG_NOT_YOURS) from None


def delete_card(engine: Engine, room: Room, participant: Participant | None, input_id: str) -> None:
    """Delete one's own card."""
    try:
        store.delete_input(engine, input_id=input_id, participant_id=participant.id if participant else None)
    except store.NotOwner:
        raise Rejected(MSG_NOT_YOURS) from None


def _valid_uuid(value: str | None) -> str:
    """Client ids are untrusted: accept a UUID, otherwise make one (no retry protection then)."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return str(uuid.uuid4())


# ----------------------------------------------------------------------------------------------
# A room's board: the cards as every page sees them, kept current from the change feed


@dataclass
class Board:
    """Live inputs of a room, updated incrementally from `store.Changes`."""

    inputs: dict[str, Input]
    participants: dict[str, Participant]

    @classmethod
    def empty(cls) -> "Board":
        return cls({}, {})

    def apply(self, changes: store.Changes) -> None:
        for item in changes.inputs:
            if item.deleted:
                self.inputs.pop(item.id, None)
            else:
                self.inputs[item.id] = item
        for person in changes.participants:
            self.participants[person.id] = person

    def cards(self, step_id: str, *, include_hidden: bool = False) -> list[Input]:
        return sorted((i for i in self.inputs.values()
                       if i.step_id == step_id and i.kind == "card" and (include_hidden or not i.hidden)),
                      key=lambda i: i.seq)

    def role_of(self, item: Input) -> str | None:
        person = self.participants.get(item.participant_id or "")
        return person.role if person else None

    def counted_participants(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.role != FACILITATOR_ROLE]
