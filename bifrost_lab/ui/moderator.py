"""The moderator app: pick a meeting, open or resume a room, run it from a console, project it. Widgets only.

Two views of the same room, each in its own kernel and both following the store:
- the console (`?room=ID`, the laptop): the projected content plus controls, the facilitator prompt,
  notes, every input including hidden ones, clustering, moderation and input on behalf of the room;
- the projector (`?view=projector&room=ID`): clean and large, only what the room may see.
Every participant text goes through `markup.esc`.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from typing import Any

import ipywidgets as w
from IPython.display import display

from bifrost_lab import config, i18n, live, rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.inputs.registry import input_type
from bifrost_lab.markup import card_html, demo_banner_html, esc, join_list, qr_svg, tag, text_block
from bifrost_lab.ui import projector_charts as charts
from bifrost_lab.ui import results
from bifrost_lab.ui import solution_widgets as solution_ui
from bifrost_lab.ui.browser import BrowserBridge, Countdown

log = live.log
_apps: list[ModeratorApp] = []

MSG_SOMETHING_WRONG = N_("Something went wrong. Nothing was lost; please try again.")


def run_moderator_app(db_url: str | None = None, language: str | None = None) -> None:
    """Build and display the moderator app (called by notebooks/moderator.ipynb)."""
    app = ModeratorApp(store.connect(db_url or config.db_url()), db_url or config.db_url(), language)
    _apps.append(app)
    display(app.root)


def participant_base_url() -> str:
    return config.setting("participant_url") or "http://127.0.0.1:8867/"


def join_url(code: str) -> str:
    base = participant_base_url()
    return f"{base}{'&' if '?' in base else '?'}code={code}"


def _guarded(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(self: ModeratorApp, *args: Any) -> None:
        try:
            method(self, *args)
        except rooms.Rejected as rejected:
            self.status.value = tag("div", esc(rejected.message(self._)), cls="bf-msg-error", role="alert")
        except Exception:
            log.exception("moderator callback %s failed", method.__name__)
            self.status.value = tag("div", esc(self._(MSG_SOMETHING_WRONG)), cls="bf-msg-error", role="alert")

    return wrapper


class ModeratorApp:
    """The moderator's page in one kernel: a start screen and a projected room."""

    def __init__(self, engine: Any, db_url: str, language: str | None = None) -> None:
        self.engine = engine
        self.db_url = db_url
        self.language = i18n.normalise_language(language or config.setting("language"))
        self._ = i18n.gettext_for(self.language)
        self.room: store.Room | None = None
        self.board = rooms.Board.empty()
        self.feed: live.RoomFeed | None = None
        self.bridge = BrowserBridge(language=self.language)
        self.status = w.HTML().add_class("bf-status")
        self.body = w.VBox(layout=w.Layout(width="100%"))
        self.root = w.VBox([self.bridge, self.body], layout=w.Layout(width="100%")).add_class("bf-mod")
        self.view = "console"
        self.undo_stack: list[rooms.Undo] = []
        self.shown_step: str | None = None
        self.bridge.observe(self._on_bridge_ready, names="ready")

    @_guarded
    def _on_bridge_ready(self, change: dict) -> None:
        if not change["new"]:
            return
        params = self.bridge.params()
        room_id = params.get("room", "")
        found = store.get_room(self.engine, room_id) if room_id else None
        self.view = "projector" if params.get("view") == "projector" else "console"
        if found is not None:
            self.show_room(found)
        else:
            self.show_start()

    # -- start screen ---------------------------------------------------------------------------------

    def show_start(self) -> None:
        from bifrost_lab.programme import load_library  # the moderator kernel may load the YAML library

        _ = self._
        self._stop_feed()
        self.bridge.set_query(room=None, view=None)
        self.view = "console"
        library = load_library()
        self.library = library
        programme_options = [(p.title.get(self.language), p.id) for p in library.programmes.values()]
        self.programme_input = w.Dropdown(options=programme_options, layout=w.Layout(width="100%"))
        self.programme_input.add_class("bf-programme-input")
        self.meeting_input = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-meeting-input")
        self.room_language = w.Dropdown(
            options=[(i18n.LANGUAGE_NAMES[c], c) for c in i18n.LANGUAGES],
            value=self.language,
            layout=w.Layout(width="12em"),
        )
        self.room_language.add_class("bf-language-input")
        self.programme_input.observe(lambda _c: self._fill_meetings(), names="value")
        self._fill_meetings()
        open_button = w.Button(description=_("Open room"), button_style="primary").add_class("bf-open-room")
        open_button.on_click(self._on_open_room)
        resume = [self._resume_row(s) for s in store.list_rooms(self.engine, status="open")[:12]]
        self.body.children = [
            w.HTML(
                tag("h1", esc("BIFROST Lab"), cls="bf-h1")
                + tag(
                    "p",
                    esc(_("Choose a programme and a meeting, then open a room for the participants.")),
                    cls="bf-lead",
                )
            ),
            w.HTML(tag("label", esc(_("Programme")), cls="bf-label")),
            self.programme_input,
            w.HTML(tag("label", esc(_("Meeting")), cls="bf-label")),
            self.meeting_input,
            w.HTML(tag("label", esc(_("Language of the room")), cls="bf-label")),
            self.room_language,
            open_button,
            self.status,
            w.HTML(tag("h2", esc(_("Open rooms")), cls="bf-h2")) if resume else w.HTML(""),
            w.VBox(resume).add_class("bf-resume-list"),
        ]
        self.root.remove_class("bf-projecting")

    def _fill_meetings(self) -> None:
        programme = self.library.programme(self.programme_input.value)
        self.meeting_input.options = [
            (f"{m.title.get(self.language)} ({m.duration_min} min)", m.id) for m in programme.meetings
        ]

    def _resume_row(self, summary: store.RoomSummary) -> w.Widget:
        _ = self._
        r = summary.room
        title = rooms.text(r.content["meeting"]["title"], self.language)
        when = time.strftime("%d.%m.%Y %H:%M", time.localtime(r.created_at))
        info = _("{title} · code {code} · {when} · {people} participants").format(
            title=title, code=r.join_code, when=when, people=summary.participant_count
        )
        button = w.Button(description=_("Resume")).add_class("bf-resume")
        button.on_click(functools.partial(self._on_resume, r.id))
        return w.HBox([w.HTML(tag("span", esc(info))), button]).add_class("bf-resume-row")

    @_guarded
    def _on_open_room(self, _widget: Any) -> None:
        opened = rooms.open_room(
            self.engine,
            self.library,
            self.programme_input.value,
            self.meeting_input.value,
            language=self.room_language.value,
        )
        self.show_room(opened)

    @_guarded
    def _on_resume(self, room_id: str, _widget: Any) -> None:
        found = store.get_room(self.engine, room_id)
        if found is not None:
            self.show_room(found)

    # -- the room: console and projector -------------------------------------------------------------

    def show_room(self, opened: store.Room) -> None:
        _ = i18n.gettext_for(opened.language)
        self._ = _
        self.language = opened.language
        self.bridge.language = opened.language
        self.room = opened
        self.board = rooms.Board.empty()
        self.undo_stack = []
        self.shown_step = None
        projector = self.view == "projector"
        self.bridge.set_query(room=opened.id, view="projector" if projector else None)
        self.top = w.HTML().add_class("bf-proj-top")
        self.countdown = Countdown()
        self.stage = w.HTML(layout=w.Layout(flex="1 1 auto")).add_class("bf-proj-stage")
        url = join_url(opened.join_code)
        short = participant_base_url().split("://", 1)[-1].rstrip("/")
        self.join_panel = w.HTML(
            tag("div", esc(_("Join at")), cls="bf-join-label")
            + tag("div", esc(short), cls="bf-join-url")
            + tag("div", esc(_("Code")), cls="bf-join-label")
            + tag("div", esc(opened.join_code), cls="bf-join-code")
            + tag("div", qr_svg(url, scale=6), cls="bf-qr", role="img", aria_label=_("QR code to join the meeting")),
            layout=w.Layout(flex="0 0 auto"),
        ).add_class("bf-join")
        self.board_view = w.HTML().add_class("bf-board")
        header = w.HBox([self.top, self.countdown], layout=w.Layout(width="100%")).add_class("bf-proj-header")
        main = w.HBox([self.stage, self.join_panel], layout=w.Layout(width="100%")).add_class("bf-proj-main")
        if projector:
            self.body.children = [header, main, self.board_view]
            self.root.add_class("bf-projector-view")
            if self.bridge.params().get("look") == "dark":
                self.root.add_class("bf-theme-dark")  # high contrast for bright halls and weak projectors
        else:
            self._build_console(header, main)
        self.root.add_class("bf-projecting")
        self._stop_feed()
        changes = store.changes_since(self.engine, opened.id, 0)
        self._apply(changes)
        self.feed = live.RoomFeed(self.engine, opened.id, self._apply, since_version=changes.room.version).start()

    def _button(self, text: str, cls: str, handler: Callable, **kwargs: Any) -> w.Button:
        button = w.Button(description=text, **kwargs).add_class(cls)
        button.on_click(handler)
        return button

    def _build_console(self, header: w.Widget, main: w.Widget) -> None:
        _ = self._
        self.timer_button = self._button(_("Start timer"), "bf-timer-toggle", self._on_timer_toggle)
        self.lock_button = self._button(_("Lock input"), "bf-lock", self._on_lock)
        self.reveal_button = self._button(_("Reveal results"), "bf-reveal", self._on_reveal)
        self.anonymous_button = self._button(_("Hide names"), "bf-anonymous", self._on_anonymous)
        controls = w.HBox(
            [
                self._button(_("All rooms"), "bf-back", lambda _b: self.show_start()),
                self._button(_("◀ Previous"), "bf-prev", lambda _b: self._step_by(-1)),
                self._button(_("Next ▶"), "bf-next", lambda _b: self._step_by(+1), button_style="primary"),
                self.timer_button,
                self._button(_("+1 min"), "bf-timer-plus", self._on_timer_plus),
                self._button(_("+5 min"), "bf-timer-plus5", self._on_timer_plus5),
                self.lock_button,
                self.reveal_button,
                self.anonymous_button,
                self._button(_("Open projector"), "bf-open-projector", self._on_open_projector),
                self._button(
                    _("Open projector (dark, high contrast)"), "bf-open-projector-dark", self._on_open_projector_dark
                ),
                self._button(_("Download summary"), "bf-export", self._on_export),
                self._button(_("Close room"), "bf-close-room", self._on_close_room),
                self.status,
            ]
        ).add_class("bf-controls")
        self.prompt_view = w.HTML().add_class("bf-console-prompt")
        self.answered_view = w.HTML().add_class("bf-console-answered")
        self.notes_input = w.Textarea(
            placeholder=_("Notes for the summary (only in the console)"), rows=3, layout=w.Layout(width="100%")
        ).add_class("bf-notes")
        notes_save = self._button(_("Save note"), "bf-notes-save", self._on_save_note)
        self.evidence_mode = w.ToggleButtons(
            options=[(_("Off"), "off"), (_("Grid"), "grid"), (_("One at a time"), "one")],
            style={"button_width": "auto"},
        ).add_class("bf-evidence-mode")
        self.evidence_mode.observe(self._on_evidence_mode, names="value")
        self.unverified_input = w.Checkbox(description=_("Show cards still to be verified to the room"), indent=False)
        self.unverified_input.add_class("bf-show-unverified")
        self.unverified_input.observe(self._on_show_unverified, names="value")
        evidence_nav = w.HBox(
            [
                self._button("◀", "bf-ev-prev", lambda _b: self._evidence_step(-1)),
                self._button("▶", "bf-ev-next", lambda _b: self._evidence_step(+1)),
            ]
        )
        self.evidence_box = w.VBox(
            [
                w.HTML(tag("h3", esc(_("Evidence cards on the projector")), cls="bf-h3")),
                self.evidence_mode,
                evidence_nav,
                self.unverified_input,
            ]
        ).add_class("bf-evidence-controls")
        # clustering
        self.cluster_cards = w.SelectMultiple(rows=8, layout=w.Layout(width="100%")).add_class("bf-cluster-cards")
        self.cluster_name = w.Text(placeholder=_("Cluster name"), layout=w.Layout(width="100%")).add_class(
            "bf-cluster-name"
        )
        self.cluster_pick = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-cluster-pick")
        self.cluster_merge_into = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-cluster-merge-target")
        self.cluster_box = w.VBox(
            [
                w.HTML(
                    tag("h3", esc(_("Clusters")), cls="bf-h3")
                    + tag("div", esc(_("Select cards (Ctrl/Shift-click), then make or pick a cluster.")), cls="bf-hint")
                ),
                self.cluster_cards,
                self.cluster_name,
                w.HBox(
                    [
                        self._button(_("New cluster from selection"), "bf-cluster-new", self._on_cluster_new),
                        self._button(_("Take out of cluster"), "bf-cluster-out", self._on_cluster_out),
                    ]
                ),
                w.HTML(tag("label", esc(_("Cluster")), cls="bf-label")),
                self.cluster_pick,
                w.HBox(
                    [
                        self._button(_("Move selection here"), "bf-cluster-move", self._on_cluster_move),
                        self._button(_("Rename"), "bf-cluster-rename", self._on_cluster_rename),
                        self._button(_("Delete"), "bf-cluster-delete", self._on_cluster_delete),
                    ]
                ),
                w.HTML(tag("label", esc(_("Merge the cluster into")), cls="bf-label")),
                self.cluster_merge_into,
                self._button(_("Merge"), "bf-cluster-merge", self._on_cluster_merge),
            ]
        ).add_class("bf-cluster-panel")
        # moderation
        self.moderate_pick = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-moderate-pick")
        self.moderate_box = w.VBox(
            [
                w.HTML(tag("h3", esc(_("Moderation")), cls="bf-h3")),
                self.moderate_pick,
                self._button(_("Hide from projector / show again"), "bf-hide-card", self._on_hide_toggle),
            ]
        ).add_class("bf-moderate-panel")
        self.undo_button = self._button(_("Undo"), "bf-undo", self._on_undo)
        # on behalf of the room
        self.behalf_box = w.VBox().add_class("bf-behalf-panel")
        self.side = w.VBox(
            [
                self.prompt_view,
                self.answered_view,
                self.undo_button,
                self.evidence_box,
                self.cluster_box,
                self.moderate_box,
                self.behalf_box,
                w.HTML(tag("h3", esc(_("Notes")), cls="bf-h3")),
                self.notes_input,
                notes_save,
            ],
            layout=w.Layout(width="30rem", flex="0 0 30rem"),
        ).add_class("bf-console-side")
        preview = w.VBox([header, main, self.board_view], layout=w.Layout(flex="1 1 auto", min_width="0")).add_class(
            "bf-console-preview"
        )
        self.body.children = [
            w.HBox([preview, self.side], layout=w.Layout(width="100%")).add_class("bf-console"),
            controls,
        ]
        self.root.add_class("bf-console-view")

    def _stop_feed(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _apply(self, changes: store.Changes) -> None:
        try:
            self.board.apply(changes)
            self.room = changes.room
            self._render()
        except Exception:
            log.exception("moderator page update failed")

    @property
    def console(self) -> bool:
        return self.view != "projector"

    def _render(self) -> None:
        _ = self._
        r = self.room
        assert r is not None
        step = rooms.current_step(r)
        lang = self.language
        people = len(self.board.counted_participants())
        ngettext = i18n.ngettext_for(lang)
        meta = [
            _("Step {n} of {total}").format(n=r.step_index + 1, total=len(rooms.steps(r))),
            ngettext("{n} participant", "{n} participants", people).format(n=people),
        ]
        if rooms.step_inputs(step):
            meta.append(_("{n} of {m} have answered").format(n=self.board.answered(step), m=people))
        self.top.value = (
            (demo_banner_html(lang) if r.demo else "")
            + tag("div", esc(rooms.text(r.content["meeting"]["title"], lang)), cls="bf-proj-meeting")
            + tag("div", join_list(tag("span", esc(m), cls="bf-meta-item") for m in meta), cls="bf-proj-meta")
        )
        self.stage.value = tag("h1", esc(rooms.text(step.get("title"), lang)), cls="bf-proj-title") + text_block(
            rooms.text(step.get("question"), lang), cls="bf-proj-question"
        )
        self.countdown.set_trait("server_now", time.time())
        self.countdown.anchor = r.timer_anchor or time.time()
        self.countdown.remaining = r.timer_remaining
        self.countdown.running = r.timer_running
        self.board_view.value = self._board_html(step)
        if self.console:
            self._render_console(step)
        if not r.is_open and self.console:
            self.status.value = tag("div", esc(_("This room is closed.")), cls="bf-msg-ok")

    # -- what the room sees -------------------------------------------------------------------------

    def _board_html(self, step: dict) -> str:
        r = self.room
        assert r is not None
        parts = []
        if r.step_index == 0 and r.content.get("carried"):
            parts.append(self._carried_html(r.content["carried"]))
        parts.append(self._evidence_html(step))
        clusters = self.board.step_clusters(step["id"])
        if clusters:
            parts.append(self._clusters_html(clusters))
        for slot, spec in rooms.step_inputs(step):
            if spec.get("type") == "cards":
                parts.append(self._cards_html(step, spec))
            elif spec.get("type") == "solution":  # good-solution cards (issue 10)
                parts.append(
                    solution_ui.board_html(r, self.board.inputs, step, self.language, self._, self.board.role_of)
                )
            else:
                parts.append(self._results_html(step, slot, spec))
        return join_list(p for p in parts if p)

    def _card_label(self, card: store.Input, step: dict) -> str:
        r = self.room
        role = self.board.role_of(card)
        person = self.board.participants.get(card.participant_id or "")
        name = person.display_name if person and person.name_consent and rooms.names_shown(r, step) else None
        label = rooms.role_label(r, role, self.language) if role else self._("Entered by the moderator")
        return f"{label} · {name}" if name else label

    def _cards_html(self, step: dict, spec: dict) -> str:
        lang = self.language
        r = self.room
        assert r is not None
        if not rooms.results_revealed(r, step) and not self.console:
            return self._waiting_html(step)
        cards = self.board.cards(step["id"], include_hidden=self.console)
        columns = spec.get("columns") or []

        def render(card: store.Input) -> str:
            marker = self._("hidden from the projector") if card.hidden else ""
            return card_html(
                card.payload.get("text", ""),
                self._card_label(card, step),
                cls="bf-board-card" + (" bf-card-hidden" if card.hidden else ""),
                marker=marker,
            )

        if not cards:
            return tag("div", esc(self._("The cards appear here as they arrive.")), cls="bf-board-empty")
        note = ""
        if self.console and not rooms.results_revealed(r, step):
            note = tag("div", esc(self._("Hidden from the room until you reveal them.")), cls="bf-console-note")
        if columns:
            lanes = []
            for index, column in enumerate(columns):
                in_lane = [c for c in cards if c.payload.get("column") == index]
                lanes.append(
                    tag(
                        "section",
                        tag("h3", esc(rooms.text(column, lang)), cls="bf-lane-title")
                        + join_list(render(c) for c in in_lane),
                        cls="bf-lane",
                    )
                )
            return note + tag("div", join_list(lanes), cls="bf-lanes", style=f"--bf-lanes:{len(columns)}")
        return note + tag("div", join_list(render(c) for c in cards), cls="bf-card-grid")

    def _waiting_html(self, step: dict) -> str:
        people = len(self.board.counted_participants())
        return tag(
            "div",
            tag(
                "div",
                esc(self._("{n} of {m} have answered").format(n=self.board.answered(step), m=people)),
                cls="bf-waiting-count",
            )
            + tag("div", esc(self._("The results appear when the facilitator reveals them.")), cls="bf-waiting-text"),
            cls="bf-waiting",
        )

    def _results_html(self, step: dict, slot: str, spec: dict) -> str:
        r = self.room
        assert r is not None
        revealed = rooms.results_revealed(r, step)
        if not revealed and not self.console:
            return self._waiting_html(step)
        title = ""
        if len(rooms.step_inputs(step)) > 1 and spec.get("type") == "rating" and spec.get("anchors"):
            anchors = spec["anchors"]
            title = tag(
                "h3",
                esc(
                    f"{rooms.text(anchors.get('low'), self.language)} – "
                    f"{rooms.text(anchors.get('high'), self.language)}"
                ),
                cls="bf-results-title",
            )
        note = (
            ""
            if revealed
            else tag("div", esc(self._("Hidden from the room until you reveal them.")), cls="bf-console-note")
        )
        body = results.spec_results_html(r, self.board, step, slot, spec, self.language, self._)
        return tag("section", note + title + body, cls="bf-results")

    def _clusters_html(self, clusters: list[store.Cluster]) -> str:
        step = rooms.current_step(self.room)
        members: dict[str, list[store.Input]] = {c.id: [] for c in clusters}
        for item in sorted(self.board.inputs.values(), key=lambda i: i.seq):
            if item.cluster_id in members and item.kind == "card" and (self.console or not item.hidden):
                members[item.cluster_id].append(item)
        columns = []
        for cluster in clusters:
            cards = join_list(
                card_html(i.payload.get("text", ""), self._card_label(i, step), cls="bf-board-card bf-cluster-card")
                for i in members[cluster.id]
            )
            columns.append(
                tag(
                    "section",
                    tag(
                        "h3",
                        esc(cluster.label) + tag("span", str(len(members[cluster.id])), cls="bf-cluster-n"),
                        cls="bf-lane-title",
                    )
                    + cards,
                    cls="bf-lane bf-cluster",
                )
            )
        return tag("div", join_list(columns), cls="bf-lanes bf-clusters", style=f"--bf-lanes:{min(len(clusters), 5)}")

    def _carried_html(self, carried: dict) -> str:
        lang = self.language
        title = self._("Commitments from {meeting}").format(meeting=rooms.text(carried.get("meeting_title"), lang))
        cards = join_list(card_html(t, None, cls="bf-board-card bf-carried-card") for t in carried.get("cards", []))
        return tag(
            "section",
            tag("h2", esc(title), cls="bf-carried-title") + tag("div", cards, cls="bf-card-grid"),
            cls="bf-carried",
        )

    def _evidence_html(self, step: dict) -> str:
        lang = self.language
        r = self.room
        assert r is not None
        state = rooms.step_state(r, step["id"])
        mode = state.get("evidence") or ("grid" if not rooms.step_inputs(step) else "off")
        cards = r.content.get("cards", {})
        shown = [cards[c] for c in step.get("evidence_cards", []) if c in cards]
        if not self.console and not state.get("show_unverified"):
            shown = [c for c in shown if not c.get("verify")]
        if mode == "off" or not shown:
            return ""
        if mode == "one":
            index = int(state.get("evidence_index") or 0) % len(shown)
            shown = [shown[index]]
        items = []
        for card in shown:
            citation = card.get("citation") or {}
            cite = f"{citation.get('authors', '')} ({citation.get('year', '')})"
            if citation.get("via"):
                cite += f", via {citation['via']}"
            badges = self._provenance_badges(card)
            if card.get("verify") and self.console:
                badges += tag("span", esc(self._("verify")), cls="bf-badge bf-badge-verify")
            items.append(
                tag(
                    "article",
                    tag("div", badges, cls="bf-ev-badges")
                    + tag("h3", esc(rooms.text(card.get("label"), lang)), cls="bf-ev-label")
                    + text_block(rooms.text(card.get("text"), lang), cls="bf-ev-text")
                    + tag("div", esc(cite), cls="bf-ev-cite"),
                    cls="bf-ev-card",
                )
            )
        return tag("div", join_list(items), cls="bf-ev-grid" + (" bf-ev-one" if mode == "one" else ""))

    def _provenance_badges(self, card: dict) -> str:
        provenance = str(card.get("provenance") or "")
        if provenance.startswith("S"):
            kind = self._("seed")
        elif provenance.startswith("W:"):
            kind = self._("web")
        else:
            kind = self._("design")
        badge = tag("span", esc(kind), cls="bf-badge bf-badge-provenance")
        if (card.get("citation") or {}).get("via"):
            badge += tag("span", esc(self._("secondary source")), cls="bf-badge bf-badge-secondary")
        return badge

    # -- the console ----------------------------------------------------------------------------------

    def _render_console(self, step: dict) -> None:
        _ = self._
        r = self.room
        assert r is not None
        lang = self.language
        state = rooms.step_state(r, step["id"])
        prompt = rooms.text(step.get("facilitator_prompt"), lang)
        self.prompt_view.value = tag(
            "div",
            tag("div", esc(_("Facilitator prompt (only here)")), cls="bf-label")
            + text_block(prompt or "–", cls="bf-prompt-text"),
            cls="bf-prompt",
        )
        people = len(self.board.counted_participants())
        if rooms.step_inputs(step):
            self.answered_view.value = tag(
                "div",
                esc(_("{n} of {m} have answered").format(n=self.board.answered(step), m=people)),
                cls="bf-answered",
            )
        else:
            self.answered_view.value = ""
        self.timer_button.description = _("Pause timer") if r.timer_running else _("Start timer")
        self.lock_button.description = _("Unlock input") if state.get("locked") else _("Lock input")
        self.reveal_button.description = _("Hide results") if rooms.results_revealed(r, step) else _("Reveal results")
        self.anonymous_button.description = _("Show names") if not rooms.names_shown(r, step) else _("Hide names")
        self.undo_button.disabled = not self.undo_stack
        self.undo_button.description = (
            _("Undo: {what}").format(what=_(self.undo_stack[-1].description)) if self.undo_stack else _("Undo")
        )
        new_step = step["id"] != self.shown_step
        self.shown_step = step["id"]
        # evidence
        has_evidence = bool(step.get("evidence_cards"))
        self.evidence_box.layout.display = None if has_evidence else "none"
        mode = state.get("evidence") or ("grid" if not rooms.step_inputs(step) else "off")
        self._quiet = True
        try:
            if self.evidence_mode.value != mode:
                self.evidence_mode.value = mode
            self.unverified_input.value = bool(state.get("show_unverified"))
            if new_step:
                self.notes_input.value = state.get("note", "")
        finally:
            self._quiet = False
        # clustering: the cards of this step, or of the earlier card steps when this step takes none
        candidates = self._cluster_candidates(step)
        self.cluster_box.layout.display = None if candidates or self.board.step_clusters(step["id"]) else "none"
        clusters = self.board.step_clusters(step["id"])
        names = {c.id: c.label for c in self.board.clusters.values()}
        options = [
            (
                charts.short(
                    ("[" + names[c.cluster_id] + "] " if c.cluster_id in names else "") + c.payload.get("text", ""), 80
                ),
                c.id,
            )
            for c in candidates
        ]
        if list(self.cluster_cards.options) != options:
            keep = [v for v in self.cluster_cards.value if v in {o[1] for o in options}]
            self.cluster_cards.options = options
            self.cluster_cards.value = tuple(keep)
        cluster_options = [(c.label, c.id) for c in clusters]
        for dropdown in (self.cluster_pick, self.cluster_merge_into):
            if list(dropdown.options) != cluster_options:
                current = dropdown.value
                dropdown.options = cluster_options
                if current in {o[1] for o in cluster_options}:
                    dropdown.value = current
        # moderation: every card of the step, hidden ones marked
        cards = self.board.cards(step["id"], include_hidden=True)
        self.moderate_box.layout.display = None if cards else "none"
        moderate_options = [
            (("⊘ " if c.hidden else "") + charts.short(c.payload.get("text", ""), 80), c.id) for c in cards
        ]
        if list(self.moderate_pick.options) != moderate_options:
            current = self.moderate_pick.value
            self.moderate_pick.options = moderate_options
            if current in {o[1] for o in moderate_options}:
                self.moderate_pick.value = current
        if new_step:
            self._build_behalf(step)

    def _cluster_candidates(self, step: dict) -> list[store.Input]:
        r = self.room
        if rooms.card_spec(step) is not None:
            return self.board.cards(step["id"])
        index = next(i for i, s in enumerate(rooms.steps(r)) if s["id"] == step["id"])
        earlier = [s["id"] for s in rooms.steps(r)[:index] if rooms.card_spec(s) is not None]
        if not earlier or rooms.step_inputs(step):
            return []
        return [c for sid in earlier for c in self.board.cards(sid)]

    def _build_behalf(self, step: dict) -> None:
        _ = self._
        children: list[w.Widget] = []
        for slot, spec in rooms.step_inputs(step):
            if spec.get("type") in ("cards", "solution"):  # bring good solutions in from the catalogue (issue 10)
                children += solution_ui.import_panel(self.engine, self.room, step, self.language, _)
            if spec.get("type") == "solution":
                children.append(solution_ui.SolutionForm(self.engine, self.room, None, step, self.language, _).box)
                continue
            if spec.get("type") == "cards":
                self.behalf_text = w.Textarea(
                    placeholder=_("A card from paper or from someone without a device"),
                    rows=2,
                    layout=w.Layout(width="100%"),
                ).add_class("bf-behalf-text")
                columns = spec.get("columns") or []
                self.behalf_column = w.Dropdown(
                    options=[(rooms.text(c, self.language), i) for i, c in enumerate(columns)],
                    layout=w.Layout(width="100%"),
                ).add_class("bf-behalf-column")
                if columns:
                    self.behalf_column.value = 0
                else:
                    self.behalf_column.layout.display = "none"
                children += [
                    self.behalf_column,
                    self.behalf_text,
                    self._button(_("Add card for the room"), "bf-behalf-add", self._on_behalf_card),
                ]
            else:
                kind = input_type(spec.get("type"))
                assert kind is not None
                save = functools.partial(self._save_for_room, step["id"], slot, spec["type"])
                context = results.input_context(self.room, self.board, spec, self.language, _)
                section = kind.widget(context, None, save, autosave=False)
                children.append(section.box)
        if children:
            head = w.HTML(
                tag("h3", esc(_("Input on behalf of the room")), cls="bf-h3")
                + tag("div", esc(_("For people without a device or paper notes; marked as such.")), cls="bf-hint")
            )
            self.behalf_box.children = [head, *children]
            self.behalf_box.layout.display = None
        else:
            self.behalf_box.children = []
            self.behalf_box.layout.display = "none"

    def _save_for_room(self, step_id: str, slot: str, input_type_name: str, value: Any) -> bool:
        assert self.room is not None
        try:
            kind = input_type(input_type_name)
            assert kind is not None
            kind.save(self.engine, self.room, None, step_id, value, slot=slot, input_id=str(uuid.uuid4()))
        except rooms.Rejected as rejected:
            self.status.value = tag("div", esc(rejected.message(self._)), cls="bf-msg-error", role="alert")
            return False
        except Exception:
            log.exception("saving for the room failed")
            self.status.value = tag("div", esc(self._(MSG_SOMETHING_WRONG)), cls="bf-msg-error", role="alert")
            return False
        self.status.value = tag("div", esc(self._("Added for the room.")), cls="bf-msg-ok")
        self._refresh()
        self._build_behalf(rooms.current_step(self.room))  # a clean form for the next paper note
        return True

    # -- controls -------------------------------------------------------------------------------------

    def _refresh(self) -> None:
        if self.feed is not None and self.room is not None:
            changes = store.changes_since(self.engine, self.room.id, self.feed.version)
            self.feed.version = changes.room.version
            self._apply(changes)

    def _step_state(self, **state: Any) -> None:
        assert self.room is not None
        step = rooms.current_step(self.room)
        self._apply_room(store.set_step_state(self.engine, self.room.id, step["id"], **state))

    @_guarded
    def _step_by(self, delta: int) -> None:
        assert self.room is not None
        self._apply_room(rooms.go_to_step(self.engine, self.room, self.room.step_index + delta))

    @_guarded
    def _on_timer_toggle(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.set_timer(self.engine, self.room.id, running=not self.room.timer_running))

    @_guarded
    def _on_timer_plus(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.set_timer(self.engine, self.room.id, add_seconds=60))

    @_guarded
    def _on_timer_plus5(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.set_timer(self.engine, self.room.id, add_seconds=300))

    @_guarded
    def _on_lock(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        self._step_state(locked=not rooms.step_state(self.room, step["id"]).get("locked", False))

    @_guarded
    def _on_reveal(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        self._step_state(revealed=not rooms.results_revealed(self.room, step))

    @_guarded
    def _on_anonymous(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        self._step_state(anonymous=rooms.names_shown(self.room, step))

    @_guarded
    def _on_open_projector(self, _widget: Any) -> None:
        assert self.room is not None
        self.bridge.open_window(f"bifrost-projector-{self.room.id}", view="projector", room=self.room.id)

    def _on_open_projector_dark(self, _widget: Any) -> None:
        assert self.room is not None
        self.bridge.open_window(
            f"bifrost-projector-dark-{self.room.id}", view="projector", room=self.room.id, look="dark"
        )

    @_guarded
    def _on_save_note(self, _widget: Any) -> None:
        note = rooms.clean_text(self.notes_input.value, 4000, required=False)
        self._step_state(note=note)
        self.status.value = tag("div", esc(self._("Note saved.")), cls="bf-msg-ok")

    def _on_evidence_mode(self, change: dict) -> None:
        if not getattr(self, "_quiet", False) and change["new"]:
            self._guarded_state({"evidence": change["new"]})

    def _on_show_unverified(self, change: dict) -> None:
        if not getattr(self, "_quiet", False):
            self._guarded_state({"show_unverified": bool(change["new"])})

    @_guarded
    def _guarded_state(self, state: dict[str, Any]) -> None:
        self._step_state(**state)

    @_guarded
    def _evidence_step(self, delta: int) -> None:
        step = rooms.current_step(self.room)
        state = rooms.step_state(self.room, step["id"])
        self._step_state(evidence="one", evidence_index=int(state.get("evidence_index") or 0) + delta)

    def _push_undo(self, edit: rooms.Undo) -> None:
        self.undo_stack.append(edit)
        del self.undo_stack[:-50]

    @_guarded
    def _on_undo(self, _widget: Any) -> None:
        if self.undo_stack:
            rooms.undo(self.engine, self.undo_stack.pop())
            self._refresh()

    @_guarded
    def _on_cluster_new(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        _cluster, edit = rooms.create_cluster(
            self.engine, self.room, step["id"], self.cluster_name.value, input_ids=list(self.cluster_cards.value)
        )
        self._push_undo(edit)
        self.cluster_name.value = ""
        self.cluster_cards.value = ()
        self._refresh()
        self.cluster_pick.value = _cluster.id

    @_guarded
    def _on_cluster_move(self, _widget: Any) -> None:
        if self.cluster_pick.value and self.cluster_cards.value:
            self._push_undo(
                rooms.move_to_cluster(self.engine, self.room, list(self.cluster_cards.value), self.cluster_pick.value)
            )
            self.cluster_cards.value = ()
            self._refresh()

    @_guarded
    def _on_cluster_out(self, _widget: Any) -> None:
        if self.cluster_cards.value:
            self._push_undo(rooms.move_to_cluster(self.engine, self.room, list(self.cluster_cards.value), None))
            self.cluster_cards.value = ()
            self._refresh()

    @_guarded
    def _on_cluster_rename(self, _widget: Any) -> None:
        if self.cluster_pick.value:
            self._push_undo(rooms.rename_cluster(self.engine, self.cluster_pick.value, self.cluster_name.value))
            self.cluster_name.value = ""
            self._refresh()

    @_guarded
    def _on_cluster_delete(self, _widget: Any) -> None:
        if self.cluster_pick.value:
            self._push_undo(rooms.delete_cluster(self.engine, self.room, self.cluster_pick.value))
            self._refresh()

    @_guarded
    def _on_cluster_merge(self, _widget: Any) -> None:
        source, target = self.cluster_pick.value, self.cluster_merge_into.value
        if source and target and source != target:
            self._push_undo(rooms.merge_clusters(self.engine, self.room, source, target))
            self._refresh()

    @_guarded
    def _on_hide_toggle(self, _widget: Any) -> None:
        card = self.board.inputs.get(self.moderate_pick.value or "")
        if card is not None:
            self._push_undo(rooms.hide_input(self.engine, card.id, not card.hidden))
            self._refresh()

    @_guarded
    def _on_behalf_card(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        columns = (rooms.card_spec(step) or {}).get("columns")
        rooms.submit_card(
            self.engine,
            self.room,
            None,
            step["id"],
            self.behalf_text.value,
            column=self.behalf_column.value if columns else None,
            input_id=str(uuid.uuid4()),
        )
        self.behalf_text.value = ""
        self.status.value = tag("div", esc(self._("Added for the room.")), cls="bf-msg-ok")
        self._refresh()

    @_guarded
    def _on_close_room(self, _widget: Any) -> None:
        assert self.room is not None
        self._apply_room(store.close_room(self.engine, self.room.id))

    @_guarded
    def _on_export(self, _widget: Any) -> None:
        from bifrost_lab.reports.export import export_room_html

        assert self.room is not None
        self.status.value = tag("div", esc(self._("Preparing the summary…")), cls="bf-msg-ok")
        html = export_room_html(self.room.id, db_url=self.db_url, language=self.language)
        stamp = time.strftime("%Y-%m-%d", time.localtime(self.room.created_at))
        stem = "-".join(self._("Knowledge summary").lower().split())  # vidensopsamling, tietokooste, …
        self.bridge.download(f"{stem}-{self.room.meeting_id}-{stamp}-{self.room.id}.html", html)
        self.status.value = tag("div", esc(self._("The summary has been downloaded.")), cls="bf-msg-ok")

    def _apply_room(self, updated: store.Room) -> None:
        """Show our own change at once; the feed catches up with everything else."""
        if self.feed is not None:
            changes = store.changes_since(self.engine, updated.id, self.feed.version)
            self.feed.version = changes.room.version
            self._apply(changes)
