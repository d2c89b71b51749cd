"""Raw data of a room: one row per input with documented columns (docs/export.md), as CSV, Excel or JSON,
and its codebook (name, meaning, type and values of every column), which the Excel file carries as a second sheet.

Nothing here names a person: participants appear as a pseudonym (P001, P002, … in order of joining)
that is stable within one room only, so an analyst can see which inputs came from the same person.
A demo room's rows say `demo` = true (and its JSON starts with "demo": true): the data is invented.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from bifrost_lab import config, i18n, rooms, store, textrules
from bifrost_lab.i18n import N_
from bifrost_lab.inputs.registry import BY_KIND
from bifrost_lab.markup import demo_label
from bifrost_lab.reports.summary import NOTE_KIND, facilitator_notes, list_live_clusters

FORMATS = ("csv", "xlsx", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
COLUMNS = (
    "input_id",
    "room_id",
    "demo",
    "programme_id",
    "meeting_id",
    "step_id",
    "step_index",
    "step_title",
    "step_type",
    "kind",
    "participant",
    "role",
    "role_label",
    "on_behalf",
    "hidden",
    "seq",
    "created_at",
    "updated_at",
    "text",
    "answer",
    "column",
    "column_label",
    "cluster_id",
    "cluster_label",
    "cluster_category",
    "payload",
)


# The codebook (issue 20): name, meaning, type and allowed values of every column, shipped with the raw data.
TYPE_TEXT, TYPE_INTEGER, TYPE_BOOLEAN = N_("text"), N_("integer"), N_("true/false")
TYPE_TIME, TYPE_JSON = N_("date and time, UTC (ISO 8601)"), N_("JSON object")
FREE_TEXT = N_("free text")
CODEBOOK: dict[str, tuple[str, str]] = {
    "input_id": (
        N_(
            "The input's id, unique per row (a vote, rating, ranking, placement or choice is one row per participant and step)."
        ),
        TYPE_TEXT,
    ),
    "room_id": (N_("The room: one run of a meeting."), TYPE_TEXT),
    "demo": (N_("true in every row of a demo room: the data is invented."), TYPE_BOOLEAN),
    "programme_id": (N_("The programme the meeting belongs to."), TYPE_TEXT),
    "meeting_id": (N_("The meeting of the programme."), TYPE_TEXT),
    "step_id": (N_("The agenda step the input was given in."), TYPE_TEXT),
    "step_index": (N_("The step's place in the agenda, counted from 0."), TYPE_INTEGER),
    "step_title": (N_("The step's title in the language of the export."), TYPE_TEXT),
    "step_type": (N_("The kind of step."), TYPE_TEXT),
    "kind": (
        N_(
            "What the row is: a card, a vote, a rating, a ranking, a placement on the 2×2, a choice or a good solution."
        ),
        TYPE_TEXT,
    ),
    "participant": (
        N_(
            "The participant as a pseudonym, numbered in the order they joined; the same person has the same pseudonym in every row of this room, and in no other room."
        ),
        TYPE_TEXT,
    ),
    "role": (N_("The participant's role; empty for an input entered for the room."), TYPE_TEXT),
    "role_label": (N_("The role's name in the language of the export."), TYPE_TEXT),
    "on_behalf": (N_("true when the moderator entered the input for the room (no participant)."), TYPE_BOOLEAN),
    "hidden": (N_("true when the moderator hid the input from the projector."), TYPE_BOOLEAN),
    "seq": (N_("Order of arrival in the room."), TYPE_INTEGER),
    "created_at": (N_("When the input was given."), TYPE_TIME),
    "updated_at": (N_("When the input was last changed."), TYPE_TIME),
    "text": (N_("A card's text; for a good solution, the solution. Empty for other kinds."), TYPE_TEXT),
    "answer": (
        N_(
            "The answer in short form; TARGET is item:<number> (an item of the step), card:<input_id> or cluster:<cluster_id>."
        ),
        TYPE_TEXT,
    ),
    "column": (N_("The card's column, counted from 0, when the step has columns."), TYPE_INTEGER),
    "column_label": (N_("The column's name."), TYPE_TEXT),
    "cluster_id": (N_("The facilitator's theme (cluster) the card was placed in, if any."), TYPE_TEXT),
    "cluster_label": (N_("The theme's name."), TYPE_TEXT),
    "cluster_category": (N_("What the facilitator marked the theme as."), TYPE_TEXT),
    "payload": (N_("The whole input as stored, as JSON (docs/export.md: the input payload contract)."), TYPE_JSON),
}
ANSWER_FORMS = {  # the short form of `answer` per kind (inputs/<type>.py raw_answer)
    "vote": "TARGET × n; …",
    "rating": "item:n = 1–5; …",
    "rank": "TARGET > TARGET > …",
    "placement": "TARGET: effort x, impact y (0–1); …",
    "choice": "item:n; …",
}
CLUSTER_CATEGORIES = ("insight", "barrier", "action")


def _iso(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) if epoch else ""


def raw_rows(room_id: str, db_url: str | None = None, language: str | None = None) -> list[dict[str, Any]]:
    """Every (not deleted) input of a room, then the facilitator's notes, as dicts with the COLUMNS keys."""
    engine = store.connect(db_url or config.db_url())
    room = store.get_room(engine, room_id)
    if room is None:
        raise store.RoomNotFound(room_id)
    lang = language or room.language
    people = store.list_participants(engine, room_id)
    pseudonyms = {p.id: f"P{n:03d}" for n, p in enumerate(people, start=1)}
    roles = {p.id: p.role for p in people}
    steps = {s["id"]: (index, s) for index, s in enumerate(rooms.steps(room))}
    clusters = {c.id: c for c in list_live_clusters(engine, room_id)}
    rows = []
    for item in store.list_inputs(engine, room_id):
        index, step = steps.get(item.step_id, (None, {}))
        columns = rooms.input_spec(step).get("columns") or [] if step else []
        column = item.payload.get("column")
        cluster = clusters.get(getattr(item, "cluster_id", None) or "")
        role = roles.get(item.participant_id or "", "")
        answer_type = BY_KIND.get(item.kind)
        text = item.payload.get("text")
        if text is None and item.kind == "solution":
            text = item.payload.get("solution")
        rows.append(
            {
                "input_id": item.id,
                "room_id": room.id,
                "demo": room.demo,
                "programme_id": room.programme_id,
                "meeting_id": room.meeting_id,
                "step_id": item.step_id,
                "step_index": index,
                "step_title": rooms.text(step.get("title"), lang),
                "step_type": step.get("type", ""),
                "kind": item.kind,
                "participant": pseudonyms.get(item.participant_id or "", ""),
                "role": role,
                "role_label": rooms.role_label(room, role, lang) if role else "",
                "on_behalf": item.participant_id is None,
                "hidden": item.hidden,
                "seq": item.seq,
                "created_at": _iso(item.created_at),
                "updated_at": _iso(item.updated_at),
                "text": text if isinstance(text, str) else "",
                "answer": answer_type.raw_answer(item.payload) if answer_type else "",
                "column": column if isinstance(column, int) else None,
                "column_label": rooms.text(columns[column], lang)
                if isinstance(column, int) and 0 <= column < len(columns)
                else "",
                "cluster_id": cluster.id if cluster else "",
                "cluster_label": cluster.label if cluster else "",
                "cluster_category": (cluster.category or "") if cluster else "",
                "payload": item.payload,
            }
        )
    rows.extend(_note_rows(room, steps, lang))
    return rows


