"""Content checks for the evidence-card library and the NECTO learning labs (labs/).

These check the content itself, not the loader: that every card of content_spec §1/§3/§6.4
is there, that the NECTO tables, intervention areas and implementation factors are complete
and cited, that texts exist in Danish and English, and that "design vs source" stays visible.
"""

from __future__ import annotations

import re

import pytest

from bifrost_lab.programme import load_library

AREAS = {
    "raadgivning": ("RAD", 5),
    "medarbejderinddragelse": ("MED", 4),
    "ledelsesinterventioner": ("LED", 5),
    "teknologiske_loesninger": ("TEK", 4),
}
AREA_CARDS = {
    "AREA-RAD": "raadgivning",
    "AREA-MED": "medarbejderinddragelse",
    "AREA-LED": "ledelsesinterventioner",
    "AREA-TEK": "teknologiske_loesninger",
}
FACTOR_CARDS = {"FAC-IMPL": "implementeringsledelse", "FAC-KOMP": "arbejdsmiljoekompetence", "FAC-FIT": "fit"}

# Card families of content_spec §1 and §6.4, with how many cards each has.
FAMILIES = {
    "BIF": [f"BIF-{n:02d}" for n in range(1, 13)],
    "KB": [f"KB-{n:02d}" for n in range(1, 18)],
    "TTA": [f"TTA-{n:02d}" for n in range(1, 10)],
    "SMV": [f"SMV-{n:02d}" for n in range(1, 14)],
    "MECH": [f"MECH-{n:02d}" for n in range(1, 6)],
    "IMP": [f"IMP-{n:02d}" for n in range(1, 14)],
    "AREA": (
        [f"AREA-R{n}" for n in range(1, 3)]
        + [f"AREA-M{n}" for n in range(1, 7)]
        + [f"AREA-L{n}" for n in range(1, 6)]
        + [f"AREA-T{n}" for n in range(1, 6)]
    ),
    "MTH": [f"MTH-{n:02d}" for n in range(1, 8)],
    "SOR": [f"SOR-{n:02d}" for n in range(1, 5)],
    "AAL": [f"AAL-{n:02d}" for n in range(1, 6)],
    "FI": [f"FI-{n:02d}" for n in range(1, 6)],
}
# Cards the spec marks VERIFY (§1, §6.4, §8) – shown with a check-first flag to moderators.
VERIFY_CARDS = {"BIF-07", "BIF-08", "BIF-11", "KB-02", "TTA-02", "TTA-06", "SOR-04", "FI-04", "FI-05"}
# Section numbers that exist in the NECTO 2025 report (seed 003).
NECTO_SECTIONS = {"2", "2.1", "3", "4", "4.1", "4.6", "5", "5.1", "5.2", "5.3", "5.4", "6", "6.1", "6.2", "6.3", "6.4"}
MAX_WORDS = 60


@pytest.fixture(scope="module")
def lib():
    return load_library(strict=True)


@pytest.fixture(scope="module")
def cards(lib):
    return lib.cards


def test_every_spec_card_family_is_complete(cards):
    for family, ids in FAMILIES.items():
        missing = [card_id for card_id in ids if card_id not in cards]
        assert not missing, f"{family}: missing {missing}"


@pytest.mark.parametrize("area", list(AREAS))
def test_necto_table_rows_per_area(cards, area):
    code, expected = AREAS[area]
    rows = sorted(card.id for card in cards.values() if card.kind == "table_row" and card.area == area)
    assert rows == [f"TBL-{code}-{n}" for n in range(1, expected + 1)]


def test_there_are_exactly_18_table_rows_with_barrier_and_action(cards):
    rows = [card for card in cards.values() if card.kind == "table_row"]
    assert len(rows) == 18
    for card in rows:
        for text in (card.label, card.text, card.barrier, card.action):
            assert text is not None and text.da and text.en, card.id
        assert card.provenance == "S003"
        assert re.search(r"NECTO 2025 §5\.[1-4]", card.citation.source or ""), card.id
        section = card.citation.source.split("§")[1][:3]
        assert AREAS[card.area][0] == {"5.1": "RAD", "5.2": "MED", "5.3": "LED", "5.4": "TEK"}[section], card.id


def test_four_intervention_areas(cards):
    areas = {card.id: card for card in cards.values() if card.kind == "intervention_area"}
    assert set(areas) == set(AREA_CARDS)
    for card_id, area in AREA_CARDS.items():
        assert area in areas[card_id].tags


def test_three_implementation_factors(cards):
    factors = {card.id: card for card in cards.values() if card.kind == "implementation_factor"}
    assert set(factors) == set(FACTOR_CARDS)
    for card_id, factor in FACTOR_CARDS.items():
        assert factor in factors[card_id].tags
        assert "§6." in (factors[card_id].citation.source or "")


