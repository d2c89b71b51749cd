"""The browser widgets: their JavaScript lives in .js files that parse, ship with the package and reach the page."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from bifrost_lab.ui import browser
from bifrost_lab.ui.browser import BrowserBridge, Countdown

UI = Path(browser.__file__).parent
SCRIPTS = sorted(UI.glob("*.js"))
ROOT = Path(__file__).resolve().parent.parent


def test_each_widget_loads_its_own_module():
    assert {p.name for p in SCRIPTS} >= {"browser.js", "countdown.js"}
    assert BrowserBridge().get_state()["_esm"] == (UI / "browser.js").read_text()
    assert Countdown().get_state()["_esm"] == (UI / "countdown.js").read_text()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_javascript_parses_as_an_es_module(script, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the JavaScript syntax check needs it (apt-get install nodejs)")
    module = tmp_path / f"{script.stem}.mjs"  # .mjs: node checks it as an ES module whatever its version
    module.write_text(script.read_text())
    checked = subprocess.run([node, "--check", str(module)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "export default" in script.read_text()


def test_the_javascript_ships_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["bifrost_lab"]
    assert all(any(Path("ui", p.name).match(pattern) for pattern in patterns) for p in SCRIPTS)
