"""How an evidence card's source is written on a page: the same words in every language the page is in.

Programme files write a missing year the Danish way ("u.å."); a Finnish page says "s.a.", an English one "n.d.".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bifrost_lab.i18n import N_

MSG_NO_YEAR = N_("n.d.")
NO_YEAR = frozenset({"u.å.", "u.å", "n.d.", "n.d", "s.a.", "s.a", "o.j.", "u.a."})


def year_text(year: Any, gettext: Callable[[str], str]) -> str:
    """The year of a citation, or the page language's "no date"."""
    value = "" if year is None else str(year).strip()
    return gettext(MSG_NO_YEAR) if value.lower() in NO_YEAR else value


def short_citation(citation: dict[str, Any], gettext: Callable[[str], str]) -> str:
    """Authors (year), via a secondary source when there is one."""
    text = f"{citation.get('authors', '')} ({year_text(citation.get('year', ''), gettext)})"
    return text + (f", via {citation['via']}" if citation.get("via") else "")
