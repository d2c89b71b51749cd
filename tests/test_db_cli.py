"""`bifrost-lab db migrate` and `db copy`: a laptop's rooms move to a server, repeatably and verified."""

from __future__ import annotations

import re
import shlex
import uuid
from pathlib import Path

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.cli import main as cli
from bifrost_lab.cli.db import copied_tables
from bifrost_lab.demo import create_demo_room


def _rows(engine, table, room_id: str) -> list[dict]:
    rows = store.read_rows(engine, table.name, room_id=room_id)
    for row in rows:
        if table.serial_identity:  # numbered ids are re-numbered by the target: compare the rest
            row.pop(table.key)
    return sorted(rows, key=repr)


@pytest.fixture
def laptop(tmp_path, library):
    """A laptop database with two rooms: one closed with a full day's input, one still open."""
    url = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    engine = store.connect(url)
    done = create_demo_room(engine, library, participants=6, inputs=14, seed=1)
    store.set_step(engine, done.id, 2)
    store.set_step(engine, done.id, 3)
    card = store.list_inputs(engine, done.id)[0]
    cluster = store.create_cluster(
        engine,
        cluster_id=str(uuid.uuid4()),
        room_id=done.id,
        step_id=card.step_id,
        label="Tidlig kontakt",
        category="insight",
    )
    store.assign_cluster(engine, done.id, [card.id], cluster.id)
    store.close_room(engine, done.id)
    store.record_failed_join(engine, "page-1")  # scratch data of the join limits: stays on the laptop
    still_open = create_demo_room(engine, library, programme_id="necto", participants=3, inputs=4, seed=2)
    yield url, engine, [done.id, still_open.id]
    store.dispose_all()


def test_copy_moves_every_row_of_every_room_and_can_be_repeated(laptop, db_url, capsys):
    source_url, source, room_ids = laptop
    assert cli.main(["db", "copy", "--from", source_url, "--to", db_url]) == 0
    first = capsys.readouterr().out
    assert "Copied 2 room(s)" in first and "Verified" in first
    target = store.connect(db_url)
    for room_id in room_ids:
        for table in copied_tables():
            if table.name == "rooms" or table.has_room_id:
                assert _rows(target, table, room_id) == _rows(source, table, room_id), table.name
    assert {s.room.id: (s.participant_count, s.input_count) for s in store.list_rooms(target)} == {
        s.room.id: (s.participant_count, s.input_count) for s in store.list_rooms(source)
    }
    assert "Tidlig kontakt" in [c.label for c in store.list_clusters(target, room_ids[0])]
    assert all(store.get_room(target, room_id).demo for room_id in room_ids)  # demo rooms stay marked as demo
    assert store.list_clusters(target, room_ids[0]) == store.list_clusters(source, room_ids[0])
    assert store.failed_joins_since(target, 0)[0] == 0

    assert cli.main(["db", "copy", "--from", source_url, "--to", db_url]) == 0
    again = capsys.readouterr().out
    inputs_line = next(line for line in again.splitlines() if line.strip().startswith("inputs "))
    in_source = sum(len(store.list_inputs(source, room_id, include_deleted=True)) for room_id in room_ids)
    assert inputs_line.split()[1] == "0" and int(inputs_line.split()[2]) == in_source  # nothing new or doubled
    assert len(store.list_inputs(target, room_ids[0])) == len(store.list_inputs(source, room_ids[0]))


def test_a_copied_room_keeps_working_in_the_target(laptop, db_url, library):
    source_url, source, room_ids = laptop
    target = store.connect(db_url)
    other = rooms.open_room(target, library, "bifrost", "bif-m1")  # the server already has rooms and step runs
    store.set_step(target, other.id, 1)
    assert cli.main(["db", "copy", "--from", source_url, "--to", db_url]) == 0

    open_room = store.get_room(target, room_ids[1])
    assert open_room.is_open and rooms.find_room_by_code(target, open_room.join_code).id == open_room.id
    version = open_room.version
    person, _token = rooms.join_room(target, open_room, role=open_room.content["roles"][0]["id"])
    card_step = next(s for s in rooms.steps(open_room) if rooms.input_type(s) == "cards")
    card = rooms.submit_card(target, open_room, person, card_step["id"], "Efter flytningen", input_id=str(uuid.uuid4()))
    feed = store.changes_since(target, open_room.id, version)
    assert card.id in {i.id for i in feed.inputs} and person.id in {p.id for p in feed.participants}
    assert card.seq == max(i.seq for i in store.list_inputs(source, open_room.id)) + 1
    store.set_step(target, open_room.id, 1)  # a new step run: numbered ids in the target do not collide
    assert [r.step_index for r in store.step_runs_of(target, open_room.id)] == [0, 1]
    assert [r.step_index for r in store.step_runs_of(target, other.id)] == [0, 1]


