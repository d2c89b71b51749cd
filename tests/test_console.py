"""The moderator console in-process: real widgets on a real SQLite file, clicked without a browser.

The way flaskr tests its views: each test builds the app on a fresh database, clicks its buttons
(`button.click()`, setting widget values) and checks the store and the HTML the page would show.
The board's HTML is also tested on its own (a pure function), with hostile participant text.
Playwright on the real servers (tests/e2e) covers what only a browser can show.
"""

from __future__ import annotations

import uuid

import pytest
from helpers import in_loop, in_loop_async, soup, widgets_with_class
from xss_payloads import PAYLOADS

from bifrost_lab import rooms, store
from bifrost_lab.inputs import rating
from bifrost_lab.ui.console.board import render_board
from bifrost_lab.ui.console.projector import join_url, stage_html, top_html
from bifrost_lab.ui.moderator import ModeratorApp
from bifrost_lab.ui.participant import ParticipantApp

CARD_STEP = "bif-m1-s3"  # cards in five columns (phases of a return to work)
PLENARY = "bif-m1-s6"  # no input: clusters the cards of the earlier card steps
WRAP_UP = "bif-m1-s8"  # cards without columns and a rating


def _stop(app) -> None:
    if app.feed is not None:
        app.feed.stop()


@pytest.fixture
def moderator(sqlite_url, sqlite_engine):
    """The moderator's page on a fresh database, after the browser has reported an empty query string."""
    app = ModeratorApp(sqlite_engine, sqlite_url, "en")
    app.bridge.ready = True
    yield app
    _stop(app)


@pytest.fixture
def phones(sqlite_engine):
    """Participant pages built in-process; each is stopped after the test."""
    made: list[ParticipantApp] = []

    def make(code: str, role: str = "OHS_ADVISER", name: str = "", consent: bool = False) -> ParticipantApp:
        phone = ParticipantApp(sqlite_engine, "en")
        made.append(phone)
        phone.bridge.query = f"?code={code}"
        phone.bridge.ready = True  # reads the code, shows the join form
        phone.role_input.value = role
        phone.name_input.value = name
        phone.consent_input.value = consent
        phone.join_button.click()
        assert phone.me is not None, phone.message.value
        return phone

    yield make
    for phone in made:
        _stop(phone)


def open_room(app: ModeratorApp, programme: str = "bifrost", meeting: str = "bif-m1") -> store.Room:
    start = app.start
    assert start is not None
    start.programme_input.value = programme
    start.meeting_input.value = meeting
    start.room_language.value = "en"
    start.open_button.click()
    assert app.room is not None and app.console is not None, app.status.value
    return app.room


def go_to(app: ModeratorApp, step_id: str) -> dict:
    """Click "Next" until the room is at `step_id`."""
    assert app.console is not None and app.room is not None
    for _ in rooms.steps(app.room):
        if rooms.current_step(app.room)["id"] == step_id:
            return rooms.current_step(app.room)
        app.console.bar.next_button.click()
    raise AssertionError(f"no step {step_id}")


def board(app: ModeratorApp):
    assert app.console is not None
    return soup(app.console.preview.board_view.value)


def status_text(app: ModeratorApp) -> str:
    return soup(app.status.value).get_text(" ", strip=True)


def card_texts(html_tree, selector: str = ".bf-board-card .bf-card-text") -> list[str]:
    """The text of each card as typed (a line break is shown as <br>)."""
    texts = []
    for node in html_tree.select(selector):
        for br in node.find_all("br"):
            br.replace_with("\n")
        texts.append(node.get_text())
    return texts


def stored(engine, room: store.Room) -> store.Room:
    found = store.get_room(engine, room.id)
    assert found is not None
    return found


def add_card(engine, room: store.Room, person, text: str, column: int | None = 0) -> store.Input:
    return rooms.submit_card(engine, room, person, CARD_STEP, text, column=column, input_id=str(uuid.uuid4()))


# ----------------------------------------------------------------------------------------------
# Start screen


@in_loop
def test_the_start_screen_opens_a_room_and_lists_it_for_resuming(moderator, sqlite_url, sqlite_engine, library):
    assert moderator.start is not None and moderator.console is None
    programmes = [value for _label, value in moderator.start.programme_input.options]
    assert "bifrost" in programmes and len(programmes) == len(library.programmes)
    moderator.start.programme_input.value = "bifrost"
    meetings = [value for _label, value in moderator.start.meeting_input.options]
    assert meetings == [m.id for m in library.programme("bifrost").meetings]

    room = open_room(moderator, meeting="bif-m2")

    [summary] = store.list_rooms(sqlite_engine, status="open")
    assert summary.room.id == room.id and room.meeting_id == "bif-m2" and room.language == "en"
    assert "bf-console-view" in moderator.root._dom_classes and "bf-projecting" in moderator.root._dom_classes
    assert widgets_with_class(moderator.root, "bf-console") and widgets_with_class(moderator.root, "bf-controls")
    join = soup(moderator.console.preview.join_panel.value)
    assert join.select_one(".bf-join-code").get_text() == room.join_code
    assert join.select_one(".bf-qr svg") is not None
    stage = soup(moderator.console.preview.stage.value)
    assert stage.select_one(".bf-proj-title").get_text() == rooms.text(rooms.steps(room)[0]["title"], "en")

    # another moderator page (a reload) offers the open room and resumes it where it is
    store.set_step(sqlite_engine, room.id, 2)
    other = ModeratorApp(sqlite_engine, sqlite_url, "en")
    other.bridge.ready = True
    try:
        [row] = widgets_with_class(other.root, "bf-resume-row")
        assert room.join_code in soup(row.children[0].value).get_text()
        widgets_with_class(row, "bf-resume")[0].click()
        assert other.room is not None and other.room.id == room.id and other.room.step_index == 2
        back = widgets_with_class(other.root, "bf-back")[0]
        back.click()
        assert other.console is None and other.start is not None and other.feed is None
    finally:
        _stop(other)


