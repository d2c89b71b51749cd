"""What typed text must be to be kept, and how text already stored is made safe to show and write.

`rooms.clean_text` applies these rules to every way text comes in (cards, names, cluster labels,
solution fields, the facilitator's notes); docs/security.md says what is refused and why. `scrub`
is for the way out: the store runs it on what it reads, so a lone surrogate in an old database is
shown and exported as U+FFFD instead of stopping every page and export that meets it.

A leaf module (standard library only): the store and every participant kernel import it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

REPLACEMENT = "\ufffd"

# Explicit bidi embeddings/overrides/isolates reorder what others see (a card can be made to read
# differently from what it says); ordinary right-to-left text does not need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Half of a UTF-16 pair with no other half (e.g. U+DC80–U+DCFF from a broken copy or a cut emoji):
# it has no UTF-8 form, so a file, a database row or a websocket message cannot carry it.
_SURROGATE = re.compile("[\ud800-\udfff]")
# The same, as JSON writes it (json.dumps escapes non-ASCII by default): a high half not followed by a
# low one, or a low half not after a high one. An emoji's pair (\ud83d\ude00) does not match.
_LONE_ESCAPE = (
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_SURROGATE_ESCAPE = re.compile(_LONE_ESCAPE)
_SURROGATE_ESCAPE_BYTES = re.compile(_LONE_ESCAPE.encode())

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): drawn as nothing, e.g. zero-width
# space, word joiner, soft hyphen, variation selectors, the Hangul fillers U+3164/U+FFA0, tag characters.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Assigned, printable, and still blank on the screen.
BLANK_GLYPHS = frozenset("\u2800")  # BRAILLE PATTERN BLANK
# Marks (combining accents), separators and format/control/surrogate code points show nothing on their own.
_UNSEEN_CATEGORIES = frozenset({"Mn", "Me", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs"})


def has_lone_surrogate(value: str) -> bool:
    """Whether `value` holds a surrogate code point (which no UTF-8 file, row or message can carry)."""
    return not value.isascii() and _SURROGATE.search(value) is not None


def has_broken_character(value: str) -> bool:
    """A lone surrogate, or U+FFFD, which a browser or a copy puts where such a broken character was."""
    return REPLACEMENT in value or has_lone_surrogate(value)


def replace_surrogates(value: str) -> str:
    """`value` with each lone surrogate as U+FFFD (a split pair is joined again into its character)."""
    if not has_lone_surrogate(value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def scrub(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, keys too) with every lone surrogate replaced."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def json_may_hold_surrogates(text: str | bytes) -> bool:
    """A cheap test of JSON text before `scrub` walks its value: escaped or raw surrogates, or neither."""
    if isinstance(text, bytes | bytearray | memoryview):
        return _SURROGATE_ESCAPE_BYTES.search(bytes(text)) is not None
    return _SURROGATE_ESCAPE.search(text) is not None or has_lone_surrogate(text)


def is_ignorable(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def is_visible(ch: str) -> bool:
    """Whether one character draws something: not a space, mark, format character, filler or blank."""
    if ch.isspace() or ch in BLANK_GLYPHS:
        return False
    if unicodedata.category(ch) in _UNSEEN_CATEGORIES:
        return False
    return not is_ignorable(ch)


def visible_text(value: str) -> bool:
    """Whether a reader would see anything of `value` (zero-width spaces, U+3164 or U+2800 alone: no)."""
    return any(is_visible(ch) for ch in value)


def is_noncharacter(ch: str) -> bool:
    """U+FDD0–U+FDEF and the last two code points of every plane: never text, and not allowed in XML."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def is_forbidden_control(ch: str) -> bool:
    """A control character other than line break and tab, a bidi override/isolate, or a noncharacter."""
    if ch in "\n\t":
        return False
    return unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS or is_noncharacter(ch)


# XML 1.0 (the inside of an .xlsx) cannot hold C0 controls but tab/line feed/return, nor U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value: str) -> str:
    """`value` with every character XML 1.0 cannot carry as U+FFFD (for spreadsheets of old data)."""
    return _NOT_XML.sub(REPLACEMENT, value)