def test_an_open_room_whose_code_is_taken_in_the_target_gets_a_new_code(laptop, db_url, capsys):
    source_url, source, room_ids = laptop
    code = store.get_room(source, room_ids[1]).join_code
    target = store.connect(db_url)
    squatter = store.create_room(
        target, programme_id="p", meeting_id="m", content_hash="h", content={"meeting": {"steps": []}}
    )
    with store.transaction(target) as conn:
        store.set_join_code(conn, squatter.id, code)
    assert cli.main(["db", "copy", "--from", source_url, "--to", db_url, "--room", room_ids[1]]) == 0
    out = capsys.readouterr().out
    moved = store.get_room(target, room_ids[1])
    assert moved.join_code != code and f"its new code is {moved.join_code}" in out
    assert store.find_open_room(target, code).id == squatter.id
    assert store.get_room(target, room_ids[0]) is None  # --room copies only that room


def test_copy_refuses_a_different_room_with_the_same_id(laptop, db_url, capsys):
    source_url, source, room_ids = laptop
    target = store.connect(db_url)
    stranger = store.create_room(
        target, programme_id="p", meeting_id="m", content_hash="h", content={"meeting": {"steps": []}}
    )
    with store.transaction(target) as conn:  # the same id, another room
        conn.execute("DELETE FROM step_runs WHERE room_id = :id", {"id": stranger.id})
        conn.execute("UPDATE rooms SET id = :new WHERE id = :id", {"new": room_ids[0], "id": stranger.id})
    assert cli.main(["db", "copy", "--from", source_url, "--to", db_url]) == 1
    assert "a different room with this id" in capsys.readouterr().err
    assert store.list_inputs(target, room_ids[0]) == []  # nothing was mixed into the stranger's room


def test_migrate_creates_the_schema_once(db_url, capsys):
    assert cli.main(["db", "migrate", "--url", db_url]) == 0
    assert f"-> {store.LATEST_VERSION}" in capsys.readouterr().out
    assert store.current_schema_version(store.connect(db_url)) == store.LATEST_VERSION
    assert cli.main(["db", "migrate", "--url", db_url]) == 0
    assert "already up to date" in capsys.readouterr().out


@pytest.mark.parametrize(
    "url, says",
    [
        ("not a url", "is not a database URL"),
        ("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "cannot open the database"),
    ],
)
def test_migrate_explains_a_bad_url_without_a_traceback(url, says, capsys):
    assert cli.main(["db", "migrate", "--url", url]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err and "secret" not in err


def test_copy_to_the_same_database_is_refused(sqlite_url, capsys):
    assert cli.main(["db", "copy", "--from", sqlite_url, "--to", sqlite_url]) == 2
    assert "the same database" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_room_moved_to_postgresql_exports_its_summary(laptop, pg_url):
    from bifrost_lab.reports.export import export_room_html

    source_url, source, room_ids = laptop
    assert cli.main(["db", "copy", "--from", source_url, "--to", pg_url]) == 0
    html = export_room_html(room_ids[0], db_url=pg_url)
    for card in store.list_inputs(source, room_ids[0])[:3]:
        assert card.payload["text"] in html


@pytest.mark.postgres
def test_copy_works_back_from_postgresql_to_a_laptop_file(laptop, pg_url, tmp_path):
    source_url, source, room_ids = laptop
    assert cli.main(["db", "copy", "--from", source_url, "--to", pg_url]) == 0
    back = f"sqlite:///{tmp_path / 'back.sqlite'}"
    assert cli.main(["db", "copy", "--from", pg_url, "--to", back]) == 0
    for table in copied_tables():
        if table.name == "rooms" or table.has_room_id:
            assert _rows(store.connect(back), table, room_ids[0]) == _rows(source, table, room_ids[0]), table.name


# docs/deploy.md is followed by tests/e2e/test_scaleout.py; these keep the page and the code in step.

DEPLOY_DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def _doc_commands() -> list[list[str]]:
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            words = shlex.split(line.split("|")[0], comments=True)
            for index, word in enumerate(words):
                if (word == "bifrost-lab" and index == 0) or word.endswith("bin/bifrost-lab"):
                    commands.append(words[index + 1 :])
                    break
    return commands


def test_every_bifrost_lab_command_in_the_deploy_guide_parses():
    commands = _doc_commands()
    assert {c[0] for c in commands} >= {"serve", "db"} and len(commands) >= 4
    for words in commands:
        cli.build_parser().parse_args(words)  # exits (fails the test) on an unknown option


def test_the_deploy_guide_shows_the_config_the_command_prints(capsys):
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    shown = re.search(r"```nginx\n(.*?)```", text, re.S).group(1)
    printing = next(c for c in _doc_commands() if "--print-nginx-config" in c)
    assert cli.main(printing) == 0
    assert capsys.readouterr().out == shown


def test_the_systemd_unit_runs_the_serve_command_of_the_guide():
    unit = (DEPLOY_DOC.parent.parent / "deploy" / "bifrost-lab.service").read_text(encoding="utf-8")
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    unit_words = shlex.split(exec_start.split("bifrost-lab ", 1)[1].replace("${BIFROST_MODERATOR_TOKEN}", "T"))
    guide = next(c for c in _doc_commands() if c[0] == "serve" and "--no-browser" in c)
    assert unit_words == [w.replace("$BIFROST_MODERATOR_TOKEN", "T") for w in guide]
