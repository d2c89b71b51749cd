"""Programmes as data: load and validate labs/*.yaml (contract: docs/programme-format.md)."""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

LANGUAGES = ("da", "en", "fi")
REQUIRED_LANGUAGES = ("da", "en")
OTHER_ROLE = "OTHER"  # always offered at join, whatever a programme lists

StepType = Literal["welcome", "evidence_input", "group_work", "break", "plenary", "prioritisation", "wrap_up"]
Grouping = Literal["plenary", "mixed_groups", "role_groups", "sector_groups", "pairs", "individual"]
Area = Literal[
    "brokering",
    "tta_evidence",
    "implementation",
    "raadgivning",
    "medarbejderinddragelse",
    "ledelsesinterventioner",
    "teknologiske_loesninger",
]
InterventionArea = Literal["raadgivning", "medarbejderinddragelse", "ledelsesinterventioner", "teknologiske_loesninger"]
CardKind = Literal[
    "peer_reviewed",
    "report",
    "project_description",
    "practitioner",
    "method",
    "table_row",
    "intervention_area",
    "implementation_factor",
]
InputType = Literal[
    "cards", "dot_vote", "rating", "ranking", "matrix_2x2", "choice", "none", "solution", "budget", "words", "shift"
]
INPUT_TYPES: tuple[str, ...] = typing.get_args(InputType)

# Options each input type accepts, with their defaults (None = no default).
INPUT_OPTIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "cards": {"columns": None, "max_chars": 140, "max_per_participant": 10},
    "dot_vote": {"dots": 3, "max_per_target": 1, "targets": None, "options": None},
    "rating": {"items": None, "anchors": None},
    "ranking": {"items": None, "targets": None, "top": 3},
    "matrix_2x2": {"items": None, "targets": None},
    "choice": {"options": None, "multiple": False},
    # Issue 17: a points budget spread over the items; a word cloud of one to three short answers each;
    # a rating asked again after an earlier rating step of the meeting (`before`), compared for the same people.
    "budget": {"points": 100, "items": None, "targets": None},
    "words": {"max_answers": 3},
    "shift": {"before": None, "items": None, "anchors": None},
    # A good-solution card for the catalogue (issue 10): problem, solution, where, what it took, contact role.
    "solution": {"max_chars": 400, "max_per_participant": 5, "topics": None},
}
# The content spec names inputs differently; point authors to the contract's names.
SPEC_INPUT_NAMES = {
    "open_text_cards": "cards",
    "rating_1_5": "rating",
    "impact_effort_2x2": "matrix_2x2",
    "dotvote": "dot_vote",
    "matrix": "matrix_2x2",
    "2x2": "matrix_2x2",
    "loesningskort": "solution",
    "solution_card": "solution",
    "budget_100": "budget",
    "hundred_points": "budget",
    "word_cloud": "words",
    "wordcloud": "words",
    "before_after": "shift",
}

# Per-language character limits, by the name of the field holding the text.
TEXT_LIMITS = {
    "title": 60,
    "label": 80,
    "question": 300,
    "facilitator_prompt": 600,
    "text": 450,
    "columns": 120,
    "items": 120,
    "options": 120,
    "topics": 80,
    "low": 60,
    "high": 60,
    "barrier": 450,
    "action": 450,
}

PROVENANCE_PATTERN = r"^(S00[0-4]|W:\S+|D)$"
PROVENANCE_HINT = "write S000..S004 (a seed), W:<key> (a web page) or D (our design)"
LOWER_KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CARD_ID = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
ROLE_ID = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(Model):
    """A text in each language; `en` may be empty only while a translation is missing."""

    da: str = Field(min_length=1)
    en: str = ""
    fi: str | None = None

    def get(self, lang: str = "da") -> str:
        """The text in `lang`, falling back to Danish."""
        return getattr(self, lang, None) or self.da

    def __str__(self) -> str:
        return self.da


class Role(Model):
    id: str = Field(pattern=ROLE_ID)
    label: Text
    provenance: str = Field(pattern=PROVENANCE_PATTERN)
    counted: bool = True


