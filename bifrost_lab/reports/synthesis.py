"""The synthesis of a whole programme (e.g. BIFROST M1–M6, NECTO A–C): every room of it in one document.

Recurring themes are matched by text similarity (docs/export.md): texts are lower-cased, split into
words of three letters or more, stop words dropped and word endings cut to a stem of at most
STEM_CHARS letters; two texts are the same theme when the Jaccard similarity of their stem sets is at
least MATCH_THRESHOLD. Themes are the connected groups of matching texts (single linkage).
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bifrost_lab import aggregation as agg
from bifrost_lab import config, i18n, rooms, store
from bifrost_lab.markup import demo_banner_html, esc, join_list, tag
from bifrost_lab.reports import charts
from bifrost_lab.reports.summary import (
    AREA_LABELS,
    HIDDEN_OMIT,
    ReportOptions,
    SummaryData,
    _cluster_sizes,
    _note,
    _result_steps,
    _section,
    _table,
    facilitator_notes,
    load_summary_data,
    notes_html,
    programme_of,
    target_label,
)

MATCH_THRESHOLD = 0.5
STEM_CHARS = 6
TOP_THEMES = 15
TOP_ACTIONS = 5
STOP_WORDS = frozenset(
    """
og i at det en der til er som på de med for af ikke den har vi var kan om så men et eller man skal jeg
når være mere også have ved fra vil hvor alle deres hvad hvis bliver blive meget andre efter sig sin
sine dem hos under over nogle noget kun vores jer jeres mod uden godt helt lige selv får mange alt
the and for that with are not this from have has our their what when which will can
""".split()
)


class NoRoomsForProgramme(LookupError):
    """The programme has no rooms yet (nothing to synthesise), or only the demo rooms left out."""

    def __init__(self, programme_id: str, demo_rooms: int = 0) -> None:
        super().__init__(programme_id)
        self.programme_id = programme_id
        self.demo_rooms = demo_rooms


@dataclass(frozen=True)
class SynthesisData:
    programme_id: str
    title: str
    language: str
    rooms: tuple[SummaryData, ...]  # in meeting order, then by date
    meeting_order: tuple[str, ...]

    @property
    def demo(self) -> bool:
        """Some of its rooms are demo rooms (invented data): the document says so first."""
        return any(data.room.demo for data in self.rooms)


@dataclass(frozen=True)
class Mention:
    """One text of one room that can recur: a cluster label or a card."""

    text: str
    room_index: int
    weight: int  # cards behind it (1 for a card)
    source: str  # "cluster" | "card"


@dataclass(frozen=True)
class Theme:
    label: str
    room_indices: tuple[int, ...]
    weight: int
    texts: tuple[str, ...]


def load_synthesis_data(
    programme_id: str, db_url: str | None = None, language: str = "da", *, include_demo: bool = False
) -> SynthesisData:
    """Every room of a programme; demo rooms (invented data) only with include_demo."""
    engine = store.connect(db_url or config.db_url())
    every = [s for s in store.list_rooms(engine) if s.room.programme_id == programme_id]
    summaries = [s for s in every if include_demo or not s.room.demo]
    if not summaries:
        raise NoRoomsForProgramme(programme_id, demo_rooms=sum(s.room.demo for s in every))
    doc = programme_of(programme_id) or {}
    order = tuple(str(m["id"]) for m in doc.get("meetings") or [] if isinstance(m, dict) and m.get("id"))
    position = {mid: i for i, mid in enumerate(order)}
    summaries.sort(key=lambda s: (position.get(s.room.meeting_id, len(order)), s.room.created_at))
    language = i18n.normalise_language(language)
    # Cards the moderator hid stay out of a document that spans the whole programme.
    omit_hidden = ReportOptions(hidden_cards=HIDDEN_OMIT)
    data = tuple(load_summary_data(s.room.id, db_url, language, omit_hidden) for s in summaries)
    title = rooms.text(data[0].room.content["programme"]["title"], language)
    return SynthesisData(programme_id, title, language, data, order)


# ----------------------------------------------------------------------------------------------
# Text similarity


def stems(text: str) -> frozenset[str]:
    """The words of a text as comparable stems (lower case, no stop words, cut to STEM_CHARS)."""
    words = re.findall(r"[^\W\d_]{3,}", text.casefold())
    return frozenset(w[:STEM_CHARS] for w in words if w not in STOP_WORDS)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two stem sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def group_mentions(mentions: list[Mention]) -> list[Theme]:
    """Single-linkage groups of mentions whose texts match (similarity ≥ MATCH_THRESHOLD)."""
    distinct: dict[frozenset[str], list[Mention]] = defaultdict(list)
    for mention in mentions:
        key = stems(mention.text)
        if key:
            distinct[key].append(mention)
    keys = list(distinct)
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_stem: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        for stem in key:
            by_stem[stem].append(index)
    for index, key in enumerate(keys):
        candidates = {j for stem in key for j in by_stem[stem] if j > index}
        for j in candidates:
            if similarity(key, keys[j]) >= MATCH_THRESHOLD:
                parent[find(j)] = find(index)
    groups: dict[int, list[Mention]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[find(index)].extend(distinct[key])
    themes = []
    for members in groups.values():
        texts: Counter[str] = Counter()
        for m in members:
            texts[m.text.strip()] += m.weight
        label = max(texts.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]
        themes.append(
            Theme(
                label,
                tuple(sorted({m.room_index for m in members})),
                sum(m.weight for m in members),
                tuple(t for t, _n in texts.most_common()),
            )
        )
    return sorted(themes, key=lambda t: (-len(t.room_indices), -t.weight, t.label))


def room_mentions(data: SummaryData, room_index: int) -> list[Mention]:
    sizes = _cluster_sizes(data)
    found = [Mention(str(c.label), room_index, max(1, sizes.get(c.id, 0)), "cluster") for c in data.clusters]
    found += [Mention(str(i.payload.get("text", "")), room_index, 1, "card") for i in data.of_kind("card")]
    return found


def recurring_themes(syn: SynthesisData) -> list[Theme]:
    """Themes that occur in at least two rooms of the programme."""
    mentions = [m for index, data in enumerate(syn.rooms) for m in room_mentions(data, index)]
    return [t for t in group_mentions(mentions) if len(t.room_indices) >= 2]


# ----------------------------------------------------------------------------------------------
# Sections


def _meeting_name(syn: SynthesisData, index: int) -> str:
    data = syn.rooms[index]
    meeting = data.room.content["meeting"]
    number = syn.meeting_order.index(data.room.meeting_id) + 1 if data.room.meeting_id in syn.meeting_order else None
    title = rooms.text(meeting["title"], syn.language)
    return f"{number}. {title}" if number else title


def _date(epoch: float) -> str:
    return time.strftime("%d.%m.%Y", time.localtime(epoch))


def section_cover(syn: SynthesisData) -> str:
    _ = i18n.gettext_for(syn.language)
    first, last = syn.rooms[0].room.created_at, syn.rooms[-1].room.created_at
    dates = sorted(d.room.created_at for d in syn.rooms)
    facts = [
        (_("Meetings"), str(len({d.room.meeting_id for d in syn.rooms}))),
        (_("Rooms"), str(len(syn.rooms))),
        (_("Period"), f"{_date(dates[0])} – {_date(dates[-1])}" if first != last else _date(first)),
        (_("Participations"), str(sum(len(d.counted) for d in syn.rooms))),
        (_("Version"), _("generated {when}").format(when=time.strftime("%d.%m.%Y %H:%M"))),
    ]
    description = syn.rooms[0].programme_description
    intro = tag("p", esc(rooms.text(description, syn.language)), cls="bf-theme") if description else ""
    return tag(
        "header",
        (demo_banner_html(syn.language) if syn.demo else "")
        + tag("p", esc(_("Programme synthesis")), cls="bf-kicker")
        + tag("h1", esc(syn.title))
        + intro
        + tag("dl", join_list(tag("dt", esc(k)) + tag("dd", esc(v)) for k, v in facts), cls="bf-facts"),
        cls="bf-cover",
    )


def section_timeline(syn: SynthesisData) -> str:
    _ = i18n.gettext_for(syn.language)
    rows = []
    for index, data in enumerate(syn.rooms):
        meeting = data.room.content["meeting"]
        rows.append(
            [
                esc(_date(data.room.created_at)),
                tag("strong", esc(_meeting_name(syn, index)))
                + tag("span", esc(rooms.text(meeting.get("theme"), syn.language)), cls="bf-sub"),
                esc(str(len(data.counted))),
                esc(str(len(data.visible_inputs()))),
                esc(str(len({r.step_index for r in data.step_runs})) + "/" + str(len(rooms.steps(data.room)))),
            ]
        )
    return _section(
        _("Timeline"),
        _table((_("Date"), _("Meeting"), _("Participants"), _("Inputs"), _("Steps run")), rows),
        ident="tidslinje",
    )


def section_participation(syn: SynthesisData) -> str:
    _ = i18n.gettext_for(syn.language)
    role_order: list[str] = []
    counts = []
    for data in syn.rooms:
        by_role = Counter(p.role for p in data.counted)
        counts.append(by_role)
        role_order.extend(r for r, _n in by_role.most_common() if r not in role_order)
    labels = [rooms.role_label(syn.rooms[0].room, r, syn.language) for r in role_order]
    chart = charts.stacked_chart(
        [(_meeting_name(syn, i), [c.get(r, 0) for r in role_order]) for i, c in enumerate(counts)],
        labels,
        alt=_("Participants by role per meeting: ")
        + "; ".join(
            f"{_meeting_name(syn, i)}: " + ", ".join(f"{text} {c.get(r, 0)}" for r, text in zip(role_order, labels))
            for i, c in enumerate(counts)
        ),
        caption=_("Participants by role in each meeting."),
    )
    table = _table(
        [_("Role")] + [_meeting_name(syn, i) for i in range(len(syn.rooms))],
        [[esc(text)] + [esc(str(c.get(r, 0))) for c in counts] for r, text in zip(role_order, labels)]
        + [[tag("strong", esc(_("Total")))] + [tag("strong", esc(str(sum(c.values())))) for c in counts]],
        cls="bf-table bf-wide",
    )
    return _section(_("Participation by role over the meetings"), chart + table, ident="deltagelse")


def section_themes(syn: SynthesisData) -> str:
    _ = i18n.gettext_for(syn.language)
    themes = recurring_themes(syn)[:TOP_THEMES]
    if themes:
        rows = [
            [
                esc(t.label)
                + (
                    tag("span", esc(_("also: {texts}").format(texts=" · ".join(t.texts[1:4]))), cls="bf-sub")
                    if len(t.texts) > 1
                    else ""
                ),
                esc(", ".join(_meeting_name(syn, i) for i in t.room_indices)),
                esc(str(t.weight)),
            ]
            for t in themes
        ]
        body = _table((_("Theme"), _("Meetings"), _("Cards")), rows)
    else:
        body = tag("p", esc(_("No theme recurred across meetings.")))
    method = _note(
        _(
            "Method: cluster names and cards of all meetings are compared word by word (lower case, without "
            "common words, words cut to their first {chars} letters). Two texts count as the same theme when "
            "at least {share} % of their words are shared (Jaccard similarity), and matching texts are joined "
            "into one theme. A theme is listed when it occurs in two meetings or more."
        ).format(chars=STEM_CHARS, share=int(MATCH_THRESHOLD * 100))
    )
    return _section(_("Recurring themes"), body + method, ident="temaer")


def commitments(data: SummaryData) -> list[str]:
    """The cards of a room's wrap-up steps (what people said they would do before next time)."""
    wrap = {s["id"] for s in rooms.steps(data.room) if s.get("type") == "wrap_up"}
    texts = [str(c.payload.get("text", "")).strip() for c in data.of_kind("card") if c.step_id in wrap]
    return list(dict.fromkeys(t for t in texts if t))


