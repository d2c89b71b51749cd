"""What moderators and participants can do to a room: validated, limited, and independent of widgets.

A room holds a snapshot of its content (programme, meeting agenda, roles, evidence cards) so a running
room never changes under people's feet and a summary knows exactly which agenda ran. The snapshot is
plain JSON: participant kernels read it without loading the YAML library or pydantic.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bifrost_lab import config, i18n, store, textrules
from bifrost_lab.i18n import N_
from bifrost_lab.store import Database, Input, Participant, Room

CARD_MAX_CHARS = 140
CARDS_PER_STEP = 10
NAME_MAX_CHARS = 40
OTHER_ROLE = "OTHER"
FACILITATOR_ROLE = "FACILITATOR"
INPUT_TYPES_WITH_CARDS = ("cards",)
RATING_MIN, RATING_MAX = 1, 5
CLUSTER_LABEL_MAX_CHARS = 80
# The stored `kind` of each input type's rows (the payload contract).
SLOTS = ("input", "secondary_input")


class Rejected(Exception):
    """A request the user can fix; `msgid` is an English gettext msgid, `params` fill its {fields}."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params

    def message(self, gettext) -> str:  # noqa: ANN001
        return gettext(self.msgid).format(**self.params)


# Messages (extracted by Babel; translated in bifrost_lab/locale)
MSG_EMPTY = N_("Write something before you send.")
MSG_TOO_LONG = N_("That is {count} characters; the limit is {limit}. Please shorten it.")
MSG_CONTROL = N_("The text contains invisible control characters. Please retype it.")
MSG_BROKEN_CHARACTER = N_(
    "The text contains a broken character (often half of an emoji, from copying). Please retype it."
)
MSG_CODE_FORMAT = N_("A join code has {length} letters and digits, e.g. {example}; it never uses {unused}.")
MSG_CODE_CHARACTERS = N_(
    "The code has {found}, which join codes never use: they leave out {unused}, which are easy to mix up. "
    "Check the code on the screen."
)
MSG_CODE_UNKNOWN = N_("No open room has the code {code}. Check the code on the screen.")
MSG_ROLE = N_("Please choose your role.")
MSG_LOCKED = N_("This step is closed for input.")
MSG_NO_CARDS_HERE = N_("This step does not take cards.")
MSG_CARD_LIMIT = N_(
    "You have added {limit} cards to this step, which is the maximum. Edit or delete one to add another."
)
MSG_NOT_YOURS = N_("That card can no longer be changed.")
MSG_ROOM_CLOSED = N_("The meeting has ended. Thank you for taking part!")
MSG_NO_INPUT_HERE = N_("This step does not take this kind of answer.")
MSG_TOO_MANY_DOTS = N_("You have {limit} dots; take one back before you place another.")
MSG_DOTS_PER_TARGET = N_("At most {limit} dots on one option.")
MSG_UNKNOWN_TARGET = N_("That option is no longer on the list. Please reload the page.")
MSG_RATING_RANGE = N_("Choose a value from 1 to 5.")
MSG_RANK_ALL = N_("Put every option in order before you save.")
MSG_CHOOSE_ONE = N_("Choose one option.")
MSG_CHOOSE_SOME = N_("Choose at least one option.")
MSG_PLACE_SOME = N_("Place at least one item before you save.")
MSG_CLUSTER_LABEL = N_("Give the cluster a name.")
MSG_REOPEN_TOO_LATE = N_("This room was closed more than {minutes} minutes ago and can no longer be reopened.")


# ----------------------------------------------------------------------------------------------
# Content snapshot


def text(value: Any, language: str) -> str:
    """A translated text from the snapshot ({da, en, fi}): in `language`, else in its fallback order (fi → en → da)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    used = text_language(value, language)
    return (value.get(used) if used else None) or next((v for v in value.values() if v), "")


def text_language(value: Any, language: str) -> str | None:
    """The language `text(value, language)` comes out in (None for a plain string or an empty text)."""
    if not isinstance(value, Mapping):
        return None
    return next((code for code in i18n.fallback_chain(language) if value.get(code)), None)


def content_languages(room: Room) -> list[str]:
    """The languages the room's programme has every text in (older snapshots: those its meeting title has)."""
    listed = (room.content.get("programme") or {}).get("languages")
    if listed:
        return [code for code in i18n.LANGUAGES if code in listed]
    title = room.content["meeting"].get("title") or {}
    return [code for code in i18n.LANGUAGES if isinstance(title, Mapping) and title.get(code)] or ["da"]


