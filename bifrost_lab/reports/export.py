"""Export a room: execute notebooks/summary.ipynb in-process (nbclient) and render it with nbconvert.

The `bifrost_report` template drops code, prompts and every script, so the file works offline and
as an e-mail attachment. The programme synthesis runs notebooks/synthesis.ipynb the same way.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from bifrost_lab import config, store, textrules
from bifrost_lab.i18n import gettext_for, normalise_language

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "nbconvert"
SUMMARY_NOTEBOOK = "summary.ipynb"
SYNTHESIS_NOTEBOOK = "synthesis.ipynb"
PAPER_SIZES = ("A4", "letter")


def inject_parameters(nb: Any, parameters: dict[str, Any]) -> Any:
    """Insert an `injected-parameters` cell after the `parameters` cell (papermill's convention)."""
    nb = copy.deepcopy(nb)
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    injected = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
    nb.cells.insert(index + 1, injected)
    return nb


def execute_notebook(path: Path, parameters: dict[str, Any], *, timeout: int = 300) -> Any:
    """Run a notebook with parameters in a fresh kernel and return it with its outputs."""
    from nbclient import NotebookClient

    nb = inject_parameters(nbformat.read(path, as_version=4), parameters)
    NotebookClient(
        nb, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return nb


@lru_cache(maxsize=8)
def _exporter(language: str) -> Any:
    """One exporter per language and process: compiling the templates costs more than rendering a room."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """HTMLExporter without its final BeautifulSoup pass.

        That pass only adds alt texts to images without one and tabindex to notebook cells. The report
        has neither (every chart carries its own alt text, code cells are gone), and re-parsing a
        2,000-input summary took longer than executing it.
        """

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, dict[str, Any]]:  # type: ignore[override]  # HTML out, like nbconvert's HTMLExporter
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="python", parent=self))
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter(
        template_name="bifrost_report",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=language,
    )


_render_lock = threading.Lock()  # the cached exporter re-registers its filters on every call


def css_string(text: str) -> str:
    """Text as the inside of a CSS string: quotes and backslashes escaped, nothing that could end <style>."""
    return "".join(f"\\{ord(char):x} " if char in '"\\<>&' else char for char in " ".join(text.split()))


def render_html(nb: Any, title: str, language: str = "da") -> str:
    """Code-free HTML of an executed notebook with the bifrost_report template; the title runs atop printed pages."""
    nb.metadata["title"] = title
    nb.metadata["running_title"] = css_string(title)
    with _render_lock:
        body, _resources = _exporter(normalise_language(language)).from_notebook_node(nb)
    return body


def export_room_html(
    room_id: str,
    *,
    db_url: str | None = None,
    language: str | None = None,
    summary_points: Iterable[str] | None = None,
    hidden_cards: str = "mark",
    organiser: str = "",
    preface: str = "",
) -> str:
    """The knowledge summary of one room as a single HTML document.

    summary_points replaces the proposed resumé; hidden_cards is "mark" or "omit"; preface is the organiser's
    text on the cover (docs/export.md).
    """
    room, parameters = summary_parameters(
        room_id,
        db_url=db_url,
        language=language,
        summary_points=summary_points,
        hidden_cards=hidden_cards,
        organiser=organiser,
        preface=preface,
    )
    nb = execute_notebook(config.notebooks_dir() / SUMMARY_NOTEBOOK, parameters)
    return render_html(nb, summary_title(room, parameters["language"]), parameters["language"])


def summary_parameters(
    room_id: str,
    *,
    db_url: str | None = None,
    language: str | None = None,
    summary_points: Iterable[str] | None = None,
    hidden_cards: str = "mark",
    organiser: str = "",
    preface: str = "",
) -> tuple[store.Room, dict[str, Any]]:
    """The room and the values of the summary notebook's `parameters` cell (raises RoomNotFound)."""
    url = db_url or config.db_url()
    room = store.get_room(store.connect(url), room_id)
    if room is None:
        raise store.RoomNotFound(room_id)
    from bifrost_lab.rooms import room_language

    language = normalise_language(language or room_language(room))
    points = [p.strip() for p in summary_points or () if p and p.strip()] or None
    return room, {
        "room_id": room_id,
        "db_url": url,
        "language": normalise_language(language or room.language),
        "summary_points": points,
        "hidden_cards": hidden_cards,
        "organiser": organiser,
        "preface": (preface or "").strip(),
    }


def summary_title(room: store.Room, language: str) -> str:
    """The document title: "Vidensopsamling – <meeting>", DEMO first for a demo room."""
    from bifrost_lab.rooms import text

    title = f"{gettext_for(language)('Knowledge summary')} – {text(room.content['meeting']['title'], language)}"
    return _demo_title(title, language) if room.demo else title


def export_synthesis_html(
    programme_id: str, *, db_url: str | None = None, language: str = "da", include_demo: bool = False
) -> str:
    """The synthesis of every room of a programme as a single HTML document (demo rooms only with include_demo)."""
    from bifrost_lab.reports.synthesis import load_synthesis_data

    url = db_url or config.db_url()
    language = normalise_language(language)
    # Raises NoRoomsForProgramme early, before a kernel.
    data = load_synthesis_data(programme_id, url, language, include_demo=include_demo)
    nb = execute_notebook(
        config.notebooks_dir() / SYNTHESIS_NOTEBOOK,
        {"programme_id": programme_id, "db_url": url, "language": language, "include_demo": include_demo},
    )
    return render_html(nb, synthesis_title(data, language), language)


def synthesis_title(data: Any, language: str) -> str:
    """The synthesis's title: "Programsyntese – <programme>", DEMO first when demo rooms are in it."""
    title = f"{gettext_for(language)('Programme synthesis')} – {data.title}"
    return _demo_title(title, language) if data.demo else title


def _demo_title(title: str, language: str) -> str:
    """A demo document says so in its title too (the browser tab, the file's name when saved)."""
    from bifrost_lab.markup import demo_label

    return f"{demo_label(language)} · {title}"


class PdfUnavailable(RuntimeError):
    """WeasyPrint is there but cannot load the system's Pango library."""

    def __str__(self) -> str:
        return (
            f"cannot make a PDF: {self.args[0]}. Install Pango with `make pdf` "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)."
        )


def render_pdf(html: str, paper: str = "A4") -> bytes:
    """The printed document as PDF on A4 or Letter, laid out by WeasyPrint from the same HTML and print CSS.

    WeasyPrint (CSS paged media: page numbers, running title, break rules; SVG charts stay vectors) runs in
    this process and needs only Pango from the system (`make pdf`); docs/export.md says why not Chromium.
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper {paper!r}: expected one of {', '.join(PAPER_SIZES)}")
    try:
        from weasyprint import CSS, HTML
    except OSError as error:  # cffi could not open libpango / libpangoft2
        raise PdfUnavailable(str(error)) from error
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=f"@page {{ size: {paper}; }}")])


def read_summary_points(path: Path) -> list[str]:
    """Resumé points from a UTF-8 text file: one point per line; '-', '*' and '•' bullets and blank lines ignored."""
    points = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().lstrip("-*•").strip()
        if textrules.visible_text(line) and not line.startswith("#"):  # a line of zero-width spaces is blank too
            points.append(line)
    return points
