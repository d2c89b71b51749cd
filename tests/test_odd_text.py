"""Issue 21 §5: whatever text an old database holds, every export and page shows it (replaced if it must), never fails."""

from __future__ import annotations

import json
import uuid

import pytest

from bifrost_lab import rooms, solutions, store
from bifrost_lab.cli import main as cli

# What the text rules now refuse or treat as empty, and what older versions stored anyway.
ODD = {
    "low surrogate": "a\udc80b",
    "last escaped byte": "\udcff",
    "high surrogate": "x\ud800",
    "split emoji": "\ud83d",
    "zero-width spaces": "\u200b\u200b",
    "hangul filler": "\u3164",
    "braille blank": "\u2800",
    "NUL and escape": "nul\x00 esc\x1b[31m",
    "vertical tab and form feed": "v\x0bf\x0c",
    "bidi override": "abc\u202egnp.exe",
    "noncharacters": "\ufffe\uffff",
    "formula": "=1+1",
}
SURROGATE_FREE = {k: v for k, v in ODD.items() if not any(0xD800 <= ord(c) <= 0xDFFF for c in v)}


def _add(engine, room, person, step_id, kind, payload):
    store.add_input(
        engine,
        input_id=str(uuid.uuid4()),
        room_id=room.id,
        step_id=step_id,
        participant_id=person.id if person else None,
        kind=kind,
        payload=payload,
    )


def _as_column(engine, text):
    """What a TEXT column can hold: no surrogate (no driver writes one), and on PostgreSQL no NUL."""
    return text.replace("\x00", "") if engine.dialect == "postgresql" else text


def _old_rooms(engine, library):
    """A meeting and a solution meeting whose rows hold every ODD text, written past the text rules."""
    m1 = rooms.open_room(engine, library, "bifrost", "bif-m1")
    card_step = next(s for s in rooms.steps(m1) if rooms.input_type(s) == "cards")
    people = [
        store.add_participant(
            engine,
            room_id=m1.id,
            participant_id=str(uuid.uuid4()),
            token_hash=uuid.uuid4().hex,
            role="OHS_ADVISER",
            display_name=_as_column(engine, SURROGATE_FREE.get(name, "Navn")),
            name_consent=True,
        )
        for name in ODD
    ]
    card_steps = [s["id"] for s in rooms.steps(m1) if rooms.card_spec(s)]  # the last one: commitments
    for person, (name, text) in zip(people, ODD.items()):
        for step_id in card_steps:
            _add(engine, m1, person, step_id, "card", {"text": text, "column": 0})
        store.set_step_state(engine, m1.id, card_step["id"], note=" / ".join(ODD.values()))
        if name in SURROGATE_FREE:
            store.create_cluster(
                engine,
                cluster_id=str(uuid.uuid4()),
                room_id=m1.id,
                step_id=card_step["id"],
                label=_as_column(engine, text),
            )
    for index in range(1, len(rooms.steps(m1))):
        store.set_step(engine, m1.id, index)
    med = rooms.open_room(engine, library, "soroe-spredning", "soroe-med")
    solution_step = next(s for s in rooms.steps(med) if rooms.input_type(s) == "solution")
    person, _ = rooms.join_room(engine, med, role="EMPLOYEE_REP")
    for text in ODD.values():
        fields = {f: text for f in solutions.FIELDS}
        _add(engine, med, person, solution_step["id"], "solution", {**fields, "sector": None, "topic": text})
    return m1, med


def _utf8(path) -> str:
    return path.read_bytes().decode("utf-8")  # strict: a file that is not UTF-8 fails here


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_every_export_writes_an_old_database_with_odd_text(db, request, library, tmp_path, monkeypatch, capsys):
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    monkeypatch.setenv("BIFROST_DB_URL", url)
    m1, _med = _old_rooms(store.connect(url), library)
    card_steps = [s for s in rooms.steps(m1) if rooms.card_spec(s)]

    for fmt in ("csv", "json", "xlsx"):
        out = tmp_path / f"raw.{fmt}"
        assert cli.main(["export", m1.id, "--format", fmt, "-o", str(out)]) == 0, capsys.readouterr().err
    rows = json.loads(_utf8(tmp_path / "raw.json"))["rows"]
    texts = {r["text"] for r in rows if r["kind"] == "card"}
    assert len(rows) == len(ODD) * len(card_steps)
    assert texts >= set(SURROGATE_FREE.values()) and "a\ufffdb" in texts and "\ufffd" in texts
    csv = _utf8(tmp_path / "raw.csv")
    assert "a\ufffdb" in csv and "\u3164" in csv and "'=1+1" in csv

    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "raw.xlsx").active
    cells = {c.value for row in sheet.iter_rows() for c in row}
    assert "a\ufffdb" in cells and "\u2800" in cells and "nul\ufffd esc\ufffd[31m" in cells

    out = tmp_path / "summary.html"
    assert cli.main(["export", m1.id, "-o", str(out)]) == 0
    summary = _utf8(out)
    assert "a\ufffdb" in summary and "\u3164" in summary

    out = tmp_path / "synthesis.html"
    assert cli.main(["synthesis", "bifrost", "-o", str(out)]) == 0
    assert "a\ufffdb" in _utf8(out)

    for args, name in ((["-o"], "catalogue.html"), (["--json", "-o"], "catalogue.json")):
        out = tmp_path / name
        assert cli.main(["catalogue", *args, str(out)]) == 0
        assert "a\ufffdb" in _utf8(out)
    assert len(json.loads(_utf8(tmp_path / "catalogue.json"))) == len(ODD)


def test_the_participant_page_shows_an_old_database_with_odd_text(sqlite_engine, library):
    """Every widget's state must travel to the browser: as a kernel message, in UTF-8."""
    import ipywidgets as w
    from jupyter_client.session import json_packer

    from bifrost_lab.ui.participant import ParticipantApp

    m1, _med = _old_rooms(sqlite_engine, library)
    step_index = next(i for i, s in enumerate(rooms.steps(m1)) if rooms.card_spec(s))
    store.set_step(sqlite_engine, m1.id, step_index)
    me = store.list_participants(sqlite_engine, m1.id)[0]  # wrote the "a\udc80b" cards
    app = ParticipantApp(sqlite_engine, "da")
    app.room, app.me = store.get_room(sqlite_engine, m1.id), me
    changes = store.changes_since(sqlite_engine, m1.id, 0)  # what the page's feed delivers first
    app.board.apply(changes)
    app._on_changes(changes)
    shown = "".join(str(c.value) for c in app.my_cards.children[1].children if isinstance(c, w.HTML))
    assert "a\ufffdb" in shown
    for widget in list(w.Widget.widgets.values()):
        json_packer(widget.get_state())  # raises on a lone surrogate