def room_language(room: Room) -> str:
    """The language a room's pages show: its own, or the next in the fallback order its programme is written in
    (a room opened in Finnish for a programme without Finnish, before the start screen offered only its languages)."""
    return i18n.best_language(room.language, content_languages(room))


def build_content(library: Any, programme_id: str, meeting_id: str) -> dict[str, Any]:
    """The JSON snapshot of one meeting with what the room needs from the library."""
    programme = library.programme(programme_id)
    meeting = library.meeting(programme_id, meeting_id)
    card_ids: list[str] = []
    for step in meeting.steps:
        card_ids.extend(c for c in step.evidence_cards if c not in card_ids)
    role_ids = list(dict.fromkeys([*programme.roles, OTHER_ROLE]))
    return {
        "programme": {
            "id": programme.id,
            "title": programme.title.model_dump(mode="json"),
            "languages": list(programme.languages),
        },
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


def input_spec(step: Mapping[str, Any]) -> dict[str, Any]:
    return step.get("input") or {"type": "none"}


def input_type(step: dict[str, Any]) -> str:
    return input_spec(step).get("type") or "none"


def step_inputs(step: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The step's inputs that collect something, as (slot, spec): primary first."""
    found = []
    for slot in SLOTS:
        spec = step.get(slot)
        if spec and spec.get("type", "none") != "none":
            found.append((slot, spec))
    return found


def step_by_id(room: Room, step_id: str) -> dict[str, Any] | None:
    return next((s for s in steps(room) if s["id"] == step_id), None)


def role_label(room: Room, role_id: str, language: str) -> str:
    for role in room.content.get("roles", []):
        if role["id"] == role_id:
            return text(role["label"], language)
    return role_id


def participant_roles(room: Room) -> list[dict[str, Any]]:
    """The roles a participant may choose on the phone: the moderator's own role is not among them."""
    return [r for r in room.content.get("roles", []) if r["id"] != FACILITATOR_ROLE]


def step_state(room: Room, step_id: str) -> dict[str, Any]:
    return room.step_states.get(step_id, {})


def projected_evidence(room: Room, step: dict[str, Any]) -> list[str]:
    """Ids of the evidence cards the projector shows in a step, by the step's current state.

    The projector's rule (ui/moderator.py `_evidence_html`): evidence is on by default only in steps that
    collect nothing, the moderator can switch it off, on as a grid or one card at a time, and cards still
    to be verified stay off the projector unless the moderator chose to show them.
    """
    state = step_state(room, step["id"])
    mode = state.get("evidence") or ("grid" if not step_inputs(step) else "off")
    if mode == "off":
        return []
    cards = room.content.get("cards", {})
    return [
        c
        for c in step.get("evidence_cards", [])
        if c in cards and (state.get("show_unverified") or not cards[c].get("verify"))
    ]


# ----------------------------------------------------------------------------------------------
# Moderator


def open_room(
    engine: Database, library: Any, programme_id: str, meeting_id: str, language: str = "da", *, demo: bool = False
) -> Room:
    """Open a new room for a meeting of a programme (demo=True: a room of invented data, `bifrost-lab demo`)."""
    content = build_content(library, programme_id, meeting_id)
    meeting_ids = [m.id for m in library.programme(programme_id).meetings]
    carried = carried_commitments(engine, programme_id, meeting_ids, meeting_id, include_demo=demo)
    if carried:
        content["carried"] = carried
    return store.create_room(
        engine,
        programme_id=programme_id,
        meeting_id=meeting_id,
        content=content,
        content_hash=content_hash(content),
        language=language,
        demo=demo,
    )


def go_to_step(engine: Database, room: Room, index: int) -> Room:
    return store.set_step(engine, room.id, index)


def reopen_minutes() -> int:
    """How long after closing a room the moderator can still reopen it (the `reopen_minutes` setting)."""
    return int(float(config.setting("reopen_minutes")))


def can_reopen(room: Room, now: float | None = None) -> bool:
    """A closed room can be reopened within `reopen_minutes` of its closing."""
    if room.is_open or room.closed_at is None:
        return False
    return ((time.time() if now is None else now) - room.closed_at) <= reopen_minutes() * 60


def reopen_room(engine: Database, room: Room) -> Room:
    """Undo "Close room" while it is recent; the code works again (or a new one, if another room took it)."""
    if room.is_open:
        return room
    if not can_reopen(room):
        raise Rejected(MSG_REOPEN_TOO_LATE, minutes=reopen_minutes())
    return store.reopen_room(engine, room.id)


# ----------------------------------------------------------------------------------------------
# Participants


def new_token() -> str:
    """A rejoin token for the browser to keep; the server stores only its hash."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()  # a forged token is nobody, not a crash


def normalise_code(raw: str) -> str:
    """Upper-case, strip spaces and dashes; people type 'abc 234' or 'ABC-234'."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def unused_code_characters() -> str:
    """The letters and digits join codes leave out, e.g. "0, 1, I, O"."""
    everything = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return ", ".join(ch for ch in everything if ch not in store.JOIN_CODE_ALPHABET)


def find_room_by_code(engine: Database, raw_code: str) -> Room:
    code = normalise_code(raw_code)
    wrong = list(dict.fromkeys(ch for ch in code if ch not in store.JOIN_CODE_ALPHABET))
    if len(code) != store.JOIN_CODE_LENGTH:
        raise Rejected(
            MSG_CODE_FORMAT, length=store.JOIN_CODE_LENGTH, example="K7P2QX", unused=unused_code_characters()
        )
    if wrong:
        raise Rejected(MSG_CODE_CHARACTERS, found=", ".join(wrong), unused=unused_code_characters())
    room = store.find_open_room(engine, code)
    if room is None:
        latest = store.latest_room_with_code(engine, code)
        if latest is not None and not latest.is_open:
            raise Rejected(MSG_ROOM_CLOSED)  # the code may still be on a screen: the meeting has ended
        raise Rejected(MSG_CODE_UNKNOWN, code=code)
    return room


def join_room(
    engine: Database,
    room: Room,
    *,
    role: str,
    display_name: str = "",
    name_consent: bool = False,
    language: str | None = None,
) -> tuple[Participant, str]:
    """Add a participant to an open room. Returns the participant and the token for the browser."""
    if not room.is_open:
        raise Rejected(MSG_ROOM_CLOSED)
    valid_roles = {r["id"] for r in room.content.get("roles", [])} | {OTHER_ROLE}
    if role not in valid_roles:
        raise Rejected(MSG_ROLE)
    name = clean_text(display_name, NAME_MAX_CHARS, required=False) if display_name else ""
    token = new_token()
    participant = store.add_participant(
        engine,
        room_id=room.id,
        participant_id=str(uuid.uuid4()),
        token_hash=hash_token(token),
        role=role,
        # Privacy: a name is kept only with the participant's consent; without it, it is never stored.
        display_name=(name or None) if name_consent else None,
        name_consent=bool(name and name_consent),
        language=language,
    )
    return participant, token


def rejoin(engine: Database, room: Room, token: str) -> Participant | None:
    """The participant a stored browser token belongs to, or None."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return store.participant_by_token(engine, room.id, hash_token(token))


# ----------------------------------------------------------------------------------------------
# Join limits (issue 6). A join code is 6 characters of 32 (about 10^9 codes): guessing one is hopeless
# only if guesses are few, so wrong codes are limited per page (kernel) and for all pages together
# (the room network; a reload gives a new kernel, so the page limit alone would not do).

JOIN_WINDOW_SECONDS = 300
WRONG_CODES_PER_PAGE = 5
WRONG_CODES_PER_NETWORK = 30
MSG_TOO_MANY_CODES = N_("Too many wrong codes have been tried. Please wait {minutes} min, then try again.")


def check_join_allowed(engine: Database, source: str, *, now: float | None = None, network: bool = True) -> None:
    """Reject (with the wait in minutes) when page `source` (or, with `network`, all pages) tried too many wrong codes."""
    now = time.time() if now is None else now
    since = now - JOIN_WINDOW_SECONDS
    limits = [(source, WRONG_CODES_PER_PAGE)] + ([(None, WRONG_CODES_PER_NETWORK)] if network else [])
    for who, limit in limits:
        count, oldest = store.failed_joins_since(engine, since, who)
        if count >= limit:
            wait = max(1, math.ceil(((oldest or now) + JOIN_WINDOW_SECONDS - now) / 60))
            raise Rejected(MSG_TOO_MANY_CODES, minutes=wait)


def find_room_by_code_limited(engine: Database, raw_code: str, source: str) -> Room:
    """`find_room_by_code` for participant page `source`: every wrong code counts towards the join limits.

    A page over its own limit is refused outright. The network-wide limit only answers wrong codes:
    one hostile guest burning through it must not lock a hall full of people out of their meeting
    (guessing stays hopeless: 32^6 codes, each try costs a page load and a kernel).
    """
    check_join_allowed(engine, source, network=False)
    try:
        return find_room_by_code(engine, raw_code)
    except Rejected:
        check_join_allowed(engine, source)
        store.record_failed_join(engine, source)
        raise


# ----------------------------------------------------------------------------------------------
# Cards


BIDI_CONTROLS = textrules.BIDI_CONTROLS


def clean_text(raw: Any, max_chars: int, *, required: bool = True) -> str:
    """Normalise typed text (NFC, trimmed) or reject it with a message the user can act on.

    The one rule for every way text comes in (cards, names, cluster labels, solution fields, notes;
    docs/security.md). Text with nothing visible (zero-width spaces, U+3164, U+2800 …) counts as empty.
    """
    value = raw if isinstance(raw, str) else ""
    if textrules.has_broken_character(value):  # a lone surrogate, or the U+FFFD a browser sent in its place
        raise Rejected(MSG_BROKEN_CHARACTER)
    value = unicodedata.normalize("NFC", value).strip()
    if value and any(textrules.is_forbidden_control(ch) for ch in value):
        raise Rejected(MSG_CONTROL)
    if not textrules.visible_text(value):
        if required:
            raise Rejected(MSG_EMPTY)
        return ""
    if len(value) > max_chars:
        raise Rejected(MSG_TOO_LONG, count=len(value), limit=max_chars)
    return value


def card_spec(step: dict[str, Any]) -> dict[str, Any] | None:
    """The cards input of a step (primary or secondary), or None."""
    return next((spec for _slot, spec in step_inputs(step) if spec.get("type") == "cards"), None)


def _card_step(room: Room, step_id: str) -> dict[str, Any]:
    if not room.is_open:
        raise Rejected(MSG_ROOM_CLOSED)
    step = step_by_id(room, step_id)
    if step is None or card_spec(step) is None:
        raise Rejected(MSG_NO_CARDS_HERE)
    if step_state(room, step_id).get("locked"):
        raise Rejected(MSG_LOCKED)
    return step


def _card_payload(step: dict[str, Any], raw_text: Any, column: Any) -> dict[str, Any]:
    spec = card_spec(step) or {}
    value = clean_text(raw_text, int(spec.get("max_chars") or CARD_MAX_CHARS))
    columns = spec.get("columns") or []
    col = (
        column
        if isinstance(column, int) and not isinstance(column, bool) and 0 <= column < len(columns)
        else (0 if columns else None)
    )
    return {"text": value, "column": col}


def submit_card(
    engine: Database,
    room: Room,
    participant: Participant | None,
    step_id: str,
    raw_text: Any,
    *,
    column: Any = None,
    input_id: str | None = None,
) -> Input:
    """Add a card to a step. `input_id` comes from the client so a retry or double click is stored once."""
    step = _card_step(room, step_id)
    payload = _card_payload(step, raw_text, column)
    if participant is None:
        payload["on_behalf"] = True
    limit = int((card_spec(step) or {}).get("max_per_participant") or CARDS_PER_STEP)
    try:
        card, _created = store.add_input(
            engine,
            input_id=_valid_uuid(input_id),
            room_id=room.id,
            step_id=step_id,
            participant_id=participant.id if participant else None,
            kind="card",
            payload=payload,
            max_per_participant=limit if participant else None,
        )
    except store.LimitReached:
        raise Rejected(MSG_CARD_LIMIT, limit=limit) from None
    except store.NotOwner:
        raise Rejected(MSG_NOT_YOURS) from None
    return card


def edit_card(
    engine: Database, room: Room, participant: Participant | None, input_id: str, raw_text: Any, *, column: Any = None
) -> Input:
    """Change the text (and column) of one's own card."""
    existing = next((i for i in store.list_inputs(engine, room.id) if i.id == input_id), None)
    if existing is None or existing.participant_id != (participant.id if participant else None):
        raise Rejected(MSG_NOT_YOURS)
    step = _card_step(room, existing.step_id)
    try:
        payload = _card_payload(step, raw_text, column)
        if existing.participant_id is None:
            payload["on_behalf"] = True
        return store.update_input(engine, input_id=input_id, participant_id=existing.participant_id, payload=payload)
    except store.NotOwner:
        raise Rejected(MSG_NOT_YOURS) from None


def delete_card(engine: Database, room: Room, participant: Participant | None, input_id: str) -> None:
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
# Votes, ratings, rankings, placements, choices: one row per participant (and slot) per step


def answer_id(room_id: str, step_id: str, participant_id: str, kind: str, slot: str = "input") -> str:
    """The deterministic id of a participant's answer: saving again updates the same row.

    A step with two inputs of the same kind (e.g. two ratings of the same items) keeps the
    second one apart with a `:secondary_input` suffix; every other answer uses the contract's id.
    """
    suffix = "" if slot == "input" else f":{slot}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bifrost:{room_id}:{step_id}:{participant_id}:{kind}{suffix}"))


