"""Demo rooms (`bifrost-lab demo`): marked as demo, kept apart from real meetings, and naming no one real."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bifrost_lab import demo, rooms, store
from bifrost_lab.markup import demo_banner_html
from bifrost_lab.reports.catalogue import fold


def test_a_demo_room_is_marked_as_demo(sqlite_engine, library):
    room = demo.create_demo_room(sqlite_engine, library, participants=3, inputs=4, seed=1)
    assert room.demo and store.get_room(sqlite_engine, room.id).demo
    assert not rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1").demo


def test_a_demo_rooms_commitments_are_not_carried_into_a_real_meeting(sqlite_engine, library):
    m1 = demo.create_demo_room(sqlite_engine, library, meeting_id="bif-m1", participants=3, inputs=2, seed=1)
    me, _token = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    rooms.submit_card(sqlite_engine, m1, me, "bif-m1-s8", "Opdigtet tilsagn", input_id=str(uuid.uuid4()))
    assert "carried" not in rooms.open_room(sqlite_engine, library, "bifrost", "bif-m2").content
    demo_m2 = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m2", demo=True)
    assert "Opdigtet tilsagn" in demo_m2.content["carried"]["cards"]  # a demo meeting may follow a demo meeting


@pytest.mark.parametrize(
    "language, text",
    [("da", "DEMO – opdigtede data"), ("en", "DEMO – invented data"), ("fi", "DEMO – keksittyä aineistoa")],
)
def test_the_demo_banner_speaks_the_language(language, text):
    banner = demo_banner_html(language)
    assert f">{text}</div>" in banner and 'class="bf-demo-banner"' in banner and 'role="note"' in banner


def test_the_participant_page_of_a_demo_room_says_demo_on_top(sqlite_engine, library):
    import asyncio

    from helpers import in_own_thread

    from bifrost_lab.ui.participant import ParticipantApp

    room = demo.create_demo_room(sqlite_engine, library, participants=2, inputs=2, seed=1)

    async def scenario() -> None:  # joining starts the page's change feed, which needs an event loop
        app = ParticipantApp(sqlite_engine, "da")
        app.bridge.set_state({"query": f"?code={room.join_code}", "stored": {}})
        app._on_bridge_ready({"new": True})
        assert app.header.value.startswith('<div class="bf-demo-banner"')  # from the code onwards
        assert "DEMO – opdigtede data" in app.header.value
        app.role_input.value = "RESEARCHER"
        app._on_join(None)
        try:
            assert app.me is not None and app.header.value.startswith('<div class="bf-demo-banner"')
            app.language_switch.value = "en"  # the page re-renders in the participant's language (of the meeting's)
            assert "DEMO – invented data" in app.header.value
        finally:
            app.feed.stop()

        real = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")
        app = ParticipantApp(sqlite_engine, "da")
        app.bridge.set_state({"query": f"?code={real.join_code}", "stored": {}})
        app._on_bridge_ready({"new": True})
        app.role_input.value = "RESEARCHER"
        app._on_join(None)
        try:
            assert "bf-demo-banner" not in app.header.value
            store.set_room_demo(sqlite_engine, real.id)  # an old demo room marked while a phone follows it
            app._refresh_now()
            assert app.header.value.startswith('<div class="bf-demo-banner"')
        finally:
            app.feed.stop()

    in_own_thread(asyncio.run, scenario())


# -- Demo texts name no one real and repeat no source ---------------------------------------------------------

LABS = Path(__file__).resolve().parent.parent / "labs"
LABS_FILES = sorted(LABS.glob("*.yaml")) + sorted((LABS / "evidence").glob("*.yaml"))

# Copied from the programmes' source material in /work/shared/seeds (000 BIFROST, 001 Sorø, 002 Aalborg,
# 003 the NECTO report, 004 FIOH). The seeds are not part of the repository, so a clean clone's CI knows them
# only from here: the organisations, units and people they name, and phrases distinctive of them.
SEED_NAMES = (
    # 000
    "TeamArbejdsliv",
    "Team Arbejdsliv",
    "Arbejdsmiljørådgiverne",
    "Velliv",
    "Ulrik Gensby",
    "Hans Jørgen Limborg",
    "Astrid Elena Hinsch",
    # 001
    "Sorø",
    "Arbejdstilsynet",
    "Sundhed og Omsorg",
    "Claes Rosenkrands",
    "Anne Mette Søndergaard Jensen",
    "Sara Kabel Pedersen",
    "Søren Kjær",
    "Søren Kryhlmand",
    # 002
    "Aalborg",
    "Sundhed og bæredygtig udvikling",
    "Ældre og handicapforvaltningen",
    "Jan Valentin",
    "Gerda Jakobsen",
    # 003
    "NECTO",
    "Det Nationale Forskningscenter for Arbejdsmiljø",
    "NFA",
    "IRIS Group",
    "Copenhagen Business School",
    "Syddansk Universitet",
    "Roskilde Universitet",
    "Danmarks Tekniske Universitet",
    "Peter Hasle",
    "Christian Dyrland Wåhlin-Jacobsen",
    "Johan Simonsen Abildgaard",
    "Kasper Edwards",
    "Christine Ipsen",
    "Dara Hjorth",
    "Cecilie Obel Tyllesen",
    # 004
    "FIOH",
    "Työterveyslaitos",
    "TYKYTUO",
    "Sanna Pesonen",
    "Hanna Hakulinen",
)
SEED_PHRASES = (
    "To timer pr. kvartal",
    "særligt APV-skema",
    "kører ud til borgere",
    "foregår i en bil",
    "internt videnskorps",
    "ikke alle arbejdsmiljøgrupper",
    "netværkene fungerer som et supplement",
    "Store MED-dag",
    "samskabelsesprojekt",
    "naboinstitutionerne",
    "plejegrupper i ældreplejen",
    "ændres på indretningen",
    "visitation må sige fra",
    "strategisk partnerskab",
    "auditbesøg",
    "temadage om året",
    "Vejen som arbejdsplads",
    "forebyggelsespakker",
    "mellemledsorganisationer",
    "mentale sundhedsudfordringer",
    "työterveysyhteistyö",
)
SHINGLE_WORDS = 5  # a demo text sharing this many words in a row with a programme file repeats it


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _labs_names() -> set[str]:
    """Proper names in the programmes: runs of two or more capitalised words, and the cited authors' surnames."""
    names = set()
    for path in LABS_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in _strings(doc):
            for run in re.findall(r"\b[A-ZÆØÅÄÖ][\w-]*(?: [A-ZÆØÅÄÖ][\w-]*)+", text):
                if all(len(word) > 1 for word in run.split()):  # not "Lab A", "Har I"
                    names.add(run)
        for card in (doc or {}).get("cards") or []:
            authors = ((card or {}).get("citation") or {}).get("authors") or ""
            names.update(re.findall(r"\b[A-ZÆØÅ][\w-]{2,}", authors))
    return names


