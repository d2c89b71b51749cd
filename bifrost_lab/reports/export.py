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


def render_html(nb: Any, title: str, language: str = "da") -> str:
    """Code-free HTML of an executed notebook with the bifrost_report template."""
    nb.metadata["title"] = title
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
) -> str:
    """The knowledge summary of one room as a single HTML document.

    summary_points replaces the proposed resumé; hidden_cards is "mark" or "omit" (docs/export.md).
    """
    url = db_url or config.db_url()
    from bifrost_lab.rooms import room_language, text

    room = store.get_room(store.connect(url), room_id)
    if room is None:
        raise store.RoomNotFound(room_id)
    language = normalise_language(language or room_language(room))
    points = [p.strip() for p in summary_points or () if p and p.strip()] or None
    nb = execute_notebook(
        config.notebooks_dir() / SUMMARY_NOTEBOOK,
        {
            "room_id": room_id,
            "db_url": url,
            "language": language,
            "summary_points": points,
            "hidden_cards": hidden_cards,
            "organiser": organiser,
        },
    )
    title = f"{gettext_for(language)('Knowledge summary')} – {text(room.content['meeting']['title'], language)}"
    return render_html(nb, _demo_title(title, language) if room.demo else title, language)


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
    title = f"{gettext_for(language)('Programme synthesis')} – {data.title}"
    return render_html(nb, _demo_title(title, language) if data.demo else title, language)


def _demo_title(title: str, language: str) -> str:
    """A demo document says so in its title too (the browser tab, the file's name when saved)."""
    from bifrost_lab.markup import demo_label

    return f"{demo_label(language)} · {title}"


def read_summary_points(path: Path) -> list[str]:
    """Resumé points from a UTF-8 text file: one point per line; '-', '*' and '•' bullets and blank lines ignored."""
    points = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().lstrip("-*•").strip()
        if textrules.visible_text(line) and not line.startswith("#"):  # a line of zero-width spaces is blank too
            points.append(line)
    return points
