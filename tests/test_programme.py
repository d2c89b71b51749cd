"""Tests for bifrost_lab.programme and the `programmes` command, on real YAML files."""

from __future__ import annotations

import copy
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bifrost_lab import programme as programme_module
from bifrost_lab.cli.programmes import add_programmes_parser, main_programmes, run_programmes
from bifrost_lab.programme import (
    Anchors,
    Citation,
    EvidenceCard,
    InputSpec,
    InvalidProgrammeError,
    Meeting,
    Problem,
    Programme,
    Role,
    Step,
    Targets,
    Text,
    clear_library_cache,
    load_library,
    validate_paths,
)

REPO = Path(__file__).resolve().parent.parent
LABS = REPO / "labs"
DOCS = REPO / "docs" / "programmes.md"


def t(da: str, en: str = "x") -> dict:
    return {"da": da, "en": en}


ROLES = {
    "roles": [
        {"id": "OHS_ADVISER", "label": t("Rådgiver", "Adviser"), "provenance": "D"},
        {"id": "FACILITATOR", "label": t("Moderator", "Facilitator"), "provenance": "D", "counted": False},
        {"id": "OTHER", "label": t("Andet", "Other"), "provenance": "D"},
    ]
}
CARDS = {
    "cards": [
        {
            "id": "KB-01",
            "label": t("Kort"),
            "text": t("Tekst"),
            "provenance": "S003",
            "kind": "peer_reviewed",
            "citation": {"authors": "Gensby m.fl.", "year": "2021"},
        },
    ]
}
PROGRAMME = {
    "id": "demo",
    "title": t("Demo"),
    "description": t("Beskrivelse"),
    "provenance": "D",
    "languages": ["da", "en"],
    "roles": ["OHS_ADVISER"],
    "meetings": [
        {
            "id": "demo-m1",
            "title": t("Møde"),
            "theme": t("Tema"),
            "goal": t("Mål"),
            "duration_min": 60,
            "areas": ["brokering"],
            "provenance": "D",
            "steps": [
                {
                    "id": "demo-m1-s1",
                    "title": t("Kort"),
                    "type": "group_work",
                    "grouping": "mixed_groups",
                    "duration_min": 20,
                    "question": t("Spørgsmål?"),
                    "facilitator_prompt": t("Gør sådan."),
                    "evidence_cards": ["KB-01"],
                    "provenance": "D",
                    "input": {"type": "cards"},
                },
                {
                    "id": "demo-m1-s2",
                    "title": t("Plenum"),
                    "type": "plenary",
                    "duration_min": 20,
                    "question": t("Mangler noget?"),
                    "facilitator_prompt": t("Klyng kortene."),
                    "provenance": "D",
                },
                {
                    "id": "demo-m1-s3",
                    "title": t("Prioritering"),
                    "type": "prioritisation",
                    "grouping": "individual",
                    "duration_min": 20,
                    "question": t("Hvad er vigtigst?"),
                    "facilitator_prompt": t("Tre prikker."),
                    "provenance": "D",
                    "input": {"type": "dot_vote", "targets": {"from_step": "demo-m1-s2", "source": "clusters"}},
                },
            ],
        }
    ],
}


