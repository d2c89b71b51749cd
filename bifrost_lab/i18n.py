"""Translations of the user interface: gettext catalogs in bifrost_lab/locale (msgids are English)."""

from __future__ import annotations

import gettext
from collections.abc import Collection
from functools import cache
from pathlib import Path

LANGUAGES = ("da", "en", "fi")
DEFAULT_LANGUAGE = "da"
LANGUAGE_NAMES = {"da": "Dansk", "en": "English", "fi": "Suomi"}
# Where a text missing in a language is looked for, in this order after the language itself: a Finnish page
# of a programme without Finnish shows English before Danish (fi → en → da; en → da; da → en).
CONTENT_FALLBACK = ("en", "da", "fi")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "bifrost"


def N_(message: str) -> str:
    """Mark a module-level message for extraction; it is translated where it is shown."""
    return message


def normalise_language(language: str | None) -> str:
    """A supported language code; anything else falls back to Danish."""
    code = (language or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def fallback_chain(language: str | None) -> tuple[str, ...]:
    """The languages a text is looked for in, for a page in `language`: itself first, then CONTENT_FALLBACK."""
    first = normalise_language(language)
    return (first, *(code for code in CONTENT_FALLBACK if code != first))


def best_language(language: str | None, available: Collection[str]) -> str:
    """The first language of `language`'s fallback chain that is `available` (the language itself when it is)."""
    return next((code for code in fallback_chain(language) if code in available), normalise_language(language))


@cache
def translations(language: str | None) -> gettext.NullTranslations:
    """The catalog of a language, compiled from its .po file when the .mo is missing or stale."""
    language = normalise_language(language)
    if language == "en":
        return gettext.NullTranslations()
    _ensure_compiled(language)
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _ensure_compiled(language: str) -> None:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
        return
    from babel.messages.mofile import write_mo  # only when a catalog changed: not on the hot path
    from babel.messages.pofile import read_po

    with po.open("rb") as src:
        catalog = read_po(src, locale=language)
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as dst:
        write_mo(dst, catalog)
    tmp.replace(mo)


def gettext_for(language: str | None):  # noqa: ANN201 - returns gettext's bound method
    """The `_` function of a language."""
    return translations(language).gettext


def ngettext_for(language: str | None):  # noqa: ANN201
    return translations(language).ngettext


def format_date(epoch: float, language: str | None, *, with_time: bool = False) -> str:
    """A date (and time) the way the language writes it, e.g. 25. nov. 2026 / Nov 25, 2026 / 25.11.2026."""
    from datetime import datetime

    from babel.dates import format_date as _date
    from babel.dates import format_time as _time

    moment = datetime.fromtimestamp(epoch)
    locale = normalise_language(language)
    day = _date(moment, "long", locale=locale)
    return f"{day}, {_time(moment, 'short', locale=locale)}" if with_time else day


def format_number(value: float, language: str | None, *, decimals: int = 1) -> str:
    """A number with the language's decimal separator (2,5 in Danish and Finnish)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=normalise_language(language))
