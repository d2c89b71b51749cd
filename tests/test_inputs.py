"""Every input type's rules, called directly as a tampering client would: limits hold in the room logic."""

from __future__ import annotations

import uuid

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.demo import open_showcase_room as open_all_types_room
from bifrost_lab.inputs import choice, dot_vote, matrix_2x2, ranking, rating


@pytest.fixture
def room(engine, library):
    return open_all_types_room(engine, library)


@pytest.fixture
def people(engine, room):
    return [rooms.join_room(engine, room, role=role)[0] for role in ("RESEARCHER", "SME_MANAGER", "OTHER")]


def _cards(engine, room, person, n=2):
    return [
        rooms.submit_card(engine, room, person, "s-cards", f"Kort {i}", column=1, input_id=str(uuid.uuid4()))
        for i in range(n)
    ]


def _reject(msgid, fn, *args, **kwargs):
    with pytest.raises(rooms.Rejected) as info:
        fn(*args, **kwargs)
    assert info.value.msgid == msgid, info.value.msgid


def test_dot_vote_limits_and_moving_dots(engine, room, people):
    a, b, _c = people
    c1, c2 = _cards(engine, room, a)
    t1, t2 = f"card:{c1.id}", f"card:{c2.id}"
    first = dot_vote.save(engine, room, b, "s-vote", {t1: 2, t2: 1})
    assert first.payload == {"dots": {t1: 2, t2: 1}}
    assert first.id == str(uuid.uuid5(uuid.NAMESPACE_URL, f"bifrost:{room.id}:s-vote:{b.id}:vote"))
    moved = dot_vote.save(engine, room, b, "s-vote", {t2: 2, t1: 0})
    assert moved.id == first.id and moved.payload == {"dots": {t2: 2}}
    assert len([i for i in store.list_inputs(engine, room.id, step_id="s-vote")]) == 1
    _reject(rooms.MSG_TOO_MANY_DOTS, dot_vote.save, engine, room, b, "s-vote", {t1: 2, t2: 2})
    _reject(rooms.MSG_DOTS_PER_TARGET, dot_vote.save, engine, room, b, "s-vote", {t1: 3})
    _reject(rooms.MSG_DOTS_PER_TARGET, dot_vote.save, engine, room, b, "s-vote", {t1: -1, t2: 2})
    _reject(rooms.MSG_DOTS_PER_TARGET, dot_vote.save, engine, room, b, "s-vote", {t1: 1.5})
    _reject(rooms.MSG_DOTS_PER_TARGET, dot_vote.save, engine, room, b, "s-vote", {t1: True})
    _reject(rooms.MSG_UNKNOWN_TARGET, dot_vote.save, engine, room, b, "s-vote", {"card:forged": 1})
    _reject(rooms.MSG_UNKNOWN_TARGET, dot_vote.save, engine, room, b, "s-vote", ["not", "a", "dict"])
    _reject(rooms.MSG_NO_INPUT_HERE, dot_vote.save, engine, room, b, "s-rate", {t1: 1})
    _reject(rooms.MSG_NO_INPUT_HERE, dot_vote.save, engine, room, b, "no-such-step", {t1: 1})
    rooms.hide_input(engine, c1.id)  # a hidden card is no longer a target
    _reject(rooms.MSG_UNKNOWN_TARGET, dot_vote.save, engine, room, b, "s-vote", {t1: 1})
    store.set_step_state(engine, room.id, "s-vote", locked=True)
    locked = store.get_room(engine, room.id)
    _reject(rooms.MSG_LOCKED, dot_vote.save, engine, locked, b, "s-vote", {t2: 1})
    assert store.list_inputs(engine, room.id, step_id="s-vote")[0].payload == {"dots": {t2: 2}}


