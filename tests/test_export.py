"""The knowledge summary: executed from notebooks/summary.ipynb, code-free, offline, escaped."""

from __future__ import annotations

import re
import uuid

import pytest
from helpers import parse_html

from bifrost_lab import rooms, store
from bifrost_lab.reports.export import export_room_html, inject_parameters

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def exported(tmp_path_factory, library):
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'db.sqlite'}"
    engine = store.connect(url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    phases = next(s for s in rooms.steps(room) if rooms.input_spec(s).get("columns"))
    advisers = [rooms.join_room(engine, room, role="OHS_ADVISER")[0] for _ in range(2)]
    manager, _ = rooms.join_room(engine, room, role="SME_MANAGER", display_name="Hemmelig Hansen")
    rooms.submit_card(
        engine, room, advisers[0], phases["id"], "Tidlig dialog virker", column=0, input_id=str(uuid.uuid4())
    )
    rooms.submit_card(engine, room, advisers[1], phases["id"], HOSTILE, column=1, input_id=str(uuid.uuid4()))
    rooms.submit_card(
        engine, room, manager, phases["id"], "Ingen fast kontakt under fravær", column=2, input_id=str(uuid.uuid4())
    )
    store.set_step(engine, room.id, 2)
    html = export_room_html(room.id, db_url=url)
    store.dispose_all()
    return room, html


def test_parameters_are_injected_after_the_parameters_cell():
    import nbformat

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("print(a)"),
        ]
    )
    injected = inject_parameters(nb, {"a": 2, "b": "x'y"})
    assert injected.cells[1].metadata["tags"] == ["injected-parameters"]
    assert injected.cells[1].source == 'a = 2\nb = "x\'y"'
    assert len(nb.cells) == 2  # the original is untouched


def test_summary_has_meeting_agenda_participants_and_cards(exported):
    room, html = exported
    parser = parse_html(html)
    text = " ".join(parser.text)
    assert "Fælles afsæt" in text and "Vidensopsamling" in text
    for step in rooms.steps(room):
        assert rooms.text(step["title"], "da") in text
    assert "Tidlig dialog virker" in text and "Ingen fast kontakt under fravær" in text
    assert re.search(r"Arbejdsmiljørådgiver[^<]*</td>\s*<td>2<", html)  # participants by role (counts)
    assert "Hemmelig Hansen" not in html  # names never appear in the summary


def test_hostile_card_is_text_and_nothing_is_executable_or_remote(exported):
    _room, html = exported
    parser = parse_html(html)
    assert HOSTILE in "".join(parser.text)  # shown literally
    assert not any(tag == "img" and "onerror" in attrs for tag, attrs in parser.tags)
    assert not any(tag == "script" for tag, _ in parser.tags)
    for tag, attrs in parser.tags:
        for name in ("src", "href"):
            assert not str(attrs.get(name) or "").startswith(("http:", "https:", "//")), (tag, attrs)
    assert "<!DOCTYPE html>" in html[:200] and '<html lang="da">' in html[:400]
    assert "In [" not in html and "jp-InputArea" not in html  # no code, no prompts


# ----------------------------------------------------------------------------------------------
# Raw data: one row per input, documented columns (docs/export.md), no names


@pytest.fixture(scope="module")
def m1_db(tmp_path_factory, library):
    from report_rooms import build_m1

    url = f"sqlite:///{tmp_path_factory.mktemp('raw') / 'db.sqlite'}"
    known = build_m1(store.connect(url), library)
    yield url, known
    store.dispose_all()


