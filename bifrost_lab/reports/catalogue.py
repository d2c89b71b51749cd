"""The catalogue of good solutions (løsningskatalog): solutions from every room, searchable and filterable.

`collect_entries` gathers the `solution` inputs of all rooms; `filter_entries` searches them;
`render_catalogue_html` writes one offline HTML file whose small inline script filters by text,
sector, topic and programme (no remote resources; every participant text goes through `esc`).
Demo rooms' invented solutions are left out unless asked for, and then marked DEMO (issue 15 §2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bifrost_lab import i18n, rooms, solutions, store
from bifrost_lab.i18n import N_
from bifrost_lab.markup import demo_banner_html, demo_label, esc, join_list, tag, text_block
from bifrost_lab.store import Database


@dataclass(frozen=True)
class CatalogueEntry:
    """One good solution, with where in which room it was captured."""

    id: str
    room_id: str
    programme_id: str
    programme_title: dict[str, str]
    meeting_title: dict[str, str]
    step_id: str
    created_at: float
    payload: dict[str, Any]
    topic_label: dict[str, str] | None
    contributor_role: str | None
    contributor_role_label: dict[str, str] | None
    demo: bool = False  # from a demo room: invented

    @property
    def sector(self) -> str | None:
        return self.payload.get("sector") or None

    @property
    def topic(self) -> str | None:
        return self.payload.get("topic") or None

    def field(self, name: str) -> str:
        return str(self.payload.get(name) or "")

    def search_text(self) -> str:
        """Everything a search may match, folded (case and accents)."""
        parts = [self.field(f) for f in (*solutions.FIELDS, "topic")]
        parts += [solutions.sector_label(self.sector, lang) for lang in i18n.LANGUAGES]
        parts += [rooms.text(self.programme_title, lang) for lang in i18n.LANGUAGES]
        return fold(" ".join(parts))


def fold(value: str) -> str:
    """Lower case without accents, so 'forflytning' finds 'Forflytning' and 'pårørende' finds 'parorende'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return folded.replace("ø", "o").replace("æ", "ae").replace("å", "a")


def collect_entries(
    engine: Database, *, include_closed: bool = True, include_demo: bool = False
) -> list[CatalogueEntry]:
    """Every solution of every room (hidden, deleted and brought-in copies left out), newest first.

    Demo rooms (`bifrost-lab demo`) are left out unless include_demo: their solutions are invented.
    """
    entries: list[CatalogueEntry] = []
    status = None if include_closed else "open"
    for room in store.rooms_with_inputs(engine, solutions.KIND, include_demo=include_demo, status=status):
        found = [
            i
            for i in store.list_inputs(engine, room.id)
            if i.kind == solutions.KIND and not i.hidden and "imported_from" not in i.payload
        ]
        if not found:
            continue
        roles = {p.id: p.role for p in store.list_participants(engine, room.id)}
        role_labels = {r["id"]: r["label"] for r in room.content.get("roles", [])}
        steps = {s["id"]: s for s in rooms.steps(room)}
        for item in found:
            role = roles.get(item.participant_id or "")
            entries.append(
                CatalogueEntry(
                    id=item.id,
                    room_id=room.id,
                    programme_id=room.programme_id,
                    programme_title=room.content.get("programme", {}).get("title") or {"da": room.programme_id},
                    meeting_title=room.content["meeting"]["title"],
                    step_id=item.step_id,
                    created_at=item.created_at,
                    payload=dict(item.payload),
                    topic_label=_topic_label(steps.get(item.step_id), item.payload.get("topic")),
                    contributor_role=role,
                    contributor_role_label=role_labels.get(role) if role else None,
                    demo=room.demo,
                )
            )
    entries.sort(key=lambda e: e.created_at, reverse=True)
    return entries


def _topic_label(step: dict[str, Any] | None, topic: str | None) -> dict[str, str] | None:
    """The programme's Text for a topic chosen from its list (stored as the Danish text)."""
    if not topic:
        return None
    for option in solutions.topic_options(step or {}):
        if rooms.text(option, "da") == topic:
            return option
    return {"da": topic}