class Citation(Model):
    authors: str = Field(min_length=1)
    year: str = Field(min_length=1)
    title: str | None = None
    source: str | None = None
    via: str | None = None

    @field_validator("year", mode="before")
    @classmethod
    def _year_as_text(cls, value: Any) -> Any:
        # YAML reads `year: 2021` as a number; the contract stores it as text ("u.å." is allowed).
        return str(value) if isinstance(value, int) else value


class EvidenceCard(Model):
    id: str = Field(pattern=CARD_ID)
    label: Text
    text: Text
    citation: Citation
    provenance: str = Field(pattern=PROVENANCE_PATTERN)
    kind: CardKind
    verify: bool = False
    tags: tuple[str, ...] = ()
    area: InterventionArea | None = None
    barrier: Text | None = None
    action: Text | None = None

    @model_validator(mode="after")
    def _table_fields_only_on_table_rows(self) -> EvidenceCard:
        if self.kind != "table_row" and (self.barrier or self.action):
            raise ValueError(
                "'barrier' and 'action' belong to cards of kind table_row — set `kind: table_row` or remove them"
            )
        if self.kind == "table_row" and not (self.area and self.barrier and self.action):
            raise ValueError("a table_row card needs `area`, `barrier` and `action` — add the missing ones")
        return self


class Anchors(Model):
    low: Text
    high: Text


class Targets(Model):
    from_step: str = Field(pattern=LOWER_KEBAB)
    source: Literal["clusters", "cards"]


class InputSpec(Model):
    """What participants give in a step; options not used by `type` stay None."""

    type: InputType = "none"
    columns: tuple[Text, ...] | None = None
    max_chars: int | None = Field(default=None, ge=10, le=1000)
    max_per_participant: int | None = Field(default=None, ge=1, le=100)
    dots: int | None = Field(default=None, ge=1, le=20)
    max_per_target: int | None = Field(default=None, ge=1, le=20)
    targets: Targets | None = None
    options: tuple[Text, ...] | None = None
    items: tuple[Text, ...] | None = None
    anchors: Anchors | None = None
    top: int | None = Field(default=None, ge=1, le=8)
    multiple: bool | None = None
    topics: tuple[Text, ...] | None = None
    points: int | None = Field(default=None, ge=10, le=1000)
    max_answers: int | None = Field(default=None, ge=1, le=3)
    before: str | None = Field(default=None, pattern=LOWER_KEBAB)

    @model_validator(mode="before")
    @classmethod
    def _known_type_and_options(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"type": data}
        if not isinstance(data, dict):
            return data
        data = {key: value for key, value in data.items() if value is not None}
        input_type = data.get("type", "none")
        if input_type not in INPUT_OPTIONS:
            raise ValueError(
                f"unknown input type {input_type!r} — expected one of: {', '.join(INPUT_TYPES)}"
                + _did_you_mean(str(input_type), INPUT_TYPES, SPEC_INPUT_NAMES)
            )
        allowed = INPUT_OPTIONS[input_type]
        for key in data:
            if key != "type" and key not in allowed:
                expected = ", ".join(allowed) or "no options"
                raise ValueError(
                    f"option {key!r} does not apply to input type {input_type!r} — "
                    f"{input_type} takes: {expected}" + _did_you_mean(str(key), tuple(allowed))
                )
        defaults = {key: value for key, value in allowed.items() if value is not None}
        return {**defaults, **data}

    @model_validator(mode="after")
    def _complete_for_type(self) -> InputSpec:
        kind = self.type
        if kind == "dot_vote" and (self.targets is None) == (self.options is None):
            raise ValueError(
                "a dot_vote needs either `targets: {from_step: ..., source: clusters}` or `options: [...]` — exactly one"
            )
        if kind == "rating" and not self.items:
            raise ValueError("a rating needs `items:` with at least one text, e.g. `items: [{da: ..., en: ...}]`")
        if kind == "ranking":
            if (self.targets is None) == (self.items is None):
                raise ValueError("a ranking needs either `items: [...]` (5–8) or `targets: {...}` — exactly one")
            if self.items is not None and not 5 <= len(self.items) <= 8:
                raise ValueError(f"a ranking has {len(self.items)} items — give 5 to 8")
        if kind == "matrix_2x2" and (self.targets is None) == (self.items is None):
            raise ValueError("a matrix_2x2 needs either `items: [...]` or `targets: {...}` — exactly one")
        if kind == "choice" and (not self.options or len(self.options) < 2):
            raise ValueError("a choice needs `options:` with at least two texts")
        if kind == "budget":
            if (self.targets is None) == (self.items is None):
                raise ValueError(
                    "a budget needs either `items: [...]` (2–10) or `targets: {from_step: ..., source: ...}` — exactly one"
                )
            if self.items is not None and not 2 <= len(self.items) <= 10:
                raise ValueError(f"a budget has {len(self.items)} items — give 2 to 10 to spread the points over")
        if kind == "shift":
            if self.before is None:
                raise ValueError(
                    "a shift needs `before: <step id>` — the earlier rating step of this meeting whose items it asks again"
                )
            if not self.items:
                raise ValueError(
                    "a shift needs `items:` — the before step's items, in the same order "
                    "(write `items: &name [...]` there and `items: *name` here)"
                )
        return self


