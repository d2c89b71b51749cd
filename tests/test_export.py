"""The knowledge summary: executed from notebooks/summary.ipynb, code-free, offline, escaped."""
from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest

from bifrost_lab import room as rooms, store
from bifrost_lab.export import export_room_html, inject_parameters

HOSTILE = '<img src=x onerror="window.__pwned=1">'


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, library):
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'db.sqlite'}"
    engine = store.connect(url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    phases = next(s for s in rooms.steps(room) if rooms.input_spec(s).get("columns"))
    advisers = [rooms.join_room(engine, room, role="OHS_ADVISER")[0] for _ in range(2)]
    manager, _ = rooms.join_room(engine, room, role="SME_MANAGER", display_name="Hemmelig Hansen")
    rooms.submit_card(engine, room, advisers[0], phases["id"], "Tidlig dialog virker", column=0,
                      input_id=str(uuid.uuid4()))
    rooms.submit_card(engine, room, advisers[1], phases["id"], HOSTILE, column=1, input_id=str(uuid.uuid4()))
    rooms.submit_card(engine, room, manager, phases["id"], "Ingen fast kontakt under fravær", column=2,
                      input_id=str(uuid.uuid4()))
    store.set_step(engine, room.id, 2)
    html = export_room_html(room.id, db_url=url)
    store.dispose_all()
    return room, html


def test_parameters_are_injected_after_the_parameters_cell():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("print(a)")])
    injected = inject_parameters(nb, {"a": 2, "b": "x'y"})
    assert injected.cells[1].metadata["tags"] == ["injected-parameters"]
    assert injected.cells[1].source == "a = 2\nb = \"x'y\""
    assert len(nb.cells) == 2  # the original is untouched


def test_summary_has_meeting_agenda_participants_and_cards(exported):
    room, html = exported
    parser = _Collector()
    parser.feed(html)
    text = " ".join(parser.text)
    assert "Fælles afsæt" in text and "Vidensopsamling" in text
    for step in rooms.steps(room):
        assert rooms.text(step["title"], "da") in text
    assert "Tidlig dialog virker" in text and "Ingen fast kontakt under fravær" in text
    assert re.search(r"Arbejdsmiljørådgiver[^<]*</td>\s*<td>2<", html)  # participants by role (counts)
    assert "Hemmelig Hansen" not in html  # names never appear in the summary


def test_hostile_card_is_text_and_nothing_is_executable_or_remote(exported):
    _room, html = exported
    parser = _Collector()
    parser.feed(html)
    assert HOSTILE in "".join(parser.text)  # shown literally
    assert not any(tag == "img" and "onerror" in attrs for tag, attrs in parser.tags)
    assert not any(tag == "script" for tag, _ in parser.tags)
    for tag, attrs in parser.tags:
        for name in ("src", "href"):
            assert not str(attrs.get(name) or "").startswith(("http:", "https:", "//")), (tag, attrs)
    assert "<!DOCTYPE html>" in html[:200] and '<html lang="da">' in html[:400]
    assert "In [" not in html and "jp-InputArea" not in html  # no code, no prompts