def find_entry(engine: Database, entry_id: str, *, include_demo: bool = False) -> CatalogueEntry | None:
    return next((e for e in collect_entries(engine, include_demo=include_demo) if e.id == entry_id), None)


def filter_entries(
    entries: Iterable[CatalogueEntry],
    *,
    query: str = "",
    sector: str | None = None,
    topic: str | None = None,
    programme: str | None = None,
) -> list[CatalogueEntry]:
    """Entries matching every word of `query` and the given sector, topic and programme."""
    words = fold(query).split()
    return [
        e
        for e in entries
        if (not sector or e.sector == sector)
        and (not topic or fold(e.topic or "") == fold(topic))
        and (not programme or e.programme_id == programme)
        and all(word in e.search_text() for word in words)
    ]


# ----------------------------------------------------------------------------------------------
# The offline HTML catalogue

MSG_TITLE = N_("Catalogue of good solutions")
MSG_INTRO = N_(
    "Solutions that workplaces found and tried. Search, or filter by sector, topic and programme; "
    "contact the role named on a solution to learn more."
)
MSG_SEARCH = N_("Search")
MSG_ALL = N_("All")
MSG_PROGRAMME = N_("Programme")
MSG_SHOWN = N_("{shown} of {total} solutions shown")
MSG_NONE = N_("No solution matches. Clear the search or choose “All”.")
MSG_EMPTY_CATALOGUE = N_("The catalogue is empty: no room has collected solutions yet.")
MSG_CLEAR = N_("Clear filters")
MSG_CAPTURED = N_("Captured in {meeting} · {date}")
MSG_GENERATED = N_("Generated {date} · {count} solutions")

_CSS = """
:root{--ink:#1b1f24;--muted:#5b6470;--line:#d6dbe1;--accent:#0b5cab;--bg:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:1rem 1.25rem}
h1{font-size:1.8rem;margin:.5rem 0}.lead{color:var(--muted);max-width:60em}
.filters{display:grid;grid-template-columns:2fr 1fr 1fr 1fr auto;gap:.75rem;align-items:end;background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem;position:sticky;top:0;z-index:1}
.filters label{display:block;font-size:.85rem;font-weight:600;color:var(--muted);margin-bottom:.2rem}
.filters input,.filters select,.filters button{width:100%;font:inherit;padding:.45rem .5rem;border:1px solid #9aa3ad;border-radius:6px;background:#fff}
.filters button{cursor:pointer}
.count{margin:.75rem 0;color:var(--muted)}.none{padding:1rem;background:#fff;border:1px dashed var(--line);border-radius:8px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
.sol{background:#fff;border:1px solid var(--line);border-left:5px solid var(--accent);border-radius:8px;padding:1rem}
.sol h2{font-size:1.1rem;margin:0 0 .5rem}.tags{display:flex;flex-wrap:wrap;gap:.35rem;margin-bottom:.5rem}
.tag{font-size:.8rem;background:#e8f0fa;color:#0a3d73;border-radius:999px;padding:.1rem .55rem}
dl{margin:0}dt{font-weight:600;font-size:.85rem;color:var(--muted);margin-top:.5rem}dd{margin:0}
.meta{margin-top:.75rem;font-size:.85rem;color:var(--muted)}[hidden]{display:none!important}
@media (max-width:800px){.filters{grid-template-columns:1fr;position:static}}
@media print{.filters{display:none}.sol{break-inside:avoid}}
"""

