"""References of evidence cards: one per source, one style, and a literature list without duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bifrost_lab.reports.references import (
    Reference,
    merge_references,
    reference_html,
    reference_text,
    references_of,
    secondary_sources,
    via_key,
)

LABS = Path(__file__).resolve().parent.parent / "labs"


def texts(citation, language="da"):
    return [reference_text(r, language) for r in references_of(citation)]


def test_authors_and_years_are_paired_into_one_reference_per_source():
    citation = {"authors": "Aust et al.; Martin & LaMontagne; Tsantila et al.", "year": "2023; 2018; 2023"}
    citation["via"] = "NECTO 2025 §3"
    assert texts(citation, "en") == [
        "Aust et al. (2023). Cited in NECTO 2025 §3.",
        "Martin & LaMontagne (2018). Cited in NECTO 2025 §3.",
        "Tsantila et al. (2023). Cited in NECTO 2025 §3.",
    ]


def test_title_and_source_describe_the_first_source():
    citation = {
        "authors": "European Agency for Safety and Health at Work (EASHW); Hjorth & Ladegaard (NECTO)",
        "year": "2021; 2025",
        "title": "Improving compliance with occupational safety and health regulations: An overarching review",
        "via": "NECTO 2025 §6.4",
    }
    first, second = references_of(citation)
    assert first.title.startswith("Improving compliance") and first.via == "NECTO 2025 §6.4"
    assert second.title == "" and second.via == ""  # the NECTO report is not "cited in" itself


def test_one_author_group_with_several_years_is_several_works():
    assert texts({"authors": "Hasle et al.", "year": "2016; 2017", "via": "NECTO 2025 §5.1"}) == [
        "Hasle et al. (2016). Citeret i NECTO 2025 §5.1.",
        "Hasle et al. (2017). Citeret i NECTO 2025 §5.1.",
    ]


def test_several_author_groups_with_one_year_are_one_work_with_notes():
    citation = {
        "authors": "Winzor, Poulsen m.fl. (NFA); økonomisk evaluering: Houlberg, Kolodziejczyk & Kristensen (KORA)",
        "year": "2012",
        "title": "Det store TTA-projekt. Proces-, effekt- og økonomisk evaluering",
        "source": "Det Nationale Forskningscenter for Arbejdsmiljø (NFA)",
    }
    assert texts(citation) == [
        "Winzor, Poulsen m.fl. (NFA) (2012). Det store TTA-projekt. Proces-, effekt- og økonomisk evaluering. "
        "Det Nationale Forskningscenter for Arbejdsmiljø (NFA). Økonomisk evaluering: Houlberg, Kolodziejczyk & "
        "Kristensen (KORA)."
    ]


@pytest.mark.parametrize(("language", "no_date"), [("da", "u.å."), ("en", "n.d."), ("fi", "s.a.")])
def test_a_work_without_a_year_says_so_in_the_documents_language(language, no_date):
    citation = {"authors": "TeamArbejdsliv ApS", "year": "u.å.", "title": "BIFROST", "source": "teamarbejdsliv.dk"}
    assert texts(citation, language) == [f"TeamArbejdsliv ApS ({no_date}). BIFROST. teamarbejdsliv.dk."]


def test_the_literature_lists_each_work_once_in_alphabetical_order():
    cited = [
        Reference("TeamArbejdsliv ApS", "u.å.", "BIFROST", "teamarbejdsliv.dk, projektside (Aktuelle opgaver)"),
        Reference("TeamArbejdsliv ApS", "u.å.", "BIFROST", "teamarbejdsliv.dk, projektside"),
        Reference("Gensby, Limborg, Eriksen & Helgesen", "2021", "Arbejdsmiljørådgiveren som brobygger"),
        Reference("Gensby, Limborg, Eriksen & Helgesen", "2021", "Arbejdsmiljørådgiveren som brobygger: Erfaringer"),
        Reference("Abildgaard, Nielsen et al.", "2020", via="NECTO 2025 §5.2"),
        Reference("Abildgaard, Nielsen et al.", "2020", via="NECTO 2025 §6.3"),
        Reference("Hasle et al.", "2016"),
        Reference("Hasle et al.", "2017"),
    ]
    merged = merge_references(cited)
    assert [(r.authors, r.year) for r in merged] == [
        ("Abildgaard, Nielsen et al.", "2020"),
        ("Gensby, Limborg, Eriksen & Helgesen", "2021"),
        ("Hasle et al.", "2016"),
        ("Hasle et al.", "2017"),
        ("TeamArbejdsliv ApS", "u.å."),
    ]
    assert merged[0].via == "NECTO 2025"  # cited in two sections of one report
    assert merged[1].title == "Arbejdsmiljørådgiveren som brobygger: Erfaringer"  # the fuller title
    assert merged[4].source == "teamarbejdsliv.dk, projektside"


def test_the_reports_references_were_read_in_are_found_in_the_evidence_files():
    cited = references_of({"authors": "Aust et al.", "year": "2023", "via": "NECTO 2025 §3"})
    assert via_key("NECTO 2025 §3") == "NECTO 2025"
    (report,) = secondary_sources(cited, LABS / "evidence")
    assert report.authors == "Hjorth & Ladegaard (NECTO)" and report.year == "2025"
    assert report.title.startswith("Effektive indsatser") and report.source == "NECTO 2025"
    assert secondary_sources(cited, None) == []


def test_every_card_citation_in_the_labs_makes_references_without_semicolons_in_their_authors():
    import yaml

    checked = 0
    for path in sorted((LABS / "evidence").glob("*.yaml")):
        for card in yaml.safe_load(path.read_text(encoding="utf-8"))["cards"]:
            for reference in references_of(card["citation"]):
                assert ";" not in reference.authors and ";" not in reference.year, card["id"]
                checked += 1
    assert checked > 150


def test_html_escapes_and_sets_the_title_in_cite():
    reference = Reference("A <b>& B</b>", "2020", "Title <i>x</i>", "Journal")
    assert reference_html(reference, "en") == (
        "A &lt;b&gt;&amp; B&lt;/b&gt; (2020). <cite>Title &lt;i&gt;x&lt;/i&gt;.</cite> Journal."
    )
