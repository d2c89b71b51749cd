"""The knowledge package: a room's summary, charts, raw data and notebook in one zip (issue 20).

`bifrost-lab export ROOM --package -o FILE.zip`, `bifrost-lab synthesis PROGRAMME --package -o FILE.zip` and the
console's button (ui/package_panel.py) make it. It can be made at any moment of a meeting: a package made before
the last step says so on the summary's cover and in its README. Contents (docs/export.md):

    README.txt                      what is in the package
    vidensopsamling.html / .pdf     the summary (the file name in the document's language), PDF on A4 or Letter
    charts/NN-<step>.svg / .png     every chart of the summary
    data/inputs.csv / .xlsx         the raw data, one row per input (the xlsx also has the codebook)
    data/codebook.csv               name, meaning, type and values of every column
    notebook/summary.ipynb          the notebook that made the summary, its parameters filled in …
    notebook/room.sqlite            … and a copy of just this room to run it against
"""

from __future__ import annotations

import html as html_lib
import io
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import nbformat

from bifrost_lab import config, i18n, store
from bifrost_lab.i18n import N_
from bifrost_lab.reports import export, rawdata

ROOM_DB = "room.sqlite"
PROGRAMME_DB = "programme.sqlite"
PNG_SCALE = 2  # PNG pixels per SVG unit: sharp on slides and in word processors
STORED = (".png", ".pdf", ".xlsx")  # already compressed

README_LINES = (
    ("{stem}.html", N_("The document: opens in any browser, prints, and can be sent on as it is.")),
    ("{stem}.pdf", N_("The same document as PDF ({paper}).")),
    ("charts/", N_("Every chart of the document, as SVG (vector: print, slides) and PNG.")),
    ("data/inputs.csv, data/inputs.xlsx", N_("The raw data: one row per input, participants as pseudonyms.")),
    (
        "data/codebook.csv",
        N_('What each column of the raw data means, its type and its values (also the sheet "codebook" in the xlsx).'),
    ),
    (
        "notebook/",
        N_(
            "The notebook that made the document, with its settings filled in, and a copy of the data it reads. "
            "Open it in JupyterLab with bifrost-lab installed and run all cells: it makes the same figures, and "
            "you can add your own analysis in new cells."
        ),
    ),
)
MSG_INTERIM = N_("Interim: the meeting was still going on when this package was made (step {n} of {total}).")
MSG_MADE = N_("Made {when} with BIFROST Lab.")


@dataclass(frozen=True)
class Chart:
    """One chart of a document as a standalone SVG file."""

    name: str  # file stem: "01-de-vigtigste-udfordringer"
    title: str  # the chart's alt text
    svg: str


@dataclass(frozen=True)
class Package:
    """What was written: the zip's members (name -> bytes) and how long it took."""

    files: dict[str, int]
    seconds: float
    interim: bool


def slug(text: str, limit: int = 48) -> str:
    """A file-name part from a title: æøå spelt out, ASCII letters and digits, words joined by '-'."""
    text = text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text)
    out = "-".join(words)[:limit].rstrip("-")
    return out or "chart"


_FIGURE = re.compile(r"<figure class=\"bf-figure\">(<svg\b.*?</svg>)<figcaption>(.*?)</figcaption></figure>", re.S)
_HEADING = re.compile(r"<h[23][^>]*>(.*?)</h[23]>", re.S)


def standalone_svg(svg: str) -> str:
    """An inline chart as an SVG file: its size from the viewBox, its own font (the page's CSS is not there)."""
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    width, height = (box.group(1), box.group(2)) if box else ("720", "400")
    head_end = svg.index(">")
    head = re.sub(r'\s(?:width|style)="[^"]*"', "", svg[:head_end])
    head += (
        f' width="{width}" height="{height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'
        ' style="background:#fff"'
    )
    body = svg[head_end:]
    white = f'<rect width="{width}" height="{height}" fill="#fff"/>'  # PNG viewers show transparency as black
    body = body.replace("</title>", "</title>" + white, 1) if "</title>" in body else ">" + white + body[1:]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + head + body + "\n"