@in_loop
def test_a_room_the_store_refuses_to_open_shows_a_message_not_a_traceback(moderator):
    assert moderator.start is not None
    moderator.start.programme_input.value = "bifrost"
    moderator.start.meeting_input.options = [("gone", "no-such-meeting")]
    moderator.start.open_button.click()
    assert moderator.console is None
    assert "bf-msg-error" in moderator.status.value and status_text(moderator)


# ----------------------------------------------------------------------------------------------
# Step and timer bar


@in_loop
def test_next_and_previous_move_the_room_and_the_page(moderator, sqlite_engine):
    room = open_room(moderator)
    bar = moderator.console.bar
    steps = rooms.steps(room)
    bar.next_button.click()
    bar.next_button.click()
    assert stored(sqlite_engine, room).step_index == 2
    title = soup(moderator.console.preview.stage.value).select_one(".bf-proj-title").get_text()
    assert title == rooms.text(steps[2]["title"], "en")
    meta = [m.get_text() for m in soup(moderator.console.preview.top.value).select(".bf-meta-item")]
    assert meta[0] == f"Step 3 of {len(steps)}"
    bar.previous_button.click()
    assert stored(sqlite_engine, room).step_index == 1
    for _ in range(3):
        bar.previous_button.click()
    assert stored(sqlite_engine, room).step_index == 0  # not before the first step


@in_loop
def test_the_timer_starts_pauses_and_gets_more_time(moderator, sqlite_engine):
    room = open_room(moderator)
    bar, countdown = moderator.console.bar, moderator.console.preview.countdown
    assert not stored(sqlite_engine, room).timer_running and bar.timer_button.description == "Start timer"
    bar.timer_button.click()
    assert stored(sqlite_engine, room).timer_running and countdown.running
    assert bar.timer_button.description == "Pause timer"
    before = stored(sqlite_engine, room).timer_remaining
    widgets_with_class(bar.box, "bf-timer-plus")[0].click()
    widgets_with_class(bar.box, "bf-timer-plus5")[0].click()
    assert stored(sqlite_engine, room).timer_remaining == pytest.approx(before + 360, abs=5)
    bar.timer_button.click()
    assert not stored(sqlite_engine, room).timer_running and not countdown.running
    assert bar.timer_button.description == "Start timer"


# ----------------------------------------------------------------------------------------------
# Reveal, lock, names; closing


@in_loop
def test_results_stay_off_the_projector_until_revealed(moderator, sqlite_engine):
    room = open_room(moderator)  # the first step asks for a rating
    step = rooms.current_step(room)
    for _ in range(3):  # a whole block of three, so the figures have something to show
        person, _token = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
        rating.save(sqlite_engine, room, person, step["id"], {"0": 4})
    moderator.refresh()
    # the console shows the results, marked as not yet shown; the projector shows who has answered
    assert board(moderator).select_one(".bf-results .bf-console-note") is not None
    projected = soup(render_board(moderator.room, moderator.board, step, "en"))
    assert projected.select(".bf-results") == []
    assert projected.select_one(".bf-waiting-count").get_text() == "3 of 3 have answered"

    bar = moderator.console.bar
    assert bar.reveal_button.description == "Reveal results"
    bar.reveal_button.click()
    room = stored(sqlite_engine, room)
    assert rooms.results_revealed(room, step) and bar.reveal_button.description == "Hide results"
    projected = soup(render_board(room, moderator.board, step, "en"))
    assert projected.select_one(".bf-results") is not None and projected.select(".bf-waiting") == []
    assert board(moderator).select(".bf-console-note") == []
    bar.reveal_button.click()
    assert not rooms.results_revealed(stored(sqlite_engine, room), step)


@in_loop
def test_locking_a_step_stops_new_cards_until_unlocked(moderator, sqlite_engine):
    room = open_room(moderator)
    step = go_to(moderator, CARD_STEP)
    person, _token = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    bar = moderator.console.bar
    bar.lock_button.click()
    room = stored(sqlite_engine, room)
    assert rooms.step_state(room, step["id"])["locked"] and bar.lock_button.description == "Unlock input"
    with pytest.raises(rooms.Rejected):
        add_card(sqlite_engine, room, person, "Too late")
    bar.lock_button.click()
    room = stored(sqlite_engine, room)
    assert not rooms.step_state(room, step["id"])["locked"] and bar.lock_button.description == "Lock input"
    add_card(sqlite_engine, room, person, "In time")


@in_loop
def test_names_show_only_with_consent_and_until_the_moderator_hides_them(moderator, sqlite_engine):
    room = open_room(moderator)
    step = go_to(moderator, CARD_STEP)
    named, _t = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER", display_name="Hanne", name_consent=True)
    shy, _t = rooms.join_room(sqlite_engine, room, role="SME_MANAGER", display_name="Svend", name_consent=False)
    add_card(sqlite_engine, room, named, "With a name")
    add_card(sqlite_engine, room, shy, "Without a name", column=1)
    moderator.refresh()
    labels = [n.get_text() for n in board(moderator).select(".bf-board-card .bf-role-tag")]
    assert any("Hanne" in label for label in labels) and not any("Svend" in label for label in labels)
    moderator.console.bar.anonymous_button.click()
    assert not rooms.names_shown(stored(sqlite_engine, room), step)
    assert moderator.console.bar.anonymous_button.description == "Show names in this step"
    assert not any("Hanne" in n.get_text() for n in board(moderator).select(".bf-role-tag"))


