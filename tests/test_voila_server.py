"""What the Voila servers load from bifrost_lab.server.kernels: pages share compiled templates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jinja2
import pytest
from helpers import in_own_thread
from voila.exporter import VoilaExporter

from bifrost_lab.server import kernels
from bifrost_lab.server.serve import VOILA_TEMPLATES


def exporter(template_dir: Path) -> VoilaExporter:
    return VoilaExporter(template_paths=[str(template_dir)], template_name="t")


def compile_calls(env: jinja2.Environment) -> list[str]:
    calls: list[str] = []
    original = env.compile

    def counting(source, name=None, filename=None, *args, **kwargs):
        calls.append(name)
        return original(source, name, filename, *args, **kwargs)

    env.compile = counting  # type: ignore[method-assign]
    return calls


def test_a_second_page_reuses_the_first_pages_compiled_templates_and_sees_edits(tmp_path):
    in_own_thread(_second_page_reuses_compiled_templates, tmp_path)  # Jinja's async render uses asyncio.run


def _second_page_reuses_compiled_templates(tmp_path: Path) -> None:
    kernels.share_compiled_templates()
    kernels.share_compiled_templates()  # idempotent: the kernel manager may be made more than once
    (tmp_path / "page.j2").write_text("{% do items.append(1) %}{{ title | upper }} {{ items | length }}")

    first, second = exporter(tmp_path).environment, exporter(tmp_path).environment
    assert first is not second  # Voila's behaviour: a new environment per page
    assert first.bytecode_cache is second.bytecode_cache is kernels.TEMPLATE_CODE
    first_calls, second_calls = compile_calls(first), compile_calls(second)

    assert first.get_template("page.j2").render(title="a", items=[]) == "A 1"
    assert second.get_template("page.j2").render(title="b", items=[]) == "B 1"
    assert first_calls == ["page.j2"] and second_calls == []

    (tmp_path / "page.j2").write_text("{{ title }} edited")
    assert exporter(tmp_path).environment.get_template("page.j2").render(title="c") == "c edited"


def test_the_bifrost_page_template_is_compiled_once_for_many_pages():
    kernels.share_compiled_templates()
    paths = [str(VOILA_TEMPLATES / "voila" / "templates" / "bifrost")]
    environments = [VoilaExporter(template_paths=paths, template_name="bifrost").environment for _ in range(2)]
    environments[0].get_template("index.html.j2")
    calls = compile_calls(environments[1])
    environments[1].get_template("index.html.j2")
    assert calls == []


def test_the_kernel_managers_zmq_context_takes_more_than_1023_sockets():
    """ZeroMQ's default of 1,023 sockets per context broke the ~170th participant page."""
    import zmq

    manager = kernels.HandoutAwareKernelManager()
    with pytest.raises(KeyError):  # jupyter_server's answer for an unknown kernel: our culling bookkeeping exists
        in_own_thread(asyncio.run, manager.cull_kernel_if_idle("no-such-kernel"))
    context = manager.context
    sockets = []
    try:
        for _ in range(1100):
            sockets.append(context.socket(zmq.PAIR))
    finally:
        for socket in sockets:
            socket.close(linger=0)
        context.term()
    assert len(sockets) == 1100


def test_serve_raises_the_open_files_limit_for_its_servers():
    import resource
    import subprocess
    import sys

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(256, hard)
    code = (
        "import resource; from bifrost_lab.server.serve import raise_open_files_limit; "
        "print(raise_open_files_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard)),
    ).stdout.split()
    expected = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    assert int(out[0]) == int(out[1]) == max(low, expected)
