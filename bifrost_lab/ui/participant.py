"""The participant page: join by code, pick a role, follow the room, add cards. Widgets only.

This module is imported by every participant kernel: it must stay light (no pandas, matplotlib,
pydantic or voila.utils). Everything the browser sends is untrusted; rules live in `room`.
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
from bifrost_lab.markup import demo_banner_html, esc, tag, text_block
from bifrost_lab.ui import buttons, results
from bifrost_lab.ui import projector_charts as charts
from bifrost_lab.ui import solution_widgets as solution_ui
from bifrost_lab.ui.browser import BrowserBridge, Countdown

log = live.log
_apps: list[ParticipantApp] = []  # keep apps (and their feeds) alive for the kernel's lifetime

MSG_SOMETHING_WRONG = N_("Something went wrong, and your input was not saved. Please try again.")
MSG_NOT_IN_LANGUAGE = N_("This meeting is not available in {language}; it is shown in {shown}.")


def counter_html(limit: int, gettext: Callable[[str], str]) -> str:
    """The card's limit, which the page turns into a live count as the participant types ("37 of 140 characters")."""
    return tag(
        "div",
        esc(gettext("At most {limit} characters").format(limit=limit)),
        cls="bf-hint bf-char-count",
        data_for="bf-card-input",
        data_limit=str(limit),
        data_template=gettext("{n} of {limit} characters"),
    )


def run_participant_app(db_url: str | None = None, language: str | None = None) -> None:
    """Build and display the participant page (called by notebooks/participant.ipynb)."""
    app = ParticipantApp(store.connect(db_url or config.db_url()), language)
    _apps.append(app)
    display(app.root)


def _guarded(method: Callable) -> Callable:
    """Widget callbacks: show a clear message for user errors and never a traceback for ours."""

    @functools.wraps(method)
    def wrapper(self: ParticipantApp, *args: Any) -> None:
        try:
            method(self, *args)
        except rooms.Rejected as rejected:
            self.show_message(rejected.message(self._), error=True)
        except Exception:
            log.exception("participant callback %s failed", method.__name__)
            self.show_message(self._(MSG_SOMETHING_WRONG), error=True)

    return wrapper


