"""A participant kernel imports only what a phone's page needs: every kernel pays for each import."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "segno", "matplotlib", "pandas", "openpyxl", "nbconvert", "yaml", "pydantic", "jupyter_server")


def test_the_participant_app_does_not_import_what_only_the_moderator_or_the_export_needs():
    code = (
        f"import sys, json, bifrost_lab.ui.participant; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded == []
