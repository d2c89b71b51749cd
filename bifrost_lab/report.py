"""The knowledge summary (vidensopsamling) of a room: data -> sections of escaped HTML.

Called from notebooks/summary.ipynb, which export.py executes and renders with nbconvert. The same
notebook opens in JupyterLab, so an organiser can re-run it for a room and add their own analysis.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from . import config, i18n, room as rooms, store
from .markup import esc, join_list, tag, text_block


@dataclass(frozen=True)
class SummaryData:
    """Everything a summary shows, read once from the store."""
    room: store.Room
    participants: tuple[store.Participant, ...]
    inputs: tuple[store.Input, ...]
    step_runs: tuple[store.StepRun, ...]
    language: str

    @property
    def roles_by_participant(self) -> dict[str, str]:
        return {p.id: p.role for p in self.participants}


def load_summary_data(room_id: str, db_url: str | None = None, language: str | None = None) -> SummaryData:
    engine = store.connect(db_url or config.db_url())
    room = store.get_room(engine, room_id)
    if room is None:
        raise store.RoomNotFound(room_id)
    return SummaryData(room, tuple(store.list_participants(engine, room_id)), tuple(store.list_inputs(engine, room_id)),
                       tuple(store.step_runs_of(engine, room_id)), i18n.normalise_language(language or room.language))


def _fmt_clock(epoch: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(epoch)) if epoch else "–"


def _offset(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def section_cover(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    content = data.room.content
    meeting = content["meeting"]
    lang = data.language
    date = time.strftime("%d.%m.%Y", time.localtime(data.room.created_at))
    return tag("header", tag("p", esc(_("Knowledge summary")), cls="bf-kicker")
               + tag("h1", esc(rooms.text(meeting["title"], lang)))
               + tag("p", esc(rooms.text(meeting.get("theme"), lang)), cls="bf-theme")
               + tag("dl", join_list([
                   tag("dt", esc(_("Programme"))) + tag("dd", esc(rooms.text(content["programme"]["title"], lang))),
                   tag("dt", esc(_("Date"))) + tag("dd", esc(date)),
                   tag("dt", esc(_("Room"))) + tag("dd", esc(data.room.id)),
                   tag("dt", esc(_("Agenda version"))) + tag("dd", esc(data.room.content_hash[:12])),
               ]), cls="bf-facts"), cls="bf-cover")


def section_agenda(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    lang = data.language
    runs: dict[int, list[store.StepRun]] = {}
    for run in data.step_runs:
        runs.setdefault(run.step_index, []).append(run)
    counts = Counter(i.step_id for i in data.inputs)
    rows = []
    start = 0
    for index, step in enumerate(rooms.steps(data.room)):
        ran = runs.get(index, [])
        actual = sum(((r.ended_at or r.started_at) - r.started_at) for r in ran) / 60
        rows.append(tag("tr", join_list([
            tag("td", esc(_offset(start))),
            tag("td", esc(rooms.text(step.get("title"), lang))),
            tag("td", esc(f"{step.get('duration_min', 0)} min")),
            tag("td", esc(f"{_fmt_clock(ran[0].started_at)} ({actual:.0f} min)") if ran else esc(_("not run"))),
            tag("td", esc(str(counts.get(step["id"], 0)))),
        ])))
        start += int(step.get("duration_min", 0))
    head = tag("tr", join_list(tag("th", esc(h), scope="col") for h in (
        _("Start"), _("Step"), _("Planned"), _("Ran (actual)"), _("Inputs"))))
    return tag("section", tag("h2", esc(_("Method and process")))
               + tag("table", tag("thead", head) + tag("tbody", join_list(rows)), cls="bf-table"),
               cls="bf-section")


def section_participants(data: SummaryData) -> str:
    _ = i18n.gettext_for(data.language)
    counted = [p for p in data.participants if p.role != rooms.FACILITATOR_ROLE]
    by_role = Counter(p.role for p in counted)
    rows = [tag("tr", tag("td", esc(rooms.role_label(data.room, role, data.language))) + tag("td", esc(str(n))))
            for role, n in by_role.most_common()]
    head = tag("tr", tag("th", esc(_("Role")), scope="col") + tag("th", esc(_("Participants")), scope="col"))
    total = tag("p", esc(_("{n} participants in all.").format(n=len(counted))))
    return tag("section", tag("h2", esc(_("Participants"))) + total
               + tag("table", tag("thead", head) + tag("tbody", join_list(rows)), cls="bf-table"), cls="bf-section")


def section_cards(data: SummaryData) -> str:
    """Every card, grouped by step and then by role; anonymous (names are never printed here)."""
    _ = i18n.gettext_for(data.language)
    lang = data.language
    roles = data.roles_by_participant
    parts = []
    for step in rooms.steps(data.room):
        cards = [i for i in data.inputs if i.step_id == step["id"] and i.kind == "card"]
        if not cards:
            continue
        columns = rooms.input_spec(step).get("columns") or []
        groups: dict[str, list[store.Input]] = {}
        for card in cards:
            role = roles.get(card.participant_id or "", "")
            groups.setdefault(role, []).append(card)
        blocks = []
        for role, items in groups.items():
            label = rooms.role_label(data.room, role, lang) if role else _("Entered by the moderator")
            entries = []
            for item in items:
                column = item.payload.get("column")
                prefix = (tag("span", esc(rooms.text(columns[column], lang)), cls="bf-col")
                          if isinstance(column, int) and column < len(columns) else "")
                hidden = tag("span", esc(_("hidden on the projector")), cls="bf-flag") if item.hidden else ""
                entries.append(tag("li", prefix + text_block(item.payload.get("text", ""), name="span") + hidden))
            blocks.append(tag("h4", esc(f"{label} ({len(items)})")) + tag("ul", join_list(entries)))
        parts.append(tag("h3", esc(rooms.text(step.get("title"), lang))) + join_list(blocks))
    if not parts:
        parts.append(tag("p", esc(_("No cards were added in this meeting."))))
    return tag("section", tag("h2", esc(_("Results: all cards"))) + join_list(parts), cls="bf-section")


def render_summary(room_id: str, db_url: str | None = None, language: str | None = None) -> None:
    """Display the summary's sections as HTML outputs (one output per section)."""
    from IPython.display import HTML, display

    data = load_summary_data(room_id, db_url, language)
    for section in (section_cover, section_agenda, section_participants, section_cards):
        display(HTML(section(data)))