def _note_rows(room: store.Room, steps: dict[str, tuple[int, dict[str, Any]]], lang: str) -> list[dict[str, Any]]:
    """The facilitator's notes, one row per step (kind "note"), after the inputs: they are no one's input."""
    rows = []
    for step, note in facilitator_notes(room):
        rows.append(
            {
                **dict.fromkeys(COLUMNS, ""),
                # a stable id, so two exports of the same room name the same note alike
                "input_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bifrost:{room.id}:{step['id']}:{NOTE_KIND}")),
                "room_id": room.id,
                "demo": room.demo,
                "programme_id": room.programme_id,
                "meeting_id": room.meeting_id,
                "step_id": step["id"],
                "step_index": steps[step["id"]][0],
                "step_title": rooms.text(step.get("title"), lang),
                "step_type": step.get("type", ""),
                "kind": NOTE_KIND,
                "on_behalf": False,
                "hidden": False,
                "seq": None,
                "text": note,
                "column": None,
                "payload": {"note": note},
            }
        )
    return rows


def codebook(rooms_: Sequence[store.Room], language: str | None = None) -> list[dict[str, str]]:
    """One row per column of the raw data (COLUMNS): name, meaning, type and the values it can take in these rooms."""
    from bifrost_lab.programme import StepType

    _ = i18n.gettext_for(language)
    lang = i18n.normalise_language(language)
    steps = [step for room in rooms_ for step in rooms.steps(room)]
    roles = list(dict.fromkeys(role["id"] for room in rooms_ for role in room.content.get("roles", [])))
    columns = [c for step in steps for c in rooms.input_spec(step).get("columns") or []]
    on_behalf, otherwise, per_theme = _("empty when on_behalf is true"), _("empty otherwise"), _("unique per theme")
    widest = max((len(rooms.input_spec(step).get("columns") or []) for step in steps), default=0)
    values = {
        "input_id": _("unique per row"),
        "room_id": ", ".join(room.id for room in rooms_),
        "demo": "true, false",
        "programme_id": ", ".join(dict.fromkeys(room.programme_id for room in rooms_)),
        "meeting_id": ", ".join(dict.fromkeys(room.meeting_id for room in rooms_)),
        "step_id": ", ".join(dict.fromkeys(step["id"] for step in steps)),
        "step_index": f"0–{max((len(rooms.steps(room)) for room in rooms_), default=1) - 1}",
        "step_title": _(FREE_TEXT),
        "step_type": ", ".join(get_args(StepType)),
        "kind": ", ".join(["card", *BY_KIND, "solution"]),
        "participant": f"P001, P002, …; {on_behalf}",
        "role": f"{', '.join(roles)}; {on_behalf}",
        "role_label": ", ".join(dict.fromkeys(rooms.role_label(rooms_[0], r, lang) for r in roles)) if rooms_ else "",
        "on_behalf": "true, false",
        "hidden": "true, false",
        "seq": "1, 2, …",
        "created_at": "YYYY-MM-DDTHH:MM:SSZ",
        "updated_at": "YYYY-MM-DDTHH:MM:SSZ",
        "text": _(FREE_TEXT),
        "answer": " | ".join(f"{kind}: {form}" for kind, form in ANSWER_FORMS.items() if kind in BY_KIND),
        "column": f"0–{widest - 1}; {otherwise}" if widest else otherwise,
        "column_label": "; ".join([*dict.fromkeys(rooms.text(c, lang) for c in columns), otherwise]),
        "cluster_id": f"{per_theme}; {otherwise}",
        "cluster_label": f"{_(FREE_TEXT)}; {otherwise}",
        "cluster_category": f"{', '.join(CLUSTER_CATEGORIES)}; {otherwise}",
        "payload": 'card {"text", "column"}, vote {"dots": {TARGET: n}}, rating {"ratings": {"0": 4}}, '
        'rank {"order": [TARGET, …]}, placement {"placements": {TARGET: {"x", "y"}}}, choice {"selected": [n, …]}, '
        'solution {"problem", "solution", "where", "what_it_took", "contact_role"}',
    }
    return [
        {
            "name": name,
            "meaning": _(CODEBOOK[name][0]),
            "type": _(CODEBOOK[name][1]),
            "values": values[name],
        }
        for name in COLUMNS
    ]