# Filters entries in the page; the texts it needs come from data attributes set by Python.
_SCRIPT = """
(function(){
  function fold(s){return s.normalize('NFKD').replace(/[\\u0300-\\u036f]/g,'').toLowerCase()
    .replace(/ø/g,'o').replace(/æ/g,'ae').replace(/å/g,'a');}
  var q=document.getElementById('bf-q'),sector=document.getElementById('bf-sector'),
      topic=document.getElementById('bf-topic'),prog=document.getElementById('bf-programme'),
      clear=document.getElementById('bf-clear'),count=document.getElementById('bf-count'),
      none=document.getElementById('bf-none'),items=Array.prototype.slice.call(document.querySelectorAll('.sol'));
  function apply(){
    var words=fold(q.value).split(/\\s+/).filter(Boolean),shown=0;
    items.forEach(function(el){
      var ok=(!sector.value||el.dataset.sector===sector.value)&&(!topic.value||el.dataset.topic===topic.value)
        &&(!prog.value||el.dataset.programme===prog.value)
        &&words.every(function(w){return el.dataset.search.indexOf(w)>=0;});
      el.hidden=!ok;if(ok){shown++;}
    });
    count.textContent=count.dataset.template.replace('{shown}',shown).replace('{total}',items.length);
    none.hidden=shown>0;
  }
  [q,sector,topic,prog].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  clear.addEventListener('click',function(){q.value='';sector.value='';topic.value='';prog.value='';apply();});
  apply();
})();
"""


def render_catalogue_html(entries: list[CatalogueEntry], *, language: str = "da") -> str:
    """The whole catalogue as one self-contained HTML page (inline CSS and script, nothing remote)."""
    language = i18n.normalise_language(language)
    _ = i18n.gettext_for(language)
    sectors = sorted(
        {e.sector for e in entries if e.sector},
        key=lambda c: list(solutions.SECTORS).index(c) if c in solutions.SECTORS else 99,
    )
    topics: dict[str, str] = {}
    for entry in entries:
        if entry.topic:
            topics.setdefault(entry.topic, rooms.text(entry.topic_label, language) or entry.topic)
    programmes: dict[str, str] = {}
    for entry in entries:
        programmes.setdefault(entry.programme_id, rooms.text(entry.programme_title, language))

    def select(element_id: str, label: str, options: Iterable[tuple[str, str]]) -> str:
        choices = tag("option", esc(_(MSG_ALL)), value="") + join_list(
            tag("option", esc(text), value=value) for value, text in options
        )
        return tag("div", tag("label", esc(label), **{"for": element_id}) + tag("select", choices, id=element_id))

    filters = (
        tag(
            "div",
            tag("label", esc(_(MSG_SEARCH)), **{"for": "bf-q"}) + '<input type="search" id="bf-q" autocomplete="off">',
        )
        + select(
            "bf-sector", _(solutions.SECTOR_LABEL), ((code, solutions.sector_label(code, language)) for code in sectors)
        )
        + select("bf-topic", _(solutions.TOPIC_LABEL), sorted(topics.items(), key=lambda kv: fold(kv[1])))
        + select("bf-programme", _(MSG_PROGRAMME), sorted(programmes.items(), key=lambda kv: fold(kv[1])))
        + tag("div", tag("button", esc(_(MSG_CLEAR)), id="bf-clear", type="button"))
    )
    body = tag("div", join_list(_entry_html(e, language, _) for e in entries), cls="grid")
    banner = demo_banner_html(language) if any(e.demo for e in entries) else ""
    generated = _(MSG_GENERATED).format(date=time.strftime("%d.%m.%Y %H:%M"), count=len(entries))
    page = (
        "<!DOCTYPE html>\n"
        + f'<html lang="{esc(language)}"><head><meta charset="utf-8">'
        + '<meta name="viewport" content="width=device-width, initial-scale=1">'
        + tag("title", esc(_(MSG_TITLE)))
        + tag("style", _CSS)
        + "</head><body>"
        + tag(
            "header",
            banner
            + tag("h1", esc(_(MSG_TITLE)))
            + tag("p", esc(_(MSG_INTRO)), cls="lead")
            + tag("p", esc(generated), cls="lead"),
        )
        + tag(
            "main",
            (
                tag("section", filters, cls="filters", aria_label=_(MSG_SEARCH))
                + tag(
                    "p",
                    esc(_(MSG_SHOWN).format(shown=len(entries), total=len(entries))),
                    cls="count",
                    id="bf-count",
                    role="status",
                    data_template=_(MSG_SHOWN),
                )
                + tag(
                    "p",
                    esc(_(MSG_NONE) if entries else _(MSG_EMPTY_CATALOGUE)),
                    cls="none",
                    id="bf-none",
                    hidden="hidden" if entries else None,
                )
                + body
            ),
        )
        + tag("script", _SCRIPT)
        + "</body></html>\n"
    )
    return page