def section_commitments(syn: SynthesisData) -> str:
    _ = i18n.gettext_for(syn.language)
    parts = []
    stems_by_room = [{stems(m.text) for m in room_mentions(d, i)} for i, d in enumerate(syn.rooms)]
    for index, data in enumerate(syn.rooms):
        promised = commitments(data)
        if not promised:
            continue
        rows = []
        for text in promised:
            key = stems(text)
            followed = [
                j
                for j in range(index + 1, len(syn.rooms))
                if any(similarity(key, other) >= MATCH_THRESHOLD for other in stems_by_room[j])
            ]
            outcome = (
                _("taken up again in {meetings}").format(meetings=", ".join(_meeting_name(syn, j) for j in followed))
                if followed
                else _("not seen again in later meetings")
            )
            rows.append([esc(text), esc(outcome)])
        parts.append(
            tag("h3", esc(_meeting_name(syn, index))) + _table((_("Commitment"), _("What became of it")), rows)
        )
    if not parts:
        parts.append(tag("p", esc(_("No commitments were recorded at the wrap-ups."))))
    parts.append(
        _note(
            _(
                "A commitment counts as taken up when a card or theme of a later meeting matches it by the "
                "method of the recurring themes."
            )
        )
    )
    return _section(_("Commitments carried forward"), join_list(parts), ident="forpligtelser")


