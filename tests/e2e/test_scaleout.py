"""Two participant servers on PostgreSQL behind Debian's nginx, configured as docs/deploy.md says.

Participants land on both servers; each page's websocket reaches the server that rendered it; the
projector (moderator app, with a token) shows everyone's cards; step changes reach both servers.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest
from helpers import free_port, wait_for_port

from bifrost_lab import store

from .conftest import ARTIFACTS, Servers, choose, offline_context, screenshot, stop_servers
from .test_room_loop import question, wait_board

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TOKEN = "moderator-secret-for-the-test"

# The main nginx.conf Debian ships, reduced to what a site needs and pointed at the test's folder:
# http { include mime.types; include sites-enabled/*; }.
MAIN_CONF = """\
{user}
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 768; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/sites-enabled/*;
}}
"""


@pytest.fixture(scope="module")
def pg_database(pg_admin):
    name = f"bifrost_scaleout_{uuid.uuid4().hex[:10]}"
    pg_admin.execute(f'CREATE DATABASE "{name}"')
    yield name, pg_admin.database_url(name)
    store.dispose_all()
    pg_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def render_site(servers, public_url: str, moderator_url: str, access_log: Path) -> str:
    """The site config exactly as the documented command prints it; only the log goes to the test folder."""
    site = subprocess.run(
        [
            sys.executable,
            "-m",
            "bifrost_lab.cli.main",
            "serve",
            "--participant-port",
            str(servers.participant_port),
            "--participant-servers",
            "2",
            "--public-url",
            public_url,
            "--moderator-port",
            servers.moderator_url.rsplit(":", 1)[1].strip("/"),
            "--moderator-public-url",
            moderator_url,
            "--moderator-token",
            TOKEN,
            "--print-nginx-config",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert site.count("access_log /var/log/nginx/bifrost-lab.access.log bifrost_route;") == 2
    return site.replace("/var/log/nginx/bifrost-lab.access.log", str(access_log))


def start_nginx(root: Path, site: str, *ports: int) -> subprocess.Popen:
    for folder in ("sites-enabled", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "sites-enabled" / "bifrost-lab").write_text(site, encoding="utf-8")
    user = "user root;" if os.geteuid() == 0 else ""  # workers must reach the 0700 test folder
    (root / "nginx.conf").write_text(MAIN_CONF.format(root=root, user=user), encoding="utf-8")
    check = subprocess.run(
        [NGINX, "-t", "-p", str(root), "-c", str(root / "nginx.conf")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(root / "nginx.out").open("w"),
    )
    try:
        for port in ports:
            wait_for_port(port, timeout=15)
    except TimeoutError:
        process.kill()
        raise AssertionError((root / "nginx.out").read_text() + _tail(root / "error.log")) from None
    return process


def _tail(path: Path) -> str:
    return path.read_text()[-2000:] if path.exists() else ""


def _two_free_ports() -> int:
    """A port whose next port is free too (the second participant server takes it)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no two consecutive free ports")


def start_two_participant_servers(root: Path, db_url: str, *extra: str) -> Servers:
    """`bifrost-lab serve --participant-servers 2` as in docs/deploy.md, on free loopback ports."""
    moderator_port, participant_port = free_port(), _two_free_ports()
    log = root / "serve.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bifrost_lab.cli.main",
            "serve",
            "--no-browser",
            "--host",
            "127.0.0.1",
            "--moderator-port",
            str(moderator_port),
            "--participant-port",
            str(participant_port),
            "--participant-servers",
            "2",
            "--pool-size",
            "1",
            *extra,
        ],
        env={**os.environ, "BIFROST_DB_URL": db_url},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    servers = Servers(
        process,
        db_url,
        f"http://127.0.0.1:{moderator_port}/",
        f"http://127.0.0.1:{participant_port}/",
        participant_port,
        log,
    )
    try:
        for port in (moderator_port, participant_port, participant_port + 1):
            wait_for_port(port)
    except TimeoutError:
        stop_servers(servers)  # no half-started servers left behind
        raise
    return servers


@pytest.fixture(scope="module")
def farm(tmp_path_factory, pg_database):
    """Moderator + two participant servers (`serve --participant-servers 2`) on PostgreSQL, nginx in front."""
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is missing: run `make nginx` (apt-get install nginx).")
    root = tmp_path_factory.mktemp("scaleout")
    nginx_port, nginx_moderator_port = free_port(), free_port()
    public_url = f"http://127.0.0.1:{nginx_port}/"
    moderator_url = f"http://127.0.0.1:{nginx_moderator_port}/"
    _name, db_url = pg_database
    # docs/deploy.md steps 3 and 4: create the schema, bring a laptop's room along.
    laptop = f"sqlite:///{root / 'laptop.sqlite'}"
    subprocess.run(
        [sys.executable, "-m", "bifrost_lab.cli.main", "demo", "--participants", "3"],
        check=True,
        capture_output=True,
        env={**os.environ, "BIFROST_DB_URL": laptop},
    )
    for command in (["db", "migrate", "--url", db_url], ["db", "copy", "--from", laptop, "--to", db_url]):
        subprocess.run([sys.executable, "-m", "bifrost_lab.cli.main", *command], check=True, capture_output=True)
    servers = start_two_participant_servers(
        root, db_url, "--public-url", public_url, "--moderator-public-url", moderator_url, "--moderator-token", TOKEN
    )
    try:
        site = render_site(servers, public_url, moderator_url, root / "access.log")
        nginx = start_nginx(root / "nginx", site, nginx_port, nginx_moderator_port)
    except BaseException:
        stop_servers(servers)
        raise
    yield {
        "servers": servers,
        "db_url": db_url,
        "public_url": public_url,
        "moderator_url": moderator_url,
        "root": root,
        "ports": [servers.participant_port, servers.participant_port + 1],
        "log": root / "access.log",
        "database": pg_database[0],
    }
    nginx.send_signal(signal.SIGQUIT)  # graceful stop
    try:
        nginx.wait(10)
    except subprocess.TimeoutExpired:
        nginx.kill()
    stop_servers(servers)


def _log_lines(log: Path) -> list[dict[str, str]]:
    pattern = re.compile(
        r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) (?P<bytes>\d+) '
        r"route=(?P<route>\S+) upstream=(?P<upstream>.+)$"
    )
    return [m.groupdict() for m in map(pattern.search, log.read_text().splitlines()) if m]


def _routes_to_each_server(farm) -> dict[str, str]:
    """A route cookie value for each participant server, found by asking nginx (a 404 costs no kernel)."""
    found: dict[str, str] = {}
    for index in range(40):
        route = f"probe{index}"
        request = urllib.request.Request(
            f"{farm['public_url']}voila/static/no-such-file", headers={"Cookie": f"bifrost_route={route}"}
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError:
            pass
        time.sleep(0.05)
        upstream = next(line["upstream"] for line in _log_lines(farm["log"]) if line["route"] == route)
        found.setdefault(upstream, route)
        if len(found) == 2:
            return found
    raise AssertionError(f"all probe routes went to {list(found)}")


def _server_of(page, farm) -> int:
    """The port of the participant server that holds this page's kernel."""
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    owners = []
    for port in farm["ports"]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernels/{kernel_id}", timeout=5) as r:
                owners.append((port, json.load(r)["connections"]))
        except urllib.error.URLError:  # 404: not this server's kernel; refused: the server is down
            pass
    assert len(owners) == 1 and owners[0][1] >= 1, f"kernel {kernel_id} on {owners}"
    return owners[0][0]


def _is_kernel(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(process.cmdline())
    except psutil.Error:  # it has just ended
        return False


def _participant_kernels(servers, port: int) -> int:
    voila = next(p for p in psutil.Process(servers.process.pid).children() if f"--port={port}" in p.cmdline())
    return sum(1 for c in voila.children(recursive=True) if _is_kernel(c))


def _join(browser, farm, code: str, role: str, route: str | None = None):
    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    if route:
        context.add_cookies([{"name": "bifrost_route", "value": route, "url": farm["public_url"]}])
    page = context.new_page()
    page.goto(f"{farm['public_url']}?code={code}")
    page.wait_for_selector(".bf-role-input select", timeout=120_000)
    choose(page, ".bf-role-input select", role)
    page.click(".bf-join-button")
    page.wait_for_selector(".bf-question")
    return context, page


def test_participants_on_both_servers_meet_on_one_projector(browser, farm, capsys, pg_admin):
    servers = farm["servers"]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as refused:  # without its token the moderator app sends to login
        urllib.request.build_opener(NoRedirect).open(farm["moderator_url"], timeout=30)
    assert refused.value.code == 302 and "/login" in refused.value.headers["Location"]

    mod_context = offline_context(browser, viewport={"width": 1920, "height": 1080})
    moderator = mod_context.new_page()
    moderator.goto(f"{farm['moderator_url']}?token={TOKEN}")  # through nginx, like a remote facilitator
    moderator.wait_for_selector(".bf-open-room", timeout=120_000)  # first render; CI machines are busy
    choose(moderator, ".bf-programme-input select", "BIFROST")
    choose(moderator, ".bf-meeting-input select", "Fælles afsæt")
    moderator.click(".bf-open-room")
    code = moderator.wait_for_selector(".bf-join-code").inner_text().strip()
    assert farm["public_url"].split("://")[1].rstrip("/") in moderator.inner_text("body")  # the nginx address

    routes = _routes_to_each_server(farm)
    a_context, alice = _join(browser, farm, code, "Arbejdsmiljørådgiver")  # nginx picks her server
    alice_route = next(c["value"] for c in a_context.cookies() if c["name"] == "bifrost_route")
    alice_port = _server_of(alice, farm)
    other = next(route for upstream, route in routes.items() if not upstream.endswith(f":{alice_port}"))
    b_context, bob = _join(browser, farm, code, "Ejerleder", route=other)
    bob_port = _server_of(bob, farm)
    assert {alice_port, bob_port} == set(farm["ports"])

    first_question = question(alice)
    moderator.click(".bf-next")
    moderator.click(".bf-next")  # step 3: cards
    for page in (alice, bob):
        page.wait_for_function(
            "q => document.querySelector('.bf-question').innerText !== q", arg=first_question, timeout=10_000
        )
        page.wait_for_selector(".bf-card-input textarea")
    assert question(alice) == question(bob)
    alice.fill(".bf-card-input textarea", f"Kort fra server {alice_port}")
    alice.click(".bf-submit")
    bob.fill(".bf-card-input textarea", f"Kort fra server {bob_port}")
    sent = time.monotonic()
    bob.click(".bf-submit")
    wait_board(moderator, lambda t: f"Kort fra server {alice_port}" in t and f"Kort fra server {bob_port}" in t)
    latency = time.monotonic() - sent
    assert moderator.locator(".bf-board-card").count() == 2
    screenshot(moderator, "scaleout-projector")
    screenshot(bob, "scaleout-phone")

    step_three = question(alice)
    moderator.click(".bf-next")
    for page in (alice, bob):
        page.wait_for_function(
            "q => document.querySelector('.bf-question').innerText !== q", arg=step_three, timeout=10_000
        )

    engine = store.connect(farm["db_url"])  # the cards are in PostgreSQL, next to the room from the laptop
    room = store.find_open_room(engine, code)
    assert len(store.list_rooms(engine)) == 2
    assert sorted(i.payload["text"] for i in store.list_inputs(engine, room.id)) == sorted(
        [f"Kort fra server {alice_port}", f"Kort fra server {bob_port}"]
    )

    lines = _log_lines(farm["log"])
    # gzip: what Alice's page weighed on the wire against the same files uncompressed.
    static = [
        line
        for line in lines
        if line["route"] == alice_route
        and line["status"] == "200"
        and line["method"] == "GET"
        and not line["path"].startswith("/?")
    ]
    wire = sum(int(line["bytes"]) for line in static)
    raw = 0
    for line in static:
        request = urllib.request.Request(
            farm["public_url"].rstrip("/") + line["path"], headers={"Cookie": f"bifrost_route={alice_route}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw += len(response.read())
    big = max(static, key=lambda line: int(line["bytes"]))["path"]
    request = urllib.request.Request(farm["public_url"].rstrip("/") + big, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        gzip.decompress(response.read())
    assert wire < raw / 2, (wire, raw)

    # PostgreSQL connections held by the kernels (sizing: docs/deploy.md).
    [(connections,)] = pg_admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %(d)s", {"d": farm["database"]}
    )
    kernels = sum(1 for c in psutil.Process(servers.process.pid).children(recursive=True) if _is_kernel(c))
    participant_kernels = [
        kernel
        for server in psutil.Process(servers.process.pid).children()
        if "participant.ipynb" in " ".join(server.cmdline())
        for kernel in server.children(recursive=True)
        if _is_kernel(kernel)
    ]
    kernel_mib = max(kernel.memory_info().rss for kernel in participant_kernels) / 2**20
    store.dispose_all()
    assert connections <= 3 * kernels + 2

    figures = {
        "participant_servers": 2,
        "wire_bytes_participant_page": wire,
        "raw_bytes_participant_page": raw,
        "card_to_projector_s": round(latency, 2),
        "kernels": kernels,
        "postgres_connections": connections,
        "participant_kernel_rss_mib": round(kernel_mib),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "scaleout.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(f"\n[figures] scale-out: {figures}")
    for context in (mod_context, a_context, b_context):
        assert context.blocked == [], f"requests to other hosts: {context.blocked}"
    # Closing a phone's tab shuts its kernel down: the beacon, too, reaches the server that holds it.
    before = {port: _participant_kernels(servers, port) for port in farm["ports"]}
    for page in (alice, bob):
        page.close(run_before_unload=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(
        _participant_kernels(servers, port) >= before[port] for port in farm["ports"]
    ):
        time.sleep(0.5)
    assert {port: _participant_kernels(servers, port) for port in farm["ports"]} == {
        port: before[port] - 1 for port in farm["ports"]
    }
    for context in (mod_context, a_context, b_context):
        context.close()

    # Sticky: every request of a browser, the websocket included, went to one server.
    time.sleep(1)  # nginx logs a websocket when it closes
    lines = _log_lines(farm["log"])
    for route, port in ((alice_route, alice_port), (other, bob_port)):
        mine = [line for line in lines if line["route"] == route]
        assert {line["upstream"] for line in mine} == {f"127.0.0.1:{port}"}, mine
        assert any("/channels" in line["path"] and line["status"] == "101" for line in mine)


def test_the_tls_variant_of_the_documented_config_is_valid_nginx(tmp_path):
    from bifrost_lab.server.serve import ServeOptions, render_nginx_config

    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lab.example.dk",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    site = render_nginx_config(
        ServeOptions(
            participant_servers=3,
            public_url="https://lab.example.dk/",
            moderator_public_url="https://moderator.lab.example.dk/",
            moderator_token="t",
        ),
        access_log=str(tmp_path / "access.log"),
        tls_certificate=str(certificate),
        tls_key=str(key),
    )
    assert "Secure" in site and site.count("return 301 https://") == 2 and "127.0.0.1:8869" in site
    assert "server_name moderator.lab.example.dk;" in site and "127.0.0.1:8866;" in site
    with pytest.raises(ValueError, match="moderator-token"):
        render_nginx_config(
            ServeOptions(public_url="https://lab.example.dk/", moderator_public_url="https://moderator.lab.example.dk/")
        )
    root = tmp_path / "nginx"
    (root / "sites-enabled").mkdir(parents=True)
    (root / "sites-enabled" / "bifrost-lab").write_text(site, encoding="utf-8")
    (root / "nginx.conf").write_text(MAIN_CONF.format(root=root, user=""), encoding="utf-8")
    check = subprocess.run(
        [NGINX, "-t", "-p", str(root), "-c", str(root / "nginx.conf")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def test_the_checks_of_the_guide_and_a_participant_server_that_dies(browser, farm):
    servers = farm["servers"]
    with urllib.request.urlopen(farm["public_url"], timeout=60) as response:  # step 7 (Voila refuses HEAD)
        assert response.status == 200 and any("bifrost_route=" in c for c in response.headers.get_all("Set-Cookie"))

    routes = _routes_to_each_server(farm)
    victim_port = farm["ports"][1]
    route = next(route for upstream, route in routes.items() if upstream.endswith(f":{victim_port}"))
    laptop_room = next(s.room for s in store.list_rooms(store.connect(farm["db_url"])) if s.participant_count == 3)
    store.dispose_all()
    context, phone = _join(browser, farm, laptop_room.join_code, "Arbejdsmiljørådgiver", route=route)
    assert _server_of(phone, farm) == victim_port
    victim = next(p for p in psutil.Process(servers.process.pid).children() if f"--port={victim_port}" in p.cmdline())
    victim.kill()  # a participant server crashes
    victim.wait(10)
    phone.reload()  # the phone lands on the other server and is still the same participant
    phone.wait_for_selector(".bf-question", timeout=120_000)
    assert phone.locator(".bf-role-input select").count() == 0
    assert _server_of(phone, farm) == farm["ports"][0]
    context.close()
    request = urllib.request.Request(
        f"{farm['public_url']}voila/static/voila.js", headers={"Cookie": f"bifrost_route={route}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # its browsers are served by another one
        assert response.status == 200
    time.sleep(0.2)
    last = [line for line in _log_lines(farm["log"]) if line["route"] == route][-1]
    # nginx tried the dead server and moved on, or (after max_fails) skips it for fail_timeout
    assert last["upstream"].split(", ")[-1] == f"127.0.0.1:{farm['ports'][0]}", last
    wait_for_port(victim_port, timeout=60)  # and `serve` has started it again
    assert "server stopped; restarting it" in servers.log.read_text()