def test_votes_on_clusters(engine, room, people):
    a, b, _c = people
    cards = _cards(engine, room, a, 3)
    cluster, _undo = rooms.create_cluster(engine, room, "s-clusters", "Ledelse", input_ids=[cards[0].id])
    other, _undo = rooms.create_cluster(engine, room, "s-clusters", "Kolleger")
    assert rooms.valid_targets(engine, room, rooms.step_by_id(room, "s-cvote")["input"]) == [
        f"cluster:{cluster.id}",
        f"cluster:{other.id}",
    ]
    dot_vote.save(engine, room, b, "s-cvote", {f"cluster:{cluster.id}": 1, f"cluster:{other.id}": 1})
    _reject(rooms.MSG_DOTS_PER_TARGET, dot_vote.save, engine, room, b, "s-cvote", {f"cluster:{cluster.id}": 2})
    _reject(rooms.MSG_UNKNOWN_TARGET, dot_vote.save, engine, room, b, "s-cvote", {f"card:{cards[0].id}": 1})


def test_rating_range_items_and_two_ratings_in_one_step(engine, room, people):
    a = people[0]
    first = rating.save(engine, room, a, "s-rate", {"0": 4, "1": 2})
    second = rating.save(engine, room, a, "s-rate", {"0": 1}, slot="secondary_input")
    assert first.id != second.id
    assert first.payload == {"ratings": {"0": 4, "1": 2}}
    assert second.payload == {"ratings": {"0": 1}, "slot": "secondary_input"}
    again = rating.save(engine, room, a, "s-rate", {"0": 5})
    assert again.id == first.id == str(uuid.uuid5(uuid.NAMESPACE_URL, f"bifrost:{room.id}:s-rate:{a.id}:rating"))
    for bad in ({"0": 6}, {"0": 0}, {"0": "5"}, {"0": 2.5}, {"0": True}):
        _reject(rooms.MSG_RATING_RANGE, rating.save, engine, room, a, "s-rate", bad)
    for bad in ({"2": 3}, {"-1": 3}, {"x": 3}, {"١": 3}):
        _reject(rooms.MSG_UNKNOWN_TARGET, rating.save, engine, room, a, "s-rate", bad)
    _reject(rooms.MSG_RATING_RANGE, rating.save, engine, room, a, "s-rate", {})
    # a cards step with a closing rating takes both
    rooms.submit_card(engine, room, a, "s-wrap", "Jeg vil ringe til Jens", input_id=str(uuid.uuid4()))
    assert rating.save(engine, room, a, "s-wrap", {"0": 3}).payload == {"ratings": {"0": 3}}


def test_ranking_needs_every_item_once(engine, room, people):
    a = people[0]
    order = [f"item:{i}" for i in (2, 0, 1, 4, 3)]
    saved = ranking.save(engine, room, a, "s-rank", order)
    assert saved.payload == {"order": order} and saved.kind == "rank"
    _reject(rooms.MSG_RANK_ALL, ranking.save, engine, room, a, "s-rank", order[:4])
    _reject(rooms.MSG_RANK_ALL, ranking.save, engine, room, a, "s-rank", order[:4] + [order[0]])
    _reject(rooms.MSG_UNKNOWN_TARGET, ranking.save, engine, room, a, "s-rank", order[:4] + ["item:9"])
    _reject(rooms.MSG_RANK_ALL, ranking.save, engine, room, a, "s-rank", "item:0")


def test_placement_on_the_grid(engine, room, people):
    a = people[0]
    saved = matrix_2x2.save(engine, room, a, "s-matrix", {"item:0": {"x": 0.25, "y": 1}, "item:2": {"x": 0, "y": 0.5}})
    assert saved.kind == "placement" and saved.payload["placements"]["item:0"] == {"x": 0.25, "y": 1.0}
    for bad in (
        {"item:0": {"x": 1.2, "y": 0}},
        {"item:0": {"x": 0.5}},
        {"item:0": {"x": "0.5", "y": 0}},
        {"item:0": [0.5, 0.5]},
        {},
    ):
        _reject(rooms.MSG_PLACE_SOME, matrix_2x2.save, engine, room, a, "s-matrix", bad)
    _reject(rooms.MSG_UNKNOWN_TARGET, matrix_2x2.save, engine, room, a, "s-matrix", {"item:3": {"x": 0, "y": 0}})


