"""Good-solution cards and the catalogue: rules, idempotency, collecting across rooms, filters, export, import."""

from __future__ import annotations

import uuid

import pytest
from helpers import parse_html

from bifrost_lab import rooms, solutions, store
from bifrost_lab.cli import main as cli
from bifrost_lab.reports import catalogue

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def _fields(**overrides):
    base = {
        "problem": "Pårørende blev vrede over indretningen",
        "solution": "Fælles hjemmebesøg før opstart",
        "where": "Hjemmeplejen Syd",
        "what_it_took": "En halv time pr. borger",
        "contact_role": "Arbejdsmiljørepræsentant",
        "sector": "velfaerd_offentlig",
        "topic": "Samarbejde med borgere og pårørende",
    }
    return {**base, **overrides}


@pytest.fixture
def med(engine, library):
    return rooms.open_room(engine, library, "soroe-spredning", "soroe-med")


def _step(room, kind):
    return next(s for s in rooms.steps(room) if rooms.input_type(s) == kind)


def _join(engine, room, role="EMPLOYEE_REP"):
    person, _token = rooms.join_room(engine, room, role=role)
    return person


def test_a_solution_is_stored_once_with_the_contract_payload(engine, med):
    person = _join(engine, med)
    step = _step(med, "solution")
    client_id = str(uuid.uuid4())
    first = solutions.submit_solution(engine, med, person, step["id"], _fields(), input_id=client_id)
    again = solutions.submit_solution(engine, med, person, step["id"], _fields(), input_id=client_id)
    assert first.id == again.id == client_id
    assert first.kind == "solution"
    assert set(first.payload) == {*solutions.FIELDS, "sector", "topic"}
    assert first.payload["topic"] == "Samarbejde med borgere og pårørende"
    assert len([i for i in store.list_inputs(engine, med.id) if i.kind == "solution"]) == 1


def test_a_topic_chosen_in_english_is_stored_as_the_danish_text(engine, med):
    person = _join(engine, med)
    step = _step(med, "solution")
    saved = solutions.submit_solution(
        engine, med, person, step["id"], _fields(topic="Patient transfer and aids"), input_id=str(uuid.uuid4())
    )
    assert saved.payload["topic"] == "Forflytning og hjælpemidler"


@pytest.mark.parametrize(
    "overrides, msgid",
    [
        ({"problem": "  "}, solutions.MSG_FIELD_EMPTY),
        ({"solution": ""}, solutions.MSG_FIELD_EMPTY),
        ({"solution": "x" * 401}, solutions.MSG_FIELD_TOO_LONG),
        ({"where": "x" * 121}, solutions.MSG_FIELD_TOO_LONG),
        ({"contact_role": "bell\x07"}, solutions.MSG_FIELD_CONTROL),
        ({"sector": "space"}, solutions.MSG_UNKNOWN_SECTOR),
        ({"topic": "Not a topic of this step"}, solutions.MSG_UNKNOWN_TOPIC),
    ],
)
def test_a_bad_solution_is_rejected_with_a_message_naming_the_field(engine, med, overrides, msgid):
    person = _join(engine, med)
    with pytest.raises(rooms.Rejected) as info:
        solutions.submit_solution(engine, med, person, _step(med, "solution")["id"], _fields(**overrides))
    assert info.value.msgid == msgid
    danish = info.value.message(__import__("bifrost_lab.i18n", fromlist=["x"]).gettext_for("da"))
    assert danish and "{" not in danish


def test_the_field_name_is_translated_in_the_message():
    from bifrost_lab import i18n

    rejected = solutions.FieldRejected(solutions.MSG_FIELD_EMPTY, field=solutions.FIELD_LABELS["problem"])
    assert rejected.message(i18n.gettext_for("da")) == "Udfyld venligst “Problem”."
    assert rejected.message(i18n.gettext_for("en")) == "Please fill in “Problem”."