# ----------------------------------------------------------------------------------------------
# Moderation, clusters, undo


@in_loop
def test_hiding_a_card_takes_it_off_the_projector_and_undo_brings_it_back(moderator, sqlite_engine):
    room = open_room(moderator)
    step = go_to(moderator, CARD_STEP)  # cards are shown as they arrive
    person, _t = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    keep = add_card(sqlite_engine, room, person, "Keep me")
    rude = add_card(sqlite_engine, room, person, "Something rude", column=1)
    moderator.refresh()
    moderation = moderator.console.moderation
    assert [value for _label, value in moderation.moderate_pick.options] == [keep.id, rude.id]
    moderation.moderate_pick.value = rude.id
    widgets_with_class(moderation.box, "bf-hide-card")[0].click()

    hidden = {i.id: i.hidden for i in store.list_inputs(sqlite_engine, room.id)}
    assert hidden == {keep.id: False, rude.id: True}
    console_cards = board(moderator).select(".bf-board-card")
    assert [c.select_one(".bf-card-text").get_text() for c in console_cards] == ["Keep me", "Something rude"]
    assert "bf-card-hidden" in console_cards[1]["class"] and console_cards[1].select_one(".bf-card-marker")
    assert moderation.moderate_pick.options[1][0].startswith("⊘ ")
    projected = soup(render_board(moderator.room, moderator.board, step, "en"))
    assert card_texts(projected) == ["Keep me"]

    undo = moderator.console.undo.button
    assert undo.description == "Undo: hide card" and not undo.disabled
    widgets_with_class(moderation.box, "bf-hide-card")[0].click()  # the same button shows it again
    assert not any(i.hidden for i in store.list_inputs(sqlite_engine, room.id))
    assert card_texts(soup(render_board(moderator.room, moderator.board, step, "en"))) == ["Keep me", "Something rude"]
    assert undo.description == "Undo: show card"
    undo.click()
    assert [i.hidden for i in store.list_inputs(sqlite_engine, room.id)] == [False, True]
    undo.click()
    assert not any(i.hidden for i in store.list_inputs(sqlite_engine, room.id))
    assert undo.disabled and undo.description == "Undo"


@in_loop
def test_clusters_are_made_from_selected_cards_merged_and_undone(moderator, sqlite_engine):
    room = open_room(moderator)
    go_to(moderator, CARD_STEP)
    person, _t = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    cards = [add_card(sqlite_engine, room, person, f"Card {n}", column=n) for n in range(3)]
    step = go_to(moderator, PLENARY)  # the plenary clusters the cards of the earlier steps
    panel = moderator.console.clusters
    assert panel.box.layout.display is None
    assert [value for _label, value in panel.cluster_cards.options] == [c.id for c in cards]

    panel.cluster_cards.value = (cards[0].id, cards[1].id)
    panel.cluster_name.value = "Dialogue"
    widgets_with_class(panel.box, "bf-cluster-new")[0].click()
    panel.cluster_cards.value = (cards[2].id,)
    panel.cluster_name.value = "Contact <b>person</b>"
    widgets_with_class(panel.box, "bf-cluster-new")[0].click()

    clusters = store.list_clusters(sqlite_engine, room.id, step["id"])
    assert [c.label for c in clusters] == ["Dialogue", "Contact <b>person</b>"]
    members = {i.id: i.cluster_id for i in store.list_inputs(sqlite_engine, room.id)}
    assert members == {cards[0].id: clusters[0].id, cards[1].id: clusters[0].id, cards[2].id: clusters[1].id}
    lanes = board(moderator).select(".bf-clusters .bf-cluster")
    titles = [lane.select_one(".bf-lane-title").contents[0] for lane in lanes]
    assert titles == ["Dialogue", "Contact <b>person</b>"]  # a label is text, never markup
    assert [lane.select_one(".bf-cluster-n").get_text() for lane in lanes] == ["2", "1"]
    assert panel.cluster_pick.value == clusters[1].id  # the new cluster is picked

    panel.cluster_merge_into.value = clusters[0].id
    widgets_with_class(panel.box, "bf-cluster-merge")[0].click()
    [merged] = store.list_clusters(sqlite_engine, room.id, step["id"])
    assert merged.id == clusters[0].id
    assert {i.cluster_id for i in store.list_inputs(sqlite_engine, room.id)} == {merged.id}
    assert [lane.select_one(".bf-cluster-n").get_text() for lane in board(moderator).select(".bf-cluster")] == ["3"]

    moderator.console.undo.button.click()
    assert len(store.list_clusters(sqlite_engine, room.id, step["id"])) == 2
    assert store.list_inputs(sqlite_engine, room.id)[2].cluster_id == clusters[1].id


# ----------------------------------------------------------------------------------------------
# Input on behalf of the room, notes, evidence


@in_loop
def test_a_card_on_behalf_of_the_room_goes_in_its_column_marked_as_the_moderators(moderator, sqlite_engine):
    room = open_room(moderator)
    step = go_to(moderator, CARD_STEP)
    behalf = moderator.console.behalf
    assert behalf.behalf_text is not None and behalf.behalf_column is not None
    assert behalf.behalf_box.layout.display is None
    behalf.behalf_column.value = 2
    behalf.behalf_text.value = "From a paper note"
    widgets_with_class(behalf.behalf_box, "bf-behalf-add")[0].click()

    [card] = store.list_inputs(sqlite_engine, room.id, step_id=step["id"])
    assert card.participant_id is None and card.payload == {"text": "From a paper note", "column": 2, "on_behalf": True}
    assert behalf.behalf_text.value == "" and status_text(moderator) == "Added for the room."
    lanes = board(moderator).select(".bf-lanes .bf-lane")
    assert [card_texts(lane) for lane in lanes] == [[], [], ["From a paper note"], [], []]
    assert lanes[2].select_one(".bf-role-tag").get_text() == "Entered by the moderator"