def _answer_slot(room: Room, step_id: str, input_type_: str, slot: str | None) -> tuple[dict, dict, str]:
    """(step, spec, slot) of an open, unlocked step that takes this input type, or Rejected."""
    if not room.is_open:
        raise Rejected(MSG_ROOM_CLOSED)
    step = step_by_id(room, step_id)
    if step is None:
        raise Rejected(MSG_NO_INPUT_HERE)
    matches = [(s, spec) for s, spec in step_inputs(step) if spec.get("type") == input_type_]
    if slot is not None:
        matches = [(s, spec) for s, spec in matches if s == slot]
    if not matches:
        raise Rejected(MSG_NO_INPUT_HERE)
    if step_state(room, step_id).get("locked"):
        raise Rejected(MSG_LOCKED)
    found_slot, spec = matches[0]
    return step, spec, found_slot


def _row_slot(step: dict, slot: str) -> str:
    """The slot name used in ids: 'input' unless both inputs of the step are of one type."""
    types = [spec.get("type") for _s, spec in step_inputs(step)]
    mine = (step.get(slot) or {}).get("type") if isinstance(step.get(slot), dict) else None
    return slot if mine is not None and types.count(mine) > 1 else "input"


def valid_targets(engine: Database, room: Room, spec: dict[str, Any]) -> list[str]:
    """The target strings an answer to `spec` may name, in display order."""
    targets = spec.get("targets")
    if targets:
        if targets.get("source") == "clusters":
            return [f"cluster:{c.id}" for c in store.list_clusters(engine, room.id, targets["from_step"])]
        return [
            f"card:{i.id}"
            for i in store.list_inputs(engine, room.id, step_id=targets["from_step"])
            if i.kind == "card" and not i.hidden
        ]
    listed = spec.get("items") or spec.get("options") or []
    return [f"item:{index}" for index in range(len(listed))]


