"""Clustering: group the cards of a step (or of the earlier card steps) into named clusters, merge them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from bifrost_lab import i18n, rooms, store
from bifrost_lab.markup import esc, tag
from bifrost_lab.store import Database
from bifrost_lab.ui import projector_charts as charts
from bifrost_lab.ui.console._common import button, guarded


def cluster_candidates(room: store.Room, board: rooms.Board, step: dict[str, Any]) -> list[store.Input]:
    """The cards of this step, or of the earlier card steps when this step takes no input at all."""
    if rooms.card_spec(step) is not None:
        return board.cards(step["id"])
    index = next(i for i, s in enumerate(rooms.steps(room)) if s["id"] == step["id"])
    earlier = [s["id"] for s in rooms.steps(room)[:index] if rooms.card_spec(s) is not None]
    if not earlier or rooms.step_inputs(step):
        return []
    return [c for sid in earlier for c in board.cards(sid)]


class ClusterPanel:
    """Cards to select, a cluster name, the clusters of the step; every edit can be undone."""

    def __init__(
        self,
        engine: Database,
        room: store.Room,
        board: rooms.Board,
        language: str,
        status: w.HTML,
        *,
        refresh: Callable[[], None],
        push_undo: Callable[[rooms.Undo], None],
    ) -> None:
        self.engine = engine
        self.room = room
        self.board = board
        self._ = _ = i18n.gettext_for(language)
        self.status = status
        self.refresh = refresh
        self.push_undo = push_undo
        self.cluster_cards = w.SelectMultiple(rows=8, layout=w.Layout(width="100%")).add_class("bf-cluster-cards")
        self.cluster_name = w.Text(placeholder=_("Cluster name"), layout=w.Layout(width="100%")).add_class(
            "bf-cluster-name"
        )
        self.cluster_pick = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-cluster-pick")
        self.cluster_merge_into = w.Dropdown(layout=w.Layout(width="100%")).add_class("bf-cluster-merge-target")
        self.box = w.VBox(
            [
                w.HTML(
                    tag("h3", esc(_("Clusters")), cls="bf-h3")
                    + tag("div", esc(_("Select cards (Ctrl/Shift-click), then make or pick a cluster.")), cls="bf-hint")
                ),
                self.cluster_cards,
                self.cluster_name,
                w.HBox(
                    [
                        button(_("New cluster from selection"), "bf-cluster-new", self._on_cluster_new),
                        button(_("Take out of cluster"), "bf-cluster-out", self._on_cluster_out),
                    ]
                ),
                w.HTML(tag("label", esc(_("Cluster")), cls="bf-label")),
                self.cluster_pick,
                w.HBox(
                    [
                        button(_("Move selection here"), "bf-cluster-move", self._on_cluster_move),
                        button(_("Rename"), "bf-cluster-rename", self._on_cluster_rename),
                        button(_("Delete"), "bf-cluster-delete", self._on_cluster_delete),
                    ]
                ),
                w.HTML(tag("label", esc(_("Merge the cluster into")), cls="bf-label")),
                self.cluster_merge_into,
                button(_("Merge"), "bf-cluster-merge", self._on_cluster_merge),
            ]
        ).add_class("bf-cluster-panel")

    def show(self, room: store.Room, step: dict[str, Any]) -> None:
        """Offer the cards and clusters there are now, keeping what the moderator has selected."""
        self.room = room
        candidates = cluster_candidates(room, self.board, step)
        self.box.layout.display = None if candidates or self.board.step_clusters(step["id"]) else "none"
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

    @guarded
    def _on_cluster_new(self, _widget: Any) -> None:
        step = rooms.current_step(self.room)
        cluster, edit = rooms.create_cluster(
            self.engine, self.room, step["id"], self.cluster_name.value, input_ids=list(self.cluster_cards.value)
        )
        self.push_undo(edit)
        self.cluster_name.value = ""
        self.cluster_cards.value = ()
        self.refresh()
        self.cluster_pick.value = cluster.id

    @guarded
    def _on_cluster_move(self, _widget: Any) -> None:
        if self.cluster_pick.value and self.cluster_cards.value:
            self.push_undo(
                rooms.move_to_cluster(self.engine, self.room, list(self.cluster_cards.value), self.cluster_pick.value)
            )
            self.cluster_cards.value = ()
            self.refresh()

    @guarded
    def _on_cluster_out(self, _widget: Any) -> None:
        if self.cluster_cards.value:
            self.push_undo(rooms.move_to_cluster(self.engine, self.room, list(self.cluster_cards.value), None))
            self.cluster_cards.value = ()
            self.refresh()

    @guarded
    def _on_cluster_rename(self, _widget: Any) -> None:
        if self.cluster_pick.value:
            self.push_undo(rooms.rename_cluster(self.engine, self.cluster_pick.value, self.cluster_name.value))
            self.cluster_name.value = ""
            self.refresh()

    @guarded
    def _on_cluster_delete(self, _widget: Any) -> None:
        if self.cluster_pick.value:
            self.push_undo(rooms.delete_cluster(self.engine, self.room, self.cluster_pick.value))
            self.refresh()

    @guarded
    def _on_cluster_merge(self, _widget: Any) -> None:
        source, target = self.cluster_pick.value, self.cluster_merge_into.value
        if source and target and source != target:
            self.push_undo(rooms.merge_clusters(self.engine, self.room, source, target))
            self.refresh()
