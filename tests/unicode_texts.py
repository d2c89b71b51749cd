"""Hypothesis strategies for text from anywhere: every code point (surrogates too), the invisible and
the reordering ones, controls, right-to-left script, emoji sequences and very long text."""

from __future__ import annotations

from hypothesis import strategies as st

INTERESTING = (
    "\u200b",  # zero-width space
    "\u200c",  # ZWNJ
    "\u200d",  # ZWJ
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # Arabic letter mark
    "\u202b",  # RLE
    "\u202e",  # RLO
    "\u2067",  # RLI
    "\u2069",  # PDI
    "\u3164",  # Hangul filler
    "\uffa0",  # halfwidth Hangul filler
    "\u2800",  # Braille blank
    "\ufeff",  # BOM
    "\u00ad",  # soft hyphen
    "\u2060",  # word joiner
    "\ufe0f",  # variation selector
    "\U000e0041",  # tag character
    "\u0301",  # combining acute
    "\udc80",  # lone low surrogates, as from a browser's broken bytes
    "\udcff",
    "\ud800",  # lone high surrogate
    "\ud83d",  # half an emoji
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\t",
    "\n",
    "\r",
    "\u2028",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\U0010ffff",
    "\ue000",  # private use
    "😀",
    "👩\u200d👩\u200d👧",
    "🇩🇰",
    "שלום",
    "مرحبا",
    "æøå ÆØÅ",
    "Ä",
    "A\u030a",  # Å decomposed
    "=",
    "+",
    "-",
    "@",
    "<b>",
    "&amp;",
    "'",
    '"',
    "\\",
    "{field}",
    " ",
    "\u3000",
    "\u00a0",
    "kort",
)

# Every code point, surrogates included (hypothesis leaves out category Cs unless told).
ANY_CHARACTER = st.characters(exclude_categories=())

TEXTS = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.lists(st.one_of(st.sampled_from(INTERESTING), st.text(ANY_CHARACTER, max_size=3)), max_size=25).map("".join),
    st.builds(  # very long text, with odd edges
        lambda head, n, tail: head + "ord " * n + tail,
        st.text(ANY_CHARACTER, max_size=4),
        st.integers(0, 5_000),
        st.text(ANY_CHARACTER, max_size=4),
    ),
)

# Text the rules keep: every character they allow (mixed with the interesting ones that pass), as
# `rooms.clean_text` returns it. For properties of what comes out of the exports.
_NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
]
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ALLOWED_CHARACTER = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=[*_NONCHARACTERS, *_BIDI]),
    st.sampled_from("\n\t"),
)


def _kept(raw: str) -> str | None:
    from bifrost_lab import rooms

    try:
        return rooms.clean_text(raw, 140) or None
    except rooms.Rejected:
        return None


KEPT_TEXTS = (
    st.lists(
        st.one_of(st.text(ALLOWED_CHARACTER, min_size=1, max_size=6), st.sampled_from(INTERESTING)),
        min_size=1,
        max_size=20,
    )
    .map("".join)
    .map(_kept)
    .filter(bool)
)