def save_answer(
    engine: Database,
    room: Room,
    participant: Participant | None,
    step_id: str,
    input_type: str,
    kind: str,
    parse: Callable[[Database, Room, dict[str, Any], Any], dict[str, Any]],
    value: Any,
    *,
    slot: str | None = None,
    input_id: str | None = None,
) -> Input:
    """Store one answer of an input type (bifrost_lab/inputs/) once the step takes it and `parse` accepts it."""
    step, spec, slot = _answer_slot(room, step_id, input_type, slot)
    return _save_answer(engine, room, participant, step, slot, kind, parse(engine, room, spec, value), input_id)


def _save_answer(
    engine: Database,
    room: Room,
    participant: Participant | None,
    step: dict,
    slot: str,
    kind: str,
    payload: dict[str, Any],
    input_id: str | None,
) -> Input:
    row_slot = _row_slot(step, slot)
    if row_slot != "input":
        payload = {**payload, "slot": row_slot}
    if participant is None:
        payload = {**payload, "on_behalf": True}
        row_id = _valid_uuid(input_id)
    else:
        row_id = answer_id(room.id, step["id"], participant.id, kind, row_slot)
    try:
        row, created = store.add_input(
            engine,
            input_id=row_id,
            room_id=room.id,
            step_id=step["id"],
            participant_id=participant.id if participant else None,
            kind=kind,
            payload=payload,
        )
        if not created:
            row = store.update_input(engine, input_id=row_id, participant_id=row.participant_id, payload=payload)
    except store.NotOwner:
        raise Rejected(MSG_NOT_YOURS) from None
    return row


