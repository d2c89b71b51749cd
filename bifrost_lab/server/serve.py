"""Start the two doors: the moderator app (loopback) and the participant app (room network).

Each is a Voila server in single-notebook mode, so nothing but that one notebook can be rendered.
`serve` supervises both: a server that dies is restarted; Ctrl-C stops both cleanly.
With `participant_servers` > 1 several participant servers share the database behind nginx
(`render_nginx_config`, docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bifrost_lab import config, store

VOILA_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WARM_KERNELSPEC = Path(__file__).resolve().parent / "kernelspec"  # "python3" started by forkserver.ForkProvisioner
QUIET_KERNELSPEC = Path(__file__).resolve().parent / "quiet_kernelspec"  # "python3" without the harmless warnings
NGINX_TEMPLATE = config.repo_dir() / "deploy" / "nginx-site.conf.template"
NGINX_ACCESS_LOG = "/var/log/nginx/bifrost-lab.access.log"


@dataclass(frozen=True)
class ServeOptions:
    host: str = "0.0.0.0"
    moderator_host: str = "127.0.0.1"
    moderator_port: int = 8866
    participant_port: int = 8867
    participant_servers: int = 1
    pool_size: int = 2
    kernel_start: str = (
        "fork"  # "fork": participant kernels fork from a warm parent (forkserver.py); "spawn": new interpreters
    )
    cull_idle_timeout: int = 300
    cull_interval: int = 60
    moderator_token: str = ""
    open_browser: bool = True
    db_url: str = ""
    public_host: str = ""
    public_url: str = ""  # what participants open when a proxy is in front (e.g. https://lab.example.dk/)
    moderator_public_url: str = ""  # the moderator app through the proxy (its own host name; token required)


@dataclass
class ManagedServer:
    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    process: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=str(config.notebooks_dir()), start_new_session=True
        )  # Ctrl-C reaches us only; we stop children

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)  # Voila shuts its kernels down on SIGTERM
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def lan_address() -> str:
    """The first IPv4 address of an interface that is up and not loopback (127.0.0.1 if none)."""
    import psutil

    stats = psutil.net_if_stats()
    for name, addresses in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return address.address
    return "127.0.0.1"


def voila_command(notebook: str, *, ip: str, port: int, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bifrost_lab.server.quiet",  # our Voila (voila_app.py: compressed responses), without the harmless warnings
        "voila",
        str(config.notebooks_dir() / notebook),
        "--no-browser",
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--template=bifrost",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.show_tracebacks=False",
        *extra,
    ]


def build_servers(options: ServeOptions) -> tuple[list[ManagedServer], str, str]:
    """The server processes to run, the moderator URL and the participant base URL."""
    db_url = options.db_url or config.db_url()
    public_host = options.public_host or (lan_address() if options.host in ("0.0.0.0", "") else options.host)
    participant_url = (
        public_participant_url(options.public_url)
        if options.public_url
        else f"http://{public_host}:{options.participant_port}/"
    )
    base_env = {
        **os.environ,
        "BIFROST_DB_URL": db_url,
        "JUPYTER_PATH": os.pathsep.join(p for p in (str(VOILA_TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p),
    }
    cull = [
        f"--MappingKernelManager.cull_idle_timeout={options.cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={options.cull_interval}",
    ]
    moderator_extra = list(cull)
    quiet_path = os.pathsep.join((str(QUIET_KERNELSPEC), base_env["JUPYTER_PATH"]))
    moderator_env = {**base_env, "BIFROST_PARTICIPANT_URL": participant_url, "JUPYTER_PATH": quiet_path}
    if options.moderator_token:
        moderator_extra.append(f"--token={options.moderator_token}")
        moderator_env["BIFROST_VOILA_TOKEN"] = options.moderator_token
    servers = [
        ManagedServer(
            "moderator",
            voila_command(
                "moderator.ipynb", ip=options.moderator_host, port=options.moderator_port, extra=moderator_extra
            ),
            moderator_env,
            options.moderator_port,
        )
    ]
    participant_env = {**base_env, "JUPYTER_PATH": quiet_path}
    if options.kernel_start == "fork":  # our kernelspec "python3" (warm start) is found before the installed one
        participant_env["JUPYTER_PATH"] = os.pathsep.join((str(WARM_KERNELSPEC), base_env["JUPYTER_PATH"]))
    for index in range(max(1, options.participant_servers)):
        port = options.participant_port + index
        participant_extra = [*cull, "--preheat_kernel=True", f"--pool_size={options.pool_size}"]
        servers.append(
            ManagedServer(
                f"participant-{index + 1}" if options.participant_servers > 1 else "participant",
                voila_command("participant.ipynb", ip=options.host or "0.0.0.0", port=port, extra=participant_extra),
                participant_env,
                port,
            )
        )
    host_for_url = "127.0.0.1" if options.moderator_host in ("0.0.0.0", "") else options.moderator_host
    moderator_url = (
        public_participant_url(options.moderator_public_url)
        if options.moderator_public_url
        else f"http://{host_for_url}:{options.moderator_port}/"
    )
    if options.moderator_token:
        moderator_url += f"?token={options.moderator_token}"
    return servers, moderator_url, participant_url


def public_participant_url(url: str) -> str:
    """A public URL as shown to people: scheme and host required, ending in a slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a public URL must look like https://lab.example.dk/ (got {url!r})")
    return url if url.endswith("/") else url + "/"