class Step(Model):
    id: str = Field(pattern=LOWER_KEBAB)
    title: Text
    type: StepType
    grouping: Grouping = "plenary"
    duration_min: int = Field(ge=1, le=480)
    question: Text | None = None
    facilitator_prompt: Text | None = None
    evidence_cards: tuple[str, ...] = ()
    provenance: str = Field(pattern=PROVENANCE_PATTERN)
    input: InputSpec = InputSpec()
    secondary_input: InputSpec | None = None
    _start_min: int = PrivateAttr(default=0)

    @field_validator("input", mode="before")
    @classmethod
    def _missing_input_is_none(cls, value: Any) -> Any:
        return {"type": "none"} if value is None else value

    @property
    def start_min(self) -> int:
        """Minutes from the start of the meeting; set when the meeting is built."""
        return self._start_min

    @property
    def inputs(self) -> tuple[InputSpec, ...]:
        """The step's inputs that collect something (primary first)."""
        return tuple(spec for spec in (self.input, self.secondary_input) if spec is not None and spec.type != "none")


class Meeting(Model):
    id: str = Field(pattern=LOWER_KEBAB)
    title: Text
    theme: Text
    goal: Text
    duration_min: int = Field(ge=1, le=600)
    areas: tuple[Area, ...] = ()
    provenance: str = Field(pattern=PROVENANCE_PATTERN)
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _set_step_starts(self) -> Meeting:
        offset = 0
        for step in self.steps:
            step._start_min = offset
            offset += step.duration_min
        return self

    def step(self, step_id: str) -> Step:
        """The step with this id."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"meeting {self.id!r} has no step {step_id!r} — steps: {', '.join(s.id for s in self.steps)}")


class Programme(Model):
    id: str = Field(pattern=LOWER_KEBAB)
    title: Text
    description: Text
    # What in the programme is our design rather than its sources' ("agendas are our proposal"): for the
    # team and the organiser choosing a programme, never printed in exports for the meeting's readers.
    design_note: Text | None = None
    provenance: str = Field(pattern=PROVENANCE_PATTERN)
    languages: tuple[Literal["da", "en", "fi"], ...] = ("da", "en")
    roles: tuple[str, ...] = ()
    meetings: tuple[Meeting, ...] = Field(min_length=1)

    def meeting(self, meeting_id: str) -> Meeting:
        """The meeting with this id."""
        for meeting in self.meetings:
            if meeting.id == meeting_id:
                return meeting
        raise KeyError(
            f"programme {self.id!r} has no meeting {meeting_id!r} — meetings: {', '.join(m.id for m in self.meetings)}"
        )


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a labs file: where it is and what to write instead."""

    file: str
    path: str
    message: str
    line: int | None = None  # 1-based line in the file where `path` starts, when it can be found

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class InvalidProgrammeError(ValueError):
    """Raised by strict loading when any labs file has a problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class Library(BaseModel):
    """Everything in one labs folder: programmes, roles, evidence cards, and what was wrong."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    labs_dir: Path | None = None
    programmes: dict[str, Programme] = {}
    roles: dict[str, Role] = {}
    cards: dict[str, EvidenceCard] = {}
    problems: tuple[Problem, ...] = ()

    def programme(self, programme_id: str) -> Programme:
        """The programme with this id."""
        try:
            return self.programmes[programme_id]
        except KeyError:
            known = ", ".join(self.programmes) or "none loaded"
            raise KeyError(f"no programme {programme_id!r} in {self.labs_dir} — programmes: {known}") from None

    def meeting(self, programme_id: str, meeting_id: str) -> Meeting:
        """The meeting `meeting_id` of programme `programme_id`."""
        return self.programme(programme_id).meeting(meeting_id)