def my_answer(board: Board, step_id: str, participant_id: str, kind: str, slot: str = "input") -> Input | None:
    """A participant's saved answer of a kind in a step (the slot matters only for same-kind pairs)."""
    for item in board.inputs.values():
        if (
            item.step_id == step_id
            and item.kind == kind
            and item.participant_id == participant_id
            and item.payload.get("slot", "input") == slot
        ):
            return item
    return None


# ----------------------------------------------------------------------------------------------
# Facilitator: clusters, moderation, per-step flags. Each edit returns an `Undo`.


@dataclass(frozen=True)
class Undo:
    """How to take back one facilitator edit: a description and the store calls that restore it."""

    description: str
    calls: tuple[tuple[str, tuple, tuple], ...]  # (store function name, args, sorted kwargs)


def undo(engine: Database, edit: Undo) -> None:
    """Apply an `Undo` (the store functions it names, in order)."""
    for name, args, kwargs in edit.calls:
        getattr(store, name)(engine, *args, **dict(kwargs))


def _call(name: str, *args: Any, **kwargs: Any) -> tuple[str, tuple, tuple]:
    return (name, args, tuple(sorted(kwargs.items())))


def create_cluster(
    engine: Database,
    room: Room,
    step_id: str,
    label: Any,
    *,
    cluster_id: str | None = None,
    input_ids: list[str] | None = None,
) -> tuple[store.Cluster, Undo]:
    """A new cluster in a step, optionally with cards moved into it at once."""
    name = clean_text(label, CLUSTER_LABEL_MAX_CHARS, required=False)
    if not name:
        raise Rejected(MSG_CLUSTER_LABEL)
    cluster = store.create_cluster(
        engine, cluster_id=_valid_uuid(cluster_id), room_id=room.id, step_id=step_id, label=name
    )
    previous = store.assign_cluster(engine, room.id, input_ids or [], cluster.id) if input_ids else {}
    calls = [_call("update_cluster", cluster.id, deleted=True)]
    if previous:
        calls.insert(0, _call("restore_assignments", room.id, previous))
    return cluster, Undo(N_("create cluster"), tuple(calls))