@in_loop
def test_a_rating_on_behalf_of_the_room_is_saved_and_the_form_starts_again(moderator, sqlite_engine):
    room = open_room(moderator)  # the first step asks for a rating
    behalf = moderator.console.behalf
    [scale] = widgets_with_class(behalf.behalf_box, "bf-rate-buttons")
    scale.value = "4"
    widgets_with_class(behalf.behalf_box, "bf-section-save")[0].click()
    [rating] = store.list_inputs(sqlite_engine, room.id)
    assert rating.participant_id is None and rating.kind == "rating" and rating.payload["ratings"] == {"0": 4}
    assert status_text(moderator) == "Added for the room."
    [fresh] = widgets_with_class(behalf.behalf_box, "bf-rate-buttons")
    assert fresh is not scale and fresh.value is None  # a clean form for the next paper note


@in_loop
def test_a_note_is_saved_with_its_step_and_shown_again_there(moderator, sqlite_engine):
    room = open_room(moderator)
    notes = moderator.console.notes
    notes.notes_input.value = "The managers were quiet"
    notes.save_button.click()
    first = rooms.steps(room)[0]["id"]
    assert rooms.step_state(stored(sqlite_engine, room), first)["note"] == "The managers were quiet"
    assert status_text(moderator) == "Note saved."
    moderator.console.bar.next_button.click()
    assert notes.notes_input.value == ""
    moderator.console.bar.previous_button.click()
    assert notes.notes_input.value == "The managers were quiet"


@in_loop
def test_evidence_cards_one_at_a_time_and_cards_to_verify_only_when_asked(moderator, sqlite_engine):
    room = open_room(moderator)  # the first step has evidence cards, two of them still to be verified
    step = rooms.current_step(room)
    cards = [room.content["cards"][c] for c in step["evidence_cards"]]
    evidence = moderator.console.evidence
    assert evidence.box.layout.display is None and evidence.evidence_mode.value == "off"
    evidence.evidence_mode.value = "grid"
    room = stored(sqlite_engine, room)
    assert rooms.step_state(room, step["id"])["evidence"] == "grid"
    console_labels = [n.get_text() for n in board(moderator).select(".bf-ev-card .bf-ev-label")]
    assert len(console_labels) == len(cards) and len(board(moderator).select(".bf-badge-verify")) == 2
    projected = soup(render_board(room, moderator.board, step, "en"))
    assert len(projected.select(".bf-ev-card")) == len(cards) - 2

    evidence.unverified_input.value = True
    room = stored(sqlite_engine, room)
    assert len(soup(render_board(room, moderator.board, step, "en")).select(".bf-ev-card")) == len(cards)

    widgets_with_class(evidence.box, "bf-ev-next")[0].click()
    room = stored(sqlite_engine, room)
    assert rooms.step_state(room, step["id"])["evidence"] == "one" and evidence.evidence_mode.value == "one"
    [shown] = board(moderator).select(".bf-ev-one .bf-ev-card")
    assert shown.select_one(".bf-ev-label").get_text() == rooms.text(cards[1]["label"], "en")


# ----------------------------------------------------------------------------------------------
# A phone and the projector


@in_loop
def test_a_card_sent_from_a_phone_reaches_the_console_and_the_projector(moderator, phones, sqlite_url, sqlite_engine):
    room = open_room(moderator)
    go_to(moderator, CARD_STEP)
    phone = phones(room.join_code, role="OHS_ADVISER")
    assert phone.room is not None and rooms.current_step(phone.room)["id"] == CARD_STEP
    phone.column_input.value = 1
    phone.card_input.value = '<img src=x onerror="window.__xss=1"> We call after a week'
    phone.submit_button.click()
    assert "bf-msg-ok" in phone.message.value

    moderator.refresh()  # what the console's feed does on its next poll
    [lane] = [lane for lane in board(moderator).select(".bf-lane") if card_texts(lane)]
    assert card_texts(lane) == ['<img src=x onerror="window.__xss=1"> We call after a week']
    assert board(moderator).select("img") == []
    assert lane.select_one(".bf-role-tag").get_text() == rooms.role_label(room, "OHS_ADVISER", "en")
    people = [m.get_text() for m in soup(moderator.console.preview.top.value).select(".bf-meta-item")]
    assert "1 participant" in people and "1 of 1 have answered" in people

    projector = ModeratorApp(sqlite_engine, sqlite_url, "da")
    projector.bridge.query = f"?view=projector&room={room.id}&look=dark"
    projector.bridge.ready = True
    try:
        assert projector.projector is not None and projector.console is None
        assert {"bf-projector-view", "bf-theme-dark", "bf-projecting"} <= set(projector.root._dom_classes)
        assert projector.body.children == tuple(projector.projector.widgets)
        assert not widgets_with_class(projector.root, "bf-controls")  # no moderator controls on the projector
        projected = soup(projector.projector.board_view.value)
        assert card_texts(projected) == ['<img src=x onerror="window.__xss=1"> We call after a week']
        assert projector.language == "en"  # the room's language, not the page's default
    finally:
        _stop(projector)


# ----------------------------------------------------------------------------------------------
# The board and the projector's HTML as pure functions: participant text is escaped