def test_limits_locks_and_wrong_steps(engine, med):
    person = _join(engine, med)
    step = _step(med, "solution")
    for _ in range(3):
        solutions.submit_solution(engine, med, person, step["id"], _fields(), input_id=str(uuid.uuid4()))
    with pytest.raises(rooms.Rejected) as info:
        solutions.submit_solution(engine, med, person, step["id"], _fields(), input_id=str(uuid.uuid4()))
    assert info.value.msgid == solutions.MSG_SOLUTION_LIMIT
    with pytest.raises(rooms.Rejected) as info:
        solutions.submit_solution(engine, med, person, _step(med, "cards")["id"], _fields())
    assert info.value.msgid == solutions.MSG_NO_SOLUTIONS_HERE
    locked = store.set_step_state(engine, med.id, step["id"], locked=True)
    with pytest.raises(rooms.Rejected) as info:
        solutions.submit_solution(engine, locked, _join(engine, med), step["id"], _fields())
    assert info.value.msgid == rooms.MSG_LOCKED


def test_edit_and_delete_only_ones_own(engine, med):
    alice, bob = _join(engine, med), _join(engine, med, "MANAGER")
    step = _step(med, "solution")
    mine = solutions.submit_solution(engine, med, alice, step["id"], _fields(), input_id=str(uuid.uuid4()))
    changed = solutions.edit_solution(engine, med, alice, mine.id, _fields(solution="Ny udgave af løsningen"))
    assert changed.payload["solution"] == "Ny udgave af løsningen"
    with pytest.raises(rooms.Rejected):
        solutions.edit_solution(engine, med, bob, mine.id, _fields())
    with pytest.raises(rooms.Rejected):
        solutions.delete_solution(engine, med, bob, mine.id)
    solutions.delete_solution(engine, med, alice, mine.id)
    assert solutions.solutions_of(store.list_inputs(engine, med.id), step["id"]) == []


def test_the_catalogue_collects_solutions_from_every_room_and_filters_them(engine, library, med):
    prep = rooms.open_room(engine, library, "soroe-spredning", "soroe-forberedelse")
    person = _join(engine, med)
    solutions.submit_solution(engine, med, person, _step(med, "solution")["id"], _fields(), input_id=str(uuid.uuid4()))
    solutions.submit_solution(
        engine,
        prep,
        _join(engine, prep, "MANAGER"),
        _step(prep, "solution")["id"],
        _fields(
            solution="Forflytningskort i hvert hjem",
            topic="Forflytning og hjælpemidler",
            sector="andet",
            problem="Vikarer løftede forkert",
        ),
        input_id=str(uuid.uuid4()),
    )
    hidden = solutions.submit_solution(
        engine,
        med,
        person,
        _step(med, "solution")["id"],
        _fields(solution="Skjult løsning"),
        input_id=str(uuid.uuid4()),
    )
    store.set_input_hidden(engine, input_id=hidden.id, hidden=True)

    entries = catalogue.collect_entries(engine)
    assert {e.field("solution") for e in entries} == {"Fælles hjemmebesøg før opstart", "Forflytningskort i hvert hjem"}
    assert {e.room_id for e in entries} == {med.id, prep.id}
    by_solution = {e.field("solution"): e for e in entries}
    assert by_solution["Forflytningskort i hvert hjem"].contributor_role == "MANAGER"
    assert rooms.text(by_solution["Forflytningskort i hvert hjem"].topic_label, "en") == "Patient transfer and aids"

    assert [e.field("solution") for e in catalogue.filter_entries(entries, query="FORFLYTNINGSKORT hjem")] == [
        "Forflytningskort i hvert hjem"
    ]
    assert len(catalogue.filter_entries(entries, query="parorende")) == 1  # accents and ø/å folded
    assert len(catalogue.filter_entries(entries, sector="andet")) == 1
    assert len(catalogue.filter_entries(entries, topic="samarbejde med borgere og pårørende")) == 1
    assert len(catalogue.filter_entries(entries, programme="soroe-spredning")) == 2
    assert catalogue.filter_entries(entries, programme="bifrost") == []