@pytest.fixture
def cli_env(m1_db, monkeypatch):
    url, known = m1_db
    monkeypatch.setenv("BIFROST_DB_URL", url)
    return url, known


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_raw_data_has_one_row_per_input_and_the_documented_columns(cli_env, tmp_path, fmt):
    import json

    import pandas as pd
    from report_rooms import FORMULA, HIDDEN_CARD, HOSTILE, NAMED, SECRET_NAME

    from bifrost_lab.cli import main as cli
    from bifrost_lab.reports.rawdata import COLUMNS

    url, known = cli_env
    out = tmp_path / f"raw.{fmt}"
    assert cli.main(["export", known.room.id, "--format", fmt, "-o", str(out)]) == 0
    inputs = store.list_inputs(store.connect(url), known.room.id)
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        frame = pd.DataFrame(doc["rows"])
        assert doc["columns"] == list(COLUMNS)
        assert frame.loc[frame.kind == "vote", "payload"].map(lambda p: isinstance(p["dots"], dict)).all()
        assert FORMULA in set(frame.text)  # JSON is data for programs: kept exactly
    else:
        frame = pd.read_csv(out, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(out, sheet_name="inputs")
        assert list(frame.columns) == list(COLUMNS)
        assert "'" + FORMULA in set(frame.text) and FORMULA not in set(frame.text)  # no spreadsheet formula
        if fmt == "xlsx":  # the codebook travels with the data: every column's meaning, type and values
            codebook = pd.read_excel(out, sheet_name="codebook")
            assert list(codebook.name) == list(COLUMNS) and codebook.notna().all().all()
    assert len(frame) == len(inputs) and set(frame.input_id) == {i.id for i in inputs}
    assert set(frame.kind) == {"card", "rating", "vote"}
    assert HOSTILE in set(frame.text) and HIDDEN_CARD in set(frame.text)
    assert frame.loc[frame.text == HIDDEN_CARD, "hidden"].astype(bool).all()
    assert frame.participant.str.fullmatch(r"P\d{3}").all()
    assert (frame.role_label == "Arbejdsmiljørådgiver / konsulent").sum() >= 4
    raw = out.read_bytes()
    for name in (NAMED, SECRET_NAME):
        assert name.encode() not in raw
    assert not any(p.id.encode() in raw for p in known.people["adv"])  # pseudonyms, not participant ids
    clustered = frame[frame.cluster_label.fillna("") != ""]
    assert set(clustered.cluster_category.fillna("")) >= {"barrier", "insight", "action"}


def test_export_takes_the_organisers_resume_from_a_file(cli_env, tmp_path):
    from bifrost_lab.cli import main as cli

    _url, known = cli_env
    points = tmp_path / "resume.txt"
    points.write_text("# Resumé\n- Første pointe fra arrangøren\n\n• Anden pointe\n", encoding="utf-8")
    out = tmp_path / "notes.html"
    assert (
        cli.main(
            [
                "export",
                known.room.id,
                "-o",
                str(out),
                "--summary-points",
                str(points),
                "--hidden-cards",
                "omit",
                "--organiser",
                "TeamArbejdsliv",
            ]
        )
        == 0
    )
    html = out.read_text(encoding="utf-8")
    resume = html[html.index('id="resume"') : html.index('id="baggrund"')]
    assert "<li>Første pointe fra arrangøren</li><li>Anden pointe</li>" in resume
    assert "Resumé</li>" not in resume and "TeamArbejdsliv" in html
    from report_rooms import HIDDEN_CARD

    assert HIDDEN_CARD not in html
    assert cli.main(["export", known.room.id, "-o", str(out), "--summary-points", str(tmp_path / "nope.txt")]) == 2


def test_a_resume_file_that_is_not_utf8_gets_a_clear_message(cli_env, tmp_path, capsys):
    """Issue 21: what comes in from a file follows the text rules too, and a wrong encoding is said, not a traceback."""
    from bifrost_lab.cli import main as cli
    from bifrost_lab.reports.export import read_summary_points

    _url, known = cli_env
    points = tmp_path / "resume.txt"
    points.write_bytes("- Første pointe\n".encode("latin-1"))
    assert cli.main(["export", known.room.id, "-o", str(tmp_path / "x.html"), "--summary-points", str(points)]) == 2
    error = capsys.readouterr().err
    assert "is not UTF-8 text (byte 4 is 0xf8)" in error and "Traceback" not in error
    points.write_text("- Første\n- \u200b\u3164\n- \u2800\n", encoding="utf-8")
    assert read_summary_points(points) == ["Første"]


def test_summary_notebook_reruns_with_the_organisers_own_analysis(m1_db, tmp_path):
    """As in JupyterLab: set the room id, run all cells, and use `data` in a cell of one's own."""
    import nbformat

    from bifrost_lab import config
    from bifrost_lab.reports.export import SUMMARY_NOTEBOOK, execute_notebook

    url, known = m1_db
    nb = nbformat.read(config.notebooks_dir() / SUMMARY_NOTEBOOK, as_version=4)
    assert len([c for c in nb.cells if c.cell_type == "code"]) == 2  # parameters + one call: the notebook stays thin
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from collections import Counter\nprint(sorted(Counter(i.kind for i in data.inputs).items()))"
        )
    )
    path = tmp_path / "own-analysis.ipynb"
    nbformat.write(nb, path)
    executed = execute_notebook(path, {"room_id": known.room.id, "db_url": url})
    printed = executed.cells[-1].outputs[0]["text"]
    assert printed.strip() == "[('card', 12), ('rating', 16), ('vote', 10)]"  # raw: the facilitator's rating too
    assert sum(1 for o in executed.cells[-2].outputs if "text/html" in o.get("data", {})) == 15  # one per section