class ParticipantApp:
    """One participant's page in one kernel."""

    def __init__(self, engine: Any, language: str | None = None) -> None:
        self.engine = engine
        # Created per page, not per process: kernels are forks of one parent (forkserver.py)
        self.page_id = str(uuid.uuid4())
        self.language = i18n.normalise_language(language or config.setting("language"))
        self._ = i18n.gettext_for(self.language)
        self.room: store.Room | None = None
        self.me: store.Participant | None = None
        self.board = rooms.Board.empty()
        self.feed: live.RoomFeed | None = None
        self.shown_step: str | None = None
        self.shown_targets: tuple = ()
        self.editing_id: str | None = None
        self.compose_id = str(uuid.uuid4())
        self.missing_language: str | None = None  # asked for (?lang=fi) but not in the meeting's programme
        self._offering = False  # True while the language switch's options change: not the participant choosing

        self.bridge = BrowserBridge(language=self.language)
        self.header = w.HTML(layout=w.Layout(width="100%")).add_class("bf-p-header")
        self.announce = w.HTML().add_class("bf-sr-live")
        self.body = w.VBox(layout=w.Layout(width="100%")).add_class("bf-p-body")
        self.message = w.HTML().add_class("bf-msg")
        self.language_switch = w.ToggleButtons(
            options=[(code.upper(), code) for code in i18n.LANGUAGES],
            value=self.language,
            tooltips=[i18n.LANGUAGE_NAMES[code] for code in i18n.LANGUAGES],
        ).add_class("bf-language-switch")
        self.language_switch.observe(self._on_language_switch, names="value")
        self.countdown = Countdown(emphasis="break")  # shown during a break: when to be back
        self.root = w.VBox(
            [self.bridge, self.language_switch, self.header, self.announce, self.body], layout=w.Layout(width="100%")
        ).add_class("bf-p")
        self._build_widgets()
        self.body.children = [w.HTML(tag("p", esc(self._("Connecting…")), cls="bf-calm-text"))]
        self.bridge.observe(self._on_bridge_ready, names="ready")

    # -- widgets that live for the whole page -------------------------------------------------

    def _build_widgets(self) -> None:
        _ = self._
        self.code_input = w.Text(placeholder=_("Code, e.g. K7P2QX"), layout=w.Layout(width="100%"))
        self.code_input.add_class("bf-code-input")
        self.code_button = w.Button(description=_("Continue"), button_style="primary").add_class("bf-primary")
        self.code_button.on_click(self._on_code)
        self.code_input.on_submit(self._on_code)

        self.role_input = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-role-input")
        self.name_input = w.Text(placeholder=_("Name (optional)"), layout=w.Layout(width="100%"))
        self.name_input.add_class("bf-name-input")
        self.consent_input = w.Checkbox(description=_("Show my name with my cards"), indent=False)
        self.consent_input.add_class("bf-consent-input")
        self.join_button = w.Button(description=_("Join"), button_style="primary").add_class("bf-primary")
        self.join_button.add_class("bf-join-button")
        self.join_button.on_click(self._on_join)

        self.column_input = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-column-input")
        self.card_input = w.Textarea(
            placeholder=_("One card, one idea"), rows=3, continuous_update=False, layout=w.Layout(width="100%")
        ).add_class("bf-card-input")
        self.submit_button = w.Button(description=_("Send card"), button_style="primary").add_class("bf-primary")
        self.submit_button.add_class("bf-submit")
        # Issue 21: a double tap stores one card and shows no false "write something" after it.
        self.submit_once = buttons.on_click_once(
            self.submit_button,
            self._on_submit,
            busy_label=_("Sending…"),
            form_state=lambda: (self.card_input.value, self.column_input.value, self.editing_id),
        )
        self.cancel_button = w.Button(description=_("Cancel")).add_class("bf-cancel")
        self.cancel_button.on_click(self._on_cancel_edit)
        self.my_cards = w.VBox(layout=w.Layout(width="100%")).add_class("bf-mycards")

    def show_message(self, text: str, *, error: bool = False) -> None:
        cls = "bf-msg-error" if error else "bf-msg-ok"
        self.message.value = tag("div", esc(text), cls=cls, role="alert" if error else "status")
        if self.message not in self.body.children:  # a failure before any form was shown ("Connecting…")
            self.body.children = (*self.body.children, self.message)

    # -- start: query string and stored token -----------------------------------------------------

    @_guarded
    def _on_bridge_ready(self, change: dict) -> None:
        if not change["new"] or self.room is not None:
            return
        params = self.bridge.params()
        if params.get("lang"):
            self._set_language(params["lang"])
        code = params.get("code", "")
        if not code:
            self._show_code_form()
            return
        try:
            found = rooms.find_room_by_code_limited(self.engine, code, self.page_id)
        except rooms.Rejected as rejected:
            self._show_code_form(code)
            self.show_message(rejected.message(self._), error=True)
            return
        self._enter_room(found)

    def _set_language(self, language: str) -> None:
        self.language = i18n.normalise_language(language)
        self._ = i18n.gettext_for(self.language)
        self.bridge.language = self.language
        self._build_widgets()
        if self.language_switch.value != self.language:
            self.language_switch.value = self.language  # its observer sees the same language: no loop

    @_guarded
    def _on_language_switch(self, change: dict) -> None:
        """Each participant may read the page in their own language; a card being written is kept."""
        if self._offering or change["new"] == self.language:
            return
        self.missing_language = None
        draft = self.card_input.value
        self._set_language(change["new"])
        self.card_input.value = draft
        self.cancel_button.layout.display = None if self.editing_id else "none"
        if self.editing_id:
            self.submit_button.description = self._("Save change")
        self.bridge.set_query(lang=self.language)
        if self.me is not None and self.room is not None:
            self._render_step(rooms.current_step(self.room), new_step=False)
        elif self.room is not None:
            self._show_join_form()
        else:
            self._show_code_form(self.code_input.value)

    def _offer_languages(self, available: list[str]) -> None:
        """The switch offers the languages the meeting is written in, and only those (hidden when there is one)."""
        self._offering = True
        try:
            self.language_switch.options = [(code.upper(), code) for code in available]
            self.language_switch.tooltips = [i18n.LANGUAGE_NAMES[code] for code in available]
            if self.language in available:
                self.language_switch.value = self.language
        finally:
            self._offering = False
        self.language_switch.layout.display = None if len(available) > 1 else "none"

    def _enter_room(self, found: store.Room) -> None:
        """One language at a time: the page takes the language asked for (?lang=), else the room's, when the
        meeting is written in it; otherwise the next in the fallback order (fi → en → da), and says so."""
        self.room = found
        available = rooms.content_languages(found)
        asked = i18n.normalise_language(self.bridge.params().get("lang") or found.language)
        chosen = i18n.best_language(asked, available)
        self.missing_language = asked if chosen != asked else None
        self._offer_languages(available)
        if chosen != self.language:
            self._set_language(chosen)
        token = (self.bridge.stored_value("tokens") or {}).get(found.join_code)
        me = rooms.rejoin(self.engine, found, token) if isinstance(token, str) else None
        if me is not None:
            self._start_following(me)
        else:
            self._show_join_form()

    # -- code and join forms ------------------------------------------------------------------------

    def _show_code_form(self, code: str = "") -> None:
        _ = self._
        self.header.value = tag("div", esc("BIFROST Lab"), cls="bf-brand")
        self.code_input.value = rooms.normalise_code(code)[:12]
        self.message.value = ""
        self.body.children = [
            w.HTML(
                tag("h1", esc(_("Join the meeting")), cls="bf-h1")
                + tag("p", esc(_("Type the code shown on the screen.")), cls="bf-lead")
            ),
            self.code_input,
            self.code_button,
            self.message,
        ]

    @_guarded
    def _on_code(self, _widget: Any) -> None:
        self._enter_room(rooms.find_room_by_code_limited(self.engine, self.code_input.value, self.page_id))

    def _language_note(self) -> str:
        """What the page says when it is not in the language asked for: in that language, naming the one shown."""
        if not self.missing_language:
            return ""
        said = i18n.gettext_for(self.missing_language)(MSG_NOT_IN_LANGUAGE)
        return tag(
            "div",
            esc(
                said.format(
                    language=i18n.LANGUAGE_NAMES[self.missing_language], shown=i18n.LANGUAGE_NAMES[self.language]
                )
            ),
            cls="bf-hint bf-content-language",
            role="note",
            lang=self.missing_language,
        )

    def _show_join_form(self) -> None:
        _ = self._
        assert self.room is not None
        title = rooms.text(self.room.content["meeting"]["title"], self.language)
        self.header.value = self._demo_banner() + self._language_note() + tag("div", esc(title), cls="bf-brand")
        roles = [(rooms.text(r["label"], self.language), r["id"]) for r in rooms.participant_roles(self.room)]
        self.role_input.options = [(_("Choose your role…"), "")] + roles
        self.role_input.value = ""
        self.message.value = ""
        privacy = _(
            "You take part anonymously. Your role is shown with your cards; your name only if you tick the box."
        )
        self.body.children = [
            w.HTML(tag("h1", esc(_("Welcome")), cls="bf-h1") + tag("p", esc(privacy), cls="bf-lead")),
            w.HTML(tag("label", esc(_("Your role")), cls="bf-label")),
            self.role_input,
            w.HTML(tag("label", esc(_("Your name")), cls="bf-label")),
            self.name_input,
            self.consent_input,
            self.join_button,
            self.message,
        ]

    @_guarded
    def _on_join(self, _widget: Any) -> None:
        assert self.room is not None
        if self.me is not None:
            return
        self.join_button.disabled = True
        try:
            me, token = rooms.join_room(
                self.engine,
                self.room,
                role=self.role_input.value or "",
                display_name=self.name_input.value,
                name_consent=self.consent_input.value,
                language=self.language,
            )
        finally:
            self.join_button.disabled = False
        tokens = dict(self.bridge.stored_value("tokens") or {})
        tokens[self.room.join_code] = token
        self.bridge.store("tokens", tokens)
        self._start_following(me)

    # -- following the room -------------------------------------------------------------------------

    def _start_following(self, me: store.Participant) -> None:
        assert self.room is not None
        self.me = me
        self.bridge.set_query(code=self.room.join_code)
        changes = store.changes_since(self.engine, self.room.id, 0)
        self.board.apply(changes)
        self._on_changes(changes)
        self.feed = live.RoomFeed(  # it keeps following a closed room: the moderator may reopen it
            self.engine,
            self.room.id,
            self._feed_changed,
            since_version=changes.room.version,
            interval=float(config.setting("participant_poll_interval")),
        ).start()

    def _feed_changed(self, changes: store.Changes) -> None:
        try:
            self.board.apply(changes)
            self._on_changes(changes)
        except Exception:
            log.exception("participant page update failed")

    def _on_changes(self, changes: store.Changes) -> None:
        previous = self.room
        self.room = changes.room
        step = rooms.current_step(self.room)
        self._sync_countdown(self.room)
        state_changed = (
            previous is None
            or previous.step_states != self.room.step_states
            or previous.status != self.room.status
            or previous.demo != self.room.demo  # marked as demo (`bifrost-lab rooms --mark-demo`): say so at once
        )
        targets_changed = self._targets(step) != self.shown_targets
        if step["id"] != self.shown_step or state_changed or targets_changed:
            if step["id"] != self.shown_step and self.shown_step is not None:
                self.announce.value = tag(
                    "div",
                    esc(self._("New step: {title}").format(title=rooms.text(step.get("title"), self.language))),
                    role="status",
                    aria_live="polite",
                )
                self.bridge.scroll_top()
            self._render_step(step, new_step=step["id"] != self.shown_step)
        elif any(i.participant_id == self.me.id for i in changes.inputs if self.me):
            self._render_my_cards(step)

    def _render_step(self, step: dict, *, new_step: bool) -> None:
        _ = self._
        assert self.room is not None
        self.shown_step = step["id"]
        count = len(rooms.steps(self.room))
        meeting_title = rooms.text(self.room.content["meeting"]["title"], self.language)
        self.header.value = (
            self._demo_banner()
            + self._language_note()
            + tag("div", esc(meeting_title), cls="bf-brand")
            + tag(
                "div",
                esc(_("Step {n} of {total}").format(n=self.room.step_index + 1, total=count)),
                cls="bf-step-count",
            )
        )
        question = rooms.text(step.get("question"), self.language)
        intro = (
            tag("h2", esc(rooms.text(step.get("title"), self.language)), cls="bf-step-title")
            + text_block(question, cls="bf-question")
            + self._untranslated_note(step)
        )
        if not self.room.is_open:
            self.body.children = [w.HTML(tag("div", esc(_(rooms.MSG_ROOM_CLOSED)), cls="bf-calm"))]
            return
        sections = rooms.step_inputs(step)
        self.shown_targets = self._targets(step)
        if not sections:
            if step.get("type") == "break":  # the time left, big: when to be back
                self.body.children = [
                    w.HTML(intro + tag("div", tag("div", esc(_("Pause")), cls="bf-calm-title"), cls="bf-calm")),
                    self.countdown,
                ]
                return
            calm = _("Listen and discuss")
            self.body.children = [w.HTML(intro + tag("div", tag("div", esc(calm), cls="bf-calm-title"), cls="bf-calm"))]
            return
        if new_step:
            self._reset_compose()
        locked = bool(rooms.step_state(self.room, step["id"]).get("locked"))
        children: list[w.Widget] = [w.HTML(intro)]
        if locked:
            children.append(w.HTML(tag("div", esc(_(rooms.MSG_LOCKED)), cls="bf-calm")))
        for slot, spec in sections:
            if spec.get("type") == "cards":
                if not locked:
                    columns = spec.get("columns") or []
                    if columns:
                        options = [(rooms.text(c, self.language), i) for i, c in enumerate(columns)]
                        if list(self.column_input.options) != options:
                            self.column_input.options = options
                        if self.column_input.value is None:
                            self.column_input.value = 0
                        children += [w.HTML(tag("label", esc(_("Column")), cls="bf-label")), self.column_input]
                    limit = int(spec.get("max_chars") or rooms.CARD_MAX_CHARS)
                    children += [
                        self.card_input,
                        w.HTML(counter_html(limit, _)),
                        w.HBox([self.submit_button, self.cancel_button]).add_class("bf-actions"),
                        self.message,
                    ]
                children.append(self.my_cards)
            elif spec.get("type") == "solution":  # good-solution cards (issue 10)
                children.append(solution_ui.section(self, step, locked))
            else:
                if len(sections) > 1:
                    children.append(w.HTML(tag("h3", esc(self._section_title(spec)), cls="bf-h3 bf-section-title")))
                children.append(self._answer_section(step, slot, spec, locked))
        if self.message not in children:
            children.append(self.message)
        self.body.children = children
        self._render_my_cards(step)

    def _untranslated_note(self, step: dict) -> str:
        """A step whose texts are missing in the page's language says which language they are shown in."""
        used = {rooms.text_language(step.get(key), self.language) for key in ("title", "question")}
        others = sorted(code for code in used if code and code != self.language)
        if not others:
            return ""
        said = self._("Not yet translated: shown in {language}.")
        names = ", ".join(i18n.LANGUAGE_NAMES[code] for code in others)
        return tag("div", esc(said.format(language=names)), cls="bf-hint bf-content-language", role="note")

    def _sync_countdown(self, room: store.Room) -> None:
        """The break's countdown follows the room's timer (it counts down in the browser)."""
        self.countdown.set_trait("server_now", time.time())
        self.countdown.anchor = room.timer_anchor or time.time()
        self.countdown.remaining = room.timer_remaining
        self.countdown.running = room.timer_running

    def _demo_banner(self) -> str:
        """A demo room's page says so on top, from the code onwards (issue 15 §2)."""
        return demo_banner_html(self.language) if self.room is not None and self.room.demo else ""

    def _section_title(self, spec: dict) -> str:
        _ = self._
        return {
            "rating": _("Your rating"),
            "dot_vote": _("Your dots"),
            "ranking": _("Your order"),
            "matrix_2x2": _("Effect and effort"),
            "choice": _("Your answer"),
            "budget": _("Your points"),
            "words": _("Your words"),
            "shift": _("Your rating now"),
        }.get(spec.get("type", ""), "")

    def _targets(self, step: dict) -> tuple:
        """The options each input of the step offers now (cards and clusters can change during a step)."""
        assert self.room is not None
        return tuple(
            tuple(charts.board_targets(self.room, self.board, spec))
            for _slot, spec in rooms.step_inputs(step)
            if spec.get("targets")
        )

    def _answer_section(self, step: dict, slot: str, spec: dict, locked: bool) -> w.Widget:
        assert self.room is not None and self.me is not None
        kind = input_type(spec.get("type"))
        assert kind is not None
        mine = rooms.my_answer(self.board, step["id"], self.me.id, kind.kind, rooms._row_slot(step, slot))
        save = functools.partial(self._save_answer, step["id"], slot, spec["type"])
        context = results.input_context(self.room, self.board, spec, self.language, self._)
        return kind.widget(context, mine.payload if mine else None, save, locked=locked).box

    def _save_answer(self, step_id: str, slot: str, input_type_name: str, value: Any) -> bool:
        """Save one answer through the room rules; a rejection is shown, never raised into the widget."""
        assert self.room is not None
        kind = input_type(input_type_name)
        assert kind is not None
        try:
            kind.save(self.engine, self.room, self.me, step_id, value, slot=slot)
        except rooms.Rejected as rejected:
            self.show_message(rejected.message(self._), error=True)
            return False
        except Exception:
            log.exception("saving a %s failed", input_type_name)
            self.show_message(self._(MSG_SOMETHING_WRONG), error=True)
            return False
        self.message.value = ""
        self._refresh_now()
        return True

    def _reset_compose(self) -> None:
        self.editing_id = None
        self.compose_id = str(uuid.uuid4())
        self.card_input.value = ""
        self.submit_button.description = self._("Send card")
        self.cancel_button.layout.display = "none"
        self.message.value = ""

    def _render_my_cards(self, step: dict) -> None:
        _ = self._
        spec = rooms.card_spec(step)
        if self.me is None or spec is None:
            self.my_cards.children = []
            return
        mine = [c for c in self.board.cards(step["id"], include_hidden=True) if c.participant_id == self.me.id]
        columns = spec.get("columns") or []
        locked = bool(rooms.step_state(self.room, step["id"]).get("locked")) if self.room else True
        rows: list[w.Widget] = (
            [w.HTML(tag("h3", esc(_("Your cards ({n})").format(n=len(mine))), cls="bf-h3"))] if mine else []
        )
        for card in mine:
            column = card.payload.get("column")
            label = (
                rooms.text(columns[column], self.language) if isinstance(column, int) and column < len(columns) else ""
            )
            html = (tag("div", esc(label), cls="bf-card-column") if label else "") + text_block(
                card.payload.get("text", ""), cls="bf-card-text"
            )
            buttons: list[w.Widget] = []
            if not locked:
                edit = w.Button(description=_("Edit")).add_class("bf-edit")
                edit.on_click(functools.partial(self._on_edit, card.id))
                delete = w.Button(description=_("Delete")).add_class("bf-delete")
                delete.on_click(functools.partial(self._on_delete, card.id))
                buttons = [edit, delete]
            rows.append(w.VBox([w.HTML(html), w.HBox(buttons).add_class("bf-card-buttons")]).add_class("bf-mycard"))
        self.my_cards.children = rows

    # -- card actions ---------------------------------------------------------------------------------

    @_guarded
    def _on_submit(self, _widget: Any) -> None:
        assert self.room is not None
        step = rooms.current_step(self.room)
        column = self.column_input.value if (rooms.card_spec(step) or {}).get("columns") else None
        self.submit_button.disabled = True
        try:
            if self.editing_id:
                rooms.edit_card(self.engine, self.room, self.me, self.editing_id, self.card_input.value, column=column)
                done = self._("Your card was updated.")
            else:
                rooms.submit_card(
                    self.engine,
                    self.room,
                    self.me,
                    step["id"],
                    self.card_input.value,
                    column=column,
                    input_id=self.compose_id,
                )
                done = self._("Thank you! Your card is on the board.")
        finally:
            self.submit_button.disabled = False
        self._reset_compose()
        self.show_message(done)
        self._refresh_now()

    def _on_edit(self, input_id: str, _widget: Any) -> None:
        card = self.board.inputs.get(input_id)
        if card is None:
            return
        self.editing_id = input_id
        self.card_input.value = card.payload.get("text", "")
        column = card.payload.get("column")
        if isinstance(column, int) and self.column_input.options:
            self.column_input.value = column
        self.submit_button.description = self._("Save change")
        self.cancel_button.layout.display = None
        self.message.value = ""

    def _on_cancel_edit(self, _widget: Any) -> None:
        self._reset_compose()

    @_guarded
    def _on_delete_guarded(self, input_id: str) -> None:
        assert self.room is not None
        rooms.delete_card(self.engine, self.room, self.me, input_id)
        if self.editing_id == input_id:
            self._reset_compose()
        self.show_message(self._("Your card was deleted."))
        self._refresh_now()

    def _on_delete(self, input_id: str, _widget: Any) -> None:
        self._on_delete_guarded(input_id)

    def _refresh_now(self) -> None:
        """Apply our own write at once instead of waiting for the next poll."""
        if self.room is None or self.feed is None:
            return
        changes = store.changes_since(self.engine, self.room.id, self.feed.version)
        self.feed.version = changes.room.version
        self._feed_changed(changes)