def write_labs(
    root: Path, programme: dict | None = None, *, roles: dict = ROLES, cards: dict = CARDS, name: str = "demo.yaml"
) -> Path:
    """A small labs folder: roles.yaml, evidence/cards.yaml and one programme; returns the programme file."""
    (root / "evidence").mkdir(parents=True, exist_ok=True)
    (root / "roles.yaml").write_text(yaml.safe_dump(roles, allow_unicode=True), encoding="utf-8")
    (root / "evidence" / "cards.yaml").write_text(yaml.safe_dump(cards, allow_unicode=True), encoding="utf-8")
    path = root / name
    path.write_text(
        yaml.safe_dump(programme if programme is not None else PROGRAMME, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def problems_for(tmp_path: Path, programme: dict, **kwargs) -> list[Problem]:
    return validate_paths([write_labs(tmp_path, programme, **kwargs)])


def broken(change) -> dict:
    """A deep copy of PROGRAMME after `change(copy)`."""
    data = copy.deepcopy(PROGRAMME)
    change(data)
    return data


def step(data: dict, index: int) -> dict:
    return data["meetings"][0]["steps"][index]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_library_cache()
    yield
    clear_library_cache()


# ---------------------------------------------------------------- the real labs folder


def test_all_labs_files_validate_strictly():
    assert [str(p) for p in validate_paths([LABS])] == []
    library = load_library(LABS, strict=True)
    assert library.programmes and library.roles and library.cards


def test_each_programme_file_validates_on_its_own():
    for path in sorted(LABS.glob("*.yaml")):
        assert [str(p) for p in validate_paths([path])] == []


def test_bifrost_has_six_meetings_and_m1_has_eight_steps_over_225_minutes():
    bifrost = load_library(LABS).programme("bifrost")
    assert [m.id for m in bifrost.meetings] == [f"bif-m{n}" for n in range(1, 7)]
    m1 = bifrost.meeting("bif-m1")
    assert m1.title.da == "Fælles afsæt"
    assert [s.id for s in m1.steps] == [f"bif-m1-s{n}" for n in range(1, 9)]
    assert m1.duration_min == sum(s.duration_min for s in m1.steps) == 225
    assert [s.start_min for s in m1.steps] == [0, 15, 45, 90, 105, 145, 180, 205]
    assert [s.input.type for s in m1.steps] == ["rating", "none", "cards", "none", "cards", "none", "dot_vote", "cards"]
    assert len(m1.steps[2].input.columns) == 5 and len(m1.steps[4].input.columns) == 2
    assert m1.steps[6].input.targets == Targets(from_step="bif-m1-s6", source="clusters")
    assert m1.steps[7].secondary_input.type == "rating"


def test_every_bifrost_meeting_adds_up_and_has_danish_and_english_prompts():
    bifrost = load_library(LABS).programme("bifrost")
    for meeting in bifrost.meetings:
        assert sum(s.duration_min for s in meeting.steps) == meeting.duration_min
        for s in meeting.steps:
            if s.type != "break":
                assert s.facilitator_prompt.da and s.facilitator_prompt.en
                assert s.facilitator_prompt.da != s.facilitator_prompt.en


def test_roles_cover_content_spec_categories():
    roles = load_library(LABS).roles
    expected = {
        "RESEARCHER",
        "OHS_ADVISER",
        "PARTY_ADVISORY_SERVICE",
        "INSURER_PENSION",
        "FUNDER_PARTNERSHIP",
        "HOST_KNOWLEDGE_ORG",
        "AUTHORITY",
        "SOCIAL_PARTNER_EMPLOYEE",
        "SOCIAL_PARTNER_EMPLOYER",
        "KNOWLEDGE_ORG",
        "INDUSTRY_ORG",
        "OCC_MEDICINE",
        "SME_MANAGER",
        "EMPLOYEE_REP",
        "EMPLOYEE",
        "HR_OHS_INTERNAL",
        "MANAGER",
        "MUNICIPALITY_JOBCENTER",
        "OH_SERVICE",
        "RESOURCE_PERSON",
        "FACILITATOR",
        "OTHER",
    }
    assert expected <= set(roles)
    assert roles["FACILITATOR"].counted is False


# ---------------------------------------------------------------- models and loading


def test_meeting_round_trips_through_json_with_start_times():
    meeting = load_library(LABS).meeting("bifrost", "bif-m1")
    again = Meeting.model_validate(meeting.model_dump(mode="json"))
    assert again == meeting
    assert [s.start_min for s in again.steps] == [s.start_min for s in meeting.steps]


def test_text_falls_back_to_danish():
    text = Text(da="Hej", en="")
    assert text.get("en") == "Hej" and text.get("fi") == "Hej" and Text(da="Hej", en="Hi").get("en") == "Hi"


def test_models_are_frozen_and_forbid_unknown_fields():
    with pytest.raises((ValueError, TypeError)):
        Text(da="a", en="b", de="c")
    text = Text(da="a", en="b")
    with pytest.raises((ValueError, TypeError)):
        text.da = "c"


def test_input_defaults_fill_only_the_options_of_the_type():
    cards = InputSpec(type="cards")
    assert (cards.max_chars, cards.max_per_participant, cards.dots) == (140, 10, None)
    vote = InputSpec.model_validate({"type": "dot_vote", "options": [t("a"), t("b")]})
    assert (vote.dots, vote.max_per_target, vote.max_chars) == (3, 1, None)
    assert InputSpec.model_validate("none").type == "none"


def test_load_library_uses_env_and_caches_until_a_file_changes(tmp_path, monkeypatch):
    path = write_labs(tmp_path)
    monkeypatch.setenv("BIFROST_LABS_DIR", str(tmp_path))
    first = load_library()
    assert list(first.programmes) == ["demo"] and load_library() is first
    path.write_text(path.read_text(encoding="utf-8").replace("id: demo\n", "id: demo-two\n"), encoding="utf-8")
    assert list(load_library().programmes) == ["demo-two"]


def test_default_labs_dir_is_next_to_the_package(monkeypatch):
    monkeypatch.delenv("BIFROST_LABS_DIR", raising=False)
    assert programme_module.default_labs_dir() == LABS


def test_a_broken_programme_does_not_stop_the_others(tmp_path):
    write_labs(tmp_path)
    (tmp_path / "aaa-broken.yaml").write_text("id: broken\nmeetings: [\n", encoding="utf-8")
    (tmp_path / "bad-schema.yaml").write_text(
        yaml.safe_dump(broken(lambda d: (d.update(id="bad"), step(d, 0)["input"].update(type="dotvote")))),
        encoding="utf-8",
    )
    library = load_library(tmp_path)
    assert list(library.programmes) == ["demo"]
    assert {p.file.rsplit("/", 1)[-1] for p in library.problems} == {"aaa-broken.yaml", "bad-schema.yaml"}
    with pytest.raises(InvalidProgrammeError) as raised:
        load_library(tmp_path, strict=True)
    assert "aaa-broken.yaml" in str(raised.value) and len(raised.value.problems) == 2


def test_content_problems_keep_the_programme_loaded_but_fail_strict(tmp_path):
    write_labs(tmp_path, broken(lambda d: step(d, 0).update(evidence_cards=["KB-99"])))
    library = load_library(tmp_path)
    assert "demo" in library.programmes and len(library.problems) == 1
    with pytest.raises(InvalidProgrammeError):
        load_library(tmp_path, strict=True)


def test_library_lookups_say_what_exists():
    library = load_library(LABS)
    with pytest.raises(KeyError, match="programmes: .*bifrost"):
        library.programme("bifrots")
    with pytest.raises(KeyError, match="bif-m1"):
        library.meeting("bifrost", "m1")


def test_importing_the_loader_stays_light():
    code = "import sys, bifrost_lab.programme; print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- validation errors and their messages


def test_valid_fixture_has_no_problems(tmp_path):
    assert problems_for(tmp_path, PROGRAMME) == []


def test_unknown_input_type_names_the_place_and_the_choices(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0)["input"].update(type="dotvote"))))
    assert problem.file.endswith("demo.yaml")
    assert problem.path == "meetings[0].steps[0].input"
    assert "'dotvote' — expected one of: cards, dot_vote, rating, ranking, matrix_2x2, choice, none" in problem.message
    assert "did you mean 'dot_vote'" in problem.message
    lines = (tmp_path / "demo.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1].strip().startswith("input:")
    assert str(problem).startswith(f"{problem.file}:{problem.line}: meetings[0].steps[0].input: ")


def test_spec_input_names_point_to_the_contract_names(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0)["input"].update(type="open_text_cards"))))
    assert "did you mean 'cards'" in problem.message


