"""Reliability on the real servers: many kernels at once, a busy database, kill -9 of each server, kernel hygiene.

Participants are real Voila participant pages driven over the kernel websocket with the widget
protocol (benchmarks/widget_client.py); the reload after a crash is a real Chromium page.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest
from helpers import hold_write_lock, wait_for_port

from benchmarks import widget_client as wc
from bifrost_lab import rooms, store
from bifrost_lab.programme import load_library

from .conftest import offline_context, start_servers, stop_servers

pytestmark = pytest.mark.e2e

IDLE_GRACE = 4  # seconds a kernel keeps polling without a browser (production: 30)
CULL_IDLE, CULL_INTERVAL = 6, 3  # production: 300 / 60
BUSY_TIMEOUT = 1.0  # seconds SQLite waits for a lock (production: 30)
KERNELS, CARDS_EACH = 10, 10


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    started = start_servers(
        tmp_path_factory.mktemp("reliability"),
        "--pool-size",
        "2",
        "--cull-idle-timeout",
        str(CULL_IDLE),
        "--cull-interval",
        str(CULL_INTERVAL),
        env={
            "BIFROST_IDLE_GRACE": str(IDLE_GRACE),
            "BIFROST_DB_BUSY_TIMEOUT": str(BUSY_TIMEOUT),
            "BIFROST_DB_RETRY_SECONDS": "1",
        },
    )
    yield started
    stop_servers(started)


def card_room(servers) -> store.Room:
    engine = store.connect(servers.db_url)
    library = load_library()
    opened = rooms.open_room(engine, library, "bifrost", library.programme("bifrost").meetings[0].id)
    moved = rooms.go_to_step(engine, opened, 2)  # step 3 collects cards; its timer starts running
    store.dispose_all()
    return moved


def kernels(servers, notebook: str = "participant.ipynb") -> int:
    """Live kernels of a server (culled kernels may linger as zombies for a moment)."""
    count = 0
    for child in _voila(servers, notebook).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(child.cmdline()):
                count += 1
        except psutil.Error:
            pass
    return count


def run(coroutine, pump=None):
    """Run a widget-protocol scenario on its own thread (Playwright's sync API owns this thread's loop).

    With `pump` (a Playwright page) the browser's events keep being served meanwhile.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        future = thread.submit(asyncio.run, coroutine)
        while pump is not None and not future.done():
            pump.wait_for_timeout(100)
        return future.result()


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s: {what}")


def test_cards_from_many_kernels_reach_the_projector_once_and_closed_tabs_free_their_kernels(servers):
    room = card_room(servers)
    # The preheated pool (2) starts with the server: count it once it is there, not while it fills.
    wait_until(lambda: kernels(servers) >= 2, 90, f"the preheated pool of 2 (now {kernels(servers)})")
    time.sleep(2)
    pool = kernels(servers)

    async def scenario() -> tuple[int, list[str]]:
        async with httpx.AsyncClient() as http:
            projector = await wc.open_projector(http, servers.moderator_url, room.id)
            opened = await asyncio.gather(
                *(wc.open_participant(http, f"{servers.participant_url}?code={room.join_code}") for _ in range(KERNELS))
            )
            pages = [page for page, _ready in opened]
            await asyncio.gather(*(wc.join(page) for page in pages))

            async def cards(index: int, page: wc.Page) -> None:
                for card in range(CARDS_EACH):
                    await wc.submit_card(page, f"kernel {index} kort {card}")
                    assert "bf-msg-ok" in wc.last_message(page), wc.last_message(page)

            await asyncio.gather(*(cards(i, p) for i, p in enumerate(pages)))
            await projector.wait_for(
                lambda: wc.board_html(projector).count('bf-board-card"') >= KERNELS * CARDS_EACH,
                timeout=20,
                what="all cards on the projector",
            )
            await asyncio.sleep(1)  # nothing more arrives
            shown = wc.board_html(projector).count('bf-board-card"')
            kernel_ids = [page.kernel_id for page in pages]
            for page in pages:  # the tabs vanish without a goodbye (no shutdown beacon)
                await page.close()
            await projector.close()
            return shown, kernel_ids

    shown, kernel_ids = run(scenario())
    engine = store.connect(servers.db_url)
    stored = store.list_inputs(engine, room.id)
    store.dispose_all()
    assert len(stored) == KERNELS * CARDS_EACH == shown
    assert len({i.payload["text"] for i in stored}) == len(stored)
    assert kernels(servers) >= pool + KERNELS

    # Kernel hygiene: each kernel notices that its browser is gone, stops polling, and is culled.
    started = time.monotonic()
    wait_until(
        lambda: kernels(servers) == pool,
        IDLE_GRACE + 5 + CULL_IDLE + 2 * CULL_INTERVAL + 10,
        f"kernel count back to the pool size {pool} (now {kernels(servers)})",
    )
    back_after = time.monotonic() - started
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    stopped = set(re.findall(r"no browser on kernel ([0-9a-f-]{36}) for", log))
    assert set(kernel_ids) <= stopped, "a preheated kernel did not know its VOILA_KERNEL_ID or kept polling"
    print(
        f"\n[figures] {KERNELS * CARDS_EACH} cards from {KERNELS} kernels; kernels back to the pool "
        f"{back_after:.1f} s after the tabs vanished"
    )


