"""The Part E programmes (Sorø, Aalborg, FIOH): valid, sourced, in their languages, and runnable as rooms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bifrost_lab import rooms
from bifrost_lab.programme import InputSpec, validate_paths

LABS = Path(__file__).resolve().parent.parent / "labs"
EXTRA = {
    "soroe-spredning": ("soroe.yaml", "S001", 3),
    "aalborg-videnskorps": ("aalborg.yaml", "S002", 3),
    "fioh-yhteistyo": ("fioh.yaml", "S004", 2),
}


@pytest.mark.parametrize("name", [v[0] for v in EXTRA.values()] + ["evidence/videnskorps.yaml"])
def test_the_file_validates_with_no_problems(name):
    assert validate_paths([LABS / name]) == []


@pytest.mark.parametrize("programme_id", EXTRA)
def test_programme_frame_from_its_seed_agendas_by_design(library, programme_id):
    programme = library.programme(programme_id)
    _file, seed, meetings = EXTRA[programme_id]
    assert programme.provenance == seed
    assert len(programme.meetings) == meetings
    for meeting in programme.meetings:
        assert meeting.provenance == "D"
        assert meeting.duration_min == sum(step.duration_min for step in meeting.steps)
        assert all(step.provenance == "D" for step in meeting.steps)
        assert any(step.inputs for step in meeting.steps), f"{meeting.id} collects nothing"
        for step in meeting.steps:
            assert all(card in library.cards for card in step.evidence_cards)


@pytest.mark.parametrize("programme_id", EXTRA)
def test_every_programme_asks_for_good_solutions(library, programme_id):
    steps = [s for m in library.programme(programme_id).meetings for s in m.steps]
    solution_steps = [s for s in steps if s.input.type == "solution"]
    assert solution_steps
    for step in solution_steps:
        assert step.input.topics, f"{step.id}: give the participants topics to choose from"
        assert "rolle" in step.facilitator_prompt.da  # contact is a role, never a name


def test_the_source_cards_of_each_seed_are_used(library):
    used = {c for p in EXTRA for m in library.programme(p).meetings for s in m.steps for c in s.evidence_cards}
    for card in (
        "SOR-01",
        "SOR-02",
        "SOR-03",
        "SOR-04",
        "AAL-01",
        "AAL-02",
        "AAL-03",
        "AAL-04",
        "AAL-05",
        "FI-01",
        "FI-02",
        "FI-03",
        "FI-04",
        "FI-05",
    ):
        assert card in used, f"{card} is not shown in any step"


def test_the_aalborg_directory_names_roles_never_persons(library):
    directory = {cid: c for cid, c in library.cards.items() if cid.startswith("VK-")}
    assert len(directory) >= 5
    seed = Path("/work/shared/seeds") / "002_e9acebca10d14782.txt"
    named_in_seed = ("Jan Valentin", "Gerda Jakobsen")
    for card in directory.values():
        for text in (card.text.da, card.text.en, card.label.da):
            assert not any(name in text for name in named_in_seed)
            assert "@" not in text
    topics_step = library.meeting("aalborg-videnskorps", "aal-netvaerk").step("aal-n-s3")
    assert {"VK-01", "VK-02"} <= set(topics_step.evidence_cards)
    assert [c.da for c in topics_step.input.columns][:2] == ["Vold og trusler", "Forflytning"]
    assert "RESOURCE_PERSON" in library.programme("aalborg-videnskorps").roles
    if seed.exists():  # the two example topics come from the seed
        text = seed.read_text(encoding="utf-8")
        assert "vold og trusler" in text and "forflytningsteknikken" in text


def _texts(value):
    if isinstance(value, dict):
        if "da" in value and isinstance(value["da"], str):
            yield value
        else:
            for inner in value.values():
                yield from _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)


def test_fioh_speaks_finnish_everywhere(library):
    programme = library.programme("fioh-yhteistyo")
    assert programme.languages == ("da", "en", "fi")
    raw = yaml.safe_load((LABS / "fioh.yaml").read_text(encoding="utf-8"))
    texts = list(_texts(raw))
    assert len(texts) > 60
    assert all(t.get("fi") and t.get("en") for t in texts), [t["da"] for t in texts if not t.get("fi")][:3]
    for card in ("FI-01", "FI-02", "FI-03", "FI-04", "FI-05"):
        assert library.cards[card].text.fi
    for role in programme.roles:
        assert library.roles[role].label.fi, f"role {role} has no Finnish label"
    assessment = programme.meeting("fi-tyopaja").step("fi-t-s2")
    assert assessment.input.type == "rating" and len(assessment.input.items) == 7
    assert assessment.grouping == "role_groups"
    assert programme.meeting("fi-seuranta").step("fi-s-s2").input.items == assessment.input.items


def test_fioh_agrees_goals_then_indicators(library):
    steps = library.meeting("fioh-yhteistyo", "fi-tyopaja").steps
    kinds = [s.input.type for s in steps]
    ranking = kinds.index("ranking")
    assert steps[ranking].input.top == 3
    assert "ndikator" in steps[ranking + 1].title.da and steps[ranking + 1].input.type == "cards"


@pytest.mark.parametrize("programme_id", EXTRA)
def test_every_meeting_opens_as_a_room_in_each_language(sqlite_engine, library, programme_id):
    programme = library.programme(programme_id)
    for meeting in programme.meetings:
        for language in programme.languages:
            opened = rooms.open_room(sqlite_engine, library, programme_id, meeting.id, language=language)
            for step in rooms.steps(opened):
                assert rooms.text(step["title"], language)
                InputSpec.model_validate(step["input"])  # the snapshot round-trips
            if language == "fi":
                assert all(r["label"].get("fi") for r in opened.content["roles"])