def rename_cluster(engine: Database, cluster_id: str, label: Any) -> Undo:
    name = clean_text(label, CLUSTER_LABEL_MAX_CHARS, required=False)
    if not name:
        raise Rejected(MSG_CLUSTER_LABEL)
    before = store.update_cluster(engine, cluster_id, label=name)
    return Undo(N_("rename cluster"), (_call("update_cluster", cluster_id, label=before.label),))


def move_to_cluster(engine: Database, room: Room, input_ids: list[str], cluster_id: str | None) -> Undo:
    """Move cards into a cluster (None: out of any cluster)."""
    previous = store.assign_cluster(engine, room.id, input_ids, cluster_id)
    return Undo(N_("move cards"), (_call("restore_assignments", room.id, previous),))


def merge_clusters(engine: Database, room: Room, source_id: str, target_id: str) -> Undo:
    """Move every card of `source` into `target` and retire `source` (kept, marked deleted)."""
    if source_id == target_id:
        return Undo(N_("merge clusters"), ())
    members = store.cluster_members(engine, source_id)
    previous = store.assign_cluster(engine, room.id, members, target_id)
    store.update_cluster(engine, source_id, deleted=True)
    return Undo(
        N_("merge clusters"),
        (_call("update_cluster", source_id, deleted=False), _call("restore_assignments", room.id, previous)),
    )


def delete_cluster(engine: Database, room: Room, cluster_id: str) -> Undo:
    """Retire a cluster; its cards go back to the unclustered pile."""
    previous = store.assign_cluster(engine, room.id, store.cluster_members(engine, cluster_id), None)
    store.update_cluster(engine, cluster_id, deleted=True)
    return Undo(
        N_("delete cluster"),
        (_call("update_cluster", cluster_id, deleted=False), _call("restore_assignments", room.id, previous)),
    )


def hide_input(engine: Database, input_id: str, hidden: bool = True) -> Undo:
    """Hide a card from the projector (it stays in the data, marked) or show it again."""
    store.set_input_hidden(engine, input_id=input_id, hidden=hidden)
    return Undo(
        N_("hide card") if hidden else N_("show card"),
        (_call("set_input_hidden", input_id=input_id, hidden=not hidden),),
    )


