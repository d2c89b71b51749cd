"""HTML fragments for widgets.HTML and exports. Participant text is data: everything passes `esc`.

`widgets.HTML` sets innerHTML without sanitising (an `<img onerror>` runs), so no string from a
participant, a programme file or the database may reach HTML without going through `esc`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from bifrost_lab.i18n import N_, gettext_for

MSG_DEMO = N_("DEMO – invented data")
# Inline, so the banner looks the same on every page and in every export, whatever their stylesheet
# (dark text on yellow: contrast 12.7:1).
DEMO_BANNER_STYLE = (
    "background:#ffe066;color:#1b1f24;border:2px solid #1b1f24;border-radius:6px;"
    "padding:.4rem .8rem;margin:0 0 .75rem;font-weight:700;font-size:1.1rem;text-align:center"
)


def shorten(text: object, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut after a whole word with "…" when too long."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:  # a long last word is cut rather than leaving half the space empty
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"


def esc(value: object) -> str:
    """Escape any value for HTML text and attribute context."""
    return html.escape("" if value is None else str(value), quote=True)


def tag(name: str, content: str = "", *, cls: str = "", **attrs: object) -> str:
    """An element with escaped attributes; `content` must already be safe HTML."""
    attr = f' class="{esc(cls)}"' if cls else ""
    attr += "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
    return f"<{name}{attr}>{content}</{name}>"


def text_block(value: str, *, cls: str = "", name: str = "div") -> str:
    """Escaped text with line breaks kept."""
    return tag(name, esc(value).replace("\n", "<br>"), cls=cls)


def qr_svg(url: str, *, scale: int = 8) -> str:
    """An inline SVG QR code for a URL (generated locally: the room may be offline)."""
    import segno  # only the projector draws QR codes; participant kernels never load it (1.2 MiB each)

    return segno.make(url, error="m").svg_inline(scale=scale, border=2, dark="#111", light="#fff")


def card_html(text: str, role: str | None, *, cls: str = "bf-board-card", extra: str = "", marker: str = "") -> str:
    """One participant card: its text and a role tag, both escaped."""
    role_tag = tag("span", esc(role), cls="bf-role-tag") if role else ""
    mark = tag("span", esc(marker), cls="bf-card-marker") if marker else ""
    return tag("div", text_block(text, cls="bf-card-text") + role_tag + mark + extra, cls=cls)


def join_list(parts: Iterable[str]) -> str:
    return "".join(parts)


def demo_label(language: str | None) -> str:
    """ "DEMO – invented data" in a language: what every page and export of a demo room says first."""
    return gettext_for(language)(MSG_DEMO)


def demo_banner_html(language: str | None) -> str:
    """The banner at the top of every page and export of a demo room (`Room.demo`)."""
    return tag("div", esc(demo_label(language)), cls="bf-demo-banner", role="note", style=DEMO_BANNER_STYLE)
