"""Every UI string is translated: the catalogs cover what the code says, with the same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bifrost_lab import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
CATALOG_LANGUAGES = ("da", "fi")
UI_MODULES = sorted((ROOT / "bifrost_lab").glob("*_ui.py"))


def _msgids_in_code() -> set:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bifrost_lab"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _catalog(language: str):
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_every_ui_string_is_translated(language):
    catalog = _catalog(language)
    translated = {m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in catalog if m.id}
    missing = [
        m
        for m in _msgids_in_code()
        if not translated.get(m) or (isinstance(translated[m], tuple) and not all(translated[m]))
    ]
    assert not missing, f"untranslated in {language}: {sorted(map(str, missing))[:20]} (run `make catalogs`)"


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_placeholders_survive_translation(language):
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"\{\w+\}", ids[-1]))
        for string in strings:
            assert set(re.findall(r"\{\w+\}", string)) <= wanted | set(re.findall(r"\{\w+\}", ids[0])), message.id


@pytest.mark.parametrize("module", UI_MODULES, ids=lambda p: p.name)
def test_ui_modules_show_no_raw_strings(module):
    """Literal words passed to esc(), description= or placeholder= must go through _() first."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    raw = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        candidates = list(node.args) if name == "esc" else []
        candidates += [k.value for k in node.keywords if k.arg in ("description", "placeholder", "tooltip")]
        for value in candidates:
            if (
                isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and re.search(r"[A-Za-zæøå]{3}", value.value)
            ):
                if value.value not in ("BIFROST Lab",):
                    raw.append((node.lineno, value.value))
    assert not raw, f"{module.name}: untranslated UI text at {raw}"


def test_language_fallback_is_danish():
    assert i18n.normalise_language("xx") == "da" and i18n.normalise_language("EN-gb") == "en"
    assert i18n.gettext_for("da")("Send card") == "Send kort"


def test_dates_and_numbers_follow_the_language():
    moment = 1795000000.0  # 2026-11-18
    assert "november 2026" in i18n.format_date(moment, "da")
    assert "November" in i18n.format_date(moment, "en")
    assert "marraskuuta 2026" in i18n.format_date(moment, "fi")
    assert i18n.format_number(2.456, "da") == "2,5" and i18n.format_number(2.456, "en") == "2.5"


def test_the_page_tells_the_browser_its_language(sqlite_engine, library):
    """<html lang> follows the room's language and the participant's own switch (screen readers pick the voice)."""
    from bifrost_lab import rooms
    from bifrost_lab.ui.participant import ParticipantApp

    room = rooms.open_room(sqlite_engine, library, "fioh-yhteistyo", "fi-tyopaja", language="fi")
    app = ParticipantApp(sqlite_engine, "da")
    assert app.bridge.language == "da"
    app.bridge.set_state({"query": f"?code={room.join_code}", "stored": {}})
    app._on_bridge_ready({"new": True})
    assert app.bridge.language == "fi" and app.join_button.description == "Liity"
    app.language_switch.value = "en"
    assert app.bridge.language == "en" and app.join_button.description == "Join"
