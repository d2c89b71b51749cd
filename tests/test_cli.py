"""The command line others script against: names and outputs stay stable."""

from __future__ import annotations

import pytest

from bifrost_lab import store
from bifrost_lab.cli import main as cli


@pytest.fixture
def db_env(sqlite_url, monkeypatch):
    monkeypatch.setenv("BIFROST_DB_URL", sqlite_url)
    yield sqlite_url
    store.dispose_all()


def test_demo_prints_the_room_id_alone_on_its_last_line(db_env, capsys):
    assert cli.main(["demo", "--participants", "5", "--inputs", "7", "--seed", "1"]) == 0
    room_id = capsys.readouterr().out.strip().splitlines()[-1]
    engine = store.connect(db_env)
    assert store.get_room(engine, room_id) is not None
    [summary] = store.list_rooms(engine)
    cards = [i for i in store.list_inputs(engine, room_id) if i.kind == "card"]
    assert (summary.participant_count, len(cards)) == (5, 7)
    assert summary.input_count > 7  # everyone also answered the meeting's ratings and votes


def test_rooms_lists_id_meeting_and_counts(db_env, capsys):
    cli.main(["demo", "--participants", "3", "--inputs", "2", "--meeting", "bif-m1"])
    room_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(["rooms"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith(room_id))
    # M1: 2 cards + 3 check-in ratings + 3 dot votes + 3 closing ratings
    assert "bifrost/bif-m1" in line and line.split()[5:7] == ["3", "11"]


def test_demo_with_an_unknown_meeting_says_what_exists(db_env, capsys):
    assert cli.main(["demo", "--meeting", "nope"]) == 2
    assert "bif-m1" in capsys.readouterr().err


def test_export_of_an_unknown_room_is_a_clear_error(db_env, tmp_path, capsys):
    assert cli.main(["export", "nosuchroom", "-o", str(tmp_path / "x.html")]) == 2
    assert "bifrost-lab rooms" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_export_writes_one_html_file(db_env, tmp_path, capsys):
    cli.main(["demo", "--participants", "4", "--inputs", "6"])
    room_id = capsys.readouterr().out.strip().splitlines()[-1]
    out = tmp_path / "notes.html"
    assert cli.main(["export", room_id, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_every_command_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in commands:
        assert f"bifrost-lab {name}" in readme, f"README.md does not document `bifrost-lab {name}`"


def test_rooms_marks_demo_rooms_and_says_what_that_means(db_env, capsys, library):
    from bifrost_lab import rooms

    cli.main(["demo", "--participants", "2", "--inputs", "1"])
    demo_id = capsys.readouterr().out.strip().splitlines()[-1]
    real = rooms.open_room(store.connect(db_env), library, "bifrost", "bif-m1")
    assert cli.main(["rooms"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()[0] in (demo_id, real.id)}
    assert lines[demo_id].endswith("  DEMO") and not lines[real.id].endswith("DEMO")
    columns = lines[demo_id].split()
    assert (columns[5], columns[7]) == ("2", "bifrost/bif-m1")  # the columns scripts read stay where they were
    assert "--include-demo" in out


def test_rooms_marks_an_old_demo_room_as_demo(db_env, capsys, library):
    from bifrost_lab import rooms

    old = rooms.open_room(store.connect(db_env), library, "bifrost", "bif-m1")
    assert cli.main(["rooms", "--mark-demo", old.id]) == 0
    assert f"Room {old.id} is marked as demo." in capsys.readouterr().out
    assert store.get_room(store.connect(db_env), old.id).demo
    assert cli.main(["rooms", "--mark-demo", "nosuchroom"]) == 2
    assert "no room 'nosuchroom'" in capsys.readouterr().err