@pytest.fixture
def wrap_up(sqlite_engine, library):
    """A room at its last step (cards without columns, a rating) with hostile cards, names and clusters."""
    room = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1", language="en")
    room = store.set_step(
        sqlite_engine, room.id, next(i for i, s in enumerate(rooms.steps(room)) if s["id"] == WRAP_UP)
    )
    step = rooms.current_step(room)
    names = [payload[: rooms.NAME_MAX_CHARS] for payload in PAYLOADS[:8]]
    texts = []
    for n, payload in enumerate(PAYLOADS):
        person, _token = rooms.join_room(
            sqlite_engine, room, role="OHS_ADVISER", display_name=names[n % len(names)], name_consent=True
        )
        try:
            made = rooms.submit_card(sqlite_engine, room, person, step["id"], payload)
        except rooms.Rejected:
            continue  # refused as invalid input (tests/test_security.py): never shown
        texts.append(made.payload["text"])
    room = store.set_step_state(sqlite_engine, room.id, step["id"], revealed=True)
    board_ = rooms.Board.empty()
    board_.apply(store.changes_since(sqlite_engine, room.id, 0))
    return room, board_, step, texts


def _assert_inert(tree) -> None:
    """No element or attribute that could run or load anything came out of participant text."""
    assert tree.select("script, img, iframe, object, embed, svg, math, a, form, meta, body, input, video") == []
    for element in tree.find_all(True):
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.name, name)
            assert "javascript:" not in str(value), (element.name, name)


@pytest.mark.parametrize("console", [False, True], ids=["projector", "console"])
def test_the_board_shows_hostile_participant_text_as_text(wrap_up, console):
    room, board_, step, texts = wrap_up
    assert len(texts) > len(PAYLOADS) / 2
    html = render_board(room, board_, step, "en", console=console)
    tree = soup(html)
    _assert_inert(tree)
    assert card_texts(tree) == texts  # every card, exactly as typed
    labels = [n.get_text() for n in tree.select(".bf-role-tag")]
    assert labels and all(label.startswith(rooms.role_label(room, "OHS_ADVISER", "en")) for label in labels)
    assert any(PAYLOADS[0][: rooms.NAME_MAX_CHARS] in label for label in labels)  # a consented name is text too


def test_cluster_names_on_the_board_are_text(wrap_up, sqlite_engine):
    room, board_, step, texts = wrap_up
    ids = [i.id for i in board_.cards(step["id"])]
    for n, payload in enumerate(PAYLOADS[:6]):
        rooms.create_cluster(sqlite_engine, room, step["id"], payload[:80], input_ids=ids[n : n + 1])
    board_.apply(store.changes_since(sqlite_engine, room.id, 0))
    tree = soup(render_board(room, board_, step, "en"))
    _assert_inert(tree)
    titles = [lane.select_one(".bf-lane-title").contents[0] for lane in tree.select(".bf-cluster")]
    assert titles == [c.label for c in board_.step_clusters(step["id"])]


def test_hidden_cards_and_unrevealed_results_are_the_consoles_alone(wrap_up, sqlite_engine):
    room, board_, step, texts = wrap_up
    first = board_.cards(step["id"])[0]
    rooms.hide_input(sqlite_engine, first.id)
    room = store.set_step_state(sqlite_engine, room.id, step["id"], revealed=False)
    board_.apply(store.changes_since(sqlite_engine, room.id, 0))
    projected = soup(render_board(room, board_, step, "en"))
    assert projected.select(".bf-board-card") == [] and len(projected.select(".bf-waiting")) == 1  # once a step
    console = soup(render_board(room, board_, step, "en", console=True))
    assert len(console.select(".bf-card-hidden")) == 1 and len(card_texts(console)) == len(texts)
    assert len(console.select(".bf-console-note")) == 2
    anchors = console.select_one(".bf-results .bf-results-title")  # two inputs: the rating says what its scale means
    assert anchors is not None and " – " in anchors.get_text()


def test_the_projector_header_and_stage_escape_what_they_show(wrap_up, monkeypatch):
    room, board_, step, texts = wrap_up
    hostile = {**step, "title": PAYLOADS[0], "question": PAYLOADS[8]}
    stage = soup(stage_html(hostile, "en"))
    _assert_inert(stage)
    assert stage.select_one(".bf-proj-title").get_text() == PAYLOADS[0]
    top = soup(top_html(room, board_, step, "en"))
    assert [m.get_text() for m in top.select(".bf-meta-item")][0] == f"Step {room.step_index + 1} of 8"
    monkeypatch.setenv("BIFROST_PARTICIPANT_URL", "https://lab.example.dk/join?event=7")
    assert join_url("K7P2QX") == "https://lab.example.dk/join?event=7&code=K7P2QX"


# ----------------------------------------------------------------------------------------------
# Structure


def test_every_console_attribute_starts_in_init():
    """A panel's state is readable in its __init__: an attribute first set elsewhere starts there as None/empty."""
    import ast
    from pathlib import Path

    import bifrost_lab.ui.console
    import bifrost_lab.ui.moderator

    files = [*Path(bifrost_lab.ui.console.__file__).parent.glob("*.py"), Path(bifrost_lab.ui.moderator.__file__)]
    late = []
    for path in files:
        for cls in (n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)):
            assigned: dict[str, set[str]] = {}
            for method in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
                for node in ast.walk(method):
                    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                    for target in targets:
                        for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                                assigned.setdefault(method.name, set()).add(t.attr)
            in_init = assigned.get("__init__", set())
            late += [f"{path.name}: {cls.name}.{m} sets {a}" for m, names in assigned.items() for a in names - in_init]
    assert late == []


# ----------------------------------------------------------------------------------------------
# Issue 22 §1: ending and finding a meeting


def close_room(app: ModeratorApp) -> None:
    """ "Close room…", then "Yes, close the room"."""
    assert app.console is not None
    actions = app.console.actions
    actions.close_button.click()
    actions.confirm_close.click()