# ---------------------------------------------------------------- loading


def default_labs_dir() -> Path:
    """$BIFROST_LABS_DIR, else the labs/ folder next to the bifrost_lab package."""
    configured = os.environ.get("BIFROST_LABS_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "labs"


_library_cache: dict[tuple[Path, bool], tuple[tuple, Library]] = {}


def load_library(labs_dir: str | Path | None = None, *, strict: bool = False) -> Library:
    """Load every programme, role and evidence card in `labs_dir`; cached until a file changes.

    Not strict: programmes with problems that would break a room are left out, the rest load,
    and every problem is in `lib.problems`. Strict: raise InvalidProgrammeError on any problem.
    """
    directory = Path(labs_dir).expanduser().resolve() if labs_dir else default_labs_dir()
    files = labs_files(directory)
    signature = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    cached = _library_cache.get((directory, strict))
    if cached and cached[0] == signature:
        return cached[1]
    library = build_library(files, labs_dir=directory)
    if strict and library.problems:
        raise InvalidProgrammeError(list(library.problems))
    _library_cache[(directory, strict)] = (signature, library)
    return library


def clear_library_cache() -> None:
    """Forget loaded libraries (tests, or after editing files within the same second)."""
    _library_cache.clear()


def labs_files(labs_dir: Path) -> list[Path]:
    """The YAML files of a labs folder: roles.yaml, evidence/*.yaml, then programmes by name."""
    if not labs_dir.is_dir():
        return []
    evidence = sorted((labs_dir / "evidence").glob("*.yaml")) if (labs_dir / "evidence").is_dir() else []
    return [*sorted(labs_dir.glob("*.yaml")), *evidence]


def validate_paths(paths: Sequence[str | Path]) -> list[Problem]:
    """Check files or labs folders strictly; a file is checked against the roles and cards of its labs folder."""
    problems: list[Problem] = []
    for raw_path in paths:
        path = Path(raw_path).expanduser().resolve()
        if not path.exists():
            problems.append(Problem(_display(path), "", "file not found — give a labs folder or a .yaml file"))
            continue
        if path.is_dir():
            library = build_library(labs_files(path), labs_dir=path)
            if not (path / "roles.yaml").exists():
                problems.append(
                    Problem(_display(path), "", "no roles.yaml — a labs folder needs roles.yaml next to its programmes")
                )
            problems.extend(library.problems)
            continue
        labs_dir = _labs_dir_of(path)
        if labs_dir is not None:
            files = labs_files(labs_dir)
            files = files if path in files else [*files, path]
        else:
            # A draft outside any labs folder is checked against the default roles and cards only.
            context = default_labs_dir()
            files = [f for f in labs_files(context) if f.name == "roles.yaml" or f.parent.name == "evidence"]
            files.append(path)
        library = build_library(files, labs_dir=labs_dir)
        problems.extend(problem for problem in library.problems if problem.file == _display(path))
    return problems


def _labs_dir_of(path: Path) -> Path | None:
    for candidate in (path.parent, path.parent.parent):
        if (candidate / "roles.yaml").exists():
            return candidate
    return None


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def build_library(files: list[Path], labs_dir: Path | None = None) -> Library:
    """Build a Library from YAML files, sorted by what their top-level key says they hold."""
    problems: list[Problem] = []
    roles: dict[str, Role] = {}
    cards: dict[str, EvidenceCard] = {}
    card_files: dict[str, str] = {}
    programme_docs: list[tuple[str, dict]] = []
    for path in files:
        name = _display(path)
        data = _read_yaml(path, name, problems)
        if data is None:
            continue
        if "roles" in data and "meetings" not in data:
            _load_items(data, "roles", Role, name, roles, {}, problems)
            if OTHER_ROLE not in roles:
                problems.append(
                    Problem(
                        name,
                        "roles",
                        f"no role {OTHER_ROLE!r} — add `- id: {OTHER_ROLE}` with "
                        'label {da: "Andet", en: "Other"}; it is always offered at join',
                    )
                )
        elif "cards" in data:
            _load_items(data, "cards", EvidenceCard, name, cards, card_files, problems)
        elif "meetings" in data:
            programme_docs.append((name, data))
        else:
            problems.append(
                Problem(
                    name,
                    "",
                    "not a labs file — start with `roles:` (roles.yaml), `cards:` "
                    "(evidence/*.yaml) or `id:` and `meetings:` (a programme)",
                )
            )
    programmes: dict[str, Programme] = {}
    programme_files: dict[str, str] = {}
    meeting_files: dict[str, tuple[str, str]] = {}
    for name, data in programme_docs:
        programme = _parse(Programme, data, name, "", problems)
        if programme is None:
            continue
        blocking = check_programme_structure(programme, name, programme_files, meeting_files)
        problems.extend(blocking)
        problems.extend(check_programme_content(programme, name, roles, cards))
        if not blocking:
            programmes[programme.id] = programme
            programme_files[programme.id] = name
    problems = _with_lines(problems, {_display(path): path for path in files})
    return Library(labs_dir=labs_dir, programmes=programmes, roles=roles, cards=cards, problems=tuple(problems))


def _with_lines(problems: list[Problem], paths: dict[str, Path]) -> list[Problem]:
    """Add line numbers, reading the YAML node tree again only for files that have problems."""
    trees: dict[str, Any] = {}
    located = []
    for problem in problems:
        if problem.line is None and problem.file in paths and not problem.path.startswith("line "):
            if problem.file not in trees:
                try:
                    trees[problem.file] = yaml.compose(
                        paths[problem.file].read_text(encoding="utf-8"),
                        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
                    )
                except (yaml.YAMLError, OSError, UnicodeDecodeError):
                    trees[problem.file] = None
            line = _line_of(trees[problem.file], problem.path)
            problem = Problem(problem.file, problem.path, problem.message, line)
        located.append(problem)
    return located


def _line_of(node: Any, path: str) -> int | None:
    """The line where `path` (e.g. `meetings[2].steps[4].input`) starts, or its nearest existing parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for token in re.findall(r"[^.\[\]]+", path):
        if isinstance(node, yaml.MappingNode):
            match = next(((key, value) for key, value in node.value if key.value == token), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _read_yaml(path: Path, name: str, problems: list[Problem]) -> dict | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(name, where, f"YAML syntax error: {reason} — check indentation, colons and quotes"))
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(name, "", f"cannot read the file ({error}) — save it as UTF-8 text"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(name, "", "the file must be a mapping — start with `roles:`, `cards:` or `id:`"))
        return None
    return data


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # the C loader when built
    """Safe loader that refuses a key written twice in one mapping (the second would silently win)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in the same mapping — keep one", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _load_items(
    data: dict, key: str, model: type[Model], name: str, into: dict, files: dict[str, str], problems: list[Problem]
) -> None:
    items = data.get(key)
    extra = sorted(set(data) - {key})
    if extra:
        problems.append(Problem(name, extra[0], f"unknown top-level key {extra[0]!r} — this file holds only `{key}:`"))
    if not isinstance(items, list):
        problems.append(Problem(name, key, f"`{key}:` must be a list of entries starting with `- id: ...`"))
        return
    for index, item in enumerate(items):
        path = f"{key}[{index}]"
        parsed = _parse(model, item, name, path, problems)
        if parsed is None:
            continue
        if parsed.id in into:
            where = files.get(parsed.id, name)
            problems.append(
                Problem(
                    name,
                    f"{path}.id",
                    f"duplicate {key[:-1]} id {parsed.id!r} (first in {where}) — give this one a new id",
                )
            )
            continue
        into[parsed.id] = parsed
        files[parsed.id] = name
        problems.extend(check_item_texts(parsed, name, path))