def spreadsheet_safe(value: Any) -> Any:
    """Participant text is data in a spreadsheet too: a leading ' keeps =cmd|… from becoming a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def raw_frame(room_id: str, db_url: str | None = None, language: str | None = None) -> Any:
    """The raw rows as a pandas DataFrame for CSV/Excel (payload as JSON text, formula-safe text cells)."""
    import pandas as pd

    rows = raw_rows(room_id, db_url, language)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["payload"] = [json.dumps(r["payload"], ensure_ascii=False, sort_keys=True) for r in rows]
    for name in ("text", "cluster_label", "step_title", "column_label"):
        frame[name] = frame[name].map(spreadsheet_safe)
    frame["column"] = frame["column"].astype("Int64")
    frame["step_index"] = frame["step_index"].astype("Int64")
    frame["seq"] = frame["seq"].astype("Int64")  # a note's row has none: keep the others whole numbers
    return frame


def write_raw(room_id: str, path: Path, fmt: str, *, db_url: str | None = None, language: str | None = None) -> int:
    """Write the raw data as csv (UTF-8 with BOM, so Excel reads æøå), xlsx or json. Returns the row count."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if fmt == "json":
        rows = raw_rows(room_id, db_url, language)
        room = store.get_room(store.connect(db_url or config.db_url()), room_id)
        head: dict[str, Any] = {"demo": bool(room and room.demo)}
        if head["demo"]:
            head["notice"] = demo_label(language or (room.language if room else None))
        path.write_text(
            json.dumps({**head, "columns": list(COLUMNS), "rows": rows}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        return len(rows)
    frame = raw_frame(room_id, db_url, language)
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        # XML cannot hold most control characters; older versions stored some. Shown as U+FFFD, never refused.
        frame = frame.map(lambda value: textrules.xml_safe(value) if isinstance(value, str) else value)
        import pandas as pd

        room = store.get_room(store.connect(db_url or config.db_url()), room_id)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="inputs")
            pd.DataFrame(codebook([room] if room else [], language)).to_excel(
                writer, index=False, sheet_name="codebook"
            )
    return len(frame)