def _found(text: str, name: str, *, folded: bool) -> bool:
    haystack, needle = (fold(text), fold(name)) if folded else (text, name)
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def _names_in(text: str, labs_names: set[str]) -> list[str]:
    return [n for n in labs_names if _found(text, n, folded=False)] + [
        n for n in (*SEED_NAMES, *SEED_PHRASES) if _found(text, n, folded=True)
    ]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", fold(text))
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def test_the_check_knows_the_real_names_and_would_catch_the_old_demo_texts():
    names = _labs_names()
    assert {"Sorø Kommune", "Aalborg Kommune", "Velliv Foreningen", "Gensby", "Limborg"} <= names
    assert _names_in("Sundhed og Bæredygtig Udvikling", names) and _names_in("hos Sorø kommune", names)
    assert _names_in("To timer pr. kvartal og en konsulent, der samler kortene.", names)
    assert not _names_in("Et plejecenter med fire afdelinger", names)


def test_demo_texts_name_no_real_organisation_unit_or_person():
    names = _labs_names()
    found = {text: hits for text in demo.invented_texts() if (hits := _names_in(text, names))}
    assert not found, f"demo texts name real organisations, units or people, or repeat a source: {found}"


def test_demo_texts_repeat_no_sentence_of_the_programmes():
    programme_text = _shingles(" ".join(path.read_text(encoding="utf-8") for path in LABS_FILES))
    found = {text: shared for text in demo.invented_texts() if (shared := _shingles(text) & programme_text)}
    assert not found, f"demo texts repeat the programmes' words: {found}"


def test_demo_display_names_are_no_real_persons_names():
    words = {word for name in (*_labs_names(), *SEED_NAMES) for word in re.findall(r"\w+", name)}
    clash = set(demo.SAMPLE_NAMES) & words
    assert not clash, f"demo display names that are part of a real person's name: {sorted(clash)}"