def test_single_and_multiple_choice(engine, room, people):
    a = people[0]
    assert choice.save(engine, room, a, "s-choice", [1]).payload == {"selected": [1]}
    _reject(rooms.MSG_CHOOSE_ONE, choice.save, engine, room, a, "s-choice", [0, 1])
    _reject(rooms.MSG_CHOOSE_ONE, choice.save, engine, room, a, "s-choice", [])
    _reject(rooms.MSG_UNKNOWN_TARGET, choice.save, engine, room, a, "s-choice", [3])
    assert choice.save(engine, room, a, "s-multi", [3, 0]).payload == {"selected": [0, 3]}
    _reject(rooms.MSG_CHOOSE_SOME, choice.save, engine, room, a, "s-multi", [0, 0])
    _reject(rooms.MSG_UNKNOWN_TARGET, choice.save, engine, room, a, "s-multi", [0, "1"])


def test_on_behalf_of_the_room_is_marked_and_unlimited_rows(engine, room, people):
    one = choice.save(engine, room, None, "s-choice", [0], input_id=str(uuid.uuid4()))
    two = choice.save(engine, room, None, "s-choice", [2], input_id=str(uuid.uuid4()))
    card = rooms.submit_card(engine, room, None, "s-cards", "Fra papir", input_id=str(uuid.uuid4()))
    assert one.id != two.id and one.participant_id is None
    assert one.payload["on_behalf"] is True and card.payload["on_behalf"] is True


def test_closed_room_takes_nothing(engine, room, people):
    closed = store.close_room(engine, room.id)
    _reject(rooms.MSG_ROOM_CLOSED, choice.save, engine, closed, people[0], "s-choice", [0])


def test_clusters_create_move_rename_merge_delete_and_undo(engine, room, people):
    cards = _cards(engine, room, people[0], 3)
    ids = [c.id for c in cards]
    a, undo_create = rooms.create_cluster(engine, room, "s-clusters", "  Ledelse ", input_ids=ids[:2])
    assert a.label == "Ledelse"
    assert store.cluster_members(engine, a.id) == ids[:2]
    b, _ = rooms.create_cluster(engine, room, "s-clusters", "Kolleger", input_ids=[ids[2]])
    undo_rename = rooms.rename_cluster(engine, b.id, "Kolleger og AMR")
    assert store.get_cluster(engine, b.id).label == "Kolleger og AMR"
    rooms.undo(engine, undo_rename)
    assert store.get_cluster(engine, b.id).label == "Kolleger"
    undo_move = rooms.move_to_cluster(engine, room, [ids[0]], b.id)
    assert store.cluster_members(engine, b.id) == [ids[0], ids[2]]
    rooms.undo(engine, undo_move)
    assert store.cluster_members(engine, a.id) == ids[:2]
    undo_merge = rooms.merge_clusters(engine, room, a.id, b.id)
    assert [c.id for c in store.list_clusters(engine, room.id, "s-clusters")] == [b.id]
    assert sorted(store.cluster_members(engine, b.id)) == sorted(ids)
    rooms.undo(engine, undo_merge)
    assert [c.id for c in store.list_clusters(engine, room.id, "s-clusters")] == [a.id, b.id]
    assert store.cluster_members(engine, a.id) == ids[:2] and store.cluster_members(engine, b.id) == [ids[2]]
    undo_delete = rooms.delete_cluster(engine, room, b.id)
    assert store.cluster_members(engine, b.id) == [] and store.get_cluster(engine, b.id).deleted
    rooms.undo(engine, undo_delete)
    assert store.cluster_members(engine, b.id) == [ids[2]]
    rooms.undo(engine, undo_create)
    assert [c.id for c in store.list_clusters(engine, room.id)] == [b.id]
    assert store.cluster_members(engine, a.id) == []
    _reject(rooms.MSG_CLUSTER_LABEL, rooms.create_cluster, engine, room, "s-clusters", "   ")
    # the change feed carries clusters and card moves to every page
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    assert [c.id for c in board.step_clusters("s-clusters")] == [b.id]
    assert board.inputs[ids[2]].cluster_id == b.id