def _parse(model: type[Model], data: Any, name: str, path: str, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = error.errors()
        for detail in details:
            if detail["type"] == "too_short" and _has_inner_error(detail["loc"], details):
                continue  # pydantic counts only the valid entries; the inner error is the real one
            problems.append(Problem(name, _join_path(path, detail["loc"]), _explain(model, detail)))
        return None


def _has_inner_error(loc: tuple, details: list) -> bool:
    return any(len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == tuple(loc) for other in details)


# ---------------------------------------------------------------- checks


def check_programme_structure(
    programme: Programme, name: str, programme_files: dict[str, str], meeting_files: dict[str, tuple[str, str]]
) -> list[Problem]:
    """Problems that would break a room: duplicate ids and inputs that point at the wrong step."""
    problems: list[Problem] = []
    if programme.id in programme_files:
        problems.append(
            Problem(
                name,
                "id",
                f"duplicate programme id {programme.id!r} (also in "
                f"{programme_files[programme.id]}) — give this programme a new id",
            )
        )
    step_paths: dict[str, str] = {}
    for m_index, meeting in enumerate(programme.meetings):
        meeting_path = f"meetings[{m_index}]"
        if meeting.id in meeting_files:
            other_file, other_path = meeting_files[meeting.id]
            problems.append(
                Problem(
                    name,
                    f"{meeting_path}.id",
                    f"duplicate meeting id {meeting.id!r} (also at "
                    f"{other_file}: {other_path}) — give this meeting a new id",
                )
            )
        else:
            meeting_files[meeting.id] = (name, meeting_path)
        earlier: dict[str, Step] = {}
        for s_index, step in enumerate(meeting.steps):
            step_path = f"{meeting_path}.steps[{s_index}]"
            if step.id in step_paths:
                problems.append(
                    Problem(
                        name,
                        f"{step_path}.id",
                        f"duplicate step id {step.id!r} (also at {step_paths[step.id]}) — give this step a new id",
                    )
                )
            else:
                step_paths[step.id] = step_path
            for field in ("input", "secondary_input"):
                spec = getattr(step, field)
                if spec is not None and spec.targets is not None:
                    message = _check_targets(spec.targets, meeting, earlier)
                    if message:
                        problems.append(Problem(name, f"{step_path}.{field}.targets.from_step", message))
                if spec is not None and spec.type == "shift" and spec.before is not None:
                    message = _check_before(spec, meeting, earlier)
                    if message:
                        problems.append(Problem(name, f"{step_path}.{field}.before", message))
            earlier[step.id] = step
    return problems


def _check_before(spec: InputSpec, meeting: Meeting, earlier: dict[str, Step]) -> str | None:
    """A shift asks the items of an earlier rating step of its meeting again, in the same order."""
    before = earlier.get(spec.before or "")
    if before is None:
        if spec.before in [step.id for step in meeting.steps]:
            return f"step {spec.before!r} comes later — `before` must name an earlier rating step of this meeting"
        ratings = [step.id for step in earlier.values() if any(s.type == "rating" for s in step.inputs)]
        return (
            f"no step {spec.before!r} in meeting {meeting.id!r} — write one of the earlier rating steps: "
            f"{', '.join(ratings) or '(none)'}" + _did_you_mean(spec.before or "", tuple(ratings))
        )
    rating = next((s for s in before.inputs if s.type == "rating"), None)
    if rating is None:
        return (
            f"step {before.id!r} has no rating — `before` must name a step with `input: {{type: rating}}` "
            "(or a rating as its secondary_input)"
        )
    asked, given = len(rating.items or ()), len(spec.items or ())
    if asked != given:
        return (
            f"step {before.id!r} rates {asked} item(s) and this shift {given} — ask the same items in the same "
            "order (write `items: &name [...]` there and `items: *name` here)"
        )
    return None


def _check_targets(targets: Targets, meeting: Meeting, earlier: dict[str, Step]) -> str | None:
    source_step = earlier.get(targets.from_step)
    if source_step is None:
        known = [step.id for step in meeting.steps]
        if targets.from_step in known:
            return f"step {targets.from_step!r} comes later — targets must come from an earlier step of this meeting"
        return (
            f"no step {targets.from_step!r} in meeting {meeting.id!r} — write one of: {', '.join(earlier) or '(no earlier steps)'}"
            + _did_you_mean(targets.from_step, tuple(earlier))
        )
    collects_cards = any(spec.type == "cards" for spec in source_step.inputs)
    if targets.source == "cards" and not collects_cards:
        return (
            f"step {source_step.id!r} collects no cards — point at a step with `input: {{type: cards}}`, "
            "or use `source: clusters` for clusters the facilitator makes"
        )
    if targets.source == "clusters" and source_step.inputs and not collects_cards:
        return (
            f"step {source_step.id!r} collects {source_step.input.type}, not cards — clusters come from a "
            "cards step or from a step without input (the facilitator clusters earlier cards there)"
        )
    return None


def check_programme_content(
    programme: Programme, name: str, roles: dict[str, Role], cards: dict[str, EvidenceCard]
) -> list[Problem]:
    """Problems a room survives: timings, text lengths, translations, unknown cards and roles."""
    problems: list[Problem] = []
    languages = [lang for lang in programme.languages]
    for lang in REQUIRED_LANGUAGES:
        if lang not in languages:
            problems.append(
                Problem(
                    name,
                    "languages",
                    f"{lang!r} is missing — languages must include da and en, e.g. `languages: [da, en]`",
                )
            )
    for path, text, field in _texts(programme, ""):
        problems.extend(_check_text(name, path, text, field, languages))
    for index, role_id in enumerate(programme.roles):
        if role_id not in roles:
            problems.append(
                Problem(
                    name,
                    f"roles[{index}]",
                    f"unknown role {role_id!r} — write an id from "
                    "roles.yaml" + _did_you_mean(role_id, tuple(roles)) + " or add it to roles.yaml",
                )
            )
    for m_index, meeting in enumerate(programme.meetings):
        meeting_path = f"meetings[{m_index}]"
        total = sum(step.duration_min for step in meeting.steps)
        if total != meeting.duration_min:
            problems.append(
                Problem(
                    name,
                    f"{meeting_path}.duration_min",
                    f"the steps add up to {total} min but duration_min is {meeting.duration_min} — "
                    f"write `duration_min: {total}` or change the steps' durations",
                )
            )
        for s_index, step in enumerate(meeting.steps):
            step_path = f"{meeting_path}.steps[{s_index}]"
            if step.type != "break":
                for field in ("question", "facilitator_prompt"):
                    if getattr(step, field) is None:
                        problems.append(
                            Problem(
                                name,
                                f"{step_path}.{field}",
                                f'a {step.type} step needs a {field} — add `{field}: {{da: "...", en: "..."}}`',
                            )
                        )
            for c_index, card_id in enumerate(step.evidence_cards):
                if card_id not in cards:
                    problems.append(
                        Problem(
                            name,
                            f"{step_path}.evidence_cards[{c_index}]",
                            f"unknown evidence card {card_id!r} — write an id from labs/evidence/*.yaml"
                            + _did_you_mean(card_id, tuple(cards))
                            + " or add the card there",
                        )
                    )
    return problems


def _texts(value: Any, path: str, field: str = "") -> Iterator[tuple[str, Text, str]]:
    """Every Text inside a model, with its path and the name of the field that holds it."""
    if isinstance(value, Text):
        yield path, value, field
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), f"{path}.{name}" if path else name, name)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]", field)


