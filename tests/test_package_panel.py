"""The console's knowledge package panel, clicked in-process: preface field, button, download."""

from __future__ import annotations

import io
import zipfile

from bifrost_lab import rooms, store
from bifrost_lab.ui.package_panel import PackagePanel, package_filename, preface_field


class Recorder:
    def __init__(self):
        self.files: list[tuple[str, bytes, str]] = []

    def download_bytes(self, filename, content, mime):
        self.files.append((filename, content, mime))


def test_the_button_downloads_the_package_with_the_preface_on_the_cover(sqlite_url, library):
    engine = store.connect(sqlite_url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    bridge = Recorder()
    panel = PackagePanel(bridge, lambda: room, sqlite_url, "da")
    panel.preface.value = "  Kære styregruppe <b>\n\nGod læsning.  "
    panel.button.click()
    [(name, content, mime)] = bridge.files
    assert name == package_filename(room, "da") and name.startswith("videnspakke-bif-m1-") and mime == "application/zip"
    html = zipfile.ZipFile(io.BytesIO(content)).read("vidensopsamling.html").decode("utf-8")
    assert "<p>Kære styregruppe &lt;b&gt;</p><p>God læsning.</p>" in html
    assert "Foreløbig opsamling" in html  # made at the first step: interim
    assert "Videnspakken er hentet" in panel.status.value and not panel.button.disabled
    store.dispose_all()


def test_without_a_room_the_panel_says_so_instead_of_failing(sqlite_url):
    bridge = Recorder()
    panel = PackagePanel(bridge, lambda: None, sqlite_url, "en")
    panel.button.click()
    assert bridge.files == [] and "Open a room first" in panel.status.value
    assert preface_field("fi").placeholder.startswith("Järjestäjän")
