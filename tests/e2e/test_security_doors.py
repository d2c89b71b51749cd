"""The doors, tried from another machine: a client in its own network namespace, on a veth pair.

The servers listen on the host end of the pair (not loopback); the client runs in the namespace, so
every request crosses a real network interface exactly as a phone on the room's Wi-Fi would.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import free_port

from .conftest import Servers, stop_servers

pytestmark = pytest.mark.e2e

CLIENT = r"""
import json, sys, urllib.request, urllib.error
base, probes = sys.argv[1], json.loads(sys.argv[2])
out = []
for method, path, headers in probes:
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=b"{}" if method in ("POST", "PUT", "PATCH") else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            out.append([method, path, response.status, response.url, response.read(400000).decode("utf-8", "replace")])
    except urllib.error.HTTPError as error:
        out.append([method, path, error.code, error.url, error.read(4000).decode("utf-8", "replace")])
    except Exception as error:
        out.append([method, path, None, "", f"{type(error).__name__}: {error}"])
print(json.dumps(out))
"""

WEBSOCKET_CLIENT = r"""
import json, re, sys, time, uuid, urllib.request
import websocket
base, marker = sys.argv[1], sys.argv[2]
html = urllib.request.urlopen(base, timeout=60).read().decode()
config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', html, re.S).group(1))
kernel = config["kernelId"]
ws = websocket.create_connection(base.replace("http", "ws") + f"api/kernels/{kernel}/channels?session_id={uuid.uuid4()}",
                                 timeout=5)
