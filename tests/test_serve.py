"""`serve` options for a proxy: the nginx site it prints, the errors it explains, the banner it shows."""

from __future__ import annotations

import json
import os

import pytest

from bifrost_lab import store
from bifrost_lab.cli import main as cli
from bifrost_lab.cli.db import safe_url
from bifrost_lab.server.serve import WARM_KERNELSPEC, ServeOptions, build_servers, print_banner, render_nginx_config


def test_the_site_has_one_upstream_per_participant_server_and_no_placeholders():
    site = render_nginx_config(
        ServeOptions(participant_port=9000, participant_servers=3, public_url="http://lab.example.dk:8080")
    )
    assert [line.strip() for line in site.splitlines() if line.strip().startswith("server 127.0.0.1:")] == [
        f"server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;" for port in (9000, 9001, 9002)
    ]
    assert "listen 8080;" in site and "server_name lab.example.dk;" in site
    assert "{{" not in site and "Secure" not in site and "ssl" not in site
    assert "bifrost_moderator" not in site  # no moderator block unless asked for
    directives = [line.strip() for line in site.splitlines() if not line.strip().startswith("#")]
    assert "hash $bifrost_route consistent;" in directives and not any(d.startswith("ip_hash") for d in directives)


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--print-nginx-config"], "needs --public-url"),
        (["--public-url", "lab.example.dk", "--print-nginx-config"], "must look like https://"),
        (["--public-url", "https://example.dk/lab/", "--print-nginx-config"], "root of its host name"),
        (
            [
                "--public-url",
                "https://lab.example.dk/",
                "--moderator-public-url",
                "https://m.example.dk/",
                "--print-nginx-config",
            ],
            "needs --moderator-token",
        ),
        (
            [
                "--public-url",
                "https://lab.example.dk/",
                "--moderator-public-url",
                "https://lab.example.dk/",
                "--moderator-token",
                "t",
                "--print-nginx-config",
            ],
            "its own host name",
        ),
    ],
)
def test_print_nginx_config_explains_what_is_missing(argv, says, capsys):
    assert cli.main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_database_urls_are_shown_without_their_password():
    assert (
        safe_url("postgresql+psycopg://bifrost:hunter2@db:5432/bifrost")
        == "postgresql+psycopg://bifrost:***@db:5432/bifrost"
    )


def test_the_projector_shows_the_public_url_and_the_banner_lists_the_servers(tmp_path, capsys):
    options = ServeOptions(
        participant_servers=2,
        public_url="https://lab.example.dk",
        moderator_public_url="https://moderator.lab.example.dk/",
        moderator_token="tok",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    servers, moderator_url, participant_url = build_servers(options)
    assert participant_url == "https://lab.example.dk/"
    assert servers[0].env["BIFROST_PARTICIPANT_URL"] == "https://lab.example.dk/"
    assert moderator_url == "https://moderator.lab.example.dk/?token=tok"
    assert [s.port for s in servers[1:]] == [8867, 8868]
    print_banner(moderator_url, participant_url, options.db_url, True, [8867, 8868])
    out = capsys.readouterr().out
    assert "8867, 8868" in out and "this laptop only" not in out
    store.dispose_all()


def test_serve_says_which_port_is_taken_before_starting_anything(tmp_path, monkeypatch, capsys):
    import socket

    monkeypatch.setenv("BIFROST_DB_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        code = cli.main(
            [
                "serve",
                "--no-browser",
                "--host",
                "127.0.0.1",
                "--participant-servers",
                "2",
                "--participant-port",
                str(taken - 1),
                "--moderator-port",
                str(taken - 2),
            ]
        )
    store.dispose_all()
    assert code == 2
    err = capsys.readouterr().err
    assert f"port {taken} (participant-2 server) is in use" in err


def test_participant_servers_start_warm_kernels_unless_told_to_spawn(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    for kernel_start, warm in (("fork", True), ("spawn", False)):
        servers, _, _ = build_servers(ServeOptions(participant_servers=2, db_url=db_url, kernel_start=kernel_start))
        moderator, participants = servers[0], servers[1:]
        assert str(WARM_KERNELSPEC) not in moderator.env["JUPYTER_PATH"]  # the moderator keeps plain kernels
        for server in participants:
            assert (
                server.env["JUPYTER_PATH"].split(os.pathsep)[0] == str(WARM_KERNELSPEC)
                if warm
                else str(WARM_KERNELSPEC) not in server.env["JUPYTER_PATH"]
            )
    spec = json.loads((WARM_KERNELSPEC / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["metadata"]["kernel_provisioner"]["provisioner_name"] == "bifrost-fork"
    assert "bifrost_lab.ui.participant" in spec["metadata"]["kernel_provisioner"]["config"]["preload"]
    assert cli.build_parser().parse_args(["serve"]).kernel_start == "fork"
    store.dispose_all()


def test_the_known_harmless_warnings_of_every_start_are_filtered_out(tmp_path):
    """Issue 22: `serve` printed Voila's 'not trusted' and every kernel's 'TCP without encryption' at each start."""
    import logging

    from bifrost_lab.server import quiet
    from bifrost_lab.server.serve import QUIET_KERNELSPEC

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("Voila", logging.WARNING, __file__, 1, message, None, None)

    dropped = quiet.HarmlessFilter()
    assert not dropped.filter(record("Notebook moderator.ipynb is not trusted"))
    assert not dropped.filter(record("Kernel is running over TCP without encryption. All communication (…)"))
    assert not dropped.filter(
        record("The websocket_ping_timeout (90000) cannot be longer than the websocket_ping_interval")
    )
    assert dropped.filter(record("Kernel died unexpectedly"))  # anything else still reaches the terminal
    quiet.silence("bifrost-test-quiet")
    quiet.silence("bifrost-test-quiet")
    assert len(logging.getLogger("bifrost-test-quiet").filters) == 1

    servers, _, _ = build_servers(
        ServeOptions(db_url=f"sqlite:///{tmp_path / 'db.sqlite'}", kernel_start="spawn", participant_servers=1)
    )
    for server in servers:
        assert server.command[1:4] == ["-m", "bifrost_lab.server.quiet", "voila"]
        assert server.env["JUPYTER_PATH"].split(os.pathsep)[0] == str(QUIET_KERNELSPEC)  # its kernels are quiet too
    spec = json.loads((QUIET_KERNELSPEC / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][:4] == ["python", "-m", "bifrost_lab.server.quiet", "kernel"]
    store.dispose_all()
