"""The knowledge summary (vidensopsamling) of a room: data -> sections of escaped HTML.

Called from notebooks/summary.ipynb, which export.py executes and renders with nbconvert. The same
notebook opens in JupyterLab, so an organiser can re-run it for a room and add their own analysis.
Sections follow content_spec Part D; docs/export.md says where each number comes from.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from bifrost_lab import aggregation as agg
from bifrost_lab import config, i18n, rooms, store
from bifrost_lab.citations import year_text
from bifrost_lab.i18n import N_
from bifrost_lab.inputs.registry import BY_KIND, INPUT_TYPES
from bifrost_lab.markup import demo_banner_html, esc, join_list, tag, text_block
from bifrost_lab.reports.blocks import (  # the shared building blocks, also used by each input type's section
    HIDDEN_MARK,
    HIDDEN_OMIT,
    _hidden_target,
    _note,
    _number,
    _role_name,
    _table,
    target_label,
)
from bifrost_lab.reports.catalogue import summary_section as section_solutions  # issue 10: the meeting's good solutions

DIVERGENCE_POINTS = 1.5  # content_spec Part D §10: role means this far apart count as a disagreement
RESUME_MAX_POINTS = 8

AREA_LABELS = {
    "brokering": N_("Knowledge-brokering adviser competences"),
    "tta_evidence": N_("Evidence on return-to-work practice"),
    "implementation": N_("Tailored implementation"),
    "raadgivning": N_("Advice"),
    "medarbejderinddragelse": N_("Employee involvement"),
    "ledelsesinterventioner": N_("Leadership interventions"),
    "teknologiske_loesninger": N_("Technological solutions"),
}
STEP_TYPE_LABELS = {
    "welcome": N_("Welcome"),
    "evidence_input": N_("Evidence input"),
    "group_work": N_("Group work"),
    "break": N_("Break"),
    "plenary": N_("Plenary"),
    "prioritisation": N_("Prioritisation"),
    "wrap_up": N_("Wrap-up"),
}
INPUT_TYPE_LABELS = {
    "none": N_("no input"),
    "cards": N_("cards"),
    "solution": N_("good solution"),
    **{name: answer_type.label for name, answer_type in INPUT_TYPES.items()},
}
CATEGORY_LABELS = {"insight": N_("Insights"), "barrier": N_("Barriers"), "action": N_("Action perspectives")}
PROVENANCE_LABELS = {
    "S000": N_("BIFROST project description"),
    "S001": N_("Sorø Municipality and the Working Environment Authority"),
    "S002": N_("Article on amid.dk about Aalborg Municipality"),
    "S003": N_("NECTO knowledge report 2025"),
    "S004": N_("FIOH (Finland)"),
    "D": N_("design proposal"),
}
# Implementation perspective (content_spec Part D §9): a barrier or action is sorted under the first
# factor whose word stems occur in its text. A plain, checkable rule; the organiser corrects the rest.
FACTOR_LABELS = {
    "implementeringsledelse": N_("Implementation leadership"),
    "arbejdsmiljoekompetence": N_("OHS competence"),
    "fit": N_("Fit with the workplace"),
    "omverden": N_("Surroundings"),
}
FACTOR_STEMS = {
    "implementeringsledelse": (
        "leder",
        "ledelse",
        "ejerleder",
        "beslut",
        "prioriter",
        "ansvar",
        "opfølg",
        "forankr",
        "politik",
        "strategi",
        "leadership",
        "manager",
    ),
    "arbejdsmiljoekompetence": (
        "viden",
        "kompetence",
        "rådgiv",
        "uddann",
        "arbejdsmiljørepræsentant",
        "amr",
        "værktøj",
        "guide",
        "metode",
        "kursus",
        "skills",
        "adviser",
        "knowledge",
    ),
    "fit": (
        "hverdag",
        "travl",
        "deadline",
        "tid",
        "ressource",
        "kultur",
        "branche",
        "tilpas",
        "passe",
        "fleksib",
        "hjemmearbejde",
        "opgave",
        "kunde",
        "fit",
        "workload",
    ),
    "omverden": (
        "jobcent",
        "kommune",
        "læge",
        "myndighed",
        "lovgivning",
        "fagforening",
        "forsikring",
        "pension",
        "sektor",
        "authority",
    ),
}


@dataclass(frozen=True)
class ReportOptions:
    """What the organiser decides before export (docs/export.md).

    summary_points: the resumé as written by the organiser; empty = proposed from the results.
    hidden_cards: "mark" shows cards the moderator hid, marked as such; "omit" leaves them out.
    """

    summary_points: tuple[str, ...] = ()
    hidden_cards: str = HIDDEN_MARK
    organiser: str = ""


@dataclass(frozen=True)
class SummaryData:
    """Everything a summary shows, read once from the store."""

    room: store.Room
    participants: tuple[store.Participant, ...]
    inputs: tuple[store.Input, ...]
    step_runs: tuple[store.StepRun, ...]
    language: str
    clusters: tuple[Any, ...] = ()
    options: ReportOptions = field(default_factory=ReportOptions)
    programme_description: Any = None
    next_meeting_title: Any = None

    @cached_property
    def roles_by_participant(self) -> dict[str, str]:
        return {p.id: p.role for p in self.participants}

    @cached_property
    def inputs_by_id(self) -> dict[str, store.Input]:
        return {i.id: i for i in self.inputs}

    def answers(self, rows: Iterable[store.Input]) -> list[agg.Answer]:
        """The rows as the aggregation rule sees them (with each respondent's role)."""
        return agg.answers_of(rows, lambda row: self.roles_by_participant.get(row.participant_id or ""))

    @property
    def counted(self) -> list[store.Participant]:
        return [p for p in self.participants if p.role != rooms.FACILITATOR_ROLE]

    def visible_inputs(self) -> list[store.Input]:
        """Inputs the document uses: hidden ones are left out when the organiser chose so."""
        return list(self._visible)

    @cached_property
    def _visible(self) -> tuple[store.Input, ...]:
        """Hidden cards out when the organiser chose so; answers of a FACILITATOR participant never count."""
        facilitators = {p.id for p in self.participants if p.role == rooms.FACILITATOR_ROLE}
        return tuple(
            i
            for i in self.inputs
            if not (self.options.hidden_cards == HIDDEN_OMIT and i.hidden)
            and not (i.kind != "card" and i.participant_id in facilitators)
        )

    @cached_property
    def _by_kind_step(self) -> dict[tuple[str, str | None], list[store.Input]]:
        index: dict[tuple[str, str | None], list[store.Input]] = {}
        for item in self._visible:
            index.setdefault((item.kind, item.step_id), []).append(item)
            index.setdefault((item.kind, None), []).append(item)
        return index

    def of_kind(self, kind: str, step_id: str | None = None) -> list[store.Input]:
        return list(self._by_kind_step.get((kind, step_id), []))

    def t(self, value: Any) -> str:
        return rooms.text(value, self.language)


def list_live_clusters(engine: Any, room_id: str) -> tuple[Any, ...]:
    """The room's clusters (store migration 2), without deleted ones; none on an older store."""
    lister = getattr(store, "list_clusters", None)
    if lister is None:
        return ()
    return tuple(c for c in lister(engine, room_id) if not getattr(c, "deleted", False))


@lru_cache(maxsize=16)
def programme_document(programme_id: str, labs_dir: str) -> dict[str, Any] | None:
    """The raw YAML of a programme file (texts and meeting order only), parsed once per process.

    Only a few texts are needed, so the file is read directly instead of loading and validating the
    whole library, which would take longer than the rest of an export. None when the file is not at hand.
    """
    import yaml

    wanted = re.compile(rf"^id:\s*['\"]?{re.escape(programme_id)}['\"]?\s*$", re.MULTILINE)
    for path in sorted(Path(labs_dir).glob("*.yaml")):
        try:
            source = path.read_text(encoding="utf-8")
            if not wanted.search(source):
                continue
            doc = yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(doc, dict) and doc.get("id") == programme_id:
            return doc
    return None


def programme_of(programme_id: str) -> dict[str, Any] | None:
    return programme_document(programme_id, str(config.setting("labs_dir") or config.repo_dir() / "labs"))


def _library_context(room: store.Room) -> tuple[Any, Any]:
    """The programme description and the next meeting's title, from the programme's file."""
    doc = programme_of(room.programme_id)
    if doc is None:
        return None, None
    ids = [m.get("id") for m in doc.get("meetings") or [] if isinstance(m, dict)]
    after = ids.index(room.meeting_id) + 1 if room.meeting_id in ids else len(ids)
    next_title = doc["meetings"][after].get("title") if after < len(ids) else None
    return doc.get("description"), next_title


def load_summary_data(
    room_id: str, db_url: str | None = None, language: str | None = None, options: ReportOptions | None = None
) -> SummaryData:
    engine = store.connect(db_url or config.db_url())
    room = store.get_room(engine, room_id)
    if room is None:
        raise store.RoomNotFound(room_id)
    description, next_title = _library_context(room)
    return SummaryData(
        room,
        tuple(store.list_participants(engine, room_id)),
        tuple(store.list_inputs(engine, room_id)),
        tuple(store.step_runs_of(engine, room_id)),
        i18n.normalise_language(language or room.language),
        list_live_clusters(engine, room_id),
        options or ReportOptions(),
        description,
        next_title,
    )


# ----------------------------------------------------------------------------------------------
# Small helpers


def _fmt_clock(epoch: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(epoch)) if epoch else "–"


def _offset(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _section(title: str, body: str, *, ident: str) -> str:
    return tag("section", tag("h2", esc(title)) + body, cls="bf-section", id=ident)


def _step_by_id(data: SummaryData) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in rooms.steps(data.room)}


def _ran_indices(data: SummaryData) -> set[int]:
    return {r.step_index for r in data.step_runs}


def _inputs_by_id(data: SummaryData) -> dict[str, store.Input]:
    return data.inputs_by_id


def _result_steps(data: SummaryData) -> list[tuple[dict[str, Any], str, dict[str, Any], list[agg.Answer]]]:
    """(step, kind, answers) for every step with priority input, in agenda order."""
    found = []
    for step in rooms.steps(data.room):
        for kind, answer_type in BY_KIND.items():
            rows = data.of_kind(kind, step["id"])
            # A step with two inputs of one kind keeps the second apart with payload "slot" (room.answer_id).
            for slot in dict.fromkeys(str(r.payload.get("slot") or "input") for r in rows):
                in_slot = [r for r in rows if str(r.payload.get("slot") or "input") == slot]
                spec = step.get(slot) if slot in ("input", "secondary_input") else None
                if not isinstance(spec, dict) or spec.get("type") != answer_type.name:
                    spec = next((sp for _s, sp in rooms.step_inputs(step) if sp.get("type") == answer_type.name), {})
                found.append((step, kind, dict(spec), data.answers(in_slot)))
    return found


# ----------------------------------------------------------------------------------------------
# 1 Cover


def section_cover(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    content = data.room.content
    meeting = content["meeting"]
    date = i18n.format_date(data.room.created_at, data.language)
    facilitators = [
        p.display_name
        for p in data.participants
        if p.role == rooms.FACILITATOR_ROLE and p.display_name and p.name_consent
    ]
    facts = [(_("Programme"), data.t(content["programme"]["title"])), (_("Date"), date)]
    if data.options.organiser:
        facts.append((_("Organiser"), data.options.organiser))
    if facilitators:
        facts.append((_("Facilitator"), ", ".join(facilitators)))
    facts += [
        (_("Participants"), str(len(data.counted))),
        (
            _("Version"),
            _("agenda {hash}, generated {when}").format(
                hash=data.room.content_hash[:8], when=i18n.format_date(time.time(), data.language, with_time=True)
            ),
        ),
    ]
    return tag(
        "header",
        tag("p", esc(_("Knowledge summary")), cls="bf-kicker")
        + tag("h1", esc(data.t(meeting["title"])))
        + tag("p", esc(data.t(meeting.get("theme"))), cls="bf-theme")
        + tag("dl", join_list(tag("dt", esc(k)) + tag("dd", esc(v)) for k, v in facts), cls="bf-facts"),
        cls="bf-cover",
    )


# ----------------------------------------------------------------------------------------------
# 2 Resumé


def proposed_points(data: SummaryData) -> list[str]:
    """Key points proposed from the results: the top of each vote, ranking, rating and 2×2."""
    _ = i18n.gettext_for(data.language)
    points: list[str] = []
    for step, kind, spec, rows in _result_steps(data):
        title = data.t(step.get("title"))
        if kind == "vote":
            top = [s for s in agg.vote_totals(rows) if not _hidden_target(data, s.target)][:3]
            if top:
                points.append(
                    _("{step}: most dots went to {items}.").format(
                        step=title,
                        items="; ".join(f"«{target_label(data, step, spec, s.target)}» ({s.value:.0f})" for s in top),
                    )
                )
        elif kind == "rank":
            top = [
                s
                for s in agg.borda(rows, [f"item:{i}" for i in range(len(spec.get("items") or []))])
                if not _hidden_target(data, s.target)
            ][:3]
            if top:
                points.append(
                    _("{step}: the ranking put {items} on top.").format(
                        step=title, items="; ".join(f"«{target_label(data, step, spec, s.target)}»" for s in top)
                    )
                )
        elif kind == "rating":
            rated = agg.rating_results(rows)
            if len(rated) == 1:
                r = rated[0]
                points.append(
                    _("{step}: «{item}» was rated {mean} on average (1–5, {n} answers).").format(
                        step=title,
                        item=target_label(data, step, spec, f"item:{r.item}"),
                        mean=_number(r.mean, 1, data.language),
                        n=r.n,
                    )
                )
            elif rated:
                r = max(rated, key=lambda x: (x.mean, x.n))
                points.append(
                    _("{step}: «{item}» was rated highest, {mean} on average (1–5, {n} answers).").format(
                        step=title,
                        item=target_label(data, step, spec, f"item:{r.item}"),
                        mean=_number(r.mean, 1, data.language),
                        n=r.n,
                    )
                )
        elif kind == "placement":
            wins = [
                p
                for p in agg.placement_results(rows)
                if agg.quadrant(p.x, p.y) == "quick_win" and not _hidden_target(data, p.target)
            ]
            if wins:
                points.append(
                    _("{step}: seen as quick wins: {items}.").format(
                        step=title, items="; ".join(f"«{target_label(data, step, spec, p.target)}»" for p in wins[:3])
                    )
                )
    sized = _cluster_sizes(data)
    big = sorted((c for c in data.clusters if sized.get(c.id)), key=lambda c: -sized[c.id])[:2]
    for cluster in big:
        points.append(_("A recurring theme: «{label}» ({n} cards).").format(label=cluster.label, n=sized[cluster.id]))
    return points[:RESUME_MAX_POINTS]


def section_resume(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    if data.options.summary_points:
        points, note = list(data.options.summary_points), ""
    else:
        points = proposed_points(data)
        note = _note(_("Selected automatically from the meeting's votes, rankings and ratings.")) if points else ""
    if not points:
        body = tag("p", esc(_("The meeting collected no votes or ratings to summarise.")))
    else:
        body = tag("ul", join_list(tag("li", esc(p)) for p in points), cls="bf-points") + note
    return _section(_("Summary"), body, ident="resume")


# ----------------------------------------------------------------------------------------------
# 3 Baggrund og formål


def section_background(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    meeting = data.room.content["meeting"]
    parts = []
    if data.programme_description:
        parts.append(tag("p", esc(data.t(data.programme_description))))
    parts.append(tag("h3", esc(_("Purpose of this meeting"))) + tag("p", esc(data.t(meeting.get("goal")))))
    areas = [a for a in meeting.get("areas") or [] if a in AREA_LABELS]
    if areas:
        parts.append(
            tag("h3", esc(_("Areas the meeting works on")))
            + tag("ul", join_list(tag("li", esc(_(AREA_LABELS[a]))) for a in areas))
        )
    questions = [
        data.t(s.get("question")) for s in rooms.steps(data.room) if s.get("question") and rooms.input_type(s) != "none"
    ]
    if questions:
        parts.append(
            tag("h3", esc(_("The meeting's questions"))) + tag("ol", join_list(tag("li", esc(q)) for q in questions))
        )
    return _section(_("Background and purpose"), join_list(parts), ident="baggrund")


# ----------------------------------------------------------------------------------------------
# 4 Metode og proces


def _input_types(step: dict[str, Any]) -> list[str]:
    types = [rooms.input_type(step)]
    secondary = step.get("secondary_input")
    if isinstance(secondary, dict) and secondary.get("type") not in (None, "none"):
        types.append(secondary["type"])
    return types


def section_agenda(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    runs: dict[int, list[store.StepRun]] = {}
    for run in data.step_runs:
        runs.setdefault(run.step_index, []).append(run)
    inputs = data.visible_inputs()
    counts = Counter(i.step_id for i in inputs)
    answered = {sid: len({agg.respondent_key(i) for i in inputs if i.step_id == sid}) for sid in counts}
    rows = []
    start = 0
    for index, step in enumerate(rooms.steps(data.room)):
        ran = runs.get(index, [])
        actual = sum(((r.ended_at or r.started_at) - r.started_at) for r in ran) / 60
        kinds = ", ".join(_(INPUT_TYPE_LABELS.get(t, t)) for t in _input_types(step))
        rows.append(
            [
                esc(_offset(start)),
                esc(data.t(step.get("title")))
                + tag("span", esc(_(STEP_TYPE_LABELS.get(str(step.get("type")), ""))), cls="bf-sub"),
                esc(kinds),
                esc(f"{step.get('duration_min', 0)} min"),
                esc(f"{_fmt_clock(ran[0].started_at)} ({actual:.0f} min)") if ran else esc(_("not run")),
                esc(str(answered.get(step["id"], 0))),
                esc(str(counts.get(step["id"], 0))),
            ]
        )
        start += int(step.get("duration_min", 0))
    intro = tag(
        "p",
        esc(
            _(
                "The meeting followed a dialogue-conference format: short inputs from research and "
                "practice, work in groups, plenary without debate and a joint prioritisation. The table "
                "shows the agenda as it ran, with the time each step actually took and how many took "
                "part in it."
            )
        ),
    )
    table = _table(
        (_("Start"), _("Step"), _("Input"), _("Planned"), _("Ran (actual)"), _("Took part"), _("Inputs")), rows
    )
    total = tag("p", esc(_("{n} inputs from {p} participants in all.").format(n=len(inputs), p=len(data.counted))))
    return _section(_("Method and process"), intro + table + total, ident="metode")


# ----------------------------------------------------------------------------------------------
# 5 Deltagere


def section_participants(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    by_role = Counter(p.role for p in data.counted)
    rows = [[esc(rooms.role_label(data.room, role, data.language)), esc(str(n))] for role, n in by_role.most_common()]
    total = tag("p", esc(_("{n} participants in all.").format(n=len(data.counted))))
    named: dict[str, list[str]] = {}
    for person in data.counted:
        if person.name_consent and person.display_name:
            named.setdefault(person.role, []).append(person.display_name)
    names = ""
    if named:
        names = tag("h3", esc(_("Participants who agreed to be named"))) + tag(
            "ul",
            join_list(
                tag(
                    "li",
                    tag("strong", esc(rooms.role_label(data.room, role, data.language)))
                    + esc(": " + ", ".join(sorted(people))),
                )
                for role, people in named.items()
            ),
        )
    note = _note(_("Names appear only for participants who chose to be named when they joined."))
    return _section(
        _("Participants"), total + _table((_("Role"), _("Participants")), rows) + names + note, ident="deltagere"
    )


# ----------------------------------------------------------------------------------------------
# 6 Vidensgrundlag, 13 Litteratur


def shown_card_ids(data: SummaryData) -> list[str]:
    """Evidence cards of the steps that ran (all steps' cards when no run was recorded)."""
    ran = _ran_indices(data)
    ids: list[str] = []
    for index, step in enumerate(rooms.steps(data.room)):
        if ran and index not in ran:
            continue
        ids.extend(c for c in step.get("evidence_cards") or [] if c not in ids)
    return [c for c in ids if c in data.room.content.get("cards", {})]


def citation_text(citation: dict[str, Any], gettext: Callable[[str], str] = str) -> str:
    """A full reference: Authors (year). Title. Source. [via …]; a missing year in the page's language."""
    text = f"{citation.get('authors', '').strip()} ({year_text(citation.get('year', ''), gettext)})."
    for key in ("title", "source"):
        if citation.get(key):
            text += f" {str(citation[key]).rstrip('.')}."
    return text


def _provenance_label(data: SummaryData, provenance: str) -> str:
    _ = i18n.gettext_for(data.language)
    if provenance in PROVENANCE_LABELS:
        return _(PROVENANCE_LABELS[provenance])
    if provenance.startswith("W:"):
        return _("public web page ({key})").format(key=provenance[2:])
    return provenance


def section_evidence(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    cards = data.room.content.get("cards", {})
    blocks = []
    for card_id in shown_card_ids(data):
        card = cards[card_id]
        citation = card.get("citation") or {}
        via = _(" (via {source})").format(source=citation["via"]) if citation.get("via") else ""
        blocks.append(
            tag(
                "article",
                tag("h3", esc(f"{card_id} · {data.t(card.get('label'))}"))
                + (tag("p", esc(_("To be verified")), cls="bf-verify") if card.get("verify") else "")
                + tag("p", esc(data.t(card.get("text"))))
                + tag("p", esc(citation_text(citation, _) + via), cls="bf-cite")
                + tag(
                    "p",
                    esc(
                        _("Provenance: {label}").format(label=_provenance_label(data, str(card.get("provenance", ""))))
                    ),
                    cls="bf-prov",
                ),
                cls="bf-evidence",
            )
        )
    if not blocks:
        blocks.append(tag("p", esc(_("No evidence cards were shown in this meeting."))))
    elif any(cards[card_id].get("verify") for card_id in shown_card_ids(data)):
        blocks.append(
            _note(
                _(
                    "«To be verified»: the wording of this card has not yet been checked against its source; "
                    "read it as a pointer to the source, not as a finding."
                )
            )
        )
    return _section(_("Knowledge base: evidence presented"), join_list(blocks), ident="vidensgrundlag")


def section_literature(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    cards = data.room.content.get("cards", {})
    refs: dict[str, str] = {}
    for card_id in shown_card_ids(data):
        citation = cards[card_id].get("citation") or {}
        text = citation_text(citation, _)
        if citation.get("via"):
            text += " " + _("Cited via {source}.").format(source=citation["via"])
        refs.setdefault(text, text)
    body = (
        tag("ol", join_list(tag("li", esc(r)) for r in sorted(refs, key=str.casefold)), cls="bf-refs")
        if refs
        else tag("p", esc(_("No references.")))
    )
    return _section(_("Literature"), body, ident="litteratur")


# ----------------------------------------------------------------------------------------------
# 7 Resultater: Indsigter · Barrierer · Handlingsperspektiver


def _cluster_sizes(data: SummaryData) -> Counter[str]:
    return Counter(str(i.cluster_id) for i in data.of_kind("card") if i.cluster_id)


def _clusters_of_step(data: SummaryData, step_id: str) -> list[Any]:
    return sorted((c for c in data.clusters if c.step_id == step_id), key=lambda c: (c.position, c.created_at))


def _cluster_entry(data: SummaryData, cluster: Any, sizes: Counter[str]) -> str:
    _ = i18n.gettext_for(data.language)
    return tag(
        "li", esc(cluster.label) + tag("span", esc(_("{n} cards").format(n=sizes.get(cluster.id, 0))), cls="bf-count")
    )


def section_results(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    sizes = _cluster_sizes(data)
    parts = []
    for step in rooms.steps(data.room):
        clusters = _clusters_of_step(data, step["id"])
        if not clusters:
            continue
        columns = [[c for c in clusters if c.category == key] for key in ("insight", "barrier", "action")]
        other = [c for c in clusters if c.category not in ("insight", "barrier", "action")]
        block = tag("h3", esc(_("Summary: insights and perspectives – {step}").format(step=data.t(step.get("title")))))
        if any(columns):
            block += _table(
                [_(CATEGORY_LABELS[k]) for k in ("insight", "barrier", "action")],
                [
                    [
                        tag("ul", join_list(_cluster_entry(data, c, sizes) for c in col)) if col else "–"
                        for col in columns
                    ]
                ],
                cls="bf-table bf-ibh",
            )
        if other:
            block += tag("h4", esc(_("Themes"))) + tag(
                "ul", join_list(_cluster_entry(data, c, sizes) for c in other), cls="bf-themes"
            )
        parts.append(block)
    if not parts:
        parts.append(
            tag(
                "p",
                esc(
                    _(
                        "The facilitator did not group the cards into themes in this meeting. All cards "
                        "are listed in the appendix."
                    )
                ),
            )
        )
    else:
        parts.append(
            _note(
                _(
                    "Themes are the facilitator's clusters of the participants' cards; the number is how many "
                    "cards were placed in each."
                )
            )
        )
    return _section(_("Results: insights and perspectives"), join_list(parts), ident="resultater")


# ----------------------------------------------------------------------------------------------
# 8 Prioriteringer


def section_priorities(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    parts = []
    for step, kind, spec, rows in _result_steps(data):
        question = data.t(step.get("question"))
        parts.append(
            tag(
                "div",
                tag("h3", esc(data.t(step.get("title"))))
                + (tag("p", esc(question), cls="bf-question") if question else "")
                + BY_KIND[kind].summary(data, step, spec, rows),
                cls="bf-result",
            )
        )
    if not parts:
        parts.append(tag("p", esc(_("The meeting had no votes, rankings, ratings or placements."))))
    else:
        parts.append(
            _note(
                _(
                    "Figures count answers in whole groups of {k}, in the order they came in, so no one's answer "
                    "can be worked out; up to {less} of the latest answers to a question may not be counted. A role "
                    "is shown on its own in groups of {k}; everyone else is counted together as «Others»."
                ).format(k=agg.K_MIN, less=agg.K_MIN - 1)
            )
        )
    return _section(_("Priorities"), join_list(parts), ident="prioriteringer")


# ----------------------------------------------------------------------------------------------
# 9 Implementeringsperspektiv


def classify_factor(text: str) -> str | None:
    """The implementation factor whose word stems occur first in the text (FACTOR_STEMS), or None."""
    words = re.findall(r"\w+", text.casefold())
    for factor, stems in FACTOR_STEMS.items():
        if any(w.startswith(stem) for w in words for stem in stems):
            return factor
    return None


def _implementation_items(data: SummaryData) -> list[tuple[str, str, int]]:
    """(text, kind, count): barrier and action clusters, else the cards of group work and wrap-up."""
    _ = i18n.gettext_for(data.language)
    sizes = _cluster_sizes(data)
    items = [
        (str(c.label), c.category, sizes.get(c.id, 0)) for c in data.clusters if c.category in ("barrier", "action")
    ]
    if items:
        return sorted(items, key=lambda item: -item[2])
    steps = _step_by_id(data)
    counted: Counter[str] = Counter()
    for card in data.of_kind("card"):
        if steps.get(card.step_id, {}).get("type") in ("group_work", "wrap_up"):
            counted[str(card.payload.get("text", "")).strip()] += 1
    return [(text, "card", n) for text, n in counted.most_common()]


def section_implementation(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    by_factor: dict[str, list[tuple[str, str, int]]] = {f: [] for f in FACTOR_LABELS}
    for text, kind, n in _implementation_items(data):
        factor = classify_factor(text)
        if factor:
            by_factor[factor].append((text, kind, n))
    kind_label = {"barrier": _("barrier"), "action": _("action"), "card": _("card")}
    rows = []
    for factor, items in by_factor.items():
        entries = (
            tag(
                "ul",
                join_list(
                    tag("li", esc(text) + tag("span", esc(f"{kind_label.get(kind, kind)}, {n}"), cls="bf-count"))
                    for text, kind, n in items[:8]
                ),
            )
            if items
            else "–"
        )
        rows.append([esc(_(FACTOR_LABELS[factor])), entries])
    body = _table(
        (_("Factor"), _("Barriers and motivators from the meeting")), rows, cls="bf-table bf-factors"
    ) + _note(
        _(
            "Sorted by key words into the three implementation factors of the NECTO report "
            "(implementation leadership, OHS competence, fit) and the surroundings; items without a key word "
            "are left out. The number is how many cards support the item."
        )
    )
    return _section(_("Implementation perspective"), body, ident="implementering")


# ----------------------------------------------------------------------------------------------
# 10 Uenigheder, åbne spørgsmål og videnshuller


def divergences(data: SummaryData) -> list[tuple[str, str, dict[str, float]]]:
    """(step title, item, mean per role group) where role-group means differ by DIVERGENCE_POINTS or more."""
    found = []
    for step, kind, spec, rows in _result_steps(data):
        if kind != "rating":
            continue
        groups = agg.role_split(rows)
        if not groups:
            continue
        means: dict[str, dict[str, float]] = {}
        for role, members in groups:
            for r in agg.rating_results(members):
                means.setdefault(r.item, {})[role] = r.mean
        for item, by_role in means.items():
            if len(by_role) >= 2 and max(by_role.values()) - min(by_role.values()) >= DIVERGENCE_POINTS:
                found.append((data.t(step.get("title")), target_label(data, step, spec, f"item:{item}"), by_role))
    return found


def section_disagreements(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    parts = []
    found = divergences(data)
    if found:
        parts.append(
            tag(
                "ul",
                join_list(
                    tag(
                        "li",
                        tag("strong", esc(f"{step}: {item}"))
                        + " – "
                        + esc(
                            ", ".join(
                                f"{_role_name(data, role)} {_number(mean, 1, data.language)}"
                                for role, mean in sorted(by_role.items(), key=lambda kv: -kv[1])
                            )
                        ),
                    )
                    for step, item, by_role in found
                ),
            )
        )
    else:
        parts.append(
            tag(
                "p",
                esc(
                    _(
                        "No rating differed by {points} points or more between role groups of at least {k} people."
                    ).format(points=_number(DIVERGENCE_POINTS, 1, data.language), k=agg.K_MIN)
                ),
            )
        )
    questions = sorted(
        {
            str(c.payload.get("text", "")).strip()
            for c in data.of_kind("card")
            if str(c.payload.get("text", "")).strip().endswith("?")
        }
    )
    if questions:
        parts.append(
            tag("h3", esc(_("Open questions raised by participants")))
            + tag("ul", join_list(tag("li", esc(q)) for q in questions[:15]))
        )
    return _section(_("Disagreements, open questions and knowledge gaps"), join_list(parts), ident="uenigheder")


# ----------------------------------------------------------------------------------------------
# The facilitator's notes (issue 21): what the console's "Notes for the summary" box saved, per step

NOTE_KIND = "note"  # the `kind` of a note's row in the raw data


def facilitator_notes(room: store.Room) -> list[tuple[dict[str, Any], str]]:
    """(step, note) for each step of the agenda with a saved note, in agenda order."""
    found = []
    for step in rooms.steps(room):
        note = rooms.step_state(room, step["id"]).get("note")
        if isinstance(note, str) and note.strip():
            found.append((step, note.strip()))
    return found


def notes_html(data: SummaryData, notes: list[tuple[dict[str, Any], str]], *, level: str = "h3") -> str:
    """Notes under their step titles, each marked as the facilitator's (shared with the synthesis)."""
    _ = i18n.gettext_for(data.language)
    return join_list(
        tag(
            "div",
            tag("p", esc(_("Facilitator's note")), cls="bf-kicker")
            + tag(level, esc(data.t(step.get("title"))))
            + text_block(note, cls="bf-facilitator-note-text"),
            cls="bf-facilitator-note",
        )
        for step, note in notes
    )


def section_facilitator_notes(data: SummaryData) -> str:
    """The facilitator's notes per step; '' when none were saved."""
    _ = i18n.gettext_for(data.language)
    notes = facilitator_notes(data.room)
    if not notes:
        return ""
    explain = _note(_("Written by the facilitator in the console during the meeting; not input from participants."))
    return _section(_("Facilitator's notes"), notes_html(data, notes) + explain, ident="facilitatornoter")


# ----------------------------------------------------------------------------------------------
# 11 Næste skridt, 12 Kreditering


def section_next_steps(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    parts = []
    if data.next_meeting_title:
        parts.append(
            tag(
                "p",
                esc(
                    _(
                        "The results are carried into the next meeting, «{title}», and into the joint "
                        "dissemination of the programme."
                    ).format(title=data.t(data.next_meeting_title))
                ),
            )
        )
    else:
        parts.append(
            tag("p", esc(_("This was the last meeting of the programme; its results go into the joint dissemination.")))
        )
    wrap = [s for s in rooms.steps(data.room) if s.get("type") == "wrap_up"]
    commitments = [c for s in wrap for c in data.of_kind("card", s["id"])]
    if commitments:
        parts.append(
            tag("h3", esc(_("What participants will try before next time")))
            + tag(
                "ul",
                join_list(
                    tag("li", text_block(str(c.payload.get("text", "")), name="span") + _hidden_flag(data, c))
                    for c in commitments
                ),
            )
        )
    parts.append(
        tag(
            "p",
            esc(
                _(
                    "The loop goes from research to practice and back: what the meeting found is checked "
                    "against research and tried in practice before the next meeting."
                )
            ),
        )
    )
    thanks = tag(
        "p",
        esc(
            _("Thank you to everyone who took part: {roles}.").format(
                roles=", ".join(
                    rooms.role_label(data.room, r, data.language)
                    for r, _n in Counter(p.role for p in data.counted).most_common()
                )
                or "–"
            )
        ),
    )
    return _section(_("Next steps"), join_list(parts), ident="naeste") + _section(
        _("Credits"), thanks, ident="kreditering"
    )


# ----------------------------------------------------------------------------------------------
# 14 Bilag: anonymised cards


def _hidden_flag(data: SummaryData, item: store.Input) -> str:
    _ = i18n.gettext_for(data.language)
    return tag("span", esc(_("hidden on the projector")), cls="bf-flag") if item.hidden else ""


def section_cards(data: SummaryData) -> str:
    """Every card by step (and column); a role is named only when at least MIN_GROUP people have it."""
    _ = i18n.gettext_for(data.language)
    role_sizes = Counter(p.role for p in data.counted)
    roles = data.roles_by_participant
    parts = []
    for step in rooms.steps(data.room):
        cards = data.of_kind("card", step["id"])
        if not cards:
            continue
        columns = rooms.input_spec(step).get("columns") or []
        entries = []
        for card in cards:
            column = card.payload.get("column")
            prefix = (
                tag("span", esc(data.t(columns[column])), cls="bf-col")
                if isinstance(column, int) and 0 <= column < len(columns)
                else ""
            )
            role = roles.get(card.participant_id or "")
            if card.participant_id is None:
                who = _("entered for the room")
            elif role and role_sizes[role] >= agg.K_MIN:
                who = rooms.role_label(data.room, role, data.language)
            else:
                who = _("other role")
            entries.append(
                tag(
                    "li",
                    prefix
                    + text_block(str(card.payload.get("text", "")), name="span")
                    + tag("span", esc(who), cls="bf-who")
                    + _hidden_flag(data, card),
                )
            )
        parts.append(
            tag("h3", esc(f"{data.t(step.get('title'))} ({len(cards)})"))
            + tag("ul", join_list(entries), cls="bf-cards")
        )
    if not parts:
        parts.append(tag("p", esc(_("No cards were added in this meeting."))))
    note = _note(
        _(
            "All cards as written, without names. A role is shown only when at least {k} participants had it. "
            "The raw data can be exported as CSV, Excel or JSON."
        ).format(k=agg.K_MIN)
    )
    return _section(_("Appendix: all cards"), join_list(parts) + note, ident="bilag")


def section_demo(data: SummaryData) -> str:
    """Issue 15 §2: a demo room's summary says so before anything else ('' for a real room)."""
    return demo_banner_html(data.language) if data.room.demo else ""


SECTIONS: tuple[Callable[[SummaryData], str], ...] = (
    section_demo,
    section_cover,
    section_resume,
    section_background,
    section_agenda,
    section_participants,
    section_evidence,
    section_results,
    section_solutions,
    section_priorities,
    section_implementation,
    section_disagreements,
    section_facilitator_notes,
    section_next_steps,
    section_literature,
    section_cards,
)


def render_summary(
    room_id: str,
    db_url: str | None = None,
    language: str | None = None,
    summary_points: Iterable[str] | None = None,
    hidden_cards: str = HIDDEN_MARK,
    organiser: str = "",
) -> SummaryData:
    """Display the summary's sections as HTML outputs (one output per section); returns the data for own analysis."""
    from IPython.display import HTML, display

    options = ReportOptions(
        tuple(p.strip() for p in summary_points or () if p and p.strip()),
        HIDDEN_OMIT if hidden_cards == HIDDEN_OMIT else HIDDEN_MARK,
        organiser or "",
    )
    data = load_summary_data(room_id, db_url, language, options)
    for section in SECTIONS:
        html = section(data)
        if html:  # a section with nothing to say (e.g. a meeting without solutions) leaves no output
            display(HTML(html))
    return data