# Demo rooms (issue 15 §2): every export of one says so on its first screen


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, library):
    from bifrost_lab.demo import create_demo_room

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'db.sqlite'}"
    room = create_demo_room(store.connect(url), library, participants=4, inputs=6, seed=5)
    yield url, room
    store.dispose_all()


def test_the_summary_of_a_demo_room_says_demo_first(demo_db, exported):
    url, room = demo_db
    html = export_room_html(room.id, db_url=url, language="fi")
    assert "<title>DEMO – keksittyä aineistoa · " in html
    body = html[html.index("<body") :]
    assert body.index(">DEMO – keksittyä aineistoa<") < body.index("<h1")  # before the cover's title
    _room, real = exported
    assert "bf-demo-banner" not in real and "DEMO" not in real


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_raw_data_of_a_demo_room_says_demo(demo_db, m1_db, tmp_path, fmt):
    import json

    import pandas as pd

    from bifrost_lab.reports.rawdata import COLUMNS, write_raw

    url, room = demo_db
    out = tmp_path / f"raw.{fmt}"
    assert write_raw(room.id, out, fmt, db_url=url) > 0
    assert COLUMNS.index("demo") < 4  # among the first columns: on the first screen of a spreadsheet
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert list(doc)[:2] == ["demo", "notice"] and doc["demo"] is True
        assert doc["notice"] == "DEMO – opdigtede data" and all(row["demo"] is True for row in doc["rows"])
    else:
        frame = pd.read_csv(out, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(out, sheet_name="inputs")
        assert frame.demo.astype(bool).all()
    real_url, known = m1_db
    write_raw(known.room.id, out, fmt, db_url=real_url)
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["demo"] is False and "notice" not in doc and not any(row["demo"] for row in doc["rows"])
    else:
        frame = pd.read_csv(out, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(out, sheet_name="inputs")
        assert not frame.demo.astype(bool).any()


# The printed document (issue 20): WeasyPrint lays out the same HTML and print CSS as PDF


@pytest.mark.parametrize(("paper", "size"), [("A4", (595, 842)), ("letter", (612, 792))])
def test_the_summary_prints_to_pdf_on_a4_and_letter_with_page_numbers(exported, paper, size):
    import io

    from pypdf import PdfReader

    from bifrost_lab.reports.export import render_pdf

    _room, html = exported
    reader = PdfReader(io.BytesIO(render_pdf(html, paper)))
    pages = [page.extract_text() for page in reader.pages]
    assert tuple(round(float(v)) for v in reader.pages[0].mediabox[2:]) == size
    assert 2 <= len(pages) <= 6  # a small room: a few full pages, not one page per section
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in text  # page numbers
        assert ("Vidensopsamling – Fælles afsæt" in text) == (number > 1)  # running title after the cover
    assert "Tidlig dialog virker" in "".join(pages)
    with pytest.raises(ValueError, match="expected one of A4, letter"):
        render_pdf(html, "A5")
