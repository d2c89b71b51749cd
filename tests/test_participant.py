"""The participant page in-process: real widgets on a real SQLite file, as a phone would use them (issue 22).

A wrong code says which characters codes leave out; the phone counts characters before the limit; the
moderator's role is not offered; the page shows one language at a time; a closed room says it has ended.
"""

from __future__ import annotations

import ipywidgets as w
import pytest
from helpers import in_loop, soup

from bifrost_lab import rooms, store
from bifrost_lab.ui.participant import ParticipantApp

CARD_STEP = "bif-m1-s3"


@pytest.fixture
def room(sqlite_engine, library) -> store.Room:
    return rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1", language="da")


@pytest.fixture
def page(sqlite_engine):
    """A participant page; pass `query` to `arrive` as the browser would report it."""
    made: list[ParticipantApp] = []

    def arrive(query: str = "", language: str = "da") -> ParticipantApp:
        app = ParticipantApp(sqlite_engine, language)
        made.append(app)
        app.bridge.query = query
        app.bridge.ready = True
        return app

    yield arrive
    for app in made:
        if app.feed is not None:
            app.feed.stop()


def message(app: ParticipantApp) -> str:
    return soup(app.message.value).get_text(" ", strip=True)


def join(app: ParticipantApp, role: str = "OHS_ADVISER") -> None:
    app.role_input.value = role
    app.join_button.click()
    assert app.me is not None, message(app)


def test_a_code_with_a_character_codes_never_use_says_which(page):
    app = page(language="en")
    app.code_input.value = "ABC123"
    app.code_button.click()
    said = message(app)
    assert "1" in said and "0, 1, I, O" in said and "6 letters" not in said
    app.code_input.value = "ABC"
    app.code_button.click()
    assert "6 letters and digits" in message(app) and "0, 1, I, O" in message(app)
    da = page(language="da")
    da.code_input.value = "ABC123"
    da.code_button.click()
    assert "aldrig bruger" in message(da) and "0, 1, I, O" in message(da)


def test_a_late_arrival_at_a_closed_room_is_told_the_meeting_has_ended(page, room, sqlite_engine):
    store.close_room(sqlite_engine, room.id)
    app = page(f"?code={room.join_code}", language="en")
    assert message(app) == "The meeting has ended. Thank you for taking part!"


def test_the_phone_does_not_offer_the_moderators_role(page, room):
    app = page(f"?code={room.join_code}")
    offered = [value for _label, value in app.role_input.options]
    assert rooms.FACILITATOR_ROLE in {r["id"] for r in room.content["roles"]}
    assert rooms.FACILITATOR_ROLE not in offered and "OHS_ADVISER" in offered and rooms.OTHER_ROLE in offered


@in_loop
def test_the_card_field_has_a_live_character_counter(page, room, sqlite_engine):
    store.set_step(sqlite_engine, room.id, 2)  # cards
    app = page(f"?code={room.join_code}&lang=en")
    join(app)
    html = [child.value for child in app.body.children if isinstance(child, w.HTML)]
    [counter] = [node for value in html for node in soup(value).select(".bf-char-count")]
    assert counter["data-for"] == "bf-card-input" and "bf-card-input" in app.card_input._dom_classes
    assert counter["data-limit"] == "140" and counter["data-template"] == "{n} of {limit} characters"
    assert counter.get_text() == "At most 140 characters"  # until the page counts


@in_loop
def test_a_finnish_phone_in_a_meeting_without_finnish_shows_one_language(page, room):
    app = page(f"?code={room.join_code}&lang=fi")
    assert app.language == "en" and app.join_button.description == "Join"  # not Finnish buttons
    assert [code for _label, code in app.language_switch.options] == ["da", "en"]  # no FI to choose
    header = soup(app.header.value)
    note = header.select_one(".bf-content-language")
    assert note is not None and note["lang"] == "fi" and "Suomi" in note.get_text() and "English" in note.get_text()
    assert header.select_one(".bf-brand").get_text() == rooms.text(room.content["meeting"]["title"], "en")
    roles = [label for label, value in app.role_input.options if value == "OHS_ADVISER"]
    assert roles == [rooms.role_label(room, "OHS_ADVISER", "en")]
    join(app)
    step = rooms.current_step(app.room)
    assert rooms.text(step["question"], "en") in app.body.children[0].value
    app.language_switch.value = "da"  # the participant's own choice: no note any more
    assert app.language == "da" and soup(app.header.value).select(".bf-content-language") == []


@in_loop
def test_a_finnish_phone_in_a_finnish_meeting_stays_finnish(page, sqlite_engine, library):
    room = rooms.open_room(sqlite_engine, library, "fioh-yhteistyo", "fi-tyopaja", language="fi")
    app = page(f"?code={room.join_code}", language="da")
    assert app.language == "fi" and [code for _label, code in app.language_switch.options] == ["da", "en", "fi"]
    assert soup(app.header.value).select(".bf-content-language") == []


@in_loop
def test_a_step_missing_in_the_pages_language_says_which_language_it_is_in(page, sqlite_engine, library):
    content = rooms.build_content(library, "bifrost", "bif-m1")
    content["meeting"]["steps"][0]["question"] = {"da": "Kun på dansk", "en": ""}
    made = store.create_room(
        sqlite_engine, programme_id="bifrost", meeting_id="bif-m1", content=content, content_hash="x", language="en"
    )
    app = page(f"?code={made.join_code}", language="en")
    join(app)
    intro = soup(app.body.children[0].value)
    assert "Kun på dansk" in intro.get_text()
    assert intro.select_one(".bf-content-language").get_text() == "Not yet translated: shown in Dansk."


@in_loop
def test_a_phone_in_a_closed_room_comes_back_when_it_is_reopened(page, room, sqlite_engine):
    app = page(f"?code={room.join_code}&lang=en")
    join(app)
    store.close_room(sqlite_engine, room.id)
    app._refresh_now()
    assert "The meeting has ended" in soup(app.body.children[0].value).get_text()
    assert app.feed is not None and not app.feed.stopped  # still following: the moderator may reopen
    rooms.reopen_room(sqlite_engine, store.get_room(sqlite_engine, room.id))
    app._refresh_now()
    assert "The meeting has ended" not in soup(app.body.children[0].value).get_text()