session = str(uuid.uuid4())
def send(msg_type, content, channel="shell"):
    msg_id = str(uuid.uuid4())
    ws.send(json.dumps({"header": {"msg_id": msg_id, "msg_type": msg_type, "username": "x", "session": session,
                                   "date": "2026-01-01T00:00:00Z", "version": "5.3"},
                        "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))
    return msg_id
code = f"open({marker!r}, 'w').write('pwned')"
sent = {
    "execute_request": send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {"x": code}, "allow_stdin": False,
                                                "stop_on_error": True}),
    "execute_request_control": send("execute_request", {"code": code, "silent": True}, channel="control"),
    "inspect_request": send("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}),
    "complete_request": send("complete_request", {"code": "import o", "cursor_pos": 8}),
    "history_request": send("history_request", {"hist_access_type": "tail", "n": 10, "output": True, "raw": True}),
    "is_complete_request": send("is_complete_request", {"code": code}),
    "debug_request": send("debug_request", {"command": "evaluate", "arguments": {"expression": code}},
                          channel="control"),
    "kernel_info_request": send("kernel_info_request", {}),
}
replies = []
deadline = time.time() + 6
while time.time() < deadline:
    try:
        msg = json.loads(ws.recv())
    except websocket.WebSocketTimeoutException:
        break
    except Exception:
        continue
    parent = (msg.get("parent_header") or {}).get("msg_id")
    replies.append([msg.get("channel"), msg["header"]["msg_type"], parent,
                    next((k for k, v in sent.items() if v == parent), None)])
ws.close()
print(json.dumps({"kernel": kernel, "replies": replies}))
"""


class Namespace:
    """A network namespace with one veth pair: host end HOST_IP, client end CLIENT_IP."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.name = f"bifrost-client-{tag}"
        self.host_if, self.client_if = f"bfh{tag}", f"bfc{tag}"
        self.subnet = 200 + secrets.randbelow(50)
        self.host_ip, self.client_ip = f"10.{self.subnet}.77.1", f"10.{self.subnet}.77.2"

    def _ip(self, *args: str, netns: bool = False) -> None:
        command = ["ip", "netns", "exec", self.name, "ip", *args] if netns else ["ip", *args]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def create(self) -> None:
        self._ip("netns", "add", self.name)
        self._ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.client_if)
        self._ip("link", "set", self.client_if, "netns", self.name)
        self._ip("addr", "add", f"{self.host_ip}/24", "dev", self.host_if)
        self._ip("link", "set", self.host_if, "up")
        self._ip("addr", "add", f"{self.client_ip}/24", "dev", self.client_if, netns=True)
        self._ip("link", "set", self.client_if, "up", netns=True)
        self._ip("link", "set", "lo", "up", netns=True)

    def delete(self) -> None:
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def python(self, script: str, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def fetch(self, base: str, probes: list) -> list:
        return json.loads(self.python(CLIENT, base, json.dumps(probes)))


@pytest.fixture(scope="module")
def netns():
    namespace = Namespace()
    try:
        namespace.create()
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        namespace.delete()
        detail = getattr(error, "stderr", "") or str(error)
        message = f"cannot create a network namespace for the door tests (needs root and `ip`): {detail}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    yield namespace
    namespace.delete()


def start_on(tmp_path: Path, host: str, *extra: str) -> Servers:
    """`bifrost-lab serve` with the participant app on `host` (and whatever `extra` says)."""
    moderator_port, participant_port = free_port(), free_port()
    db_url = f"sqlite:///{tmp_path / 'room.sqlite'}"
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bifrost_lab.cli.main",
            "serve",
            "--no-browser",
            "--host",
            host,
            "--public-host",
            host,
            "--moderator-port",
            str(moderator_port),
            "--participant-port",
            str(participant_port),
            "--pool-size",
            "1",
            *extra,
        ],
        env={**os.environ, "BIFROST_DB_URL": db_url},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "BIFROST Lab is running" not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text()
        time.sleep(0.3)
    assert "did not answer yet" not in log.read_text(errors="replace"), "serve did not see its own servers"
    return Servers(
        process,
        db_url,
        f"http://127.0.0.1:{moderator_port}/",
        f"http://{host}:{participant_port}/",
        participant_port,
        log,
    )


@pytest.fixture(scope="module")
def default_servers(netns, tmp_path_factory):
    servers = start_on(tmp_path_factory.mktemp("doors"), netns.host_ip)
    yield servers
    stop_servers(servers)


FORBIDDEN = [
    ["GET", "voila/tree", {}],
    ["GET", "voila/tree/", {}],
    ["GET", "tree", {}],
    ["GET", "lab", {}],
    ["GET", "voila/render/moderator.ipynb", {}],
    ["GET", "voila/render/summary.ipynb", {}],
    ["GET", "moderator.ipynb", {}],
    ["GET", "summary.ipynb", {}],
    ["GET", "participant.ipynb", {}],
    ["GET", "notebooks/moderator.ipynb", {}],
    ["GET", "files/moderator.ipynb", {}],
    ["GET", "voila/files/", {}],
    ["GET", "voila/files/moderator.ipynb", {}],
    ["GET", "voila/files/participant.ipynb", {}],
    ["GET", "voila/files/..%2Fbifrost_lab%2Fstore%2F__init__.py", {}],
    ["GET", "voila/files/%2E%2E/pyproject.toml", {}],
    ["GET", "api/contents", {}],
    ["GET", "api/contents/moderator.ipynb", {}],
    ["GET", "voila/api/contents", {}],
    ["GET", "voila/api/contents/", {}],
    ["GET", "api/kernels", {}],
    ["GET", "api/sessions", {}],
    ["GET", "api/terminals", {}],
    ["GET", "terminals/websocket/1", {}],
    # With a matching XSRF cookie and header, so a refusal is about the route, not about XSRF.
    ["POST", "api/kernels", {"Cookie": "_xsrf=abc", "X-XSRFToken": "abc", "Content-Type": "application/json"}],
    ["POST", "api/sessions", {"Cookie": "_xsrf=abc", "X-XSRFToken": "abc", "Content-Type": "application/json"}],
    ["POST", "api/terminals", {"Cookie": "_xsrf=abc", "X-XSRFToken": "abc", "Content-Type": "application/json"}],
    ["PUT", "api/contents/evil.ipynb", {"Cookie": "_xsrf=abc", "X-XSRFToken": "abc"}],
]


def test_participant_server_serves_only_the_participant_notebook(netns, default_servers):
    base = default_servers.participant_url
    pages = netns.fetch(
        base, [["GET", "", {}], ["GET", "?template=lab", {}], ["GET", "?voila-theme=dark&template=classic", {}]]
    )
    for _method, path, status, url, body in pages:
        assert status == 200 and "jupyter-config-data" in body and "bf-" in body, (path, status, url)
        assert "participant_ui" not in body and "run_participant_app" not in body, "code in the page"
        assert "/templates/lab/" not in body and "/templates/classic/" not in body  # overrides are ignored
    time.sleep(3)  # let the preheated pool refill
    kernels_before = default_servers.kernels()

    for method, path, status, url, body in netns.fetch(base, FORBIDDEN):
        assert status in (403, 404, 405), f"{method} /{path} -> {status} {url}: {body[:200]}"
        for secret in (
            '"cells"',
            "run_moderator_app",
            "import sqlite3",
            "[build-system]",
            '"kernels"',
            '"type": "directory"',
            "ipykernel_launcher",
            "jupyter-config-data",
        ):
            assert secret not in body, f"{method} /{path} leaked {secret!r}"
    time.sleep(2)
    assert default_servers.kernels() == kernels_before, "a REST call started a kernel"


def test_moderator_app_listens_on_loopback_only_by_default(netns, default_servers):
    moderator_port = default_servers.moderator_url.rsplit(":", 1)[1].strip("/")
    for host in (netns.host_ip,):
        [[_m, _p, status, _url, body]] = netns.fetch(f"http://{host}:{moderator_port}/", [["GET", "", {}]])
        assert status is None and ("Connection refused" in body or "URLError" in body), body
    # ... while it does listen on this machine's loopback.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(moderator_port))) == 0


def test_a_raw_websocket_client_cannot_execute_code_in_a_participant_kernel(netns, default_servers, tmp_path):
    marker = tmp_path / "pwned.txt"
    result = json.loads(netns.python(WEBSOCKET_CLIENT, default_servers.participant_url, str(marker)))
    answered = {(r[1], r[3]) for r in result["replies"]}
    assert ("kernel_info_reply", "kernel_info_request") in answered, result  # the channel itself works
    for _channel, msg_type, _parent, request in result["replies"]:
        assert msg_type not in (
            "execute_reply",
            "execute_result",
            "execute_input",
            "inspect_reply",
            "complete_reply",
            "history_reply",
            "is_complete_reply",
            "debug_reply",
        ), result
        assert request in (None, "kernel_info_request"), f"{request} was answered: {msg_type}"
    time.sleep(1)
    assert not marker.exists(), "code sent over the websocket ran in the kernel"
    log = default_servers.log.read_text(errors="replace")
    assert 'Received message of type "execute_request", which is not allowed' in log


def test_moderator_token_guards_a_moderator_app_on_the_network(netns, tmp_path):
    token = secrets.token_urlsafe(24)
    servers = start_on(tmp_path, netns.host_ip, "--moderator-host", netns.host_ip, "--moderator-token", token)
    try:
        moderator = servers.moderator_url.replace("127.0.0.1", netns.host_ip)
        results = netns.fetch(
            moderator,
            [
                ["GET", "", {}],
                ["GET", "?token=wrong", {}],
                ["GET", "", {"Authorization": "token nope"}],
                ["GET", f"?token={token}", {}],
                ["GET", "", {"Authorization": f"token {token}"}],
                ["GET", "api/kernels", {}],
                ["GET", "voila/tree", {"Authorization": f"token {token}"}],
            ],
        )
        no_token, wrong, wrong_header, right, right_header, kernels, tree = results
        for refused in (no_token, wrong, wrong_header):
            assert "jupyter-config-data" not in refused[4], refused[:4]
            assert refused[2] in (401, 403) or "/login" in refused[3], refused[:4]
        for allowed in (right, right_header):
            assert allowed[2] == 200 and "jupyter-config-data" in allowed[4], allowed[:4]
        assert kernels[2] in (403, 404) or "/login" in kernels[3]
        assert '"id"' not in kernels[4]
        assert tree[2] in (403, 404)  # even with the token, only the moderator notebook is served
    finally:
        stop_servers(servers)
