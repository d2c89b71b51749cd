"""The board: what a step shows below its question, as escaped HTML. Pure functions, no widgets.

The projector shows only what the room may see; the console (`console=True`) also shows hidden cards,
results not yet revealed and evidence cards still to be verified, each marked. Every participant text
goes through `markup.esc`.
"""

from __future__ import annotations

from typing import Any

from bifrost_lab import i18n, rooms, store
from bifrost_lab.citations import short_citation
from bifrost_lab.markup import card_html, esc, join_list, tag
from bifrost_lab.ui import results
from bifrost_lab.ui import solution_widgets as solution_ui
from bifrost_lab.ui.console._common import Gettext


def render_board(
    room: store.Room, board: rooms.Board, step: dict[str, Any], language: str, *, console: bool = False
) -> str:
    """The board of `step` in `room` from the inputs in `board`, in `language`.

    On the projector, lists carry `data-fit-list` (which end to keep when they must be cut short) and
    extras `data-fit-drop` (the level at which they go), for the fit (ui/projector_fit.js); `data-more` is
    its "+ N more" in `language`.
    """
    _ = i18n.gettext_for(language)
    parts = []
    if room.step_index == 0 and room.content.get("carried"):
        parts.append(carried_html(room.content["carried"], language))
    parts.append(evidence_html(room, step, language, console=console))
    clusters = board.step_clusters(step["id"])
    if clusters:
        parts.append(clusters_html(room, board, step, clusters, language, console=console))
    waiting = not console and not rooms.results_revealed(room, step)
    for slot, spec in rooms.step_inputs(step):
        if spec.get("type") == "solution":  # good-solution cards (issue 10)
            parts.append(solution_ui.board_html(room, board.inputs, step, language, _, board.role_of))
        elif waiting:
            continue  # one "n of m have answered" for the whole step, below
        elif spec.get("type") == "cards":
            parts.append(cards_html(room, board, step, spec, language, console=console))
        else:
            parts.append(results_html(room, board, step, slot, spec, language, console=console))
    if waiting and any(spec.get("type") != "solution" for _slot, spec in rooms.step_inputs(step)):
        parts.append(waiting_html(board, step, language))
    return tag("div", join_list(p for p in parts if p), cls="bf-board-body", data_more=_("+ {n} more"))


def card_label(room: store.Room, board: rooms.Board, card: store.Input, step: dict[str, Any], language: str) -> str:
    """Who wrote a card: the role, and the name only with consent and while the step shows names."""
    _ = i18n.gettext_for(language)
    role = board.role_of(card)
    person = board.participants.get(card.participant_id or "")
    name = person.display_name if person and person.name_consent and rooms.names_shown(room, step) else None
    label = rooms.role_label(room, role, language) if role else _("Entered by the moderator")
    return f"{label} · {name}" if name else label


def role_tag(label: str) -> str:
    """Who wrote a card, under its text; a board too full for every card drops these first (fit level 2)."""
    return tag("span", esc(label), cls="bf-role-tag", data_fit_drop="2")


def cards_html(
    room: store.Room,
    board: rooms.Board,
    step: dict[str, Any],
    spec: dict[str, Any],
    language: str,
    *,
    console: bool = False,
) -> str:
    """The cards of a step, in columns when the step has them."""
    _ = i18n.gettext_for(language)
    if not rooms.results_revealed(room, step) and not console:
        return waiting_html(board, step, language)
    cards = board.cards(step["id"], include_hidden=console)
    columns = spec.get("columns") or []

    def render(card: store.Input) -> str:
        marker = _("hidden from the projector") if card.hidden else ""
        return card_html(
            card.payload.get("text", ""),
            None,
            cls="bf-board-card" + (" bf-card-hidden" if card.hidden else ""),
            marker=marker,
            extra=role_tag(card_label(room, board, card, step, language)),
        )

    if not cards:
        return tag("div", esc(_("The cards appear here as they arrive.")), cls="bf-board-empty")
    note = ""
    if console and not rooms.results_revealed(room, step):
        note = tag("div", esc(_("Hidden from the room until you reveal them.")), cls="bf-console-note")
    if columns:
        lanes = []
        for index, column in enumerate(columns):
            in_lane = [c for c in cards if c.payload.get("column") == index]
            lanes.append(
                tag(
                    "section",
                    tag("h3", esc(rooms.text(column, language)), cls="bf-lane-title")
                    + join_list(render(c) for c in in_lane),
                    cls="bf-lane",
                    data_fit_list="last",
                )
            )
        return note + tag("div", join_list(lanes), cls="bf-lanes", style=f"--bf-lanes:{lane_columns(len(columns))}")
    return note + tag("div", join_list(render(c) for c in cards), cls="bf-card-grid", data_fit_list="last")


