"""HTML fragments for widgets.HTML and exports. Participant text is data: everything passes `esc`.

`widgets.HTML` sets innerHTML without sanitising (an `<img onerror>` runs), so no string from a
participant, a programme file or the database may reach HTML without going through `esc`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


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
