"""Widgets for the `solution` input type: the participant's form, the projector's board, the moderator's import.

Rules live in `solutions`; this module only builds widgets and HTML. Every text from a participant or
the database goes through `esc` (directly, or via `card_html`).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import live, rooms, solutions, store
from bifrost_lab.i18n import N_
from bifrost_lab.markup import card_html, esc, join_list, tag
from bifrost_lab.ui import buttons

log = live.log
Gettext = Callable[[str], str]

MSG_SAVED = N_("Thank you! Your solution is in the catalogue.")
MSG_DELETED = N_("Your solution was deleted.")
MSG_FAILED = N_("Something went wrong, and your input was not saved. Please try again.")
MSG_YOURS = N_("Your solutions ({n})")
MSG_SEND = N_("Send solution")
MSG_SAVE_CHANGE = N_("Save change")
MSG_UPDATED = N_("Your solution was updated.")
MSG_CHOOSE = N_("Choose…")
MSG_BOARD_EMPTY = N_("The solutions appear here as they arrive.")
MSG_IMPORT_TITLE = N_("Bring in solutions from the catalogue")
MSG_IMPORT_BUTTON = N_("Bring into this step")
MSG_IMPORT_SEARCH = N_("Search the catalogue")
MSG_IMPORT_NONE = N_("The catalogue has no solutions from other rooms yet.")
MSG_IMPORTED = N_("{n} solutions were brought in.")
MSG_REQUIRED = N_("required")


class SolutionForm:
    """One participant's form for a solution step, with the list of what they have sent."""

    def __init__(
        self,
        engine: Any,
        room: store.Room,
        participant: store.Participant | None,
        step: dict[str, Any],
        language: str,
        gettext: Gettext,
        *,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.room = room
        self.participant = participant
        self.step = step
        self.language = language
        self._ = gettext
        self.on_saved = on_saved
        self.compose_id = str(uuid.uuid4())
        self.editing_id: str | None = None
        _ = gettext
        self.inputs: dict[str, w.Widget] = {}
        for field in solutions.FIELDS:
            if field in ("where", "contact_role"):
                widget = w.Text(placeholder=_(solutions.FIELD_HINTS[field]), layout=w.Layout(width="100%"))
            else:
                widget = w.Textarea(placeholder=_(solutions.FIELD_HINTS[field]), rows=3, layout=w.Layout(width="100%"))
            widget.add_class(f"bf-sol-{field.replace('_', '-')}")
            self.inputs[field] = widget
        self.sector = w.Dropdown(
            options=[(_(MSG_CHOOSE), "")]
            + [(solutions.sector_label(code, language), code) for code in solutions.SECTORS],
            value="",
            layout=w.Layout(width="100%"),
        ).add_class("bf-sol-sector")
        topics = solutions.topic_options(step)
        if topics:
            self.topic: w.Widget = w.Dropdown(
                options=[(_(MSG_CHOOSE), "")] + [(rooms.text(t, language), rooms.text(t, "da")) for t in topics],
                value="",
                layout=w.Layout(width="100%"),
            )
        else:
            self.topic = w.Text(layout=w.Layout(width="100%"))
        self.topic.add_class("bf-sol-topic")
        self.send = w.Button(description=_(MSG_SEND), button_style="primary").add_class("bf-primary")
        self.send.add_class("bf-sol-send")
        self.send_once = buttons.on_click_once(  # issue 21: a double tap sends once
            self.send, self._on_send, busy_label=_("Sending…"), form_state=lambda: (self.values(), self.editing_id)
        )
        self.cancel = w.Button(description=_("Cancel")).add_class("bf-cancel").add_class("bf-sol-cancel")
        self.cancel.on_click(lambda _b: self._clear())
        self.cancel.layout.display = "none"
        self.message = w.HTML().add_class("bf-msg")
        self.mine = w.VBox(layout=w.Layout(width="100%")).add_class("bf-mysolutions")
        self.box = w.VBox(layout=w.Layout(width="100%")).add_class("bf-solution-form")
        self.render(locked=bool(rooms.step_state(room, step["id"]).get("locked")))

    def render(self, *, locked: bool) -> w.VBox:
        _ = self._
        children: list[w.Widget] = []
        if not locked:
            for field in solutions.FIELDS:
                label = _(solutions.FIELD_LABELS[field])
                if field in solutions.REQUIRED_FIELDS:
                    label += f" ({_(MSG_REQUIRED)})"
                children += [w.HTML(tag("label", esc(label), cls="bf-label")), self.inputs[field]]
            children += [
                w.HTML(tag("label", esc(_(solutions.SECTOR_LABEL)), cls="bf-label")),
                self.sector,
                w.HTML(tag("label", esc(_(solutions.TOPIC_LABEL)), cls="bf-label")),
                self.topic,
                w.HBox([self.send, self.cancel]).add_class("bf-actions"),
                self.message,
            ]
        children.append(self.mine)
        self.box.children = children
        self.locked = locked
        self.refresh_mine()
        return self.box

    def values(self) -> dict[str, Any]:
        return {
            **{f: widget.value for f, widget in self.inputs.items()},
            "sector": self.sector.value or None,
            "topic": self.topic.value or None,
        }

    def _on_send(self, _button: Any) -> None:
        self.send.disabled = True
        try:
            if self.editing_id:
                solutions.edit_solution(self.engine, self.room, self.participant, self.editing_id, self.values())
                done = self._(MSG_UPDATED)
            else:
                solutions.submit_solution(
                    self.engine, self.room, self.participant, self.step["id"], self.values(), input_id=self.compose_id
                )
                done = self._(MSG_SAVED)
        except rooms.Rejected as rejected:
            self.show(rejected.message(self._), error=True)
            return
        except Exception:
            log.exception("saving a solution failed")
            self.show(self._(MSG_FAILED), error=True)
            return
        finally:
            self.send.disabled = False
        self._clear()
        self.refresh_mine()  # before the message: whoever sees the thanks also sees the solution in the list
        self.show(done)
        if self.on_saved:
            self.on_saved()

    def _clear(self) -> None:
        self.compose_id = str(uuid.uuid4())
        self.editing_id = None
        for widget in self.inputs.values():
            widget.value = ""
        self.sector.value = ""
        self.topic.value = ""
        self.send.description = self._(MSG_SEND)
        self.cancel.layout.display = "none"
        self.message.value = ""

    def _on_edit(self, item: store.Input, _button: Any) -> None:
        """Load one's own solution into the form; Send then saves the change."""
        self.editing_id = item.id
        for field, widget in self.inputs.items():
            widget.value = str(item.payload.get(field) or "")
        sector = item.payload.get("sector") or ""
        self.sector.value = sector if sector in solutions.SECTORS else ""
        topic = item.payload.get("topic") or ""
        if isinstance(self.topic, w.Dropdown):
            self.topic.value = topic if topic in {value for _label, value in self.topic.options} else ""
        else:
            self.topic.value = topic
        self.send.description = self._(MSG_SAVE_CHANGE)
        self.cancel.layout.display = None
        self.message.value = ""

    def _on_delete(self, input_id: str, _button: Any) -> None:
        try:
            solutions.delete_solution(self.engine, self.room, self.participant, input_id)
        except rooms.Rejected as rejected:
            self.show(rejected.message(self._), error=True)
            return
        except Exception:
            log.exception("deleting a solution failed")
            self.show(self._(MSG_FAILED), error=True)
            return
        if self.editing_id == input_id:
            self._clear()
        self.refresh_mine()
        self.show(self._(MSG_DELETED))

    def show(self, text: str, *, error: bool = False) -> None:
        cls = "bf-msg-error" if error else "bf-msg-ok"
        self.message.value = tag("div", esc(text), cls=cls, role="alert" if error else "status")

    def refresh_mine(self) -> None:
        if self.participant is None:
            self.mine.children = []
            return
        mine = solutions.solutions_of(
            store.list_inputs(self.engine, self.room.id, step_id=self.step["id"], participant_id=self.participant.id),
            self.step["id"],
            include_hidden=True,
        )
        rows: list[w.Widget] = (
            [w.HTML(tag("h3", esc(self._(MSG_YOURS).format(n=len(mine))), cls="bf-h3"))] if mine else []
        )
        for item in mine:
            html = solution_html(item.payload, self.language, self._, heading="div")
            buttons: list[w.Widget] = []
            if not self.locked:
                edit = w.Button(description=self._("Edit")).add_class("bf-edit")
                edit.on_click(functools.partial(self._on_edit, item))
                delete = w.Button(description=self._("Delete")).add_class("bf-delete")
                delete.on_click(functools.partial(self._on_delete, item.id))
                buttons = [edit, delete]
            rows.append(w.VBox([w.HTML(html), w.HBox(buttons).add_class("bf-card-buttons")]).add_class("bf-mycard"))
        self.mine.children = rows


def section(app: Any, step: dict[str, Any], locked: bool) -> w.VBox:
    """The solution form of `app`'s participant for `step`, kept per step so typed text survives re-renders."""
    forms: dict[str, SolutionForm] = app.__dict__.setdefault("_solution_forms", {})
    form = forms.get(step["id"])
    if form is None or form.language != app.language:
        form = SolutionForm(app.engine, app.room, app.me, step, app.language, app._)
        forms[step["id"]] = form
    form.room = app.room
    return form.render(locked=locked)


def solution_html(
    payload: dict[str, Any], language: str, gettext: Gettext, *, heading: str = "h3", projected: bool = False
) -> str:
    """One solution as HTML: the solution first, then problem, where, what it took, contact, tags."""
    _ = gettext
    # The projector is read from the back of the room: larger type there (inline, the widget CSS is shared).
    head_style = "font-size:1.5rem;line-height:1.3;margin:.2rem 0 .5rem" if projected else None
    field_style = "font-size:1.15rem;line-height:1.4;margin:.2rem 0" if projected else None
    parts = [
        tag(
            heading,
            esc(str(payload.get("solution") or "")).replace("\n", "<br>"),
            cls="bf-sol-solution",
            style=head_style,
        )
    ]
    for field in ("problem", "where", "what_it_took", "contact_role"):
        if payload.get(field):
            parts.append(
                tag(
                    "div",
                    tag("strong", esc(_(solutions.FIELD_LABELS[field])) + ": ", cls="bf-sol-label")
                    + esc(payload[field]),
                    cls=f"bf-sol-field bf-sol-{field.replace('_', '-')}",
                    style=field_style,
                )
            )
    tags = [solutions.sector_label(payload.get("sector"), language), payload.get("topic") or ""]
    if any(tags):
        parts.append(
            tag("div", join_list(tag("span", esc(t), cls="bf-role-tag") for t in tags if t), cls="bf-sol-tags")
        )
    return join_list(parts)


def board_html(
    room: store.Room,
    inputs: dict[str, store.Input],
    step: dict[str, Any],
    language: str,
    gettext: Gettext,
    role_of: Callable[[store.Input], str | None],
) -> str:
    """The projector's board for a solution step: one card per solution, newest last."""
    found = solutions.solutions_of(inputs, step["id"])
    if not found:
        return tag("div", esc(gettext(MSG_BOARD_EMPTY)), cls="bf-board-empty")
    cards = []
    for item in found:
        role = role_of(item)
        label = rooms.role_label(room, role, language) if role else gettext("Entered by the moderator")
        cards.append(
            card_html(
                "",
                label,
                cls="bf-board-card bf-board-solution",
                extra=tag("div", solution_html(item.payload, language, gettext, projected=True), cls="bf-sol"),
            )
        )
    return tag("div", join_list(cards), cls="bf-card-grid")


def import_panel(
    engine: Any, room: store.Room, step: dict[str, Any], language: str, gettext: Gettext
) -> list[w.Widget]:
    """The moderator's import from the catalogue for a cards or solution step; nothing when the catalogue is empty."""
    panel = ImportPanel(engine, room, step, language, gettext)
    return [panel.box] if panel.entries else []


class ImportPanel:
    """Moderator: bring catalogue entries from other rooms into a cards or solution step of this room."""

    def __init__(
        self,
        engine: Any,
        room: store.Room,
        step: dict[str, Any],
        language: str,
        gettext: Gettext,
        *,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        from bifrost_lab.reports.catalogue import collect_entries

        self.engine, self.room, self.step, self._ = engine, room, step, gettext
        self.on_done = on_done
        # A real room never sees demo rooms' invented solutions; a demo room may try the import with them.
        self.entries = [e for e in collect_entries(engine, include_demo=room.demo) if e.room_id != room.id]
        self.options = [(self._label(e, language), e.id) for e in self.entries]
        self.select = w.SelectMultiple(
            options=self.options, rows=min(8, max(3, len(self.options))), layout=w.Layout(width="100%")
        ).add_class("bf-import-select")
        self.search = w.Text(placeholder=gettext(MSG_IMPORT_SEARCH), layout=w.Layout(width="100%"))
        self.search.add_class("bf-import-search")
        self.search.observe(self._on_search, names="value")
        self.button = w.Button(description=gettext(MSG_IMPORT_BUTTON)).add_class("bf-import-button")
        self.button.on_click(self._on_import)
        self.message = w.HTML().add_class("bf-import-status")
        title = w.HTML(tag("h3", esc(gettext(MSG_IMPORT_TITLE)), cls="bf-h3"))
        if self.entries:
            self.box = w.VBox([title, self.search, self.select, self.button, self.message]).add_class("bf-import")
        else:
            self.box = w.VBox([title, w.HTML(tag("p", esc(gettext(MSG_IMPORT_NONE)), cls="bf-hint"))]).add_class(
                "bf-import"
            )

    @staticmethod
    def _label(entry: Any, language: str) -> str:
        text = entry.field("solution").replace("\n", " ")
        where = entry.field("where")
        short = text if len(text) <= 70 else text[:69] + "…"
        label = f"{short} ({where})" if where else short
        return f"DEMO · {label}" if entry.demo else label

    def _on_search(self, change: dict) -> None:
        """Narrow the list to entries with every word (folded like the catalogue's search); keep what is chosen."""
        from bifrost_lab.reports.catalogue import fold

        words = fold(change["new"] or "").split()
        chosen = set(self.select.value)
        matching = [
            option
            for option, entry in zip(self.options, self.entries)
            if option[1] in chosen or all(word in entry.search_text() for word in words)
        ]
        self.select.options = matching
        self.select.value = tuple(value for _label, value in matching if value in chosen)

    def _on_import(self, _button: Any) -> None:
        chosen = [e for e in self.entries if e.id in set(self.select.value)]
        try:
            added = solutions.import_entries(self.engine, self.room, self.step["id"], chosen)
        except rooms.Rejected as rejected:
            self.message.value = tag("div", esc(rejected.message(self._)), cls="bf-msg-error", role="alert")
            return
        except Exception:
            log.exception("bringing in catalogue entries failed")
            self.message.value = tag("div", esc(self._(MSG_FAILED)), cls="bf-msg-error", role="alert")
            return
        self.message.value = tag("div", esc(self._(MSG_IMPORTED).format(n=len(added))), cls="bf-msg-ok", role="status")
        self.select.value = ()
        if self.on_done:
            self.on_done()
