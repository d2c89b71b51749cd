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
    assert len([r for r in rows if r["kind"] == "card"]) == len(ODD) * len(card_steps)
    [note] = [r["text"] for r in rows if r["kind"] == "note"]  # the facilitator's note, odd text and all
    assert "a\ufffdb" in note and "\u3164" in note
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
    assert 'id="facilitatornoter"' in summary

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
    pending, seen = [app.root], 0
    while pending:  # every widget on the page, as the kernel would send it
        widget = pending.pop()
        json_packer(widget.get_state())  # raises on a lone surrogate
        pending.extend(getattr(widget, "children", ()))
        seen += 1
    assert seen > 10


# -- properties: whatever the rules let in comes out of every export intact ---------------------------

import functools  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from unicode_texts import KEPT_TEXTS  # noqa: E402

from bifrost_lab.reports import catalogue, rawdata, summary, synthesis  # noqa: E402

EXPORT_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


class _Text(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


@functools.cache
def _library():
    from bifrost_lab.programme import load_library

    return load_library()


def _shown(text: str) -> str:
    """A text as an HTML export shows it: line breaks become <br>, so the parsed text has none."""
    return text.replace("\n", "")


def _room_with(engine, library, texts):
    """Each accepted text as a card (on a card step and the wrap-up), a note, a cluster label and a solution."""
    m1 = rooms.open_room(engine, library, "bifrost", "bif-m1")
    card_steps = [s["id"] for s in rooms.steps(m1) if rooms.card_spec(s)]
    for text in texts:
        person, _ = rooms.join_room(engine, m1, role="OHS_ADVISER", display_name=text[:40].strip(), name_consent=True)
        for step_id in card_steps:
            rooms.submit_card(engine, m1, person, step_id, text, input_id=str(uuid.uuid4()))
    store.set_step_state(engine, m1.id, card_steps[0], note=rooms.clean_text("\n\n".join(texts), 4000))
    label = rooms.clean_text(texts[0][: rooms.CLUSTER_LABEL_MAX_CHARS], rooms.CLUSTER_LABEL_MAX_CHARS, required=False)
    if label:
        rooms.create_cluster(engine, m1, card_steps[0], label)
    for index in range(1, len(rooms.steps(m1))):
        store.set_step(engine, m1.id, index)
    med = rooms.open_room(engine, library, "soroe-spredning", "soroe-med")
    step = next(s for s in rooms.steps(med) if rooms.input_type(s) == "solution")
    for text in texts:
        person, _ = rooms.join_room(engine, med, role="EMPLOYEE_REP")
        solutions.submit_solution(
            engine, med, person, step["id"], {"problem": text, "solution": text}, input_id=str(uuid.uuid4())
        )
    return store.get_room(engine, m1.id)


@EXPORT_SETTINGS
@given(texts=st.lists(KEPT_TEXTS, min_size=1, max_size=4, unique=True))
def test_any_accepted_text_is_exported_intact_everywhere(tmp_path_factory, texts):
    library = _library()  # not a fixture: hypothesis would print the whole library with every failing example
    folder = tmp_path_factory.mktemp("prop")
    url = f"sqlite:///{folder / 'db.sqlite'}"
    engine = store.connect(url)
    try:
        room = _room_with(engine, library, texts)
        note = rooms.clean_text("\n\n".join(texts), 4000)

        # raw data: JSON exactly; CSV and Excel exactly but for the ' that keeps a formula a text
        rawdata.write_raw(room.id, folder / "raw.json", "json", db_url=url)
        rows = json.loads((folder / "raw.json").read_text(encoding="utf-8"))["rows"]
        cards = [r["text"] for r in rows if r["kind"] == "card"]
        assert sorted(cards) == sorted(texts * (len(cards) // len(texts)))
        assert [r["text"] for r in rows if r["kind"] == "note"] == [note]
        sheet_texts = {rawdata.spreadsheet_safe(t) for t in texts}
        rawdata.write_raw(room.id, folder / "raw.csv", "csv", db_url=url)
        import pandas as pd

        frame = pd.read_csv(folder / "raw.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert set(frame.loc[frame.kind == "card", "text"]) == sheet_texts
        rawdata.write_raw(room.id, folder / "raw.xlsx", "xlsx", db_url=url)
        import openpyxl

        sheet = openpyxl.load_workbook(folder / "raw.xlsx").active
        header = [c.value for c in next(sheet.iter_rows())]
        kind, text = header.index("kind"), header.index("text")
        excel = {(r[kind].value, r[text].value) for r in sheet.iter_rows(min_row=2)}
        assert {t for k, t in excel if k == "card"} == sheet_texts

        # the summary, section by section (the notebook export renders the same strings)
        data = summary.load_summary_data(room.id, url, "da")
        html = "".join(section(data) for section in summary.SECTIONS)
        shown = _Text(html).text
        assert all(_shown(t) in shown for t in texts) and _shown(note) in shown

        # the synthesis of the programme
        syn = synthesis.load_synthesis_data("bifrost", url, "da")
        shown = _Text("".join(section(syn) for section in synthesis.SECTIONS)).text
        assert _shown(note) in shown

        # the catalogue, HTML and JSON
        entries = catalogue.collect_entries(engine)
        shown = _Text(catalogue.render_catalogue_html(entries)).text
        assert all(_shown(t) in shown for t in texts)
        exported = json.loads(catalogue.entries_as_json(entries))
        assert sorted(e["solution"] for e in exported) == sorted(texts)
    finally:
        store.dispose_all()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(KEPT_TEXTS, min_size=3, max_size=6, unique=True))
def test_any_accepted_text_is_in_the_exported_summary_document(tmp_path_factory, texts):
    """The same through the real export: the notebook in a kernel, rendered by nbconvert (a few examples: slow)."""
    from bifrost_lab.reports.export import export_room_html

    folder = tmp_path_factory.mktemp("prop-html")
    url = f"sqlite:///{folder / 'db.sqlite'}"
    try:
        room = _room_with(store.connect(url), _library(), texts)
        shown = _Text(export_room_html(room.id, db_url=url)).text
        assert all(_shown(t) in shown for t in texts)
    finally:
        store.dispose_all()