@pytest.mark.parametrize("kind", ["table_row", "intervention_area", "implementation_factor"])
def test_necto_structure_cards_are_cited_to_the_report(cards, kind):
    for card in (c for c in cards.values() if c.kind == kind):
        assert card.citation.authors and card.citation.year == "2025", card.id
        assert card.provenance == "S003", card.id
        assert "NECTO 2025 §" in (card.citation.source or ""), card.id


def test_every_card_has_citation_provenance_and_both_languages(cards):
    for card in cards.values():
        assert card.citation.authors.strip() and card.citation.year.strip(), card.id
        assert re.fullmatch(r"S00[0-4]|W:\S+|D", card.provenance), card.id
        for text in (card.label, card.text):
            assert text.da.strip() and text.en.strip(), card.id


def test_card_texts_are_short(cards):
    for card in cards.values():
        for text in (card.text, card.barrier, card.action):
            if text is None:
                continue
            for lang in ("da", "en", "fi"):
                value = getattr(text, lang) or ""
                assert len(value.split()) <= MAX_WORDS, f"{card.id} {lang}: {len(value.split())} words"


def test_finnish_cards_have_finnish_texts(cards):
    for card_id in FAMILIES["FI"]:
        assert cards[card_id].label.fi and cards[card_id].text.fi, card_id


def test_verify_cards_are_flagged(cards):
    flagged = {card.id for card in cards.values() if card.verify}
    assert flagged == VERIFY_CARDS
    for card in cards.values():
        if "VERIFY" in card.citation.authors:
            assert card.verify, card.id


def test_secondary_citations_name_a_real_report_section(cards):
    for card in cards.values():
        for field in (card.citation.via, card.citation.source):
            for section in re.findall(r"NECTO 2025 §(\d(?:\.\d)?)", field or ""):
                assert section in NECTO_SECTIONS, f"{card.id}: §{section}"
        if card.citation.via:
            assert card.citation.via.startswith("NECTO 2025 §"), card.id
            assert card.provenance == "S003", card.id


def test_participant_texts_do_not_leak_verify_notes(cards):
    for card in cards.values():
        for lang in ("da", "en", "fi"):
            assert "VERIFY" not in (getattr(card.text, lang) or ""), card.id


# ---------------------------------------------------------------- NECTO learning labs


@pytest.fixture(scope="module")
def necto(lib):
    return lib.programme("necto")


def test_necto_has_labs_a_b_c_that_add_up(necto):
    assert [m.id for m in necto.meetings] == ["necto-lab-a", "necto-lab-b", "necto-lab-c"]
    for meeting in necto.meetings:
        assert sum(step.duration_min for step in meeting.steps) == meeting.duration_min == 225, meeting.id
        assert meeting.steps[0].type == "welcome" and meeting.steps[-1].type == "wrap_up"
        assert any(step.type == "break" for step in meeting.steps)


def test_necto_design_is_marked_as_design(necto):
    assert necto.provenance == "S003"  # the frame: three labs, themes, KTE/search-conference inspiration
    for meeting in necto.meetings:
        assert meeting.provenance == "D"
        assert all(step.provenance == "D" for step in meeting.steps), meeting.id


def test_necto_steps_have_bilingual_questions_and_prompts(necto):
    for meeting in necto.meetings:
        for step in meeting.steps:
            if step.type == "break":
                continue
            for text in (step.title, step.question, step.facilitator_prompt):
                assert text is not None and text.da and text.en, step.id


def test_necto_cards_and_roles_exist(lib, necto):
    for meeting in necto.meetings:
        for step in meeting.steps:
            unknown = [card_id for card_id in step.evidence_cards if card_id not in lib.cards]
            assert not unknown, f"{step.id}: {unknown}"
    assert set(necto.roles) <= set(lib.roles)
    assert {"RESEARCHER", "OHS_ADVISER", "PARTY_ADVISORY_SERVICE", "INSURER_PENSION", "OCC_MEDICINE"} <= set(
        necto.roles
    )


def test_lab_b_stations_show_all_table_rows(lib, necto):
    shown = {card_id for step in necto.meeting("necto-lab-b").steps for card_id in step.evidence_cards}
    rows = {card.id for card in lib.cards.values() if card.kind == "table_row"}
    assert rows <= shown
    assert set(AREA_CARDS) <= shown and set(FACTOR_CARDS) <= shown


def test_every_card_used_by_a_programme_exists(lib):
    for programme in lib.programmes.values():
        for meeting in programme.meetings:
            for step in meeting.steps:
                assert set(step.evidence_cards) <= set(lib.cards), step.id
