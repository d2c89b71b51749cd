"""The facilitator's prompt for the step (only in the console) and how many have answered."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms
from bifrost_lab.markup import esc, tag, text_block


def prompt_html(step: dict[str, Any], language: str) -> str:
    _ = i18n.gettext_for(language)
    prompt = rooms.text(step.get("facilitator_prompt"), language)
    return tag(
        "div",
        tag("div", esc(_("Facilitator prompt (only here)")), cls="bf-label")
        + text_block(prompt or "–", cls="bf-prompt-text"),
        cls="bf-prompt",
    )


def content_language_html(step: dict[str, Any], language: str) -> str:
    """A note when the step's texts are shown in another language than the page (a missing translation)."""
    used = {rooms.text_language(step.get(key), language) for key in ("title", "question", "facilitator_prompt")}
    others = sorted(code for code in used if code and code != language)
    if not others:
        return ""
    _ = i18n.gettext_for(language)
    names = ", ".join(i18n.LANGUAGE_NAMES[code] for code in others)
    return tag(
        "div",
        esc(
            _("Not all of this step is in {language}: shown in {other}.").format(
                language=i18n.LANGUAGE_NAMES[i18n.normalise_language(language)], other=names
            )
        ),
        cls="bf-hint bf-content-language",
        role="note",
    )


def answered_html(board: rooms.Board, step: dict[str, Any], language: str) -> str:
    """ "n of m have answered" for a step that takes input; nothing for one that does not."""
    if not rooms.step_inputs(step):
        return ""
    _ = i18n.gettext_for(language)
    people = len(board.counted_participants())
    return tag("div", esc(_("{n} of {m} have answered").format(n=board.answered(step), m=people)), cls="bf-answered")


class PromptPanel:
    """Two lines at the top of the side panel: the prompt and the answer count."""

    def __init__(self, board: rooms.Board, language: str) -> None:
        self.board = board
        self.language = language
        self.prompt_view = w.HTML().add_class("bf-console-prompt")
        self.answered_view = w.HTML().add_class("bf-console-answered")
        self.widgets: list[w.Widget] = [self.prompt_view, self.answered_view]

    def show(self, step: dict[str, Any]) -> None:
        self.prompt_view.value = content_language_html(step, self.language) + prompt_html(step, self.language)
        self.answered_view.value = answered_html(self.board, step, self.language)