@in_loop
def test_closing_asks_first_and_is_not_next_to_the_summary(moderator, sqlite_engine):
    room = open_room(moderator)
    actions = moderator.console.actions
    assert not widgets_with_class(moderator.console.bar.box, "bf-close-room")  # not in the step bar
    assert actions.summary.box in actions.box.children and actions.closing in actions.box.children
    actions.close_button.click()
    assert stored(sqlite_engine, room).is_open  # asked, not done
    assert actions.confirm_box.layout.display is None and actions.close_button.layout.display == "none"
    assert "reopen" in soup(actions.confirm_box.children[0].value).get_text()
    actions.cancel_close.click()
    assert stored(sqlite_engine, room).is_open and actions.close_button.layout.display is None
    close_room(moderator)
    assert stored(sqlite_engine, room).status == "closed"
    assert "reopen it until" in soup(actions.closed_note.value).get_text()
    assert "Closed at" in soup(actions.room_line.value).get_text()
    assert actions.reopen_button.layout.display is None and actions.close_button.layout.display == "none"


@in_loop
def test_a_closed_room_can_be_reopened_and_its_code_works_again(moderator, sqlite_engine):
    room = open_room(moderator)
    close_room(moderator)
    with pytest.raises(rooms.Rejected) as ended:
        rooms.find_room_by_code(sqlite_engine, room.join_code)
    assert ended.value.msgid == rooms.MSG_ROOM_CLOSED  # a late arrival is told the meeting has ended
    moderator.console.actions.reopen_button.click()
    assert stored(sqlite_engine, room).is_open
    assert rooms.find_room_by_code(sqlite_engine, room.join_code).id == room.id
    assert moderator.console.actions.closed_note.value == "" and moderator.console.actions.reopen_button.layout.display
    join = soup(moderator.console.preview.join_panel.value)
    assert join.select_one(".bf-join-code").get_text() == room.join_code


@in_loop
def test_a_room_closed_long_ago_cannot_be_reopened(moderator, sqlite_engine, monkeypatch):
    room = open_room(moderator)
    close_room(moderator)
    monkeypatch.setenv("BIFROST_REOPEN_MINUTES", "0")
    moderator.refresh()
    assert moderator.console.actions.reopen_button.layout.display == "none"
    with pytest.raises(rooms.Rejected):
        rooms.reopen_room(sqlite_engine, stored(sqlite_engine, room))


@in_loop
def test_the_projector_of_a_closed_room_says_so_and_hides_the_code(moderator, sqlite_url, sqlite_engine):
    room = open_room(moderator)
    projector = ModeratorApp(sqlite_engine, sqlite_url, "da")
    projector.bridge.query = f"?view=projector&room={room.id}"
    projector.bridge.ready = True
    try:
        assert room.join_code in projector.projector.join_panel.value
        close_room(moderator)
        projector.refresh()  # what its feed does on the next poll
        join = soup(projector.projector.join_panel.value)
        assert room.join_code not in str(join) and join.select(".bf-qr, svg") == []
        assert join.get_text() == "The meeting has ended. Thank you for taking part!"
        assert room.join_code not in soup(moderator.console.preview.join_panel.value).get_text()  # nor the preview
    finally:
        _stop(projector)


@in_loop
def test_the_start_page_lists_closed_rooms_with_their_summaries(moderator, sqlite_url, sqlite_engine):
    room = open_room(moderator)
    close_room(moderator)
    other = ModeratorApp(sqlite_engine, sqlite_url, "en")
    other.bridge.ready = True
    try:
        assert not widgets_with_class(other.root, "bf-resume-row")  # no open room
        [row] = widgets_with_class(other.root, "bf-closed-row")
        assert room.join_code in soup(row.children[0].value).get_text() and "closed" in row.children[0].value
        assert widgets_with_class(row, "bf-export") and widgets_with_class(row, "bf-export-hidden")
        widgets_with_class(row, "bf-show-room")[0].click()  # its console, with the summary and "Reopen"
        assert other.room is not None and other.room.id == room.id and not other.room.is_open
        assert other.console is not None and other.console.actions.reopen_button.layout.display is None
        widgets_with_class(other.root, "bf-back")[0].click()
        [row] = widgets_with_class(other.root, "bf-closed-row")
        widgets_with_class(row, "bf-reopen-room")[0].click()  # reopened from the start page
        assert stored(sqlite_engine, room).is_open and other.console is not None
    finally:
        _stop(other)


# ----------------------------------------------------------------------------------------------
# Issue 22 §2: the console does what it says, and no more


@in_loop
def test_on_load_a_meeting_is_chosen_so_open_room_just_works(moderator, library):
    start = moderator.start
    first = library.programme(start.programme_input.value).meetings[0]
    assert start.meeting_input.value == first.id  # not blank
    start.open_button.click()
    assert moderator.room is not None and moderator.room.meeting_id == first.id
    assert "bf-msg-error" not in moderator.status.value


@in_loop
def test_an_error_on_the_start_screen_does_not_follow_into_the_room(moderator):
    moderator.start.meeting_input.options = [("gone", "no-such-meeting")]
    moderator.start.open_button.click()
    assert "bf-msg-error" in moderator.status.value
    open_room(moderator)
    assert moderator.status.value == ""


@in_loop
def test_a_status_line_stays_with_its_step_and_room(moderator):
    open_room(moderator)
    moderator.console.notes.notes_input.value = "Quiet managers"
    moderator.console.notes.save_button.click()
    assert status_text(moderator) == "Note saved."
    moderator.console.bar.next_button.click()
    assert status_text(moderator) == ""
    moderator.console.notes.save_button.click()
    widgets_with_class(moderator.root, "bf-back")[0].click()
    assert status_text(moderator) == ""


