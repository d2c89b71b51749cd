"""The knowledge package (issue 20): one zip with the summary as HTML and PDF, the charts, the raw data with a
codebook, and the notebook with a copy of the room that re-makes the same figures."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from pdf_pages import nearly_empty_pages, read_pages
from report_rooms import BARRIER, FORMULA, NAMED, SECRET_NAME, build_m1, build_m2, build_m3

from bifrost_lab import config, rooms, store
from bifrost_lab.cli import main as cli
from bifrost_lab.reports import package
from bifrost_lab.reports.export import execute_notebook, render_html
from bifrost_lab.reports.rawdata import COLUMNS

ROOM_FILES = {
    "README.txt",
    "vidensopsamling.html",
    "vidensopsamling.pdf",
    "data/inputs.csv",
    "data/inputs.xlsx",
    "data/codebook.csv",
    "notebook/summary.ipynb",
    "notebook/room.sqlite",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory, library):
    url = f"sqlite:///{tmp_path_factory.mktemp('package') / 'db.sqlite'}"
    engine = store.connect(url)
    yield url, {"m1": build_m1(engine, library), "m2": build_m2(engine, library), "m3": build_m3(engine, library)}
    store.dispose_all()


@pytest.fixture(scope="module")
def room_zip(db, tmp_path_factory):
    url, known = db
    out = tmp_path_factory.mktemp("zip") / "pakke.zip"
    made = package.build_room_package(known["m1"].room.id, out, db_url=url, preface="Til styregruppen.")
    return out, made, zipfile.ZipFile(out)


def unpack(archive: zipfile.ZipFile, where: Path) -> Path:
    archive.extractall(where)
    return where


def test_the_package_holds_summary_charts_data_and_notebook(room_zip):
    _out, made, archive = room_zip
    names = set(archive.namelist())
    assert ROOM_FILES <= names and set(made.files) == names
    charts = sorted(n for n in names if n.startswith("charts/"))
    assert [c.rsplit(".", 1)[1] for c in charts] == ["png", "svg"] * (len(charts) // 2) and len(charts) == 6
    assert "charts/02-de-vigtigste-udfordringer.svg" in names  # named after the step
    readme = archive.read("README.txt").decode("utf-8")
    assert readme.startswith("Vidensopsamling – Fælles afsæt") and "data/codebook.csv" in readme
    assert "Foreløbig" not in readme and not made.interim  # M1 is at its last step


def test_every_chart_is_a_standalone_svg_with_its_alt_text_and_a_png(room_zip):
    _out, _made, archive = room_zip
    html = archive.read("vidensopsamling.html").decode("utf-8")
    svgs = [n for n in archive.namelist() if n.endswith(".svg")]
    assert len(svgs) == html.count('<figure class="bf-figure">')
    for name in svgs:
        root = ET.fromstring(archive.read(name))  # well-formed XML on its own
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") and root.get("height")
        assert root.find("{http://www.w3.org/2000/svg}title").text
        png = archive.read(name[:-3] + "png")
        assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == 2 * int(float(root.get("width")))


def test_the_pdf_is_the_summary_on_few_full_pages(room_zip):
    """Issue 20: 19 pages, several almost empty, no page numbers; now every page is used but the last of a section."""
    _out, _made, archive = room_zip
    pages = read_pages(archive.read("vidensopsamling.pdf"))
    text = " ".join(page.text for page in pages)
    assert "Fælles afsæt" in text and "Til styregruppen." in text and BARRIER in text
    assert "Aust et al. (2023)" in text and "Skal verificeres" in text
    assert len(pages) <= 10
    assert nearly_empty_pages(pages, section_starts=("Bilag: alle kort",)) == []
    for page in pages:
        assert f"{page.number} / {len(pages)}" in page.text
    assert pages[-1].text.count("Om dette dokument") == 1


def test_the_codebook_names_every_column(room_zip):
    import pandas as pd

    _out, _made, archive = room_zip
    codebook = pd.read_csv(io.BytesIO(archive.read("data/codebook.csv")), encoding="utf-8-sig")
    assert list(codebook.columns) == ["name", "meaning", "type", "values"]
    assert list(codebook.name) == list(COLUMNS)
    assert codebook.meaning.str.len().min() > 10 and codebook.type.notna().all() and codebook["values"].notna().all()
    row = codebook.set_index("name")
    assert row.loc["demo", "type"] == "sand/falsk" and row.loc["kind", "values"].startswith("card, vote")
    assert "OHS_ADVISER" in row.loc["role", "values"] and "bif-m1-s7" in row.loc["step_id", "values"]
    sheets = pd.read_excel(io.BytesIO(archive.read("data/inputs.xlsx")), sheet_name=None)
    assert list(sheets) == ["inputs", "codebook"] and list(sheets["codebook"].name) == list(COLUMNS)
    frame = pd.read_csv(io.BytesIO(archive.read("data/inputs.csv")), encoding="utf-8-sig")
    assert list(frame.columns) == list(COLUMNS) and len(frame) == len(sheets["inputs"]) == 38
    assert "'" + FORMULA in set(frame.text)  # the same formula-safe text as `--format csv`


def test_the_packaged_database_is_just_this_room_without_what_must_not_leave(room_zip, db):
    url, known = db
    _out, _made, archive = room_zip
    with sqlite3.connect(":memory:") as conn:
        conn.deserialize(archive.read("notebook/room.sqlite"))
        assert conn.execute("SELECT id FROM rooms").fetchall() == [(known["m1"].room.id,)]
        names = {n for (n,) in conn.execute("SELECT display_name FROM participants") if n}
        assert NAMED in names and SECRET_NAME not in names  # only names given with consent
        tokens = {t for (t,) in conn.execute("SELECT token_hash FROM participants")}
        ids = {i for (i,) in conn.execute("SELECT id FROM participants")}
        assert tokens == ids  # no rejoin tokens
        assert conn.execute("SELECT join_code FROM rooms").fetchone() == ("",)


def test_the_packaged_notebook_reruns_against_the_packaged_data_and_makes_the_same_figures(room_zip, tmp_path):
    _out, _made, archive = room_zip
    where = unpack(archive, tmp_path)
    nb_path = where / "notebook" / "summary.ipynb"
    parameters = next(
        c for c in json.loads(nb_path.read_text())["cells"] if "parameters" in c["metadata"].get("tags", [])
    )
    assert "db_url = 'sqlite:///room.sqlite'" in "".join(parameters["source"])
    executed = execute_notebook(nb_path, {})  # as in JupyterLab: the parameters cell as it is, run where it lies
    again = render_html(executed, "Vidensopsamling – Fælles afsæt", "da")
    original = archive.read("vidensopsamling.html").decode("utf-8")

    def body(html: str) -> str:  # everything but the colophon (its "generated" time)
        return html[html.index("<body") : html.index('id="kolofon"')]

    assert body(again) == body(original)
    assert re.findall(r"<td>\d+</td>", body(again)) == re.findall(r"<td>\d+</td>", body(original))


def test_an_interim_package_says_so_on_its_cover_and_in_its_readme(db, library, tmp_path):
    url, _known = db
    engine = store.connect(url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m2")
    store.set_step(engine, room.id, 2)
    out = tmp_path / "halvvejs.zip"
    made = package.build_room_package(room.id, out, db_url=url, language="en")
    archive = zipfile.ZipFile(out)
    assert made.interim and "knowledge-summary.pdf" in archive.namelist()
    assert "Interim: the meeting was still going on when this package was made (step 3 of 8)." in archive.read(
        "README.txt"
    ).decode("utf-8")
    first = read_pages(archive.read("knowledge-summary.pdf"))[0].text
    assert "Interim summary: the meeting is still going on" in " ".join(first.split())


def test_the_export_command_makes_a_package_a_pdf_and_takes_a_preface(db, tmp_path, monkeypatch, capsys):
    url, known = db
    monkeypatch.setenv("BIFROST_DB_URL", url)
    room_id = known["m3"].room.id
    preface = tmp_path / "forord.txt"
    preface.write_text("Et forord fra arrangøren.\n", encoding="utf-8")
    out = tmp_path / "m3.zip"
    assert cli.main(["export", room_id, "--package", "-o", str(out), "--preface", str(preface)]) == 0
    assert "files" in capsys.readouterr().out
    html = zipfile.ZipFile(out).read("vidensopsamling.html").decode("utf-8")
    assert "Et forord fra arrangøren." in html
    pdf = tmp_path / "m3.pdf"
    assert cli.main(["export", room_id, "--format", "pdf", "--paper", "letter", "-o", str(pdf)]) == 0
    from pypdf import PdfReader

    assert [round(float(v)) for v in PdfReader(pdf).pages[0].mediabox[2:]] == [612, 792]
    assert cli.main(["export", room_id, "--package", "--format", "csv", "-o", str(out)]) == 2
    assert "leave out --format" in capsys.readouterr().err
    assert cli.main(["export", room_id, "--preface", str(tmp_path / "nope.txt"), "-o", str(pdf)]) == 2


def test_the_synthesis_package_has_every_rooms_data_and_a_notebook_that_reruns(db, tmp_path, monkeypatch):
    import pandas as pd

    url, known = db
    monkeypatch.setenv("BIFROST_DB_URL", url)
    out = tmp_path / "syntese.zip"
    assert cli.main(["synthesis", "bifrost", "--package", "-o", str(out)]) == 0
    archive = zipfile.ZipFile(out)
    assert {
        "programsyntese.html",
        "programsyntese.pdf",
        "notebook/synthesis.ipynb",
        "notebook/programme.sqlite",
    } <= set(archive.namelist())
    frame = pd.read_csv(io.BytesIO(archive.read("data/inputs.csv")), encoding="utf-8-sig")
    assert set(frame.room_id) >= {known[k].room.id for k in ("m1", "m2", "m3")}
    where = unpack(archive, tmp_path / "unpacked")
    executed = execute_notebook(where / "notebook" / "synthesis.ipynb", {})
    again = render_html(executed, "x", "da")
    original = archive.read("programsyntese.html").decode("utf-8")
    assert re.findall(r"<table.*?</table>", again, re.S) == re.findall(r"<table.*?</table>", original, re.S)


def test_slugs_and_standalone_svgs():
    assert package.slug("Afprøvning til næste gang") == "afproevning-til-naeste-gang"
    assert package.slug("«»") == "chart"
    svg = package.standalone_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 96" width="100%" role="img" '
        'aria-label="x" style="max-width:720px"><title>x</title><rect/></svg>'
    )
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height"), root.get("style")) == ("720", "96", "background:#fff")


def test_the_notebooks_parameters_are_filled_in_the_parameters_cell():
    text = package.packaged_notebook("summary.ipynb", {"room_id": "abc", "db_url": "sqlite:///room.sqlite"}, "Note.")
    nb = json.loads(text)
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert "".join(cell["source"]) == "room_id = 'abc'\ndb_url = 'sqlite:///room.sqlite'"
    assert "".join(nb["cells"][0]["source"]).endswith("Note.")
    assert (config.notebooks_dir() / "summary.ipynb").exists()