def test_option_of_another_input_type(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0)["input"].update(dots=3))))
    assert problem.path == "meetings[0].steps[0].input"
    assert "option 'dots' does not apply to input type 'cards'" in problem.message
    assert "columns, max_chars, max_per_participant" in problem.message


def test_unknown_field_suggests_the_right_one(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0).update(facilitator_promt=t("x")))))
    assert problem.path == "meetings[0].steps[0].facilitator_promt"
    assert "did you mean 'facilitator_prompt'" in problem.message and "expected one of:" in problem.message


def test_unknown_step_type_lists_the_choices(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 1).update(type="plenum"))))
    assert problem.path == "meetings[0].steps[1].type"
    assert "'plenum'" in problem.message and "welcome, evidence_input, group_work" in problem.message


def test_incomplete_input(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0).update(input={"type": "rating"}))))
    assert "a rating needs `items:`" in problem.message
    problem = only(
        problems_for(
            tmp_path, broken(lambda d: step(d, 0).update(input={"type": "ranking", "items": [t("a"), t("b")]}))
        )
    )
    assert "give 5 to 8" in problem.message


def test_duplicate_step_id(tmp_path):
    problems = problems_for(tmp_path, broken(lambda d: step(d, 1).update(id="demo-m1-s1")))
    problem = next(p for p in problems if p.path == "meetings[0].steps[1].id")
    assert "duplicate step id 'demo-m1-s1' (also at meetings[0].steps[0])" in problem.message


def test_duplicate_meeting_id(tmp_path):
    def change(data):
        data["meetings"].append(copy.deepcopy(data["meetings"][0]))
        for s in data["meetings"][1]["steps"]:
            s["id"] = s["id"].replace("m1", "m2")
            if s.get("input", {}).get("targets"):
                s["input"]["targets"]["from_step"] = "demo-m2-s2"

    problem = only(problems_for(tmp_path, broken(change)))
    assert problem.path == "meetings[1].id" and "duplicate meeting id 'demo-m1'" in problem.message