def _entry_html(entry: CatalogueEntry, language: str, _: Any) -> str:
    tags = []
    if entry.demo:
        tags.append(
            tag("span", esc(demo_label(language)), cls="tag tag-demo", style="background:#ffe066;color:#1b1f24")
        )
    if entry.sector:
        tags.append(tag("span", esc(solutions.sector_label(entry.sector, language)), cls="tag tag-sector"))
    if entry.topic:
        tags.append(tag("span", esc(rooms.text(entry.topic_label, language) or entry.topic), cls="tag tag-topic"))
    tags.append(tag("span", esc(rooms.text(entry.programme_title, language)), cls="tag tag-programme"))
    details = join_list(
        tag("dt", esc(_(solutions.FIELD_LABELS[f]))) + text_block(entry.field(f), name="dd", cls=f"f-{f}")
        for f in ("problem", "where", "what_it_took", "contact_role")
        if entry.field(f)
    )
    date = time.strftime("%d.%m.%Y", time.localtime(entry.created_at))
    meta = _(MSG_CAPTURED).format(meeting=rooms.text(entry.meeting_title, language), date=date)
    return tag(
        "article",
        tag("div", join_list(tags), cls="tags")
        + text_block(entry.field("solution"), name="h2", cls="f-solution")
        + tag("dl", details)
        + tag("div", esc(meta), cls="meta"),
        cls="sol",
        id=f"sol-{entry.id}",
        data_sector=entry.sector or "",
        data_topic=entry.topic or "",
        data_programme=entry.programme_id,
        data_search=entry.search_text(),
    )


def entries_as_json(entries: list[CatalogueEntry]) -> str:
    """The entries as JSON (for other tools; same fields as the HTML)."""
    return json.dumps(
        [
            {
                "id": e.id,
                "room_id": e.room_id,
                "programme_id": e.programme_id,
                "step_id": e.step_id,
                "created_at": e.created_at,
                "sector": e.sector,
                "topic": e.topic,
                "contributor_role": e.contributor_role,
                "demo": e.demo,
                **{f: e.field(f) for f in solutions.FIELDS},
            }
            for e in entries
        ],
        ensure_ascii=False,
        indent=2,
    )


# ----------------------------------------------------------------------------------------------
# The room's own solutions in its knowledge summary (a section of report.SECTIONS)

MSG_SUMMARY_TITLE = N_("Good solutions")
MSG_SUMMARY_NOTE = N_(
    "Solution cards from this meeting, as written. They are also in the catalogue of good "
    "solutions (bifrost-lab catalogue)."
)
MSG_BROUGHT_IN = N_("brought in from the catalogue")
MSG_HIDDEN = N_("hidden on the projector")


