"""Hostile text on the real servers: every XSS payload shows as text and none runs, anywhere.

A moderator projects a card step; one participant types payloads on the phone page, and more
participants (with hostile display names, named with consent) add the rest of the corpus through the
same rule functions the page calls. Then each participant's own page, the projector and the exported
summary are checked in Chromium: the exact text is there, no `window.__xss`, no dialog, no request
to any other host. Invalid payloads (control characters, bidi overrides, 10k characters) get a clear
Danish message instead.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.inputs import dot_vote
from bifrost_lab.reports.export import export_room_html
from bifrost_lab.ui import buttons

from .conftest import offline_context, screenshot
from .security_pages import _no_xss, _shown, _texts, _watch, join_on_phone, open_room_at_card_step

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from xss_payloads import INVALID, PAYLOADS

pytestmark = pytest.mark.e2e

STORAGE_KEY = "bifrost-lab"
UI_PAYLOADS = PAYLOADS[:3]  # typed on the phone; the rest go through room.submit_card
NAME_PAYLOADS = [p for p in PAYLOADS if len(p) <= rooms.NAME_MAX_CHARS]


def test_no_payload_runs_and_each_shows_as_text(browser, servers):
    dialogs: list[str] = []
    engine = store.connect(servers.db_url)

    mod_context, moderator, room, step = open_room_at_card_step(browser, servers, dialogs)
    code = room.join_code

    # A participant on a phone: a hostile name (with consent) and payloads typed into the card field.
    phone_context, phone = join_on_phone(browser, servers, code, dialogs, name=NAME_PAYLOADS[0])
    for payload in UI_PAYLOADS:
        phone.fill(".bf-card-input textarea", payload)
        phone.click(".bf-submit")
        phone.wait_for_function(
            "t => Array.from(document.querySelectorAll('.bf-mycards .bf-card-text')).some(e => e.textContent === t)",
            arg=_shown(payload),
        )
    error_text = "(document.querySelector('.bf-msg-error') || {}).textContent || ''"
    # A tap on the emptied form right after a send is that send's double tap (ui/buttons.py): wait it out.
    phone.wait_for_timeout(buttons.REPEAT_SECONDS * 1000 + 200)
    for payload in INVALID:
        phone.fill(".bf-card-input textarea", "")  # an empty card in between: the message must change
        phone.click(".bf-submit")
        phone.wait_for_function(f"({error_text}).includes('Skriv noget')")
        phone.fill(".bf-card-input textarea", payload)
        phone.click(".bf-submit")
        expected = "grænsen er 140" if len(payload) > 140 else "usynlige kontroltegn"
        phone.wait_for_function(f"t => ({error_text}).includes(t)", arg=expected)
        assert "Traceback" not in phone.content()
    assert len(store.list_inputs(engine, room.id)) == len(UI_PAYLOADS)
    screenshot(phone, "security-xss-phone")

    # The rest of the corpus: participants with hostile names, at most the step's card limit each.
    limit = int(rooms.input_spec(step).get("max_per_participant") or rooms.CARDS_PER_STEP)
    rest = list(PAYLOADS[len(UI_PAYLOADS) :])
    tokens: list[tuple[str, list[str]]] = []
    names = NAME_PAYLOADS[1:]
    for index in range(0, len(rest), limit):
        me, token = rooms.join_room(engine, room, role="RESEARCHER", display_name=names.pop(0), name_consent=True)
        chunk = rest[index : index + limit]
        for payload in chunk:
            rooms.submit_card(engine, room, me, step["id"], payload, input_id=str(uuid.uuid4()))
        tokens.append((token, chunk))
    for name in names:  # every remaining hostile name gets one card, so it is projected too
        me, _token = rooms.join_room(engine, room, role="OTHER", display_name=name, name_consent=True)
        rooms.submit_card(engine, room, me, step["id"], "et helt almindeligt kort", input_id=str(uuid.uuid4()))

    # Each participant's own page shows their cards as text.
    for token, chunk in tokens:
        context = offline_context(browser, viewport={"width": 390, "height": 844})
        context.add_init_script(
            f"window.localStorage.setItem({json.dumps(STORAGE_KEY)}, "
            f"{json.dumps(json.dumps({'tokens': {code: token}}))})"
        )
        page = context.new_page()
        _watch(page, dialogs)
        page.goto(f"{servers.participant_url}?code={code}", timeout=120_000)
        page.wait_for_selector(".bf-mycards .bf-card-text", timeout=120_000)
        time.sleep(0.5)  # give any onerror/onload a chance
        shown = _texts(page, ".bf-mycards .bf-card-text")
        for payload in chunk:
            assert _shown(payload) in shown, f"not shown as text on the participant page: {payload!r}"
        _no_xss(page)
        assert context.blocked == [], context.blocked
        context.close()

    # The projector shows every card and every name as text.
    expected = [_shown(p) for p in PAYLOADS]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        projected = _texts(moderator, ".bf-board .bf-card-text")
        if all(e in projected for e in expected):
            break
        time.sleep(0.3)
    missing = [e for e in expected if e not in projected]
    assert not missing, f"not on the projector as text: {missing[:3]}"
    tags = " | ".join(_texts(moderator, ".bf-board .bf-role-tag"))
    for name in NAME_PAYLOADS:
        assert f" · {name}" in tags, f"name not shown as text on the projector: {name!r}"
    time.sleep(0.5)
    screenshot(moderator, "security-xss-projector")

    # The exported summary holds the text, escaped, and nothing in it runs.
    html = export_room_html(room.id, db_url=servers.db_url)
    for payload in PAYLOADS:
        if "<" in payload:
            assert payload not in html, f"raw markup in the export: {payload!r}"
    export_page = mod_context.new_page()
    _watch(export_page, dialogs)
    export_page.set_content(html)
    time.sleep(0.5)
    items = " ".join(_texts(export_page, "li"))
    for payload in PAYLOADS:
        assert _shown(payload) in items, f"not in the export as text: {payload!r}"
    _no_xss(export_page)
    screenshot(export_page, "security-xss-export")

    for page in (moderator, phone):
        _no_xss(page)
    assert dialogs == [], f"a payload opened a dialog: {dialogs}"
    for context in (mod_context, phone_context):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"
    store.dispose_all()
    mod_context.close()
    phone_context.close()


CLUSTER_PAYLOADS = [p for p in PAYLOADS if len(p) <= rooms.CLUSTER_LABEL_MAX_CHARS][:15]


def test_hostile_cluster_labels_as_vote_options_never_run(browser, servers):
    """Cluster labels become the options of a dot vote: on the phone, the projector and in the export."""
    from bifrost_lab.programme import load_library

    dialogs: list[str] = []
    engine = store.connect(servers.db_url)
    room = rooms.open_room(engine, load_library(), "bifrost", "bif-m1")
    vote_index = next(i for i, s in enumerate(rooms.steps(room)) if rooms.input_type(s) == "dot_vote")
    vote_step = rooms.steps(room)[vote_index]
    source_step = rooms.input_spec(vote_step)["targets"]["from_step"]
    clusters = [rooms.create_cluster(engine, room, source_step, label)[0] for label in CLUSTER_PAYLOADS]
    room = store.set_step(engine, room.id, vote_index)
    tokens = []
    for index in range(0, len(clusters), 3):  # every option gets a dot, so every label is in the results
        me, token = rooms.join_room(engine, room, role="RESEARCHER")
        dot_vote.save(engine, room, me, vote_step["id"], {f"cluster:{c.id}": 1 for c in clusters[index : index + 3]})
        tokens.append(token)
    expected = [_shown(label) for label in CLUSTER_PAYLOADS]

    phone_context = offline_context(browser, viewport={"width": 390, "height": 844})
    phone_context.add_init_script(
        f"window.localStorage.setItem({json.dumps(STORAGE_KEY)}, "
        f"{json.dumps(json.dumps({'tokens': {room.join_code: tokens[0]}}))})"
    )
    phone = phone_context.new_page()
    _watch(phone, dialogs)
    phone.goto(f"{servers.participant_url}?code={room.join_code}", timeout=120_000)
    phone.wait_for_function("t => document.body.textContent.includes(t)", arg=expected[-1], timeout=120_000)
    time.sleep(0.5)
    text = phone.evaluate("document.body.textContent")
    missing = [e for e in expected if e not in text]
    assert not missing, f"vote options not shown as text on the phone: {missing[:3]}"
    screenshot(phone, "security-xss-vote-phone")

    mod_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    moderator = mod_context.new_page()
    _watch(moderator, dialogs)
    moderator.goto(f"{servers.moderator_url}?room={room.id}", timeout=120_000)
    moderator.wait_for_function("t => document.body.textContent.includes(t)", arg=expected[-1], timeout=120_000)
    time.sleep(0.5)
    text = moderator.evaluate("document.body.textContent")
    missing = [e for e in expected if e not in text]
    assert not missing, f"cluster labels not shown as text on the projector: {missing[:3]}"
    screenshot(moderator, "security-xss-vote-projector")

    html = export_room_html(room.id, db_url=servers.db_url)
    for label in CLUSTER_PAYLOADS:
        if "<" in label:
            assert label not in html, f"raw markup in the export: {label!r}"
    export_page = mod_context.new_page()
    _watch(export_page, dialogs)
    export_page.set_content(html)
    time.sleep(0.5)
    text = export_page.evaluate("document.body.textContent")
    missing = [e for e in expected if e not in text]
    assert not missing, f"cluster labels not in the export as text: {missing[:3]}"

    for page in (phone, moderator, export_page):
        _no_xss(page)
    assert dialogs == [], f"a payload opened a dialog: {dialogs}"
    for context in (phone_context, mod_context):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"
        context.close()
    store.dispose_all()