def test_duplicate_programme_id_across_files(tmp_path):
    write_labs(tmp_path)
    (tmp_path / "zz-copy.yaml").write_text(yaml.safe_dump(PROGRAMME), encoding="utf-8")
    problems = validate_paths([tmp_path])
    assert any(
        p.file.endswith("zz-copy.yaml") and p.path == "id" and "duplicate programme id 'demo'" in p.message
        for p in problems
    )
    assert "demo" in load_library(tmp_path).programmes


def test_duplicate_card_and_role_ids(tmp_path):
    cards = {"cards": CARDS["cards"] * 2}
    roles = {"roles": ROLES["roles"] + [ROLES["roles"][0]]}
    write_labs(tmp_path, roles=roles, cards=cards)
    messages = [str(p) for p in validate_paths([tmp_path])]
    assert any("cards[1].id: duplicate card id 'KB-01'" in m for m in messages)
    assert any("roles[3].id: duplicate role id 'OHS_ADVISER'" in m for m in messages)


def test_dangling_card_reference(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0).update(evidence_cards=["KB-02"]))))
    assert problem.path == "meetings[0].steps[0].evidence_cards[0]"
    assert "unknown evidence card 'KB-02'" in problem.message and "did you mean 'KB-01'" in problem.message


def test_dangling_role_reference(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: d.update(roles=["OHS_ADVISOR"]))))
    assert problem.path == "roles[0]" and "did you mean 'OHS_ADVISER'" in problem.message


def test_dangling_from_step(tmp_path):
    problem = only(
        problems_for(tmp_path, broken(lambda d: step(d, 2)["input"]["targets"].update(from_step="demo-m1-s9")))
    )
    assert problem.path == "meetings[0].steps[2].input.targets.from_step"
    assert "no step 'demo-m1-s9'" in problem.message and "demo-m1-s1, demo-m1-s2" in problem.message


def test_from_step_must_come_earlier(tmp_path):
    def change(data):
        step(data, 0)["input"] = {"type": "matrix_2x2", "targets": {"from_step": "demo-m1-s3", "source": "cards"}}

    problems = problems_for(tmp_path, broken(change))
    assert any("comes later" in p.message for p in problems)


def test_cards_source_needs_a_cards_step_but_clusters_may_come_from_a_step_without_input(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 2)["input"]["targets"].update(source="cards"))))
    assert "step 'demo-m1-s2' collects no cards" in problem.message and "source: clusters" in problem.message
    assert problems_for(tmp_path, PROGRAMME) == []  # the fixture's dot vote takes clusters from a plenary


def test_step_times_must_add_up(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 1).update(duration_min=25))))
    assert problem.path == "meetings[0].duration_min"
    assert "add up to 65 min but duration_min is 60" in problem.message and "`duration_min: 65`" in problem.message


def test_missing_provenance(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 1).pop("provenance"))))
    assert problem.path == "meetings[0].steps[1].provenance"
    assert "missing 'provenance'" in problem.message and "provenance: D" in problem.message


def test_wrong_provenance(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: d.update(provenance="seed 0"))))
    assert problem.path == "provenance" and "S000..S004" in problem.message


def test_missing_citation(tmp_path):
    cards = {"cards": [{k: v for k, v in CARDS["cards"][0].items() if k != "citation"}]}
    write_labs(tmp_path, cards=cards)
    problems = validate_paths([tmp_path])
    assert any(
        p.path == "cards[0].citation" and "missing 'citation'" in p.message and "authors" in p.message for p in problems
    )


@pytest.mark.parametrize("field, limit", [("title", 60), ("question", 300), ("facilitator_prompt", 600)])
def test_step_texts_over_their_limit(tmp_path, field, limit):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0).update({field: t("x" * (limit + 1))}))))
    assert problem.path == f"meetings[0].steps[0].{field}.da"
    assert f"{field} is {limit + 1} characters — shorten it to at most {limit}" in problem.message


def test_card_text_over_its_limit(tmp_path):
    card = dict(CARDS["cards"][0], text=t("ord " * 120))
    write_labs(tmp_path, cards={"cards": [card]})
    problem = only(validate_paths([tmp_path / "evidence" / "cards.yaml"]))
    assert problem.path == "cards[0].text.da" and "at most 450" in problem.message


def test_missing_english_translation(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0).update(question={"da": "Hvad?"}))))
    assert problem.path == "meetings[0].steps[0].question.en"
    assert "missing the English ('en') text" in problem.message