def lane_columns(lanes: int) -> int:
    """How many lanes side by side: all of them up to six, else two rows."""
    return lanes if lanes <= 6 else -(-lanes // 2)


def waiting_html(board: rooms.Board, step: dict[str, Any], language: str) -> str:
    """What the projector shows until the results are revealed: how many have answered."""
    _ = i18n.gettext_for(language)
    people = len(board.counted_participants())
    return tag(
        "div",
        tag(
            "div",
            esc(_("{n} of {m} have answered").format(n=board.answered(step), m=people)),
            cls="bf-waiting-count",
        )
        + tag("div", esc(_("The results appear when the facilitator reveals them.")), cls="bf-waiting-text"),
        cls="bf-waiting",
    )


def results_html(
    room: store.Room,
    board: rooms.Board,
    step: dict[str, Any],
    slot: str,
    spec: dict[str, Any],
    language: str,
    *,
    console: bool = False,
) -> str:
    """The chart of one input of a step (votes, ratings, ranking, matrix, choice)."""
    _ = i18n.gettext_for(language)
    revealed = rooms.results_revealed(room, step)
    if not revealed and not console:
        return waiting_html(board, step, language)
    title = ""
    if len(rooms.step_inputs(step)) > 1 and spec.get("type") == "rating" and spec.get("anchors"):
        anchors = spec["anchors"]
        title = tag(
            "h3",
            esc(f"{rooms.text(anchors.get('low'), language)} – {rooms.text(anchors.get('high'), language)}"),
            cls="bf-results-title",
        )
    note = "" if revealed else tag("div", esc(_("Hidden from the room until you reveal them.")), cls="bf-console-note")
    body = results.spec_results_html(room, board, step, slot, spec, language, _)
    return tag("section", note + title + body, cls="bf-results")


def clusters_html(
    room: store.Room,
    board: rooms.Board,
    step: dict[str, Any],
    clusters: list[store.Cluster],
    language: str,
    *,
    console: bool = False,
) -> str:
    """One lane per cluster with its cards (hidden cards only in the console)."""
    members: dict[str, list[store.Input]] = {c.id: [] for c in clusters}
    for item in sorted(board.inputs.values(), key=lambda i: i.seq):
        if item.cluster_id in members and item.kind == "card" and (console or not item.hidden):
            members[item.cluster_id].append(item)
    columns = []
    for cluster in clusters:
        cards = join_list(
            card_html(
                i.payload.get("text", ""),
                None,
                cls="bf-board-card bf-cluster-card",
                extra=role_tag(card_label(room, board, i, step, language)),
            )
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
                data_fit_list="last",
            )
        )
    return tag("div", join_list(columns), cls="bf-lanes bf-clusters", style=f"--bf-lanes:{lane_columns(len(clusters))}")


def carried_html(carried: dict[str, Any], language: str) -> str:
    """The commitments carried over from the programme's previous meeting (first step only)."""
    _ = i18n.gettext_for(language)
    title = _("Commitments from {meeting}").format(meeting=rooms.text(carried.get("meeting_title"), language))
    cards = join_list(card_html(t, None, cls="bf-board-card bf-carried-card") for t in carried.get("cards", []))
    return tag(
        "section",
        tag("h2", esc(title), cls="bf-carried-title") + tag("div", cards, cls="bf-card-grid", data_fit_list="first"),
        cls="bf-carried",
    )


def evidence_html(room: store.Room, step: dict[str, Any], language: str, *, console: bool = False) -> str:
    """The step's evidence cards: off, a grid, or one at a time, as the moderator set it."""
    _ = i18n.gettext_for(language)
    state = rooms.step_state(room, step["id"])
    mode = state.get("evidence") or ("grid" if not rooms.step_inputs(step) else "off")
    cards = room.content.get("cards", {})
    shown = [cards[c] for c in step.get("evidence_cards", []) if c in cards]
    if not console and not state.get("show_unverified"):
        shown = [c for c in shown if not c.get("verify")]
    if mode == "off" or not shown:
        return ""
    if mode == "one":
        index = int(state.get("evidence_index") or 0) % len(shown)
        shown = [shown[index]]
    items = []
    # a grid too full for everything drops the citations and badges, then the texts: the labels stay
    extras, text_drop = ({}, {}) if mode == "one" else ({"data_fit_drop": "1"}, {"data_fit_drop": "2"})
    for card in shown:
        cite = short_citation(card.get("citation") or {}, _)  # "u.å." in the page's language (issue 22)
        badges = provenance_badges(card, _)
        if card.get("verify") and console:
            badges += tag("span", esc(_("verify")), cls="bf-badge bf-badge-verify")
        items.append(
            tag(
                "article",
                tag("div", badges, cls="bf-ev-badges", **extras)
                + tag("h3", esc(rooms.text(card.get("label"), language)), cls="bf-ev-label")
                + tag(
                    "div",
                    esc(rooms.text(card.get("text"), language)).replace("\n", "<br>"),
                    cls="bf-ev-text",
                    **text_drop,
                )
                + tag("div", esc(cite), cls="bf-ev-cite", **extras),
                cls="bf-ev-card",
            )
        )
    return tag(
        "div",
        join_list(items),
        cls="bf-ev-grid" + (" bf-ev-one" if mode == "one" else ""),
        data_fit_list="first",
        data_fit_min="1",  # beside cards or results, at least one evidence card stays while it can
    )


def provenance_badges(card: dict[str, Any], _: Gettext) -> str:
    """Where an evidence card comes from (seed document, web, design) and whether via a secondary source."""
    provenance = str(card.get("provenance") or "")
    if provenance.startswith("S"):
        kind = _("seed")
    elif provenance.startswith("W:"):
        kind = _("web")
    else:
        kind = _("design")
    badge = tag("span", esc(kind), cls="bf-badge bf-badge-provenance")
    if (card.get("citation") or {}).get("via"):
        badge += tag("span", esc(_("secondary source")), cls="bf-badge bf-badge-secondary")
    return badge