def _nginx_listen(url: str, tls_certificate: str, tls_key: str) -> tuple[str, str]:
    """The `listen` lines of a server block for a public URL, and the port-80 redirect server for https."""
    parts = urlsplit(url)
    if parts.path not in ("", "/"):
        raise ValueError(f"{url}: the app must be at the root of its host name (no path)")
    host = parts.hostname or ""
    if parts.scheme != "https":
        return f"    listen {parts.port or 80};", ""
    listen = "\n".join(
        [
            f"    listen {parts.port or 443} ssl http2;",
            f"    ssl_certificate {tls_certificate or f'/etc/letsencrypt/live/{host}/fullchain.pem'};",
            f"    ssl_certificate_key {tls_key or f'/etc/letsencrypt/live/{host}/privkey.pem'};",
            "    ssl_protocols TLSv1.2 TLSv1.3;",
            '    add_header Strict-Transport-Security "max-age=31536000" always;',
        ]
    )
    redirect = f"\nserver {{\n    listen 80;\n    server_name {host};\n    return 301 https://$host$request_uri;\n}}\n"
    return listen, redirect


def render_nginx_config(
    options: ServeOptions, *, access_log: str = NGINX_ACCESS_LOG, tls_certificate: str = "", tls_key: str = ""
) -> str:
    """The nginx site for the participant servers of these options (template: deploy/nginx-site.conf.template).

    An https public URL gets a TLS server (certificate paths default to Let's Encrypt's, one
    certificate per host name) and a port-80 redirect; an http one listens on its port.
    With `moderator_public_url` the moderator app gets its own server block (token required).
    """
    participant_url = public_participant_url(options.public_url)
    upstream_host = "127.0.0.1" if options.host in ("0.0.0.0", "", "127.0.0.1") else options.host
    upstreams = "\n".join(
        f"    server {upstream_host}:{options.participant_port + index} max_fails=2 fail_timeout=10s;"
        for index in range(max(1, options.participant_servers))
    )
    listen, redirect = _nginx_listen(participant_url, tls_certificate, tls_key)
    command = (
        f"bifrost-lab serve --participant-port {options.participant_port} "
        f"--participant-servers {options.participant_servers} --public-url {options.public_url}"
    )
    values = {
        "cookie_secure": "; Secure" if participant_url.startswith("https") else "",
        "upstream_servers": upstreams,
        "redirect_server": redirect,
        "listen": listen,
        "server_name": urlsplit(participant_url).hostname or "",
        "access_log": access_log,
    }
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    moderator_block = re.compile(r"# \{\{moderator:begin\}\}\n.*# \{\{moderator:end\}\}\n", re.DOTALL)
    if options.moderator_public_url:
        if not options.moderator_token:
            raise ValueError("a moderator app reachable through nginx needs --moderator-token")
        moderator_url = public_participant_url(options.moderator_public_url)
        if urlsplit(moderator_url).netloc == urlsplit(participant_url).netloc:
            raise ValueError("--moderator-public-url needs its own host name (or port), not the participants'")
        moderator_listen, moderator_redirect = _nginx_listen(moderator_url, tls_certificate, tls_key)
        values.update(
            moderator_port=str(options.moderator_port),
            moderator_listen=moderator_listen,
            moderator_redirect_server=moderator_redirect,
            moderator_server_name=urlsplit(moderator_url).hostname or "",
        )
        command += f" --moderator-port {options.moderator_port} --moderator-public-url {options.moderator_public_url}"
        text = text.replace("# {{moderator:begin}}\n", "").replace("# {{moderator:end}}\n", "")
    else:
        text = moderator_block.sub("", text)
    values["generated_by"] = command + " --print-nginx-config"
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def listening_host(server: ManagedServer) -> str:
    """Where to check that a server answers: its own address (loopback when it listens on all)."""
    ip = next((arg.split("=", 1)[1] for arg in server.command if arg.startswith("--Voila.ip=")), "")
    return "127.0.0.1" if ip in ("", "0.0.0.0", "::") else ip


