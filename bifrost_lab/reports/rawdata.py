"""Raw data of a room: one row per input with documented columns (docs/export.md), as CSV, Excel or JSON.

Nothing here names a person: participants appear as a pseudonym (P001, P002, … in order of joining)
that is stable within one room only, so an analyst can see which inputs came from the same person.
A demo room's rows say `demo` = true (and its JSON starts with "demo": true): the data is invented.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from bifrost_lab import config, rooms, store, textrules
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
        frame.to_excel(path, index=False, sheet_name="inputs", engine="openpyxl")
    return len(frame)
