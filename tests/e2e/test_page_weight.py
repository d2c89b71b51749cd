"""Phones in a full hall: the pages are small on the wire, compressed, and a rejoin fetches (almost) nothing.

Behaviour, not timings (benchmarks/phone_join.py measures the times): the real participant and
moderator servers send gzip bodies to a browser that accepts them, versioned assets are cached
for good, a cold page load stays within the request and byte budget, and a reload in the same
Chromium context asks the server for at most three static files.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import urllib.request
from pathlib import Path

import pytest

from bifrost_lab import rooms, store
from bifrost_lab.programme import load_library

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "bifrost_lab" / "server" / "frontend"
STATIC = REPO / "bifrost_lab" / "templates" / "voila" / "templates" / "bifrost" / "static"
COLD_REQUESTS = 30
COLD_BYTES = 1_200_000
REJOIN_STATIC_REQUESTS = 3
YEAR = 365 * 24 * 3600


def fetch(url: str, accept_gzip: bool) -> tuple[dict[str, str], bytes]:
    headers = {"Accept-Encoding": "gzip, deflate"} if accept_gzip else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


def asset_urls(base: str, html: str) -> list[str]:
    paths = re.findall(r'(?:src|href)="(/voila/[^"]+)"', html)
    assert paths, "the page links no assets"
    return [base.rstrip("/") + path.replace("&amp;", "&") for path in paths]


@pytest.fixture(scope="module")
def room(servers):
    engine = store.connect(servers.db_url)
    library = load_library()
    opened = rooms.open_room(engine, library, "bifrost", library.programme("bifrost").meetings[0].id)
    store.dispose_all()
    return opened


@pytest.mark.e2e
@pytest.mark.parametrize("door", ["participant", "moderator"])
def test_pages_and_assets_are_gzip_compressed_and_versioned_assets_are_immutable(servers, door):
    base = servers.participant_url if door == "participant" else servers.moderator_url
    headers, body = fetch(base, accept_gzip=True)  # the page itself (a kernel from the pool)
    assert headers.get("content-encoding") == "gzip", headers
    assert "accept-encoding" in headers.get("vary", "").lower()
    html = gzip.decompress(body).decode()
    assert "cdn." not in html and "https://" not in html.split("</head>")[0]  # nothing from outside the machine
    for url in asset_urls(base, html):
        packed_headers, packed = fetch(url, accept_gzip=True)
        plain_headers, plain = fetch(url, accept_gzip=False)
        assert packed_headers.get("content-encoding") == "gzip", url
        assert "content-encoding" not in plain_headers, url  # a client without gzip gets the file as it is
        assert gzip.decompress(packed) == plain, url
        assert len(packed) < len(plain) / 2, url
        assert "accept-encoding" in packed_headers.get("vary", "").lower(), url
        assert "?v=" in url, f"{url}: every asset URL names its version"
        cache = packed_headers.get("cache-control", "")
        assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= YEAR, (url, cache)


class Network:
    """Requests of one page as Chromium's DevTools protocol reports them."""

    def __init__(self, context, page):
        self.requests: dict[str, dict] = {}
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self._cached(e["requestId"]))
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event):
        url = event["request"]["url"]
        if not url.startswith(("data:", "blob:")):
            self.requests[event["requestId"]] = {"url": url, "cached": False, "bytes": 0}

    def _cached(self, request_id):
        if request_id in self.requests:
            self.requests[request_id]["cached"] = True

    def _response(self, event):
        if event["requestId"] in self.requests and event["response"].get("fromDiskCache"):
            self._cached(event["requestId"])

    def _finished(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = event.get("encodedDataLength", 0)

    def to_server(self) -> list[dict]:
        return [r for r in self.requests.values() if not r["cached"]]

    def static_to_server(self) -> list[str]:
        return [r["url"] for r in self.to_server() if "/voila/" in r["url"] and "/voila/api/" not in r["url"]]


@pytest.mark.e2e
def test_a_cold_join_is_small_and_a_rejoin_asks_for_at_most_three_static_files(browser, servers, room):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    network = Network(context, page)
    url = f"{servers.participant_url}?code={room.join_code}"
    try:
        page.goto(url)
        page.wait_for_selector(".bf-role-input select option:nth-child(2)", state="attached")
        page.wait_for_load_state("networkidle")
        cold = list(network.requests.values())
        outside = [r["url"] for r in cold if not r["url"].startswith(servers.participant_url.rstrip("/"))]
        assert not outside, f"requests left the machine: {outside}"
        assert len(cold) <= COLD_REQUESTS, [r["url"] for r in cold]
        assert sum(r["bytes"] for r in cold) <= COLD_BYTES, sorted((r["bytes"], r["url"]) for r in cold)

        network.requests.clear()
        page.reload()  # a rejoin: the phone reloads (or wakes up and the page reloads itself)
        page.wait_for_selector(".bf-role-input select option:nth-child(2)", state="attached")
        page.wait_for_load_state("networkidle")
        static = network.static_to_server()
        assert len(static) <= REJOIN_STATIC_REQUESTS, static
        # ...and the page works: the rejoined phone can join the room.
        values = page.eval_on_selector(".bf-role-input select", "s => Array.from(s.options).map(o => o.value)")
        page.select_option(".bf-role-input select", value=values[1])
        page.click(".bf-join-button")
        page.wait_for_selector(".bf-question")
    finally:
        context.close()


@pytest.mark.e2e
def test_the_page_works_over_plain_http_to_the_laptops_lan_address(browser, servers, room):
    """Phones open http://<LAN address>/: not a secure context (no crypto.randomUUID, no Brotli), unlike 127.0.0.1."""
    from bifrost_lab.server.serve import lan_address

    address = lan_address()
    if address == "127.0.0.1":
        pytest.skip("this machine has no LAN address")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"http://{address}:{servers.participant_port}/?code={room.join_code}")
        assert page.evaluate("window.isSecureContext") is False
        page.wait_for_selector(".bf-role-input select option:nth-child(2)", state="attached")
        values = page.eval_on_selector(".bf-role-input select", "s => Array.from(s.options).map(o => o.value)")
        page.select_option(".bf-role-input select", value=values[2])
        page.click(".bf-join-button")
        page.wait_for_selector(".bf-question")
    finally:
        context.close()


def test_the_committed_front_end_was_built_from_the_committed_sources():
    """bifrost-widgets.js names the hash of its sources (build.mjs): edit a source, run `make frontend`."""
    files = ["build.mjs", "package.json", "package-lock.json", *(f"src/{p.name}" for p in (FRONTEND / "src").iterdir())]
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0".encode())
        digest.update((FRONTEND / name).read_bytes())
        digest.update(b"\0")
    stamp = (STATIC / "bifrost-widgets.js").read_text(encoding="utf-8").split("\n", 1)[0]
    assert digest.hexdigest() in stamp, f"bifrost-widgets.js is stale: run `make frontend` ({stamp})"
    assert digest.hexdigest() in (STATIC / "bifrost-widgets.css").read_text(encoding="utf-8").split("\n", 1)[0]
