"""References of evidence cards: one per source, in one style, and the literature list built from them.

A card's citation may name several sources at once, as the NECTO report does: `authors: "Aust et al.;
Martin & LaMontagne"`, `year: "2023; 2018"`. Printed as it stands that reads "Aust et al.; Martin &
LaMontagne (2023; 2018)". Here the two lists are paired into one reference per source:

- as many authors as years: the n-th authors wrote the n-th year's work;
- one author group, several years: the same authors' works of each year;
- several author groups, one year: the first group is the work; the others are remarks the card's
  author added ("økonomisk evaluering: …", "omtalt i …") and follow the reference as notes.

A card's `title` and `source` describe its first source; `via` (the report we read it in, e.g.
"NECTO 2025 §5.1") holds for all of them. Style: Authors (year). Title. Source. Cited in … .
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from bifrost_lab import i18n
from bifrost_lab.markup import esc, tag

NO_YEAR = ("", "u.å.", "n.d.", "s.a.", "o.j.")  # "no date" as the files write it


@dataclass(frozen=True)
class Reference:
    """One source: who wrote it, when, what it is called and where it appeared."""

    authors: str
    year: str = ""
    title: str = ""
    source: str = ""
    via: str = ""
    notes: tuple[str, ...] = ()

    @property
    def dated(self) -> bool:
        return self.year.strip().casefold() not in NO_YEAR

    def sort_key(self) -> tuple[str, str, str]:
        return (self.authors.casefold(), self.year if self.dated else "9999", self.title.casefold())


def _split(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def references_of(citation: Mapping[str, Any]) -> list[Reference]:
    """The sources a card's citation names, one Reference each (rules in the module docstring)."""
    authors, years = _split(citation.get("authors")), _split(citation.get("year"))
    title = str(citation.get("title") or "").strip()
    source = str(citation.get("source") or "").strip()
    via = str(citation.get("via") or "").strip()
    if not authors:
        return []
    notes: tuple[str, ...] = ()
    if len(years) <= 1 < len(authors):
        authors, notes = authors[:1], tuple(authors[1:])
    if len(authors) == 1 and len(years) > 1:
        authors = authors * len(years)
    years += [""] * (len(authors) - len(years))
    found = [Reference(a, y, via="" if _is_report_of(via, a, y) else via) for a, y in zip(authors, years)]
    found[0] = replace(found[0], title=title, source=source, notes=notes)
    return found


def _is_report_of(via: str, authors: str, year: str) -> bool:
    """The source is the report it was read in ("Hjorth & Ladegaard (NECTO)", 2025, via "NECTO 2025 §6.4")."""
    words = set(re.findall(r"[^\W\d_]+", via_key(via).casefold()))
    return bool(via and year) and year in via_key(via) and bool(words & _author_words(authors))


def _author_words(authors: str) -> frozenset[str]:
    return frozenset(re.findall(r"[^\W\d_]+", authors.casefold())) - {"et", "al", "m", "fl", "and", "og"}


def _same_work(one: Reference, other: Reference) -> bool:
    """Same authors (as words, in any order), same year, and titles that do not contradict each other."""
    if _author_words(one.authors) != _author_words(other.authors) or one.year != other.year:
        return False
    a, b = one.title.casefold(), other.title.casefold()
    return not a or not b or a.startswith(b) or b.startswith(a)


def _common_source(one: str, other: str) -> str:
    """What two cards say of one work's source in common: "NECTO 2025 §5.1", "NECTO 2025 §6.4" -> "NECTO 2025"."""
    if not one or not other or one == other:
        return one or other
    shared = []
    for a, b in zip(one.split(), other.split()):
        if a != b:
            break
        shared.append(a)
    return " ".join(shared).rstrip(" ,;:–-§") or min(one, other, key=len)


def _merge(one: Reference, other: Reference) -> Reference:
    return replace(
        one,
        title=max(one.title, other.title, key=len),
        source=_common_source(one.source, other.source),
        # read first-hand on one card: not "cited in" on the list
        via=_common_source(one.via, other.via) if one.via and other.via else "",
        notes=tuple(dict.fromkeys(one.notes + other.notes)),
    )


def merge_references(references: Iterable[Reference]) -> list[Reference]:
    """One entry per work, sorted by authors and year: what several cards cite is listed once."""
    merged: list[Reference] = []
    for reference in references:
        for index, known in enumerate(merged):
            if _same_work(known, reference):
                merged[index] = _merge(known, reference)
                break
        else:
            merged.append(reference)
    return sorted(merged, key=Reference.sort_key)


def via_key(via: str) -> str:
    """The report a `via` names, without its section: "NECTO 2025 §5.1" -> "NECTO 2025"."""
    return re.split(r"\s*(?:§|,|\bs\.\s|\bp\.\s|\bkap)", via, maxsplit=1)[0].strip()


@lru_cache(maxsize=4)
def _library_references(evidence_dir: str) -> tuple[Reference, ...]:
    """Every primary reference of the evidence files (read once per process; only for secondary sources)."""
    import yaml

    found: list[Reference] = []
    for path in sorted(Path(evidence_dir).glob("*.yaml")):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError):
            continue
        for card in (doc or {}).get("cards") or []:
            if isinstance(card, dict) and isinstance(card.get("citation"), dict):
                found += [r for r in references_of(card["citation"]) if not r.via]
    return tuple(found)


def secondary_sources(references: Iterable[Reference], evidence_dir: Path | None) -> list[Reference]:
    """The reports the references were read in ("NECTO 2025 §5.1" -> the NECTO report), as far as the
    evidence files hold them as a reference of their own (a source that starts with the report's name)."""
    keys = {via_key(r.via) for r in references if r.via}
    if not keys or evidence_dir is None:
        return []
    library = _library_references(str(evidence_dir))
    found = []
    for key in sorted(k for k in keys if k):
        candidates = [r for r in library if r.source.startswith(key)]
        if candidates:
            first = candidates[0]
            found.append(replace(first, source=key, notes=()))
    return found


def _year(reference: Reference, language: str) -> str:
    _ = i18n.gettext_for(language)
    return reference.year if reference.dated else _("n.d.")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def reference_parts(reference: Reference, language: str) -> list[tuple[str, str]]:
    """(kind, text) pieces of a reference in the house style; kind "title" is set in italics in HTML."""
    _ = i18n.gettext_for(language)
    parts = [("authors", f"{reference.authors} ({_year(reference, language)}).")]
    if reference.title:
        parts.append(("title", _sentence(reference.title)))
    if reference.source:
        parts.append(("source", _sentence(reference.source)))
    if reference.via:
        parts.append(("via", _("Cited in {source}.").format(source=reference.via)))
    parts += [("note", _sentence(_capitalised(note))) for note in reference.notes]
    return parts


def reference_text(reference: Reference, language: str) -> str:
    """A reference as plain text: Authors (year). Title. Source. Cited in … ."""
    return " ".join(text for _kind, text in reference_parts(reference, language))


def reference_html(reference: Reference, language: str) -> str:
    """A reference as escaped HTML with its title in <cite>."""
    return " ".join(
        tag("cite", esc(text)) if kind == "title" else esc(text) for kind, text in reference_parts(reference, language)
    )