def test_a_solution_from_one_room_is_shown_in_another_as_a_card_to_vote_on(engine, library, med):
    prep = rooms.open_room(engine, library, "soroe-spredning", "soroe-forberedelse")
    solutions.submit_solution(
        engine,
        prep,
        _join(engine, prep),
        _step(prep, "solution")["id"],
        _fields(solution="x" * 300),
        input_id=str(uuid.uuid4()),
    )
    entry = catalogue.collect_entries(engine)[0]
    cards_step = "soroe-med-s2"
    added = solutions.import_entries(engine, med, cards_step, [entry])
    again = solutions.import_entries(engine, med, cards_step, [entry])
    assert [a.id for a in added] == [a.id for a in again]
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, med.id, 0))
    shown = board.cards(cards_step)
    assert len(shown) == 1 and shown[0].participant_id is None
    assert shown[0].payload["on_behalf"] is True and shown[0].payload["imported_from"]["room_id"] == prep.id
    assert len(shown[0].payload["text"]) <= 200 and shown[0].payload["text"].endswith("…")
    # Brought-in copies are not new catalogue entries; a wrong step is refused with a message.
    assert len(catalogue.collect_entries(engine)) == 1
    with pytest.raises(rooms.Rejected):
        solutions.import_entries(engine, med, "soroe-med-s1", [entry])
    copied = solutions.import_entries(engine, med, "soroe-med-s7", [entry])
    assert copied[0].kind == "solution" and copied[0].payload["solution"] == "x" * 300
    assert len(catalogue.collect_entries(engine)) == 1


def test_the_html_catalogue_escapes_participant_text_and_loads_nothing_remote(engine, med):
    person = _join(engine, med)
    solutions.submit_solution(
        engine,
        med,
        person,
        _step(med, "solution")["id"],
        _fields(solution=HOSTILE, where='"><script>alert(1)</script>', topic=None),
        input_id=str(uuid.uuid4()),
    )
    page = catalogue.render_catalogue_html(catalogue.collect_entries(engine), language="da")
    assert "<img src=x" not in page and "<script>alert" not in page
    parser = parse_html(page)
    tags = [t for t, _a in parser.tags]
    assert tags.count("script") == 1 and tags.count("img") == 0
    assert not any(a.get("src") or (a.get("href") or "").startswith("http") for _t, a in parser.tags)
    assert HOSTILE in "".join(parser.text)
    articles = [a for t, a in parser.tags if t == "article"]
    assert len(articles) == 1 and articles[0]["data-sector"] == "velfaerd_offentlig"
    assert "Katalog over gode løsninger" in page