def _check_text(name: str, path: str, text: Text, field: str, languages: Sequence[str]) -> list[Problem]:
    problems = []
    for lang in languages:
        value = getattr(text, lang)
        if not value:
            problems.append(
                Problem(
                    name,
                    f"{path}.{lang}",
                    f'missing the {_LANGUAGE_NAMES[lang]} text — add `{lang}: "..."` next to `da:`',
                )
            )
    limit = TEXT_LIMITS.get(field)
    if limit:
        for lang in LANGUAGES:
            value = getattr(text, lang) or ""
            if len(value) > limit:
                problems.append(
                    Problem(
                        name, f"{path}.{lang}", f"{field} is {len(value)} characters — shorten it to at most {limit}"
                    )
                )
    return problems


def check_item_texts(item: Model, name: str, path: str) -> list[Problem]:
    """Missing English and over-long texts of one role or evidence card."""
    problems = []
    for text_path, text, field in _texts(item, path):
        problems.extend(_check_text(name, text_path, text, field, list(REQUIRED_LANGUAGES)))
    return problems


_LANGUAGE_NAMES = {"da": "Danish ('da')", "en": "English ('en')", "fi": "Finnish ('fi')"}


# ---------------------------------------------------------------- error messages


def _join_path(prefix: str, loc: tuple) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _did_you_mean(value: str, choices: tuple[str, ...], aliases: dict[str, str] | None = None) -> str:
    if aliases and value in aliases:
        return f" (did you mean {aliases[value]!r}?)"
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(value.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
        close = [c for c in choices if close and c.lower() == close[0]]
    return f" (did you mean {close[0]!r}?)" if close else ""


_FIELD_HINTS = {
    "provenance": "add `provenance: D` — " + PROVENANCE_HINT,
    "citation": 'add `citation: {authors: "...", year: "2021"}` (title, source, via optional)',
    "id": "add an `id:`",
    "da": 'add `da: "..."` — Danish is required in every text',
    "steps": "add `steps:` with at least one step",
    "meetings": "add `meetings:` with at least one meeting",
}
_PATTERN_HINTS = {
    PROVENANCE_PATTERN: PROVENANCE_HINT,
    LOWER_KEBAB: "ids of programmes, meetings and steps are lower-case words joined by '-', e.g. 'bif-m1-s3'",
    CARD_ID: "evidence card ids are upper-case parts joined by '-', e.g. 'KB-01'",
    ROLE_ID: "role ids are UPPER_SNAKE, e.g. 'OHS_ADVISER'",
}


def _explain(model: type[BaseModel], detail: Mapping[str, Any]) -> str:
    """Turn one pydantic error into: what is wrong — what to write instead."""
    loc = tuple(detail["loc"])
    kind = detail["type"]
    value = detail.get("input")
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    owner, annotation = _field_at(model, loc)
    if kind == "missing":
        hint = _FIELD_HINTS.get(field)
        if hint is None:
            hint = f"add `{field}: ...`" + (' (a text: `{da: "...", en: "..."}`)' if annotation is Text else "")
        return f"missing {field!r} — {hint}"
    if kind == "extra_forbidden":
        allowed = tuple(owner.model_fields) if owner else ()
        return (
            f"unknown field {field!r}"
            + _did_you_mean(field, allowed, SPEC_INPUT_NAMES)
            + (f" — expected one of: {', '.join(allowed)}" if allowed else " — remove it")
        )
    if kind in ("literal_error", "enum"):
        choices = _literal_choices(annotation)
        return f"{value!r} is not a valid {field} — expected one of: {', '.join(choices)}" + _did_you_mean(
            str(value), choices, SPEC_INPUT_NAMES
        )
    if kind == "value_error":
        return str(detail.get("ctx", {}).get("error") or detail["msg"].removeprefix("Value error, "))
    if kind == "string_pattern_mismatch":
        pattern = detail.get("ctx", {}).get("pattern", "")
        return f"{value!r} is not a valid {field} — {_PATTERN_HINTS.get(pattern, 'see docs/programmes.md')}"
    if kind == "string_too_short":
        return f"{field} is empty — write the text"
    if kind in ("model_type", "model_attributes_type", "dict_type") and annotation is Text:
        return f'{field} must be a text in each language — write `{field}: {{da: "...", en: "..."}}`'
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{field} must be a mapping of `key: value` lines — see docs/programmes.md for its fields"
    if kind in ("tuple_type", "list_type"):
        return f"{field} must be a list — write `{field}: [...]` or one `- ...` line per entry"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field} must be a whole number, not {value!r}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{field} is {value!r} — {detail['msg'].lower()}"
    if kind == "too_short":
        return f"{field} is empty — give at least {detail.get('ctx', {}).get('min_length', 1)} entry"
    if kind in ("bool_parsing", "bool_type"):
        return f"{field} must be true or false, not {value!r}"
    if kind in ("string_type",):
        return f"{field} must be text, not {value!r} — put it in quotes"
    return f"{detail['msg']} — see docs/programmes.md"


def _field_at(model: type[BaseModel], loc: tuple) -> tuple[type[BaseModel] | None, Any]:
    """The model owning the last field of `loc`, and that field's annotation."""
    current: Any = model
    owner: type[BaseModel] | None = None
    annotation: Any = None
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
            continue
        if isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            owner = current
            annotation = current.model_fields[part].annotation
            current = annotation
        else:
            owner = current if isinstance(current, type) and issubclass(current, BaseModel) else owner
            annotation = None
            current = None
    return owner, _unwrap(annotation)


def _unwrap(annotation: Any) -> Any:
    """Strip `| None` from an annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _literal_choices(annotation: Any) -> tuple[str, ...]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is tuple:
        annotation = typing.get_args(annotation)[0]
    return tuple(str(choice) for choice in typing.get_args(annotation))