def results_revealed(room: Room, step: dict[str, Any]) -> bool:
    """Cards are visible as they arrive; votes, ratings and the like wait for the facilitator's reveal."""
    state = step_state(room, step["id"])
    if "revealed" in state:
        return bool(state["revealed"])
    return all(spec.get("type") == "cards" for _slot, spec in step_inputs(step))


def names_shown(room: Room, step: dict[str, Any]) -> bool:
    """Names (of those who consented) appear with cards unless hidden: by the room's setting (`hide_names`),
    or by the step's own exception (`anonymous` True or False in its state; None follows the room)."""
    own = step_state(room, step["id"]).get("anonymous")
    if own is not None:
        return not own
    return not room.settings.get("hide_names", False)


# ----------------------------------------------------------------------------------------------
# Carry-forward: the last meeting's commitments open the next one


def carried_commitments(
    engine: Database, programme_id: str, meeting_ids: list[str], meeting_id: str, *, include_demo: bool = False
) -> dict | None:
    """The cards of the wrap-up step of the latest room of the previous meeting of the programme.

    A demo room's invented commitments are carried only into another demo room (include_demo).
    """
    if meeting_id not in meeting_ids or meeting_ids.index(meeting_id) == 0:
        return None
    previous_id = meeting_ids[meeting_ids.index(meeting_id) - 1]
    earlier = [
        s.room
        for s in store.list_rooms(engine, include_demo=include_demo)
        if s.room.programme_id == programme_id and s.room.meeting_id == previous_id
    ]
    for previous in earlier:  # newest first; the first one with commitments wins
        card_steps = [s for s in steps(previous) if any(spec.get("type") == "cards" for _sl, spec in step_inputs(s))]
        if not card_steps:
            return None
        last = card_steps[-1]
        texts = [
            i.payload.get("text", "")
            for i in store.list_inputs(engine, previous.id, step_id=last["id"])
            if i.kind == "card" and not i.hidden
        ]
        if texts:
            return {
                "room_id": previous.id,
                "meeting_id": previous_id,
                "meeting_title": previous.content["meeting"]["title"],
                "step_title": last.get("title"),
                "cards": texts[:40],
            }
    return None


# ----------------------------------------------------------------------------------------------
# A room's board: the cards as every page sees them, kept current from the change feed


@dataclass
class Board:
    """Live inputs of a room, updated incrementally from `store.Changes`."""

    inputs: dict[str, Input]
    participants: dict[str, Participant]
    clusters: dict[str, store.Cluster] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Board:
        return cls({}, {}, {})

    def apply(self, changes: store.Changes) -> None:
        for item in changes.inputs:
            if item.deleted:
                self.inputs.pop(item.id, None)
            else:
                self.inputs[item.id] = item
        for person in changes.participants:
            self.participants[person.id] = person
        for cluster in changes.clusters:
            if cluster.deleted:
                self.clusters.pop(cluster.id, None)
            else:
                self.clusters[cluster.id] = cluster

    def answers(self, step_id: str, kind: str, slot: str = "input") -> list[Input]:
        """Every live answer of a kind in a step (one per participant, plus the room's own)."""
        return sorted(
            (
                i
                for i in self.inputs.values()
                if i.step_id == step_id and i.kind == kind and i.payload.get("slot", "input") == slot
            ),
            key=lambda i: i.seq,
        )

    def step_clusters(self, step_id: str) -> list[store.Cluster]:
        return sorted((c for c in self.clusters.values() if c.step_id == step_id), key=lambda c: c.position)

    def answered(self, step: dict[str, Any]) -> int:
        """How many counted participants have given any input in a step."""
        counted = {p.id for p in self.counted_participants()}
        return len(
            {i.participant_id for i in self.inputs.values() if i.step_id == step["id"] and i.participant_id in counted}
        )

    def cards(self, step_id: str, *, include_hidden: bool = False) -> list[Input]:
        return sorted(
            (
                i
                for i in self.inputs.values()
                if i.step_id == step_id and i.kind == "card" and (include_hidden or not i.hidden)
            ),
            key=lambda i: i.seq,
        )

    def role_of(self, item: Input) -> str | None:
        person = self.participants.get(item.participant_id or "")
        return person.role if person else None

    def counted_participants(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.role != FACILITATOR_ROLE]