def hold_lock(servers, seconds: float):
    context = multiprocessing.get_context("spawn")
    locked = context.Event()
    holder = context.Process(target=hold_write_lock, args=(store.Database(servers.db_url).path, seconds, locked))
    holder.start()
    assert locked.wait(30)
    return holder


def test_a_busy_database_never_loses_a_card_silently(servers):
    room = card_room(servers)

    async def scenario() -> tuple[str, str, str]:
        async with httpx.AsyncClient() as http:
            page, _ready = await wc.open_participant(http, f"{servers.participant_url}?code={room.join_code}")
            await wc.join(page)
            # a short lock: the submit waits for it and lands
            holder = hold_lock(servers, BUSY_TIMEOUT * 0.5)
            await wc.submit_card(page, "kort under kort laas")
            short = wc.last_message(page)
            holder.join(10)
            # a long lock: the participant is told the card was NOT saved, and the text stays in the box
            holder = hold_lock(servers, 4)
            await wc.submit_card(page, "kort under lang laas")
            long = wc.last_message(page)
            kept = page.models[page.with_class("bf-card-input")[0]].get("value", "")
            holder.join(30)
            # sending again once the database is free stores it once
            await wc.submit_card(page, kept)
            again = wc.last_message(page)
            await page.close()
            return short, long, again

    short, long, again = run(scenario())
    assert "bf-msg-ok" in short
    assert "bf-msg-error" in long and "ikke gemt" in long, long
    assert "bf-msg-ok" in again
    engine = store.connect(servers.db_url)
    texts = [i.payload["text"] for i in store.list_inputs(engine, room.id)]
    store.dispose_all()
    assert sorted(texts) == ["kort under kort laas", "kort under lang laas"]


def _voila(servers, notebook: str) -> psutil.Process:
    for child in psutil.Process(servers.process.pid).children():
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if notebook in line and "voila" in line:
            return child
    raise LookupError(notebook)


def _kill_9(servers, notebook: str) -> int:
    victim = _voila(servers, notebook)
    port = (
        servers.participant_port
        if notebook == "participant.ipynb"
        else int(servers.moderator_url.rsplit(":", 1)[1].strip("/"))
    )
    os.kill(victim.pid, signal.SIGKILL)
    wait_until(
        lambda: _voila_pid(servers, notebook) not in (None, victim.pid),
        30,
        f"bifrost-lab serve restarting the {notebook} server",
    )
    wait_for_port(port, 60)
    return victim.pid


def _voila_pid(servers, notebook: str) -> int | None:
    try:
        return _voila(servers, notebook).pid
    except (LookupError, psutil.Error):
        return None


