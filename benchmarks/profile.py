"""py-spy helpers for the load benchmark: record a process, then print where its CPU went.

    .venv/bin/python benchmarks/room_load.py --participants 250 --burst 150 --profile /tmp/prof
    .venv/bin/python benchmarks/profile.py /tmp/prof/participant-server.speedscope.json

py-spy comes with `pip install -e '.[bench]'`. Samples are of active (on-CPU) threads only, so the
percentages are shares of the process's CPU time, not of the wall clock.
"""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path


def record(pid: int, seconds: float, output: Path) -> subprocess.Popen | None:
    """Start py-spy sampling `pid` for `seconds` into a speedscope file (None when py-spy is missing)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("profile: py-spy is not installed (pip install -e '.[bench]')", file=sys.stderr)
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "50",
            "--nonblocking",
            "--format",
            "speedscope",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _where(frame: dict) -> str:
    file = frame.get("file", "")
    for marker in ("site-packages/", "bifrost_lab/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1] if marker != "bifrost_lab/" else "bifrost_lab/" + file.split(marker, 1)[1]
            break
    return f"{frame['name']} ({file})"


def summarise(path: Path, top: int = 15) -> list[str]:
    """The functions with the largest inclusive and self shares of the samples in a speedscope file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    frames = data["shared"]["frames"]
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0.0
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"]):
            total += weight
            for name in {_where(frames[i]) for i in stack}:
                inclusive[name] += weight
            if stack:
                own[_where(frames[stack[-1]])] += weight
    if not total:
        return [f"{path.name}: no samples"]
    skip = (
        "run_forever",
        "_run_once",
        "<module>",
        "launch_instance",
        "_run_code",
        "_run_module_as_main",
        "Handle._run",
        "BaseAsyncIOLoop.start",
        "Voila.start",
        "Voila.listen",
        "Application.launch_instance",
    )
    unit = data["profiles"][0].get("unit", "samples") if data["profiles"] else "samples"
    lines = [f"{path.name}: {total:.1f} {unit} on CPU; inclusive share (top {top}):"]
    lines += [
        f"  {100 * count / total:5.1f} %  {name}"
        for name, count in inclusive.most_common(top + len(skip))
        if not name.split(" (")[0].endswith(skip)
    ][:top]
    lines.append("  self share (top 8):")
    lines += [f"  {100 * count / total:5.1f} %  {name}" for name, count in own.most_common(8)]
    return lines


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print("\n".join(summarise(Path(argument))))
