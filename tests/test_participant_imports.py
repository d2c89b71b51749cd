"""A participant kernel imports only what a phone's page needs: every kernel pays for each import."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "segno", "matplotlib", "pandas", "openpyxl", "nbconvert", "yaml", "pydantic", "jupyter_server")
MODERATOR_ONLY = (
    "bifrost_lab.ui.moderator",
    "bifrost_lab.reports.summary",
    "bifrost_lab.reports.export",
    "bifrost_lab.reports.synthesis",
    "bifrost_lab.reports.catalogue",
    "bifrost_lab.reports.rawdata",
    "bifrost_lab.server.serve",
    "bifrost_lab.cli.main",
)


def test_the_participant_app_does_not_import_what_only_the_moderator_or_the_export_needs():
    code = (
        f"import sys, json, bifrost_lab.ui.participant; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded == []


def test_the_participant_app_does_not_import_the_console_or_the_exports():
    code = (
        "import sys, json, bifrost_lab.ui.participant; "
        f"print(json.dumps([m for m in {MODERATOR_ONLY!r} if m in sys.modules]))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded == []
