"""Reading printed documents back (pypdf): the text of each page, and how much of its text area is used."""

from __future__ import annotations

import io
from dataclasses import dataclass

MM = 72 / 25.4  # PDF points per millimetre
MARGIN_TOP_MM, MARGIN_BOTTOM_MM = 20, 18  # report.css @page margins; the running title and page number are outside


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    lines: tuple[tuple[float, str], ...]  # (distance from the top of the text area in points, text), top to bottom
    fill: float  # share of the text area's height down to its lowest line of text (0..1)

    @property
    def first_line(self) -> str:
        return self.lines[0][1] if self.lines else ""


def read_pages(pdf: bytes) -> list[Page]:
    from pypdf import PdfReader

    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        height = float(page.mediabox.height)
        top, bottom = height - MARGIN_TOP_MM * MM, MARGIN_BOTTOM_MM * MM
        found: list[tuple[float, str]] = []

        def visit(text, cm, tm, _font, _size, found=found, top=top, bottom=bottom):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's baseline on the page (from the bottom)
            if text.strip() and bottom - 2 <= y <= top + 2:
                found.append((top - y, text.strip()))

        text = page.extract_text(visitor_text=visit)
        found.sort()
        lowest = max((d for d, _t in found), default=0.0)
        pages.append(Page(number, text, tuple(found), min(1.0, lowest / (top - bottom))))
    return pages


def nearly_empty_pages(pages: list[Page], *, section_starts: tuple[str, ...] = (), limit: float = 0.2) -> list[int]:
    """Numbers of pages whose text fills less than `limit` of the text area, except the last page of a section:
    the document's last page, and a page before one that starts a section with its own page (`section_starts`)."""
    found = []
    for index, page in enumerate(pages[:-1]):
        follows = pages[index + 1].first_line
        if page.fill < limit and not any(follows.startswith(title) for title in section_starts):
            found.append(page.number)
    return found