def test_kill_9_of_each_server_mid_meeting_loses_nothing(browser, servers):
    room = card_room(servers)
    engine = store.connect(servers.db_url)
    room = store.set_timer(engine, room.id, running=False, remaining=400.0)  # paused at 6:40
    store.dispose_all()
    participant_url = f"{servers.participant_url}?code={room.join_code}"

    context = offline_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(participant_url)
    phone.wait_for_selector(
        ".bf-role-input select option:nth-child(2)", state="attached", timeout=150_000
    )  # a first page on a loaded CI machine can be slow
    values = phone.eval_on_selector(".bf-role-input select", "s => Array.from(s.options).map(o => o.value)")
    phone.select_option(".bf-role-input select", value=values[2])
    phone.click(".bf-join-button")
    phone.fill(".bf-card-input textarea", "kort fra telefonen før nedbruddet")
    phone.click(".bf-submit")
    phone.wait_for_selector(".bf-mycard")

    async def before_crash() -> dict:
        async with httpx.AsyncClient() as http:
            page, _ready = await wc.open_participant(http, participant_url)
            await wc.join(page)
            await wc.submit_card(page, "kort fra kernen før nedbruddet")
            await page.close()
            return page.stored

    stored_token = run(before_crash(), phone)
    wall = context.new_page()  # the projector on the wall, which nobody will reload by hand
    wall.set_viewport_size({"width": 1920, "height": 1080})
    wall.goto(f"{servers.moderator_url}?view=projector&room={room.id}")
    wall.wait_for_selector(".bf-board-card", timeout=120_000)
    for page in (phone, wall):
        page.evaluate("window.bfBeforeCrash = true")  # gone once the page has reloaded itself

    killed = _kill_9(servers, "participant.ipynb")
    assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == psutil.STATUS_ZOMBIE

    async def after_participant_crash() -> tuple[str, str]:
        async with httpx.AsyncClient() as http:
            page, _ready = await wc.open_participant(http, participant_url, stored=stored_token)
            # rejoined as the same person: no join form, the step and the own card are there
            assert (
                not page.with_class("bf-role-input")
                or len(page.models[page.with_class("bf-role-input")[0]].get("_options_labels") or ()) <= 1
                or "bf-step-count" in page.html_text()
            )
            await page.wait_for(
                lambda: "kort fra kernen før nedbruddet" in page.html_text(),
                timeout=20,
                what="the own card after the rejoin",
            )
            await wc.submit_card(page, "kort fra kernen efter nedbruddet")
            message = wc.last_message(page)
            html = page.html_text()
            await page.close()
            return message, html

    message, html = run(after_participant_crash(), phone)
    assert "bf-msg-ok" in message
    assert "Trin 3 af" in html

    # The phone's kernel died with its server. Nobody touches the phone: the page finds its kernel
    # gone, reloads itself, and the stored token rejoins the same person.
    phone.wait_for_function("() => window.bfBeforeCrash === undefined", timeout=120_000)
    phone.wait_for_selector(".bf-mycard", timeout=60_000)
    assert "kort fra telefonen før nedbruddet" in phone.inner_text(".bf-mycards")
    assert phone.locator(".bf-role-input select").count() == 0

    _kill_9(servers, "moderator.ipynb")

    async def projector_after_crash() -> tuple[str, dict]:
        async with httpx.AsyncClient() as http:
            projector = await wc.open_projector(http, servers.moderator_url, room.id)
            await projector.wait_for(
                lambda: wc.board_html(projector).count('bf-board-card"') >= 3,
                timeout=20,
                what="every card on the projector",
            )
            countdown = projector.find(lambda s: "remaining" in s and "anchor" in s)
            state = dict(projector.models[countdown])
            text = projector.html_text()
            await projector.close()
            return text, state

    text, countdown = run(projector_after_crash(), phone)
    wall.wait_for_function("() => window.bfBeforeCrash === undefined", timeout=120_000)  # it came back by itself
    wall.wait_for_function("() => document.querySelectorAll('.bf-board-card').length >= 3", timeout=60_000)
    assert "kort fra kernen efter nedbruddet" in wall.inner_text(".bf-board")
    for card in (
        "kort fra telefonen før nedbruddet",
        "kort fra kernen før nedbruddet",
        "kort fra kernen efter nedbruddet",
    ):
        assert card in text
    assert "Trin 3 af" in text
    assert countdown["running"] is False and countdown["remaining"] == pytest.approx(400.0)

    engine = store.connect(servers.db_url)
    after = store.get_room(engine, room.id)
    assert after is not None and after.step_index == room.step_index == 2
    assert not after.timer_running and after.timer_remaining == pytest.approx(400.0)
    assert len(store.list_inputs(engine, room.id)) == 3
    assert len(store.list_participants(engine, room.id)) == 2
    store.dispose_all()
    restarts = servers.log.read_text(encoding="utf-8", errors="replace")
    assert "the participant server stopped; restarting it" in restarts
    assert "the moderator server stopped; restarting it" in restarts
    context.close()