def _actions_of_room(data: SummaryData) -> list[tuple[str, float]]:
    """(text, score): action clusters scored by dots they received plus their cards; else top-voted targets."""
    dots: Counter[str] = Counter()
    for _step, kind, _spec, answers in _result_steps(data):
        if kind == "vote":
            dots.update({s.target: int(s.value) for s in agg.vote_totals(answers)})
    sizes = _cluster_sizes(data)
    actions = [
        (str(c.label), float(dots.get(f"cluster:{c.id}", 0) + sizes.get(c.id, 0)))
        for c in data.clusters
        if c.category == "action"
    ]
    if actions:
        return actions
    found = []
    for step, kind, spec, rows in _result_steps(data):
        if kind == "vote" and step.get("type") in ("prioritisation", "wrap_up"):
            found += [(target_label(data, step, spec, s.target), s.value) for s in agg.vote_totals(rows)[:3]]
    return found


def section_actions(syn: SynthesisData) -> str:
    _ = i18n.gettext_for(syn.language)
    per_area: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for index, data in enumerate(syn.rooms):
        areas = [a for a in data.room.content["meeting"].get("areas") or [] if a in AREA_LABELS] or ["__none__"]
        for text, score in _actions_of_room(data):
            for area in areas:
                per_area[area][text] += round(score)
                where[(area, text)].add(index)
    parts = []
    for area in [a for a in AREA_LABELS if a in per_area] + (["__none__"] if "__none__" in per_area else []):
        label = _(AREA_LABELS[area]) if area in AREA_LABELS else _("Without an area")
        top = per_area[area].most_common(TOP_ACTIONS)
        parts.append(
            tag("h3", esc(label))
            + _table(
                (_("Action"), _("Meetings"), _("Support")),
                [
                    [
                        esc(text),
                        esc(", ".join(_meeting_name(syn, i) for i in sorted(where[(area, text)]))),
                        esc(f"{score:.0f}"),
                    ]
                    for text, score in top
                ],
            )
        )
    if not parts:
        parts.append(tag("p", esc(_("No actions were prioritised yet."))))
    parts.append(
        _note(
            _(
                "Actions are the facilitator's clusters marked as action perspectives (else the top-voted "
                "items); support = dots received plus cards in the cluster. A meeting's actions count for "
                "every area the meeting works on."
            )
        )
    )
    return _section(_("Top actions per area"), join_list(parts), ident="handlinger")