def test_hiding_a_card_keeps_it_marked_and_undo_shows_it(engine, room, people):
    card = _cards(engine, room, people[0], 1)[0]
    undo_hide = rooms.hide_input(engine, card.id)
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    assert board.cards("s-cards") == [] and board.cards("s-cards", include_hidden=True)[0].hidden
    rooms.undo(engine, undo_hide)
    assert not store.list_inputs(engine, room.id, step_id="s-cards")[0].hidden


def test_reveal_and_anonymous_flags(engine, room):
    cards_step, vote_step = rooms.step_by_id(room, "s-cards"), rooms.step_by_id(room, "s-vote")
    assert rooms.results_revealed(room, cards_step) and not rooms.results_revealed(room, vote_step)
    assert rooms.names_shown(room, cards_step)
    room = store.set_step_state(engine, room.id, "s-vote", revealed=True)
    room = store.set_step_state(engine, room.id, "s-cards", revealed=False, anonymous=True)
    assert rooms.results_revealed(room, vote_step) and not rooms.results_revealed(room, cards_step)
    assert not rooms.names_shown(room, cards_step)


def test_answered_counts_people_not_rows(engine, room, people):
    a, b, _c = people
    _cards(engine, room, a, 2)
    rooms.submit_card(engine, room, None, "s-cards", "Fra papir", input_id=str(uuid.uuid4()))
    board = rooms.Board.empty()
    board.apply(store.changes_since(engine, room.id, 0))
    assert board.answered(rooms.step_by_id(room, "s-cards")) == 1
    assert len(board.counted_participants()) == 3


def test_commitments_carry_forward_to_the_next_meeting(sqlite_engine, library):
    m1 = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m1")
    me, _token = rooms.join_room(sqlite_engine, m1, role="RESEARCHER")
    rooms.submit_card(sqlite_engine, m1, me, "bif-m1-s8", "Jeg tester samtaleguiden", input_id=str(uuid.uuid4()))
    rooms.submit_card(sqlite_engine, m1, me, "bif-m1-s5", "Ikke et tilsagn", input_id=str(uuid.uuid4()))
    m2 = rooms.open_room(sqlite_engine, library, "bifrost", "bif-m2")
    assert m2.content["carried"]["cards"] == ["Jeg tester samtaleguiden"]
    assert m2.content["carried"]["meeting_id"] == "bif-m1"
    assert "carried" not in rooms.open_room(sqlite_engine, library, "bifrost", "bif-m3").content
    assert "carried" not in rooms.open_room(sqlite_engine, library, "necto", "necto-lab-a").content


def test_migration_2_upgrades_a_version_1_database(tmp_path):
    import sqlite3

    from bifrost_lab.store import schema as store_schema

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)  # the schema of migration 1, before clusters existed
    for table in (
        store_schema.SCHEMA_VERSION,
        store_schema.ROOMS,
        store_schema.PARTICIPANTS,
        store_schema.INPUTS,
        store_schema.STEP_RUNS,
    ):
        old.execute(table.create.format(**store_schema.DIALECT_WORDS["sqlite"]))
    old.execute("INSERT INTO schema_version VALUES (1, 0)")
    old.commit()
    old.close()
    engine = store.connect(f"sqlite:///{path}")
    try:
        assert store.current_schema_version(engine) == store.LATEST_VERSION
        assert store.list_clusters(engine, "nothing") == []
        assert "cluster_id" in {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(inputs)")}
        assert store.count_rows(engine, "join_attempts") == 0
    finally:
        store.dispose_all()