def extract_charts(document: str) -> list[Chart]:
    """Every chart of an exported document, named after the heading above it (or its caption)."""
    charts = []
    for number, match in enumerate(_FIGURE.finditer(document), start=1):
        headings = _HEADING.findall(document, 0, match.start())
        label = html_lib.unescape(re.sub(r"<[^>]+>", "", headings[-1] if headings else match.group(2)))
        title = re.search(r"<title>(.*?)</title>", match.group(1), re.S)
        charts.append(
            Chart(
                f"{number:02d}-{slug(label)}",
                html_lib.unescape(title.group(1)) if title else label,
                standalone_svg(match.group(1)),
            )
        )
    return charts


def chart_png(svg: str, scale: float = PNG_SCALE) -> bytes:
    """A chart as PNG (CairoSVG, which needs Debian's libcairo2: `make pdf`)."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)


def packaged_notebook(name: str, parameters: dict[str, Any], note: str) -> str:
    """A notebook of notebooks/ with its `parameters` cell filled in (so JupyterLab runs it as it was run)."""
    nb = nbformat.read(config.notebooks_dir() / name, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
        elif cell.cell_type == "markdown" and "remove_cell" in cell.get("metadata", {}).get("tags", []):
            cell.source = f"{cell.source}\n\n{note}"
    return nbformat.writes(nb)


def copy_rooms_to_sqlite(db_url: str, room_ids: Sequence[str], path: Path) -> None:
    """A SQLite file with just these rooms (the `db copy` logic), scrubbed to leave the organisation."""
    from bifrost_lab.cli.db import copy_rooms

    target = store.Database(f"sqlite:///{path}")
    try:
        store.migrate(target)
        report = copy_rooms(store.connect(db_url), target, room_ids=list(room_ids))
        if not report.ok:
            raise store.StoreError("; ".join(report.conflicts + report.missing))
        for room_id in room_ids:
            store.scrub_for_sharing(target, room_id)
    finally:
        target.close()
    store.seal_sqlite_file(str(path))


def _data_files(frame: Any, rows: list[dict[str, str]]) -> dict[str, bytes]:
    """inputs.csv (UTF-8 with BOM, so Excel reads æøå), inputs.xlsx with the codebook sheet, codebook.csv."""
    import pandas as pd

    codebook = pd.DataFrame(rows, columns=["name", "meaning", "type", "values"])
    xlsx = io.BytesIO()
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="inputs")
        codebook.to_excel(writer, index=False, sheet_name="codebook")
    return {
        "data/inputs.csv": frame.to_csv(index=False).encode("utf-8-sig"),
        "data/inputs.xlsx": xlsx.getvalue(),
        "data/codebook.csv": codebook.to_csv(index=False).encode("utf-8-sig"),
    }


def _chart_files(document: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for chart in extract_charts(document):
        files[f"charts/{chart.name}.svg"] = chart.svg.encode("utf-8")
        files[f"charts/{chart.name}.png"] = chart_png(chart.svg)
    return files


def _readme(title: str, stem: str, paper: str, language: str, interim: str) -> bytes:
    _ = i18n.gettext_for(language)
    lines = [title, "=" * len(title), ""]
    if interim:
        lines += [interim, ""]
    lines += [_(MSG_MADE).format(when=i18n.format_date(time.time(), language, with_time=True)), ""]
    for name, text in README_LINES:
        lines.append(name.format(stem=stem))
        lines.append("    " + _(text).format(paper="Letter" if paper == "letter" else paper))
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_zip(out: Path | IO[bytes], files: dict[str, bytes]) -> None:
    """The members in the order given; PNG, PDF and xlsx stored as they are (they are compressed already)."""
    now = time.localtime()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, content in files.items():
            member = zipfile.ZipInfo(name, date_time=now)
            member.external_attr = 0o644 << 16  # readable for everyone once unpacked
            member.compress_type = zipfile.ZIP_STORED if name.endswith(STORED) else zipfile.ZIP_DEFLATED
            archive.writestr(member, content)


def _stem(language: str, what: str) -> str:
    return slug(i18n.gettext_for(language)(what), 40)


class _Workers:
    """The PDF in a process of its own and the data files in a thread, while the notebook runs in its kernel.

    WeasyPrint's layout is the longest part of a large room's package and holds the GIL; in a process of its
    own (reports/_pdf_worker.py, started first so that it has imported WeasyPrint by the time the HTML is
    ready) the charts, the raw data and the database copy are made meanwhile. If that process cannot be
    started, the PDF is made here.
    """

    def __enter__(self) -> _Workers:
        self.threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bifrost-package")
        self.paper = ""
        self.worker: subprocess.Popen[bytes] | None = None
        return self

    def start_pdf(self, paper: str) -> None:
        self.paper = paper
        try:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "bifrost_lab.reports._pdf_worker", paper],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError:
            self.worker = None

    def __exit__(self, *exc: object) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()
        self.threads.shutdown(wait=True)

    def in_thread(self, job: Callable[[], Any]) -> Future[Any]:
        return self.threads.submit(job)

    def pdf(self, document: str) -> Callable[[], bytes]:
        """Hand the document to the PDF process; the returned function waits for the PDF."""
        worker = self.worker
        if worker is None:
            return lambda: export.render_pdf(document, self.paper)
        done = self.threads.submit(worker.communicate, document.encode("utf-8"))

        def result() -> bytes:
            pdf, errors = done.result()
            if worker.returncode == 0:
                return pdf
            message = errors.decode("utf-8", "replace").strip().splitlines()
            raise export.PdfUnavailable(message[-1] if message else f"exit status {worker.returncode}")

        return result


def _assemble(
    out: Path | IO[bytes],
    *,
    make_document: Callable[[], tuple[str, str]],
    make_data: Callable[[], dict[str, bytes]],
    stem: str,
    paper: str,
    language: str,
    interim: str,
) -> Package:
    """Run the pieces side by side and write the zip: README, document (HTML, PDF), charts, data, notebook."""
    start = time.perf_counter()
    with _Workers() as workers:
        workers.start_pdf(paper)
        data = workers.in_thread(make_data)
        title, document = make_document()
        pdf = workers.pdf(document)
        charts = _chart_files(document)
        files = {
            "README.txt": _readme(title, stem, paper, language, interim),
            f"{stem}.html": document.encode("utf-8"),
            f"{stem}.pdf": pdf(),
            **charts,
            **data.result(),
        }
    write_zip(out, files)
    return Package({name: len(content) for name, content in files.items()}, time.perf_counter() - start, bool(interim))


def build_room_package(
    room_id: str,
    out: Path | IO[bytes],
    *,
    db_url: str | None = None,
    language: str | None = None,
    summary_points: Iterable[str] | None = None,
    hidden_cards: str = "mark",
    organiser: str = "",
    preface: str = "",
    paper: str = "A4",
) -> Package:
    """Write the knowledge package of a room to `out` (a path or a binary file); raises RoomNotFound."""
    from bifrost_lab.reports.summary import room_in_progress

    if paper not in export.PAPER_SIZES:
        raise ValueError(f"paper {paper!r}: expected one of {', '.join(export.PAPER_SIZES)}")
    room, parameters = export.summary_parameters(
        room_id,
        db_url=db_url,
        language=language,
        summary_points=summary_points,
        hidden_cards=hidden_cards,
        organiser=organiser,
        preface=preface,
    )
    url, lang = parameters["db_url"], parameters["language"]
    _ = i18n.gettext_for(lang)

    def make_document() -> tuple[str, str]:
        title = export.summary_title(room, lang)
        nb = export.execute_notebook(config.notebooks_dir() / export.SUMMARY_NOTEBOOK, parameters)
        return title, export.render_html(nb, title, lang)

    def make_data() -> dict[str, bytes]:
        note = _("This copy reads {db}, a copy of the meeting's data next to it.").format(db=ROOM_DB)
        notebook = packaged_notebook(export.SUMMARY_NOTEBOOK, {**parameters, "db_url": f"sqlite:///{ROOM_DB}"}, note)
        return {
            **_data_files(rawdata.raw_frame(room_id, url, lang), rawdata.codebook([room], lang)),
            "notebook/summary.ipynb": notebook.encode("utf-8"),
            f"notebook/{ROOM_DB}": _sqlite_bytes(url, [room_id], ROOM_DB),
        }

    steps = len(room.content["meeting"]["steps"])
    interim = _(MSG_INTERIM).format(n=room.step_index + 1, total=steps) if room_in_progress(room) else ""
    return _assemble(
        out,
        make_document=make_document,
        make_data=make_data,
        stem=_stem(lang, "Knowledge summary"),
        paper=paper,
        language=lang,
        interim=interim,
    )


def build_synthesis_package(
    programme_id: str,
    out: Path | IO[bytes],
    *,
    db_url: str | None = None,
    language: str = "da",
    include_demo: bool = False,
    paper: str = "A4",
) -> Package:
    """Write the package of a programme's synthesis (every room's data); raises NoRoomsForProgramme."""
    import pandas as pd

    from bifrost_lab.reports.summary import room_in_progress
    from bifrost_lab.reports.synthesis import load_synthesis_data

    if paper not in export.PAPER_SIZES:
        raise ValueError(f"paper {paper!r}: expected one of {', '.join(export.PAPER_SIZES)}")
    url = db_url or config.db_url()
    lang = i18n.normalise_language(language)
    _ = i18n.gettext_for(lang)
    syn = load_synthesis_data(programme_id, url, lang, include_demo=include_demo)
    parameters = {"programme_id": programme_id, "db_url": url, "language": lang, "include_demo": include_demo}
    room_ids = [d.room.id for d in syn.rooms]

    def make_document() -> tuple[str, str]:
        title = export.synthesis_title(syn, lang)
        nb = export.execute_notebook(config.notebooks_dir() / export.SYNTHESIS_NOTEBOOK, parameters)
        return title, export.render_html(nb, title, lang)

    def make_data() -> dict[str, bytes]:
        frame = pd.concat([rawdata.raw_frame(room_id, url, lang) for room_id in room_ids], ignore_index=True)
        note = _("This copy reads {db}, a copy of the meeting's data next to it.").format(db=PROGRAMME_DB)
        notebook = packaged_notebook(
            export.SYNTHESIS_NOTEBOOK, {**parameters, "db_url": f"sqlite:///{PROGRAMME_DB}"}, note
        )
        return {
            **_data_files(frame, rawdata.codebook([d.room for d in syn.rooms], lang)),
            "notebook/synthesis.ipynb": notebook.encode("utf-8"),
            f"notebook/{PROGRAMME_DB}": _sqlite_bytes(url, room_ids, PROGRAMME_DB),
        }

    running = sum(room_in_progress(d.room) for d in syn.rooms)
    interim = (
        _("Interim: {n} of its meetings were still going on when this package was made.").format(n=running)
        if running
        else ""
    )
    return _assemble(
        out,
        make_document=make_document,
        make_data=make_data,
        stem=_stem(lang, "Programme synthesis"),
        paper=paper,
        language=lang,
        interim=interim,
    )


def _sqlite_bytes(db_url: str, room_ids: Sequence[str], name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="bifrost-package-") as tmp:
        path = Path(tmp) / name
        copy_rooms_to_sqlite(db_url, room_ids, path)
        return path.read_bytes()