def section_facilitator_notes(syn: SynthesisData) -> str:
    """The facilitator's notes of every meeting, per step (issue 21); '' when none were saved."""
    _ = i18n.gettext_for(syn.language)
    parts = []
    for index, data in enumerate(syn.rooms):
        notes = facilitator_notes(data.room)
        if notes:
            parts.append(tag("h3", esc(_meeting_name(syn, index))) + notes_html(data, notes, level="h4"))
    if not parts:
        return ""
    explain = _note(_("Written by the facilitator in the console during the meeting; not input from participants."))
    return _section(_("Facilitator's notes"), join_list(parts) + explain, ident="facilitatornoter")


SECTIONS: tuple[Callable[[SynthesisData], str], ...] = (
    section_cover,
    section_timeline,
    section_participation,
    section_themes,
    section_commitments,
    section_actions,
    section_facilitator_notes,
)


def render_synthesis(
    programme_id: str, db_url: str | None = None, language: str = "da", include_demo: bool = False
) -> SynthesisData:
    """Display the synthesis as HTML outputs; returns the data for the organiser's own analysis."""
    from IPython.display import HTML, display

    syn = load_synthesis_data(programme_id, db_url, language, include_demo=include_demo)
    for section in SECTIONS:
        html = section(syn)
        if html:  # a section with nothing to say (e.g. no facilitator's notes) leaves no output
            display(HTML(html))
    return syn


def mentions_of(syn: SynthesisData) -> Iterable[Mention]:
    """Every text the theme matching looks at (for an organiser's own analysis in the notebook)."""
    for index, data in enumerate(syn.rooms):
        yield from room_mentions(data, index)
