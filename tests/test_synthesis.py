"""The programme synthesis over three BIFROST rooms with known input (tests/report_rooms.py)."""

from __future__ import annotations

import re

import pytest
from bleach._vendor import html5lib
from report_rooms import ACTION, BARRIER, COMMITMENT, HIDDEN_CARD, HOSTILE, build_m1, build_m2, build_m3

from bifrost_lab import store
from bifrost_lab.cli import main as cli
from bifrost_lab.reports import synthesis
from bifrost_lab.reports.export import export_synthesis_html


@pytest.fixture(scope="module")
def db(tmp_path_factory, library):
    url = f"sqlite:///{tmp_path_factory.mktemp('synthesis') / 'db.sqlite'}"
    engine = store.connect(url)
    # opened out of order on purpose: the synthesis follows the programme's meeting order
    known = {"m3": build_m3(engine, library), "m1": build_m1(engine, library), "m2": build_m2(engine, library)}
    yield url, known
    store.dispose_all()


@pytest.fixture(scope="module")
def html(db):
    url, _known = db
    return export_synthesis_html("bifrost", db_url=url)


def test_synthesis_is_a_valid_offline_document_in_danish(html):
    html5lib.HTMLParser(strict=True).parse(html)
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert "Programsyntese" in html and "BIFROST – brobyggende arbejdsmiljørådgivning om TTA" in html
    assert re.findall(r"<h2>([^<]+)</h2>", html) == [
        "Tidslinje",
        "Deltagelse fordelt på roller over møderne",
        "Gennemgående temaer",
        "Tilsagn, der blev ført videre",
        "De vigtigste handlinger pr. område",
    ]
    assert HOSTILE not in html or "&lt;img" in html  # hostile text only ever escaped
    assert "Seks halvdags udviklingsmøder" in html and "vores forslag" not in html  # no design note for readers


def test_timeline_and_participation_follow_the_meeting_order(html):
    timeline = html[html.index('id="tidslinje"') : html.index('id="deltagelse"')]
    assert timeline.index("1. Fælles afsæt") < timeline.index("2. Vidensbrobygning som praksis") < timeline.index("3. ")
    participation = html[html.index('id="deltagelse"') : html.index('id="temaer"')]
    # advisers: 4 in M1, 3 in M2, 3 in M3
    assert re.search(r"Arbejdsmiljørådgiver / konsulent</td><td>4</td><td>3</td><td>3</td>", participation)
    assert re.search(
        r"I alt</strong></td><td><strong>11</strong></td><td><strong>6</strong></td>"
        r"<td><strong>5</strong></td>",
        participation,
    )
    assert 'role="img"' in participation


def test_recurring_theme_and_commitment_are_matched_by_text(html):
    themes = html[html.index('id="temaer"') : html.index('id="forpligtelser"')]
    # M1's barrier cluster and M2's card "Lederne opdager problemerne for sent" are one theme
    row = next(r for r in re.findall(r"<tr>.*?</tr>", themes) if BARRIER in r or "Lederne opdager" in r)
    assert "1. Fælles afsæt" in row and "2. Vidensbrobygning som praksis" in row
    assert "Jaccard" in themes
    commitments = html[html.index('id="forpligtelser"') : html.index('id="handlinger"')]
    row = next(r for r in re.findall(r"<tr>.*?</tr>", commitments) if COMMITMENT in r)
    assert "taget op igen ved 3." in row
    assert "ikke set igen ved senere møder" in commitments  # "tale med min leder om trivsel"


def test_top_actions_per_area(html):
    actions = html[html.index('id="handlinger"') :]
    assert "Brobyggende rådgiverkompetencer" in actions and "Evidensbaseret viden om TTA-praksis" in actions
    assert ACTION in actions
    # M3 has no action clusters: its top-voted card stands in
    assert "Fast kontaktaftale med lederen under fraværet" in actions


def test_cards_hidden_by_the_moderator_stay_out_of_the_synthesis(db):
    url, _known = db
    syn = synthesis.load_synthesis_data("bifrost", url)
    texts = {m.text for m in synthesis.mentions_of(syn)}
    assert HIDDEN_CARD not in texts and BARRIER in texts


def test_similarity_rule():
    a, b = synthesis.stems("Ledere opdager problemer for sent"), synthesis.stems("Lederne opdager problemerne for sent")
    assert synthesis.similarity(a, b) >= synthesis.MATCH_THRESHOLD
    c = synthesis.stems("Kunderne forventer altid svar")
    assert synthesis.similarity(a, c) == 0
    assert synthesis.stems("og i at det") == frozenset()


def test_synthesis_command(db, tmp_path, monkeypatch, capsys):
    url, _known = db
    monkeypatch.setenv("BIFROST_DB_URL", url)
    assert cli.main(["synthesis", "necto", "-o", str(tmp_path / "x.html")]) == 2
    assert "no rooms for programme 'necto'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_demo_rooms_stay_out_of_the_synthesis_unless_asked(tmp_path, library, monkeypatch, capsys):
    from bifrost_lab import rooms
    from bifrost_lab.demo import create_demo_room

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = store.connect(url)
    real = rooms.open_room(engine, library, "bifrost", "bif-m1")
    invented = create_demo_room(engine, library, meeting_id="bif-m2", participants=3, inputs=4, seed=1)
    create_demo_room(engine, library, programme_id="necto", participants=3, inputs=4, seed=2)  # necto: only demo
    syn = synthesis.load_synthesis_data("bifrost", url)
    assert [d.room.id for d in syn.rooms] == [real.id] and not syn.demo
    assert "bf-demo-banner" not in synthesis.section_cover(syn)
    syn = synthesis.load_synthesis_data("bifrost", url, include_demo=True)
    assert [d.room.id for d in syn.rooms] == [real.id, invented.id] and syn.demo
    assert synthesis.section_cover(syn).startswith('<header class="bf-cover"><div class="bf-demo-banner"')

    monkeypatch.setenv("BIFROST_DB_URL", url)
    out = tmp_path / "necto.html"
    assert cli.main(["synthesis", "necto", "-o", str(out)]) == 2
    assert "has only demo rooms (1)" in capsys.readouterr().err and not out.exists()
    assert cli.main(["synthesis", "necto", "-o", str(out), "--include-demo", "--language", "en"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<title>DEMO – invented data · Programme synthesis" in page
    body = page[page.index("<body") :]
    assert body.index(">DEMO – invented data<") < body.index("<h1")  # on the first screen, before the title
    store.dispose_all()