def _bind_host(command: list[str]) -> str:
    return next((part.split("=", 1)[1] for part in command if part.startswith("--Voila.ip=")), "127.0.0.1")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could not listen on this port (something else has it)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado does: TIME_WAIT is not "in use"
        try:
            sock.bind((host or "0.0.0.0", port))
        except OSError:
            return True
    return False


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def raise_open_files_limit(wanted: int = 65536) -> int:
    """Raise this process's (and so the servers') open-file limit towards `wanted`; return the new soft limit.

    A participant page costs its Voila server about a dozen file descriptors (ZeroMQ sockets and
    their signalling pipes, the websocket); many systems start programs with a soft limit of 1,024.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def serve(options: ServeOptions) -> int:
    """Run both apps until Ctrl-C (or SIGTERM); restart a server that dies."""
    db_url = options.db_url or config.db_url()
    store.connect(db_url)  # creates and migrates the database before any kernel starts
    servers, moderator_url, participant_url = build_servers(options)
    taken = [server for server in servers if port_in_use(server.port, _bind_host(server.command))]
    if taken:
        print(
            "bifrost-lab serve: "
            + "; ".join(f"port {s.port} ({s.name} server) is in use" for s in taken)
            + ". Stop what uses it, or choose other ports with --moderator-port / --participant-port "
            "(participant servers take consecutive ports).",
            file=sys.stderr,
        )
        return 2
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    raise_open_files_limit()
    for server in servers:
        server.start()
    ready = all(wait_for_port(s.port, listening_host(s)) for s in servers)
    print_banner(moderator_url, participant_url, db_url, ready, [s.port for s in servers[1:]])
    if options.open_browser and ready:
        webbrowser.open(moderator_url)
    try:
        while not stopping:
            time.sleep(0.5)
            for server in servers:
                if not server.alive() and not stopping:
                    server.restarts = [t for t in server.restarts if time.monotonic() - t < 60] + [time.monotonic()]
                    if len(server.restarts) > 5:
                        print(f"bifrost-lab: the {server.name} server keeps failing; stopping.", file=sys.stderr)
                        stopping = True
                        break
                    print(f"bifrost-lab: the {server.name} server stopped; restarting it.", file=sys.stderr)
                    server.start()
    finally:
        print("\nbifrost-lab: stopping the servers…", flush=True)
        for server in servers:
            server.stop()
        print("bifrost-lab: stopped.", flush=True)
    return 0


def print_banner(
    moderator_url: str, participant_url: str, db_url: str, ready: bool, participant_ports: list[int] | None = None
) -> None:
    engine = store.connect(db_url)
    open_rooms = store.list_rooms(engine, status="open")
    lines = [
        "",
        "  BIFROST Lab is running" + ("" if ready else " (a server did not answer yet; see the log above)"),
        "",
        f"  Moderator{' (this laptop only):' if '//127.0.0.1:' in moderator_url else ':                 '}  "
        f"{moderator_url}",
        f"  Participants (room network):   {participant_url}",
        f"  Database:                      {store.safe_url(db_url)}",
    ]
    if participant_ports and len(participant_ports) > 1:
        lines.append(
            f"  Participant servers on ports:  {', '.join(map(str, participant_ports))} (behind nginx: docs/deploy.md)"
        )
    for summary in open_rooms[:5]:
        lines.append(
            f"  Open room {summary.room.id}: join code {summary.room.join_code} "
            f"-> {participant_url}?code={summary.room.join_code}"
        )
    if not open_rooms:
        lines.append("  Open a room in the moderator app; its join code and QR code appear on the projector.")
    lines += ["", "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)