@in_loop
def test_lock_and_reveal_appear_only_on_steps_that_take_input(moderator):
    open_room(moderator)  # a rating
    bar = moderator.console.bar
    assert bar.lock_button.layout.display is None and bar.reveal_button.layout.display is None
    bar.next_button.click()  # evidence, no input
    assert bar.lock_button.layout.display == "none" and bar.reveal_button.layout.display == "none"
    assert bar.anonymous_button.layout.display == "none"  # no cards: no names to hide
    go_to(moderator, CARD_STEP)
    assert bar.lock_button.layout.display is None and bar.anonymous_button.layout.display is None
    go_to(moderator, "bif-m1-s4")  # the break
    assert bar.lock_button.layout.display == "none" and bar.reveal_button.layout.display == "none"


@in_loop
def test_checkboxes_in_the_console_take_the_width_of_their_label(moderator):
    open_room(moderator)
    boxes = [
        moderator.console.evidence.unverified_input,
        moderator.console.actions.hide_names,
        moderator.console.actions.summary.include_hidden,
    ]
    assert all(box.layout.width == "auto" for box in boxes)  # ipywidgets' default cut "…for r…"


@in_loop
def test_undo_reaches_only_into_the_step_shown(moderator, sqlite_engine):
    room = open_room(moderator)
    go_to(moderator, CARD_STEP)
    person, _t = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    rude = add_card(sqlite_engine, room, person, "Something rude")
    moderator.refresh()
    moderator.console.moderation.moderate_pick.value = rude.id
    widgets_with_class(moderator.console.moderation.box, "bf-hide-card")[0].click()
    undo = moderator.console.undo.button
    assert not undo.disabled
    moderator.console.bar.next_button.click()
    assert undo.disabled and undo.description == "Undo"
    undo.click()
    assert store.list_inputs(sqlite_engine, room.id)[0].hidden  # step 3's edit stays
    moderator.console.bar.previous_button.click()
    assert not undo.disabled and undo.description == "Undo: hide card"
    undo.click()
    assert not store.list_inputs(sqlite_engine, room.id)[0].hidden


@in_loop
def test_every_step_starts_paused_and_stepping_back_keeps_the_time_left(moderator, sqlite_engine):
    room = open_room(moderator)
    bar = moderator.console.bar
    assert not stored(sqlite_engine, room).timer_running
    bar.next_button.click()
    assert not stored(sqlite_engine, room).timer_running and bar.timer_button.description == "Start timer"
    bar.timer_button.click()
    store.set_timer(sqlite_engine, room.id, remaining=15 * 60 + 27)
    bar.next_button.click()
    bar.previous_button.click()
    back = stored(sqlite_engine, room)
    assert not back.timer_running and back.timer_remaining == pytest.approx(15 * 60 + 27, abs=2)  # not 30:00
    assert moderator.console.preview.countdown.remaining == back.timer_remaining


@in_loop
def test_the_break_shows_a_big_countdown_on_the_projector_and_the_phones(moderator, phones):
    room = open_room(moderator)
    phone = phones(room.join_code)
    go_to(moderator, "bif-m1-s4")
    countdown = moderator.console.preview.countdown
    assert countdown.emphasis == "break"
    moderator.console.bar.timer_button.click()
    phone._refresh_now()
    assert phone.countdown in phone.body.children and phone.countdown.running
    assert phone.countdown.remaining == moderator.room.timer_remaining == 15 * 60
    moderator.console.bar.next_button.click()
    assert countdown.emphasis == ""


@in_loop
def test_hiding_names_is_a_room_setting_with_exceptions_per_step(moderator, sqlite_engine):
    room = open_room(moderator)
    named, _t = rooms.join_room(sqlite_engine, room, role="OHS_ADVISER", display_name="Hanne", name_consent=True)
    step3 = go_to(moderator, CARD_STEP)
    add_card(sqlite_engine, room, named, "In step 3")
    moderator.console.actions.hide_names.value = True
    room = stored(sqlite_engine, room)
    assert room.settings == {"hide_names": True}
    step5 = rooms.step_by_id(room, "bif-m1-s5")
    assert not rooms.names_shown(room, step3) and not rooms.names_shown(room, step5)  # hidden in step 5 as well
    go_to(moderator, "bif-m1-s5")
    bar = moderator.console.bar
    assert bar.anonymous_button.description == "Show names in this step"
    bar.anonymous_button.click()  # an exception for step 5
    room = stored(sqlite_engine, room)
    assert rooms.names_shown(room, step5) and not rooms.names_shown(room, step3)
    bar.anonymous_button.click()  # back to the room's setting: no exception left
    assert rooms.step_state(stored(sqlite_engine, room), step5["id"])["anonymous"] is None
    moderator.console.actions.hide_names.value = False
    assert rooms.names_shown(stored(sqlite_engine, room), step3)


