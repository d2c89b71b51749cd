"""The building blocks every summary section uses: numbers, tables, notes, target names, role splits.

Kept apart from summary.py so that each input type's summary section (bifrost_lab/inputs/) can use them
without importing the whole summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bifrost_lab import aggregation as agg
from bifrost_lab import i18n, rooms
from bifrost_lab.i18n import N_
from bifrost_lab.markup import esc, join_list, tag

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData

HIDDEN_MARK = "mark"
HIDDEN_OMIT = "omit"
QUADRANT_LABELS = {
    "quick_win": N_("Quick wins"),
    "big_bet": N_("Big bets"),
    "small_thing": N_("Small things"),
    "time_waster": N_("Time wasters"),
}
SPLIT_MAX_ITEMS = 10
SPLIT_MAX_COLUMNS = 3


def _number(value: float, decimals: int = 1, language: str = "da") -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if language in ("da", "fi") else text


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], *, cls: str = "bf-table") -> str:
    """A table; head cells are plain text (escaped here), row cells are safe HTML."""
    thead = tag("thead", tag("tr", join_list(tag("th", esc(h), scope="col") for h in head)))
    body = join_list(tag("tr", join_list(tag("td", cell) for cell in row)) for row in rows)
    return tag("table", thead + tag("tbody", body), cls=cls)


def _note(text: str) -> str:
    return tag("p", esc(text), cls="bf-note")


def target_label(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], target: str) -> str:
    """The readable name of a TARGET ("item:<i>", "card:<id>", "cluster:<id>")."""
    _ = i18n.gettext_for(data.language)
    kind, _sep, key = target.partition(":")
    if kind == "item":
        listed = list(spec.get("items") or spec.get("options") or [])
        if key.isdigit() and int(key) < len(listed):
            return data.t(listed[int(key)])
    elif kind == "card":
        card = data.inputs_by_id.get(key)
        if card is not None:
            return str(card.payload.get("text", ""))
    elif kind == "cluster":
        for cluster in data.clusters:
            if cluster.id == key:
                return str(cluster.label)
    return _("(removed)")


def _hidden_target(data: SummaryData, target: str) -> bool:
    kind, _sep, key = target.partition(":")
    if kind != "card" or data.options.hidden_cards != HIDDEN_OMIT:
        return False
    card = data.inputs_by_id.get(key)
    return card is None or card.hidden


def _role_name(data: SummaryData, role: str) -> str:
    _ = i18n.gettext_for(data.language)
    return _("Others") if role == agg.OTHERS else rooms.role_label(data.room, role, data.language)


def _split_table(
    data: SummaryData,
    answers: Sequence[agg.Answer],
    head: str,
    measure: Callable[[list[agg.Answer]], dict[str, Any]],
    labels: list[tuple[str, str]],
    decimals: int,
) -> str:
    """Results per role group, or a note why the result is not split (k ≥ 3 rule).

    `measure` gives a number per target (shown with `decimals`) or a ready text (decimals < 0: "–" if missing).
    Up to SPLIT_MAX_COLUMNS groups are columns next to the items; with more groups the groups are rows and
    the items numbered columns (a legend names them), so the table still fits an A4 page. At most
    SPLIT_MAX_ITEMS items (the first ones, i.e. the leading results) are split.
    """
    _ = i18n.gettext_for(data.language)
    split = agg.role_split(answers)
    if not split:
        return _note(
            _("Not split by role: a role needs at least {k} respondents to be shown on its own.").format(k=agg.K_MIN)
        )
    groups = dict(split)
    order = [role for role, _members in split]
    values = {role: measure(groups[role]) for role in order}
    labels = labels[:SPLIT_MAX_ITEMS]

    def cell(role: str, key: str) -> str:
        value = values[role].get(key, "–" if decimals < 0 else 0.0)
        return esc(value if isinstance(value, str) else _number(value, decimals, data.language))

    def group_name(role: str) -> str:
        return f"{_role_name(data, role)} (n={len(groups[role])})"

    title = tag("h4", esc(_("By role: {measure}").format(measure=head)))
    if len(order) <= SPLIT_MAX_COLUMNS:
        return title + _table(
            [_("Item")] + [group_name(r) for r in order],
            [[esc(label)] + [cell(r, key) for r in order] for key, label in labels],
            cls="bf-table bf-split",
        )
    legend = tag("ol", join_list(tag("li", esc(label)) for _key, label in labels), cls="bf-legend")
    return (
        title
        + legend
        + _table(
            [_("Role")] + [str(n) for n in range(1, len(labels) + 1)],
            [[esc(group_name(r))] + [cell(r, key) for key, _label in labels] for r in order],
            cls="bf-table bf-split bf-split-wide",
        )
    )