def test_the_catalogue_command_writes_html_and_json(engine, db_url, med, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BIFROST_DB_URL", db_url)
    solutions.submit_solution(
        engine, med, _join(engine, med), _step(med, "solution")["id"], _fields(), input_id=str(uuid.uuid4())
    )
    out = tmp_path / "katalog.html"
    assert cli.main(["catalogue", "-o", str(out)]) == 0
    assert "Fælles hjemmebesøg før opstart" in out.read_text(encoding="utf-8")
    assert "1 solutions from 1 rooms" in capsys.readouterr().out
    assert cli.main(["catalogue", "-o", str(tmp_path / "k.json"), "--json", "--sector", "finans"]) == 0
    assert (tmp_path / "k.json").read_text(encoding="utf-8").strip() == "[]"
    assert cli.main(["catalogue", "-o", str(out), "--sector", "rumfart"]) == 2


def test_demo_solutions_fill_every_solution_step(engine, library):
    import random

    prep = rooms.open_room(engine, library, "soroe-spredning", "soroe-opfoelgning")
    people = [_join(engine, prep) for _ in range(3)]
    assert solutions.fill_demo_solutions(engine, prep, people, rng=random.Random(1)) == 3
    topics = {e.topic for e in catalogue.collect_entries(engine)}
    names = {rooms.text(t, "da") for t in solutions.topic_options(_step(prep, "solution"))}
    assert topics <= names


def test_the_solution_form_saves_through_the_rules_and_shows_ones_own(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.ui import solution_widgets as solution_ui

    room = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-forberedelse")
    person = _join(sqlite_engine, room)
    step = _step(room, "solution")
    form = solution_ui.SolutionForm(sqlite_engine, room, person, step, "da", i18n.gettext_for("da"))
    form.send.click()
    assert "Udfyld venligst “Problem”." in form.message.value
    form.inputs["problem"].value = "Vikarer kender ikke hjemmet"
    form.inputs["solution"].value = HOSTILE
    form.inputs["contact_role"].value = "Teamleder"
    form.sector.value = "velfaerd_offentlig"
    form.topic.value = "Forflytning og hjælpemidler"
    form.send.click()
    assert "Tak!" in form.message.value and form.inputs["solution"].value == ""
    saved = solutions.solutions_of(store.list_inputs(sqlite_engine, room.id), step["id"])
    assert len(saved) == 1 and saved[0].payload["topic"] == "Forflytning og hjælpemidler"
    mine_html = "".join(getattr(c, "value", "") for row in form.mine.children for c in getattr(row, "children", [row]))
    assert "Dine løsninger (1)" in mine_html and "&lt;img src=x" in mine_html and "<img src=x" not in mine_html

    board = solution_ui.board_html(
        room, {i.id: i for i in saved}, step, "da", i18n.gettext_for("da"), lambda item: "EMPLOYEE_REP"
    )
    assert "&lt;img src=x" in board and "<img src=x" not in board and "Forflytning" in board


def test_the_import_panel_brings_entries_from_other_rooms(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.ui import solution_widgets as solution_ui

    prep = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-forberedelse")
    med = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    solutions.submit_solution(
        sqlite_engine,
        prep,
        _join(sqlite_engine, prep),
        _step(prep, "solution")["id"],
        _fields(),
        input_id=str(uuid.uuid4()),
    )
    panel = solution_ui.ImportPanel(
        sqlite_engine, med, rooms.step_by_id(med, "soroe-med-s2"), "da", i18n.gettext_for("da")
    )
    assert len(panel.select.options) == 1
    panel.button.click()
    assert "Vælg mindst én løsning" in panel.message.value
    panel.select.value = (panel.select.options[0][1],)
    panel.button.click()
    assert "1 løsninger blev hentet ind." in panel.message.value
    cards = [i for i in store.list_inputs(sqlite_engine, med.id) if i.kind == "card"]
    assert len(cards) == 1 and cards[0].payload["text"].startswith("Fælles hjemmebesøg før opstart")
    # Its own room's solutions are not offered again.
    assert (
        solution_ui.ImportPanel(sqlite_engine, prep, _step(prep, "solution"), "da", i18n.gettext_for("da")).entries
        == []
    )


def test_the_catalogue_exports_from_demo_data(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BIFROST_DB_URL", db_url)
    for programme, meeting in (
        ("soroe-spredning", "soroe-med"),
        ("aalborg-videnskorps", "aal-netvaerk"),
        ("bifrost", None),
    ):
        args = ["demo", "--programme", programme, "--participants", "4", "--seed", "3"]
        assert cli.main(args + (["--meeting", meeting] if meeting else [])) == 0
    out = tmp_path / "katalog.html"
    capsys.readouterr()
    assert cli.main(["catalogue", "-o", str(out)]) == 0  # demo data is left out unless asked for
    assert "Left out 6 invented solutions of 2 demo rooms; --include-demo" in capsys.readouterr().out
    assert cli.main(["catalogue", "-o", str(out), "--include-demo"]) == 0
    assert "6 solutions from 2 rooms" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert page.count('<article class="sol"') == 6 and page.count('class="tag tag-demo"') == 6
    assert 'data-programme="aalborg-videnskorps"' in page and 'data-programme="soroe-spredning"' in page
    store.dispose_all()


def test_the_import_panel_is_left_out_while_the_catalogue_is_empty(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.ui import solution_widgets as solution_ui

    med = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    assert (
        solution_ui.import_panel(
            sqlite_engine, med, rooms.step_by_id(med, "soroe-med-s2"), "da", i18n.gettext_for("da")
        )
        == []
    )


def test_the_moderator_can_enter_a_solution_on_behalf_of_the_room(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.ui import solution_widgets as solution_ui

    med = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    form = solution_ui.SolutionForm(
        sqlite_engine, med, None, rooms.step_by_id(med, "soroe-med-s7"), "da", i18n.gettext_for("da")
    )
    form.inputs["problem"].value, form.inputs["solution"].value = "Papirnote: travlt om morgenen", "Fast morgenmøde"
    form.send.click()
    saved = [i for i in store.list_inputs(sqlite_engine, med.id) if i.kind == "solution"]
    assert len(saved) == 1 and saved[0].participant_id is None and saved[0].payload["on_behalf"] is True


def test_the_catalogue_speaks_the_chosen_language(sqlite_engine, library):
    med = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    solutions.submit_solution(
        sqlite_engine,
        med,
        _join(sqlite_engine, med),
        _step(med, "solution")["id"],
        _fields(topic="Forflytning og hjælpemidler"),
        input_id=str(uuid.uuid4()),
    )
    entries = catalogue.collect_entries(sqlite_engine)
    english = catalogue.render_catalogue_html(entries, language="en")
    assert "Catalogue of good solutions" in english and "Patient transfer and aids" in english
    assert "Welfare / public sector" in english and 'lang="en"' in english
    assert 'value="Forflytning og hjælpemidler"' in english  # filter values stay the same in every language
    finnish = catalogue.render_catalogue_html(entries, language="fi")
    assert "Hyvinvointi / julkinen sektori" in finnish and 'lang="fi"' in finnish


def test_a_participant_edits_their_solution_in_the_form(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.ui import solution_widgets as solution_ui

    room = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-opfoelgning")
    person = _join(sqlite_engine, room)
    form = solution_ui.SolutionForm(sqlite_engine, room, person, _step(room, "solution"), "da", i18n.gettext_for("da"))
    form.inputs["problem"].value, form.inputs["solution"].value = "Tunge løft", "Loftlift i badeværelset"
    form.topic.value = "Forflytning og hjælpemidler"
    form.send.click()
    row = form.mine.children[1]
    edit_button = next(b for b in row.children[1].children if "bf-edit" in b._dom_classes)
    edit_button.click()
    assert form.inputs["solution"].value == "Loftlift i badeværelset" and form.send.description == "Gem ændring"
    assert form.topic.value == "Forflytning og hjælpemidler"
    form.inputs["solution"].value = "Loftlift i badeværelse og soveværelse"
    form.send.click()
    assert "Din løsning blev opdateret." in form.message.value and form.send.description == "Send løsning"
    saved = solutions.solutions_of(store.list_inputs(sqlite_engine, room.id), _step(room, "solution")["id"])
    assert [s.payload["solution"] for s in saved] == ["Loftlift i badeværelse og soveværelse"]


def test_the_knowledge_summary_lists_the_meetings_solutions(sqlite_url, library):
    from bifrost_lab.reports.export import export_room_html

    engine = store.connect(sqlite_url)
    med = rooms.open_room(engine, library, "soroe-spredning", "soroe-med")
    solutions.submit_solution(
        engine,
        med,
        _join(engine, med),
        _step(med, "solution")["id"],
        _fields(solution=HOSTILE),
        input_id=str(uuid.uuid4()),
    )
    other = rooms.open_room(engine, library, "bifrost", "bif-m1")
    store.dispose_all()
    page = export_room_html(med.id, db_url=sqlite_url)
    assert "Gode løsninger" in page and 'id="loesninger"' in page
    assert "&lt;img src=x" in page and "<img src=x" not in page
    assert "Arbejdsmiljørepræsentant" in page and "Samarbejde med borgere og pårørende" in page
    assert 'id="loesninger"' not in export_room_html(other.id, db_url=sqlite_url)
    store.dispose_all()


def test_the_import_panel_searches_the_catalogue(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.ui import solution_widgets as solution_ui

    prep = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-forberedelse")
    med = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med")
    for text in ("Velkomstbrev til pårørende", "Forflytningskort i hjemmet", "Fast morgenmøde"):
        solutions.submit_solution(
            sqlite_engine,
            prep,
            _join(sqlite_engine, prep),
            _step(prep, "solution")["id"],
            _fields(solution=text, problem="x", topic=None),
            input_id=str(uuid.uuid4()),
        )
    panel = solution_ui.ImportPanel(
        sqlite_engine, med, rooms.step_by_id(med, "soroe-med-s2"), "da", i18n.gettext_for("da")
    )
    assert len(panel.select.options) == 3
    panel.search.value = "PARORENDE"
    assert [label for label, _v in panel.select.options] == ["Velkomstbrev til pårørende (Hjemmeplejen Syd)"]
    panel.select.value = (panel.select.options[0][1],)
    panel.search.value = "morgenmøde"
    assert len(panel.select.options) == 2 and len(panel.select.value) == 1  # the chosen one stays
    panel.search.value = ""
    assert len(panel.select.options) == 3


# -- demo rooms (issue 15 §2): their solutions are invented and never pass for real ones


@pytest.fixture
def demo_room(engine, library):
    from bifrost_lab.demo import create_demo_room

    room = create_demo_room(engine, library, programme_id="soroe-spredning", meeting_id="soroe-med", participants=3)
    assert room.demo and any(i.kind == "solution" for i in store.list_inputs(engine, room.id))
    return room


def test_demo_rooms_stay_out_of_the_catalogue_unless_asked(engine, med, demo_room):
    solutions.submit_solution(
        engine, med, _join(engine, med), _step(med, "solution")["id"], _fields(), input_id=str(uuid.uuid4())
    )
    assert [e.room_id for e in catalogue.collect_entries(engine)] == [med.id]
    every = catalogue.collect_entries(engine, include_demo=True)
    assert {e.room_id: e.demo for e in every} == {med.id: False, demo_room.id: True}
    assert catalogue.find_entry(engine, next(e.id for e in every if e.demo)) is None
    real_page = catalogue.render_catalogue_html(catalogue.collect_entries(engine), language="da")
    assert "DEMO" not in real_page
    page = catalogue.render_catalogue_html(every, language="da")
    body = page[page.index("<body>") :]
    assert body.index(">DEMO – opdigtede data<") < body.index("<h1>")  # the first thing on the page
    assert page.count('class="tag tag-demo"') == sum(e.demo for e in every)  # and on each invented solution


def test_the_catalogue_command_leaves_demo_rooms_out_unless_asked(
    engine, db_url, med, demo_room, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("BIFROST_DB_URL", db_url)
    solutions.submit_solution(
        engine, med, _join(engine, med), _step(med, "solution")["id"], _fields(), input_id=str(uuid.uuid4())
    )
    invented = len([i for i in store.list_inputs(engine, demo_room.id) if i.kind == "solution"])
    out = tmp_path / "katalog.html"
    assert cli.main(["catalogue", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 solutions from 1 rooms" in said and f"Left out {invented} invented solutions of 1 demo rooms" in said
    assert "DEMO" not in out.read_text(encoding="utf-8")
    assert cli.main(["catalogue", "-o", str(out), "--include-demo", "--language", "en"]) == 0
    assert f"{invented + 1} solutions from 2 rooms" in capsys.readouterr().out
    assert "DEMO – invented data" in out.read_text(encoding="utf-8")
    assert cli.main(["catalogue", "-o", str(tmp_path / "k.json"), "--json", "--include-demo"]) == 0
    import json

    flags = [e["demo"] for e in json.loads((tmp_path / "k.json").read_text(encoding="utf-8"))]
    assert sorted(flags) == [False] + [True] * invented


def test_the_import_into_a_real_room_never_offers_or_takes_demo_solutions(sqlite_engine, library):
    from bifrost_lab import i18n
    from bifrost_lab.demo import create_demo_room
    from bifrost_lab.ui.solution_widgets import ImportPanel

    engine = sqlite_engine
    create_demo_room(engine, library, programme_id="soroe-spredning", meeting_id="soroe-forberedelse")
    prep = rooms.open_room(engine, library, "soroe-spredning", "soroe-forberedelse")
    solutions.submit_solution(
        engine, prep, _join(engine, prep), _step(prep, "solution")["id"], _fields(), input_id=str(uuid.uuid4())
    )
    real = rooms.open_room(engine, library, "soroe-spredning", "soroe-med")
    panel = ImportPanel(engine, real, rooms.step_by_id(real, "soroe-med-s2"), "da", i18n.gettext_for("da"))
    assert [e.room_id for e in panel.entries] == [prep.id]
    # Even when handed one (an entry read before, a forged call), a demo solution is refused.
    invented = next(e for e in catalogue.collect_entries(engine, include_demo=True) if e.demo)
    with pytest.raises(rooms.Rejected) as info:
        solutions.import_entries(engine, real, "soroe-med-s2", [invented])
    assert info.value.msgid == solutions.MSG_IMPORT_DEMO
    assert store.list_inputs(engine, real.id) == []
    # A demo room may try the import with demo solutions, shown as DEMO.
    demo_med = create_demo_room(engine, library, programme_id="soroe-spredning", meeting_id="soroe-med")
    panel = ImportPanel(engine, demo_med, rooms.step_by_id(demo_med, "soroe-med-s2"), "da", i18n.gettext_for("da"))
    assert any(label.startswith("DEMO · ") for label, _id in panel.options)
    assert solutions.import_entries(engine, demo_med, "soroe-med-s2", [invented])
