"""Issue 21 §1: the console's "Notes for the summary" reach every export, marked as the facilitator's."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.cli import main as cli
from bifrost_lab.reports import summary, synthesis

NOTE_S3 = "Gruppen ved vinduet var uenig om <b>ansvaret</b> & tog det op igen i plenum.\nSe også kort 3."
NOTE_S5 = "=Spørg lederne før næste møde"  # also a formula in a spreadsheet, like any text


def _save_note(engine, room, step_id, typed):
    """What the console's 'Save note' does (ui/moderator.py: ModeratorApp._on_save_note)."""
    store.set_step_state(engine, room.id, step_id, note=rooms.clean_text(typed, 4000, required=False))


@pytest.fixture
def noted(sqlite_url, library, monkeypatch):
    monkeypatch.setenv("BIFROST_DB_URL", sqlite_url)
    engine = store.connect(sqlite_url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    person, _ = rooms.join_room(engine, room, role="OHS_ADVISER")
    rooms.submit_card(engine, room, person, "bif-m1-s3", "Et kort", input_id=str(uuid.uuid4()))
    _save_note(engine, room, "bif-m1-s3", f"  {NOTE_S3}  ")
    _save_note(engine, room, "bif-m1-s5", NOTE_S5)
    _save_note(engine, room, "bif-m1-s6", "en note der blev slettet igen")
    _save_note(engine, room, "bif-m1-s6", "")  # emptied in the console: no note
    _save_note(engine, room, "bif-m1-s7", "\u200b\u3164")  # nothing visible: no note
    return sqlite_url, store.get_room(engine, room.id)


def _title(room, step_id):
    return rooms.text(rooms.step_by_id(room, step_id)["title"], "da")


def test_notes_are_listed_per_step_in_agenda_order(noted):
    _url, room = noted
    assert [(step["id"], note) for step, note in summary.facilitator_notes(room)] == [
        ("bif-m1-s3", NOTE_S3),
        ("bif-m1-s5", NOTE_S5),
    ]


def test_the_summary_has_a_section_of_the_facilitators_notes(noted, tmp_path):
    url, room = noted
    out = tmp_path / "summary.html"
    assert cli.main(["export", room.id, "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    section = re.search(r'<section class="bf-section" id="facilitatornoter">(.*?)</section>', html, re.S)
    assert section, "no section of the facilitator's notes"
    body = section.group(1)
    assert "<h2>Facilitatorens noter</h2>" in body
    assert body.count("Facilitatorens note<") == 2  # each note marked as the facilitator's
    assert _title(room, "bif-m1-s3") in body and _title(room, "bif-m1-s5") in body
    assert "&lt;b&gt;ansvaret&lt;/b&gt; &amp; tog" in body and "<b>ansvaret" not in html  # text, not markup
    assert "plenum.<br>Se også kort 3." in body
    assert "ikke input fra deltagerne" in body
    assert body.index(_title(room, "bif-m1-s3")) < body.index(_title(room, "bif-m1-s5"))
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings.index("Facilitatorens noter") == headings.index("Næste skridt") - 1


def test_a_room_without_notes_has_no_notes_section(sqlite_url, library):
    engine = store.connect(sqlite_url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    data = summary.load_summary_data(room.id, sqlite_url, "da")
    assert summary.section_facilitator_notes(data) == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_raw_data_has_one_row_per_note(noted, tmp_path, fmt):
    import pandas as pd

    url, room = noted
    out = tmp_path / f"raw.{fmt}"
    assert cli.main(["export", room.id, "--format", fmt, "-o", str(out)]) == 0
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        frame = pd.DataFrame(doc["rows"])
        notes = frame[frame.kind == "note"]
        assert list(notes.text) == [NOTE_S3, NOTE_S5]  # JSON keeps the text exactly
        assert list(notes.payload) == [{"note": NOTE_S3}, {"note": NOTE_S5}]
    else:
        frame = pd.read_csv(out, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(out, sheet_name="inputs")
        notes = frame[frame.kind == "note"]
        assert list(notes.text) == [NOTE_S3, "'" + NOTE_S5]  # never a formula in a spreadsheet
        assert frame.loc[frame.kind == "card", "seq"].tolist() == [1]  # still whole numbers
    assert list(notes.step_id) == ["bif-m1-s3", "bif-m1-s5"]
    assert list(notes.step_title) == [_title(room, "bif-m1-s3"), _title(room, "bif-m1-s5")]
    assert notes.participant.isna().all() or (notes.participant.fillna("") == "").all()
    assert len(set(notes.input_id)) == 2 and len(frame[frame.kind == "card"]) == 1


def test_the_synthesis_lists_each_meetings_notes(noted, tmp_path):
    url, room = noted
    syn = synthesis.load_synthesis_data("bifrost", url, "da")
    section = synthesis.section_facilitator_notes(syn)
    assert "Facilitatorens noter" in section and "&lt;b&gt;ansvaret&lt;/b&gt;" in section
    assert rooms.text(room.content["meeting"]["title"], "da") in section
    out = tmp_path / "synthesis.html"
    assert cli.main(["synthesis", "bifrost", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="facilitatornoter"' in html and "Spørg lederne før næste møde" in html