@in_loop_async
async def test_the_summary_is_made_in_the_background_and_can_leave_hidden_cards_out(moderator, sqlite_engine):
    import asyncio
    import threading

    room = open_room(moderator)
    summary = moderator.console.actions.summary
    release, calls, downloads = threading.Event(), [], []

    def slow_export(room_id, **options):
        calls.append(options)
        release.wait(10)
        return "<html>summary</html>"

    summary.export = slow_export
    moderator.bridge.download = lambda name, html, mime="text/html": downloads.append((name, html))
    summary.button.click()
    await asyncio.sleep(0.3)
    assert summary.busy and summary.button.disabled and summary.button.description == "Preparing…"
    assert soup(summary.progress.value).select_one("progress") is not None
    moderator.console.bar.next_button.click()  # the console stays live meanwhile
    assert stored(sqlite_engine, room).step_index == 1
    await asyncio.sleep(1.2)
    assert "1 s" in soup(summary.progress.value).get_text()  # it counts the seconds
    release.set()
    await asyncio.wait_for(summary.task, 10)
    assert calls[0]["hidden_cards"] == "omit" and calls[0]["language"] == "en"
    [(name, html)] = downloads
    assert name.startswith(f"knowledge-summary-{room.meeting_id}-") and html == "<html>summary</html>"
    assert "downloaded" in soup(summary.progress.value).get_text() and not summary.button.disabled

    summary.include_hidden.value = True
    summary.button.click()
    await asyncio.wait_for(summary.task, 10)
    assert calls[1]["hidden_cards"] == "mark"

    def broken_export(room_id, **options):
        raise RuntimeError("no kernel")

    summary.export = broken_export
    summary.button.click()
    await asyncio.wait_for(summary.task, 10)
    assert "bf-msg-error" in summary.progress.value and "Traceback" not in summary.progress.value
    _stop(moderator)


# ----------------------------------------------------------------------------------------------
# Issue 22 §3: one language at a time


def test_the_room_language_list_offers_only_the_programmes_languages(sqlite_url, sqlite_engine):
    app = ModeratorApp(sqlite_engine, sqlite_url, "fi")
    app.bridge.ready = True
    start = app.start
    start.programme_input.value = "soroe-spredning"
    assert [code for _label, code in start.room_language.options] == ["da", "en"]
    assert start.room_language.value == "en"  # the page is Finnish: fi → en → da
    start.programme_input.value = "fioh-yhteistyo"
    assert [code for _label, code in start.room_language.options] == ["da", "en", "fi"]
    start.room_language.value = "fi"
    start.programme_input.value = "bifrost"
    assert start.room_language.value == "en"


def test_a_text_missing_in_a_language_falls_back_fi_en_da(sqlite_engine, library):
    assert rooms.text({"da": "Pause", "en": "Break", "fi": None}, "fi") == "Break"
    assert rooms.text({"da": "Pause", "en": ""}, "en") == "Pause"
    assert rooms.text_language({"da": "Pause", "en": "Break"}, "fi") == "en"
    old_style = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med", language="fi")
    assert rooms.content_languages(old_style) == ["da", "en"]
    assert rooms.text(old_style.content["meeting"]["title"], "fi") == rooms.text(
        old_style.content["meeting"]["title"], "en"
    )
    assert rooms.role_label(old_style, "EMPLOYEE", "fi") == "Employee"  # not the Danish "Medarbejder"
    assert rooms.room_language(old_style) == "en"  # its pages show one language: English


@in_loop
def test_a_room_opened_in_a_language_its_programme_lacks_is_shown_in_the_fallback(sqlite_url, sqlite_engine, library):
    room = rooms.open_room(sqlite_engine, library, "soroe-spredning", "soroe-med", language="fi")
    app = ModeratorApp(sqlite_engine, sqlite_url, "fi")
    app.bridge.query = f"?room={room.id}"
    app.bridge.ready = True
    try:
        assert app.language == "en" and app.console.bar.next_button.description == "Next ▶"
        title = soup(app.console.preview.top.value).select_one(".bf-proj-meeting").get_text()
        assert title == rooms.text(room.content["meeting"]["title"], "en")
    finally:
        _stop(app)


@in_loop
def test_the_finnish_console_says_no_date_in_finnish(sqlite_url, sqlite_engine, library):
    room = rooms.open_room(sqlite_engine, library, "fioh-yhteistyo", "fi-tyopaja", language="fi")
    app = ModeratorApp(sqlite_engine, sqlite_url, "fi")
    app.bridge.query = f"?room={room.id}"
    app.bridge.ready = True
    try:
        cites = [n.get_text() for n in board(app).select(".bf-ev-cite")]
        assert cites and all("(s.a.)" in c for c in cites), cites
        text = board(app).get_text()
        for danish in ("u.å.", "citat fra forsker", "nyhed"):
            assert danish not in text
    finally:
        _stop(app)


# ----------------------------------------------------------------------------------------------
# Issue 22 §5: a keyboard-only moderator


@in_loop
def test_the_step_controls_have_shortcuts_the_page_knows(moderator):
    from bifrost_lab.ui.console.stepbar import SHORTCUTS

    open_room(moderator)
    bar = moderator.console.bar
    assert moderator.bridge.shortcuts == {cls: key for cls, (key, _what) in SHORTCUTS.items()}
    assert {"bf-next", "bf-prev", "bf-timer-toggle", "bf-reveal", "bf-lock"} <= set(SHORTCUTS)
    assert bar.next_button.tooltip == "Next step (Alt+N)" and bar.timer_button.tooltip.endswith("(Alt+T)")
    assert moderator.console.children[0] is bar.box  # first in the page: the keyboard reaches it first
    keys = [key for key, _what in SHORTCUTS.values()]
    assert len(keys) == len(set(keys))
    widgets_with_class(moderator.root, "bf-back")[0].click()
    assert moderator.bridge.shortcuts == {}


@in_loop
def test_the_join_code_comes_back_on_the_projector_when_the_moderator_asks(moderator, sqlite_engine):
    room = open_room(moderator)
    bar = moderator.console.bar
    assert bar.join_button.tooltip == "Hide the join code"  # nobody in yet: the whole panel shows
    rooms.join_room(sqlite_engine, room, role="OHS_ADVISER")
    moderator.refresh()
    assert bar.join_button.tooltip == "Show the join code"  # someone joined: the small bar
    bar.join_button.click()
    assert bar.join_button.tooltip == "Hide the join code"
    assert rooms.step_state(stored(sqlite_engine, room), rooms.current_step(room)["id"]).get("join") is True