def test_missing_danish_text(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: step(d, 0).update(title={"en": "Cards"}))))
    assert problem.path == "meetings[0].steps[0].title.da" and "missing 'da'" in problem.message


def test_finnish_required_only_when_listed(tmp_path):
    problems = problems_for(tmp_path, broken(lambda d: d.update(languages=["da", "en", "fi"])))
    assert problems and all(p.path.endswith(".fi") and "Finnish" in p.message for p in problems)
    assert any(p.path == "meetings[0].steps[0].title.fi" for p in problems)


def test_plain_string_where_a_text_belongs(tmp_path):
    problem = only(problems_for(tmp_path, broken(lambda d: d["meetings"][0].update(title="Møde"))))
    assert problem.path == "meetings[0].title" and '{da: "...", en: "..."}' in problem.message


def test_yaml_syntax_error_and_repeated_key(tmp_path):
    path = write_labs(tmp_path)
    path.write_text('id: demo\ntitle: {da: "x"\n', encoding="utf-8")
    problem = only(validate_paths([path]))
    assert "YAML syntax error" in problem.message and problem.path.startswith("line ")
    path.write_text(yaml.safe_dump(PROGRAMME) + "id: again\n", encoding="utf-8")
    assert "key 'id' appears twice" in only(validate_paths([path])).message


def test_missing_other_role(tmp_path):
    write_labs(tmp_path, roles={"roles": ROLES["roles"][:2]})
    assert any("no role 'OTHER'" in p.message for p in validate_paths([tmp_path]))


def test_draft_outside_labs_is_checked_against_the_default_cards(tmp_path):
    draft = tmp_path / "draft.yaml"
    data = broken(lambda d: (d.update(roles=["OHS_ADVISER"]), step(d, 0).update(evidence_cards=["BIF-01"])))
    draft.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert validate_paths([draft]) == []


def test_missing_path():
    assert "file not found" in only(validate_paths([REPO / "labs" / "nope.yaml"])).message


# ---------------------------------------------------------------- the programmes command


def run_cli(*argv: str) -> tuple[int, str]:
    import argparse

    parser = argparse.ArgumentParser()
    add_programmes_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["programmes", *argv])
    out = io.StringIO()
    return run_programmes(args, out), out.getvalue()


def test_cli_lists_programmes():
    code, output = run_cli("--labs-dir", str(LABS))
    assert code == 0 and re.search(r"^bifrost\s+BIFROST .*\(6 meetings\)$", output, re.M)


def test_cli_shows_a_programme_with_times_and_inputs():
    code, output = run_cli("--labs-dir", str(LABS), "show", "bifrost")
    assert code == 0
    assert re.search(r"3:00–3:25\s+bif-m1-s7\s+prioritisation\s+dot_vote\s+De vigtigste udfordringer", output)
    assert "cards + rating" in output and "bif-m6" in output
    assert run_cli("--labs-dir", str(LABS), "show", "nope")[0] == 1


def test_cli_validate_exit_codes(tmp_path):
    code, output = run_cli("validate", str(LABS))
    assert code == 0 and output.startswith("OK:")
    bad = write_labs(tmp_path, broken(lambda d: step(d, 0)["input"].update(type="dotvote")))
    code, output = run_cli("validate", str(bad))
    assert code == 1 and "meetings[0].steps[0].input: unknown input type 'dotvote'" in output
    assert "1 problem(s) in 1 file(s)" in output


def test_main_programmes_entry():
    assert main_programmes(["validate", str(LABS / "bifrost.yaml")]) == 0


# ---------------------------------------------------------------- documentation


def doc_section(model_name: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    heading = re.search(rf"^## .*`{model_name}`.*$", text, re.M)
    assert heading, f"docs/programmes.md has no '## …`{model_name}`…' section"
    rest = text[heading.end() :]
    following = re.search(r"^## ", rest, re.M)
    return rest[: following.start()] if following else rest


@pytest.mark.parametrize(
    "model", [Text, Role, Citation, EvidenceCard, Programme, Meeting, Step, InputSpec, Targets, Anchors]
)
def test_every_schema_field_is_documented(model):
    section = doc_section(model.__name__)
    undocumented = [name for name in model.model_fields if f"`{name}`" not in section]
    assert not undocumented, f"document {undocumented} of {model.__name__} in docs/programmes.md"


def test_every_input_type_and_command_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for input_type in programme_module.INPUT_TYPES:
        assert f"| `{input_type}` |" in text
    for command in ("bifrost-lab programmes`", "programmes show ID", "programmes validate"):
        assert command in text