def summary_section(data: Any) -> str:
    """The solutions of a room for its knowledge summary; '' when the meeting collected none."""
    found = sorted(data.of_kind(solutions.KIND), key=lambda i: i.seq)
    if not found:
        return ""
    _ = i18n.gettext_for(data.language)
    titles = {s["id"]: data.t(s.get("title")) for s in rooms.steps(data.room)}
    parts = []
    for step_id in dict.fromkeys(i.step_id for i in found):
        items = []
        for item in (i for i in found if i.step_id == step_id):
            payload = item.payload
            flags = []
            if payload.get("imported_from"):
                flags.append(_(MSG_BROUGHT_IN))
            if item.hidden:
                flags.append(_(MSG_HIDDEN))
            tags = [solutions.sector_label(payload.get("sector"), data.language), payload.get("topic") or "", *flags]
            details = join_list(  # inline styles: the report's stylesheet belongs to the summary as a whole
                tag("dt", esc(_(solutions.FIELD_LABELS[f])), style="font-weight:600;margin-top:.3rem")
                + tag("dd", esc(str(payload.get(f) or "")).replace("\n", "<br>"), style="margin:0")
                for f in ("problem", "where", "what_it_took", "contact_role")
                if payload.get(f)
            )
            items.append(
                tag(
                    "article",
                    text_block(str(payload.get("solution") or ""), name="h4")
                    + tag("dl", details)
                    + (tag("p", esc(" · ".join(t for t in tags if t)), cls="bf-note") if any(tags) else ""),
                    cls="bf-solution",
                )
            )
        parts.append(tag("h3", esc(f"{titles.get(step_id, step_id)} ({len(items)})")) + join_list(items))
    body = join_list(parts) + tag("p", esc(_(MSG_SUMMARY_NOTE)), cls="bf-note")
    return tag("section", tag("h2", esc(_(MSG_SUMMARY_TITLE))) + body, cls="bf-section", id="loesninger")


# ----------------------------------------------------------------------------------------------
# The `bifrost-lab catalogue` command


def cmd_catalogue(args: argparse.Namespace) -> int:
    from bifrost_lab import config

    engine = store.connect(config.db_url())
    every = collect_entries(engine, include_demo=True)
    left_out = [] if args.include_demo else [e for e in every if e.demo]
    every = [e for e in every if args.include_demo or not e.demo]
    if args.sector and args.sector not in solutions.SECTORS:
        print(
            f"bifrost-lab catalogue: no sector '{args.sector}'. Try one of: {', '.join(solutions.SECTORS)}",
            file=sys.stderr,
        )
        return 2
    chosen = filter_entries(
        every, query=args.search or "", sector=args.sector, topic=args.topic, programme=args.programme
    )
    out = Path(args.output)
    text = entries_as_json(chosen) if args.json else render_catalogue_html(chosen, language=args.language)
    out.write_text(text, encoding="utf-8")
    rooms_count = len({e.room_id for e in chosen})
    print(
        f"Wrote {out}: {len(chosen)} solutions from {rooms_count} rooms"
        + (f" (of {len(every)} in the catalogue)" if len(chosen) != len(every) else "")
        + "."
    )
    if left_out:
        print(
            f"Left out {len(left_out)} invented solutions of {len({e.room_id for e in left_out})} demo rooms; "
            "--include-demo adds them, marked DEMO."
        )
    elif any(e.demo for e in chosen):
        print(f"{sum(e.demo for e in chosen)} of them are invented (demo rooms) and marked DEMO.")
    return 0


def add_catalogue_parser(sub: Any) -> None:
    """Register `bifrost-lab catalogue` on the CLI's subparsers."""
    p = sub.add_parser("catalogue", help="write the catalogue of good solutions from every room as one HTML file")
    p.add_argument("-o", "--output", required=True, help="file to write (HTML, or JSON with --json)")
    p.add_argument("--language", default="da", help="da, en or fi (default: da)")
    p.add_argument("--programme", default=None, help="only solutions from this programme id")
    p.add_argument("--sector", default=None, help=f"only this sector: {', '.join(solutions.SECTORS)}")
    p.add_argument("--topic", default=None, help="only this topic")
    p.add_argument("--search", default=None, help="only solutions containing these words")
    p.add_argument("--json", action="store_true", help="write JSON instead of HTML")
    p.add_argument(
        "--include-demo",
        action="store_true",
        help="also the invented solutions of demo rooms (`bifrost-lab demo`), marked DEMO",
    )
    p.set_defaults(func=cmd_catalogue)
